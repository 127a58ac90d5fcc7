"""RDF export: parses, follows the contract (classes, properties, evidence), validates its IRIs,
and is byte-identical across runs and processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDFS, SKOS

from kg.export.rdf import MENTION_PREDICATES, PREFIXES, iri, to_rdf, write_ntriples, write_rdf, write_turtle
from kg.export.turtle import TurtleTerms
from kg.extract.pipeline import extract_batch
from kg.extract.vocabulary import Vocabulary
from kg.graph import assemble
from kg.keys import entity_key
from kg.model import Entity, Extraction, Mention, Paper

KG = Namespace("https://w3id.org/neuroai-kg/ns#")
ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology" / "kg.ttl"

PAPERS = [
    Paper("NeuroWidget: spiking models of cortex", "Here we introduce NeuroWidget, a spiking neural network (SNN). "
          "We show that NeuroWidget outperforms a CNN on CIFAR-10 and may explain EEG data.", date="2024-09-03"),
    Paper('Hostile "title" <script>alert(1)</script> & émoji 😀 \u202e', "We use BERT on text. Our results suggest it works."),
]


@pytest.fixture(scope="module")
def kg_graph(nlp):
    return assemble(extract_batch(PAPERS, nlp), Vocabulary.load())


@pytest.fixture(scope="module")
def turtle(kg_graph, tmp_path_factory) -> Graph:
    path = write_turtle(kg_graph, tmp_path_factory.mktemp("rdf") / "graph.ttl")
    return Graph().parse(path, format="turtle")


def test_turtle_holds_contract_classes_and_simple_links(turtle):
    papers = set(turtle.subjects(RDF.type, KG.Paper))
    assert len(papers) == 2
    for paper in papers:
        assert len(list(turtle.objects(paper, DCTERMS.title))) == 1
        assert len(list(turtle.objects(paper, DCTERMS.abstract))) == 1
    # the simple query stays simple: paper → method with one triple
    rows = turtle.query(
        "PREFIX kg: <https://w3id.org/neuroai-kg/ns#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?label WHERE { ?p kg:proposesMethod ?m . ?m rdfs:label ?label }"
    )
    assert {str(r[0]) for r in rows} == {"NeuroWidget"}
    for cls in (KG.Method, KG.Dataset, KG.Modality, KG.Claim, KG.Mention):
        assert set(turtle.subjects(RDF.type, cls)), cls
    snn = next(turtle.subjects(RDFS.label, Literal("SNN")))
    assert (snn, RDF.type, KG.Modality) in turtle
    assert set(turtle.objects(None, SKOS.altLabel))


def test_every_mention_is_traceable_to_its_evidence(turtle):
    mentions = set(turtle.subjects(RDF.type, KG.Mention))
    assert mentions
    for mention in mentions:
        sentence = str(turtle.value(mention, KG.sentence))
        surface = str(turtle.value(mention, KG.surfaceForm))
        assert surface in sentence or surface in str(turtle.value(turtle.value(mention, KG.inPaper), DCTERMS.title))
        assert turtle.value(mention, KG.startOffset) is not None and turtle.value(mention, KG.endOffset) is not None
        assert isinstance(turtle.value(mention, PROV.wasGeneratedBy), URIRef)
        assert 0 < float(turtle.value(mention, KG.confidence)) <= 1


def test_comparative_claim_is_a_direct_edge_with_evidence(turtle):
    pairs = list(turtle.subject_objects(KG.outperforms))
    assert len(pairs) == 1
    comparison = next(turtle.subjects(RDF.type, KG.Comparison))
    assert turtle.value(comparison, KG.winner) == pairs[0][0]
    assert "outperforms" in str(turtle.value(comparison, KG.sentence))


def test_a_comparison_is_evaluated_on_the_datasets_its_own_paper_names(nlp, tmp_path):
    """Two papers state "NeuroWidget outperforms a CNN", one on CIFAR-10, one on ImageNet: each
    paper's kg:Comparison names only its own dataset, while the direct edge gathers both."""
    papers = [Paper(f"NeuroWidget study {n}", f"Here we introduce NeuroWidget, a spiking neural network. "
                    f"We show that NeuroWidget outperforms a CNN on {dataset}.") for n, dataset in ((1, "CIFAR-10"), (2, "ImageNet"))]
    graph = assemble(extract_batch(papers, nlp), Vocabulary.load())
    rdf = Graph().parse(write_turtle(graph, tmp_path / "g.ttl"), format="turtle")
    evaluated = {}
    for comparison in rdf.subjects(RDF.type, KG.Comparison):
        title = str(rdf.value(rdf.value(comparison, KG.inPaper), DCTERMS.title))
        evaluated[title] = {str(rdf.value(d, RDFS.label)) for d in rdf.objects(comparison, KG.evaluatedOn)}
    assert evaluated == {"NeuroWidget study 1": {"CIFAR-10"}, "NeuroWidget study 2": {"ImageNet"}}


