"""Writes the graph as RDF following the contract in DESIGN.md and ``ontology/kg.ttl``: direct
triples for simple queries, plus Mention/Comparison nodes carrying evidence and provenance.

Statements are made as plain N-Triples terms (no RDF library on the hot path), grouped by subject
in :func:`blocks`, which walks the nodes in IRI order so the output is sorted without sorting it:
N-Triples and Turtle are written in one pass, in no more memory than the graph already takes.
:func:`to_rdf` gives the same triples as an rdflib ``Graph`` for callers that want one (tests, JSON-LD).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import heapq
import itertools
import operator
import re
from array import array
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote

import networkx as nx
import pyoxigraph

from kg.atomic import WRITE_CHUNK, atomic_open_binary, atomic_write_chunks, background_writer
from kg.export.splice import Plan, copy_plan, no_copies, offsets, offsets_from, open_old
from kg.export.turtle import TurtleTerms, TurtleWriter
from kg.graph import EDGE_ROLE
from kg.graph.evidence import Evidence
from kg.identifiers import parse_curie
from kg.identifiers import url as identifier_url
from kg.keys import ENTITY_BASE

if TYPE_CHECKING:  # pragma: no cover - types only
    from rdflib import Graph, URIRef

KG_NS = "https://w3id.org/neuroai-kg/ns#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_NS = "http://www.w3.org/2000/01/rdf-schema#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
DCTERMS_NS = "http://purl.org/dc/terms/"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
PROV_NS = "http://www.w3.org/ns/prov#"
SCHEMA_NS = "https://schema.org/"
EXTRACTOR_BASE = ENTITY_BASE + "extractor/"

#: Prefixes of the Turtle output (and of rdflib graphs from :func:`to_rdf`): name -> namespace IRI.
#: Plain strings: the writers make their N-Triples and Turtle terms themselves, so a build never
#: loads rdflib; :func:`to_rdf` and :func:`iri` import it when called.
PREFIXES: dict[str, str] = {
    "kg": KG_NS, "dcterms": DCTERMS_NS, "skos": SKOS_NS, "prov": PROV_NS, "schema": SCHEMA_NS,
    "rdf": RDF_NS, "rdfs": RDFS_NS, "xsd": XSD_NS,
    "paper": ENTITY_BASE + "paper/", "method": ENTITY_BASE + "method/", "dataset": ENTITY_BASE + "dataset/",
    "modality": ENTITY_BASE + "modality/", "claim": ENTITY_BASE + "claim/", "person": ENTITY_BASE + "person/",
    "extractor": EXTRACTOR_BASE,
}
ENTITY_CLASS = {"Method": KG_NS + "Method", "Dataset": KG_NS + "Dataset", "Modality": KG_NS + "Modality"}
ROLE_OF = {**EDGE_ROLE, "hasModality": "used"}  # a Mention's role: a modality is always "used"

# what N-Triples literals escape
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
                         # line separators escaped too: tools that split lines on them stay correct
                         "\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})
# one pass per literal: escape as above, and drop the characters XML 1.0 / strict N-Triples consumers
# reject (C0 controls but tab/newline/CR, U+FFFE/U+FFFF) and lone surrogates (not encodable as UTF-8)
_LITERAL = {**_ESCAPES, **{code: None for code in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0xD800, 0xE000), 0xFFFE, 0xFFFF]}}

_TYPE = f"<{RDF_NS}type>"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(text: str) -> str:
    """An xsd:date literal for a real calendar date ("2024-09-03"), else a plain string: "2024-13-45"
    or "Sept 2024" are kept as the source wrote them rather than becoming ill-typed literals."""
    if _DATE.fullmatch(text):
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            return _str(text)
        return _typed(text, "date")
    return _str(text)


#: what ``quote(…, safe="/-._~")`` leaves as it is: node ids made by kg.keys are all of this
_IRI_SAFE = re.compile(r"[A-Za-z0-9/._~-]*")


@functools.lru_cache(maxsize=1 << 16)  # entity ids repeat on every paper that mentions them
def _iri(node_id: str) -> str:
    """The IRI of a node id (see :func:`iri`)."""
    return ENTITY_BASE + (node_id if _IRI_SAFE.fullmatch(node_id) else quote(node_id, safe="/-._~"))


def iri(node_id: str) -> URIRef:
    """The IRI of a node id. Node ids are already IRI-safe slugs; anything else (a hand-edited
    graph.json) is percent-encoded, which is injective, so different ids never share an IRI."""
    from rdflib import URIRef

    return URIRef(_iri(node_id))


def _u(value: str) -> str:
    return f"<{value}>"


@functools.lru_cache(maxsize=4096)  # a sentence is the evidence of several mentions in a row
def _str(text: object) -> str:
    return '"' + str(text).translate(_LITERAL) + '"'


def _typed(lexical: str, datatype: str) -> str:
    return f'"{lexical}"^^<{XSD_NS}{datatype}>'


@functools.lru_cache(maxsize=1 << 14)  # offsets, counts and years: a few thousand values, over and over
def _int(value: object) -> str:
    return _typed(str(int(value)), "integer")  # type: ignore[call-overload]


@functools.lru_cache(maxsize=1 << 12)  # confidences: a few hundred values
def _decimal(value: object) -> str:
    return _typed(f"{float(value):.3f}", "decimal")  # type: ignore[arg-type]


@functools.lru_cache(maxsize=1024)  # a few extractor names name every mention
def _extractor(name: str) -> str:
    return _u(EXTRACTOR_BASE + quote(name.replace(":", "-"), safe="-._~"))


_T = {name: _u(KG_NS + name) for name in (  # kg: terms in N-Triples syntax
    "Paper", "Method", "Dataset", "Modality", "Claim", "Mention", "Comparison", "Extractor",
    "year", "authorCount", "source", "supportCount", "text", "hedged", "hedge", "inPaper", "section",
    "startOffset", "endOffset", "confidence", "sentence", "mentionOf", "role", "surfaceForm", "winner",
    "loser", "evaluatedOn", "proposesMethod", "usesMethod", "proposesDataset", "usesDataset", "hasModality",
    "hasClaim", "about", "outperforms",
)}
LABEL, PREF, ALT, BROADER = _u(RDFS_NS + "label"), _u(SKOS_NS + "prefLabel"), _u(SKOS_NS + "altLabel"), _u(SKOS_NS + "broader")
TITLE, ABSTRACT, DATE, IDENTIFIER = (_u(DCTERMS_NS + n) for n in ("title", "abstract", "date", "identifier"))
URL, AUTHOR = _u(SCHEMA_NS + "url"), _u(SCHEMA_NS + "author")
GENERATED_BY = _u(PROV_NS + "wasGeneratedBy")


Pairs = Iterator[tuple[str, str]]  # (predicate, object) statements of one subject


def _fields(item: Mapping[str, Any]) -> tuple[Any, ...]:
    """``(sentence, section, start, end, text, extractor, confidence)`` of an evidence item: an
    :class:`~kg.graph.evidence.Evidence` read by attribute (the fast path), or any mapping."""
    if type(item) is Evidence:
        return item.sentence, item.section, item.start, item.end, item.text, item.extractor, item.confidence  # type: ignore[attr-defined]
    return item["sentence"], item["section"], item["start"], item["end"], item["text"], item["extractor"], item["confidence"]


def _evidence(sentence: str, section: str, start: int, end: int, extractor: str, confidence: float) -> list[tuple[str, str]]:
    return [(_T["sentence"], _str(sentence)), (_T["section"], _str(section)), (_T["startOffset"], _int(start)),
            (_T["endOffset"], _int(end)), (_T["confidence"], _decimal(confidence)), (GENERATED_BY, _extractor(extractor))]


def _paper(data: dict) -> Pairs:
    yield _TYPE, _T["Paper"]
    yield LABEL, _str(data["label"])
    yield TITLE, _str(data["title"])
    yield ABSTRACT, _str(data["abstract"])
    if data.get("date"):
        yield DATE, _date(str(data["date"]))
    if data.get("year"):
        yield _T["year"], _typed(f"{int(data['year']):04d}", "gYear")
    if data.get("identifier"):
        yield IDENTIFIER, _str(data["identifier"])
    if data.get("url"):
        yield URL, _typed(str(data["url"]).translate(_LITERAL), "anyURI")
    if data.get("author_count"):
        yield _T["authorCount"], _int(data["author_count"])
    for name in data.get("authors", []):
        yield AUTHOR, _str(name)
    for source in data.get("sources", []):
        yield _T["source"], _str(source)


def _paper_bibliographic(data: dict) -> Pairs:
    """Identifiers (``dcterms:identifier`` "doi:…" literals and ``schema:sameAs`` resolver IRIs),
    venue and subject terms of a paper."""
    for curie in data.get("identifiers", []):
        yield IDENTIFIER, _str(curie)
        link = _resolver_iri(curie)
        if link:
            yield _u(SCHEMA_NS + "sameAs"), _u(link)
    if data.get("venue"):
        yield _u(KG_NS + "venue"), _str(data["venue"])
    for keyword in data.get("keywords", []):
        yield _u(SCHEMA_NS + "keywords"), _str(keyword)
    for term in (*data.get("categories", []), *data.get("mesh", [])):
        yield _u(DCTERMS_NS + "subject"), _str(term)


def _person(data: dict) -> Pairs:
    yield _TYPE, _u(KG_NS + "Person")
    yield _TYPE, _u(SCHEMA_NS + "Person")
    yield LABEL, _str(data["label"])
    yield _u(SCHEMA_NS + "name"), _str(data.get("name") or data["label"])


def _entity(data: dict) -> Pairs:
    yield _TYPE, _T[data["type"]]
    yield LABEL, _str(data["label"])
    yield PREF, _str(data["label"])
    for alias in data.get("aliases", []):
        yield ALT, _str(alias)
    for family in data.get("broader", []):
        yield BROADER, _u(_iri(family))
    yield _T["supportCount"], _int(data.get("papers", 0))


def _claim(data: dict, extractor: str) -> Pairs:
    yield _TYPE, _T["Claim"]
    yield LABEL, _str(data["label"])
    yield _T["text"], _str(data["text"])
    yield _T["hedged"], _typed("true" if data["hedged"] else "false", "boolean")
    for hedge in data.get("hedges", []):
        yield _T["hedge"], _str(hedge)
    yield _T["inPaper"], _u(_iri(data["paper"]))
    yield _T["section"], _str(data["section"])
    yield _T["startOffset"], _int(data["start"])
    yield _T["endOffset"], _int(data["end"])
    yield _T["confidence"], _decimal(data["confidence"])
    yield GENERATED_BY, _extractor(extractor)


def _digest(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:12]


#: A block: one subject (an N-Triples term) and its ``(predicate, object)`` pairs.
Block = tuple[str, list[tuple[str, str]]]

#: The predicates of every kg:Mention block, in sorted order (all different: a block's pairs are
#: sorted by predicate alone).
MENTION_PREDICATES: tuple[str, ...] = (
    _TYPE, GENERATED_BY, _T["confidence"], _T["endOffset"], _T["inPaper"], _T["mentionOf"], _T["role"], _T["section"],
    _T["sentence"], _T["startOffset"], _T["surfaceForm"],
)


#: Each mention predicate between spaces, as a mention's N-Triples lines have it.
_MENTION_PIECES: tuple[str, ...] = tuple(f" {predicate} " for predicate in MENTION_PREDICATES)


class _Mention(tuple):
    """The objects of one kg:Mention block, in :data:`MENTION_PREDICATES` order: a block whose pairs
    are known to be sorted and unique, so the writers fill a template instead of sorting pairs
    (mentions are most of the statements)."""

    __slots__ = ()

    def pairs(self) -> list[tuple[str, str]]:
        return list(zip(MENTION_PREDICATES, self))


Payload = list[tuple[str, str]] | _Mention  # what _blocks gives with a subject


def _pairs(payload: Payload) -> list[tuple[str, str]]:
    return payload.pairs() if type(payload) is _Mention else payload  # type: ignore[union-attr,return-value]


def _node_blocks(kg_graph: nx.MultiDiGraph, node_id: str, data: dict, comparisons: dict[str, list]) -> list[Block]:
    """Every statement whose subject is ``node_id`` or lives under its IRI (a paper's mentions,
    comparisons and authorships), grouped by subject; the node's own block comes last."""
    subject = _u(_iri(node_id))
    own: list[tuple[str, str]] = []
    blocks: list[Block] = []
    type_ = data["type"]
    if type_ == "Paper":
        own.extend(_paper(data))
        own.extend(_paper_bibliographic(data))
    elif type_ in ENTITY_CLASS:
        own.extend(_entity(data))
    elif type_ == "Claim":
        extractor = next((edge.get("extractor", "kg_claims") for keyed in kg_graph._pred[node_id].values()
                          for k, edge in keyed.items() if k == "hasClaim"), "kg_claims")
        own.extend(_claim(data, extractor))
    elif type_ == "Person":
        own.extend(_person(data))
    base = _iri(node_id)
    for target, keyed in kg_graph._succ[node_id].items():
        obj = _u(_iri(target))
        for key, edge in keyed.items():
            own.append((_T[key] if key in _T else _u(KG_NS + quote(key, safe="")), obj))
            if key in ROLE_OF:
                role = _str(ROLE_OF[key])
                for item in edge.get("evidence", []):
                    sentence, section, start, end, text, extractor, confidence = _fields(item)
                    mention = _u(f"{base}/mention/{_digest(key, target, section, start, end, extractor)}")
                    blocks.append((mention, _Mention((_T["Mention"], _extractor(extractor), _decimal(confidence), _int(end), subject,
                                                      obj, role, _str(section), _str(sentence), _int(start), _str(text)))))
            elif key == "hasAuthor":
                authorship = _u(f"{base}/author/{int(edge['order'])}")
                own.append((_u(KG_NS + "authorship"), authorship))
                blocks.append((authorship, [(_TYPE, _u(KG_NS + "Authorship")), (_u(KG_NS + "person"), obj),
                                            (_u(KG_NS + "order"), _int(edge["order"]))]))
    for source, target, edge in comparisons.get(node_id, ()):
        blocks.append(_comparison(node_id, data, source, target, edge, kg_graph._succ[node_id]))
    blocks.append((subject, own))
    return blocks


