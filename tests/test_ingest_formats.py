"""Bibliographic readers (BibTeX, arXiv Atom, PubMed XML, OpenAlex, Semantic Scholar): every field a
user relies on comes through, and each broken record is reported with file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.ingest import ReadLog, format_for, read_papers
from kg.ingest.openalex import rebuild_abstract


def read(path: Path, fmt: str | None = None):
    log = ReadLog()
    return list(read_papers([path], log, fmt)), log


@pytest.fixture(scope="module")
def formats(data_dir) -> Path:
    return data_dir / "formats"


def warnings_by_line(log: ReadLog) -> dict[int, str]:
    return {w.line: w.message for w in log.warnings}


# ---------------------------------------------------------------- BibTeX

def test_bibtex_fields_names_and_latex_are_decoded(formats):
    papers, log = read(formats / "library.bib")
    by_key = {p.id: p for p in papers}
    assert list(by_key) == ["schrimpf2021neural", "muller2023spiking", "wang2024decoding"]
    language = by_key["schrimpf2021neural"]
    assert language.title.startswith("The neural architecture of language: Integrative modeling")
    assert "nearly 100% of the explainable variance" in language.abstract  # \% decoded, lines joined
    assert language.authors[:2] == ("Martin Schrimpf", "Idan Asher Blank") and language.author_count == 8
    assert language.identifiers == {"doi": "10.1073/pnas.2105646118"}
    assert language.venue == "Proceedings of the National Academy of Sciences"
    assert (language.year, language.date) == (2021, None)  # month without day: no full date
    assert language.keywords == ("language", "fMRI", "artificial neural networks")
    assert language.line == 4

    spiking = by_key["muller2023spiking"]
    assert spiking.title == "Spiking Transformers for EEG Decoding with Naïve Priors"
    assert spiking.authors == ("Jörg Müller", "José García", "Søren Østergaard")
    assert "78.2% accuracy & uses 5× less energy" in spiking.abstract
    assert "network — a step towards low-power brain–computer interfaces" in spiking.abstract
    assert spiking.identifiers == {"arxiv": "2310.01234"}  # eprint + archivePrefix
    assert spiking.venue == "Advances in Neural Information Processing Systems"  # @string macro resolved
    assert spiking.categories == ("cs.NE",)

    meg = by_key["wang2024decoding"]
    assert meg.identifiers == {"doi": "10.1016/j.neuroimage.2024.120001", "pmid": "38400001"}  # DOI from url
    assert (meg.date, meg.year) == ("2024-03-15", 2024)
    assert meg.authors == ("Li Wang", "DeepMind Neuro Team")  # braced corporate author stays whole


def test_bibtex_broken_entries_are_reported_with_their_line(formats):
    _, log = read(formats / "library.bib")
    messages = warnings_by_line(log)
    assert set(messages) == {33, 39}
    assert "noabstract2022" in messages[33] and "abstract" in messages[33]
    assert "unreadable BibTeX entry" in messages[39] and "closing `}`" in messages[39]
    assert all(w.source.endswith("library.bib") for w in log.warnings)
    assert (log.read, log.skipped) == (3, 2)


def test_bibtex_urls_and_identifiers_are_not_read_as_latex(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text("@article{k,\n title = {T}, abstract = {A.},\n doi = {10.1162/neco_a_01650},\n"
                    " url = {https://example.org/~lab/a_b?q=1%20x}, eprint = {2401.05678}\n}\n", encoding="utf-8")
    [paper], _ = read(path)
    assert paper.identifiers == {"doi": "10.1162/neco_a_01650", "arxiv": "2401.05678"}
    assert paper.url == "https://example.org/~lab/a_b?q=1%20x"


# ---------------------------------------------------------------- arXiv Atom

def test_arxiv_atom_entries(formats):
    papers, log = read(formats / "arxiv_query.atom")
    assert [p.id for p in papers] == ["2310.01234", "2401.05678"]  # version suffix dropped
    spiking, coding = papers
    assert spiking.title == "Spiking Transformers for EEG Decoding with Naive Priors"  # wrapped title joined
    assert spiking.abstract.startswith("We introduce a spiking transformer") and "\n" not in spiking.abstract
    assert spiking.authors == ("Jörg Müller", "José García", "Søren Østergaard")
    assert (spiking.date, spiking.year) == ("2023-10-02", 2023)  # <published>, not <updated>
    assert spiking.categories == ("cs.NE", "q-bio.NC")  # primary first, no repeat
    assert spiking.url == "https://arxiv.org/abs/2310.01234"
    assert spiking.venue is None and spiking.line == 10  # so a merged node takes the journal's venue
    assert coding.identifiers == {"doi": "10.1162/neco_a_01650", "arxiv": "2401.05678"}
    assert coding.venue == "Neural Computation 36 (2024) 1-20"
    assert [(w.line, "no abstract" in w.message) for w in log.warnings] == [(53, True)]


def test_arxiv_api_error_entry_is_reported(tmp_path):
    path = tmp_path / "error.atom"
    path.write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom">\n<entry>\n<id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id>\n'
        "<title>Error</title>\n<summary>incorrect id format for 1234</summary>\n</entry>\n</feed>\n",
        encoding="utf-8",
    )
    papers, log = read(path)
    assert papers == []
    assert log.warnings[0].line == 2 and "incorrect id format" in log.warnings[0].message


# ---------------------------------------------------------------- PubMed

def test_pubmed_articles(formats):
    papers, log = read(formats / "pubmed_result.xml")
    assert [p.id for p in papers] == ["38400001", "37100002", "20301001"]
    meg, hebbian, chapter = papers
    assert meg.title == "Decoding visual stimuli from MEG with contrastive learning"  # PubMed's final "." dropped
    assert meg.abstract == (
        "BACKGROUND: Decoding what a person sees from magnetoencephalography (MEG) remains hard. "
        "METHODS: We train a contrastive encoder on the THINGS-MEG dataset with in vivo recordings from 4 participants. "
        "RESULTS: Top-5 accuracy improves over linear decoders (p<0.001)."
    )
    assert meg.authors == ("Li Wang", "DeepMind Neuro Team")
    assert meg.venue == "NeuroImage"
    assert (meg.date, meg.year) == ("2024-03-15", 2024)
    assert meg.identifiers == {"doi": "10.1016/j.neuroimage.2024.120001", "pmid": "38400001"}
    assert meg.mesh == ("Magnetoencephalography", "Humans", "Neural Networks, Computer")
    assert meg.keywords == ("MEG", "contrastive learning")
    assert meg.url == "https://pubmed.ncbi.nlm.nih.gov/38400001/" and meg.line == 4
    assert (hebbian.date, hebbian.year) == (None, 2023)  # <MedlineDate>2023 Jan-Feb</MedlineDate>
    assert hebbian.identifiers == {"pmid": "37100002", "pmcid": "PMC9900002"}
    assert hebbian.authors == ("Alan M Turing",)
    assert (chapter.title, chapter.venue, chapter.year) == ("Brain-Computer Interfaces Based on EEG",
                                                             "Frontiers in Neuroengineering", 2011)  # PubmedBookArticle
    assert [(w.line, "39000003" in w.message and "abstract" in w.message) for w in log.warnings] == [(78, True)]


def test_malformed_xml_keeps_the_records_before_the_error(formats, tmp_path):
    text = (formats / "pubmed_result.xml").read_text(encoding="utf-8")
    cut = text.index("<PubmedArticle>", text.index("</PubmedArticle>"))
    path = tmp_path / "truncated.xml"
    path.write_text(text[:cut] + "<PubmedArticle><MedlineCitation>\n<PMID>1</PMID>\n</Oops>\n", encoding="utf-8")
    papers, log = read(path)
    assert [p.id for p in papers] == ["38400001"]
    assert len(log.warnings) == 1 and "not well-formed" in log.warnings[0].message
    assert log.warnings[0].line == text[:cut].count("\n") + 3


def test_xml_entity_expansion_is_refused(tmp_path):
    path = tmp_path / "bomb.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY a "aaaaaaaaaa">]>\n'
                    "<PubmedArticleSet><PubmedArticle>&a;</PubmedArticle></PubmedArticleSet>\n", encoding="utf-8")
    papers, log = read(path)
    assert papers == [] and "unsafe XML" in log.warnings[0].message


# ---------------------------------------------------------------- OpenAlex

def test_openalex_abstract_is_rebuilt_from_the_inverted_index():
    assert rebuild_abstract({"Deep": [0], "nets": [1, 3], "and": [2]}) == "Deep nets and nets"
    with pytest.raises(ValueError, match="positions"):
        rebuild_abstract({"Deep": "0"})


def test_openalex_api_page(formats):
    papers, log = read(formats / "openalex_works.json")
    assert [p.id for p in papers] == ["W3211600001", "W4366000002"]
    language, hebbian = papers
    assert language.abstract.startswith("The neuroscience of perception uses an integrative modeling approach. The transformer")
    assert language.identifiers == {"doi": "10.1073/pnas.2105646118", "pmid": "34737231", "pmcid": "PMC8694052",
                                    "openalex": "W3211600001"}
    assert language.authors == ("Martin Schrimpf", "Idan Asher Blank", "Evelina Fedorenko")
    assert language.venue == "Proceedings of the National Academy of Sciences"
    assert (language.date, language.year) == ("2021-11-04", 2021)
    assert language.keywords == ("Language model",)
    assert language.line == 4
    assert hebbian.identifiers["arxiv"] == "2301.00777"  # from the arXiv location's landing page
    messages = warnings_by_line(log)
    assert "W4400000003 has no abstract" in messages[46]
    assert "W4400000004" in messages[54] and "positions of 'Broken'" in messages[54]
    assert (log.read, log.skipped) == (2, 2)


def test_openalex_single_work_and_jsonl_snapshot(formats, tmp_path):
    works = json.loads((formats / "openalex_works.json").read_text(encoding="utf-8"))["results"]
    single = tmp_path / "W3211600001.json"
    single.write_text(json.dumps(works[0]), encoding="utf-8")
    assert [p.id for p in read(single)[0]] == ["W3211600001"]
    snapshot = tmp_path / "works.jsonl"
    snapshot.write_text("\n".join(json.dumps(w) for w in works[:2]) + "\n{broken\n", encoding="utf-8")
    papers, log = read(snapshot)
    assert [p.id for p in papers] == ["W3211600001", "W4366000002"]
    assert log.warnings[0].line == 3 and "invalid JSON" in log.warnings[0].message


# ---------------------------------------------------------------- Semantic Scholar

def test_semantic_scholar_search_page(formats):
    papers, log = read(formats / "s2_search.json")
    spiking, coding = papers
    assert spiking.identifiers == {"arxiv": "2310.01234", "s2": "649def34f8be52c8b66281af98ae884c09aef38b"}
    assert spiking.authors == ("Jörg Müller", "José García", "Søren Østergaard")
    assert (spiking.date, spiking.year, spiking.venue) == ("2023-10-02", 2023, "Neural Information Processing Systems")
    assert spiking.categories == ("Computer Science", "Biology")
    assert (coding.date, coding.year, coding.venue) == (None, 2024, None)
    assert [(w.line, "has no abstract" in w.message) for w in log.warnings] == [(29, True)]


def test_semantic_scholar_single_paper_and_citation_wrappers(formats, tmp_path):
    paper = json.loads((formats / "s2_search.json").read_text(encoding="utf-8"))["data"][0]
    single = tmp_path / "paper.json"
    single.write_text(json.dumps(paper), encoding="utf-8")
    assert [p.identifiers["arxiv"] for p in read(single)[0]] == ["2310.01234"]
    citations = tmp_path / "citations.json"
    citations.write_text(json.dumps({"offset": 0, "data": [{"citingPaper": paper}, {"citingPaper": None}]}), encoding="utf-8")
    papers, log = read(citations)
    assert [p.title for p in papers] == [paper["title"]] and "no title or abstract" in log.warnings[0].message


# ---------------------------------------------------------------- choosing the reader

def test_formats_are_recognised_by_extension_and_content(formats, data_dir):
    assert {path.name: format_for(path) for path in sorted(formats.iterdir())} == {
        "arxiv_query.atom": "arxiv",
        "library.bib": "bibtex",
        "openalex_works.json": "openalex",
        "pubmed_result.xml": "pubmed",
        "s2_search.json": "semantic-scholar",
    }
    assert format_for(data_dir / "papers.json") == "json" and format_for(data_dir / "papers.jsonl") == "jsonl"


def test_pubmed_xml_saved_as_txt_needs_format_and_unknown_xml_is_named(formats, tmp_path):
    saved = tmp_path / "pubmed.txt"
    saved.write_bytes((formats / "pubmed_result.xml").read_bytes())
    assert [p.id for p in read(saved, "pubmed")[0]] == ["38400001", "37100002", "20301001"]
    other = tmp_path / "rss.xml"
    other.write_text("<?xml version='1.0'?>\n<!-- feed -->\n<rss><channel/></rss>\n", encoding="utf-8")
    papers, log = read(other)
    assert papers == [] and "XML root element 'rss'" in log.warnings[0].message
