"""Rewriting graph.nt, graph.ttl and graph.json from their previous versions: what did not change
is copied (only the changed nodes' parts are made again) and the files equal a full write."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.export import json_graph, rdf
from kg.extract.pipeline import extract_batch
from kg.extract.vocabulary import Vocabulary
from kg.graph.assemble import AssemblyState, assemble, extend
from kg.model import Paper

PAPERS = [
    Paper(f"Paper {n}", f"We train a spiking neural network on CIFAR-10 (variant {n}). It outperforms a CNN on EEG data "
                        f"from MNIST recordings. Widget{n} is our transformer for fMRI.", source="a.jsonl", line=n)
    for n in range(1, 41)
]


def _counting(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[int]:
    calls = [0]
    original = getattr(module, name)

    def counted(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_only_changed_owners_are_made_again_and_the_files_equal_a_full_write(tmp_path: Path, nlp,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    extractions = extract_batch(PAPERS, nlp)
    vocabulary = Vocabulary.load()
    state = AssemblyState()
    graph = assemble(extractions[:36], vocabulary, state=state)
    nt, ttl, js = tmp_path / "graph.nt", tmp_path / "graph.ttl", tmp_path / "graph.json"
    rdf_index = rdf.write_rdf_indexed(graph, nt, ttl)
    json_index = json_graph.write_json_indexed(graph, js)
    changed = extend(graph, state, extractions[36:], vocabulary)
    assert 0 < len(changed) < len(graph) / 2

    made_rdf = _counting(monkeypatch, rdf, "_node_blocks")
    made_json = _counting(monkeypatch, json_graph, "_part")
    new_rdf = rdf.write_rdf_indexed(graph, nt, ttl, rdf_index, changed)
    new_json = json_graph.write_json_indexed(graph, js, json_index, changed)
    assert made_rdf[0] <= len(changed) + 2 and made_json[0] <= 2 * len(changed) + 6  # the rest was copied
    monkeypatch.undo()

    full_rdf = rdf.write_rdf_indexed(graph, tmp_path / "full.nt", tmp_path / "full.ttl")
    full_json = json_graph.write_json_indexed(graph, tmp_path / "full.json")
    assert nt.read_bytes() == (tmp_path / "full.nt").read_bytes() and ttl.read_bytes() == (tmp_path / "full.ttl").read_bytes()
    assert js.read_bytes() == (tmp_path / "full.json").read_bytes()
    assert (new_rdf.ntriples, new_rdf.turtle, new_rdf.sizes) == (full_rdf.ntriples, full_rdf.turtle, full_rdf.sizes)
    assert (new_json.starts, new_json.size) == (full_json.starts, full_json.size)  # the next build can copy again


def test_an_index_that_does_not_describe_the_file_is_refused(tmp_path: Path, nlp) -> None:
    graph = assemble(extract_batch(PAPERS[:3], nlp))
    index = json_graph.write_json_indexed(graph, tmp_path / "graph.json")
    with (tmp_path / "graph.json").open("ab") as handle:
        handle.write(b"\n")
    with pytest.raises(ValueError, match="graph.json is not the file its index describes"):
        json_graph.write_json_indexed(graph, tmp_path / "graph.json", index, set())
    assert (tmp_path / "graph.json").read_bytes().endswith(b"]}\n\n")  # left as it was


def test_a_copy_runs_over_owners_that_followed_one_another_and_stops_where_a_place_is_shared() -> None:
    """The plan copies a run of unchanged owners only while they come in the same order in the old
    file, never starts or ends one inside a place two owners share, and never copies a changed one."""
    from kg.export.splice import copy_plan

    old = ["a", "b", "c", "d", "e", "f", "g"]
    starts = [0, 10, 20, -1, 40, 50, 60]  # d's part is in c's place
    new = ["a", "b", "new", "c", "d", "e", "f", "g", "h"]
    plan, where = copy_plan(new, old, starts, {"f"})
    assert [plan(i) for i in range(len(new))] == [2, 1, 0, 0, 0, 1, 0, 1, 0]
    assert [where(i) for i in range(len(new))] == [0, 1, -1, 2, 3, 4, 5, 6, -1]
    plan, _ = copy_plan(old, old, starts, set())
    assert [plan(i) for i in range(len(old))] == [2, 1, 0, 0, 3, 2, 1]  # nothing changed: c is made with d


def test_a_turtle_writer_that_stops_fails_the_write_and_leaves_the_old_files(tmp_path: Path, nlp,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """graph.ttl is made by a process of its own: if it stops (here: a disk that is full), the
    write fails saying so, both files stay as they were and no temporary file is left behind."""
    graph = assemble(extract_batch(PAPERS[:3], nlp))
    nt, ttl = tmp_path / "graph.nt", tmp_path / "graph.ttl"
    rdf.write_rdf_indexed(graph, nt, ttl)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'OSError: [Errno 28] No space left on device' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setattr("kg.export.turtle.sys.executable", str(broken))
    with pytest.raises(OSError, match=r"graph\.ttl: the Turtle writer stopped \(OSError: \[Errno 28\] No space left"):
        rdf.write_rdf_indexed(assemble(extract_batch(PAPERS[:5], nlp)), nt, ttl)
    broken.unlink()
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before


def test_a_write_that_fails_midway_stops_the_turtle_process_and_leaves_the_old_files(
        tmp_path: Path, nlp, monkeypatch: pytest.MonkeyPatch) -> None:
    """An error while the build makes graph.nt (here: the 20th subject) stops the Turtle process
    too: both files stay as they were, no temporary file is left and no process keeps running."""
    import psutil

    graph = assemble(extract_batch(PAPERS[:3], nlp))
    nt, ttl = tmp_path / "graph.nt", tmp_path / "graph.ttl"
    rdf.write_rdf_indexed(graph, nt, ttl)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    calls = [0]
    original = rdf._nt_block

    def failing(subject: str, pairs: list[tuple[str, str]]) -> str:
        calls[0] += 1
        if calls[0] == 20:
            raise RuntimeError("the disk went away")
        return original(subject, pairs)

    monkeypatch.setattr(rdf, "_nt_block", failing)
    children_before = {child.pid for child in psutil.Process().children()}
    with pytest.raises(RuntimeError, match="the disk went away"):
        rdf.write_rdf_indexed(assemble(extract_batch(PAPERS[:5], nlp)), nt, ttl)
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before
    assert {child.pid for child in psutil.Process().children() if child.status() != psutil.STATUS_ZOMBIE} <= children_before


def test_graph_json_parts_are_found_in_the_old_file_as_a_table_of_them_finds_them():
    """A rebuild finds where each part of graph.json was in the previous file by merging the two
    sorted node lists (no table of a big file's parts): the same places a table gives, for nodes
    kept, added and gone, and for nodes whose edges appeared or went."""
    import networkx as nx

    old_graph, new_graph = nx.MultiDiGraph(), nx.MultiDiGraph()
    old_graph.add_nodes_from(f"node/{n:02d}" for n in range(0, 40, 2))  # even ids
    new_graph.add_nodes_from(f"node/{n:02d}" for n in range(0, 50, 3))  # some kept, some new, some gone
    for graph, step in ((old_graph, 4), (new_graph, 6)):
        nodes = sorted(graph)
        for k in range(0, len(nodes) - 1, step // 2):
            graph.add_edge(nodes[k], nodes[-1], "usesMethod")
    old = json_graph.JsonIndex(*json_graph._ordered(old_graph), [], 0)
    nodes, edges = json_graph._ordered(new_graph)
    owners, old_owners = json_graph._owners_of(nodes, edges), json_graph._owners_of(old.nodes, old.edges)
    table = {owner: i for i, owner in enumerate(old_owners)}
    found = json_graph._old_places(nodes, edges, old).tolist()
    assert found == [table.get(owner, -1) for owner in owners]
    assert 0 < sum(place >= 0 for place in found) < len(owners)  # some parts found, some not
    assert any(place >= 0 and owner[0] == "e" for place, owner in zip(found, owners))
