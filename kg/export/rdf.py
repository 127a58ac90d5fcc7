"""Writes the graph as RDF following the contract in DESIGN.md and ``ontology/kg.ttl``: direct
triples for simple queries, plus Mention/Comparison nodes carrying evidence and provenance.

Triples are generated as a stream of N-Triples terms (plain strings, no RDF library on the hot
path), sorted once, and written as N-Triples directly and as Turtle through pyoxigraph's
serialiser: a ~1M-triple graph takes seconds. :func:`to_rdf` gives the same triples as an rdflib
``Graph`` for callers that want one (tests, the JSON-LD exporter).
"""

from __future__ import annotations

import datetime
import hashlib
import heapq
import io
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import networkx as nx
import pyoxigraph
from rdflib import Graph, Namespace, URIRef

from kg.export.atomic import atomic_write_chunks
from kg.graph import EDGE_ROLE
from kg.identifiers import parse_curie
from kg.identifiers import url as identifier_url
from kg.keys import ENTITY_BASE

KG_NS = "https://w3id.org/neuroai-kg/ns#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_NS = "http://www.w3.org/2000/01/rdf-schema#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
DCTERMS_NS = "http://purl.org/dc/terms/"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
PROV_NS = "http://www.w3.org/ns/prov#"
SCHEMA_NS = "https://schema.org/"
EXTRACTOR_BASE = ENTITY_BASE + "extractor/"

#: Prefixes of the Turtle output (and of rdflib graphs from :func:`to_rdf`).
PREFIXES: dict[str, Namespace] = {prefix: Namespace(namespace) for prefix, namespace in {
    "kg": KG_NS, "dcterms": DCTERMS_NS, "skos": SKOS_NS, "prov": PROV_NS, "schema": SCHEMA_NS,
    "rdf": RDF_NS, "rdfs": RDFS_NS, "xsd": XSD_NS,
    "paper": ENTITY_BASE + "paper/", "method": ENTITY_BASE + "method/", "dataset": ENTITY_BASE + "dataset/",
    "modality": ENTITY_BASE + "modality/", "claim": ENTITY_BASE + "claim/", "person": ENTITY_BASE + "person/",
    "extractor": EXTRACTOR_BASE,
}.items()}
KG = Namespace(KG_NS)
SCHEMA = Namespace(SCHEMA_NS)
ENTITY_CLASS = {"Method": KG.Method, "Dataset": KG.Dataset, "Modality": KG.Modality}
ROLE_OF = {**EDGE_ROLE, "hasModality": "used"}  # a Mention's role: a modality is always "used"

# characters XML 1.0 / strict N-Triples consumers reject, and lone surrogates (not encodable as UTF-8)
_UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
                         # line separators escaped too: tools that split lines on them stay correct
                         "\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})
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


def _iri(node_id: str) -> str:
    """The IRI of a node id (see :func:`iri`)."""
    return ENTITY_BASE + quote(node_id, safe="/-._~")


def iri(node_id: str) -> URIRef:
    """The IRI of a node id. Node ids are already IRI-safe slugs; anything else (a hand-edited
    graph.json) is percent-encoded, which is injective, so different ids never share an IRI."""
    return URIRef(_iri(node_id))


def _clean(text: str) -> str:
    """Drop characters XML 1.0 and strict N-Triples consumers reject (C0 controls but tab/newline)."""
    return _UNSAFE_TEXT.sub("", str(text))


def _u(value: str) -> str:
    return f"<{value}>"


def _str(text: object) -> str:
    return '"' + _clean(str(text)).translate(_ESCAPES) + '"'


def _typed(lexical: str, datatype: str) -> str:
    return f'"{lexical}"^^<{XSD_NS}{datatype}>'


def _int(value: object) -> str:
    return _typed(str(int(value)), "integer")  # type: ignore[call-overload]


