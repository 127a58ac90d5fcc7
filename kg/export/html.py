"""Export the knowledge graph as one self-contained, offline, interactive HTML page: vis-network,
styles, script and data all inlined (no network request), with search, filters, legend and a side panel."""

from __future__ import annotations

import html
import importlib.resources
import importlib.util
import json
import pathlib
import re
from typing import Any

import networkx as nx
import orjson

from kg.atomic import atomic_open_binary
from kg.export.html_views import (
    EDGE_COLOURS,
    NODE_STYLES,
    VIEWS,
    build_payload,
    resolve_view,
)

__all__ = ["write_html", "render_html", "build_payload", "resolve_view", "NODE_STYLES", "EDGE_COLOURS", "VIEWS"]

_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
_VIS_DIR = ("lib", "vis-9.1.2")
_HINTS = {
    "papers": "Size = number of links. Hover a node or edge for details; click for the side panel. "
              "Filters apply to papers; an entity stays while one of its papers matches.",
    "entities": "Methods, datasets and modalities; a link means papers mention both (width = papers). "
                "Click for the side panel with their papers and claims.",
}


#: What ``_script_safe`` escapes: ``<``, ``>`` and ``&`` (so ``</script>`` and ``<!--`` never
#: occur raw) and the two line separators that old JavaScript parsers read as line breaks.
_SCRIPT_ESCAPES = tuple((char.encode(), f"\\u{ord(char):04x}".encode()) for char in "<>&\u2028\u2029")


def _script_safe(data: bytes) -> bytes:
    """JSON text that cannot break out of ``<script type="application/json">``: every ``<``, ``>``
    and ``&`` (and the two line separators) as a ``\\uXXXX`` escape (the text itself when it has none)."""
    for char, escape in _SCRIPT_ESCAPES:
        data = data.replace(char, escape)
    return data


def _packed(value: Any) -> bytes:
    """A value (a finished node record) as the page's data will hold it: JSON (keys sorted),
    script-safe, in a copy of its own size (orjson's bytes keep its writer's buffer, 4 KiB and up:
    4 KiB for a 1 KiB record, ~56 MiB in all for a big graph's 14,000 records instead of ~14 MiB)."""
    return _script_safe(bytes(memoryview(orjson.dumps(value, option=orjson.OPT_SORT_KEYS))))


#: the payload's lists of node records, which :func:`_page_data` has packed one by one
_RECORD_LISTS = frozenset({"nodes", "extra", "papers"})


def _page_data(graph: nx.MultiDiGraph, *, title: str, view: str, max_nodes: int | None
               ) -> tuple[dict[str, Any], list[bytes]]:
    """The page's payload and its data as pieces of script-safe UTF-8 JSON (keys sorted, no spaces;
    see :func:`_script_safe`). Made by orjson, as bytes (a big graph's page data is tens of
    megabytes, which ``json.dumps`` makes 2–4 bytes a character, several times over), each node
    record as soon as it is finished and kept as its own piece: thousands of records are never all
    held as dicts, nor their text twice. ``json`` makes the same text from a payload of dicts when
    orjson refuses a value (an integer beyond 64 bits)."""
    try:
        payload = build_payload(graph, title=title, view=view, max_nodes=max_nodes, pack=_packed)
        pieces = [b"{"]
        for i, key in enumerate(sorted(payload)):
            pieces.append(b"," * bool(i) + orjson.dumps(key) + b":")
            if key in _RECORD_LISTS:
                pieces.append(b"[")
                for j, record in enumerate(payload[key]):
                    if j:
                        pieces.append(b",")
                    pieces.append(record)
                pieces.append(b"]")
            else:
                pieces.append(_packed(payload[key]))
        pieces.append(b"}")
    except TypeError:
        payload = build_payload(graph, title=title, view=view, max_nodes=max_nodes)
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        pieces = [_script_safe(text.encode("utf-8"))]
    return payload, pieces


def _safe_script(js: str) -> str:
    js = re.sub(r"//# sourceMappingURL=\S*", "", js)
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    return js.replace("<!--", "\\x3c!--")  # valid in JS strings and regexes alike


def _safe_style(css: str) -> str:
    css = re.sub(r"/\*# sourceMappingURL=\S*\s*\*/", "", css)
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)


def _vis_assets() -> tuple[str, str]:
    """vis-network's JS and CSS as shipped inside the installed pyvis package, read from its folder
    without importing it (its modules are ~7 MB that a big build would hold beside its graph)."""
    spec = importlib.util.find_spec("pyvis")  # a top-level package is found, not imported
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    base: Any = pathlib.Path(folders[0]) if folders and pathlib.Path(folders[0]).is_dir() else importlib.resources.files("pyvis")
    for part in _VIS_DIR:
        base = base.joinpath(part)
    js = base.joinpath("vis-network.min.js").read_text(encoding="utf-8")
    css = base.joinpath("vis-network.css").read_text(encoding="utf-8")
    return _safe_script(js), _safe_style(css)


