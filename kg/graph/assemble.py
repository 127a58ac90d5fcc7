"""Merge per-paper extractions into one typed MultiDiGraph: one node per paper (same identifier or
same title is one paper), one node per real-world entity (vocabulary id, else normalised name;
acronyms merge), one node per author."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kg.extract.vocabulary import Vocabulary
from kg.graph.evidence import Evidence
from kg.graph.identity import paper_node_ids, person_key
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


def _alias_merges(entity_lists: Iterable[list[Entity]]) -> dict[str, str]:
    """Map minted (non-vocabulary) entity keys onto the one entity whose alias they equal,
    e.g. a paper that only writes "WorM" joins the entity another paper defined as "Working Memory (WorM)"."""
    owners: dict[tuple[str, str], set[str]] = {}
    vocab_keys: set[str] = set()
    minted: dict[tuple[str, str], str] = {}  # (key, label) of every non-vocabulary entity → its type
    for entities in entity_lists:
        for entity in entities:
            if entity.vocab:
                vocab_keys.add(entity.key)
            else:
                minted.setdefault((entity.key, entity.label), entity.type)
            for form in (entity.label, *entity.aliases):
                owners.setdefault((entity.type, normalise_name(form)), set()).add(entity.key)
    merges: dict[str, str] = {}
    for (key, label), type_ in minted.items():
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
    extractions: Iterable[Item], vocabulary: Vocabulary | None = None, stats: AssemblyStats | None = None
) -> nx.MultiDiGraph:
    """Build the graph described in ``kg.graph`` from extractions (any order gives the same graph).
    Items may be :class:`~kg.model.StoredExtraction` records, read twice (entities first, for alias
    merging, then whole) and never kept; pass a generator and each item is freed once merged."""
    items = list(extractions)
    stats = stats if stats is not None else AssemblyStats()
    stats.extractions = len(items)
    merges = _alias_merges(_entities_of(item) for item in items)
    stats.merged_entities = dict(sorted(merges.items()))
    graph = nx.MultiDiGraph()
    nodes, add_node, add_edge, has_edge = _writers(graph)
    claim_counter: dict[str, int] = {}
    entity_forms: dict[str, set[str]] = {}
    entity_papers: dict[str, set[str]] = {}
    ints, floats = _Shared(), _Shared()

    keys = [item.paper.key for item in items]  # normalised titles: made once, they are asked for twice
    sort_keys = [(key, item.paper.source, item.paper.line) for key, item in zip(keys, items)]
    order = sorted(range(len(items)), key=sort_keys.__getitem__)
    ordered: list[Item | None] = [items[i] for i in order]
    pids = paper_node_ids([items[i].paper for i in order], keys=[keys[i] for i in order])
    del items, keys, sort_keys, order
    comparison_evidence: dict[tuple[str, str], set[tuple]] = {}  # what each outperforms edge already holds
    for index, pid in enumerate(pids):
        item, ordered[index] = ordered[index], None  # let each record go once merged: the graph grows as they leave
        assert item is not None
        paper = item.paper
        if pid in nodes:
            # The same paper again (same identifier or title): its metadata merges into the node,
            # but the node keeps one text — the first record's — so every offset of its mentions
            # and claims points into the title and abstract the node carries. A second version
            # with another abstract (preprint vs journal) adds no mentions of its own.
            _merge_paper(nodes[pid], paper)
            stats.duplicate_papers += 1
            continue
        extraction = _loaded(item)
        del item
        add_node(pid, _paper_node(paper))

        def key_of(key: str) -> str:
            return merges.get(key, key)

        evidence: dict[str, list[Evidence]] = {}
        for mention in extraction.mentions:
            evidence.setdefault(key_of(mention.key), []).append(
                Evidence(confidence=floats[mention.confidence], end=ints[mention.end], extractor=mention.extractor,
                         section=mention.section, sentence=mention.sentence, start=ints[mention.start], text=mention.text)
            )
        for entity in extraction.entities:
            key = key_of(entity.key)
            node = nodes.get(key)
            if node is None:
                broader: list[str] = []
                if vocabulary is not None and key in vocabulary.concepts:
                    broader = sorted(b for b in vocabulary.concepts[key].broader if b in vocabulary.concepts)
                add_node(key, {"type": entity.type, "label": entity.label, "aliases": [], "vocab": entity.vocab or "",
                               "broader": broader, "papers": 0})
            elif not node["vocab"] and len(entity.label) > len(node["label"]):
                entity_forms.setdefault(key, set()).add(node["label"])
                node["label"] = entity.label  # prefer the expanded form
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

        claim_texts: set[str] = set()  # this paper's claims so far (its node is new: no others)
        for claim in extraction.claims:
            if claim.text in claim_texts:
                continue
            claim_texts.add(claim.text)
            claim_counter[pid] = claim_counter.get(pid, 0) + 1
            cid = f"claim/{pid.split('/', 1)[1]}/{claim_counter[pid]}"
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
            sentence_evidence = [Evidence(confidence=confidence, end=end, extractor=claim.extractor, section=claim.section,
                                          sentence=claim.text, start=start, text=claim.text)]
            add_edge(pid, cid, "hasClaim", {"type": "hasClaim", "confidence": confidence, "extractor": claim.extractor,
                                            "evidence": sentence_evidence})
            for about in sorted({key_of(k) for k in claim.about}):
                if about in nodes:
                    add_edge(cid, about, "about", {"type": "about", "confidence": confidence, "extractor": claim.extractor,
                                                   "evidence": sentence_evidence})

        for relation in extraction.relations:
            subject, obj = key_of(relation.subject), key_of(relation.object)
            if subject not in nodes or obj not in nodes or subject == obj:
                continue
            item_ = Evidence(confidence=relation.confidence, end=relation.end, extractor=relation.extractor,
                             section=relation.section, sentence=relation.sentence, start=relation.start, text=relation.sentence)
            on = key_of(relation.on) if relation.on else ""
            data = has_edge(subject, obj, "outperforms")
            if data is not None:
                data["papers"] = sorted(set(data["papers"]) | {pid})
                data["on"] = sorted(set(data["on"]) | ({on} if on else set()))
                held = comparison_evidence.setdefault((subject, obj), {e.as_tuple() for e in data["evidence"]})
                if item_.as_tuple() not in held:  # a set: an edge many papers state stays linear to build
                    held.add(item_.as_tuple())
                    data["evidence"].append(item_)
            else:
                add_edge(subject, obj, "outperforms", {"type": "outperforms", "confidence": relation.confidence,
                                                       "extractor": relation.extractor, "evidence": [item_], "papers": [pid],
                                                       "on": [on] if on else []})
        del extraction

    for key, forms in entity_forms.items():
        nodes[key]["aliases"] = sorted(forms - {nodes[key]["label"]})
        nodes[key]["papers"] = len(entity_papers.get(key, ()))
    _add_authors(graph)
    return graph


def _add_authors(graph: nx.MultiDiGraph) -> None:
    """A Person node per author name and Paper -hasAuthor-> Person edges carrying the 1-based
    ``order`` (a name listed twice on one paper keeps its first position)."""
    nodes, add_node, add_edge, has_edge = _writers(graph)
    papers = sorted(n for n, data in nodes.items() if data["type"] == "Paper")
    for pid in papers:
        for order, name in enumerate(nodes[pid]["authors"], start=1):
            person = person_key(name)
            if person not in nodes:
                add_node(person, {"type": "Person", "label": name, "name": name, "papers": 0})
            if has_edge(pid, person, "hasAuthor") is not None:
                continue
            nodes[person]["papers"] += 1
            add_edge(pid, person, "hasAuthor", {"type": "hasAuthor", "order": order, "confidence": 1.0, "extractor": "ingest",
                                                "evidence": []})


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

    def add_node(n: str, attrs: dict) -> None:
        succ[n], pred[n], node[n] = {}, {}, attrs

    def add_edge(u: str, v: str, key: str, attrs: dict) -> None:
        keyed = succ[u].get(v)
        if keyed is None:
            keyed = succ[u][v] = pred[v][u] = {}  # one key dict shared by both directions, as networkx keeps it
        keyed[key] = attrs

    def has_edge(u: str, v: str, key: str) -> dict | None:
        keyed = succ[u].get(v)
        return None if keyed is None else keyed.get(key)

    return node, add_node, add_edge, has_edge