def _decimal(value: object) -> str:
    return _typed(f"{float(value):.3f}", "decimal")  # type: ignore[arg-type]


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


def _evidence(subject: str, item: dict, extractors: set[str]) -> Iterator[tuple[str, str, str]]:
    yield subject, _T["sentence"], _str(item["sentence"])
    yield subject, _T["section"], _str(item["section"])
    yield subject, _T["startOffset"], _int(item["start"])
    yield subject, _T["endOffset"], _int(item["end"])
    yield subject, _T["confidence"], _decimal(item["confidence"])
    yield subject, GENERATED_BY, _extractor(item["extractor"])
    extractors.add(item["extractor"])


def _paper(subject: str, data: dict) -> Iterator[tuple[str, str, str]]:
    yield subject, _TYPE, _T["Paper"]
    yield subject, LABEL, _str(data["label"])
    yield subject, TITLE, _str(data["title"])
    yield subject, ABSTRACT, _str(data["abstract"])
    if data.get("date"):
        yield subject, DATE, _date(str(data["date"]))
    if data.get("year"):
        yield subject, _T["year"], _typed(f"{int(data['year']):04d}", "gYear")
    if data.get("identifier"):
        yield subject, IDENTIFIER, _str(data["identifier"])
    if data.get("url"):
        yield subject, URL, _typed(_clean(data["url"]).translate(_ESCAPES), "anyURI")
    if data.get("author_count"):
        yield subject, _T["authorCount"], _int(data["author_count"])
    for name in data.get("authors", []):
        yield subject, AUTHOR, _str(name)
    for source in data.get("sources", []):
        yield subject, _T["source"], _str(source)


def _entity(subject: str, data: dict) -> Iterator[tuple[str, str, str]]:
    yield subject, _TYPE, _T[data["type"]]
    yield subject, LABEL, _str(data["label"])
    yield subject, PREF, _str(data["label"])
    for alias in data.get("aliases", []):
        yield subject, ALT, _str(alias)
    for family in data.get("broader", []):
        yield subject, BROADER, _u(_iri(family))
    yield subject, _T["supportCount"], _int(data.get("papers", 0))


def _claim(subject: str, data: dict, extractor: str, extractors: set[str]) -> Iterator[tuple[str, str, str]]:
    yield subject, _TYPE, _T["Claim"]
    yield subject, LABEL, _str(data["label"])
    yield subject, _T["text"], _str(data["text"])
    yield subject, _T["hedged"], _typed("true" if data["hedged"] else "false", "boolean")
    for hedge in data.get("hedges", []):
        yield subject, _T["hedge"], _str(hedge)
    yield subject, _T["inPaper"], _u(_iri(data["paper"]))
    yield subject, _T["section"], _str(data["section"])
    yield subject, _T["startOffset"], _int(data["start"])
    yield subject, _T["endOffset"], _int(data["end"])
    yield subject, _T["confidence"], _decimal(data["confidence"])
    yield subject, GENERATED_BY, _extractor(extractor)
    extractors.add(extractor)


def _digest(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:12]