def test_hostile_text_is_literal_and_iris_are_safe(turtle, kg_graph):
    titles = {str(t) for t in turtle.objects(None, DCTERMS.title)}
    assert PAPERS[1].title in titles
    for term in {t for triple in turtle for t in triple if isinstance(t, URIRef)}:
        assert not any(c in str(term) for c in ' <>"{}|\\^`'), term


def test_every_property_and_class_used_is_declared_in_the_ontology(turtle):
    ontology = Graph().parse(ONTOLOGY)
    declared = set(ontology.subjects(RDF.type, None))
    used_properties = {p for p in turtle.predicates() if str(p).startswith(str(KG))}
    used_classes = {o for o in turtle.objects(None, RDF.type) if str(o).startswith(str(KG))}
    assert used_properties | used_classes <= declared
    for term in used_properties | used_classes:
        assert ontology.value(term, RDFS.label) is not None and ontology.value(term, RDFS.comment) is not None


def test_ntriples_are_sorted_and_equal_to_turtle(kg_graph, tmp_path, turtle):
    path = write_ntriples(kg_graph, tmp_path / "graph.nt")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)
    assert len(Graph().parse(path, format="nt")) == len(turtle)
    assert isomorphic(to_rdf(kg_graph), turtle)  # the rdflib view holds the same triples


def test_the_turtle_process_writes_what_write_turtle_writes(kg_graph, tmp_path):
    # the build's way: graph.ttl made from graph.nt's lines in a process of its own, mention blocks
    # read by their known predicates; write_turtle makes every block from the graph's pairs
    write_rdf(kg_graph, tmp_path / "graph.nt", tmp_path / "graph.ttl")
    made = (tmp_path / "graph.ttl").read_bytes()
    assert made == write_turtle(kg_graph, tmp_path / "direct.ttl").read_bytes()
    assert b"kg:Mention" in made


@pytest.mark.parametrize("changed", [None, 0, 5, 10])
def test_a_block_shaped_like_a_mention_is_turtle_whatever_its_predicates(changed):
    terms = TurtleTerms(PREFIXES, MENTION_PREDICATES)  # as the build's Turtle process has them
    subject = "<https://w3id.org/neuroai-kg/paper/p/mention/0123456789ab>"
    pairs = [(predicate, f'"{i}"') for i, predicate in enumerate(MENTION_PREDICATES)]
    if changed is not None:  # eleven lines under a mention's IRI, one of them another predicate
        pairs[changed] = ("<https://example.org/other>", '"other"')
    ntriples = "".join(f"{subject} {predicate} {obj} .\n" for predicate, obj in pairs)
    assert terms.from_ntriples(ntriples) == terms.block(subject, pairs)


def test_build_output_is_byte_identical_across_processes(tmp_path, data_dir):
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        env_seed = {"PYTHONHASHSEED": "1" if run == "a" else "2"}
        subprocess.run(
            [sys.executable, "-m", "kg.cli", "build", str(data_dir / "papers.jsonl"), str(data_dir / "daily_page.txt"),
             "-o", str(out), "-q", "--no-cache"],
            check=True, env={**os.environ, **env_seed},
        )
        outputs.append({name: (out / name).read_bytes() for name in ("graph.ttl", "graph.nt", "graph.json", "graph.html")})
    assert outputs[0] == outputs[1]


HOSTILE = ['a "quoted" net', "x <y> z", "Ωμέγα-Net", "深度网络", "深层网络", "emoji 😀 net", "emoji 😎 net",
           "back\\slash{}|^`net", "new\nline net", "café net", "cafe net 2", "%41 net", "A net"]


def _hostile_extraction() -> Extraction:
    abstract = " ".join(HOSTILE)
    paper = Paper('Hostile <names> "everywhere" 😀', abstract, source="hostile.jsonl", line=1)
    entities, mentions, at = [], [], 0
    for name in HOSTILE:
        key = entity_key("Method", name)
        entities.append(Entity("Method", key, name, extractor="pattern:test"))
        mentions.append(Mention("Method", name, key, "abstract", at, at + len(name), abstract, "pattern:test", 0.9))
        at += len(name) + 1
    return Extraction(paper, entities, mentions)


