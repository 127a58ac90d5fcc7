"""Writes the graph as RDF following the contract in DESIGN.md and ``ontology/kg.ttl``: direct
triples for simple queries, plus Mention/Comparison nodes carrying evidence and provenance."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

import networkx as nx
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from kg.export.atomic import atomic_write_text
from kg.identifiers import parse_curie
from kg.identifiers import url as identifier_url
from kg.keys import ENTITY_BASE

KG = Namespace("https://w3id.org/neuroai-kg/ns#")
SCHEMA = Namespace("https://schema.org/")
EXTRACTOR_BASE = ENTITY_BASE + "extractor/"
PREFIXES = {"kg": KG, "dcterms": DCTERMS, "skos": SKOS, "prov": PROV, "schema": SCHEMA, "rdfs": RDFS, "xsd": XSD}
ENTITY_CLASS = {"Method": KG.Method, "Dataset": KG.Dataset, "Modality": KG.Modality}
ROLE_OF = {"proposesMethod": "proposed", "usesMethod": "used", "proposesDataset": "proposed",
           "usesDataset": "used", "hasModality": "used"}


def iri(node_id: str) -> URIRef:
    """The IRI of a node id (node ids are already IRI-safe slugs)."""
    return URIRef(ENTITY_BASE + node_id)


def _clean(text: str) -> str:
    """Drop characters XML 1.0 and strict N-Triples consumers reject (C0 controls but tab/newline)."""
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 32 and not 0xFFFE <= ord(c) <= 0xFFFF)


def _decimal(value: float) -> Literal:
    return Literal(f"{float(value):.3f}", datatype=XSD.decimal)


def _extractor(graph: Graph, name: str) -> URIRef:
    node = URIRef(EXTRACTOR_BASE + name.replace(":", "-"))
    graph.add((node, RDF.type, KG.Extractor))
    graph.add((node, RDFS.label, Literal(name)))
    return node


def _evidence(graph: Graph, subject: URIRef, item: dict) -> None:
    graph.add((subject, KG.sentence, Literal(_clean(item["sentence"]))))
    graph.add((subject, KG.section, Literal(item["section"])))
    graph.add((subject, KG.startOffset, Literal(int(item["start"]))))
    graph.add((subject, KG.endOffset, Literal(int(item["end"]))))
    graph.add((subject, KG.confidence, _decimal(item["confidence"])))
    graph.add((subject, PROV.wasGeneratedBy, _extractor(graph, item["extractor"])))


def to_rdf(kg_graph: nx.MultiDiGraph) -> Graph:
    """An rdflib Graph holding every node and edge of the knowledge graph."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    for node_id, data in kg_graph.nodes(data=True):
        subject = iri(node_id)
        type_ = data["type"]
        if type_ == "Paper":
            graph.add((subject, RDF.type, KG.Paper))
            graph.add((subject, RDFS.label, Literal(_clean(data["label"]))))
            graph.add((subject, DCTERMS.title, Literal(_clean(data["title"]))))
            graph.add((subject, DCTERMS.abstract, Literal(_clean(data["abstract"]))))
            if data.get("date"):
                graph.add((subject, DCTERMS.date, Literal(data["date"], datatype=XSD.date)))
            if data.get("year"):
                graph.add((subject, KG.year, Literal(f"{int(data['year']):04d}", datatype=XSD.gYear)))
            if data.get("identifier"):
                graph.add((subject, DCTERMS.identifier, Literal(_clean(data["identifier"]))))
            if data.get("url"):
                graph.add((subject, SCHEMA.url, Literal(_clean(data["url"]), datatype=XSD.anyURI)))
            if data.get("author_count"):
                graph.add((subject, KG.authorCount, Literal(int(data["author_count"]))))
            for name in data.get("authors", []):
                graph.add((subject, SCHEMA.author, Literal(_clean(name))))
            for source in data.get("sources", []):
                graph.add((subject, KG.source, Literal(_clean(source))))
        elif type_ in ENTITY_CLASS:
            graph.add((subject, RDF.type, ENTITY_CLASS[type_]))
            graph.add((subject, RDFS.label, Literal(_clean(data["label"]))))
            graph.add((subject, SKOS.prefLabel, Literal(_clean(data["label"]))))
            for alias in data.get("aliases", []):
                graph.add((subject, SKOS.altLabel, Literal(_clean(alias))))
            for family in data.get("broader", []):
                graph.add((subject, SKOS.broader, iri(family)))
            graph.add((subject, KG.supportCount, Literal(int(data.get("papers", 0)))))
        elif type_ == "Claim":
            graph.add((subject, RDF.type, KG.Claim))
            graph.add((subject, RDFS.label, Literal(_clean(data["label"]))))
            graph.add((subject, KG.text, Literal(_clean(data["text"]))))
            graph.add((subject, KG.hedged, Literal(bool(data["hedged"]))))
            for hedge in data.get("hedges", []):
                graph.add((subject, KG.hedge, Literal(hedge)))
            graph.add((subject, KG.inPaper, iri(data["paper"])))
            graph.add((subject, KG.section, Literal(data["section"])))
            graph.add((subject, KG.startOffset, Literal(int(data["start"]))))
            graph.add((subject, KG.endOffset, Literal(int(data["end"]))))
            graph.add((subject, KG.confidence, _decimal(data["confidence"])))
            graph.add((subject, PROV.wasGeneratedBy, _extractor(graph, "kg_claims")))

    for source, target, key, data in kg_graph.edges(keys=True, data=True):
        subject, obj = iri(source), iri(target)
        graph.add((subject, KG[key], obj))
        if key in ROLE_OF:
            for item in data.get("evidence", []):
                digest = hashlib.sha1(
                    f"{target}|{item['section']}|{item['start']}|{item['end']}|{item['extractor']}".encode()
                ).hexdigest()[:12]
                mention = URIRef(f"{subject}/mention/{digest}")
                graph.add((mention, RDF.type, KG.Mention))
                graph.add((mention, KG.mentionOf, obj))
                graph.add((mention, KG.inPaper, subject))
                graph.add((mention, KG.role, Literal(ROLE_OF[key])))
                graph.add((mention, KG.surfaceForm, Literal(_clean(item["text"]))))
                _evidence(graph, mention, item)
        elif key == "outperforms":
            for paper in data.get("papers", []):
                digest = hashlib.sha1(f"{source}|{target}".encode()).hexdigest()[:12]
                comparison = URIRef(f"{iri(paper)}/comparison/{digest}")
                graph.add((comparison, RDF.type, KG.Comparison))
                graph.add((comparison, KG.winner, subject))
                graph.add((comparison, KG.loser, obj))
                graph.add((comparison, KG.inPaper, iri(paper)))
                for dataset in data.get("on", []):
                    graph.add((comparison, KG.evaluatedOn, iri(dataset)))
                for item in data.get("evidence", [])[:1]:
                    _evidence(graph, comparison, item)
    _add_bibliographic(graph, kg_graph)
    return graph


