"""Merge per-paper extractions into one typed MultiDiGraph: one node per paper (same identifier or
same title is one paper), one node per real-world entity (vocabulary id, else normalised name;
acronyms merge), one node per author."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kg.extract.vocabulary import Vocabulary
from kg.graph.evidence import Evidence
from kg.graph.identity import paper_node_ids, person_key
from kg.graph.shared_keys import SharedKeyDicts
from kg.identifiers import curies
from kg.keys import normalise_name
from kg.model import Entity, Extraction, Paper, StoredExtraction

ROLE_EDGE = {
    ("Method", "proposed"): "proposesMethod",
    ("Method", "used"): "usesMethod",
    ("Dataset", "proposed"): "proposesDataset",
    ("Dataset", "used"): "usesDataset",
    ("Modality", "proposed"): "hasModality",
    ("Modality", "used"): "hasModality",
}
#: edge type → the role it states, for the edges that state one (modalities have no role)
EDGE_ROLE = {edge: role for (type_, role), edge in ROLE_EDGE.items() if type_ != "Modality"}


@dataclass
class AssemblyStats:
    """What assembly merged, for the run summary."""

    extractions: int = 0
    duplicate_papers: int = 0
    merged_entities: dict[str, str] = field(default_factory=dict)


@dataclass
class AssemblyState:
    """What assembly knew besides the graph, kept so that a later build can add papers to the same
    graph with :func:`extend` instead of assembling everything again (``kg.incremental`` stores it)."""

    #: (entity type, normalised form) → the keys of every entity that wrote that form
    alias_owners: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    vocab_keys: set[str] = field(default_factory=set)
    minted: dict[tuple[str, str], str] = field(default_factory=dict)  # (key, label) of non-vocabulary entities → type
    merges: dict[str, str] = field(default_factory=dict)
    #: every record's (normalised title, source, line, title, identifiers), in that order: what
    #: decides which records are one paper
    records: list[tuple[str, str, int, str, dict[str, str]]] = field(default_factory=list)
    #: (winner, loser) of each outperforms edge → the paper that contributed each of its evidence items
    comparison_papers: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    extractions: int = 0
    duplicate_papers: int = 0

    def to_data(self) -> tuple:
        """Plain containers (for ``marshal``), read back by :meth:`from_data`."""
        return (self.alias_owners, self.vocab_keys, self.minted, self.merges, self.records,
                self.comparison_papers, self.extractions, self.duplicate_papers)

    @classmethod
    def from_data(cls, data: tuple) -> AssemblyState:
        return cls(*data)


class NotIncremental(Exception):
    """New papers that :func:`extend` cannot add exactly as a whole assembly would (the message says
    why): the caller assembles everything instead."""


def _merge_paper(node: dict, paper: Paper) -> None:
    node["sources"] = sorted(set(node["sources"]) | {f"{paper.source}:{paper.line}"})
    for attr, value in (("date", paper.date), ("url", paper.url), ("identifier", paper.id)):
        if value and not node[attr]:
            node[attr] = value
    if paper.authors and not node["authors"]:
        node["authors"] = list(paper.authors)
    if paper.author_count and not node["author_count"]:
        node["author_count"] = paper.author_count
    if node["date"] and not node["year"]:
        node["year"] = int(node["date"][:4]) if node["date"][:4].isdigit() else 0
    if paper.year and not node["year"]:
        node["year"] = paper.year
    if paper.venue and not node["venue"]:
        node["venue"] = paper.venue
    node["identifiers"] = sorted(set(node["identifiers"]) | set(curies(paper.identifiers)))
    for attr in ("keywords", "categories", "mesh"):
        node[attr] = sorted(set(node[attr]) | set(getattr(paper, attr)))


def _paper_node(paper: Paper) -> dict:
    node = {
        "type": "Paper",
        "label": paper.title,
        "title": paper.title,
        "abstract": paper.abstract,
        "date": "",
        "year": 0,
        "url": "",
        "identifier": "",
        "authors": [],
        "author_count": 0,
        "sources": [],
        "identifiers": [],
        "venue": "",
        "keywords": [],
        "categories": [],
        "mesh": [],
    }
    _merge_paper(node, paper)
    return node


def _index_aliases(state: AssemblyState, entity_lists: Iterable[list[Entity]]) -> None:
    """Add every entity's forms to the alias index of ``state``."""
    owners, vocab_keys, minted = state.alias_owners, state.vocab_keys, state.minted
    for entities in entity_lists:
        for entity in entities:
            if entity.vocab:
                vocab_keys.add(entity.key)
            else:
                minted.setdefault((entity.key, entity.label), entity.type)
            for form in (entity.label, *entity.aliases):
                owners.setdefault((entity.type, normalise_name(form)), set()).add(entity.key)


