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
from kg.graph.evidence import Evidence, evidence_values

#: What a snapshot file starts with; another value (an older layout, another Python) is not read.
MAGIC = f"kg-graph-snapshot 5 python {sys.version_info[0]}.{sys.version_info[1]} marshal {marshal.version}\n".encode("ascii")
#: Nodes (or edge sources) per record: each record is marshalled on its own, so writing and reading
#: a snapshot holds one record's bytes at a time, never the whole file's.
CHUNK = 4096

_LENGTH = struct.Struct("<Q")


def _plain(attrs: dict) -> dict:
    """The edge attributes with a list of :class:`Evidence` records as a tuple of their values (a
    tuple marks them: the graph holds lists); other evidence as it is."""
    evidence = attrs.get("evidence")
    if evidence and type(evidence) is list:
        try:
            return {**attrs, "evidence": tuple(map(evidence_values, evidence))}
        except AttributeError:  # not all Evidence records (a graph read from elsewhere)
            pass
    return attrs


def _records(graph: nx.MultiDiGraph, extra: Any) -> Iterator[tuple[str, Any]]:
    """The snapshot's records: the nodes with their attributes, then each node's outgoing edges
    as ``(target, key, attributes)``, a few thousand at a time; last, ``extra``."""
    nodes = iter(graph._node.items())
    while chunk := list(islice(nodes, CHUNK)):
        yield "nodes", chunk
    sources = iter(graph._succ.items())
    while chunk := list(islice(sources, CHUNK)):
        yield "edges", [(source, [(target, key, _plain(attrs)) for target, keyed in neighbours.items()
                                  for key, attrs in keyed.items()])
                        for source, neighbours in chunk]
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
    canonical: dict[str, str] = {}
    make = Evidence
    extra: Any = None
    with open(path, "rb") as stream:
        for kind, value in _read(stream, str(path)):
            if kind == "nodes":
                for node, attrs in value:
                    nodes[node], succ[node], pred[node], canonical[node] = attrs, {}, {}, node
            elif kind == "edges":
                for source, edges in value:
                    source = canonical[source]
                    neighbours = succ[source]
                    for target, key, attrs in edges:
                        target = canonical[target]  # the node's own id object (records share none)
                        evidence = attrs.get("evidence")
                        if type(evidence) is tuple:
                            attrs["evidence"] = list(starmap(make, evidence))
                        keyed = neighbours.get(target)
                        if keyed is None:  # one key dict shared by both directions, as networkx keeps it
                            keyed = neighbours[target] = pred[target][source] = {}
                        keyed[key] = attrs
            else:
                extra = value
    graph._node, graph._succ, graph._pred = nodes, succ, pred  # networkx's own dicts, as it fills them
    return graph, extra


__all__ = ["CHUNK", "MAGIC", "load", "save"]
