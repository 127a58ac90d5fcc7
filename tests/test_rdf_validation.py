"""The sample build's RDF is a product others rely on: it conforms to ontology/shapes.ttl (and a
broken graph is reported), every term it uses is declared in ontology/kg.ttl, and independent
parsers (serdi, rapper) accept every RDF file the build writes."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, SH

ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology"
KG = Namespace("https://w3id.org/neuroai-kg/ns#")
RDF_FILES = {"graph.ttl": "turtle", "graph.nt": "ntriples"}


@pytest.fixture(scope="module")
def sample_graph(sample_build) -> Graph:
    return Graph().parse(sample_build / "graph.nt", format="nt")


def _validate(graph: Graph) -> tuple[bool, Graph]:
    pyshacl = pytest.importorskip("pyshacl")
    shapes = Graph().parse(ONTOLOGY / "shapes.ttl")
    conforms, report, _ = pyshacl.validate(graph, shacl_graph=shapes, advanced=True)
    return conforms, report


def _violations(report: Graph) -> set[tuple[str, str]]:
    return {(str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultMessage)))
            for r in report.subjects(RDF.type, SH.ValidationResult)}


def test_sample_build_conforms_to_the_shapes(sample_graph):
    conforms, report = _validate(sample_graph)
    assert conforms, sorted(_violations(report))[:10]


def test_broken_graph_is_reported_with_the_offending_nodes(sample_graph):
    papers = sorted(sample_graph.subjects(RDF.type, KG.Paper))[:3]
    paper, user, other = papers
    # the three papers with their mentions, claims and every entity (a small graph validates fast)
    keep = tuple(str(p) for p in papers) + tuple(str(p).replace("/paper/", "/claim/") + "/" for p in papers)
    broken = Graph()
    for s, p, o in sample_graph:
        if p == KG.outperforms or "/comparison/" in str(s):
            continue  # (their papers are not kept)
        if str(s).startswith(keep) or not str(s).startswith(("https://w3id.org/neuroai-kg/id/paper/", "https://w3id.org/neuroai-kg/id/claim/")):
            broken.add((s, p, o))
    assert _validate(broken)[0]  # conforms before it is broken
    broken.remove((paper, DCTERMS.title, None))  # a paper without title
    mention = sorted(m for m in broken.subjects(KG.inPaper, other) if (m, RDF.type, KG.Mention) in broken)[0]
    start = int(broken.value(mention, KG.startOffset))
    broken.set((mention, KG.startOffset, Literal(start + 1)))  # offsets no longer delimit the surface form
    claim = sorted(broken.objects(other, KG.hasClaim))[0]
    broken.remove((other, KG.hasClaim, claim))  # a claim no paper has
    entity = sorted(broken.objects(user, KG.hasModality))[0]
    for m in list(broken.subjects(KG.mentionOf, entity)):
        if (m, KG.inPaper, user) in broken:
            broken.remove((m, None, None))  # a paper → modality link without evidence
    winner = sorted(broken.objects(other, KG.usesMethod))[0]
    broken.add((winner, KG.outperforms, entity))  # a comparative fact without its evidence
    conforms, report = _validate(broken)
    assert not conforms
    focus = {node for node, _ in _violations(report)}
    assert {str(paper), str(mention), str(claim), str(user), str(winner)} <= focus
    messages = " | ".join(message for _, message in _violations(report))
    assert "exactly one non-empty title" in messages and "without evidence" in messages


def test_every_term_in_the_output_is_declared_in_the_ontology(sample_graph):
    ontology = Graph().parse(ONTOLOGY / "kg.ttl")
    declared = set(ontology.subjects(RDF.type, None))
    predicates = set(sample_graph.predicates()) - {RDF.type}
    classes = set(sample_graph.objects(None, RDF.type))
    assert predicates and classes
    missing = sorted(str(t) for t in predicates | classes if t not in declared)
    assert not missing, missing
    for term in predicates | classes:
        assert ontology.value(term, RDFS.label) is not None and ontology.value(term, RDFS.comment) is not None, term
        if str(term).startswith(str(KG)) and term not in classes:
            assert ontology.value(term, RDFS.domain) is not None and ontology.value(term, RDFS.range) is not None, term
    version = ontology.value(URIRef("https://w3id.org/neuroai-kg/ns"), OWL.versionInfo)
    assert str(version) == "0.2.0"


def test_datasets_and_papers_are_aligned_to_public_vocabularies():
    ontology = Graph().parse(ONTOLOGY / "kg.ttl")
    assert set(ontology.objects(KG.Paper, RDFS.subClassOf)) >= {URIRef("https://schema.org/ScholarlyArticle"), URIRef("http://purl.org/spar/fabio/Expression")}
    assert set(ontology.objects(KG.Dataset, RDFS.subClassOf)) >= {URIRef("https://schema.org/Dataset"), URIRef("http://www.w3.org/ns/dcat#Dataset")}
    assert URIRef("http://www.w3.org/ns/prov#wasDerivedFrom") in set(ontology.objects(KG.inPaper, RDFS.subPropertyOf))


def _count(path: Path, syntax: str) -> int:
    return sum(1 for _ in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE if syntax == "turtle" else pyoxigraph.RdfFormat.N_TRIPLES))


def check_with_serdi(path: Path, syntax: str) -> int:
    """Strict parse with serdi; returns the number of statements it wrote."""
    if shutil.which("serdi") is None:
        pytest.skip("serdi not installed (Debian package serdi; .ci/run installs it)")
    done = subprocess.run(["serdi", "-i", syntax, "-o", "ntriples", str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stderr.strip(), f"serdi rejects {path}: {done.stderr[:500]}"
    return sum(1 for line in done.stdout.splitlines() if line.strip())


def check_with_rapper(path: Path, syntax: str) -> int:
    """Parse with rapper (Raptor); returns the number of triples it counted."""
    if shutil.which("rapper") is None:
        pytest.skip("rapper not installed (Debian package raptor2-utils; .ci/run installs it)")
    done = subprocess.run(["rapper", "-i", syntax, "-c", str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and "error" not in done.stderr.lower(), f"rapper rejects {path}: {done.stderr[:500]}"
    return int(re.search(r"returned (\d+) triples", done.stderr).group(1))


@pytest.mark.parametrize("name", sorted(RDF_FILES))
def test_serdi_and_rapper_accept_every_rdf_file_of_the_build(sample_build, name):
    path = sample_build / name
    syntax = RDF_FILES[name]
    expected = _count(path, syntax)
    assert expected > 20000
    assert check_with_serdi(path, syntax) == expected
    assert check_with_rapper(path, syntax) == expected


def test_the_build_writes_no_rdf_file_the_checks_do_not_cover(sample_build):
    written = {p.name for p in sample_build.iterdir() if p.suffix in {".ttl", ".nt", ".nq", ".trig"}}
    assert written == set(RDF_FILES)  # (JSON-LD, which serdi and rapper do not read, has its own tests)


@pytest.mark.parametrize("name", ["kg.ttl", "shapes.ttl"])
def test_serdi_and_rapper_accept_the_ontology_files(name):
    assert check_with_serdi(ONTOLOGY / name, "turtle") == check_with_rapper(ONTOLOGY / name, "turtle") > 50