def _alias_merges(state: AssemblyState) -> dict[str, str]:
    """Map minted (non-vocabulary) entity keys onto the one entity whose alias they equal,
    e.g. a paper that only writes "WorM" joins the entity another paper defined as "Working Memory (WorM)"."""
    owners, vocab_keys = state.alias_owners, state.vocab_keys
    merges: dict[str, str] = {}
    for (key, label), type_ in state.minted.items():
        if key in merges:
            continue
        candidates = owners.get((type_, normalise_name(label)), set()) - {key}
        if len(candidates) == 1:
            target = next(iter(candidates))
            if target in vocab_keys or len(target) > len(key):
                merges[key] = target
    # resolve chains deterministically
    for key in sorted(merges):
        seen = {key}
        while merges[key] in merges and merges[key] not in seen:
            seen.add(merges[key])
            merges[key] = merges[merges[key]]
    return merges


Item = Extraction | StoredExtraction  # what assembly takes: an extraction, or one still in its stored row


def _entities_of(item: Item) -> list[Entity]:
    return item.entities if isinstance(item, Extraction) else item.load_entities()


def _loaded(item: Item) -> Extraction:
    return item if isinstance(item, Extraction) else item.load()


class _Shared(dict):
    """One object per distinct value (offsets and confidences repeat across a big graph's evidence)."""

    def __missing__(self, value: Any) -> Any:
        self[value] = value
        return value


def assemble(
    extractions: Iterable[Item], vocabulary: Vocabulary | None = None, stats: AssemblyStats | None = None,
    state: AssemblyState | None = None,
) -> nx.MultiDiGraph:
    """Build the graph described in ``kg.graph`` from extractions (any order gives the same graph).
    Items may be :class:`~kg.model.StoredExtraction` records, read twice (entities first, for alias
    merging, then whole) and never kept; pass a generator and each item is freed once merged.
    ``state``, when given (empty), is filled with what :func:`extend` needs to add papers later."""
    items = list(extractions)
    stats = stats if stats is not None else AssemblyStats()
    state = state if state is not None else AssemblyState()
    _index_aliases(state, (_entities_of(item) for item in items))
    merges = state.merges = _alias_merges(state)
    stats.extractions = state.extractions = len(items)
    stats.merged_entities = dict(sorted(merges.items()))
    graph = nx.MultiDiGraph()
    merger = _Merger(graph, vocabulary, state)

    keys = [item.paper.key for item in items]  # normalised titles: made once, they are asked for twice
    sort_keys = [(key, item.paper.source, item.paper.line) for key, item in zip(keys, items)]
    order = sorted(range(len(items)), key=sort_keys.__getitem__)
    ordered: list[Item | None] = [items[i] for i in order]
    pids = paper_node_ids([items[i].paper for i in order], keys=[keys[i] for i in order])
    state.records = [(*sort_keys[i], items[i].paper.title, items[i].paper.identifiers) for i in order]
    del items, keys, sort_keys, order
    nodes = merger.nodes
    for index, pid in enumerate(pids):
        item, ordered[index] = ordered[index], None  # let each record go once merged: the graph grows as they leave
        assert item is not None
        if pid in nodes:
            # The same paper again (same identifier or title): its metadata merges into the node,
            # but the node keeps one text — the first record's — so every offset of its mentions
            # and claims points into the title and abstract the node carries. A second version
            # with another abstract (preprint vs journal) adds no mentions of its own.
            _merge_paper(nodes[pid], item.paper)
            stats.duplicate_papers += 1
            continue
        merger.add(pid, _loaded(item))
        del item
    state.duplicate_papers = stats.duplicate_papers
    merger.finish()
    _add_authors(graph, sorted(set(pids)))
    return graph


