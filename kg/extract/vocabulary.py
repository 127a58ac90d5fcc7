"""Loads the curated SKOS vocabularies in ``ontology/`` (methods, datasets, modalities, umbrella
terms) into plain lookup tables for the matchers; the Turtle files are the single source."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from kg.keys import ENTITY_BASE, normalise_name

KG = "https://w3id.org/neuroai-kg/ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
VOCABULARY_FILES: tuple[str, ...] = ("modalities.ttl", "methods.ttl", "datasets.ttl")
TYPES = {KG + "Method": "Method", KG + "Dataset": "Dataset", KG + "Modality": "Modality"}


def default_ontology_dir() -> Path:
    """``$KG_ONTOLOGY`` if set, else the repository's ``ontology/`` folder."""
    env = os.environ.get("KG_ONTOLOGY")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "ontology"


@dataclass(frozen=True)
class Concept:
    """One curated entity: its key (= node id), type, labels and links."""

    iri: str
    key: str
    type: str
    label: str
    alt_labels: tuple[str, ...] = ()
    hidden_labels: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    abstract: bool = False
    cue_yields_to: tuple[str, ...] = ()  # modality keys whose presence voids this one's cue words


@dataclass
class Vocabulary:
    """All concepts by key, plus the umbrella terms that are never entities."""

    concepts: dict[str, Concept] = field(default_factory=dict)
    umbrella: frozenset[str] = frozenset()

    def is_umbrella(self, text: str) -> bool:
        return normalise_name(text) in self.umbrella

    @classmethod
    def load(cls, directory: Path | None = None) -> Vocabulary:
        directory = directory or default_ontology_dir()
        # subject IRI → property IRI → objects, read with Oxigraph's Turtle parser (rdflib's takes
        # ten times as long, and every extraction process and every build loads the vocabularies)
        about: dict[str, dict[str, set[pyoxigraph.NamedNode | pyoxigraph.Literal | pyoxigraph.BlankNode]]] = {}
        for name in VOCABULARY_FILES:
            path = directory / name
            if path.exists():
                for triple in pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.TURTLE):
                    if isinstance(triple.subject, pyoxigraph.NamedNode):
                        about.setdefault(triple.subject.value, {}).setdefault(triple.predicate.value, set()).add(triple.object)
        concepts: dict[str, Concept] = {}
        for rdf_type, type_name in TYPES.items():
            for iri, properties in sorted(about.items()):
                if not iri.startswith(ENTITY_BASE) or pyoxigraph.NamedNode(rdf_type) not in properties.get(_RDF_TYPE, ()):
                    continue

                def literals(prop: str, properties: dict = properties) -> tuple[str, ...]:
                    return tuple(sorted(o.value for o in properties.get(prop, ()) if isinstance(o, pyoxigraph.Literal)))

                def keys(prop: str, properties: dict = properties) -> tuple[str, ...]:
                    return tuple(sorted(o.value[len(ENTITY_BASE):] for o in properties.get(prop, ())))

                labels = literals(SKOS + "prefLabel")
                key = iri[len(ENTITY_BASE):]
                concepts[key] = Concept(
                    iri=iri,
                    key=key,
                    type=type_name,
                    label=labels[0] if labels else key.split("/", 1)[1],
                    alt_labels=literals(SKOS + "altLabel"),
                    hidden_labels=literals(SKOS + "hiddenLabel"),
                    broader=keys(SKOS + "broader"),
                    modalities=keys(KG + "modality"),
                    cue_yields_to=keys(KG + "cueYieldsTo"),
                    abstract=any(isinstance(o, pyoxigraph.Literal) and o.datatype.value == _BOOLEAN
                                 and o.value.lower() in ("true", "1") for o in properties.get(KG + "abstract", ())),
                )
        umbrella_path = directory / "umbrella-terms.txt"
        umbrella: set[str] = set()
        if umbrella_path.exists():
            for line in umbrella_path.read_text(encoding="utf-8").splitlines():
                term = line.split("#", 1)[0].strip()
                if term:
                    umbrella.add(normalise_name(term))
        return cls(concepts=concepts, umbrella=frozenset(umbrella))
