"""Saves an assembled graph as one compact binary file and reads it back, several times faster than
graph.json: the build's private record for adding papers later (``marshal``, tied to the Python version)."""

from __future__ import annotations

import marshal
import sys
from operator import attrgetter
from pathlib import Path
from typing import Any

import networkx as nx

from kg.atomic import atomic_open_binary
from kg.graph.evidence import EVIDENCE_KEYS, Evidence

#: What a snapshot file starts with; another value (an older layout, another Python) is not read.
MAGIC = f"kg-graph-snapshot 1 python {sys.version_info[0]}.{sys.version_info[1]} marshal {marshal.version}"

_values = attrgetter(*EVIDENCE_KEYS)  # an Evidence's values, in the order of its fields


def graph_data(graph: nx.MultiDiGraph) -> tuple[Any, ...]:
    """The graph as plain containers: nodes with their attributes, then every edge as
    ``(source, target, key, attributes)``; a list of :class:`Evidence` records becomes a tuple of
    their values (tuples mark them: the graph holds lists)."""
    edges = []
    append = edges.append
    for source, neighbours in graph._succ.items():
        for target, keyed in neighbours.items():
            for key, data in keyed.items():
                evidence = data.get("evidence")
                if evidence:
                    try:
                        data = {**data, "evidence": tuple(map(_values, evidence))}
                    except AttributeError:  # not all Evidence records (a graph read from elsewhere): kept as it is
                        pass
                append((source, target, key, data))
    return graph._node, edges


def graph_from_data(data: tuple[Any, ...]) -> nx.MultiDiGraph:
    """The graph that :func:`graph_data` was made from."""
    nodes, edges = data
    graph = nx.MultiDiGraph()
    succ, pred = graph._succ, graph._pred
    for node in nodes:
        succ[node], pred[node] = {}, {}
    graph._node.update(nodes)
    make = Evidence
    for source, target, key, attrs in edges:
        evidence = attrs.get("evidence")
        if type(evidence) is tuple:
            attrs["evidence"] = [make(*values) for values in evidence]
        keyed = succ[source].get(target)
        if keyed is None:
            keyed = succ[source][target] = pred[target][source] = {}
        keyed[key] = attrs
    return graph


def save(path: Path, graph: nx.MultiDiGraph, extra: Any = None) -> Path:
    """Write the graph (and ``extra``: plain containers) to ``path`` atomically."""
    with atomic_open_binary(path) as stream:
        stream.write(MAGIC.encode("ascii") + b"\n")
        marshal.dump((graph_data(graph), extra), stream)
    return Path(path)


def load(path: Path) -> tuple[nx.MultiDiGraph, Any]:
    """The graph and ``extra`` that :func:`save` wrote. Raises ``ValueError`` naming the file when it
    is not a snapshot this Python can read."""
    with open(path, "rb") as stream:
        magic = stream.readline().rstrip(b"\n").decode("ascii", "replace")
        if magic != MAGIC:
            raise ValueError(f"{path}: not a graph snapshot of this version ({magic[:60]!r})")
        try:
            data, extra = marshal.loads(stream.read())
        except (EOFError, ValueError, TypeError) as error:
            raise ValueError(f"{path}: damaged graph snapshot ({error})") from error
    return graph_from_data(data), extra


__all__ = ["MAGIC", "graph_data", "graph_from_data", "load", "save"]