def extend(graph: nx.MultiDiGraph, state: AssemblyState, extractions: Iterable[Item],
           vocabulary: Vocabulary | None = None, stats: AssemblyStats | None = None) -> set[str]:
    """Add the papers of ``extractions`` to a graph that :func:`assemble` (or an earlier ``extend``)
    made, updating ``state``, so that the graph equals what assembling every extraction at once gives.
    Returns the nodes whose data or outgoing edges changed (new ones included). Raises
    :class:`NotIncremental` when that cannot be done exactly (a new record that comes before a record
    of the same paper in the graph, new aliases that would re-merge known entities, …); ``graph`` and
    ``state`` are then left half-updated and must be rebuilt with :func:`assemble`."""
    items = list(extractions)
    stats = stats if stats is not None else AssemblyStats()
    before, known = state.merges, {key for key, _ in state.minted}
    _index_aliases(state, (_entities_of(item) for item in items))
    merges = _alias_merges(state)
    changed = sorted(key for key in known if before.get(key, key) != merges.get(key, key))
    if changed:  # papers already merged would now name another entity
        raise NotIncremental(f"new aliases merge {changed[0]!r} into another entity")
    state.merges = merges
    stats.merged_entities = dict(sorted(merges.items()))

    # which records are one paper, worked out again over every record, old and new
    new_records = [((item.paper.key, item.paper.source, item.paper.line, item.paper.title, item.paper.identifiers), item)
                   for item in items]
    records = sorted(state.records + [record for record, _ in new_records], key=lambda record: record[:3])
    pids = paper_node_ids([Paper(title, "", identifiers=identifiers) for _, _, _, title, identifiers in records],
                          keys=[key for key, *_ in records])
    fresh = {record[:3]: item for record, item in new_records}
    old_ids = {pid for record, pid in zip(records, pids) if record[:3] not in fresh}
    if old_ids != {node for node, data in graph._node.items() if data["type"] == "Paper"}:
        raise NotIncremental("new records give papers already in the graph another node id or merge them")
    first_record: dict[str, tuple[str, str, int]] = {}  # each paper's place: its first record's sort key
    for record, pid in zip(records, pids):
        first_record.setdefault(pid, record[:3])
    merger = _Merger(graph, vocabulary, state, incremental=True, paper_order=first_record)
    authored: list[str] = []
    last: dict[str, int] = {pid: index for index, (record, pid) in enumerate(zip(records, pids)) if record[:3] not in fresh}
    for index, (record, pid) in enumerate(zip(records, pids)):
        item = fresh.get(record[:3])
        if item is None:
            continue
        if pid in merger.nodes:  # another record of a paper: only its metadata merges (see assemble)
            if pid in last and last[pid] > index:
                raise NotIncremental(f"{item.paper.source}:{item.paper.line} comes before a record of the same paper "
                                     "already in the graph")
            _merge_paper(merger.nodes[pid], item.paper)
            state.duplicate_papers += 1
            merger.dirty.add(pid)
        else:
            merger.add(pid, _loaded(item))
        authored.append(pid)
    state.records = records
    state.extractions += len(items)
    stats.extractions, stats.duplicate_papers = state.extractions, state.duplicate_papers
    merger.finish()
    merger.dirty.update(_add_authors(graph, authored, incremental=True))
    return merger.dirty


