"""Deterministic 2-D layout for the interactive page: a dense-numpy Fruchterman-Reingold with weak
gravity for up to a few thousand nodes, a sunflower spiral above that, and a pass that pushes overlapping nodes apart."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["layout", "spread", "FULL_LAYOUT_MAX"]

FULL_LAYOUT_MAX = 3000  # above this many drawn nodes: spiral + bounded stabilisation in the browser
_SEED = 42
_GRAVITY = 0.02


def _pairwise(pos: np.ndarray) -> np.ndarray:
    """Euclidean distance matrix via the Gram trick (no ``n x n x 2`` temporaries)."""
    sq = (pos * pos).sum(axis=1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (pos @ pos.T)
    return np.sqrt(np.maximum(d2, 0.0))


def _weighted_deltas(pos: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``sum_j weight[i, j] * (pos[i] - pos[j])`` for every ``i``."""
    return pos * weight.sum(axis=1)[:, None] - weight @ pos


def layout(n: int, edges: list[tuple[int, int]], seed: int = _SEED) -> np.ndarray:
    """Deterministic Fruchterman-Reingold layout (dense numpy, with weak gravity so that
    disconnected components stay near the centre). Returns an ``(n, 2)`` array in about [-1, 1]."""
    if n <= 1:
        return np.zeros((n, 2))
    if n > FULL_LAYOUT_MAX:  # sunflower spiral; the browser then runs a bounded stabilisation
        idx = np.arange(n, dtype=float) + 0.5
        radius = np.sqrt(idx / n)
        theta = idx * math.pi * (3.0 - math.sqrt(5.0))
        return np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1)
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
        force = (k * k) / (dist * dist) - adj * dist / k
        np.fill_diagonal(force, 0.0)
        disp = _weighted_deltas(pos, force) - _GRAVITY * pos * (n * k)
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
        short = np.where(dist < need, need - dist, 0.0)
        if not short.any():
            break
        push = _weighted_deltas(xy, short / np.maximum(dist, 1e-6)) * 0.5
        xy = xy + push
    xy[:, 0] *= aspect
    return xy.astype(np.float64)