def _comparison(paper: str, node: dict, source: str, target: str, data: dict, linked: dict) -> Block:
    """The kg:Comparison of one paper stating "source outperforms target", with that paper's sentence
    and the datasets it was evaluated on that this paper names (``linked``: the paper's neighbours;
    the edge's ``on`` gathers the datasets of every paper stating the comparison)."""
    evidence = data.get("evidence", [])
    # its own sentence: the first item found in this paper's text (items are not tagged with papers)
    first = next((e for e in evidence if e["sentence"] and e["sentence"] in node.get(e["section"], "")), None)
    own = [first] if first is not None else evidence[:1]
    pairs = [(_TYPE, _T["Comparison"]), (_T["winner"], _u(_iri(source))), (_T["loser"], _u(_iri(target))),
             (_T["inPaper"], _u(_iri(paper)))]
    pairs.extend((_T["evaluatedOn"], _u(_iri(dataset))) for dataset in data.get("on", []) if dataset in linked)
    for item in own[:1]:
        sentence, section, start, end, _, extractor, confidence = _fields(item)
        pairs.extend(_evidence(sentence, section, start, end, extractor, confidence))
    return _u(f"{_iri(paper)}/comparison/{_digest(source, target)}"), pairs


_EXTRACTOR_OF = operator.attrgetter("extractor")