class _Merger:
    """Merges one paper's extraction at a time into the graph (papers in sort order). With
    ``incremental``, the graph already holds other papers: rules whose outcome depends on the order
    of papers are then worked out against what the graph and ``state`` record, and every node that
    changes is kept in ``dirty``."""

    def __init__(self, graph: nx.MultiDiGraph, vocabulary: Vocabulary | None, state: AssemblyState,
                 incremental: bool = False, paper_order: Mapping[str, tuple[str, str, int]] | None = None) -> None:
        self.nodes, self.add_node, self.add_edge, self.has_edge = _writers(graph)
        self.vocabulary, self.state, self.incremental = vocabulary, state, incremental
        self.paper_order = paper_order or {}  # paper → its place among papers (incremental: to order evidence)
        self.merges = state.merges
        self.ints, self.floats = _Shared(), _Shared()
        self.entity_forms: dict[str, set[str]] = {}
        self.entity_papers: dict[str, set[str]] = {}  # the papers of this run mentioning each entity
        self.base_papers: dict[str, int] = {}  # entities already in the graph: their paper counts
        self.relabelled: set[str] = set()  # entities whose label a paper of this run set
        #: what each outperforms edge made in this run already holds (a set: an edge many papers
        #: state stays linear to build)
        self.comparison_evidence: dict[tuple[str, str], set[tuple]] = {}
        #: outperforms edges already in the graph → (paper, its items) of this run, merged in order at the end
        self.later_comparisons: dict[tuple[str, str], list[tuple[str, list[Evidence]]]] = {}
        self.dirty: set[str] = set()

    def _existing_entity(self, key: str, node: dict) -> None:
        """The first time this run meets an entity that the graph already had."""
        self.entity_forms[key] = {node["label"], *node["aliases"]}
        self.base_papers[key] = node["papers"]

    def add(self, pid: str, extraction: Extraction) -> None:
        nodes, add_node, add_edge, has_edge = self.nodes, self.add_node, self.add_edge, self.has_edge
        ints, floats, merges, vocabulary = self.ints, self.floats, self.merges, self.vocabulary
        entity_forms, entity_papers, incremental, dirty = self.entity_forms, self.entity_papers, self.incremental, self.dirty
        paper = extraction.paper
        add_node(pid, _paper_node(paper))

        def key_of(key: str) -> str:
            return merges.get(key, key)

        evidence: dict[str, list[Evidence]] = {}
        for mention in extraction.mentions:
            evidence.setdefault(key_of(mention.key), []).append(
                Evidence(confidence=floats[mention.confidence], end=ints[mention.end], extractor=mention.extractor,
                         section=mention.section, sentence=mention.sentence, start=ints[mention.start], text=mention.text)
            )
        own: set[str] = set()
        for entity in extraction.entities:
            key = key_of(entity.key)
            own.add(key)
            node = nodes.get(key)
            if node is None:
                broader: list[str] = []
                if vocabulary is not None and key in vocabulary.concepts:
                    broader = sorted(b for b in vocabulary.concepts[key].broader if b in vocabulary.concepts)
                add_node(key, {"type": entity.type, "label": entity.label, "aliases": [], "vocab": entity.vocab or "",
                               "broader": broader, "papers": 0})
                if incremental:
                    self.relabelled.add(key)
            else:
                if incremental and key not in entity_forms:
                    self._existing_entity(key, node)
                if not node["vocab"] and len(entity.label) >= len(node["label"]) and entity.label != node["label"]:
                    if len(entity.label) == len(node["label"]):
                        if incremental and key not in self.relabelled:  # which came first depends on papers not read now
                            raise NotIncremental(f"{paper.source}:{paper.line} names {key!r} with a label as long as its own")
                    else:
                        entity_forms.setdefault(key, set()).add(node["label"])
                        node["label"] = entity.label  # prefer the expanded form
                        self.relabelled.add(key)
            entity_forms.setdefault(key, set()).update({entity.label, *entity.aliases})
            entity_papers.setdefault(key, set()).add(pid)
            edge = ROLE_EDGE[(entity.type, entity.role)]
            found = evidence.get(key, [])
            items_ = sorted(found, key=_evidence_order) if len(found) > 1 else found[:]
            data = has_edge(pid, key, edge)
            if data is not None:
                data["evidence"] = data["evidence"] + [e for e in items_ if e not in data["evidence"]]
                data["confidence"] = max(data["confidence"], entity.confidence)
            else:
                add_edge(pid, key, edge, {"type": edge, "confidence": floats[entity.confidence], "extractor": entity.extractor,
                                          "evidence": items_})
        if incremental:
            dirty.add(pid)
            dirty.update(own)

        claim_texts: set[str] = set()  # this paper's claims so far (its node is new: no others)
        count = 0
        for claim in extraction.claims:
            if claim.text in claim_texts:
                continue
            claim_texts.add(claim.text)
            count += 1
            cid = f"claim/{pid.split('/', 1)[1]}/{count}"
            start, end, confidence = ints[claim.start], ints[claim.end], floats[claim.confidence]
            add_node(cid, {
                "type": "Claim",
                "label": claim.text if len(claim.text) <= 80 else claim.text[:77] + "…",
                "text": claim.text,
                "paper": pid,
                "hedged": claim.hedged,
                "hedges": list(claim.hedges),
                "section": claim.section,
                "start": start,
                "end": end,
                "confidence": confidence,
            })
            if incremental:
                dirty.add(cid)
            sentence_evidence = [Evidence(confidence=confidence, end=end, extractor=claim.extractor, section=claim.section,
                                          sentence=claim.text, start=start, text=claim.text)]
            add_edge(pid, cid, "hasClaim", {"type": "hasClaim", "confidence": confidence, "extractor": claim.extractor,
                                            "evidence": sentence_evidence})
            for about in sorted({key_of(k) for k in claim.about}):
                if incremental and about not in own and about in nodes:  # whether it counts depends on paper order
                    raise NotIncremental(f"{paper.source}:{paper.line} has a claim about an entity it does not name")
                if about in nodes:
                    add_edge(cid, about, "about", {"type": "about", "confidence": confidence, "extractor": claim.extractor,
                                                   "evidence": sentence_evidence})

        comparison_papers = self.state.comparison_papers
        for relation in extraction.relations:
            subject, obj = key_of(relation.subject), key_of(relation.object)
            if incremental and (subject in nodes and subject not in own or obj in nodes and obj not in own):
                raise NotIncremental(f"{paper.source}:{paper.line} compares an entity it does not name")
            if subject not in nodes or obj not in nodes or subject == obj:
                continue
            item_ = Evidence(confidence=relation.confidence, end=relation.end, extractor=relation.extractor,
                             section=relation.section, sentence=relation.sentence, start=relation.start, text=relation.sentence)
            on = key_of(relation.on) if relation.on else ""
            data = has_edge(subject, obj, "outperforms")
            pair = (subject, obj)
            if data is not None:
                data["papers"] = sorted(set(data["papers"]) | {pid})
                data["on"] = sorted(set(data["on"]) | ({on} if on else set()))
                later = self.later_comparisons.get(pair)
                if later is not None or incremental and pair not in self.comparison_evidence:
                    # an edge older papers made: where this paper's items go depends on their order
                    later = self.later_comparisons.setdefault(pair, [])
                    if not later or later[-1][0] != pid:
                        later.append((pid, []))
                    later[-1][1].append(item_)
                    continue
                held = self.comparison_evidence.setdefault(pair, {e.as_tuple() for e in data["evidence"]})
                if item_.as_tuple() not in held:
                    held.add(item_.as_tuple())
                    data["evidence"].append(item_)
                    comparison_papers[pair].append(pid)
            else:
                add_edge(subject, obj, "outperforms", {"type": "outperforms", "confidence": relation.confidence,
                                                       "extractor": relation.extractor, "evidence": [item_], "papers": [pid],
                                                       "on": [on] if on else []})
                self.comparison_evidence[pair] = {item_.as_tuple()}
                comparison_papers[pair] = [pid]
                if incremental:
                    dirty.add(subject)

    def finish(self) -> None:
        """Set what depends on every paper of the run: aliases, paper counts, evidence order."""
        nodes = self.nodes
        for key, forms in self.entity_forms.items():
            nodes[key]["aliases"] = sorted(forms - {nodes[key]["label"]})
            nodes[key]["papers"] = self.base_papers.get(key, 0) + len(self.entity_papers.get(key, ()))
        order = self.paper_order
        for (subject, obj), later in self.later_comparisons.items():
            # every paper's items in paper order, each item kept where it first appears: the old
            # items (grouped by the paper that gave them) and this run's, merged by paper order
            data = self.has_edge(subject, obj, "outperforms")
            assert data is not None
            owners = self.state.comparison_papers[(subject, obj)]
            groups: dict[str, list[Evidence]] = {}
            for paper, item in zip(owners, data["evidence"]):
                groups.setdefault(paper, []).append(item)
            for paper, items in later:
                groups.setdefault(paper, []).extend(items)
            held: set[tuple] = set()
            evidence, papers = [], []
            for paper in sorted(groups, key=order.__getitem__):
                for item in groups[paper]:
                    if item.as_tuple() not in held:
                        held.add(item.as_tuple())
                        evidence.append(item)
                        papers.append(paper)
            data["evidence"] = evidence
            data["confidence"], data["extractor"] = evidence[0].confidence, evidence[0].extractor
            self.state.comparison_papers[(subject, obj)] = papers
            self.dirty.add(subject)
            self.dirty.update(p for p in data["papers"] if p in nodes)  # their kg:Comparison blocks


