"""Property-based tests (hypothesis): arbitrary bytes into every reader, arbitrary text through
reader → extract → assemble → every exporter, and arbitrary attribute text straight into every
exporter; every output must parse. Examples per test are
set below; the profile in conftest.py fixes the seed in CI (HYPOTHESIS_PROFILE=deep runs 10x more)."""

from __future__ import annotations

import csv
import functools
import io
import json
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

import networkx as nx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from robust_inputs import WRITERS

from kg.export.attributes import xml_safe
from kg.export.html import render_html
from kg.export.registry import EXPORTERS
from kg.extract.pipeline import extract
from kg.extract.vocabulary import Vocabulary, default_ontology_dir
from kg.graph.assemble import assemble
from kg.ingest import READERS, ReadLog, read_papers
from kg.ingest.base import clean_text

SCALE = settings.default.max_examples // 100  # 1 in CI ("ci" profile: 100), 10 with HYPOTHESIS_PROFILE=deep
#: words the extractors act on, and text that breaks writers: markup, quotes, escapes, controls, scripts
FRAGMENTS = ["EEG", "fMRI", "transformer", "sparse autoencoder", "ImageNet", "CIFAR-10", "Sparse Neural Network (SNN)",
             "We propose", "outperforms", "on", "may suggest", "Our results show that", ".", ",", "(", ")",
             "<script>alert(1)</script>", "]]>", "-->", "&amp;", "&#0;", '"', "'", '"""', "\\", "\\u0000", "{", "}",
             "$\\alpha$", "%", "#", "@article{", "\n", "\r\n", "\t", "\x00", "\x1b", "\x7f", "\u0085", "\u2028",
             "\u202e", "\ufeff", "\ufffe", "🧠", "👩‍🔬", "العربية", "中文", "_:b0", "<http://x>", "^^", "@en", ";"]
text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(st.characters(codec="utf-8"), max_size=8)),
                max_size=14).map(" ".join)
records = st.lists(st.tuples(text, text), min_size=1, max_size=4)


@pytest.mark.parametrize("fmt", sorted(READERS))
@settings(max_examples=200 * SCALE, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=600), text.map(str.encode), records.map(lambda r: r)))
def test_readers_never_raise_and_account_for_every_warning(fmt, data, tmp_path):
    if isinstance(data, list):  # well-formed records, in this reader's own format
        data = WRITERS[fmt][1](data).encode("utf-8")
    path = tmp_path / f"input{WRITERS[fmt][0][-5:]}"
    path.write_bytes(data)
    log = ReadLog()
    papers = list(read_papers([path], log, fmt))
    assert log.read == len(papers)
    assert all(w.source == str(path) and w.line >= 0 and w.message for w in log.warnings)
    for paper in papers:
        assert paper.title and paper.abstract and paper.title == clean_text(paper.title)


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "arxiv", "openalex", "semantic-scholar"])
@settings(max_examples=100 * SCALE, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=records)
def test_formats_that_quote_keep_any_title_and_skip_only_empty_records(fmt, batch, tmp_path):
    path = tmp_path / WRITERS[fmt][0]
    path.write_text(WRITERS[fmt][1](batch), encoding="utf-8")
    log = ReadLog()
    papers = list(read_papers([path], log, fmt))
    written = [(xml_safe(t), xml_safe(a)) for t, a in batch] if fmt == "arxiv" else batch  # what XML can hold
    kept = [(clean_text(t), clean_text(a)) for t, a in written]
    blank = sum(1 for t, a in batch if fmt == "csv" and not t.strip() and not a.strip())  # an empty row is no record
    kept = [(t, a) for t, a in kept if t and a]
    if any("binary" in w.message for w in log.warnings):  # mostly NUL bytes: refused whole, and said so
        assert papers == [] and len(log.warnings) == 1
        return
    assert [(p.title, p.abstract) for p in papers] == kept
    assert log.skipped == len(batch) - len(kept) - blank


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[tuple[str, tuple[str, ...]]] = set()
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        self.tags.add((tag, tuple(sorted(name for name, _ in attrs))))
        self.scripts += tag == "script"


@functools.cache
def template_markup() -> frozenset[tuple[str, tuple[str, ...]]]:
    """Every element (with its attribute names) the page template itself writes, empty graph or not."""
    graph = nx.MultiDiGraph()
    parser = _Markup()
    parser.feed(render_html(graph))
    graph.add_node("paper/p", type="Paper", label="P", title="P", abstract="A")
    graph.add_node("method/m", type="Method", label="M")
    graph.add_edge("paper/p", "method/m", key="usesMethod", type="usesMethod", confidence=1.0)
    parser.feed(render_html(graph))
    graph.nodes["paper/p"].update(date="2024-05-01", year=2024)  # dated papers: the year filter shows
    parser.feed(render_html(graph))
    return frozenset(parser.tags)


