"""Writes the graph as compact JSON-LD: the triples of the Turtle export (``kg.export.rdf.to_rdf``)
under a ``@context`` derived from the ontology ``ontology/kg.ttl``, published as ``ontology/context.jsonld``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import OWL, RDF, RDFS, XSD, Graph, Namespace, URIRef

from kg.atomic import atomic_write_text
from kg.export.rdf import KG_NS, to_rdf
from kg.extract.vocabulary import default_ontology_dir

CONTEXT_FILE = "context.jsonld"
KG = Namespace(KG_NS)
#: Annotation giving a class or property its JSON-LD term name (see :func:`context_from_ontology`).
JSONLD_TERM = KG.jsonldTerm


def context_from_ontology(ontology: Path) -> dict[str, Any]:
    """The JSON-LD context of the ontology file: every prefix it declares, and a term for every
    class and property of the ``kg:`` namespace it defines, named by its local name, or by its
    ``kg:jsonldTerm`` where it has one. A public term (``dcterms:abstract``) with a ``kg:jsonldTerm``
    gets a term of that name too, so that ``"abstract"`` is a paper's abstract, not the
    ``kg:abstract`` flag of vocabulary concepts (named ``"abstractConcept"``).

    Object properties are coerced to IRIs (``"@type": "@id"``); datatype properties whose range is
    an XSD type other than ``xsd:string`` are coerced to that type, so that compaction gives plain
    JSON values and expansion restores the typed literals.
    """
    onto = Graph(bind_namespaces="none").parse(ontology)
    namespaces = {prefix: str(uri) for prefix, uri in onto.namespaces() if prefix}
    context: dict[str, Any] = dict(sorted(namespaces.items()))
    kg = str(KG)
    terms: dict[str, Any] = {}
    named_by: dict[str, URIRef] = {}
    for subject in sorted(set(onto.subjects(RDF.type, None))):
        if not isinstance(subject, URIRef):
            continue
        override = onto.value(subject, JSONLD_TERM)
        if override is None and not str(subject).startswith(kg):
            continue
        curie = _curie(subject, namespaces)
        name = str(override) if override is not None else str(subject)[len(kg):]
        definition = _definition(onto, subject, curie)
        if definition is None:
            continue
        if name in named_by:
            raise ValueError(f"{ontology}: {named_by[name]} and {subject} both have the JSON-LD term name {name!r}")
        named_by[name] = subject
        terms[name] = definition
    clashes = sorted(set(terms) & set(context))
    if clashes:
        raise ValueError(f"{ontology}: terms {clashes} clash with prefixes of the same name")
    context.update(sorted(terms.items()))
    return context


def _curie(subject: URIRef, namespaces: dict[str, str]) -> str:
    """``subject`` as prefix:local with the longest declared namespace that holds it."""
    for prefix, namespace in sorted(namespaces.items(), key=lambda item: -len(item[1])):
        if str(subject).startswith(namespace):
            return f"{prefix}:{str(subject)[len(namespace):]}"
    return str(subject)


def _definition(onto: Graph, subject: URIRef, curie: str) -> Any:
    """The term definition of a class or property (None for other declarations)."""
    kinds = set(onto.objects(subject, RDF.type))
    if OWL.Class in kinds or RDFS.Class in kinds:
        return curie
    if OWL.ObjectProperty in kinds:
        return {"@id": curie, "@type": "@id"}
    if OWL.DatatypeProperty in kinds or RDF.Property in kinds:
        ranges = sorted(r for r in onto.objects(subject, RDFS.range) if str(r).startswith(str(XSD)))
        if ranges and ranges[0] != XSD.string:
            return {"@id": curie, "@type": "xsd:" + str(ranges[0])[len(str(XSD)):]}
        return curie
    return None


def default_context() -> dict[str, Any]:
    return context_from_ontology(default_ontology_dir() / "kg.ttl")


def _sorted(value: Any) -> Any:
    """Nodes by ``@id`` and multi-valued properties in a stable order (JSON-LD arrays here are sets)."""
    if isinstance(value, dict):
        return {key: _sorted(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [_sorted(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, ensure_ascii=False, sort_keys=True))
    return value


def to_jsonld(graph: nx.MultiDiGraph, context: dict[str, Any] | None = None) -> str:
    """The compact JSON-LD document, with the context inline so that it needs no network access."""
    context = context if context is not None else default_context()
    data = json.loads(to_rdf(graph).serialize(format="json-ld", context=context, auto_compact=True))
    document = {"@context": context, "@graph": _sorted(data.get("@graph", [data] if "@id" in data else []))}
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def write_jsonld(graph: nx.MultiDiGraph, path: Path) -> Path:
    return atomic_write_text(path, to_jsonld(graph))


def write_context(ontology_dir: Path | None = None) -> Path:
    """Regenerate ``ontology/context.jsonld`` from ``ontology/kg.ttl``."""
    folder = ontology_dir or default_ontology_dir()
    document = {"@context": context_from_ontology(folder / "kg.ttl")}
    return atomic_write_text(folder / CONTEXT_FILE, json.dumps(document, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":  # python -m kg.export.jsonld  →  regenerate the published context
    print(write_context(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