def triples(kg_graph: nx.MultiDiGraph) -> Iterator[tuple[str, str, str]]:
    """Every triple of the graph as N-Triples terms ``(subject, predicate, object)``, unsorted
    and possibly repeated (sort and de-duplicate with :func:`ntriples_lines`)."""
    extractors: set[str] = set()
    claim_extractor = {v: d.get("extractor", "kg_claims") for _, v, k, d in kg_graph.edges(keys=True, data=True) if k == "hasClaim"}
    for node_id, data in kg_graph.nodes(data=True):
        subject = _u(_iri(node_id))
        type_ = data["type"]
        if type_ == "Paper":
            yield from _paper(subject, data)
        elif type_ in ENTITY_CLASS:
            yield from _entity(subject, data)
        elif type_ == "Claim":
            yield from _claim(subject, data, claim_extractor.get(node_id, "kg_claims"), extractors)

    for source, target, key, data in kg_graph.edges(keys=True, data=True):
        subject, obj = _u(_iri(source)), _u(_iri(target))
        yield subject, _T[key] if key in _T else _u(KG_NS + quote(key, safe="")), obj
        if key in ROLE_OF:
            for item in data.get("evidence", []):
                digest = _digest(key, target, item["section"], item["start"], item["end"], item["extractor"])
                mention = _u(f"{_iri(source)}/mention/{digest}")
                yield mention, _TYPE, _T["Mention"]
                yield mention, _T["mentionOf"], obj
                yield mention, _T["inPaper"], subject
                yield mention, _T["role"], _str(ROLE_OF[key])
                yield mention, _T["surfaceForm"], _str(item["text"])
                yield from _evidence(mention, item, extractors)
        elif key == "outperforms":
            yield from _comparisons(kg_graph, source, target, data, extractors)
    yield from _bibliographic(kg_graph)
    for name in sorted(extractors):
        yield _extractor(name), _TYPE, _T["Extractor"]
        yield _extractor(name), LABEL, _str(name)


def _comparisons(kg_graph: nx.MultiDiGraph, source: str, target: str, data: dict, extractors: set[str]) -> Iterator[tuple[str, str, str]]:
    """One kg:Comparison per paper that states "source outperforms target", with that paper's sentence."""
    evidence = data.get("evidence", [])
    for paper in data.get("papers", []):
        node = kg_graph.nodes[paper] if paper in kg_graph else {}
        own = [e for e in evidence if e["sentence"] and e["sentence"] in node.get(e["section"], "")] or evidence[:1]
        comparison = _u(f"{_iri(paper)}/comparison/{_digest(source, target)}")
        yield comparison, _TYPE, _T["Comparison"]
        yield comparison, _T["winner"], _u(_iri(source))
        yield comparison, _T["loser"], _u(_iri(target))
        yield comparison, _T["inPaper"], _u(_iri(paper))
        for dataset in data.get("on", []):
            yield comparison, _T["evaluatedOn"], _u(_iri(dataset))
        for item in own[:1]:
            yield from _evidence(comparison, item, extractors)


def _bibliographic(kg_graph: nx.MultiDiGraph) -> Iterator[tuple[str, str, str]]:
    """People, ordered authorship, identifiers (``dcterms:identifier`` "doi:…" literals and
    ``schema:sameAs`` resolver IRIs), venue and subject terms of papers."""
    for node_id, data in kg_graph.nodes(data=True):
        subject = _u(_iri(node_id))
        if data["type"] == "Person":
            yield subject, _TYPE, _u(KG_NS + "Person")
            yield subject, _TYPE, _u(SCHEMA_NS + "Person")
            yield subject, LABEL, _str(data["label"])
            yield subject, _u(SCHEMA_NS + "name"), _str(data.get("name") or data["label"])
        elif data["type"] == "Paper":
            for curie in data.get("identifiers", []):
                yield subject, IDENTIFIER, _str(curie)
                link = _resolver_iri(curie)
                if link:
                    yield subject, _u(SCHEMA_NS + "sameAs"), _u(link)
            if data.get("venue"):
                yield subject, _u(KG_NS + "venue"), _str(data["venue"])
            for keyword in data.get("keywords", []):
                yield subject, _u(SCHEMA_NS + "keywords"), _str(keyword)
            for term in (*data.get("categories", []), *data.get("mesh", [])):
                yield subject, _u(DCTERMS_NS + "subject"), _str(term)
    for source, target, key, data in kg_graph.edges(keys=True, data=True):
        if key == "hasAuthor":
            authorship = _u(f"{_iri(source)}/author/{int(data['order'])}")
            yield _u(_iri(source)), _u(KG_NS + "authorship"), authorship
            yield authorship, _TYPE, _u(KG_NS + "Authorship")
            yield authorship, _u(KG_NS + "person"), _u(_iri(target))
            yield authorship, _u(KG_NS + "order"), _int(data["order"])


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
    return sorted({f"{s} {p} {o} .\n" for s, p, o in triples(kg_graph)})


