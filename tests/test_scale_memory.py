"""What the scale work promises a user of the library: the assembled graph's evidence is compact
yet reads like the dicts it replaces, a build reads each extraction back from its cache row, the
RDF writer's mention fast path writes exactly what the generic path writes, a build leaves the
garbage collector as it found it, and a big build's own process never loads spaCy."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from kg.atomic import atomic_open_binary, background_writer
from kg.build import CACHE_NAME, build
from kg.build_state import BuildState, Packed
from kg.export.json_graph import read_json
from kg.export.rdf import MENTION_PREDICATES, write_ntriples, write_rdf, write_turtle
from kg.extract.cache import RowReader, index_cache, pipeline_fingerprint
from kg.extract.pipeline import extract_batch, row_json
from kg.extract.vocabulary import Vocabulary, default_ontology_dir
from kg.graph import assemble
from kg.graph.evidence import EVIDENCE_KEYS, Evidence, evidence_default
from kg.graph.shared_keys import SharedKeyDicts, sharing_pays
from kg.model import Extraction, Paper, StoredExtraction

ITEM = {"sentence": "We use EEG.", "section": "abstract", "start": 7, "end": 10, "text": "EEG", "extractor": "vocabulary",
        "confidence": 0.9}

PAPERS = [
    Paper("NeuroWidget: spiking models of cortex", "Here we introduce NeuroWidget, a spiking neural network (SNN). "
          "We show that NeuroWidget outperforms a CNN on CIFAR-10 and may explain EEG data.", source="a.jsonl", line=1),
    Paper("Transformers read fMRI", "We train a transformer on fMRI and EEG recordings. Our results suggest that "
          "the transformer outperforms an LSTM on the Natural Scenes Dataset.", source="a.jsonl", line=2),
]


def test_evidence_reads_like_the_dict_it_replaces():
    item = Evidence(**ITEM)
    assert item["sentence"] == "We use EEG." and item.get("start") == 7 and item.get("nope", 5) == 5
    assert dict(item) == ITEM and item == ITEM and ITEM == item and [item] == [ITEM]
    assert item != {**ITEM, "end": 11} and "text" in item and "nope" not in item
    with pytest.raises(KeyError):
        item["nope"]
    with pytest.raises(TypeError):
        hash(item)  # like a dict
    # the JSON a user or another tool sees is the dict's JSON, from orjson and from the json module
    assert orjson.dumps([item], option=orjson.OPT_SORT_KEYS) == orjson.dumps([ITEM], option=orjson.OPT_SORT_KEYS)
    assert json.dumps(item, default=evidence_default, sort_keys=True) == json.dumps(ITEM, sort_keys=True)
    assert tuple(item) == EVIDENCE_KEYS == tuple(sorted(ITEM))


def test_a_mapping_with_other_keys_stays_as_it_was():
    odd = {**ITEM, "note": "hand-edited"}
    assert Evidence.from_mapping(odd) is odd
    assert isinstance(Evidence.from_mapping(dict(ITEM)), Evidence)


def test_graph_json_gives_back_the_same_compact_evidence(nlp, tmp_path):
    graph = assemble(extract_batch(PAPERS, nlp), Vocabulary.load())
    evidence = [item for _, _, data in graph.edges(data=True) for item in data["evidence"]]
    assert evidence and all(type(item) is Evidence for item in evidence)
    from kg.export.json_graph import write_json

    again = read_json(write_json(graph, tmp_path / "graph.json"))
    assert sorted(again.edges(keys=True, data=True)) == sorted(graph.edges(keys=True, data=True))
    assert all(type(item) is Evidence for _, _, data in again.edges(data=True) for item in data["evidence"])


def test_assembly_from_stored_rows_gives_the_same_graph(nlp, tmp_path):
    extractions = extract_batch(PAPERS, nlp)
    rows = [row_json(e).encode() for e in extractions]
    stored = [StoredExtraction(e.paper, lambda i: orjson.loads(rows[i]), i) for i, e in enumerate(extractions)]
    assert [s.load_entities() for s in stored] == [e.entities for e in extractions]
    assert [s.load().to_dict() for s in stored] == [e.to_dict() for e in extractions]
    from kg.export.json_graph import write_json

    direct = write_json(assemble(extractions, Vocabulary.load()), tmp_path / "direct.json")
    lazy = write_json(assemble(stored, Vocabulary.load()), tmp_path / "lazy.json")
    assert direct.read_bytes() == lazy.read_bytes()


def test_shared_key_dicts_are_plain_dicts_that_keep_order_and_take_any_change():
    shared = SharedKeyDicts()
    made = [shared.make({"type": "usesMethod", "confidence": 0.9, "evidence": [n]}) for n in range(100)]
    assert all(type(d) is dict for d in made) and made[7] == {"type": "usesMethod", "confidence": 0.9, "evidence": [7]}
    other_order = shared.make({"confidence": 0.5, "type": "usesMethod", "evidence": []})
    assert list(other_order) == ["confidence", "type", "evidence"]  # each dict keeps its own order
    assert orjson.dumps(other_order) == b'{"confidence":0.5,"type":"usesMethod","evidence":[]}'
    made[3]["papers"] = ["paper/a"]  # a key the others lack: only this dict has it
    del made[4]["confidence"]
    assert made[3]["papers"] == ["paper/a"] and "papers" not in made[5] and "confidence" not in made[4]
    assert made[5] == {"type": "usesMethod", "confidence": 0.9, "evidence": [5]}
    assert shared.single(3, "x") == {3: "x"} and shared.make({1: 2, "a": 3}) == {1: 2, "a": 3}  # any keys


@pytest.mark.skipif(not sharing_pays(), reason="this interpreter has no smaller key-sharing dicts")
def test_assembled_and_reloaded_graphs_keep_their_edge_dicts_compact(nlp, tmp_path):
    """A big graph's edge dicts are a third of its memory: assembly, the snapshot a rebuild loads
    and graph.json read back all make them sharing their keys (half the size of ordinary dicts)."""
    from kg.export.json_graph import write_json
    from kg.graph import snapshot

    papers = [Paper(f"{paper.title}, part {n}", paper.abstract, source="a.jsonl", line=n)
              for n, paper in enumerate(PAPERS * 100, start=1)]
    graph = assemble(extract_batch(papers, nlp), Vocabulary.load())
    loaded, _ = snapshot.load(snapshot.save(tmp_path / "graph.snapshot", graph))
    again = read_json(write_json(graph, tmp_path / "graph.json"))
    for made in (graph, loaded, again):
        keyed = [keys for neighbours in made._succ.values() for keys in neighbours.values()]
        attributes = [data for keys in keyed for data in keys.values()]
        assert len(attributes) > 1000
        assert sum(map(sys.getsizeof, keyed)) < 0.6 * sum(sys.getsizeof(dict(keys)) for keys in keyed)
        assert sum(map(sys.getsizeof, attributes)) < 0.7 * sum(sys.getsizeof(dict(data)) for data in attributes)


def test_a_state_saved_from_packed_records_reads_back_as_the_records(tmp_path):
    """A build keeps what it read of every paper marshalled (Packed) until it saves its state: the
    state a rebuild reads is the same as if it had kept the objects."""
    first = {"a title": ("a.jsonl", 1, b"digest", {"doi": "10.1/x"}), "another": ("b.jsonl", 7, b"other", {})}
    contents = {"ab12", "cd34"}
    plain = BuildState("fingerprint", None, [], first, [], contents, (1, 2)).save(tmp_path / "plain.state")
    packed = BuildState("fingerprint", None, [], Packed.of(first), [], Packed.of(sorted(contents)), (1, 2))
    again = BuildState.load(packed.save(tmp_path / "packed.state"))
    assert again == BuildState.load(plain) and again.first_read == first and again.contents == contents


def _corpus(path: Path, count: int) -> Path:
    path.write_text("".join(json.dumps({"title": f"Widget paper {n}", "abstract": f"We train NeuroWidget{n}, a transformer, "
                                        "on EEG data. Our results show that it outperforms a CNN on CIFAR-10."}) + "\n"
                            for n in range(count)), encoding="utf-8")
    return path


def test_cache_spans_point_at_rows_and_a_row_damaged_later_is_named(tmp_path):
    source = _corpus(tmp_path / "a.jsonl", 4)
    out = tmp_path / "out"
    build([source], out, html=False, formats=["json"])
    more = tmp_path / "b.jsonl"
    more.write_text(json.dumps({"title": "Another widget", "abstract": "We record MEG from NeuroWidget users."}) + "\n",
                    encoding="utf-8")
    again = build([source, more], out, html=False, formats=["json"])  # appends one row to the cache
    assert (again.extracted, again.cached) == (1, 4)
    cache = out / CACHE_NAME
    lines = cache.read_bytes().splitlines(keepends=True)
    wanted = {orjson.loads(line)["hash"] for line in lines[1:]}
    spans, records = index_cache(cache, pipeline_fingerprint(default_ontology_dir()), wanted)
    assert records == 5 and set(spans) == wanted
    with RowReader(cache) as read:
        for digest, span in spans.items():
            line = lines[span.line - 1]
            assert orjson.loads(line)["hash"] == digest and read(span) == orjson.loads(line)["row"]
    # a cache changed behind the build's back between indexing and reading: the message names the line
    span = next(iter(spans.values()))
    data = bytearray(cache.read_bytes())
    data[span.offset:span.offset + 3] = b"@@@"
    cache.write_bytes(bytes(data))
    with RowReader(cache) as read, pytest.raises(ValueError, match=rf"{CACHE_NAME}:{span.line}: damaged extraction row"):
        read(span)


def test_a_build_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    assert gc.isenabled()
    build([_corpus(tmp_path / "a.jsonl", 3)], tmp_path / "out", html=False, formats=["json"])
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        build([_corpus(tmp_path / "a.jsonl", 3)], tmp_path / "out", html=False, formats=["json"])
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()


def test_mention_predicates_are_in_the_order_sorted_lines_need():
    assert list(MENTION_PREDICATES) == sorted(set(MENTION_PREDICATES))


def test_the_mention_fast_path_writes_what_the_generic_writers_write(nlp, tmp_path):
    """write_rdf fills kg:Mention blocks into templates; write_ntriples/write_turtle take the
    generic path (pairs sorted and joined one by one). Same bytes, also where two mentions share a
    subject and must merge into one block, and where IRIs are prefixes of each other."""
    graph = assemble(extract_batch(PAPERS, nlp), Vocabulary.load())
    paper, entity, key = next((u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if d["evidence"] and k != "hasClaim")
    data = graph.edges[paper, entity, key]
    first = data["evidence"][0]
    twin = Evidence(**{**dict(first), "text": first.text + " (again)", "sentence": "Another sentence."})
    data["evidence"] = [first, twin, *data["evidence"][1:]]  # same mention IRI, different statements
    import networkx as nx

    papers = sorted(n for n, d in graph.nodes(data=True) if d["type"] == "Paper")
    graph = nx.relabel_nodes(graph, dict(zip(papers, ["paper/x", "paper/x-2"])), copy=True)
    ttl, nt = write_rdf(graph, tmp_path / "fast.nt", tmp_path / "fast.ttl")
    assert nt.read_bytes() == write_ntriples(graph, tmp_path / "slow.nt").read_bytes()
    assert ttl.read_bytes() == write_turtle(graph, tmp_path / "slow.ttl").read_bytes()
    assert nt.read_text(encoding="utf-8").count("(again)") == 1


class _Broken:
    def write(self, chunk: bytes) -> int:
        raise OSError(28, "No space left on device")


def test_a_failed_background_write_is_raised_and_leaves_no_file(tmp_path):
    with pytest.raises(OSError, match="No space left"), background_writer(_Broken()) as writer:  # type: ignore[arg-type]
        for _ in range(100):
            writer.write(b"x" * 1000)
    target = tmp_path / "out.nt"
    with pytest.raises(OSError, match="No space left"), atomic_open_binary(target), background_writer(_Broken()) as writer:  # type: ignore[arg-type]
        writer.write(b"data")
    assert list(tmp_path.iterdir()) == []  # neither the file nor its temporary copy


def test_a_comparison_many_papers_state_keeps_each_distinct_sentence_once():
    from kg.model import Entity, Relation

    def paper(n: int, sentence: str) -> Extraction:
        entities = [Entity("Method", "method:widget", "Widget"), Entity("Method", "method:cnn", "CNN")]
        relation = Relation("method:widget", "outperforms", "method:cnn", sentence, extractor="pattern:comparative",
                            start=0, end=len(sentence))
        return Extraction(Paper(f"Widget study {n}", sentence, source="c.jsonl", line=n), entities, [], [], [relation])

    same, other = "Widget outperforms a CNN.", "Widget beats a CNN on CIFAR-10."
    graph = assemble([paper(1, same), paper(2, same), paper(3, other), paper(4, same)])
    data = graph.edges["method:widget", "method:cnn", "outperforms"]
    assert [item["sentence"] for item in data["evidence"]] == [same, other]
    assert len(data["papers"]) == 4


def test_a_big_build_never_loads_spacy_rdflib_or_pyvis_itself(tmp_path, corpus_dir):
    """A build of 5,000 papers or more extracts in worker processes: its own process, which goes on
    to hold the graph, has neither the pipeline nor spaCy's modules (~55 MB) in its memory; nor
    rdflib's, which the RDF writers do not use, nor pyvis's, whose copy of vis-network the page
    reads from its folder."""
    script = (
        "import sys, kg.build as b\n"
        "from pathlib import Path\n"
        "b.ISOLATE_FROM = 0  # as if the corpus were big\n"
        f"result = b.build([Path({str(corpus_dir)!r})], Path({str(tmp_path)!r}), formats=['json', 'ntriples', 'turtle', 'html'])\n"
        "print(result.extracted, 'spacy' in sys.modules, 'kg.extract.pipeline' in sys.modules, 'rdflib' in sys.modules,"
        " 'pyvis' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    extracted, spacy_loaded, pipeline_loaded, rdflib_loaded, pyvis_loaded = done.stdout.split()
    assert int(extracted) > 150 and spacy_loaded == "False" and pipeline_loaded == "False"
    assert rdflib_loaded == "False" and pyvis_loaded == "False"
    assert all((tmp_path / name).stat().st_size > 0 for name in ("graph.nt", "graph.ttl", "graph.html"))
    assert "vis-network" in (tmp_path / "graph.html").read_text(encoding="utf-8")
    assert (tmp_path / "graph.json").stat().st_size > 100_000
