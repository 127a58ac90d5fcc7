"""Export the knowledge graph as one self-contained, offline, interactive HTML page (vis-network inlined).
Nodes are coloured by type, laid out in Python (seeded), with search, type filters, tooltips and a details panel."""

from __future__ import annotations

import html
import importlib.resources
import json
import math
import pathlib
import re
from collections import defaultdict
from typing import Any

import networkx as nx
import numpy as np

from kg.export.atomic import atomic_write_text
from kg.identifiers import parse_curie
from kg.identifiers import url as identifier_url

__all__ = ["write_html", "render_html", "build_payload", "NODE_STYLES"]

#: Visual style per node type: (colour, vis-network shape, legend glyph).
NODE_STYLES: dict[str, tuple[str, str, str]] = {
    "Paper": ("#4e79a7", "square", "\u25a0"),
    "Method": ("#f28e2b", "dot", "\u25cf"),
    "Dataset": ("#59a14f", "diamond", "\u25c6"),
    "Modality": ("#b07aa1", "triangle", "\u25b2"),
    "Claim": ("#e0b000", "star", "\u2605"),
}
_OTHER_STYLE = ("#8c8c8c", "hexagon", "\u2b22")

#: Edge colour per edge type; anything else is grey.
EDGE_COLOURS: dict[str, str] = {
    "proposesMethod": "#f28e2b",
    "usesMethod": "#f6b97c",
    "proposesDataset": "#59a14f",
    "usesDataset": "#9ccb95",
    "hasModality": "#c9a6c0",
    "hasClaim": "#e6cf73",
    "about": "#b5b5b5",
    "outperforms": "#d62728",
}

_PLURAL = {"Paper": "Papers", "Method": "Methods", "Dataset": "Datasets",
           "Modality": "Modalities", "Claim": "Claims"}
_SECTION_ORDER = ["Paper", "Papers", "Methods", "Datasets", "Modalities", "Claims", "About",
                  "Claims about it", "Outperforms", "Outperformed by"]

_PAPER_LABEL_MAX = 40
_CLAIM_LABEL_MAX = 32
_OTHER_LABEL_MAX = 48
_FULL_LAYOUT_MAX = 3000  # above this many drawn nodes: cheap layout + bounded browser stabilisation
_SEED = 42
_GRAVITY = 0.02
_SCALE = 70.0

_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
_VIS_DIR = ("lib", "vis-9.1.2")


# --------------------------------------------------------------------------------------------
# data preparation
# --------------------------------------------------------------------------------------------
def _first(value: Any) -> str:
    """First node id of a list-valued edge attribute (``papers``, ``on``), or the value itself."""
    if isinstance(value, (list, tuple)):
        return str(value[0]) if value else ""
    return str(value or "")