def _asset(name: str) -> str:
    return importlib.resources.files("kg.export").joinpath(name).read_text(encoding="utf-8")


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
    used = {e["type"] for e in payload["edges"]} | ({"coOccurs"} if payload["view"] == "entities" else set())
    edge_rows = [f'<div class="edge-item"><span class="edge-swatch" style="background:{colour}"></span> '
                 f'{html.escape(edge_type)}</div>' for edge_type, colour in EDGE_COLOURS.items()
                 if edge_type in used or payload["view"] == "papers" and edge_type != "coOccurs"]
    return ("\n".join(rows) + '\n<details class="edge-legend"><summary>Edge types</summary>\n'
            + "\n".join(edge_rows) + "\n</details>")


def _note_html(payload: dict[str, Any]) -> str:
    what = "entities" if payload["view"] == "entities" else "nodes"
    if payload["view"] == "entities":
        total = sum(t["count"] for t in payload["types"])
        text = (f'Entities view: {payload["shown_nodes"]} of {total} methods, datasets and modalities drawn, '
                f'{payload["shown_edges"]} links ({payload["total_nodes"]} nodes in the graph); search reaches '
                f'{payload["shown_nodes"] + len(payload["extra"])}.')
    else:
        undrawn_people = payload["people"] - payload["people_shown"]
        total, hidden = payload["total_nodes"] - undrawn_people, payload["hidden_nodes"] - undrawn_people
        if hidden:
            text = (f'Showing the {payload["shown_nodes"]} best-connected of {total} {what}; {hidden} nodes '
                    f'hidden ({payload["shown_edges"]} of {payload["total_edges"]} edges drawn); search reaches '
                    f'{payload["shown_nodes"] + len(payload["extra"])}.')
        else:
            text = f'{payload["shown_nodes"]} nodes, {payload["shown_edges"]} edges'
        if undrawn_people:
            text += f'; {undrawn_people} authors not drawn (search by name, or open a paper)'
    return html.escape(text)


def _modality_options(payload: dict[str, Any]) -> str:
    return "".join(f'<option value="{i}">{html.escape(m["label"])} ({m["papers"]})</option>'
                   for i, m in enumerate(payload["modalities"]))


def render_html(graph: nx.MultiDiGraph, *, title: str = "NeuroAI knowledge graph", view: str = "auto",
                max_nodes: int | None = None) -> str:
    """The complete page as a string (deterministic for a given graph and arguments).

    ``view``: ``auto`` (``papers`` up to 2,000 nodes not counting authors, else ``entities``), ``papers``
    (papers, their entities and claims; the best-connected ``max_nodes`` drawn; authors searchable and
    listed in the paper panel, not drawn), ``entities`` (methods × datasets × modalities by
    co-occurrence) or ``full`` (every node drawn, authors included)."""
    return b"".join(_page_parts(graph, title=title, view=view, max_nodes=max_nodes)).decode("utf-8")


def _page_parts(graph: nx.MultiDiGraph, *, title: str, view: str, max_nodes: int | None) -> list[bytes]:
    """The page as UTF-8 pieces, in order: the template's text and what fills its placeholders."""
    payload, data = _page_data(graph, title=title, view=view, max_nodes=max_nodes)
    vis_js, vis_css = _vis_assets()
    years = payload["years"] or [0, 0]
    values = {
        "TITLE": html.escape(title),
        "NOTE": _note_html(payload),
        "LEGEND": _legend_html(payload),
        "MODALITY_OPTIONS": _modality_options(payload),
        "YEAR_MIN": str(years[0]),
        "YEAR_MAX": str(years[-1]),
        "YEARS_HIDDEN": "" if payload["years"] else " hidden",
        "UNDATED": str(payload["undated"]),
        "HINT": html.escape(_HINTS[payload["view"]]),
        "VIS_CSS": vis_css,
        "VIS_JS": vis_js,
        "PAGE_CSS": _safe_style(_asset("html_page.css")),
        "PAGE_JS": _safe_script(_asset("html_page.js")),
    }
    del payload  # a big graph's page: its links and names go before the page's pieces are written
    # one pass: inserted text (vis-network's code, the data) is never scanned for placeholders
    parts: list[bytes] = []
    template = _asset("html_template.html")
    at = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(template[at:match.start()].encode("utf-8"))
        name = match.group(1)
        if name == "DATA_JSON":
            parts.extend(data)
        else:
            parts.append(values[name].encode("utf-8"))
        at = match.end()
    parts.append(template[at:].encode("utf-8"))
    return parts


def write_html(graph: nx.MultiDiGraph, path: pathlib.Path, *, title: str = "NeuroAI knowledge graph",
               view: str = "auto", max_nodes: int | None = None) -> pathlib.Path:
    """Write the interactive page to ``path`` atomically (temp file in the same folder, then
    ``os.replace``) and return the path. ``view`` and ``max_nodes`` as in :func:`render_html`."""
    path = pathlib.Path(path)
    parts = _page_parts(graph, title=title, view=view, max_nodes=max_nodes)
    with atomic_open_binary(path) as stream:  # piece by piece: the page is never held twice
        for part in parts:
            stream.write(part)
    return path