def _add_authors(graph: nx.MultiDiGraph, papers: list[str], incremental: bool = False) -> set[str]:
    """A Person node per author name and Paper -hasAuthor-> Person edges carrying the 1-based
    ``order`` (a name listed twice on one paper keeps its first position), for ``papers`` in sorted
    order. A person's name is as the first paper (by node id) writes it; with ``incremental``, the
    graph may already have that person from other papers. Returns the people made or changed."""
    nodes, add_node, add_edge, has_edge = _writers(graph)
    pred = graph._pred
    touched: set[str] = set()
    first_paper: dict[str, str | None] = {}  # incremental: each person's first paper by id so far
    for pid in sorted(papers):
        for order, name in enumerate(nodes[pid]["authors"], start=1):
            person = person_key(name)
            if person not in nodes:
                add_node(person, {"type": "Person", "label": name, "name": name, "papers": 0})
            if has_edge(pid, person, "hasAuthor") is not None:
                continue
            if incremental:
                touched.add(person)
                if person not in first_paper:  # their papers are read once, not for each new one
                    first_paper[person] = min((p for p, keyed in pred[person].items() if "hasAuthor" in keyed), default=None)
                first = first_paper[person]
                if first is None or pid < first:
                    first_paper[person] = pid
                    if first is not None:
                        nodes[person]["label"] = nodes[person]["name"] = name
            nodes[person]["papers"] += 1
            add_edge(pid, person, "hasAuthor", {"type": "hasAuthor", "order": order, "confidence": 1.0, "extractor": "ingest",
                                                "evidence": []})
    return touched


