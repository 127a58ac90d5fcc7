"""Incremental builds: a rebuild re-extracts only new abstracts, appends them to the cache, and
gives the same files as a build from scratch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.build import CACHE_NAME, SNAPSHOT_NAME, STATE_NAME, build
from kg.build_state import program_fingerprint
from kg.extract.vocabulary import default_ontology_dir

ABSTRACT = ("We introduce NeuroWidget{n}, a spiking neural network trained on CIFAR-10. "
            "Our results show that NeuroWidget{n} outperforms a CNN on EEG data.")


def _corpus(path: Path, numbers: range) -> Path:
    path.write_text("".join(json.dumps({"title": f"Widget paper {n}", "abstract": ABSTRACT.format(n=n)}) + "\n"
                            for n in numbers), encoding="utf-8")
    return path


def _outputs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in ("graph.json", "graph.nt", "graph.ttl")}


def test_a_new_file_is_the_only_thing_extracted_and_the_cache_grows_by_it(tmp_path):
    first = _corpus(tmp_path / "a.jsonl", range(12))
    out = tmp_path / "out"
    build([first], out, html=False)
    before = (out / CACHE_NAME).read_text(encoding="utf-8").splitlines()

    second = _corpus(tmp_path / "b.jsonl", range(12, 15))
    again = build([first, second], out, html=False)
    assert (again.extracted, again.cached) == (3, 12)
    after = (out / CACHE_NAME).read_text(encoding="utf-8").splitlines()
    assert after[: len(before)] == before and len(after) == len(before) + 3  # appended, not rewritten

    build([first, second], tmp_path / "scratch", html=False, use_cache=False)
    assert _outputs(out) == _outputs(tmp_path / "scratch")  # reused extractions give the same graph


def test_a_damaged_cache_line_costs_one_re_extraction(tmp_path):
    source = _corpus(tmp_path / "a.jsonl", range(5))
    out = tmp_path / "out"
    build([source], out, html=False)
    lines = (out / CACHE_NAME).read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2][: len(lines[2]) // 2] + "\n"  # one record cut short
    (out / CACHE_NAME).write_text("".join(lines), encoding="utf-8")
    (out / SNAPSHOT_NAME).unlink()  # no previous graph to add to: every paper comes from the cache
    (out / "graph.json").unlink()  # and a file to write again (else there would be nothing to do)
    again = build([source], out, html=False)
    assert again.rebuilt and (again.extracted, again.cached) == (1, 4)
    def whole(line: str) -> bool:
        try:
            return bool(json.loads(line)["row"])
        except ValueError:
            return False

    records = (out / CACHE_NAME).read_text(encoding="utf-8").splitlines()[1:]
    assert sum(map(whole, records)) == 5 and len(records) == 6  # the damaged line stays, its paper's row is appended


def test_a_mostly_stale_cache_is_rewritten_with_only_the_papers_in_use(tmp_path):
    out = tmp_path / "out"
    build([_corpus(tmp_path / "old.jsonl", range(1100))], out, html=False, formats=["json"])
    kept = build([_corpus(tmp_path / "new.jsonl", range(1095, 1105))], out, html=False, formats=["json"])
    assert (kept.extracted, kept.cached) == (5, 5)
    assert len((out / CACHE_NAME).read_text(encoding="utf-8").splitlines()) == 1 + 10


# -- adding to the previous build's graph ------------------------------------------------------

OUTPUTS = ("graph.json", "graph.nt", "graph.ttl", "graph.html")


def _all_outputs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in OUTPUTS}


def _days(corpus_dir: Path, tmp_path: Path, count: int) -> list[Path]:
    """The first ``count`` daily pages of the sample corpus (later days repeat some earlier papers)."""
    pages = sorted(corpus_dir.glob("daily-papers-*.txt"))[:count]
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for page in pages:
        (folder / page.name).write_bytes(page.read_bytes())
    return [folder / page.name for page in pages]


def test_a_new_day_is_added_to_the_graph_and_every_output_equals_a_build_from_scratch(tmp_path, corpus_dir):
    days = _days(corpus_dir, tmp_path, 4)
    out = tmp_path / "out"
    first = build(days[:2], out)
    assert not first.incremental
    third = build(days[:3], out)  # a new day, with papers the first days already listed
    assert third.incremental and third.extracted < 80 and third.stats.duplicate_papers > 0
    assert _all_outputs(out) == _all_outputs(_scratch(days[:3], tmp_path / "scratch3"))
    fourth = build(days, out)  # added to the graph of the last build (its snapshot plus the journal)
    assert fourth.incremental
    scratch = _scratch(days, tmp_path / "scratch4")
    assert _all_outputs(out) == _all_outputs(scratch)
    written = _written(out)
    again = build(days, out)  # nothing new: nothing to write
    assert again.up_to_date and not again.incremental and again.extracted == 0 and list(again.timings) == ["ingest"]
    assert _written(out) == written and _all_outputs(out) == _all_outputs(scratch)
    assert (again.counts(), again.edges, again.stats) == (fourth.counts(), fourth.edges, fourth.stats)
    assert sorted(again.graph.nodes(data=True)) == sorted(fourth.graph.nodes(data=True))  # read from its graph.json
    assert sorted(again.graph.edges(keys=True, data=True)) == sorted(fourth.graph.edges(keys=True, data=True))
    assert [str(w) for w in again.log.warnings] == [str(w) for w in build(days, tmp_path / "s", use_cache=False).log.warnings]


def _written(folder: Path) -> dict[str, int]:
    """When each file of the output folder was last written (ns); not the lock (kg.output_lock)."""
    return {path.name: path.stat().st_mtime_ns for path in folder.iterdir() if not path.name.startswith(".")}


def _changed(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def test_a_rebuild_with_nothing_new_writes_nothing_unless_a_file_or_an_option_changed(tmp_path, corpus_dir):
    days = _days(corpus_dir, tmp_path, 2)
    out = tmp_path / "out"
    build(days, out, formats=["json", "turtle", "ntriples", "html", "csv"])
    assert build(days, out, formats=["json", "turtle", "ntriples", "html", "csv"]).up_to_date
    scratch = _scratch(days, tmp_path / "scratch")
    written = _written(out)
    (out / "graph.html").unlink()  # a file gone: written again, the others kept as they are
    redo = build(days, out)
    assert redo.incremental and not redo.up_to_date and _all_outputs(out) == _all_outputs(scratch)
    assert _changed(written, _written(out)) == {"graph.html", "build.state"}
    assert build(days, out).up_to_date
    with (out / "graph.ttl").open("ab") as turtle:  # a file someone added to
        turtle.write(b"# mine\n")
    assert not build(days, out).up_to_date and _all_outputs(out) == _all_outputs(scratch)
    written = _written(out)
    other_view = build(days, out, view="entities")  # another option: the page shows another view
    assert not other_view.up_to_date and (out / "graph.html").read_bytes() != (scratch / "graph.html").read_bytes()
    assert _changed(written, _written(out)) == {"graph.html", "build.state"}
    assert build(days, out, view="entities").up_to_date
    assert not build(days, out, html=False).up_to_date  # other formats
    (out / "graph.html").unlink()  # gone, and the last build did not write it: written again
    assert not build(days, out).up_to_date and _all_outputs(out) == _all_outputs(scratch)
    (out / "graph.snapshot").unlink()  # only a rebuild that adds to the graph needs it
    assert build(days, out).up_to_date
    result = build(days, out, view="papers")  # a page to write, the graph to write it from gone: built again from the cache
    assert "graph.snapshot" in result.rebuilt and not result.up_to_date and result.extracted == 0


def test_inputs_given_in_another_order_are_read_in_that_order(tmp_path):
    """Which record of a paper is read first decides what its warnings say: inputs given in another
    order are read again in that order, never taken for the previous build's."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for path, abstract in ((first, "We train a spiking neural network on CIFAR-10."), (second, "We record EEG in 20 people.")):
        path.write_text(json.dumps({"title": "One paper", "abstract": abstract}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    build([first, second], out, html=False)
    result = build([second, first], out, html=False)
    assert not result.incremental and not result.up_to_date and "another order" in result.rebuilt
    (warning,) = result.log.warnings
    assert (warning.source, warning.message) == (str(first), f"same title as {second}:1 but a different abstract; merged into one paper")
    assert result.extracted == 0


def test_another_version_of_the_program_or_ontology_builds_in_full(tmp_path, monkeypatch):
    source = _corpus(tmp_path / "a.jsonl", range(6))
    out = tmp_path / "out"
    build([source], out, html=False)
    monkeypatch.setattr("kg.build.program_fingerprint", lambda ontology: "another version")
    result = build([source], out, html=False)
    assert not result.up_to_date and "neuroai-kg or its ontology changed" in result.rebuilt
    assert result.extracted == 0  # the extraction cache has its own fingerprint: still in use


def test_the_program_fingerprint_follows_every_ontology_file(tmp_path):
    ontology = tmp_path / "ontology"
    ontology.mkdir()
    for path in default_ontology_dir().iterdir():
        if path.is_file():
            (ontology / path.name).write_bytes(path.read_bytes())
    before = program_fingerprint(ontology)
    assert program_fingerprint(ontology) == before == program_fingerprint(default_ontology_dir())
    with (ontology / "shapes.ttl").open("a", encoding="utf-8") as shapes:  # not a vocabulary: the RDF checks
        shapes.write("# edited\n")
    assert program_fingerprint(ontology) != before


def _scratch(inputs: list[Path], out: Path) -> Path:
    result = build(inputs, out, use_cache=False)
    assert not result.incremental
    return out


def test_a_changed_input_or_an_edited_output_is_never_trusted(tmp_path, corpus_dir):
    days = _days(corpus_dir, tmp_path, 3)
    out = tmp_path / "out"
    build(days[:2], out)
    with days[1].open("a", encoding="utf-8") as page:
        page.write("\n")  # the file changed: its papers may have too
    result = build(days[:2], out)
    assert not result.incremental and "changed" in result.rebuilt
    (out / "graph.nt").write_bytes((out / "graph.nt").read_bytes()[:-100])  # someone cut the RDF short
    assert build(days, out).incremental  # the RDF is written in full: its index no longer describes it
    assert _all_outputs(out) == _all_outputs(_scratch(days, tmp_path / "scratch"))


def test_a_record_read_before_one_of_the_same_paper_in_the_graph_rebuilds_in_full(tmp_path, corpus_dir):
    days = _days(corpus_dir, tmp_path, 3)
    out = tmp_path / "out"
    build(days[1:], out)
    result = build(days, out)  # the earliest day is added last, but is read first: its records come first
    assert not result.incremental and "before a record of the same paper" in result.rebuilt
    assert _all_outputs(out) == _all_outputs(_scratch(days, tmp_path / "scratch"))


@pytest.mark.parametrize(("name", "cut"), [(SNAPSHOT_NAME, lambda data: data[: len(data) // 2]),
                                         (STATE_NAME, lambda data: data[:-10])])  # the state: an index cut short
def test_a_damaged_snapshot_or_build_state_is_named_and_the_build_starts_over(tmp_path, corpus_dir, name, cut):
    days = _days(corpus_dir, tmp_path, 2)
    out = tmp_path / "out"
    build(days[:1], out)
    (out / name).write_bytes(cut((out / name).read_bytes()))
    result = build(days, out)
    assert not result.incremental and str(out / name) in result.rebuilt and "damaged" in result.rebuilt
    assert _all_outputs(out) == _all_outputs(_scratch(days, tmp_path / "scratch"))


def test_every_stage_is_announced_as_it_begins_in_the_order_of_the_timings(tmp_path):
    """What a progress line shows: each stage's name when it begins (a big build spends minutes
    after its extraction), the same names as the summary's timings, from scratch and in a rebuild."""
    first = _corpus(tmp_path / "a.jsonl", range(8))
    out = tmp_path / "out"
    announced: list[str] = []
    result = build([first], out, stage=announced.append)
    assert announced == list(result.timings)
    assert announced[:4] == ["ingest", "extract", "assemble", "save graph"] and "export:graph.html" in announced
    announced.clear()
    again = build([first, _corpus(tmp_path / "b.jsonl", range(8, 10))], out, html=False, stage=announced.append)
    assert again.incremental and announced == list(again.timings)
    assert announced[:4] == ["ingest", "extract", "load graph", "assemble"]