def _extractor_names(kg_graph: nx.MultiDiGraph) -> set[str]:
    """Every extractor named by the evidence the RDF carries (mentions, claims, comparisons)."""
    names: set[str] = set()
    for neighbours in kg_graph._succ.values():
        for keyed in neighbours.values():
            for key, data in keyed.items():
                if key in ROLE_OF or key == "outperforms":
                    evidence = data.get("evidence", ())
                    try:
                        names.update(map(_EXTRACTOR_OF, evidence))  # Evidence records: their attribute
                    except AttributeError:
                        names.update(item["extractor"] for item in evidence)
                elif key == "hasClaim":
                    names.add(data.get("extractor", "kg_claims"))
    if any(data["type"] == "Claim" and not any("hasClaim" in keyed for keyed in kg_graph._pred[node].values())
           for node, data in kg_graph.nodes(data=True)):
        names.add("kg_claims")  # a claim without its hasClaim edge falls back to this name
    return names


def _edges_of_type(kg_graph: nx.MultiDiGraph, wanted: str) -> Iterator[tuple[str, str, dict]]:
    for source, neighbours in kg_graph._succ.items():
        for target, keyed in neighbours.items():
            if wanted in keyed:
                yield source, target, keyed[wanted]


Owner = str | tuple[str, str]  # a node id, or ("extractor", name)


