"""Writes the graph for Neo4j: CSV files for ``neo4j-admin database import full`` (one node file per
label, one relationship file per type, typed headers) and an idempotent Cypher script (MERGE on id)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import networkx as nx

from kg.atomic import atomic_write_text
from kg.export.attributes import Column, as_text, columns, sorted_edges, sorted_nodes

#: column kind → neo4j-admin import header type (``string[]`` cells are joined by the array delimiter;
#: evidence is JSON text); ``double`` rather than ``float`` keeps the confidences exact.
HEADER_TYPE = {"boolean": "boolean", "integer": "long", "float": "double", "string": "string",
               "list": "string[]", "json": "string"}
#: the first of these that occurs in no list element is the array delimiter (``;`` in practice)
ARRAY_DELIMITERS = (";", "|", "¦", "\u241f")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def relationship_type(key: str) -> str:
    """The Neo4j relationship type of an edge type: ``usesMethod`` → ``USES_METHOD``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).upper()


def array_delimiter(graph: nx.MultiDiGraph) -> str:
    """The array delimiter for this graph: ``;`` unless some list element contains it."""
    used = set()
    for data in [d for _, d in graph.nodes(data=True)] + [d for *_, d in graph.edges(keys=True, data=True)]:
        for value in data.values():
            if isinstance(value, list):
                used.update(c for item in value if isinstance(item, str) for c in ARRAY_DELIMITERS if c in item)
    for delimiter in ARRAY_DELIMITERS:
        if delimiter not in used:
            return delimiter
    raise ValueError(f"every candidate array delimiter {ARRAY_DELIMITERS} occurs in a list value")


def _cell(value: Any, column: Column, delimiter: str) -> str:
    if column.kind == "list":
        return delimiter.join(value)
    return as_text(value, column.kind)


def _field(cell: str) -> str:
    """RFC 4180 quoting where needed — also for a bare carriage return, which ``csv.writer`` with a
    ``"\n"`` line terminator leaves unquoted although every CSV reader takes it for a line break."""
    return f'"{cell.replace(chr(34), chr(34) * 2)}"' if any(c in cell for c in ',"\n\r') else cell


def _table(header: list[str], rows: list[list[str]]) -> str:
    return "".join(",".join(map(_field, row)) + "\n" for row in [header, *rows])


def to_neo4j_csv(graph: nx.MultiDiGraph) -> dict[str, str]:
    """File name → text: ``nodes_<Label>.csv``, ``relationships_<TYPE>.csv`` and ``import.sh``.

    Node headers are ``id:ID,:LABEL,<name>:<type>…`` (the label is the node ``type``); relationship
    headers ``:START_ID,:END_ID,:TYPE,<name>:<type>…``. Empty cells (an absent value or an empty list)
    set no property. Lists are ``string[]`` joined by the array delimiter that ``import.sh`` passes.
    """
    delimiter = array_delimiter(graph)
    files: dict[str, str] = {}
    by_label: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for node, data in sorted_nodes(graph):
        by_label[str(data["type"])].append((node, data))
    for label, members in sorted(by_label.items()):
        cols = columns(data for _, data in members)
        header = ["id:ID", ":LABEL"] + [f"{c.name}:{HEADER_TYPE[c.kind]}" for c in cols]
        rows = [[node, label] + [_cell(data[c.name], c, delimiter) if c.name in data else "" for c in cols]
                for node, data in members]
        files[f"nodes_{label}.csv"] = _table(header, rows)
    by_type: dict[str, list[tuple[str, str, dict]]] = defaultdict(list)
    for source, target, key, data in sorted_edges(graph):
        by_type[relationship_type(key)].append((source, target, data))
    for rel_type, members in sorted(by_type.items()):
        cols = columns(data for *_, data in members)
        header = [":START_ID", ":END_ID", ":TYPE"] + [f"{c.name}:{HEADER_TYPE[c.kind]}" for c in cols]
        rows = [[source, target, rel_type] + [_cell(data[c.name], c, delimiter) if c.name in data else "" for c in cols]
                for source, target, data in members]
        files[f"relationships_{rel_type}.csv"] = _table(header, rows)
    files["import.sh"] = _import_script(files, delimiter)
    return files


