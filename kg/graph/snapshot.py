"""Saves an assembled graph as one compact binary file and reads it back, several times faster than
graph.json: the build's private record for adding papers later (``marshal``, tied to the Python version)."""

from __future__ import annotations

import marshal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from operator import attrgetter
from pathlib import Path
from typing import Any

import networkx as nx

from kg.atomic import atomic_open_binary
from kg.graph.evidence import EVIDENCE_KEYS, Evidence

#: What a snapshot file starts with; another value (an older layout, another Python) is not read.
MAGIC = f"kg-graph-snapshot 3 python {sys.version_info[0]}.{sys.version_info[1]} marshal {marshal.version}"

_values = attrgetter(*EVIDENCE_KEYS)  # an Evidence's values, in the order of its fields


@contextmanager
def _plain(graph: nx.MultiDiGraph) -> Iterator[list[tuple[dict, tuple]]]:
    """For the duration of the block, every edge's list of :class:`Evidence` records is None in the
    graph, and the block gets ``(edge attributes, tuple of the records' values)`` pairs instead: the
    graph's own dicts are then plain data for ``marshal``. Put back afterwards, whatever happens.
    Lists shared by several edges give one tuple (and are shared again when read back)."""
    swapped: list[tuple[dict, list]] = []
    plain: list[tuple[dict, tuple]] = []
    done: dict[int, tuple] = {}
    try:
        for neighbours in graph._succ.values():
            for keyed in neighbours.values():
                for data in keyed.values():
                    evidence = data.get("evidence")
                    if not evidence or type(evidence) is not list:
                        continue
                    values = done.get(id(evidence))
                    if values is None:
                        try:
                            values = done[id(evidence)] = tuple(map(_values, evidence))
                        except AttributeError:  # not all Evidence records (a graph read from elsewhere): as it is
                            continue
                    swapped.append((data, evidence))
                    plain.append((data, values))
                    data["evidence"] = None
        yield plain
    finally:
        for data, evidence in swapped:
            data["evidence"] = evidence


def dumps(graph: nx.MultiDiGraph, extra: Any = None) -> bytes:
    """The graph (and ``extra``: plain containers) as the bytes of a snapshot file: networkx's node,
    successor and predecessor dicts (which share the edges' key dicts) and the edges' evidence."""
    with _plain(graph) as evidence:
        return MAGIC.encode("ascii") + b"\n" + marshal.dumps((graph._node, graph._succ, graph._pred, evidence, extra))


def _unmarshal(data: bytes, name: str) -> tuple[Any, ...]:
    magic, newline, _ = data[:200].partition(b"\n")
    if magic != MAGIC.encode("ascii") or not newline:
        raise ValueError(f"{name}: not a graph snapshot of this version ({magic[:60]!r})")
    try:
        with memoryview(data) as view:  # no copy of the (large) body
            parts = marshal.loads(view[len(magic) + 1:])
    except (EOFError, ValueError, TypeError) as error:
        raise ValueError(f"{name}: damaged graph snapshot ({error})") from error
    if type(parts) is not tuple or len(parts) != 5:
        raise ValueError(f"{name}: damaged graph snapshot (not its five parts)")
    return parts


def _graph(nodes: dict, succ: dict, pred: dict, evidence: list[tuple[dict, tuple]]) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    graph._node, graph._succ, graph._pred = nodes, succ, pred  # networkx's own dicts, as it fills them
    make = Evidence
    done: dict[int, list] = {}
    for attrs, values in evidence:
        records = done.get(id(values))
        if records is None:
            records = done[id(values)] = [make(*item) for item in values]
        attrs["evidence"] = records
    return graph


def loads(data: bytes, name: str = "snapshot") -> tuple[nx.MultiDiGraph, Any]:
    """The graph and ``extra`` of :func:`dumps`' bytes; ``ValueError`` naming ``name`` if they are not
    a snapshot this Python can read."""
    nodes, succ, pred, evidence, extra = _unmarshal(data, name)
    return _graph(nodes, succ, pred, evidence), extra


def save(path: Path, graph: nx.MultiDiGraph, extra: Any = None) -> Path:
    """Write the graph (and ``extra``) to ``path`` atomically. Not synced to disk: a snapshot is a
    cache, and one that a crash left damaged is refused on loading (the build then starts over)."""
    data = dumps(graph, extra)
    with atomic_open_binary(path, sync=False) as stream:
        stream.write(data)
    return Path(path)


def load(path: Path) -> tuple[nx.MultiDiGraph, Any]:
    """The graph and ``extra`` that :func:`save` wrote. Raises ``ValueError`` naming the file when it
    is not a snapshot this Python can read."""
    data = Path(path).read_bytes()
    nodes, succ, pred, evidence, extra = _unmarshal(data, str(path))
    del data  # the file's bytes go before the graph is made of what they held
    return _graph(nodes, succ, pred, evidence), extra


__all__ = ["MAGIC", "dumps", "load", "loads", "save"]
