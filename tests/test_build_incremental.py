"""Incremental builds: a rebuild re-extracts only new abstracts, appends them to the cache, and
gives the same files as a build from scratch."""

from __future__ import annotations

import json
from pathlib import Path

from kg.build import CACHE_NAME, SNAPSHOT_NAME, build

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
