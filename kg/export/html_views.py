"""The data behind the interactive page: one JSON payload per view (``papers``: papers, entities and
claims; ``entities``: methods × datasets × modalities joined by co-occurrence), read only from the graph contract."""

from __future__ import annotations

import bisect
import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain, combinations, repeat
from operator import itemgetter
from typing import Any

import networkx as nx
import numpy as np

from kg.export.html_layout import layout, spread
from kg.graph import EDGE_ROLE
from kg.identifiers import parse_curie
from kg.identifiers import url as identifier_url

__all__ = ["VIEWS", "NODE_STYLES", "EDGE_COLOURS", "resolve_view", "build_payload"]

#: ``auto`` picks ``papers`` for graphs up to ``AUTO_PAPERS_MAX`` nodes (authors not counted) and
#: ``entities`` above; ``full`` is the papers view with every node drawn, authors included.
VIEWS = ("auto", "papers", "entities", "full")
AUTO_PAPERS_MAX = 2000
DEFAULT_MAX_NODES = {"papers": 2000, "entities": 1200}
SEARCH_MAX = 5000  # records beyond the drawn nodes that search can still reach (the best-connected)
PEOPLE_SEARCH_MAX = 5000  # authors search can reach (those with most papers), on top of SEARCH_MAX
LIST_MAX = 25  # items per side-panel section (the rest are counted)
EXTRA_LIST_MAX = 5  # the same for records that are not drawn
PAPERS_MAX = 3000  # paper records the entities view carries for its panels (others: title only)
FULL_PAPERS_MAX = 1500  # up to this many, with abstracts and claims
COOCCUR_TOP = 10  # "co-occurs most with" entries per entity
EDGES_PER_ENTITY = 6  # strongest co-occurrence edges drawn per entity in the entities view

#: Visual style per node type: (colour, vis-network shape, legend glyph).
NODE_STYLES: dict[str, tuple[str, str, str]] = {
    "Paper": ("#4e79a7", "square", "\u25a0"),
    "Method": ("#f28e2b", "dot", "\u25cf"),
    "Dataset": ("#59a14f", "diamond", "\u25c6"),
    "Modality": ("#b07aa1", "triangle", "\u25b2"),
    "Claim": ("#e0b000", "star", "\u2605"),
    "Person": ("#76b7b2", "triangleDown", "\u25bc"),
}
OTHER_STYLE = ("#8c8c8c", "hexagon", "\u2b22")

#: Edge colour per edge type; anything else is grey.
EDGE_COLOURS: dict[str, str] = {
    "proposesMethod": "#f28e2b",
    "usesMethod": "#f6b97c",
    "proposesDataset": "#59a14f",
    "usesDataset": "#9ccb95",
    "hasModality": "#c9a6c0",
    "hasClaim": "#e6cf73",
    "about": "#b5b5b5",
    "hasAuthor": "#a9d6d2",
    "outperforms": "#d62728",
    "coOccurs": "#9aa7b8",
}

ENTITY_TYPES = ("Method", "Dataset", "Modality")
PERSON = "Person"  # authors: searchable and listed in panels, drawn only in the ``full`` view
ROLE_OF_EDGE = EDGE_ROLE
MARK_SECTIONS = ("title", "abstract")
_PLURAL = {"Paper": "Papers", "Method": "Methods", "Dataset": "Datasets",
           "Modality": "Modalities", "Claim": "Claims", "Person": "Authors"}
_SECTION_ORDER = ["Paper", "Papers", "Authors", "Methods", "Datasets", "Modalities", "Claims", "About",
                  "Co-occurs most with", "Claims about it", "Outperforms", "Outperformed by"]
_LABEL_MAX = {"Paper": 40, "Claim": 32}
_OTHER_LABEL_MAX = 48
_SCALE = 70.0
_AUTHORS_MAX = 30
_FIRST, _SECOND = itemgetter(0), itemgetter(1)


