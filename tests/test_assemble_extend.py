"""Adding papers to an assembled graph (``kg.graph.assemble.extend``) gives exactly the graph that
assembling every paper at once gives, or refuses with the reason, for the rules that depend on the
order of papers: labels, the order of comparison evidence, authors' names, alias merges."""

from __future__ import annotations

import pytest

from kg.export.json_graph import json_chunks
from kg.graph.assemble import AssemblyState, NotIncremental, assemble, extend
from kg.model import Claim, Entity, Extraction, Mention, Paper, Relation


def _paper(title: str, line: int, authors: tuple[str, ...] = ()) -> Paper:
    return Paper(title, f"Abstract of {title}.", source="a.jsonl", line=line, authors=authors)


def _method(key: str, label: str, aliases: list[str] | None = None) -> Entity:
    return Entity("Method", f"method/{key}", label, aliases or [], extractor="test")


def _mention(key: str, text: str, start: int = 0) -> Mention:
    return Mention("Method", text, f"method/{key}", "abstract", start, start + len(text), f"{text} works.", "test", 0.9)


def _comparison(paper: Paper, winner: str, loser: str) -> Extraction:
    sentence = f"{winner} outperforms {loser}."
    return Extraction(
        paper,
        [_method(winner, winner), _method(loser, loser)],
        [_mention(winner, winner), _mention(loser, loser, 20)],
        [Claim(sentence, "abstract", 0, len(sentence), False, about=[f"method/{winner}", f"method/{loser}"], extractor="test")],
        [Relation(f"method/{winner}", "outperforms", f"method/{loser}", f"{sentence} ({paper.title})", None, "test", 0.7,
                  "abstract", 0, len(sentence))],
    )


def _json(graph) -> bytes:
    return b"".join(json_chunks(graph))


def _added(old: list[Extraction], new: list[Extraction]) -> tuple[bytes, set[str]]:
    state = AssemblyState()
    graph = assemble(old, state=state)
    changed = extend(graph, state, new)
    return _json(graph), changed


def test_comparison_evidence_keeps_the_order_of_papers_when_a_new_paper_sorts_first():
    old = [_comparison(_paper("M papers", 1), "alpha", "beta"), _comparison(_paper("Z papers", 2), "alpha", "beta")]
    new = [_comparison(_paper("A paper", 3), "alpha", "beta")]  # sorts before both: its sentence comes first
    graph, changed = _added(old, new)
    assert graph == _json(assemble(old + new))
    assert "method/alpha" in changed and any(node.startswith("paper/a-paper") for node in changed)
    assert any(node.startswith("paper/z-papers") for node in changed)  # its kg:Comparison may take another sentence


def test_an_author_written_differently_by_an_earlier_paper_takes_that_name():
    old = [Extraction(_paper("Zebra finches", 1, ("Jose Garcia",)))]
    new = [Extraction(_paper("Aardvark cortex", 2, ("José García",)))]  # its id sorts first: its spelling is the name
    graph, changed = _added(old, new)
    assert graph == _json(assemble(old + new))
    assert "person/jose-garcia" in changed


def test_a_longer_label_replaces_and_an_equally_long_one_is_refused():
    old = [Extraction(_paper("Old", 1), [_method("wm", "WM model")])]
    longer = [Extraction(_paper("New", 2), [_method("wm", "Working memory model")])]
    graph, changed = _added(old, longer)
    assert graph == _json(assemble(old + longer)) and "method/wm" in changed
    same_length = [Extraction(_paper("Another", 3), [_method("wm", "MW model")])]
    state = AssemblyState()
    with pytest.raises(NotIncremental, match="label as long as its own"):
        extend(assemble(old, state=state), state, same_length)


def test_new_aliases_that_would_merge_known_entities_are_refused():
    old = [Extraction(_paper("Old", 1), [_method("worm", "WorM")])]
    new = [Extraction(_paper("New", 2), [_method("working-memory", "Working Memory", ["WorM"])])]
    state = AssemblyState()
    with pytest.raises(NotIncremental, match="method/worm"):
        extend(assemble(old, state=state), state, new)


def test_a_new_record_of_a_known_paper_merges_when_it_comes_last_and_is_refused_when_it_comes_first():
    old = [Extraction(Paper("Spiking cortex", "One.", source="b.jsonl", line=1))]
    later = [Extraction(Paper("Spiking cortex", "One.", source="c.jsonl", line=1, date="2024-05-01"))]
    graph, changed = _added(old, later)
    assert graph == _json(assemble(old + later))
    assert len(changed) == 1 and next(iter(changed)).startswith("paper/spiking-cortex")
    earlier = [Extraction(Paper("Spiking cortex", "One.", source="a.jsonl", line=1))]
    state = AssemblyState()
    with pytest.raises(NotIncremental, match="comes before a record of the same paper"):
        extend(assemble(old, state=state), state, earlier)