def _truncate(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _jsonable(value: Any) -> Any:
    """Node/edge attribute values per the contract: str, int, float, bool or lists of str."""
    if isinstance(value, (str, bool, int)) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    return str(value)


def _node_type(attrs: dict[str, Any]) -> str:
    return str(attrs.get("type") or "Other")


def _display_label(node: str, attrs: dict[str, Any]) -> str:
    return str(attrs.get("label") or attrs.get("title") or attrs.get("text") or node)


def _short_label(node: str, attrs: dict[str, Any]) -> str:
    kind = _node_type(attrs)
    limit = {"Paper": _PAPER_LABEL_MAX, "Claim": _CLAIM_LABEL_MAX}.get(kind, _OTHER_LABEL_MAX)
    return _truncate(_display_label(node, attrs), limit)


def _select_nodes(graph: nx.MultiDiGraph, max_nodes: int) -> list[str]:
    """The top-``max_nodes`` nodes by degree (ties by id), returned sorted by id."""
    nodes = sorted(str(n) for n in graph.nodes)
    if len(nodes) <= max_nodes:
        return nodes
    ranked = sorted(graph.nodes, key=lambda n: (-graph.degree(n), str(n)))
    return sorted(str(n) for n in ranked[: max(0, max_nodes)])


def _pairwise(pos: np.ndarray) -> np.ndarray:
    """Euclidean distance matrix via the Gram trick (no ``n x n x 2`` temporaries)."""
    sq = (pos * pos).sum(axis=1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (pos @ pos.T)
    return np.sqrt(np.maximum(d2, 0.0))


def _weighted_deltas(pos: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``sum_j weight[i, j] * (pos[i] - pos[j])`` for every ``i``."""
    return pos * weight.sum(axis=1)[:, None] - weight @ pos


def _layout(n: int, edges: list[tuple[int, int]], seed: int = _SEED) -> np.ndarray:
    """Deterministic Fruchterman-Reingold layout (dense numpy, with weak gravity so that
    disconnected components stay near the centre). Returns an ``(n, 2)`` array in about [-1, 1]."""
    if n <= 1:
        return np.zeros((n, 2))
    if n > _FULL_LAYOUT_MAX:  # sunflower spiral; the browser then runs a bounded stabilisation
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


def _spread(xy: np.ndarray, sizes: np.ndarray, gap: float = 28.0, rounds: int = 40,
            aspect: float = 2.2) -> np.ndarray:
    """Push apart drawn nodes closer than their radii plus ``gap`` pixels (deterministic). Distances
    are measured with x shrunk by ``aspect``: labels sit under nodes and are wider than tall."""
    n = len(xy)
    if n < 2 or n > _FULL_LAYOUT_MAX:
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


def _section(direction: str, edge_type: str, other_type: str) -> str:
    if edge_type == "outperforms":
        return "Outperforms" if direction == "out" else "Outperformed by"
    if direction == "out":
        if edge_type == "about":
            return "About"
        return _PLURAL.get(other_type, other_type)
    if other_type == "Paper":
        return "Paper" if edge_type == "hasClaim" else "Papers"
    if other_type == "Claim":
        return "Claims about it"
    return _PLURAL.get(other_type, other_type)


def _relations(graph: nx.MultiDiGraph, node: Any, labels: dict[str, str]) -> list[dict[str, Any]]:
    """Neighbours of ``node`` grouped in panel sections (from the full graph, hidden nodes too)."""
    sections: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for direction, edges in (("out", graph.out_edges(node, keys=True, data=True)),
                             ("in", graph.in_edges(node, keys=True, data=True))):
        for u, v, key, data in edges:
            other = v if direction == "out" else u
            other_type = _node_type(graph.nodes[other])
            edge_type = str(data.get("type") or key)
            item: dict[str, Any] = {"id": str(other), "label": labels[str(other)],
                                    "type": other_type, "rel": edge_type}
            if edge_type == "outperforms":
                on = _first(data.get("on"))
                paper = _first(data.get("papers") or data.get("paper"))
                item["on"] = labels.get(on, on)
                item["paper"] = labels.get(paper, paper)
            sections[_section(direction, edge_type, other_type)].append(item)
    order = {name: i for i, name in enumerate(_SECTION_ORDER)}
    out = []
    for name in sorted(sections, key=lambda s: (order.get(s, len(order)), s)):
        items = sorted(sections[name], key=lambda it: (it["label"].lower(), it["id"], it["rel"]))
        out.append({"name": name, "items": items})
    return out


def _identifier_links(attrs: dict[str, Any]) -> list[dict[str, str]]:
    """A paper's identifiers as {"text": "doi:10.1/x", "url": "https://doi.org/10.1/x"} for the panel."""
    links = []
    for curie in attrs.get("identifiers") or []:
        url = identifier_url(*parse_curie(str(curie)))
        if url:
            links.append({"text": str(curie), "url": url})
    return links


def _node_size(degree: int) -> float:
    return round(min(42.0, 9.0 + 4.0 * math.sqrt(degree)), 1)


def build_payload(graph: nx.MultiDiGraph, *, title: str = "NeuroAI knowledge graph",
                  max_nodes: int = 2000) -> dict[str, Any]:
    """The JSON document embedded in the page: drawn nodes/edges plus per-type styles and counts."""
    shown = _select_nodes(graph, max_nodes)
    shown_set = set(shown)
    by_str = {str(n): n for n in graph.nodes}
    labels = {str(n): _display_label(str(n), graph.nodes[n]) for n in graph.nodes}

    edge_rows = []
    for u, v, key, data in graph.edges(keys=True, data=True):
        if str(u) in shown_set and str(v) in shown_set:
            edge_rows.append((str(u), str(v), str(key), data))
    edge_rows.sort(key=lambda r: (r[0], r[1], r[2]))

    index = {n: i for i, n in enumerate(shown)}
    coords = _layout(len(shown), [(index[u], index[v]) for u, v, _, _ in edge_rows])
    scale = _SCALE * math.sqrt(max(len(shown), 1)) + 150.0
    sizes = np.array([_node_size(int(graph.degree(by_str[node]))) for node in shown], dtype=float)
    coords = _spread(coords * scale, sizes)

    nodes = []
    for i, node_id in enumerate(shown):
        raw = by_str[node_id]
        attrs = graph.nodes[raw]
        kind = _node_type(attrs)
        degree = int(graph.degree(raw))
        nodes.append({
            "id": node_id,
            "type": kind,
            "label": _short_label(node_id, attrs),
            "name": labels[node_id],
            "degree": degree,
            "size": _node_size(degree),
            "x": round(float(coords[i, 0]), 1),
            "y": round(float(coords[i, 1]), 1),
            "attrs": {str(k): _jsonable(v) for k, v in sorted(attrs.items(), key=lambda kv: str(kv[0]))},
            "links": _identifier_links(attrs),
            "relations": _relations(graph, raw, labels),
        })

    edges = []
    for u, v, key, data in edge_rows:
        evidence = []
        for ev in data.get("evidence") or []:
            if isinstance(ev, dict):
                evidence.append({"sentence": str(ev.get("sentence") or ""),
                                 "section": str(ev.get("section") or ""),
                                 "text": str(ev.get("text") or "")})
            else:
                evidence.append({"sentence": str(ev), "section": "", "text": ""})
        row: dict[str, Any] = {
            "id": f"{u}|{key}|{v}",
            "from": u,
            "to": v,
            "type": str(data.get("type") or key),
            "confidence": _jsonable(data.get("confidence")),
            "extractor": str(data.get("extractor") or ""),
            "evidence": evidence,
        }
        for extra, value in (("paper", data.get("papers") or data.get("paper")), ("on", data.get("on"))):
            ref = _first(value)
            if ref:
                row[extra] = ref
                row[extra + "_label"] = labels.get(ref, ref)
        edges.append(row)

    type_counts: dict[str, int] = defaultdict(int)
    shown_counts: dict[str, int] = defaultdict(int)
    for n, attrs in graph.nodes(data=True):
        type_counts[_node_type(attrs)] += 1
        if str(n) in shown_set:
            shown_counts[_node_type(attrs)] += 1
    types = []
    extra_types = sorted(t for t in type_counts if t not in NODE_STYLES)
    for kind in [*NODE_STYLES, *extra_types]:
        colour, shape, glyph = NODE_STYLES.get(kind, _OTHER_STYLE)
        types.append({"name": kind, "color": colour, "shape": shape, "glyph": glyph,
                      "count": type_counts.get(kind, 0), "shown": shown_counts.get(kind, 0)})

    return {
        "title": title,
        "total_nodes": graph.number_of_nodes(),
        "total_edges": graph.number_of_edges(),
        "shown_nodes": len(nodes),
        "hidden_nodes": graph.number_of_nodes() - len(nodes),
        "shown_edges": len(edges),
        "physics": len(nodes) > _FULL_LAYOUT_MAX,
        "types": types,
        "edge_colors": dict(sorted(EDGE_COLOURS.items())),
        "nodes": nodes,
        "edges": edges,
    }


# --------------------------------------------------------------------------------------------
# page rendering
# --------------------------------------------------------------------------------------------
def _json_for_script(payload: dict[str, Any]) -> str:
    """JSON that cannot break out of ``<script type="application/json">``: every ``<``, ``>``
    and ``&`` becomes a ``\\uXXXX`` escape (so ``</script>`` and ``<!--`` never occur raw)."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _vis_assets() -> tuple[str, str]:
    """vis-network's JS and CSS as shipped inside the installed pyvis package."""
    base = importlib.resources.files("pyvis")
    for part in _VIS_DIR:
        base = base.joinpath(part)
    js = base.joinpath("vis-network.min.js").read_text(encoding="utf-8")
    css = base.joinpath("vis-network.css").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S*", "", js)
    css = re.sub(r"/\*# sourceMappingURL=\S*\s*\*/", "", css)
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    js = js.replace("<!--", "\\x3c!--")  # valid in JS strings and regexes alike
    css = re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)
    return js, css


def _template() -> str:
    return importlib.resources.files("kg.export").joinpath("html_template.html").read_text(encoding="utf-8")


def _legend_html(payload: dict[str, Any]) -> str:
    rows = []
    for t in payload["types"]:
        if t["name"] not in NODE_STYLES and not t["count"]:
            continue
        name = html.escape(t["name"])
        count = f'{t["shown"]}' if t["shown"] == t["count"] else f'{t["shown"]}/{t["count"]}'
        rows.append(
            f'<label class="legend-item" data-type="{name}">'
            f'<input type="checkbox" class="type-filter" value="{name}" checked> '
            f'<span class="glyph" style="color:{html.escape(t["color"])}">{html.escape(t["glyph"])}</span> '
            f'<span class="type-name">{name}</span> <span class="count">({count})</span></label>'
        )
    edge_rows = []
    for edge_type, colour in EDGE_COLOURS.items():
        edge_rows.append(f'<div class="edge-item"><span class="edge-swatch" style="background:{colour}">'
                         f'</span> {html.escape(edge_type)}</div>')
    return ("\n".join(rows) + '\n<details class="edge-legend"><summary>Edge types</summary>\n'
            + "\n".join(edge_rows) + "\n</details>")


def _note_html(payload: dict[str, Any]) -> str:
    base = (f'{payload["shown_nodes"]} nodes, {payload["shown_edges"]} edges')
    if payload["hidden_nodes"]:
        return html.escape(f'Showing the {payload["shown_nodes"]} best-connected of '
                           f'{payload["total_nodes"]} nodes; {payload["hidden_nodes"]} nodes hidden '
                           f'({payload["shown_edges"]} of {payload["total_edges"]} edges drawn).')
    return html.escape(base)


def render_html(graph: nx.MultiDiGraph, *, title: str = "NeuroAI knowledge graph",
                max_nodes: int = 2000) -> str:
    """The complete page as a string (deterministic for a given graph and arguments)."""
    payload = build_payload(graph, title=title, max_nodes=max_nodes)
    vis_js, vis_css = _vis_assets()
    values = {
        "TITLE": html.escape(title),
        "NOTE": _note_html(payload),
        "LEGEND": _legend_html(payload),
        "VIS_CSS": vis_css,
        "VIS_JS": vis_js,
        "DATA_JSON": _json_for_script(payload),
    }
    # one pass: inserted text (vis-network's code, the data) is never scanned for placeholders
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], _template())


def write_html(graph: nx.MultiDiGraph, path: pathlib.Path, *, title: str = "NeuroAI knowledge graph",
               max_nodes: int = 2000) -> pathlib.Path:
    """Write the interactive page to ``path`` atomically (temp file in the same folder, then
    ``os.replace``) and return the path."""
    return atomic_write_text(pathlib.Path(path), render_html(graph, title=title, max_nodes=max_nodes))

