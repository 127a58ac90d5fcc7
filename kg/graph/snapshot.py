"""Saves an assembled graph as one compact binary file and reads it back, several times faster than
graph.json: the build's private record for adding papers later (``marshal``, tied to the Python version)."""

from __future__ import annotations

import marshal
import struct
import sys
from collections.abc import Iterator
from itertools import islice, starmap
from pathlib import Path
from typing import IO, Any

import networkx as nx

from kg.atomic import atomic_open_binary
from kg.graph.evidence import evidence_from_values, evidence_values
from kg.graph.shared_keys import SharedKeyDicts

#: What a snapshot file starts with; another value (an older layout, another Python) is not read.
MAGIC = f"kg-graph-snapshot 6 python {sys.version_info[0]}.{sys.version_info[1]} marshal {marshal.version}\n".encode("ascii")
#: Nodes (or edge sources) per record: each record is marshalled on its own, so writing and reading
#: a snapshot holds one record's bytes at a time, never the whole file's.
CHUNK = 4096

_LENGTH = struct.Struct("<Q")


def _plain(attrs: dict, memo: dict[int, tuple]) -> dict:
    """The edge attributes with a list of :class:`Evidence` records as a tuple of their values (a
    tuple marks them: the graph holds lists); other evidence as it is. A list that several edges
    share (a claim's sentence: its hasClaim and about edges) gives one tuple (``memo``: by the
    list's id), which ``marshal`` writes once and :func:`load` makes one list of again."""
    evidence = attrs.get("evidence")
    if evidence and type(evidence) is list:
        plain = memo.get(id(evidence))
        if plain is None:
            try:
                plain = memo[id(evidence)] = tuple(map(evidence_values, evidence))
            except AttributeError:  # not all Evidence records (a graph read from elsewhere)
                return attrs
        return {**attrs, "evidence": plain}
    return attrs


def _records(graph: nx.MultiDiGraph, extra: Any) -> Iterator[tuple[str, Any]]:
    """The snapshot's records: the nodes, a few thousand at a time, each with its attributes and
    its outgoing edges as ``(target, key, attributes)``; last, ``extra``. A node and its edges are
    marshalled together, so that what they share (a paper's sentences, a claim's text) is written,
    and read back, once."""
    succ = graph._succ
    nodes = iter(graph._node.items())
    while chunk := list(islice(nodes, CHUNK)):
        memo: dict[int, tuple] = {}
        yield "nodes", [(node, attrs, [(target, key, _plain(data, memo)) for target, keyed in succ[node].items()
                                       for key, data in keyed.items()])
                        for node, attrs in chunk]
    yield "extra", extra


def save(path: Path, graph: nx.MultiDiGraph, extra: Any = None) -> Path:
    """Write the graph (and ``extra``: plain containers) to ``path`` atomically. Not synced to disk:
    a snapshot is a cache, and one that a crash left damaged is refused on loading (the build then
    starts over)."""
    with atomic_open_binary(path, sync=False) as stream:
        stream.write(MAGIC)
        for record in _records(graph, extra):
            data = marshal.dumps(record)
            stream.write(_LENGTH.pack(len(data)))
            stream.write(data)
    return Path(path)


def _read(stream: IO[bytes], name: str) -> Iterator[tuple[str, Any]]:
    if stream.read(len(MAGIC)) != MAGIC:
        raise ValueError(f"{name}: not a graph snapshot of this version")
    while True:
        head = stream.read(_LENGTH.size)
        if len(head) != _LENGTH.size:
            raise ValueError(f"{name}: damaged graph snapshot (it ends before its last record)")
        data = stream.read(_LENGTH.unpack(head)[0])
        try:
            kind, value = marshal.loads(data)
        except (EOFError, ValueError, TypeError) as error:
            raise ValueError(f"{name}: damaged graph snapshot ({error})") from error
        yield kind, value
        if kind == "extra":
            return


def load(path: Path) -> tuple[nx.MultiDiGraph, Any]:
    """The graph and ``extra`` that :func:`save` wrote. Raises ``ValueError`` naming the file when it
    is not a snapshot this Python can read."""
    graph = nx.MultiDiGraph()
    nodes: dict[str, dict] = {}
    succ: dict[str, dict] = {}
    pred: dict[str, dict] = {}
    canonical: dict[str, str] = {}  # each id's one string object (a target may come before its node)
    make = evidence_from_values
    shared = SharedKeyDicts()  # the edges' dicts, as assembly makes them (kg.graph.shared_keys)
    attributes, single = shared.make, shared.single
    extra: Any = None
    with open(path, "rb") as stream:
        for kind, value in _read(stream, str(path)):
            if kind != "nodes":
                extra = value
                continue
            made: dict[int, list] = {}  # evidence lists by the id of their tuple: one list per shared tuple
            for node, attrs, edges in value:
                node = canonical.setdefault(node, node)
                nodes[node] = attrs
                neighbours = succ[node] = {}
                for target, key, data in edges:
                    target = canonical.setdefault(target, target)
                    evidence = data.get("evidence")
                    if type(evidence) is tuple:
                        items = made.get(id(evidence))
                        if items is None:
                            items = made[id(evidence)] = list(starmap(make, evidence))
                        data["evidence"] = items
                    data = attributes(data)
                    keyed = neighbours.get(target)
                    if keyed is None:  # one key dict shared by both directions, as networkx keeps it
                        keyed = neighbours[target] = single(key, data)
                        into = pred.get(target)
                        if into is None:
                            into = pred[target] = {}
                        into[node] = keyed
                    else:
                        keyed[key] = data
    if not pred.keys() <= nodes.keys():
        raise ValueError(f"{path}: damaged graph snapshot (an edge to a node it does not hold)")
    # networkx's own dicts, as it fills them: every node's adjacency in the order of the nodes
    graph._node, graph._succ, graph._pred = nodes, succ, {node: pred.get(node) or {} for node in nodes}
    return graph, extra


__all__ = ["CHUNK", "MAGIC", "load", "save"]
