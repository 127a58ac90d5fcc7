"""Deterministic 2-D layout for the interactive page, so that the browser never runs physics: a dense-numpy
Fruchterman-Reingold for up to a few thousand nodes, anchored placement above that, and an overlap-removal pass."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["FULL_LAYOUT_MAX", "layout", "spread"]

FULL_LAYOUT_MAX = 3000  # above this many nodes: force layout of the ANCHORS best-connected, the rest placed
ANCHORS = 1500
_SEED = 42
_GRAVITY = 0.02


def _weighted_deltas(pos: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``sum_j weight[i, j] * (pos[i] - pos[j])`` for every ``i`` (the weights' row sums and the
    weighted positions in one matrix product)."""
    both = weight @ np.column_stack([pos, np.ones(len(pos), dtype=pos.dtype)])
    return pos * both[:, 2:] - both[:, :2]


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


def _squared_distances(pos: np.ndarray, floor: float) -> np.ndarray:
    """Squared Euclidean distances of every pair, at least ``floor``: ``|p|² + |q|² - 2 p·q`` as one
    matrix product of ``(x, y, |p|², 1)`` and ``(-2x, -2y, 1, |q|²)`` (one ``n x n`` array, made in
    one pass)."""
    sq = (pos * pos).sum(axis=1)
    ones = np.ones_like(sq)
    left = np.column_stack([pos, sq, ones])
    right = np.column_stack([-2.0 * pos, ones, sq])
    d2 = left @ right.T
    return np.maximum(d2, floor, out=d2)


def _edge_pairs(edges: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Each linked pair once (``i < j``), self-loops left out: the layout's springs."""
    pairs = sorted({(i, j) if i < j else (j, i) for i, j in edges if i != j})
    if not pairs:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    both = np.array(pairs, dtype=np.intp)
    return both[:, 0], both[:, 1]


def _scatter(n: int, rows: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """``out[i] = sum of vectors[k] where rows[k] == i``, an ``(n, 2)`` array."""
    return np.stack([np.bincount(rows, weights=vectors[:, 0], minlength=n),
                     np.bincount(rows, weights=vectors[:, 1], minlength=n)], axis=1)


def _force(n: int, edges: list[tuple[int, int]], seed: int) -> np.ndarray:
    """Deterministic Fruchterman-Reingold layout (weak gravity keeps disconnected components near
    the centre). Repulsion between every pair is dense numpy on squared distances (k²/d in the
    direction of the pair: no square roots); the springs' pull is worked out along the edges only."""
    if n <= 1:
        return np.zeros((n, 2))
    rng = np.random.RandomState(seed)
    pos = (rng.rand(n, 2) * 2.0 - 1.0).astype(np.float32)
    first, second = _edge_pairs(edges)
    k = 1.0 / math.sqrt(n)
    iterations = 120 if n <= 500 else 60
    temperature = 0.2
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        # repulsion: (k² / d²) (pos_i - pos_j) summed over j, distances at least 0.01 (as d² 1e-4)
        weight = _squared_distances(pos, 1e-4)
        np.divide(np.float32(k * k), weight, out=weight)
        np.fill_diagonal(weight, 0.0)
        disp = _weighted_deltas(pos, weight)
        del weight  # gone before the next round's distances are made
        # attraction: (d / k) (pos_j - pos_i) for each linked pair
        delta = (pos[first] - pos[second]).astype(np.float64)
        pull = delta * (np.maximum(np.sqrt((delta * delta).sum(axis=1)), 0.01) / k)[:, None]
        disp = disp - _scatter(n, first, pull) + _scatter(n, second, pull) - _GRAVITY * pos * (n * k)
        length = np.sqrt((disp ** 2).sum(axis=-1))
        length = np.where(length < 0.01, 0.1, length)
        pos = (pos + disp * (np.minimum(length, temperature) / length)[:, None]).astype(np.float32)
        temperature -= cooling
    pos = pos - pos.mean(axis=0)
    extent = float(np.abs(pos).max()) or 1.0
    return (pos / extent).astype(np.float64)


def _ranges_product(first_starts: np.ndarray, first_counts: np.ndarray, second_starts: np.ndarray,
                    second_counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ``(a, b)`` with ``a`` in ``range(first_starts[k], first_starts[k] + first_counts[k])``
    and ``b`` likewise in the second ranges, for every ``k``: two index arrays."""
    sizes = first_counts * second_counts
    total = int(sizes.sum())
    if not total:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    owner = np.repeat(np.arange(len(sizes)), sizes)
    local = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    across = second_counts[owner]
    return first_starts[owner] + local // across, second_starts[owner] + local % across


def _close_pairs(xy: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs ``(i, j)``, ``i != j``, each once, that include every pair of points closer
    than ``reach``: the points binned in square cells of that side, pairs taken from each cell and
    its neighbours (about linear in the points when they are spread out)."""
    cells = np.floor(xy / reach).astype(np.int64)
    cells -= cells.min(axis=0)
    width = int(cells[:, 1].max()) + 3  # room for the neighbour offsets without wrapping
    keys = cells[:, 0] * width + cells[:, 1] + 1
    order = np.argsort(keys, kind="stable")
    cell_keys, starts, counts = np.unique(keys[order], return_index=True, return_counts=True)
    firsts, seconds = [], []
    for offset in (0, width - 1, width, width + 1, 1):  # the cell itself, then the half of its neighbours
        if offset == 0:
            a, b = _ranges_product(starts, counts, starts, counts)
            keep = a < b
            firsts.append(a[keep])
            seconds.append(b[keep])
            continue
        at = np.searchsorted(cell_keys, cell_keys + offset)
        at[at == len(cell_keys)] = 0
        found = cell_keys[at] == cell_keys + offset
        a, b = _ranges_product(starts[found], counts[found], starts[at[found]], counts[at[found]])
        firsts.append(a)
        seconds.append(b)
    return order[np.concatenate(firsts)], order[np.concatenate(seconds)]


def spread(xy: np.ndarray, sizes: np.ndarray, gap: float = 28.0, rounds: int = 40,
           aspect: float = 2.2) -> np.ndarray:
    """Push apart drawn nodes closer than their radii plus ``gap`` pixels (deterministic). Distances
    are measured with x shrunk by ``aspect``: labels sit under nodes and are wider than tall. Each
    round looks only at the pairs near enough to overlap (see :func:`_close_pairs`)."""
    n = len(xy)
    if n < 2 or n > FULL_LAYOUT_MAX:
        return xy
    xy = xy.astype(np.float64)
    xy[:, 0] /= aspect
    sizes = sizes.astype(np.float64)
    reach = 2.0 * float(sizes.max()) + gap
    for _ in range(rounds):
        first, second = _close_pairs(xy, reach)
        delta = xy[first] - xy[second]
        dist = np.sqrt((delta * delta).sum(axis=1))
        short = sizes[first] + sizes[second] + gap - dist
        close = short > 0
        if not close.any():
            break
        first, second, delta = first[close], second[close], delta[close]
        # each of the pair moves half the shortfall over the distance, away from the other
        push = delta * (0.5 * short[close] / np.maximum(dist[close], 1e-6))[:, None]
        xy = xy + _scatter(n, first, push) - _scatter(n, second, push)
    xy[:, 0] *= aspect
    return xy
