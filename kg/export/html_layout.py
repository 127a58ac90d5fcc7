"""Deterministic 2-D layout for the interactive page, so that the browser never runs physics: a dense-numpy
Fruchterman-Reingold for up to a few thousand nodes, anchored placement above that, and an overlap-removal pass."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["layout", "spread", "FULL_LAYOUT_MAX"]

FULL_LAYOUT_MAX = 3000  # above this many nodes: force layout of the ANCHORS best-connected, the rest placed
ANCHORS = 1500
_SEED = 42
_GRAVITY = 0.02


def _pairwise(pos: np.ndarray) -> np.ndarray:
    """Euclidean distance matrix via the Gram trick (no ``n x n x 2`` temporaries; two ``n x n``
    arrays at most, the operations done in place)."""
    sq = (pos * pos).sum(axis=1)
    gram = pos @ pos.T
    gram *= 2.0
    d2 = sq[:, None] + sq[None, :]
    d2 -= gram
    del gram
    np.maximum(d2, 0.0, out=d2)
    return np.sqrt(d2, out=d2)


def _weighted_deltas(pos: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``sum_j weight[i, j] * (pos[i] - pos[j])`` for every ``i``."""
    return pos * weight.sum(axis=1)[:, None] - weight @ pos


def layout(n: int, edges: list[tuple[int, int]], seed: int = _SEED) -> np.ndarray:
    """Positions for ``n`` nodes joined by ``edges`` (index pairs): an ``(n, 2)`` array in about [-1, 1]."""
    if n <= 1:
        return np.zeros((n, 2))
    if n > FULL_LAYOUT_MAX:
        return _anchored(n, edges, seed)
    return _force(n, edges, seed)


def _sunflower(count: int, inner: float, outer: float, turn: np.ndarray | None = None) -> np.ndarray:
    """``count`` points spread evenly over a ring (or disc) between radii ``inner`` and ``outer``."""
    idx = np.arange(count, dtype=float) + 0.5
    radius = inner + (outer - inner) * np.sqrt(idx / max(count, 1))
    theta = idx * math.pi * (3.0 - math.sqrt(5.0)) if turn is None else turn
    return np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1)


def _anchored(n: int, edges: list[tuple[int, int]], seed: int) -> np.ndarray:
    """Large graphs: force layout of the ``ANCHORS`` best-connected nodes; then, breadth-first, each
    other node goes near the mean of its already placed neighbours (a deterministic offset in a small
    disc); nodes not connected to any anchor fill an outer ring. Linear in nodes and edges."""
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for i, j in edges:
        if i != j:
            neighbours[i].append(j)
            neighbours[j].append(i)
    order = sorted(range(n), key=lambda i: (-len(neighbours[i]), i))
    anchors = sorted(order[:ANCHORS])
    where = {node: k for k, node in enumerate(anchors)}
    pos = np.zeros((n, 2))
    pos[anchors] = _force(len(anchors), [(where[i], where[j]) for i, j in edges if i in where and j in where], seed)
    placed = np.zeros(n, dtype=bool)
    placed[anchors] = True
    spacing = 1.0 / math.sqrt(len(anchors))
    golden = math.pi * (3.0 - math.sqrt(5.0))
    frontier = anchors
    while frontier:
        layer = sorted({v for u in frontier for v in neighbours[u] if not placed[v]})
        for v in layer:  # from the previous layers only, so the order within a layer does not matter
            around = [u for u in neighbours[v] if placed[u]]
            centre = pos[around].mean(axis=0)
            radius = spacing * (0.25 + 0.6 * ((v * 0.6180339887) % 1.0))
            pos[v] = centre + radius * np.array([math.cos(v * golden), math.sin(v * golden)])
        placed[layer] = True
        frontier = layer
    rest = np.flatnonzero(~placed)
    if len(rest):
        pos[rest] = _sunflower(len(rest), 1.1, 1.4)
    return pos


def _force(n: int, edges: list[tuple[int, int]], seed: int) -> np.ndarray:
    """Deterministic Fruchterman-Reingold layout (dense numpy, with weak gravity so that
    disconnected components stay near the centre)."""
    if n <= 1:
        return np.zeros((n, 2))
    rng = np.random.RandomState(seed)
    pos = (rng.rand(n, 2) * 2.0 - 1.0).astype(np.float32)
    adj = np.zeros((n, n), dtype=np.float32)
    for i, j in edges:
        if i != j:
            adj[i, j] = adj[j, i] = 1.0
    k = 1.0 / math.sqrt(n)
    iterations = 120 if n <= 500 else 60
    temperature = 0.2
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        dist = _pairwise(pos)
        np.clip(dist, 0.01, None, out=dist)
        # (k * k) / (dist * dist) - adj * dist / k, with three n x n arrays at most
        attraction = adj * dist
        attraction /= k
        force = np.multiply(dist, dist, out=dist)
        np.divide(k * k, force, out=force)
        force -= attraction
        del attraction
        np.fill_diagonal(force, 0.0)
        disp = _weighted_deltas(pos, force) - _GRAVITY * pos * (n * k)
        del force, dist  # one array: gone before the next round's distances are made
        length = np.sqrt((disp ** 2).sum(axis=-1))
        length = np.where(length < 0.01, 0.1, length)
        pos = pos + disp * (np.minimum(length, temperature) / length)[:, None]
        temperature -= cooling
    pos = pos - pos.mean(axis=0)
    extent = float(np.abs(pos).max()) or 1.0
    return (pos / extent).astype(np.float64)


def spread(xy: np.ndarray, sizes: np.ndarray, gap: float = 28.0, rounds: int = 40,
            aspect: float = 2.2) -> np.ndarray:
    """Push apart drawn nodes closer than their radii plus ``gap`` pixels (deterministic). Distances
    are measured with x shrunk by ``aspect``: labels sit under nodes and are wider than tall."""
    n = len(xy)
    if n < 2 or n > FULL_LAYOUT_MAX:
        return xy
    xy = xy.astype(np.float32)
    xy[:, 0] /= aspect
    sizes = sizes.astype(np.float32)
    need = sizes[:, None] + sizes[None, :] + np.float32(gap)
    for _ in range(rounds):
        dist = _pairwise(xy)
        np.fill_diagonal(dist, np.inf)
        short = need - dist  # where closer than needed, else 0
        short[dist >= need] = 0.0
        if not short.any():
            break
        short /= np.maximum(dist, 1e-6, out=dist)
        push = _weighted_deltas(xy, short) * 0.5
        del short, dist  # gone before the next round's distances are made
        xy = xy + push
    xy[:, 0] *= aspect
    return xy.astype(np.float64)