def _term(owner: Owner) -> str:
    """The subject term of an owner; all its statements have subjects starting with ``term[:-1]``."""
    return _extractor(owner[1]) if isinstance(owner, tuple) else _u(_iri(owner))


def _owners(kg_graph: nx.MultiDiGraph, hint: Sequence[Owner] = ()) -> tuple[list[Owner], list[str]]:
    """What produces statements (every node, and each extractor named by the evidence), in the
    order of their subject terms; and those terms. ``hint``: owners most likely already in that
    order (an earlier file's): those still there go first, and the sort has little left to do."""
    owners: list[Owner] = [*kg_graph.nodes, *(("extractor", name) for name in _extractor_names(kg_graph))]
    if hint:
        present = set(owners)
        kept = [owner for owner in hint if owner in present]
        known = set(kept)
        owners = kept + [owner for owner in owners if owner not in known]
    terms = [_term(owner) for owner in owners]
    order = sorted(range(len(owners)), key=terms.__getitem__)
    return [owners[i] for i in order], [terms[i] for i in order]


def _lower_bounds(terms: list[str]) -> dict[int, str]:
    """No subject of owners ``i…`` sorts below ``bounds.get(i, prefix of owner i)``: the least of
    their prefixes, kept only where it is not owner i's own (ids that extend another id, rare)."""
    bounds: dict[int, str] = {}
    least = "\U0010ffff"
    for i in range(len(terms) - 1, -1, -1):
        prefix = terms[i][:-1]
        if prefix <= least:
            least = prefix
        else:
            bounds[i] = least
    return bounds


