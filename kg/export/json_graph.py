"""Writes and reads the assembled graph as networkx node-link JSON (``graph.json``): the build's
own record from which ``kg export`` produces other formats without re-running extraction."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import orjson

from kg.atomic import WRITE_CHUNK, atomic_background_writer
from kg.export.splice import Plan, copy_plan_at, no_copies, offsets, offsets_from, open_old
from kg.graph.evidence import Evidence
from kg.graph.shared_keys import SharedKeyDicts

_HEADER = b'{"directed": true, "graph": {}, "multigraph": true,\n"nodes": [\n'
_MIDDLE = b'\n],\n"edges": [\n'
_FOOTER = b"\n]}\n"
_SEPARATOR = b",\n"
#: The parts of graph.json besides the nodes' and edges' own (made, never copied)
_MARKS = (("m", ""), ("z", ""))

Owner = tuple[str, str]  # ("n", node): its record; ("e", node): its outgoing edges; or one of _MARKS


@dataclass
class JsonIndex:
    """Where each part of a ``graph.json`` begins (-1 for the first of the nodes or of the edges,
    which has no separator before it), so that a later build can copy what did not change. The
    parts are those of :func:`_owners_of`: kept as the sorted node ids and, for each, whether it
    has an edges part (a tuple per part took twice the memory, read back at every rebuild)."""

    nodes: list[str]
    edges: bytes  # 1 for each node (of ``nodes``) with outgoing edges, else 0
    starts: Sequence[int]
    size: int

    def to_data(self) -> tuple:
        """Plain data (for ``marshal``), read back by :meth:`from_data`."""
        return self.nodes, self.edges, bytes(memoryview(self.starts)), self.size

    @classmethod
    def from_data(cls, data: tuple) -> JsonIndex:
        nodes, edges, starts, size = data
        return cls(nodes, edges, offsets_from(starts), size)


def _ordered(graph: nx.MultiDiGraph) -> tuple[list[str], bytes]:
    """The graph's nodes in the file's order (sorted) and, for each, whether it has outgoing edges."""
    ordered = sorted(graph._node)
    succ = graph._succ
    return ordered, bytes(1 if succ[node] else 0 for node in ordered)


def _owners_of(nodes: list[str], edges: bytes) -> list[Owner]:
    """The parts of the file in order: every node's record, the middle, the outgoing edges of the
    nodes that have some, the end."""
    return ([("n", node) for node in nodes] + [_MARKS[0]]
            + [("e", node) for node, has in zip(nodes, edges) if has] + [_MARKS[1]])


def _owners(graph: nx.MultiDiGraph) -> list[Owner]:
    """The parts of the graph's file in order (see :func:`_owners_of`)."""
    return _owners_of(*_ordered(graph))


def _old_places(nodes: list[str], edges: bytes, old: JsonIndex) -> np.ndarray:
    """Where each part of :func:`_owners_of` ``(nodes, edges)`` was among the old file's parts
    (-1 where it was not): both node lists are sorted, so one merge over them finds every node
    (no table of a big file's parts, which cost more than the parts themselves)."""
    old_nodes = old.nodes
    new_count, old_count = len(nodes), len(old_nodes)
    at = np.full(new_count, -1, dtype=np.int64)  # each node's place among the old nodes
    i = j = 0
    while i < new_count and j < old_count:
        a, b = nodes[i], old_nodes[j]
        if a == b:
            at[i] = j
            i += 1
            j += 1
        elif a < b:
            i += 1
        else:
            j += 1
    has_edges = np.frombuffer(edges, dtype=np.uint8).astype(bool)
    had_edges = np.frombuffer(old.edges, dtype=np.uint8).astype(bool)
    edge_rank = np.cumsum(had_edges) - 1  # an old node's place among the old edges parts
    edge_nodes = at[has_edges]  # the old place of each node with an edges part now
    edge_at = np.full(len(edge_nodes), -1, dtype=np.int64)
    was = edge_nodes >= 0
    was[was] = had_edges[edge_nodes[was]]
    edge_at[was] = old_count + 1 + edge_rank[edge_nodes[was]]
    return np.concatenate([at, [old_count], edge_at, [old_count + 1 + int(had_edges.sum())]]).astype(np.int64)


def _part(graph: nx.MultiDiGraph, owner: Owner, first: bool) -> bytes:
    """The bytes of one part: a node's record or its edges (one per line, keys sorted, orjson: the
    same JSON as ``json.dumps(sort_keys=True)``, compact), after a separator unless ``first``."""
    kind, node = owner
    if kind == "n":
        data = orjson.dumps({"id": node, **graph._node[node]}, option=orjson.OPT_SORT_KEYS)
    elif kind == "e":
        data = _SEPARATOR.join(orjson.dumps({"source": node, "target": v, "key": k, **keyed[k]}, option=orjson.OPT_SORT_KEYS)
                               for v, keyed in sorted(graph._succ[node].items()) for k in sorted(keyed))
    else:
        return _MIDDLE if owner == _MARKS[0] else _FOOTER
    return data if first else _SEPARATOR + data


