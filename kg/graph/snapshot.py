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
MAGIC = f"kg-graph-snapshot 2 python {sys.version_info[0]}.{sys.version_info[1]} marshal {marshal.version}"

_values = attrgetter(*EVIDENCE_KEYS)  # an Evidence's values, in the order of its fields


@contextmanager
def _plain(graph: nx.MultiDiGraph) -> Iterator[None]:
    """For the duration of the block, every edge's list of :class:`Evidence` records is a tuple of
    their values instead (a tuple marks them: the graph holds lists), so the graph's own dicts are
    plain data for ``marshal``; put back afterwards, whatever happens. Lists shared by several edges
    stay shared."""
    swapped: list[tuple[dict, list]] = []
    done: dict[int, tuple] = {}
    try:
        for neighbours in graph._succ.values():
            for keyed in neighbours.values():
                for data in keyed.values():
                    evidence = data.get("evidence")
                    if not evidence or type(evidence) is not list:
                        continue
                    plain = done.get(id(evidence))
                    if plain is None:
                        try:
                            plain = done[id(evidence)] = tuple(map(_values, evidence))
                        except AttributeError:  # not all Evidence records (a graph read from elsewhere): as it is
                            continue
                    swapped.append((data, evidence))
                    data["evidence"] = plain
        yield
    finally:
        for data, evidence in swapped:
            data["evidence"] = evidence


def dumps(graph: nx.MultiDiGraph, extra: Any = None) -> bytes:
    """The graph (and ``extra``: plain containers) as the bytes of a snapshot file."""
    with _plain(graph):
        return MAGIC.encode("ascii") + b"\n" + marshal.dumps((graph._node, graph._succ, extra))


def loads(data: bytes, name: str = "snapshot") -> tuple[nx.MultiDiGraph, Any]:
    """The graph and ``extra`` of :func:`dumps`' bytes; ``ValueError`` naming ``name`` if they are not
    a snapshot this Python can read."""
    magic, _, body = data.partition(b"\n")
    if magic != MAGIC.encode("ascii"):
        raise ValueError(f"{name}: not a graph snapshot of this version ({magic[:60]!r})")
    try:
        nodes, succ, extra = marshal.loads(body)
    except (EOFError, ValueError, TypeError) as error:
        raise ValueError(f"{name}: damaged graph snapshot ({error})") from error
    graph = nx.MultiDiGraph()
    pred: dict[str, dict] = {node: {} for node in nodes}
    graph._node, graph._succ, graph._pred = nodes, succ, pred  # networkx's own dicts, as it fills them
    make = Evidence
    done: dict[int, list] = {}
    for source, neighbours in succ.items():
        for target, keyed in neighbours.items():
            pred[target][source] = keyed  # one key dict shared by both directions, as networkx keeps it
            for attrs in keyed.values():
                evidence = attrs.get("evidence")
                if type(evidence) is tuple:
                    records = done.get(id(evidence))
                    if records is None:
                        records = done[id(evidence)] = [make(*values) for values in evidence]
                    attrs["evidence"] = records
    return graph, extra


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
    return loads(Path(path).read_bytes(), str(path))


__all__ = ["MAGIC", "dumps", "load", "loads", "save"]
