"""Writes and reads the assembled graph as networkx node-link JSON (``graph.json``): the build's
own record from which ``kg export`` produces other formats without re-running extraction."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from kg.export.atomic import atomic_write_text


def to_json(graph: nx.MultiDiGraph) -> str:
    nodes = [{"id": node, **data} for node, data in sorted(graph.nodes(data=True))]
    edges = [
        {"source": u, "target": v, "key": k, **data}
        for u, v, k, data in sorted(graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2]))
    ]
    document = {"directed": True, "multigraph": True, "graph": {}, "nodes": nodes, "edges": edges}
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def write_json(graph: nx.MultiDiGraph, path: Path) -> Path:
    return atomic_write_text(path, to_json(graph))


def read_json(path: Path) -> nx.MultiDiGraph:
    """Read a ``graph.json`` written by :func:`write_json`."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    graph = nx.MultiDiGraph()
    for node in document["nodes"]:
        data = dict(node)
        graph.add_node(data.pop("id"), **data)
    for edge in document["edges"]:
        data = dict(edge)
        graph.add_edge(data.pop("source"), data.pop("target"), key=data.pop("key"), **data)
    return graph