def _import_script(files: dict[str, str], delimiter: str) -> str:
    options = [f"--nodes={name}" for name in files if name.startswith("nodes_")]
    options += [f"--relationships={name}" for name in files if name.startswith("relationships_")]
    options += ["--delimiter=','", f"--array-delimiter='{delimiter}'", "--quote='\"'", "--multiline-fields=true"]
    lines = [
        "#!/bin/sh",
        "# Load these CSV files into a new Neo4j 5 database (the server must be stopped):",
        "#   sh import.sh [DATABASE]        (default database: neo4j; replaces its contents)",
        "# Afterwards start Neo4j; if DATABASE is not the default one, run CREATE DATABASE DATABASE.",
        "set -e",
        'cd "$(dirname "$0")"',
        "neo4j-admin database import full --overwrite-destination \\",
        *(f"    {option} \\" for option in options),
        '    "${1:-neo4j}"',
    ]
    return "\n".join(lines) + "\n"


def write_neo4j_csv(graph: nx.MultiDiGraph, folder: Path) -> list[Path]:
    """Write the admin-import CSV files and ``import.sh`` into ``folder``."""
    return [atomic_write_text(Path(folder) / name, text) for name, text in to_neo4j_csv(graph).items()]


# ---------------------------------------------------------------------------------------------- Cypher


def cypher_string(text: str) -> str:
    """A single-quoted Cypher string literal."""
    out = []
    for char in text:
        if char in "\\'":
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 32:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "'" + "".join(out) + "'"


def cypher_value(value: Any, kind: str) -> str:
    """A Cypher literal: booleans, integers, floats, strings, lists of strings; JSON text for the rest."""
    if kind == "list":
        return "[" + ", ".join(cypher_string(item) for item in value) + "]"
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "integer":
        return str(int(value))
    if kind == "float":
        return repr(float(value))
    return cypher_string(as_text(value, kind))


def _name(name: str) -> str:
    return name if IDENTIFIER.fullmatch(name) else "`" + name.replace("`", "``") + "`"


def _assignments(variable: str, data: dict, cols: list[Column]) -> str:
    """``SET`` of the properties; like an empty CSV cell, an empty string or list sets none."""
    parts = [f"{variable}.{_name(c.name)} = {cypher_value(data[c.name], c.kind)}"
             for c in cols if c.name in data and data[c.name] not in ("", [])]
    return (" SET " + ", ".join(parts)) if parts else ""


def to_cypher(graph: nx.MultiDiGraph) -> str:
    """A Cypher script for Neo4j 5 (``cypher-shell -f graph.cypher``), one statement a line.

    A uniqueness constraint on ``id`` per label, then ``MERGE`` on ``id`` for every node and
    ``MERGE`` for every relationship, each followed by ``SET`` of its properties: running it again,
    or running the script of a rebuilt graph, updates the same nodes instead of duplicating them.
    Lists of strings are Cypher lists; evidence is JSON text; the date is an ISO 8601 string; empty
    strings and lists set no property, as in the CSV import.
    """
    labels = {node: str(data["type"]) for node, data in graph.nodes(data=True)}
    node_cols = {c.name: c for c in columns(data for _, data in graph.nodes(data=True))}
    edge_cols = {c.name: c for c in columns(data for *_, data in graph.edges(keys=True, data=True))}
    lines = ["// neuroai-kg graph for Neo4j 5: cypher-shell -f graph.cypher (idempotent: MERGE on id)"]
    for label in sorted(set(labels.values())):
        constraint = _name(re.sub(r"\W+", "_", label.lower()) + "_id")
        lines.append(f"CREATE CONSTRAINT {constraint} IF NOT EXISTS FOR (n:{_name(label)}) REQUIRE n.id IS UNIQUE;")
    for node, data in sorted_nodes(graph):
        cols = [node_cols[name] for name in sorted(data)]
        lines.append(f"MERGE (n:{_name(labels[node])} {{id: {cypher_string(node)}}}){_assignments('n', data, cols)};")
    for source, target, key, data in sorted_edges(graph):
        cols = [edge_cols[name] for name in sorted(data)]
        lines.append(
            f"MATCH (a:{_name(labels[source])} {{id: {cypher_string(source)}}}), (b:{_name(labels[target])} {{id: {cypher_string(target)}}}) "
            f"MERGE (a)-[r:{_name(relationship_type(key))}]->(b){_assignments('r', data, cols)};"
        )
    return "\n".join(lines) + "\n"


def write_cypher(graph: nx.MultiDiGraph, path: Path) -> Path:
    return atomic_write_text(path, to_cypher(graph))
