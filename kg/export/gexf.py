"""Writes the graph as GEXF 1.3 for Gephi: declared node and edge attributes, the edge type as
``kind`` and ``label``, confidence as ``weight``, and a paper's date as the start of its lifetime."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, indent, tostring

import networkx as nx

from kg import __version__
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

NS = "http://gexf.net/1.3"
SCHEMA_LOCATION = f"{NS} http://gexf.net/1.3/gexf.xsd"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _declare(graph_element: Element, domain: str, cols: list[Column]) -> dict[str, str]:
    declared = SubElement(graph_element, "attributes", {"class": domain, "mode": "static"})
    kinds = {}
    for column in cols:
        SubElement(declared, "attribute", {"id": column.name, "title": column.name, "type": XML_ATTR_TYPE[column.kind]})
        kinds[column.name] = column.kind
    return kinds


def _attvalues(element: Element, data: dict, kinds: dict[str, str]) -> None:
    names = [name for name in sorted(data) if name in kinds]
    if names:
        values = SubElement(element, "attvalues")
        for name in names:
            SubElement(values, "attvalue", {"for": name, "value": xml_safe(as_text(data[name], kinds[name]))})


def to_gexf(graph: nx.MultiDiGraph) -> str:
    """The GEXF 1.3 document.

    Node ``label`` is the GEXF label; every other attribute is declared in ``<attributes>`` with its
    type (boolean, long, double, string; lists and evidence as JSON text). Edges carry
    ``kind``/``label`` = edge type, ``weight`` = confidence, id ``source|type|target``. The graph is
    dynamic with ``timeformat="date"``: a paper with a full date starts then (``start``); nodes without
    a date and all edges have no time bounds, so a static view is unchanged.
    """
    root = Element("gexf", {"xmlns": NS, "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                            "xsi:schemaLocation": SCHEMA_LOCATION, "version": "1.3"})
    meta = SubElement(root, "meta")
    SubElement(meta, "creator").text = f"neuroai-kg {__version__}"
    SubElement(meta, "description").text = "Papers, methods, datasets, modalities and claims extracted from abstracts"
    body = SubElement(root, "graph", {"defaultedgetype": "directed", "mode": "dynamic", "timeformat": "date"})
    node_kinds = _declare(body, "node", columns((data for _, data in graph.nodes(data=True)), skip=("label",)))
    edge_kinds = _declare(body, "edge", columns(data for *_, data in graph.edges(keys=True, data=True)))
    nodes = SubElement(body, "nodes", {"count": str(graph.number_of_nodes())})
    for node, data in sorted_nodes(graph):
        element = SubElement(nodes, "node", {"id": node, "label": xml_safe(str(data.get("label", node)))})
        if ISO_DATE.fullmatch(str(data.get("date", ""))):
            element.set("start", data["date"])
        _attvalues(element, data, node_kinds)
    edges = SubElement(body, "edges", {"count": str(graph.number_of_edges())})
    for source, target, key, data in sorted_edges(graph):
        element = SubElement(edges, "edge", {"id": edge_id(source, key, target), "source": source, "target": target,
                                             "kind": key, "label": key})
        if "confidence" in data:
            element.set("weight", repr(float(data["confidence"])))
        _attvalues(element, data, edge_kinds)
    indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"


def write_gexf(graph: nx.MultiDiGraph, path: Path) -> Path:
    return atomic_write_text(path, to_gexf(graph))