def blocks(kg_graph: nx.MultiDiGraph) -> Iterator[Block]:
    """The graph's statements grouped by subject, subjects in sorted order, each block's pairs sorted
    and unique: exactly the order of sorted N-Triples lines, produced in one pass over the nodes
    without sorting the statements."""
    for subject, payload in _blocks(kg_graph, *_owners(kg_graph)):
        yield subject, _pairs(payload)


class _Boundary(NamedTuple):
    """No statement of owners before ``index`` comes after this point, nor one of later owners
    before it; owners ``index … index + copied - 1`` are not made here (the writer copies them)."""

    index: int
    copied: int = 0


def _blocks(kg_graph: nx.MultiDiGraph, owners: list[Owner], terms: list[str], plan: Plan | None = None
            ) -> Iterator[tuple[str, Payload] | _Boundary]:
    """:func:`blocks`, with a kg:Mention block's pairs left as its :class:`_Mention` (``owners`` and
    their ``terms`` from :func:`_owners`); with ``plan``, also a :class:`_Boundary` wherever one
    owner's statements end and the next one's begin."""
    bounds = _lower_bounds(terms)
    comparisons: dict[str, list] = {}
    for source, target, data in _edges_of_type(kg_graph, "outperforms"):
        for paper in data.get("papers", []):
            if paper in kg_graph:
                comparisons.setdefault(paper, []).append((source, target, data))
    waiting: list[tuple[str, int, Payload]] = []  # blocks that a later owner may precede
    pending: tuple[str, Payload] | None = None
    count = 0

    def emit(block: tuple[str, Payload]) -> Iterator[tuple[str, Payload]]:
        nonlocal pending
        if pending is not None and pending[0] == block[0]:
            pending = (block[0], _pairs(pending[1]) + _pairs(block[1]))  # one subject from two places: one block
            return
        if pending is not None:
            yield pending[0], pending[1] if type(pending[1]) is _Mention else sorted(set(pending[1]))
        pending = block

    def bound_of(index: int) -> str:
        """No subject of owners ``index…`` sorts below this."""
        return (bounds.get(index) or terms[index][:-1]) if index < len(owners) else "\U0010ffff"

    index = 0
    while index < len(owners):
        if plan is not None and not waiting and pending is None:
            copied = plan(index)
            # the copied owners' statements must all come before the next owner's, as they did
            while copied and not terms[index + copied - 1] < bound_of(index + copied):
                copied -= 1
            yield _Boundary(index, copied)
            if copied:
                index += copied
                continue
        owner = owners[index]
        if isinstance(owner, tuple):
            made = [(terms[index], [(_TYPE, _T["Extractor"]), (LABEL, _str(owner[1]))])]
        else:
            made = _node_blocks(kg_graph, owner, kg_graph.nodes[owner], comparisons)
        index += 1
        bound = bound_of(index)
        made.sort(key=lambda block: block[0])
        if not waiting and made[-1][0] < bound:  # the common case: nothing later can come first
            for block in made:
                yield from emit(block)
            if plan is not None and pending is not None:  # nor share its last subject: the owner is done
                yield pending[0], pending[1] if type(pending[1]) is _Mention else sorted(set(pending[1]))
                pending = None
            continue
        for block in made:
            count += 1
            heapq.heappush(waiting, (block[0], count, block[1]))
        while waiting and waiting[0][0] < bound:
            subject, _, pairs = heapq.heappop(waiting)
            yield from emit((subject, pairs))
    while waiting:
        subject, _, pairs = heapq.heappop(waiting)
        yield from emit((subject, pairs))
    if pending is not None:
        yield pending[0], pending[1] if type(pending[1]) is _Mention else sorted(set(pending[1]))
    if plan is not None:
        yield _Boundary(len(owners))


