"""Writes and reads the assembled graph as networkx node-link JSON (``graph.json``): the build's
own record from which ``kg export`` produces other formats without re-running extraction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import orjson

from kg.atomic import atomic_background_writer
from kg.graph.evidence import Evidence


def json_chunks(graph: nx.MultiDiGraph) -> Iterator[bytes]:
    """The node-link document in pieces of UTF-8: one node or edge per line, nodes and edges sorted,
    keys sorted, so the file is byte-identical for the same graph and can be written as a stream."""

    def records(items: Iterator[dict]) -> Iterator[bytes]:  # a thousand records a chunk
        first, batch = True, []
        for item in items:  # orjson: the same JSON as json.dumps(sort_keys=True), compact, 5x faster
            batch.append(orjson.dumps(item, option=orjson.OPT_SORT_KEYS))
            if len(batch) == 1000:
                yield (b"" if first else b",\n") + b",\n".join(batch)
                first, batch = False, []
        if batch:
            yield (b"" if first else b",\n") + b",\n".join(batch)

    yield b'{"directed": true, "graph": {}, "multigraph": true,\n"nodes": [\n'
    yield from records({"id": node, **data} for node, data in sorted(graph.nodes(data=True)))
    yield b'\n],\n"edges": [\n'
    yield from records({"source": u, "target": v, "key": k, **keyed[k]}  # sorted by (u, v, key), walking the adjacency
                       for u, neighbours in sorted(graph._succ.items()) for v, keyed in sorted(neighbours.items()) for k in sorted(keyed))
    yield b"\n]}\n"


def write_json(graph: nx.MultiDiGraph, path: Path) -> Path:
    with atomic_background_writer(path) as writer:
        for chunk in json_chunks(graph):
            writer.write(chunk)
    return Path(path)


def read_json(path: Path) -> nx.MultiDiGraph:
    """Read a ``graph.json`` written by :func:`write_json` (the same graph: evidence items become
    :class:`~kg.graph.evidence.Evidence` records again)."""
    document = orjson.loads(Path(path).read_bytes())
    graph = nx.MultiDiGraph()
    succ, pred, nodes = graph._succ, graph._pred, graph._node
    for data in document["nodes"]:
        node = data.pop("id")
        if node not in nodes:
            succ[node], pred[node] = {}, {}
        nodes[node] = data
    from_mapping = Evidence.from_mapping
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
            keyed = succ[source][target] = pred[target][source] = {}
        keyed[key] = data
    return graph
