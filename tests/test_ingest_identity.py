"""Identity across sources: identifiers normalise, the same paper from several files is one node with
merged fields and an id from its strongest identifier, authors become Person nodes, and a mixed
folder of every format builds into a graph whose RDF and page carry the identifiers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from kg.build import build
from kg.cli import main
from kg.export.html import build_payload
from kg.graph.identity import paper_node_ids, person_key
from kg.identifiers import identifiers, normalise_arxiv, normalise_doi
from kg.keys import paper_key
from kg.model import Paper

KG = Namespace("https://w3id.org/neuroai-kg/ns#")
SCHEMA = Namespace("https://schema.org/")
ID = "https://w3id.org/neuroai-kg/id/"


def test_identifiers_normalise_to_one_form_per_scheme():
    assert normalise_doi("https://doi.org/10.1073/PNAS.2105646118") == "10.1073/pnas.2105646118"
    assert normalise_doi("doi: 10.1162/neco_a_01650.") == "10.1162/neco_a_01650"
    assert normalise_doi("not a doi") is None
    assert normalise_arxiv("arXiv:2310.01234v3") == normalise_arxiv("http://arxiv.org/pdf/2310.01234v1") == "2310.01234"
    assert normalise_arxiv("http://arxiv.org/abs/hep-th/9901001v2") == "hep-th/9901001"
    # arXiv's own DataCite DOI is the arXiv id, not a journal DOI (so preprint and paper can merge)
    assert identifiers(doi="10.48550/arXiv.2310.01234") == {"arxiv": "2310.01234"}
    assert identifiers(pmid="https://pubmed.ncbi.nlm.nih.gov/34737231", pmcid="8694052", openalex="w1", s2="x") == {
        "pmid": "34737231", "pmcid": "PMC8694052", "openalex": "W1"}


def _paper(title: str, **ids: str) -> Paper:
    return Paper(title=title, abstract="An abstract.", identifiers=ids)


def test_same_identifier_or_title_is_one_paper_named_by_the_strongest_identifier():
    papers = [
        _paper("Spiking transformers", arxiv="2310.01234"),
        _paper("Spiking Transformers (extended)", arxiv="2310.01234", doi="10.1/st"),  # arXiv id links it
        _paper("SPIKING TRANSFORMERS!"),  # title only: joins the group
        _paper("No identifiers at all"),
    ]
    ids = paper_node_ids(papers)
    assert ids[:3] == ["paper/doi-10.1_st"] * 3  # DOI beats arXiv
    assert ids[3] == paper_key(papers[3].key, papers[3].title)  # unchanged title-based id


def test_same_title_with_different_dois_stays_two_papers():
    ids = paper_node_ids([_paper("Introduction", doi="10.1/a"), _paper("Introduction", doi="10.1/b"),
                          _paper("Introduction", pmid="1")])
    assert ids[0] == "paper/doi-10.1_a" and ids[1] == "paper/doi-10.1_b"
    assert ids[2] == ids[0]  # no conflicting scheme: joins the first


def test_node_ids_are_safe_and_do_not_collide():
    ids = paper_node_ids([_paper("a", doi="10.1000/a/b"), _paper("b", doi="10.1000/a_b"), _paper("c", arxiv="hep-th/9901001")])
    assert len(set(ids)) == 3 and ids[2] == "paper/arxiv-hep-th_9901001"
    assert all(c.isalnum() or c in "/._-" for node in ids for c in node)


def test_person_keys_fold_accents_and_case():
    assert person_key("José García") == person_key("Jose GARCIA") == "person/jose-garcia"
    assert person_key("Søren Østergaard") == "person/soren-ostergaard"
    assert person_key("张伟") != person_key("王芳") and person_key("张伟").startswith("person/")


def test_paper_records_round_trip_and_old_cache_records_still_load():
    paper = Paper("T", "A", identifiers={"doi": "10.1/x"}, keywords=("k",), mesh=("Humans",), date="2024-02-03")
    assert paper.year == 2024  # a date gives a year
    assert Paper.from_dict(json.loads(json.dumps(paper.to_dict()))) == paper
    old = {"title": "T", "abstract": "A", "source": "s", "line": 1, "id": None, "date": None, "authors": ["X"],
           "author_count": 1, "url": None}
    assert Paper.from_dict(old).identifiers == {} and Paper.from_dict(old).authors == ("X",)


# ---------------------------------------------------------------- the mixed folder

@pytest.fixture(scope="module")
def mixed(data_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("mixed")
    inputs = folder / "in"
    shutil.copytree(data_dir / "formats", inputs)
    for name in ("papers.jsonl", "papers.json", "papers.csv", "daily_page.txt"):
        shutil.copy(data_dir / name, inputs / name)
    return build([inputs], folder / "out", html=False)


def _papers(result) -> dict[str, dict]:
    return {n: d for n, d in result.graph.nodes(data=True) if d["type"] == "Paper"}


def test_mixed_folder_reads_every_format_and_reports_every_broken_record(mixed):
    files = {Path(w.source).name for w in mixed.log.warnings}
    assert {"library.bib", "arxiv_query.atom", "pubmed_result.xml", "openalex_works.json", "s2_search.json",
            "papers.jsonl", "papers.json", "papers.csv"} <= files
    assert mixed.log.read == 20
    assert len(_papers(mixed)) == 14  # 20 records, 6 of them a second or third copy


def test_duplicates_across_sources_merge_into_one_node(mixed):
    papers = _papers(mixed)
    spiking = papers["paper/arxiv-2310.01234"]  # BibTeX eprint + arXiv Atom + Semantic Scholar
    assert [Path(s).name for s in spiking["sources"]] == ["arxiv_query.atom:10", "library.bib:20", "s2_search.json:6"]
    assert spiking["identifiers"] == ["arxiv:2310.01234", "s2:649def34f8be52c8b66281af98ae884c09aef38b"]
    assert spiking["venue"] == "Advances in Neural Information Processing Systems"  # BibTeX's, not arXiv
    language = papers["paper/doi-10.1073_pnas.2105646118"]  # BibTeX + OpenAlex by DOI
    assert language["date"] == "2021-11-04" and language["year"] == 2021  # the date only OpenAlex had
    assert language["keywords"] == ["Language model", "artificial neural networks", "fMRI", "language"]
    assert "pmid:34737231" in language["identifiers"] and language["venue"].startswith("Proceedings")
    meg = papers["paper/doi-10.1016_j.neuroimage.2024.120001"]  # BibTeX + PubMed by DOI
    assert meg["mesh"] == ["Humans", "Magnetoencephalography", "Neural Networks, Computer"]
    hebbian = papers["paper/arxiv-2301.00777"]  # PubMed + OpenAlex by PMID; arXiv id from OpenAlex
    assert {Path(s).name.split(":")[0] for s in hebbian["sources"]} == {"pubmed_result.xml", "openalex_works.json"}
    coding = papers["paper/doi-10.1162_neco_a_01650"]  # arXiv (with DOI) + S2 by title only
    assert len(coding["sources"]) == 2 and coding["year"] == 2024


def test_authors_are_person_nodes_with_ordered_edges(mixed):
    graph = mixed.graph
    edges = sorted((d["order"], v) for _, v, k, d in graph.out_edges("paper/arxiv-2310.01234", keys=True, data=True)
                   if k == "hasAuthor")
    assert edges == [(1, "person/jorg-muller"), (2, "person/jose-garcia"), (3, "person/soren-ostergaard")]
    person = graph.nodes["person/jose-garcia"]
    assert (person["type"], person["name"], person["papers"]) == ("Person", "José García", 1)
    assert graph.nodes["person/ada-lovelace"]["papers"] == 3  # arXiv, PubMed book chapter, JSONL


def test_rdf_links_identifiers_and_orders_authors(mixed):
    turtle = Graph().parse(next(f for f in mixed.files if f.name == "graph.ttl"))
    paper = URIRef(ID + "paper/doi-10.1073_pnas.2105646118")
    assert (paper, SCHEMA.sameAs, URIRef("https://doi.org/10.1073/pnas.2105646118")) in turtle
    assert (paper, SCHEMA.sameAs, URIRef("https://pubmed.ncbi.nlm.nih.gov/34737231/")) in turtle
    assert (paper, DCTERMS.identifier, Literal("doi:10.1073/pnas.2105646118")) in turtle
    person = URIRef(ID + "person/martin-schrimpf")
    assert (person, RDF.type, KG.Person) in turtle and (person, RDF.type, SCHEMA.Person) in turtle
    assert (paper, KG.hasAuthor, person) in turtle
    first = URIRef(str(paper) + "/author/1")
    assert (first, KG.person, person) in turtle and (first, KG.order, Literal(1)) in turtle
    ontology = Graph().parse(Path(__file__).resolve().parents[1] / "ontology" / "kg.ttl")
    used = {p for p in turtle.predicates() if str(p).startswith(str(KG))} | {
        o for o in turtle.objects(None, RDF.type) if str(o).startswith(str(KG))}
    assert used <= set(ontology.subjects(RDF.type, None))


def test_page_links_each_identifier(mixed):
    payload = build_payload(mixed.graph)
    node = next(n for n in payload["nodes"] if n["id"] == "paper/arxiv-2310.01234")
    assert node["links"] == [
        {"text": "arxiv:2310.01234", "url": "https://arxiv.org/abs/2310.01234"},
        {"text": "s2:649def34f8be52c8b66281af98ae884c09aef38b",
         "url": "https://www.semanticscholar.org/paper/649def34f8be52c8b66281af98ae884c09aef38b"},
    ]


def test_kg_build_command_on_the_mixed_folder(mixed):
    out = mixed.files[0].parent  # reuse the fixture's extraction cache
    result = CliRunner().invoke(main, ["build", str(out.parent / "in"), "-o", str(out), "--no-html"])
    assert result.exit_code == 0, result.output
    assert "→ 14 papers" in result.output and "21 people" in result.output
    assert "library.bib:39: unreadable BibTeX entry" in result.output


def test_readme_query_for_people_working_on_eeg_and_spiking_networks(mixed):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Input formats"):]
    query = section[section.index("```sparql") + len("```sparql"):section.index("```", section.index("```sparql") + 9)]
    turtle = Graph().parse(next(f for f in mixed.files if f.name == "graph.ttl"))
    names = {str(row[0]) for row in turtle.query(query)}
    assert names == {"Ada Lovelace", "Alan Turing", "Jörg Müller", "José García", "Søren Østergaard"}