@functools.cache
def vocabulary() -> Vocabulary:
    return Vocabulary.load(default_ontology_dir())


def _check(name: str, path: Path) -> None:
    """The file parses as what its name says."""
    data = path.read_bytes()
    body = data.decode("utf-8")
    if name.endswith((".json", ".cyjs")):
        json.loads(body)
    elif name.endswith(".jsonld"):
        Graph().parse(data=body, format="json-ld")
    elif name.endswith(".ttl"):
        Graph().parse(data=body, format="turtle")
    elif name.endswith(".nt"):
        Graph().parse(data=body, format="nt")
    elif name.endswith((".graphml", ".gexf")):
        ET.fromstring(data)
    elif name.endswith(".csv"):
        rows = list(csv.reader(io.StringIO(body, newline="")))
        assert len({len(row) for row in rows}) == 1  # every row as wide as the header
    elif name.endswith(".html"):
        parser = _Markup()
        parser.feed(body)
        assert parser.tags <= template_markup() and parser.scripts <= 4  # no element came from the input
    elif name.endswith(".cypher"):
        assert all(line.endswith(";") for line in body.split("\n") if line and not line.startswith("//"))


@settings(max_examples=400 * SCALE, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(fmt=st.sampled_from(["jsonl", "csv", "bibtex", "daily-papers", "pubmed"]), batch=records)
def test_any_text_through_the_whole_pipeline_gives_outputs_that_parse(fmt, batch, nlp):
    with tempfile.TemporaryDirectory() as folder, mock.patch("os.fsync"):  # durability is not under test here
        source = Path(folder) / WRITERS[fmt][0]
        source.write_text(WRITERS[fmt][1](batch), encoding="utf-8")
        papers = list(read_papers([source], ReadLog(), fmt))
        graph = assemble(extract(papers, nlp=nlp), vocabulary())
        event(f"{fmt}: {'papers read' if papers else 'no paper read'}")  # pytest --hypothesis-show-statistics
        for exporter in EXPORTERS.values():
            for written in exporter.write(graph, exporter.default_path(Path(folder) / "out")):
                _check(written.name, written)


def _graph(texts: list[str]) -> nx.MultiDiGraph:
    """A small graph following kg/graph/__init__.py with ``texts`` in every free-text attribute
    (as a library user may build one: no reader has cleaned the text)."""
    a, b, c, d = (texts * 4)[:4]
    evidence = [{"sentence": c, "section": "abstract", "start": 0, "end": len(c), "text": d, "extractor": "vocabulary",
                 "confidence": 0.9}]
    graph = nx.MultiDiGraph()
    graph.add_node("paper/p1", type="Paper", label=a, title=a, abstract=b, date="2024-05-13", year=2024, url="",
                   identifier="", authors=[c, d], author_count=2, sources=[f"{d}:1"])
    graph.add_node("method/m1", type="Method", label=b, aliases=[b, c], vocab="", broader=[], papers=1)
    graph.add_node("claim/p1/1", type="Claim", label=c[:30], text=c, paper="paper/p1", hedged=True, hedges=[d],
                   section="abstract", start=0, end=len(c), confidence=0.75)
    for source, target, key in (("paper/p1", "method/m1", "usesMethod"), ("paper/p1", "claim/p1/1", "hasClaim"),
                                ("claim/p1/1", "method/m1", "about")):
        graph.add_edge(source, target, key=key, type=key, confidence=0.9, extractor="pattern:x", evidence=evidence)
    return graph


raw_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS + ["\u2029", "\x0b", "\x0c", "\x1c", "\r", "\x85"]),
                              st.text(st.characters(codec="utf-8"), max_size=8)), max_size=10).map("".join)


@settings(max_examples=100 * SCALE, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(raw_text, min_size=1, max_size=4))
def test_every_exporter_writes_parseable_output_for_any_attribute_text(texts):
    with tempfile.TemporaryDirectory() as folder, mock.patch("os.fsync"):
        graph = _graph(texts)
        for exporter in EXPORTERS.values():
            for written in exporter.write(graph, exporter.default_path(Path(folder))):
                _check(written.name, written)
        if shutil.which("serdi"):  # a second, independent RDF parser (installed by .ci/run)
            for name, syntax in (("graph.ttl", "turtle"), ("graph.nt", "ntriples")):
                run = subprocess.run(["serdi", "-i", syntax, "-o", "ntriples", str(Path(folder) / name)], capture_output=True)
                assert run.returncode == 0, run.stderr
