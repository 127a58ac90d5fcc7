"""The export formats by name, like rdflib's serializer plugins: each names the function that writes
it (imported on first use), its file suffix or folder, and what it is for. ``kg export`` and ``kg build``
look formats up here."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports this module at start-up: keep it light
    import networkx as nx


@dataclass(frozen=True)
class Exporter:
    """One export format.

    ``writer`` is ``"module:function"``; the function takes the graph and a path and returns the
    path written, or — for a ``folder`` format — the list of files it wrote into that folder.
    """

    name: str
    writer: str
    suffix: str
    description: str
    folder: bool = False
    options: tuple[str, ...] = ()  # keyword options the writer accepts (e.g. the page's ``view``)

    def default_path(self, out_dir: Path) -> Path:
        """Where ``kg build`` writes it: ``graph<suffix>``, or a folder named after the format."""
        return Path(out_dir) / (self.name if self.folder else f"graph{self.suffix}")

    def write(self, graph: nx.MultiDiGraph, path: Path, **options: object) -> list[Path]:
        """Write the graph to ``path`` and return the files written; ``options`` this format does
        not take are ignored, so one set can be passed to every format of a build."""
        module, function = self.writer.split(":")
        accepted = {name: value for name, value in options.items() if name in self.options}
        written = getattr(importlib.import_module(module), function)(graph, Path(path), **accepted)
        return list(written) if isinstance(written, (list, tuple)) else [written]


_EXPORTERS = (
    Exporter("json", "kg.export.json_graph:write_json", ".json", "networkx node-link JSON, the build's own record (kg export reads it)"),
    Exporter("turtle", "kg.export.rdf:write_turtle", ".ttl", "RDF Turtle following ontology/kg.ttl"),
    Exporter("ntriples", "kg.export.rdf:write_ntriples", ".nt", "RDF N-Triples, sorted, for bulk loaders"),
    Exporter("jsonld", "kg.export.jsonld:write_jsonld", ".jsonld", "compact JSON-LD with the context of ontology/context.jsonld"),
    Exporter("html", "kg.export.html:write_html", ".html", "interactive page that works offline", options=("view",)),
    Exporter("graphml", "kg.export.graphml:write_graphml", ".graphml", "GraphML for Gephi, Cytoscape, yEd, networkx, igraph"),
    Exporter("gexf", "kg.export.gexf:write_gexf", ".gexf", "GEXF 1.3 for Gephi"),
    Exporter("cytoscape", "kg.export.cytoscape:write_cytoscape", ".cyjs", "Cytoscape.js JSON for Cytoscape desktop and Cytoscape.js"),
    Exporter("neo4j", "kg.export.neo4j:write_neo4j_csv", "", "folder of CSV files and import.sh for neo4j-admin database import", folder=True),
    Exporter("cypher", "kg.export.neo4j:write_cypher", ".cypher", "Cypher script (MERGE on id) for cypher-shell"),
    Exporter("csv", "kg.export.csv_tables:write_csv_tables", "", "folder with nodes.csv and edges.csv for spreadsheets and pandas", folder=True),
)

#: format name → exporter, read-only
EXPORTERS: Mapping[str, Exporter] = MappingProxyType({exporter.name: exporter for exporter in _EXPORTERS})
#: what ``kg build`` writes unless told otherwise
DEFAULT_BUILD_FORMATS = ("json", "turtle", "ntriples", "html")


def get_exporter(name: str) -> Exporter:
    """The exporter called ``name``; ``KeyError`` naming the known formats if there is none."""
    try:
        return EXPORTERS[name]
    except KeyError:
        raise KeyError(f"unknown export format {name!r}; known: {', '.join(EXPORTERS)}") from None


def parse_formats(text: str) -> list[str]:
    """``"graphml, gexf"`` → ``["graphml", "gexf"]``, checked against the registry; ``all`` = every format."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if names == ["all"]:
        return list(EXPORTERS)
    unknown = [name for name in names if name not in EXPORTERS]
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(unknown)}; known: {', '.join(EXPORTERS)}, or all")
    return list(dict.fromkeys(names))