def triples(kg_graph: nx.MultiDiGraph) -> Iterator[tuple[str, str, str]]:
    """Every triple of the graph as N-Triples terms ``(subject, predicate, object)``, sorted and unique."""
    for subject, pairs in blocks(kg_graph):
        for predicate, obj in pairs:
            yield subject, predicate, obj


def _resolver_iri(curie: str) -> str | None:
    """The resolver link of an identifier as a valid IRI (the value is percent-encoded by
    :func:`kg.identifiers.url`), or None where there is no resolver or the link is still no IRI."""
    link = identifier_url(*parse_curie(curie))
    if not link:
        return None
    try:
        pyoxigraph.NamedNode(link)
    except ValueError:
        return None
    return link


def ntriples_lines(kg_graph: nx.MultiDiGraph) -> list[str]:
    """The graph as sorted, de-duplicated N-Triples statements (one per item, with newline)."""
    return [f"{s} {p} {o} .\n" for s, p, o in triples(kg_graph)]


def sorted_ntriples(kg_graph: nx.MultiDiGraph) -> Iterator[str]:
    """The sorted, unique N-Triples statements, streamed one subject's lines per item (memory stays
    that of the graph: nothing is sorted but each subject's few statements)."""
    for subject, pairs in blocks(kg_graph):
        yield _nt_block(subject, pairs)


def _turtle_terms() -> TurtleTerms:
    return TurtleTerms(dict(PREFIXES), MENTION_PREDICATES)