def _add_bibliographic(graph: Graph, kg_graph: nx.MultiDiGraph) -> None:
    """People, ordered authorship, identifiers (``dcterms:identifier`` "doi:…" literals and
    ``schema:sameAs`` resolver IRIs), venue and subject terms of papers."""
    for node_id, data in kg_graph.nodes(data=True):
        subject = iri(node_id)
        if data["type"] == "Person":
            graph.add((subject, RDF.type, KG.Person))
            graph.add((subject, RDF.type, SCHEMA.Person))
            graph.add((subject, RDFS.label, Literal(_clean(data["label"]))))
            graph.add((subject, SCHEMA.name, Literal(_clean(data.get("name") or data["label"]))))
        elif data["type"] == "Paper":
            for curie in data.get("identifiers", []):
                graph.add((subject, DCTERMS.identifier, Literal(_clean(curie))))
                link = identifier_url(*parse_curie(curie))
                if link:
                    graph.add((subject, SCHEMA.sameAs, URIRef(quote(link, safe=":/?#=&%"))))
            if data.get("venue"):
                graph.add((subject, KG.venue, Literal(_clean(data["venue"]))))
            for keyword in data.get("keywords", []):
                graph.add((subject, SCHEMA.keywords, Literal(_clean(keyword))))
            for term in (*data.get("categories", []), *data.get("mesh", [])):
                graph.add((subject, DCTERMS.subject, Literal(_clean(term))))
    for source, target, key, data in kg_graph.edges(keys=True, data=True):
        if key == "hasAuthor":
            authorship = URIRef(f"{iri(source)}/author/{int(data['order'])}")
            graph.add((iri(source), KG.authorship, authorship))
            graph.add((authorship, RDF.type, KG.Authorship))
            graph.add((authorship, KG.person, iri(target)))
            graph.add((authorship, KG.order, Literal(int(data["order"]))))


def write_turtle(kg_graph: nx.MultiDiGraph, path: Path) -> Path:
    """Turtle, byte-identical for the same graph (rdflib sorts subjects and predicates)."""
    data = to_rdf(kg_graph).serialize(format="turtle")
    return atomic_write_text(path, data)


def write_ntriples(kg_graph: nx.MultiDiGraph, path: Path) -> Path:
    """N-Triples, one statement a line, sorted — ready for bulk loaders."""
    lines = to_rdf(kg_graph).serialize(format="nt").split("\n")  # not splitlines(): U+2028, U+0085 may sit in a literal
    return atomic_write_text(path, "\n".join(sorted(set(line for line in lines if line.strip()))) + "\n")