def _evidence_order(item: Evidence) -> tuple[bool, int, int]:
    return item.section != "title", item.start, item.end


def _writers(graph: nx.MultiDiGraph) -> tuple[dict[str, dict], Callable[[str, dict], None],
                                               Callable[[str, str, str, dict], None], Callable[[str, str, str], dict | None]]:
    """The node attribute dicts and three writers straight into the graph's adjacency dicts, exactly
    as ``add_node``/``add_edge`` fill them but without their per-call argument handling (assembly
    makes hundreds of thousands): ``add_node(n, attrs)`` for a new node, ``add_edge(u, v, key, attrs)``
    between existing nodes, ``has_edge(u, v, key)`` giving the edge's attrs or None. Nothing else
    touches the graph meanwhile, so networkx's (empty) cache needs no clearing."""
    succ, pred, node = graph._succ, graph._pred, graph._node
    shared = SharedKeyDicts()  # the edges' dicts: half the memory of ordinary ones (kg.graph.shared_keys)
    make, single = shared.make, shared.single

    def add_node(n: str, attrs: dict) -> None:
        succ[n], pred[n], node[n] = {}, {}, attrs

    def add_edge(u: str, v: str, key: str, attrs: dict) -> None:
        attrs = make(attrs)
        keyed = succ[u].get(v)
        if keyed is None:  # one key dict shared by both directions, as networkx keeps it
            succ[u][v] = pred[v][u] = single(key, attrs)
        else:
            keyed[key] = attrs

    def has_edge(u: str, v: str, key: str) -> dict | None:
        keyed = succ[u].get(v)
        return None if keyed is None else keyed.get(key)

    return node, add_node, add_edge, has_edge
