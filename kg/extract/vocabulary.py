"""Loads the curated SKOS vocabularies in ``ontology/`` (methods, datasets, modalities, umbrella
terms) into plain lookup tables for the matchers; the Turtle files are the single source."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

from kg.keys import ENTITY_BASE, normalise_name

KG = Namespace("https://w3id.org/neuroai-kg/ns#")
VOCABULARY_FILES: tuple[str, ...] = ("modalities.ttl", "methods.ttl", "datasets.ttl")
TYPES = {KG.Method: "Method", KG.Dataset: "Dataset", KG.Modality: "Modality"}


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
        graph = Graph()
        for name in VOCABULARY_FILES:
            path = directory / name
            if path.exists():
                graph.parse(path, format="turtle")
        concepts: dict[str, Concept] = {}
        for rdf_type, type_name in TYPES.items():
            for iri in graph.subjects(RDF.type, rdf_type):
                if not isinstance(iri, URIRef) or not str(iri).startswith(ENTITY_BASE):
                    continue

                def literals(prop: URIRef, iri: URIRef = iri) -> tuple[str, ...]:
                    return tuple(sorted(str(o) for o in graph.objects(iri, prop) if isinstance(o, Literal)))

                labels = literals(SKOS.prefLabel)
                key = str(iri)[len(ENTITY_BASE):]
                concepts[key] = Concept(
                    iri=str(iri),
                    key=key,
                    type=type_name,
                    label=labels[0] if labels else key.split("/", 1)[1],
                    alt_labels=literals(SKOS.altLabel),
                    hidden_labels=literals(SKOS.hiddenLabel),
                    broader=tuple(sorted(str(o)[len(ENTITY_BASE):] for o in graph.objects(iri, SKOS.broader))),
                    modalities=tuple(sorted(str(o)[len(ENTITY_BASE):] for o in graph.objects(iri, KG.modality))),
                    cue_yields_to=tuple(sorted(str(o)[len(ENTITY_BASE):] for o in graph.objects(iri, KG.cueYieldsTo))),
                    abstract=any(o.toPython() is True for o in graph.objects(iri, KG.abstract) if isinstance(o, Literal)),
                )
        umbrella_path = directory / "umbrella-terms.txt"
        umbrella: set[str] = set()
        if umbrella_path.exists():
            for line in umbrella_path.read_text(encoding="utf-8").splitlines():
                term = line.split("#", 1)[0].strip()
                if term:
                    umbrella.add(normalise_name(term))
        return cls(concepts=concepts, umbrella=frozenset(umbrella))