def sorted_ntriples(kg_graph: nx.MultiDiGraph, run_size: int = 500_000) -> Iterator[str]:
    """The same statements as :func:`ntriples_lines`, in memory bounded by ``run_size``: an external
    merge sort (sorted runs spilled to temporary files, then merged), so a graph of tens of millions
    of triples streams to disk without ever being one list."""
    runs: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="kg-nt-") as folder:
        batch: set[str] = set()
        for s_, p_, o_ in triples(kg_graph):
            batch.add(f"{s_} {p_} {o_} .\n")
            if len(batch) >= run_size:
                runs.append(_spill(sorted(batch), Path(folder) / f"run-{len(runs)}.nt"))
                batch = set()
        if not runs:  # small graph: one sorted run in memory
            yield from sorted(batch)
            return
        runs.append(_spill(sorted(batch), Path(folder) / f"run-{len(runs)}.nt"))
        handles = [run.open(encoding="utf-8", newline="") for run in runs]
        try:
            previous = None
            for line in heapq.merge(*handles):
                if line != previous:
                    yield line
                    previous = line
        finally:
            for handle in handles:
                handle.close()


def _spill(lines: list[str], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.writelines(lines)
    return path


def _turtle_from(ntriples: Path, path: Path) -> Path:
    """Turtle from a sorted N-Triples file, streamed through pyoxigraph (it keeps the input order, so
    subjects stay sorted); the prefix header is rewritten in a fixed order, as the serialiser's own
    order is its business."""
    header = "".join(f"@prefix {name}: <{namespace}> .\n" for name, namespace in sorted(PREFIXES.items()))
    with tempfile.TemporaryFile(dir=Path(path).parent) as body:
        pyoxigraph.serialize(pyoxigraph.parse(path=str(ntriples), format=pyoxigraph.RdfFormat.N_TRIPLES), output=body,
                             format=pyoxigraph.RdfFormat.TURTLE, prefixes={k: str(v) for k, v in PREFIXES.items()})
        body.seek(0)

        def chunks() -> Iterator[str]:
            yield header + "\n"
            lines = iter(io.TextIOWrapper(body, encoding="utf-8", newline=""))
            for line in lines:
                if not line.startswith("@prefix "):
                    yield line
                    break
            yield from lines

        return atomic_write_chunks(path, chunks())


def to_rdf(kg_graph: nx.MultiDiGraph) -> Graph:
    """An rdflib Graph holding every node and edge of the knowledge graph (not for large graphs:
    the writers below never build one)."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, replace=True)
    graph.parse(data="".join(ntriples_lines(kg_graph)), format="nt")
    return graph


def write_turtle(kg_graph: nx.MultiDiGraph, path: Path) -> Path:
    """Turtle, byte-identical for the same graph (subjects and predicates in sorted order)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=Path(path).parent) as folder:
        ntriples = write_ntriples(kg_graph, Path(folder) / "graph.nt")
        return _turtle_from(ntriples, path)


def write_ntriples(kg_graph: nx.MultiDiGraph, path: Path) -> Path:
    """N-Triples, one statement a line, sorted — ready for bulk loaders."""
    return atomic_write_chunks(path, sorted_ntriples(kg_graph))


def write_rdf(kg_graph: nx.MultiDiGraph, ntriples_path: Path, turtle_path: Path) -> list[Path]:
    """Both files from one pass over the graph (what ``kg build`` uses): the N-Triples are written
    as a stream, and the Turtle is streamed from them."""
    ntriples = write_ntriples(kg_graph, ntriples_path)
    Path(turtle_path).parent.mkdir(parents=True, exist_ok=True)
    return [_turtle_from(ntriples, turtle_path), ntriples]