def _parts(graph: nx.MultiDiGraph, owners: list[Owner], plan: Plan) -> Iterator[tuple[int, int, bytes]]:
    """``(index, copied, data)`` for each owner from the start: ``copied`` owners from ``index`` on
    are to be copied from the old file, or else ``data`` is owner ``index``'s part."""
    index = 0
    first = True  # the next part opens a section
    while index < len(owners):
        copied = 0 if first else plan(index)
        if copied:
            yield index, copied, b""
            index += copied
            continue
        owner = owners[index]
        yield index, 0, _part(graph, owner, first)
        first = owner in _MARKS
        index += 1


def json_chunks(graph: nx.MultiDiGraph) -> Iterator[bytes]:
    """The node-link document in pieces of UTF-8: one node or edge per line, nodes and edges sorted,
    keys sorted, so the file is byte-identical for the same graph and can be written as a stream."""
    yield _HEADER
    for _, _, data in _parts(graph, _owners(graph), no_copies):
        yield data


def write_json(graph: nx.MultiDiGraph, path: Path) -> Path:
    write_json_indexed(graph, path)
    return Path(path)


def write_json_indexed(graph: nx.MultiDiGraph, path: Path, previous: JsonIndex | None = None, changed: Collection[str] = (),
                       commit: contextlib.ExitStack | None = None) -> JsonIndex:
    """:func:`write_json`, returning where each part is. With ``previous`` (the index of the file now
    at ``path``) and ``changed`` (the nodes whose data or outgoing edges changed since, new ones
    included), the other parts are copied from the old file; byte-identical to writing everything.
    With ``commit``, the file is finished when that stack closes (see ``kg.export.rdf.write_rdf_indexed``)."""
    nodes, edges = _ordered(graph)
    owners = _owners_of(nodes, edges)
    starts = offsets(len(owners))
    with contextlib.ExitStack() as local:
        stack = commit if commit is not None else local
        plan: Plan = no_copies
        where: Callable[[int], int] = no_copies
        old = -1
        if previous is not None:
            old = stack.enter_context(open_old(path, previous.size))
            todo = {("n", node) for node in changed} | {("e", node) for node in changed} | set(_MARKS)
            plan, where = copy_plan_at(owners, _old_places(nodes, edges, previous), previous.starts, todo)
            del todo
            previous = JsonIndex([], b"", previous.starts, previous.size)  # its nodes (a big file's: ~50 MB) are done with
        writer = stack.enter_context(atomic_background_writer(path))
        writer.write(_HEADER)
        at = len(_HEADER)
        done: list[bytes] = []
        written = at  # where the bytes in `done` begin
        for index, copied, data in _parts(graph, owners, plan):
            starts[index] = at if data[:2] == _SEPARATOR or copied or owners[index] in _MARKS else -1
            if not copied:
                done.append(data)
                at += len(data)
                if at - written >= WRITE_CHUNK:
                    writer.write(b"".join(done))
                    done.clear()
                    written = at
                continue
            assert previous is not None
            writer.write(b"".join(done))
            done.clear()
            first = where(index)
            for offset in range(1, copied):
                starts[index + offset] = at + previous.starts[first + offset] - previous.starts[first]
            length = previous.starts[first + copied] - previous.starts[first]  # a mark always follows a run
            writer.copy(old, previous.starts[first], length)
            at += length
            written = at
        writer.write(b"".join(done))
    return JsonIndex(nodes, edges, starts, at)


def read_json(path: Path) -> nx.MultiDiGraph:
    """Read a ``graph.json`` written by :func:`write_json` (the same graph: evidence items become
    :class:`~kg.graph.evidence.Evidence` records again), straight into networkx's own dicts."""
    document = orjson.loads(Path(path).read_bytes())
    graph = nx.MultiDiGraph()
    succ, pred, nodes = graph._succ, graph._pred, graph._node
    for data in document["nodes"]:
        node = data.pop("id")
        if node in nodes:  # listed twice (a hand-edited file): attributes merge, as add_node does
            nodes[node].update(data)
            continue
        succ[node], pred[node], nodes[node] = {}, {}, data
    from_mapping = Evidence.from_mapping
    shared = SharedKeyDicts()  # the edges' dicts, as assembly makes them (kg.graph.shared_keys)
    attributes, single = shared.make, shared.single
    for data in document["edges"]:
        source, target, key = data.pop("source"), data.pop("target"), data.pop("key")
        evidence = data.get("evidence")
        if type(evidence) is list:
            data["evidence"] = [from_mapping(item) if type(item) is dict else item for item in evidence]
        for node in (source, target):
            if node not in nodes:
                succ[node], pred[node], nodes[node] = {}, {}, {}
        keyed = succ[source].get(target)
        if keyed is None:
            succ[source][target] = pred[target][source] = single(key, attributes(data))
        elif key in keyed:  # listed twice: attributes merge, as add_edge does
            keyed[key].update(data)
        else:
            keyed[key] = attributes(data)
    return graph