def resolve_view(graph: nx.MultiDiGraph, view: str = "auto", max_nodes: int | None = None) -> tuple[str, int]:
    """The concrete view (``papers`` or ``entities``) and node budget for a requested view name."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    if view == "full":
        return "papers", max(graph.number_of_nodes(), 1) if max_nodes is None else max_nodes
    if view == "auto":
        people = sum(1 for _, kind in graph.nodes(data="type") if kind == PERSON)
        view = "papers" if graph.number_of_nodes() - people <= AUTO_PAPERS_MAX else "entities"
    return view, DEFAULT_MAX_NODES[view] if max_nodes is None else max_nodes


# --------------------------------------------------------------------------------------------
# small helpers
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
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    return str(value)


def _node_size(degree: int) -> float:
    return round(min(42.0, 9.0 + 4.0 * math.sqrt(degree)), 1)


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _evidence(data: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for ev in data.get("evidence") or []:
        if isinstance(ev, Mapping):
            out.append({"sentence": str(ev.get("sentence") or ""), "section": str(ev.get("section") or ""),
                        "text": str(ev.get("text") or "")})
        else:
            out.append({"sentence": str(ev), "section": "", "text": ""})
    return out


class _Degrees(dict):
    """Each node's number of edges, both ways, counted when first asked for (a big graph's page
    needs a few thousand of them)."""

    def __init__(self, graph: nx.MultiDiGraph, raw: dict[str, Any]) -> None:
        super().__init__()
        self._succ, self._pred, self._raw = graph._succ, graph._pred, raw

    def __missing__(self, node: str) -> int:
        n = self._raw[node]
        count = self[node] = sum(map(len, self._succ[n].values())) + sum(map(len, self._pred[n].values()))
        return count


class _Ids(dict):
    """A node's id as a string → the graph's node. Only the nodes whose id is not a string are
    stored (a built graph has none): any other string is its own node."""

    def __missing__(self, sid: str) -> Any:
        return sid


class _Names(dict):
    """Each node's name as the page shows it (its label, title or text, else its id), worked out
    when first asked for: a big graph's page names a few thousand of its hundreds of thousands."""

    def __init__(self, nodes: Mapping[Any, dict[str, Any]], raw: dict[str, Any]) -> None:
        super().__init__()
        self._nodes, self._raw = nodes, raw

    def __missing__(self, sid: str) -> str:
        attrs = self._nodes[self._raw[sid]]  # KeyError when there is no such node
        label = attrs.get("label") or attrs.get("title") or attrs.get("text") or sid
        name = self[sid] = label if type(label) is str else str(label)
        return name

    def get(self, sid: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[sid]
        except KeyError:
            return default


@dataclass
class _Index:
    """Who links to whom, computed once from the graph (all ids as strings)."""

    graph: nx.MultiDiGraph
    raw: dict[str, Any] = field(default_factory=_Ids)
    kind: dict[str, str] = field(default_factory=dict)
    name: dict[str, str] = field(default_factory=dict)
    degree: dict[str, int] = field(default_factory=dict)
    year: dict[str, int] = field(default_factory=dict)
    # neighbour lists, each name once (a pair of nodes is one adjacency entry, whatever its edges);
    # an author's papers and an entity's roles are read from the graph when asked for (see works
    # and roles): hundreds of thousands of small lists and sets a big graph's page would hold
    papers_of: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    entities_of: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: each paper's modalities, only kept when there are more than ``mod_bits`` holds (else the bits say)
    mods_of: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: edges from papers into each entity (its "Papers" panel section, listed in bulk; an author's
    #: are counted when asked for, see papers_count)
    from_papers: Counter[str] = field(default_factory=Counter)
    odd: set[str] = field(default_factory=set)  # nodes with a hasClaim edge from a paper: listed one by one
    #: the papers in ordered_papers' order (newest first, then by title), and each one's place there;
    #: an entity's or author's papers are turned into places when asked for (see places): their
    #: years and modalities are then read from arrays, in that order, not from dicts at random
    order: list[str] = field(default_factory=list)
    rank: dict[str, int] = field(default_factory=dict)
    year_at: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: each paper's modalities (by ``order``) as bits, bit i for the i-th of ``modalities``; None
    #: when there are more modalities than bits (the sets are then made from mods_of)
    mod_bits: np.ndarray | None = None
    modalities: list[str] = field(default_factory=list)  # by name, as the page's filter lists them
    position: dict[str, int] = field(default_factory=dict)  # each modality's place in ``modalities``
    #: every entity's co-occurring entities and their paper counts, when the entities view counted
    #: the pairs over all of them (else counted per entity, for the panels that list it)
    cooccur: dict[str, dict[str, int]] | None = None

    @classmethod
    def of(cls, graph: nx.MultiDiGraph) -> "_Index":
        ix = cls(graph)
        raw, kind, year = ix.raw, ix.kind, ix.year
        name = ix.name = _Names(graph._node, raw)
        ix.degree = _Degrees(graph, raw)
        # networkx's own adjacency dicts, as its algorithms read them: far cheaper than edge views
        succ = graph._succ
        for n, attrs in graph._node.items():
            if type(n) is str:
                sid = n
            else:
                sid = str(n)
                raw[sid] = n
            node_type = attrs.get("type") or "Other"  # its type
            kind[sid] = node_type = node_type if type(node_type) is str else str(node_type)
            if node_type == "Paper":
                year[sid] = _int(attrs.get("year"))
        ix.order = sorted(year, key=ix._paper_key)
        rank = ix.rank = {paper: i for i, paper in enumerate(ix.order)}
        ix.year_at = np.fromiter(map(year.__getitem__, ix.order), dtype=np.int64, count=len(ix.order))
        ix.modalities = sorted((n for n, k in kind.items() if k == "Modality"), key=lambda n: (name[n].lower(), n))
        ix.position = {m: i for i, m in enumerate(ix.modalities)}
        bit = {m: 1 << i for m, i in ix.position.items()} if len(ix.modalities) <= 64 else None
        bits = [0] * len(ix.order)
        papers_of, entities_of, mods_of = ix.papers_of, ix.entities_of, ix.mods_of
        from_papers, odd = ix.from_papers, ix.odd
        for su in year:  # the papers, in the graph's order
            mods = 0
            for v, keyed in succ[raw[su]].items():
                sv = v if type(v) is str else str(v)
                tv = kind[sv]
                if tv in ENTITY_TYPES:
                    papers_of[sv].append(su)
                    entities_of[su].append(sv)
                    if tv == "Modality":
                        if bit is None:
                            mods_of[su].append(sv)
                        else:
                            mods |= bit[sv]
                    for key, data in keyed.items():
                        if str(data.get("type") or key) == "hasClaim":
                            odd.add(sv)
                    from_papers[sv] += len(keyed)
                elif tv == PERSON:
                    data = keyed.get("hasAuthor")  # the one edge a byline makes, or else look closer
                    if (len(keyed) != 1 or data is None or data.get("type", "hasAuthor") != "hasAuthor") and any(
                            str(data.get("type") or key) == "hasClaim" for key, data in keyed.items()):
                        odd.add(sv)
            bits[rank[su]] = mods
        if bit is not None:
            ix.mod_bits = np.array(bits, dtype=np.uint64)
        return ix

    def works(self, node: str) -> list[str]:
        """An author's papers: those with an edge into it, in its adjacency's order (not the
        graph's: every use of them counts or ranks them)."""
        kind, papers = self.kind, []
        for u in self.graph._pred[self.raw[node]]:
            su = u if type(u) is str else str(u)
            if kind[su] == "Paper":
                papers.append(su)
        return papers

    def papers(self, node: str) -> list[str]:
        """An entity's papers (in the graph's order) or an author's (see works); else none."""
        if self.kind[node] == PERSON:
            return self.works(node)
        return self.papers_of.get(node, [])

    def roles(self, node: str) -> list[str]:
        """How an entity's papers use it ("used", "proposed", …), sorted."""
        roles: set[str] = set()
        pred, raw, kind = self.graph._pred[self.raw[node]], self.raw, self.kind
        default = "used" if kind[node] != "Modality" else ""
        for paper in self.papers_of.get(node, ()):
            for key, data in pred[raw[paper]].items():
                roles.add(ROLE_OF_EDGE.get(str(data.get("type") or key), default))
        roles.discard("")
        return sorted(roles)

    def _set_bits(self, bits: int) -> list[int]:
        """The positions in ``modalities`` of the bits set in ``bits`` (see ``mod_bits``)."""
        return [i for i in range(len(self.modalities)) if bits >> i & 1]

    def paper_mods(self, paper: str) -> list[int]:
        """A paper's modalities, as their positions in ``modalities``."""
        if self.mod_bits is not None:
            return self._set_bits(int(self.mod_bits[self.rank[paper]]))
        return sorted(self.position[m] for m in self.mods_of.get(paper, ()))

    def places(self, node: str) -> list[int]:
        """The places in ``order`` of an entity's or author's papers, in ``papers``' order."""
        return list(map(self.rank.__getitem__, self.papers(node)))

    def papers_count(self, node: str) -> int:
        """The number of edges from papers into an entity or author (its "Papers" section's total)."""
        if self.kind[node] == PERSON:
            raw, succ = self.raw, self.graph._succ
            person = raw[node]
            return sum(len(succ[raw[paper]][person]) for paper in self.works(node))
        return self.from_papers[node]

    def years_and_mods(self, node: str) -> tuple[list[int], list[int]]:
        """The years (sorted, undated left out) and the modalities (positions in ``modalities``) of
        an entity's or author's papers."""
        places = np.array(self.places(node), dtype=np.int64)
        years = np.unique(self.year_at[places])
        if self.mod_bits is not None:
            mods = self._set_bits(int(np.bitwise_or.reduce(self.mod_bits[places])))
        else:
            position = self.position
            mods = sorted({position[m] for m in chain.from_iterable(map(self.mods_of.get, self.papers(node), repeat(())))})
        return years[years != 0].tolist(), mods

    def first_papers(self, node: str, limit: int) -> list[str]:
        """The ``limit`` first of an entity's or author's papers in ``order`` (all of them, in no
        particular order, when there are no more)."""
        papers = self.papers(node)
        if len(papers) <= limit:
            return papers
        places = list(map(self.rank.__getitem__, papers))
        if limit <= 0:
            return []
        chosen = np.partition(np.array(places, dtype=np.int64), limit - 1)[:limit]
        return [self.order[i] for i in chosen.tolist()]

    def marks_of(self, paper: str) -> list[list[Any]]:
        """Where the paper's title and abstract mention its entities: ``[section, start, end, entity]``,
        sorted (read from the evidence only for the papers a page shows)."""
        marks = []
        for v, keyed in self.graph._succ[self.raw[paper]].items():
            if self.kind[str(v)] not in ENTITY_TYPES:
                continue
            for data in keyed.values():
                for ev in data.get("evidence") or []:
                    if isinstance(ev, Mapping) and ev.get("section") in MARK_SECTIONS:
                        start, end = _int(ev.get("start")), _int(ev.get("end"))
                        if 0 <= start < end:
                            marks.append([str(ev["section"]), start, end, str(v)])
        return sorted(marks)

    def _paper_key(self, paper: str) -> tuple[int, str, str]:
        return -self.year.get(paper, 0), self.name[paper].lower(), paper

    def ordered_papers(self, ids: set[str]) -> list[str]:
        """Newest first, then by title (undated last)."""
        rank = self.rank
        if all(p in rank for p in ids):
            return sorted(ids, key=rank.__getitem__)
        return sorted(ids, key=self._paper_key)


# --------------------------------------------------------------------------------------------
# panel sections
# --------------------------------------------------------------------------------------------
def _section_name(direction: str, edge_type: str, other_type: str) -> str:
    if edge_type == "outperforms":
        return "Outperforms" if direction == "out" else "Outperformed by"
    if direction == "out":
        return "About" if edge_type == "about" else _PLURAL.get(other_type, other_type)
    if other_type == "Paper":
        return "Paper" if edge_type == "hasClaim" else "Papers"
    if other_type == "Claim":
        return "Claims about it"
    return _PLURAL.get(other_type, other_type)


def _relations(ix: _Index, node: str, limit: int = LIST_MAX, kinds: tuple[str, ...] = (), bulk: bool = True
               ) -> list[dict[str, Any]]:
    """The node's neighbours grouped in panel sections (hidden nodes too), each capped at ``limit``
    items with its full ``total``; entities also get their top co-occurring entities. Items name
    their node by id only (the payload's ``names`` table labels it). ``kinds`` keeps only those.
    ``bulk``: an entity's or author's papers (tens of thousands in a big graph) are counted and
    ranked from the index, only the listed ones read from the graph."""
    graph = ix.graph
    raw = ix.raw[node]
    by_paper = ix.papers(node) if bulk and not kinds and node not in ix.odd else None  # each paper once
    # (neighbour, edge type, direction, edge data) per section; item dicts only for what is listed
    sections: dict[str, list[tuple[str, str, str, dict[str, Any]]]] = defaultdict(list)
    kind_of = ix.kind
    section_kinds: dict[str, set[str]] = defaultdict(set)  # the kinds of node each section lists
    for direction, adjacency in (("out", graph._succ[raw]), ("in", graph._pred[raw])):
        if by_paper and direction == "in":  # its papers come from the index: read only the other nodes
            if len(adjacency) == len(by_paper):
                continue
            # in another order than the graph's: every section sorts its rows by the neighbour's id
            # (a paper's never come here), and one neighbour's rows stay together, in their order
            others = adjacency.keys() - set(by_paper)
            adjacency = {other: adjacency[other] for other in sorted(others, key=str)}
        section_of: dict[tuple[str, str], list] = {}  # (edge type, other kind) → its section's rows
        for neighbour, keyed in adjacency.items():
            other = neighbour if type(neighbour) is str else str(neighbour)
            other_kind = kind_of[other]
            if kinds and other_kind not in kinds or by_paper and other_kind == "Paper" and direction == "in":
                continue
            for key, data in keyed.items():
                edge_type = data.get("type") or key
                if type(edge_type) is not str:
                    edge_type = str(edge_type)
                rows = section_of.get((edge_type, other_kind))
                if rows is None:
                    section = _section_name(direction, edge_type, other_kind)
                    rows = section_of[(edge_type, other_kind)] = sections[section]
                    section_kinds[section].add(other_kind)
                rows.append((other, edge_type, direction, data))

    def item(other: str, edge_type: str, direction: str, data: dict[str, Any]) -> dict[str, Any]:
        made: dict[str, Any] = {"id": other, "rel": edge_type, "dir": direction}
        if edge_type == "hasAuthor":
            made["order"] = _int(data.get("order"))
        if edge_type == "outperforms":
            on, paper = _first(data.get("on")), _first(data.get("papers") or data.get("paper"))
            made["on"] = ix.name.get(on, on)
            made["paper"] = ix.name.get(paper, paper)
        return made

    # sections counted and cut already: name → (total, rows)
    prepared: dict[str, tuple[int, list[tuple[str, str, str, dict[str, Any]]]]] = {}
    if by_paper:
        if "Papers" in sections:  # other nodes in the section too (a hand-made graph): one by one
            return _relations(ix, node, limit, kinds, bulk=False)
        rank, adjacency = ix.rank, graph._pred[raw]
        top = ix.first_papers(node, limit)
        rows = [(paper, str(data.get("type") or key), "in", data)
                for paper in top for key, data in adjacency[ix.raw[paper]].items()]
        rows.sort(key=lambda row: (rank[row[0]], row[1]))  # as the section's rows sort (newest first)
        prepared["Papers"] = (ix.papers_count(node), rows[:limit])
    listed: dict[str, list[dict[str, Any]]] = {}
    if ix.kind[node] in ENTITY_TYPES:
        # each paper lists the node once: taken out below
        if ix.cooccur is not None:
            together = ix.cooccur.get(node, {})
        else:
            together = Counter(chain.from_iterable(map(ix.entities_of.__getitem__, ix.papers_of.get(node, ()))))
            together.pop(node, None)
        shown = min(limit, COOCCUR_TOP)
        candidates: Iterable[tuple[str, int]] = together.items()
        if len(together) > shown > 0:  # only counts as high as the last one shown can be listed: name those
            lowest = heapq.nlargest(shown, together.values())[-1]
            candidates = [kv for kv in candidates if kv[1] >= lowest]
        top = sorted(candidates, key=lambda kv: (-kv[1], ix.name[kv[0]].lower(), kv[0]))
        listed["Co-occurs most with"] = [
            {"id": e, "rel": f"{n} paper{'s' if n != 1 else ''}", "n": n} for e, n in top[:shown]]
    order = {name: i for i, name in enumerate(_SECTION_ORDER)}
    out = []
    for name in sorted([*sections, *listed, *prepared], key=lambda s: (order.get(s, len(order)), s)):
        cap = _AUTHORS_MAX if name == "Authors" and limit == LIST_MAX else limit  # a full record: the byline
        if name in listed:  # co-occurring entities: already ranked and cut
            out.append({"name": name, "total": len(listed[name]), "items": listed[name][:cap]})
            continue
        if name in prepared:
            total, chosen = prepared[name]
            out.append({"name": name, "total": total, "items": [item(*row) for row in chosen]})
            continue
        rows = sections[name]
        key: Callable[[tuple], Any]
        if name == "Papers":  # newest first: (rank, edge type, row number) compared without a Python key
            rank = ix.rank
            if section_kinds[name] != {"Paper"}:  # a node type of a hand-made graph called "Papers"
                rank = {p: i for i, p in enumerate(ix.ordered_papers({row[0] for row in rows}))}
            ranked = zip(map(rank.__getitem__, map(_FIRST, rows)), map(_SECOND, rows), range(len(rows)))
            chosen = [rows[i] for _, _, i in (heapq.nsmallest(cap, ranked) if len(rows) > cap else sorted(ranked))]
            out.append({"name": name, "total": len(rows), "items": [item(*row) for row in chosen]})
            continue
        if name == "Authors":  # in byline order
            key = lambda row: (_int(row[3].get("order")) if row[1] == "hasAuthor" else 0,
                               ix.name[row[0]].lower(), row[0])
        else:
            key = lambda row: (ix.name[row[0]].lower(), row[0], row[1])
        chosen = heapq.nsmallest(cap, rows, key=key) if len(rows) > cap else sorted(rows, key=key)
        out.append({"name": name, "total": len(rows), "items": [item(*row) for row in chosen]})
    return out


# --------------------------------------------------------------------------------------------
# node records
# --------------------------------------------------------------------------------------------
_KEEP = {
    "Paper": ("title", "abstract", "date", "year", "url", "identifier", "authors", "author_count"),
    "Claim": ("text", "paper", "hedged", "hedges", "section", "confidence"),
    "Person": ("name", "papers"),
}
_ENTITY_KEEP = ("aliases", "vocab", "broader", "papers")


def _record(ix: _Index, node: str, *, limit: int = LIST_MAX,
            light: bool = False) -> dict[str, Any]:
    """Everything the panel, search and filters need about one node (``light``: a paper without
    its abstract and claims)."""
    attrs = ix.graph.nodes[ix.raw[node]]
    kind = ix.kind[node]
    keep = _KEEP.get(kind) or (_ENTITY_KEEP if kind in ENTITY_TYPES else tuple(sorted(map(str, attrs))))
    if light:
        keep = tuple(k for k in keep if k != "abstract")
    kept = {k: _jsonable(attrs[k]) for k in keep if k in attrs}
    if isinstance(kept.get("authors"), list) and len(kept["authors"]) > _AUTHORS_MAX:
        kept["authors"] = kept["authors"][:_AUTHORS_MAX] + ["\u2026"]
    record: dict[str, Any] = {
        "id": node, "type": kind, "name": ix.name[node],
        "label": _truncate(ix.name[node], _LABEL_MAX.get(kind, _OTHER_LABEL_MAX)),
        "degree": ix.degree[node], "size": _node_size(ix.degree[node]), "attrs": kept,
        "relations": _relations(ix, node, limit, ENTITY_TYPES if light else ()),
    }
    # filter keys: papers carry their own year and modalities; entities the union over their papers
    if kind == "Paper":
        record["links"] = _identifier_links(attrs)
        record["years"] = [ix.year[node]] if ix.year.get(node) else []
        record["mods"] = ix.paper_mods(node)
        if not light:
            record["marks"] = ix.marks_of(node)
    elif kind in ENTITY_TYPES or kind == PERSON:
        record["years"], mods = ix.years_and_mods(node)
        if kind == "Modality" and ix.position[node] not in mods:
            bisect.insort(mods, ix.position[node])
        record["mods"] = mods
        if kind != PERSON:
            record["roles"] = ix.roles(node)
    elif kind == "Claim":
        paper = str(attrs.get("paper") or "")
        record["paper"] = paper if paper in ix.kind else ""
    return record


def _identifier_links(attrs: dict[str, Any]) -> list[dict[str, str]]:
    """A paper's identifiers as {"text": "doi:10.1/x", "url": "https://doi.org/10.1/x"} for the panel."""
    links = []
    for curie in attrs.get("identifiers") or []:
        url = identifier_url(*parse_curie(str(curie)))
        if url:
            links.append({"text": str(curie), "url": url})
    return links


def _edge_row(ix: _Index, u: str, v: str, key: str, data: dict[str, Any]) -> dict[str, Any]:
    edge_type = str(data.get("type") or key)
    row: dict[str, Any] = {"id": f"{u}|{key}|{v}", "from": u, "to": v, "type": edge_type,
                           "confidence": _jsonable(data.get("confidence")),
                           "extractor": str(data.get("extractor") or ""), "evidence": _evidence(data)}
    if edge_type in ROLE_OF_EDGE:
        row["role"] = ROLE_OF_EDGE[edge_type]
    for extra, value in (("paper", data.get("papers") or data.get("paper")), ("on", data.get("on"))):
        ref = _first(value)
        if ref:
            row[extra] = ref
            row[extra + "_label"] = ix.name.get(ref, ref)
    return row


def _place(records: list[dict[str, Any]], edges: list[tuple[int, int]]) -> None:
    """Give drawn records ``x``/``y`` (deterministic layout; the browser runs no physics)."""
    coords = layout(len(records), edges)
    scale = _SCALE * math.sqrt(max(len(records), 1)) + 150.0
    sizes = np.array([r["size"] for r in records], dtype=float)
    coords = spread(coords * scale, sizes)
    for i, record in enumerate(records):
        record["x"] = round(float(coords[i, 0]), 1)
        record["y"] = round(float(coords[i, 1]), 1)


# --------------------------------------------------------------------------------------------
# views
# --------------------------------------------------------------------------------------------
def _papers_view(ix: _Index, max_nodes: int, people: bool = False) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """Drawn: the ``max_nodes`` best-connected nodes, authors only with ``people`` (and then last);
    searchable: the next ``SEARCH_MAX``."""
    ranked = sorted(ix.kind, key=lambda n: (ix.kind[n] == PERSON, -ix.degree[n], n))
    if not people:
        ranked = [n for n in ranked if ix.kind[n] != PERSON]
    drawn = sorted(ranked[: max(0, max_nodes)])
    extra = sorted(ranked[max(0, max_nodes): max(0, max_nodes) + SEARCH_MAX])
    shown = set(drawn)
    rows = [(str(u), str(v), str(k), d) for u, v, k, d in ix.graph.edges(keys=True, data=True)
            if str(u) in shown and str(v) in shown]
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return drawn, extra, [_edge_row(ix, *r) for r in rows]


def _entities_view(ix: _Index, max_nodes: int) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """Methods, datasets and modalities; two are linked when papers mention both (weight = papers),
    keeping each drawn entity's ``EDGES_PER_ENTITY`` strongest links, plus every ``outperforms``."""
    entities = [n for n, k in ix.kind.items() if k in ENTITY_TYPES]
    ranked = sorted(entities, key=lambda n: (-len(ix.papers_of.get(n, ())), -ix.degree[n], n))
    drawn = sorted(ranked[: max(0, max_nodes)])
    extra = sorted(ranked[max(0, max_nodes): max(0, max_nodes) + SEARCH_MAX])
    shown = set(drawn)
    papers = ix.ordered_papers(set(ix.entities_of))
    if len(shown) == len(entities):
        members = list(map(sorted, map(ix.entities_of.__getitem__, papers)))
    else:
        members = [sorted(e for e in ix.entities_of[paper] if e in shown) for paper in papers]
    pairs = Counter(chain.from_iterable(map(combinations, members, repeat(2))))
    if len(shown) == len(entities):  # every entity's co-occurrence, counted: its panel reads it here
        together: dict[str, dict[str, int]] = defaultdict(dict)
        for (a, b), n in pairs.items():
            together[a][b] = together[b][a] = n
        ix.cooccur = together
    # each entity's EDGES_PER_ENTITY strongest pairs (most papers, then by name): in one order of all
    # the pairs (by papers, stable over their sorted order), a pair is among an entity's strongest
    # while fewer than that many of its pairs came before (no list of options per entity)
    keep: set[tuple[str, str]] = set()
    before: Counter[str] = Counter()
    for pair in sorted(sorted(pairs), key=pairs.__getitem__, reverse=True):
        a, b = pair
        if before[a] < EDGES_PER_ENTITY or before[b] < EDGES_PER_ENTITY:
            keep.add((a, b))
        before[a] += 1
        before[b] += 1
    # each kept link's first three papers (newest first): read until every one has its examples
    examples: dict[tuple[str, str], list[str]] = {pair: [] for pair in keep}
    missing = len(keep)
    for paper, group in zip(papers, members):
        if not missing:
            break
        for pair in combinations(group, 2):
            found = examples.get(pair)
            if found is not None and len(found) < 3:
                found.append(paper)
                if len(found) == min(3, pairs[pair]):
                    missing -= 1
    edges = []
    for a, b in sorted(keep):
        n = pairs[(a, b)]
        edges.append({"id": f"{a}|coOccurs|{b}", "from": a, "to": b, "type": "coOccurs", "weight": n,
                      "examples": [ix.name[p] for p in examples[(a, b)]]})
    for u in drawn:  # the links stated between drawn entities (outperforms), from their own adjacency
        for v, keyed in ix.graph._succ[ix.raw[u]].items():
            sv = str(v)
            if sv in shown and ix.kind[sv] in ENTITY_TYPES:
                edges.extend(_edge_row(ix, u, sv, str(key), data) for key, data in keyed.items())
    edges.sort(key=lambda e: e["id"])
    return drawn, extra, edges


def _people_extra(ix: _Index, drawn: list[str], extra: list[str]) -> list[str]:
    """``extra`` plus the authors search reaches (not drawn): up to ``PEOPLE_SEARCH_MAX``, those with
    most drawn papers first, then most papers."""
    taken, shown = set(drawn) | set(extra), set(drawn)
    people = [n for n, k in ix.kind.items() if k == PERSON and n not in taken]

    def key(person: str) -> tuple[int, int, str]:
        works = ix.works(person)
        return -len(shown.intersection(works)), -len(works), person

    # the first of them by that key, without a key held for every author of a big graph
    return sorted(set(extra) | set(heapq.nsmallest(PEOPLE_SEARCH_MAX, people, key=key)))


def build_payload(graph: nx.MultiDiGraph, *, title: str = "NeuroAI knowledge graph", view: str = "auto",
                  max_nodes: int | None = None, pack: Callable[[dict[str, Any]], Any] | None = None
                  ) -> dict[str, Any]:
    """The JSON document embedded in the page: drawn nodes (with positions) and edges, searchable
    records that are not drawn (authors included), the papers the panels link to, filter options
    and per-type styles. ``pack``: what each node record is turned into once it is complete (the
    page serialises them one by one, so that a big graph's records are never all held as dicts)."""
    requested = view
    view, budget = resolve_view(graph, view, max_nodes)
    ix = _Index.of(graph)
    modalities = ix.modalities
    if view == "papers":
        drawn, extra, edges = _papers_view(ix, budget, people=requested == "full")
    else:
        drawn, extra, edges = _entities_view(ix, budget)
    extra = _people_extra(ix, drawn, extra)

    # what the records name (their panels' items, marks and claim papers), gathered as each is made
    referenced: set[str] = set()
    listed: tuple[set[str], set[str]] = (set(), set())  # the papers the drawn and the other records list

    def finish(record: dict[str, Any], group: int = -1) -> Any:
        items = [it["id"] for section in record["relations"] for it in section["items"]]
        referenced.update(items)
        referenced.update(m[3] for m in record.get("marks", ()))
        if record.get("paper"):
            referenced.add(record["paper"])
        if group >= 0:
            listed[group].update(item for item in items if ix.kind[item] == "Paper")
        return record if pack is None else pack(record)

    nodes = [_record(ix, n) for n in drawn]
    where = {n: i for i, n in enumerate(drawn)}
    _place(nodes, [(where[e["from"]], where[e["to"]]) for e in edges])
    nodes = [finish(record, 0) for record in nodes]
    extras = [finish(_record(ix, n, limit=LIST_MAX if ix.kind[n] == PERSON else EXTRA_LIST_MAX), 1)
              for n in extra]

    # the entities view draws no papers: carry the ones its panels list (abstracts while few)
    papers: list[Any] = []
    keep: list[str] = []
    if view == "entities":
        weights = Counter(dict.fromkeys(listed[0], 1000))  # drawn entities' papers first
        weights.update(dict.fromkeys(listed[1], 1))
        keep = sorted(sorted(weights, key=lambda p: (-weights[p], p))[:PAPERS_MAX])
        light = len(keep) > FULL_PAPERS_MAX
        papers = [finish(_record(ix, p, limit=EXTRA_LIST_MAX if light else LIST_MAX, light=light))
                  for p in keep]
    known = {*drawn, *extra, *keep}
    referenced |= {e[end] for e in edges for end in ("from", "to", "paper", "on") if e.get(end)}
    names = {n: [ix.kind[n], _truncate(ix.name[n], 240)] for n in sorted(referenced - known) if n in ix.kind}

    type_counts = Counter(ix.kind.values())
    shown_counts = Counter(ix.kind[n] for n in drawn)
    types = []
    for kind in [*NODE_STYLES, *sorted(t for t in type_counts if t not in NODE_STYLES)]:
        if view == "entities" and kind not in ENTITY_TYPES or kind not in type_counts and kind == PERSON:
            continue
        colour, shape, glyph = NODE_STYLES.get(kind, OTHER_STYLE)
        types.append({"name": kind, "color": colour, "shape": shape, "glyph": glyph,
                      "count": type_counts.get(kind, 0), "shown": shown_counts.get(kind, 0)})
    years = sorted({y for y in ix.year.values() if y})
    papers_per_mod = {m: len(ix.papers_of.get(m, ())) for m in modalities}
    return {
        "title": title,
        "view": view,
        "total_nodes": graph.number_of_nodes(),
        # graph.number_of_edges(), counted from the adjacency dicts (networkx goes through its degree view)
        "total_edges": sum(map(len, chain.from_iterable(map(dict.values, graph._succ.values())))),
        "shown_nodes": len(nodes),
        "hidden_nodes": graph.number_of_nodes() - len(nodes),
        "shown_edges": len(edges),
        "people": type_counts.get(PERSON, 0),
        "people_shown": shown_counts.get(PERSON, 0),
        "types": types,
        "edge_colors": dict(sorted(EDGE_COLOURS.items())),
        "modalities": [{"id": m, "label": ix.name[m], "papers": papers_per_mod[m]} for m in modalities],
        "years": [years[0], years[-1]] if years else [],
        "undated": sum(1 for y in ix.year.values() if not y),
        "nodes": nodes,
        "edges": edges,
        "extra": extras,
        "papers": papers,
        "names": names,
    }
