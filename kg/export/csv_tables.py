"""Writes the graph as two spreadsheet tables, ``nodes.csv`` and ``edges.csv`` (UTF-8, RFC 4180
quoting, one row per node or edge), for spreadsheets, pandas and anything else that reads CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import networkx as nx

from kg.atomic import atomic_write_text
from kg.export.attributes import as_text, columns, sorted_edges, sorted_nodes

NODE_KEYS = ("id", "type", "label")
EDGE_KEYS = ("source", "target", "type")


def _table(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def to_csv_tables(graph: nx.MultiDiGraph) -> dict[str, str]:
    """``{"nodes.csv": text, "edges.csv": text}``.

    First columns ``id,type,label`` (nodes) and ``source,target,type`` (edges), then every other
    attribute in name order; a cell is empty where an element lacks the attribute. Lists
    (``aliases``, ``authors`` …) and ``evidence`` are JSON arrays; booleans ``true``/``false``.
    """
    node_cols = columns((data for _, data in graph.nodes(data=True)), skip=NODE_KEYS)
    node_rows = []
    for node, data in sorted_nodes(graph):
        row = [node, str(data.get("type", "")), str(data.get("label", ""))]
        row += [as_text(data[c.name], c.kind) if c.name in data else "" for c in node_cols]
        node_rows.append(row)
    edge_cols = columns((data for *_, data in graph.edges(keys=True, data=True)), skip=EDGE_KEYS)
    edge_rows = []
    for source, target, key, data in sorted_edges(graph):
        row = [source, target, key] + [as_text(data[c.name], c.kind) if c.name in data else "" for c in edge_cols]
        edge_rows.append(row)
    return {
        "nodes.csv": _table([*NODE_KEYS, *(c.name for c in node_cols)], node_rows),
        "edges.csv": _table([*EDGE_KEYS, *(c.name for c in edge_cols)], edge_rows),
    }


def write_csv_tables(graph: nx.MultiDiGraph, folder: Path) -> list[Path]:
    """Write ``nodes.csv`` and ``edges.csv`` into ``folder``."""
    return [atomic_write_text(Path(folder) / name, text) for name, text in to_csv_tables(graph).items()]
