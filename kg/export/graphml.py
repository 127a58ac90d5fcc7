"""Writes the graph as GraphML (Gephi, Cytoscape, yEd, networkx, igraph): every attribute declared
as a typed ``<key>``, lists and evidence as JSON text, one ``<edge>`` per typed edge with a stable id."""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, indent, tostring

import networkx as nx

from kg.atomic import atomic_write_text
from kg.export.attributes import (
    XML_ATTR_TYPE,
    Column,
    as_text,
    columns,
    edge_id,
    sorted_edges,
    sorted_nodes,
    xml_safe,
)

NS = "http://graphml.graphdrawing.org/xmlns"
SCHEMA_LOCATION = f"{NS} http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"


def _declare(root: Element, domain: str, cols: list[Column]) -> dict[str, tuple[str, str]]:
    keys = {}
    for column in cols:
        key = f"{domain[0]}_{column.name}"
        SubElement(root, "key", {"id": key, "for": domain, "attr.name": column.name,
                                 "attr.type": XML_ATTR_TYPE[column.kind]})
        keys[column.name] = (key, column.kind)
    return keys


def _data(element: Element, data: dict, keys: dict[str, tuple[str, str]]) -> None:
    for name in sorted(data):
        key, kind = keys[name]
        SubElement(element, "data", {"key": key}).text = xml_safe(as_text(data[name], kind))


def to_graphml(graph: nx.MultiDiGraph) -> str:
    """The GraphML document.

    Scalars keep their type (``attr.type`` boolean, long, double, string); list attributes
    (``aliases``, ``authors``, ``hedges``, ``papers`` on edges …) and ``evidence`` are JSON arrays
    in string keys. Key ids are ``n_<name>`` / ``e_<name>``; edge ids are ``source|type|target``
    (networkx reads them back as the multigraph keys).
    """
    root = Element("graphml", {"xmlns": NS, "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                               "xsi:schemaLocation": SCHEMA_LOCATION})
    node_keys = _declare(root, "node", columns(data for _, data in graph.nodes(data=True)))
    edge_keys = _declare(root, "edge", columns(data for *_, data in graph.edges(keys=True, data=True)))
    body = SubElement(root, "graph", {"id": "neuroai-kg", "edgedefault": "directed"})
    for node, data in sorted_nodes(graph):
        _data(SubElement(body, "node", {"id": node}), data, node_keys)
    for source, target, key, data in sorted_edges(graph):
        element = SubElement(body, "edge", {"id": edge_id(source, key, target), "source": source, "target": target})
        _data(element, data, edge_keys)
    indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> Path:
    return atomic_write_text(path, to_graphml(graph))