def test_hostile_names_get_distinct_safe_iris_that_three_parsers_accept(tmp_path):
    graph = assemble([_hostile_extraction()])
    methods = [n for n, d in graph.nodes(data=True) if d["type"] == "Method"]
    assert len(methods) == len(HOSTILE)  # no two different names share a node
    ttl, nt = write_turtle(graph, tmp_path / "h.ttl"), write_ntriples(graph, tmp_path / "h.nt")
    parsed = Graph().parse(ttl, format="turtle")
    labels = {str(o) for o in parsed.objects(None, SKOS.prefLabel)}
    assert labels == set(HOSTILE)  # every name comes back exactly, as a literal
    subjects = set(parsed.subjects(RDF.type, KG.Method))
    assert len(subjects) == len(HOSTILE)
    for term in subjects:
        assert all(33 <= ord(c) < 127 and c not in '<>"{}|\\^`' for c in str(term)), term
    assert len(Graph().parse(nt, format="nt")) == len(parsed)
    from tests.test_rdf_validation import check_with_rapper, check_with_serdi

    for path, syntax in ((ttl, "turtle"), (nt, "ntriples")):
        assert check_with_serdi(path, syntax) == len(parsed)
        assert check_with_rapper(path, syntax) == len(parsed)


def test_iris_of_arbitrary_node_ids_are_valid_and_never_collide():
    ids = ["method/a b", "method/a%20b", "method/a+b", "method/ä", "method/a\u0308", "method/<x>", 'method/"', "method/😀"]
    iris = [iri(node_id) for node_id in ids]
    assert len(set(iris)) == len(ids)
    for value in iris:
        pyoxigraph.NamedNode(value)  # raises on an invalid IRI
        assert value.isascii() and " " not in value


def test_duplicate_records_keep_their_own_metadata_with_or_without_cache(tmp_path):
    from kg.build import build

    records = [{"title": "Spiking cortex models", "abstract": "We use a transformer on EEG data.", "date": "2015-02-03"},
               {"title": "Spiking cortex models", "abstract": "We use a transformer on EEG data."}]
    source = tmp_path / "papers.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    fresh = build([source], tmp_path / "out", use_cache=False, html=False)
    cached = build([source], tmp_path / "out", use_cache=True, html=False)
    assert cached.cached == 1
    for result in (fresh, cached):
        (paper,) = [d for _, d in result.graph.nodes(data=True) if d["type"] == "Paper"]
        assert paper["date"] == "2015-02-03" and len(paper["sources"]) == 2


def _with_ids_that_prefix_each_other(graph):
    """The sample graph with four papers renamed so that their IRIs are prefixes of each other:
    "paper/x-2" sorts between "paper/x/mention/…" and "paper/x", "paper/x0" likewise."""
    import networkx as nx

    papers = sorted(n for n, d in graph.nodes(data=True) if d["type"] == "Paper" and graph.out_degree(n) > 5)[:4]
    return nx.relabel_nodes(graph, dict(zip(papers, ["paper/x", "paper/x-2", "paper/x0", "paper/x.y"])), copy=True)


def test_statements_stream_sorted_and_unique_without_a_global_sort(sample_build):
    """The N-Triples come out block by block, in the order a plain sort of all lines gives, even
    where one subject IRI is a prefix of another."""
    from kg.export.json_graph import read_json
    from kg.export.rdf import sorted_ntriples

    graph = _with_ids_that_prefix_each_other(read_json(sample_build / "graph.json"))
    lines = "".join(sorted_ntriples(graph)).splitlines()
    assert lines == sorted(set(lines)) and len(lines) > 20_000
    subjects = list(dict.fromkeys(line.split(" ", 1)[0] for line in lines))
    assert subjects.index("<https://w3id.org/neuroai-kg/id/paper/x-2>") < subjects.index("<https://w3id.org/neuroai-kg/id/paper/x>")


