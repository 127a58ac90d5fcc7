"""The sample build's RDF is a product others rely on: it conforms to ontology/shapes.ttl (and a
broken graph is reported), every term it uses is declared in ontology/kg.ttl, and independent
parsers (serdi, rapper) accept every RDF file the build writes. The same holds for a mixed build of
tests/data (every input format, with authors, identifiers, keywords and subjects)."""

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


SCHEMA = Namespace("https://schema.org/")
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def sample_graph(sample_build) -> Graph:
    return Graph().parse(sample_build / "graph.nt", format="nt")


@pytest.fixture(scope="module")
def mixed_build(tmp_path_factory) -> Path:
    """tests/data built as a whole: every input format, papers merged across sources by identifier."""
    from kg.build import build

    out = tmp_path_factory.mktemp("mixed-build")
    build([DATA], out, use_cache=False, html=False)
    return out


@pytest.fixture(scope="module")
def mixed_graph(mixed_build) -> Graph:
    return Graph().parse(mixed_build / "graph.nt", format="nt")


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


def test_mixed_build_with_authors_and_identifiers_conforms_to_the_shapes(mixed_graph):
    conforms, report = _validate(mixed_graph)
    assert conforms, sorted(_violations(report))[:10]


def test_mixed_build_people_and_authorships_conform(mixed_graph):
    """People and authorships of the mixed build, with no violation of their own."""
    conforms, report = _validate(mixed_graph)
    people = set(mixed_graph.subjects(RDF.type, KG.Person)) | set(mixed_graph.subjects(RDF.type, KG.Authorship))
    assert len(set(mixed_graph.subjects(RDF.type, KG.Person))) >= 10 and len(people) >= 20
    papers = set(mixed_graph.subjects(RDF.type, KG.Paper))
    flagged = {URIRef(node) for node, _ in _violations(report)}
    assert not flagged & (people | papers), sorted(flagged & (people | papers))


def _authored_graph() -> Graph:
    """Two papers with ordered authors, as the RDF exporter writes them."""
    from kg.export.rdf import to_rdf
    from kg.graph import assemble
    from kg.model import Extraction, Paper

    papers = [Paper("Spiking cortex models", "We model the cortex.", source="a.jsonl", line=1,
                    authors=("Ada Lovelace", "Alan Turing"), identifiers={"doi": "10.1000/abc"}),
              Paper("Grid cells revisited", "We revisit grid cells.", source="a.jsonl", line=2, authors=("Alan Turing",))]
    return to_rdf(assemble([Extraction(paper, [], []) for paper in papers]))


def test_people_and_authorships_are_checked_by_the_shapes():
    graph = _authored_graph()
    conforms, report = _validate(graph)
    assert conforms, sorted(_violations(report))
    paper = next(p for p in graph.subjects(RDF.type, KG.Paper) if (p, DCTERMS.title, Literal("Spiking cortex models")) in graph)
    first, second = sorted(graph.objects(paper, KG.authorship), key=lambda a: int(graph.value(a, KG.order)))
    other_paper = next(p for p in graph.subjects(RDF.type, KG.Paper) if p != paper)
    (lone,) = graph.objects(other_paper, KG.authorship)
    person = graph.value(first, KG.person)
    graph.remove((first, KG.order, None))  # no position
    graph.set((second, KG.order, Literal(0)))  # not a positive integer
    graph.add((lone, KG.person, person))  # two people in one position
    graph.remove((person, SCHEMA.name, None))  # a person without a name
    graph.add((other_paper, KG.hasAuthor, URIRef("https://example.org/not-a-person")))  # not a kg:Person
    conforms, report = _validate(graph)
    assert not conforms
    found = _violations(report)
    assert (str(first), "an authorship has exactly one order, a positive integer") in found
    assert (str(second), "an authorship has exactly one order, a positive integer") in found
    assert (str(lone), "an authorship names exactly one kg:Person") in found
    assert (str(person), "a person has exactly one non-empty schema:name") in found
    assert (str(other_paper), "kg:hasAuthor links a paper to a kg:Person") in found
    assert (str(other_paper), "kg:hasAuthor and kg:authorship of this paper do not name the same people") in found


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


@pytest.mark.parametrize("build", ["sample_graph", "mixed_graph"])
def test_every_term_in_the_output_is_declared_in_the_ontology(build, request):
    sample_graph = request.getfixturevalue(build)
    if build == "mixed_graph":  # the bibliographic terms are in the output, so the check covers them
        assert {SCHEMA.sameAs, SCHEMA.keywords, SCHEMA.name, DCTERMS.subject, KG.hasAuthor, KG.order} <= set(sample_graph.predicates())
        assert {SCHEMA.Person, KG.Person, KG.Authorship} <= set(sample_graph.objects(None, RDF.type))
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


def test_schema_author_is_no_datatype_property_since_kg_has_author_refines_it():
    """kg:hasAuthor (an object property) is a sub-property of schema:author: declaring the latter an
    owl:DatatypeProperty would be an OWL DL clash; same for kg:about and dcterms:subject."""
    ontology = Graph().parse(ONTOLOGY / "kg.ttl")
    for sub, parent in ((KG.hasAuthor, SCHEMA.author), (KG.about, DCTERMS.subject)):
        assert (sub, RDFS.subPropertyOf, parent) in ontology and (sub, RDF.type, OWL.ObjectProperty) in ontology
        assert set(ontology.objects(parent, RDF.type)) == {RDF.Property}
        assert "not resolved" not in str(ontology.value(parent, RDFS.comment))


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


@pytest.mark.parametrize("build", ["sample_build", "mixed_build"])
@pytest.mark.parametrize("name", sorted(RDF_FILES))
def test_serdi_and_rapper_accept_every_rdf_file_of_the_build(build, name, request):
    path = request.getfixturevalue(build) / name
    syntax = RDF_FILES[name]
    expected = _count(path, syntax)
    assert expected > (20000 if build == "sample_build" else 1000)
    assert check_with_serdi(path, syntax) == expected
    assert check_with_rapper(path, syntax) == expected


def test_the_build_writes_no_rdf_file_the_checks_do_not_cover(sample_build):
    written = {p.name for p in sample_build.iterdir() if p.suffix in {".ttl", ".nt", ".nq", ".trig"}}
    assert written == set(RDF_FILES)  # (JSON-LD, which serdi and rapper do not read, has its own tests)


@pytest.mark.parametrize("name", ["kg.ttl", "shapes.ttl"])
def test_serdi_and_rapper_accept_the_ontology_files(name):
    assert check_with_serdi(ONTOLOGY / name, "turtle") == check_with_rapper(ONTOLOGY / name, "turtle") > 50
