"""Writes the graph as Cytoscape.js JSON (``.cyjs``), which Cytoscape desktop imports with File →
Import → Network from File and Cytoscape.js loads as ``elements``: nodes and edges with ``data``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx

from kg import __version__
from kg.atomic import atomic_write_text
from kg.export.attributes import columns, edge_id, json_text, sorted_edges, sorted_nodes


def _data(attributes: dict[str, Any], kinds: dict[str, str]) -> dict[str, Any]:
    """Scalars and lists of strings as they are (Cytoscape list columns); evidence as JSON text.
    ``kinds`` is each column's kind over all records, so an empty evidence list is still JSON text."""
    return {name: json_text(value) if kinds[name] == "json" else value for name, value in sorted(attributes.items())}


def to_cytoscape(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """The Cytoscape.js document: ``elements.nodes[].data`` has ``id``, ``name`` (= label, the column
    Cytoscape desktop shows) and every node attribute; ``elements.edges[].data`` has ``id``
    (``source|type|target``), ``source``, ``target``, ``interaction`` (= type) and every edge attribute."""
    node_kinds = {c.name: c.kind for c in columns(data for _, data in graph.nodes(data=True))}
    edge_kinds = {c.name: c.kind for c in columns(data for _, _, data in graph.edges(data=True))}
    nodes = [{"data": {**_data(data, node_kinds), "id": node, "name": data.get("label", node)}} for node, data in sorted_nodes(graph)]
    edges = [
        {"data": {**_data(data, edge_kinds), "id": edge_id(source, key, target), "source": source, "target": target, "interaction": key}}
        for source, target, key, data in sorted_edges(graph)
    ]
    return {
        "format_version": "1.0",
        "generated_by": f"neuroai-kg {__version__}",
        "target_cytoscapejs_version": "~3",
        "data": {"name": "neuroai-kg", "shared_name": "neuroai-kg"},
        "elements": {"nodes": nodes, "edges": edges},
    }


def write_cytoscape(graph: nx.MultiDiGraph, path: Path) -> Path:
    return atomic_write_text(path, json.dumps(to_cytoscape(graph), ensure_ascii=False, indent=1) + "\n")