def test_identifiers_with_percent_and_hash_give_valid_resolver_iris(tmp_path):
    """'%' and '#' of an identifier value are percent-encoded in its resolver link: the build's
    Turtle step no longer crashes, and strict parsers accept both files."""
    from kg.export.rdf import write_rdf
    from tests.test_rdf_validation import check_with_serdi

    dois = ["10.1000/x%zz", "10.1000/a#b#c", "10.1000/q?r s"]
    papers = [Paper(f"Odd identifier {n}", "We model the cortex.", source="odd.jsonl", line=n, identifiers={"doi": doi})
              for n, doi in enumerate(dois, 1)]
    graph = assemble([Extraction(paper, [], []) for paper in papers])
    ttl, nt = write_rdf(graph, tmp_path / "g.nt", tmp_path / "g.ttl")
    parsed = Graph().parse(ttl, format="turtle")
    same_as = {str(o) for o in parsed.objects(None, URIRef("https://schema.org/sameAs"))}
    assert same_as == {"https://doi.org/10.1000/x%25zz", "https://doi.org/10.1000/a%23b%23c", "https://doi.org/10.1000/q%3Fr%20s"}
    assert {str(o) for o in parsed.objects(None, DCTERMS.identifier)} == {f"doi:{doi}" for doi in dois}  # the value as read
    for path, syntax in ((ttl, "turtle"), (nt, "ntriples")):
        assert check_with_serdi(path, syntax) == len(parsed)


def test_only_calendar_dates_are_typed_xsd_date():
    from rdflib import XSD

    dates = {"Real date": "2024-02-29", "Impossible month": "2024-13-45", "Not a leap year": "2023-02-29", "Month only": "2024-05"}
    papers = [Paper(title, "We model the cortex.", source="d.jsonl", line=n, date=date) for n, (title, date) in enumerate(dates.items(), 1)]
    rdf = to_rdf(assemble([Extraction(paper, [], []) for paper in papers]))
    typed = {str(rdf.value(p, DCTERMS.title)): rdf.value(p, DCTERMS.date) for p in rdf.subjects(RDF.type, KG.Paper)}
    assert typed["Real date"] == Literal("2024-02-29", datatype=XSD.date)
    for title in ("Impossible month", "Not a leap year", "Month only"):
        assert typed[title] == Literal(dates[title]) and typed[title].datatype is None, title  # kept as written, untyped


def test_export_turtle_into_a_folder_that_does_not_exist_yet(tmp_path):
    from click.testing import CliRunner

    from kg.cli import main
    from kg.export.json_graph import write_json

    built = tmp_path / "built"
    built.mkdir()
    write_json(assemble([Extraction(Paper("Spiking cortex", "We model the cortex.", source="a.jsonl", line=1), [], [])]),
               built / "graph.json")
    target = tmp_path / "new" / "dir" / "g.ttl"
    done = CliRunner().invoke(main, ["export", "--graph", str(built), "--format", "turtle", "-o", str(target)])
    assert done.exit_code == 0, done.output
    assert set(Graph().parse(target, format="turtle").objects(None, DCTERMS.title)) == {Literal("Spiking cortex")}
    assert [p.name for p in target.parent.iterdir()] == ["g.ttl"]  # no temporary file left beside it


def test_jsonld_abstract_is_the_papers_abstract_not_the_concept_flag(kg_graph):
    """A consumer writing "abstract": "…" with the published context states dcterms:abstract; the
    vocabularies' kg:abstract flag has its own term, and the JSON-LD still holds the Turtle's triples."""
    from rdflib import XSD

    from kg.export.jsonld import default_context, to_jsonld

    context = default_context()
    assert context["abstract"] == "dcterms:abstract"
    assert context["abstractConcept"] == {"@id": "kg:abstract", "@type": "xsd:boolean"}
    document = {"@context": context, "@id": "https://example.org/p", "@type": "Paper", "title": "T", "abstract": "We model the cortex."}
    written = Graph().parse(data=json.dumps(document), format="json-ld")
    assert written.value(URIRef("https://example.org/p"), DCTERMS.abstract) == Literal("We model the cortex.")
    concept = Graph().parse(data=json.dumps({"@context": context, "@id": "https://example.org/c", "abstractConcept": True}), format="json-ld")
    assert concept.value(URIRef("https://example.org/c"), KG.abstract) == Literal(True, datatype=XSD.boolean)
    exported = json.loads(to_jsonld(kg_graph))
    abstracts = {node["abstract"] for node in exported["@graph"] if "abstract" in node}
    assert abstracts == {paper.abstract for paper in PAPERS}
    assert isomorphic(Graph().parse(data=json.dumps(exported), format="json-ld"), to_rdf(kg_graph))