def turtle_header() -> str:
    """The ``@prefix`` lines of the Turtle output, in a fixed order."""
    return "".join(f"@prefix {name}: <{namespace}> .\n" for name, namespace in sorted(PREFIXES.items())) + "\n"


def to_rdf(kg_graph: nx.MultiDiGraph) -> Graph:
    """An rdflib Graph holding every node and edge of the knowledge graph (not for large graphs:
    the writers below never build one)."""
    from rdflib import Graph

    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, replace=True)
    graph.parse(data="".join(sorted_ntriples(kg_graph)), format="nt")
    return graph


def write_turtle(kg_graph: nx.MultiDiGraph, path: Path) -> Path:
    """Turtle, byte-identical for the same graph (subjects, then predicates and objects, sorted)."""
    terms = _turtle_terms()
    return atomic_write_chunks(path, itertools.chain([turtle_header()], (terms.block(s, p) for s, p in blocks(kg_graph))))


def write_ntriples(kg_graph: nx.MultiDiGraph, path: Path) -> Path:
    """N-Triples, one statement a line, sorted — ready for bulk loaders."""
    return atomic_write_chunks(path, sorted_ntriples(kg_graph))


@dataclass
class RdfIndex:
    """Where each owner's statements begin in the two files :func:`write_rdf` wrote (-1 where they
    share the place with another owner's), so that a later build can copy what did not change."""

    owners: list[Owner]
    ntriples: Sequence[int]
    turtle: Sequence[int]
    sizes: tuple[int, int]  # of the N-Triples and Turtle files

    def to_data(self) -> tuple:
        """Plain data (for ``marshal``), read back by :meth:`from_data`."""
        return self.owners, bytes(memoryview(self.ntriples)), bytes(memoryview(self.turtle)), self.sizes

    @classmethod
    def from_data(cls, data: tuple) -> RdfIndex:
        owners, ntriples, turtle, sizes = data
        return cls(owners, offsets_from(ntriples), offsets_from(turtle), tuple(sizes))


def write_rdf(kg_graph: nx.MultiDiGraph, ntriples_path: Path, turtle_path: Path) -> list[Path]:
    """Both files from one pass over the graph (what ``kg build`` uses)."""
    write_rdf_indexed(kg_graph, ntriples_path, turtle_path)
    return [Path(turtle_path), Path(ntriples_path)]


def write_rdf_indexed(kg_graph: nx.MultiDiGraph, ntriples_path: Path, turtle_path: Path,
                      previous: RdfIndex | None = None, changed: Collection[str] = ()) -> RdfIndex:
    """:func:`write_rdf`, returning where each owner's statements are. With ``previous`` (the index
    of the files now at those paths) and ``changed`` (the nodes whose data or outgoing edges changed
    since, new ones included), the statements of every other owner are copied from the old files
    instead of made again; the result is byte-identical to writing everything."""
    with contextlib.ExitStack() as stack:
        finished = start_rdf(kg_graph, ntriples_path, turtle_path, previous, changed, stack)
    return finished()


