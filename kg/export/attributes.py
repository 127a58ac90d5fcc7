"""The attribute columns that the flat exports (GraphML, GEXF, CSV, Neo4j) share: the type of every
node and edge attribute, inferred from the values, and how lists and evidence are encoded as text."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from kg.graph.evidence import evidence_default

#: column kind → XML attribute type (GraphML ``attr.type``, GEXF ``type``); lists and evidence are
#: JSON text in string attributes
XML_ATTR_TYPE = {"boolean": "boolean", "integer": "long", "float": "double", "string": "string",
                 "list": "string", "json": "string"}


@dataclass(frozen=True)
class Column:
    """One attribute of nodes or edges and the kind of its values: ``boolean``, ``integer``,
    ``float``, ``string``, ``list`` (of strings) or ``json`` (any other structure — the evidence,
    a list of dicts — written as JSON text)."""

    name: str
    kind: str


def kind_of(value: Any) -> str:
    """The column kind of one attribute value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return "list"
    return "json"


def _widen(first: str, second: str) -> str:
    if first == second:
        return first
    if {first, second} == {"integer", "float"}:
        return "float"
    return "json"  # anything else mixed is kept losslessly as JSON text


def columns(records: Iterable[dict[str, Any]], skip: Iterable[str] = ()) -> list[Column]:
    """The columns of ``records`` (attribute dicts), sorted by name, each with the widest kind seen."""
    skipped = set(skip)
    kinds: dict[str, str] = {}
    for record in records:
        for name, value in record.items():
            if name in skipped:
                continue
            kind = kind_of(value)
            kinds[name] = _widen(kinds[name], kind) if name in kinds else kind
    return [Column(name, kinds[name]) for name in sorted(kinds)]


def sorted_nodes(graph: nx.MultiDiGraph) -> list[tuple[str, dict[str, Any]]]:
    return sorted(graph.nodes(data=True), key=lambda item: item[0])


def sorted_edges(graph: nx.MultiDiGraph) -> list[tuple[str, str, str, dict[str, Any]]]:
    return sorted(graph.edges(keys=True, data=True), key=lambda edge: (edge[0], edge[1], edge[2]))


def edge_id(source: str, key: str, target: str) -> str:
    """A stable, unique id for an edge: ``source|type|target`` (node ids never contain ``|``)."""
    return f"{source}|{key}|{target}"


def json_text(value: Any) -> str:
    """Compact JSON with sorted keys and unescaped non-ASCII characters."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=evidence_default)


def as_text(value: Any, kind: str) -> str:
    """The value as one text field: lists and structures as JSON, booleans as ``true``/``false``."""
    if kind in ("list", "json"):
        return json_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "float":
        return repr(float(value))
    return str(value)


def xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 cannot hold (C0 controls other than tab, newline and CR)."""
    return "".join(c for c in text if c in "\t\n\r" or (ord(c) >= 32 and not 0xFFFE <= ord(c) <= 0xFFFF))