def start_rdf(kg_graph: nx.MultiDiGraph, ntriples_path: Path, turtle_path: Path, previous: RdfIndex | None,
              changed: Collection[str], commit: contextlib.ExitStack) -> Callable[[], RdfIndex]:
    """Write both files (see :func:`write_rdf_indexed`); they are finished (copies done, on disk,
    renamed into place) when ``commit`` closes, so the caller can go on meanwhile. Returns what
    gives the files' :class:`RdfIndex`, waiting for the Turtle file if need be.

    This process makes the N-Triples; the Turtle is made from them by a process of its own
    (:class:`~kg.export.turtle.TurtleWriter`), which is handed each part of graph.nt as it is
    written: the two files are made at the same time, on two cores, and the graph is walked once."""
    owners, subjects = _owners(kg_graph, previous.owners if previous is not None else ())
    nt_starts = offsets(len(owners))
    plan: Plan = no_copies
    old_nt = -1
    where: Callable[[int], int] = no_copies
    old_turtle = None
    if previous is not None:
        old_nt = commit.enter_context(open_old(ntriples_path, previous.sizes[0]))
        old_turtle = (commit.enter_context(open_old(turtle_path, previous.sizes[1])), previous.turtle, previous.sizes[1])
        plan, where = copy_plan(owners, previous.owners, previous.ntriples, changed)
        previous = RdfIndex([], previous.ntriples, previous.turtle, previous.sizes)  # its owners are done with (tens of MB)
    # on the way out, in this order: graph.nt all written, graph.ttl all made (or the error of the
    # process making it), graph.nt on disk and renamed into place, then graph.ttl
    turtle = commit.enter_context(TurtleWriter(turtle_path, turtle_header().encode("utf-8"), _turtle_terms(),
                                               len(owners), old_turtle))
    nt_stream = commit.enter_context(atomic_open_binary(ntriples_path))
    commit.enter_context(turtle.running())
    ntriples = commit.enter_context(background_writer(nt_stream))
    nt_at = 0
    nt_parts: list[str] = []  # the statements of the owner being made
    nt_done: list[bytes] = []  # whole owners, written about a megabyte at a time
    marks = array("q")  # (owner, offset from `flushed`) where the owners in nt_done begin
    flushed = nt_at  # where the bytes in nt_done begin

    def flush() -> None:
        nonlocal flushed, marks
        if nt_done or marks:
            data = b"".join(nt_done)
            ntriples.write(data)
            turtle.made(data, bytes(memoryview(marks)))
            nt_done.clear()
            marks = array("q")
        flushed = nt_at

    for block in _blocks(kg_graph, owners, subjects, plan):
        if type(block) is not _Boundary:
            subject, payload = block  # type: ignore[misc]
            if type(payload) is _Mention:
                nt_parts.append(_nt_mention(subject, payload))  # type: ignore[arg-type]
            else:
                nt_parts.append(_nt_block(subject, payload))
            continue
        index, copied = block  # type: ignore[misc]
        if nt_parts:
            nt_chunk = "".join(nt_parts).encode("utf-8")
            nt_parts.clear()
            nt_done.append(nt_chunk)
            nt_at += len(nt_chunk)
            if nt_at - flushed >= WRITE_CHUNK:  # large writes, made while the next owners are worked out
                flush()
        if index < len(owners):
            nt_starts[index] = nt_at
            if not copied:
                marks.extend((index, nt_at - flushed))
        if copied:
            assert previous is not None
            flush()
            first = where(index)
            end = first + copied
            for offset in range(1, copied):
                nt_starts[index + offset] = nt_at + previous.ntriples[first + offset] - previous.ntriples[first]
            nt_end = previous.ntriples[end] if end < len(previous.ntriples) else previous.sizes[0]  # one offset an owner
            ntriples.copy(old_nt, previous.ntriples[first], nt_end - previous.ntriples[first])
            turtle.copied(index, first, copied)
            nt_at += nt_end - previous.ntriples[first]
            flushed = nt_at
    flush()
    turtle.end()
    for cached in (_iri, _str, _extractor, _int, _decimal):  # tens of thousands of terms the next exports do not need
        cached.cache_clear()

    def finished() -> RdfIndex:
        turtle_starts, turtle_size = turtle.result()
        return RdfIndex(owners, nt_starts, turtle_starts, (nt_at, turtle_size))

    return finished


def _nt_mention(subject: str, objects: _Mention) -> str:
    """The N-Triples lines of a kg:Mention block: the subject, each predicate of
    :data:`MENTION_PREDICATES` and its object (a list filled by slices and joined once: four times
    as fast as ``str.format`` on a template, and mentions are most of the lines)."""
    parts = [subject, "", "", " .\n"] * len(_MENTION_PIECES)
    parts[1::4] = _MENTION_PIECES
    parts[2::4] = objects
    return "".join(parts)


def _nt_block(subject: str, pairs: list[tuple[str, str]]) -> str:
    """One subject's N-Triples lines."""
    head = subject + " "
    return "".join([f"{head}{predicate} {obj} .\n" for predicate, obj in pairs])
