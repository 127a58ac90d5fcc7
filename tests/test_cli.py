"""The command line as a user runs it: `kg build` on the sample corpus, `kg eval`, `kg export`."""

from __future__ import annotations

import json

from click.testing import CliRunner
from rdflib import Graph

from kg.cli import main


def test_build_sample_corpus(tmp_path, corpus_dir):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(corpus_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "182 papers" in result.output and "54 duplicates merged" in result.output
    for name in ("graph.ttl", "graph.nt", "graph.json", "graph.html", "extractions.jsonl"):
        assert (out / name).stat().st_size > 0, name
        assert str(out / name) in result.output
    graph = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    types = {n["type"] for n in graph["nodes"]}
    assert types == {"Paper", "Method", "Dataset", "Modality", "Claim"}
    titles = [n["title"] for n in graph["nodes"] if n["type"] == "Paper"]
    assert len(titles) == len(set(titles)) == 182
    assert len(Graph().parse(out / "graph.ttl")) > 1000
    # the sparse-network paper must not be tagged with the spiking modality
    sparse = next(n["id"] for n in graph["nodes"] if n["type"] == "Paper" and "Sparseland" in n["title"])
    assert "modality/snn" not in {e["target"] for e in graph["edges"] if e["source"] == sparse}

    again = CliRunner().invoke(main, ["build", str(corpus_dir), "-o", str(out)])
    assert again.exit_code == 0 and "extracted 0, reused 182 from cache" in again.output
    assert "up to date" in again.output and "182 papers" in again.output and "54 duplicates merged" in again.output
    assert result.output.splitlines()[1] == again.output.splitlines()[1]  # the same entities and edges


def test_build_reports_bad_records_and_strict_fails(tmp_path, data_dir):
    result = CliRunner().invoke(main, ["build", str(data_dir / "papers.jsonl"), "-o", str(tmp_path), "--no-html"])
    assert result.exit_code == 0
    assert "papers.jsonl:2: record without abstract" in result.output
    assert "2 papers" in result.output
    strict = CliRunner().invoke(main, ["build", str(data_dir / "papers.jsonl"), "-o", str(tmp_path), "--strict", "-q"])
    assert strict.exit_code == 1


def test_build_without_readable_input_exits_3(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(empty), "-o", str(tmp_path / "o")])
    assert result.exit_code == 3 and "no paper" in result.output


def test_eval_on_tiny_gold(data_dir):
    result = CliRunner().invoke(
        main, ["eval", "--gold", str(data_dir / "gold-tiny.jsonl"), "--corpus", str(data_dir / "daily_page.txt"), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n_papers"] == 1
    claims = report["scores"]["claims"]
    assert claims["tp_gold"] == 1 and claims["n_gold"] == 1
    assert report["scores"]["modalities"]["recall"] == 1.0


def test_eval_counts_gold_papers_missing_from_corpus(data_dir, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": 9, "title": "Not in the corpus", "methods": [{"name": "BERT", "aliases": [], "role": "used"}],
                                "datasets": [], "modalities": ["text"], "claims": []}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "--gold", str(gold), "--corpus", str(data_dir / "daily_page.txt"), "--json"])
    report = json.loads(result.stdout)
    assert report["scores"]["methods"]["recall"] == 0.0 and "Not in the corpus" in result.stderr


def test_export_from_built_graph(tmp_path, data_dir):
    out = tmp_path / "build"
    assert CliRunner().invoke(main, ["build", str(data_dir / "papers.json"), "-o", str(out), "-q"]).exit_code == 0
    target = tmp_path / "copy.nt"
    result = CliRunner().invoke(main, ["export", "--graph", str(out), "--format", "ntriples", "-o", str(target)])
    assert result.exit_code == 0
    assert target.read_bytes() == (out / "graph.nt").read_bytes()


def test_parallel_extraction_gives_the_same_extractions(corpus_dir):
    from kg.extract.pipeline import extract
    from kg.ingest import ReadLog, read_papers

    papers = list(read_papers([corpus_dir], ReadLog()))[:120]
    serial = [e.to_dict() for e in extract(papers)]
    parallel = [e.to_dict() for e in extract(papers, n_process=2, batch_size=25)]
    assert parallel == serial and sum(len(e["entities"]) for e in serial) > 100


def test_build_extracts_on_every_core_unless_told(tmp_path, corpus_dir, monkeypatch):
    """Without -j a build uses one extraction process per core it may run on (at most 8): a laptop's
    cores, not one of them; -j still decides when given."""
    import kg.build
    from kg import cli

    asked: list[int] = []

    def record(*args, **kwargs):
        asked.append(kwargs["n_process"])
        return real_build(*args, **kwargs)

    real_build = kg.build.build
    monkeypatch.setattr(kg.build, "build", record)
    for extra, out in (([], "a"), (["-j", "1"], "b")):
        result = CliRunner().invoke(main, ["build", str(corpus_dir), "-o", str(tmp_path / out), "--no-html", "-q", *extra])
        assert result.exit_code == 0, result.output
    assert asked == [cli.default_jobs(), 1]
    no_quota = tmp_path / "no-cgroup"  # whatever the machine running the tests has
    monkeypatch.setattr(cli.os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert cli.default_jobs(cgroup=no_quota) == 3
    monkeypatch.setattr(cli.os, "sched_getaffinity", lambda pid: set(range(32)), raising=False)
    assert cli.default_jobs(cgroup=no_quota) == cli.MAX_DEFAULT_JOBS == 8


def test_default_jobs_follow_a_containers_cpu_quota(tmp_path, monkeypatch):
    """In a container limited to 1.5 CPUs of a 32-core host, a build starts two extraction
    processes, not eight (cgroup v2 and v1 quotas; no quota, or none readable: the cores)."""
    from kg import cli

    monkeypatch.setattr(cli.os, "sched_getaffinity", lambda pid: set(range(32)), raising=False)
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "cpu.max").write_text("150000 100000\n")
    assert cli.default_jobs(cgroup=v2) == 2
    (v2 / "cpu.max").write_text("max 100000\n")
    assert cli.default_jobs(cgroup=v2) == 8
    v1 = tmp_path / "v1" / "cpu"
    v1.mkdir(parents=True)
    (v1 / "cpu.cfs_quota_us").write_text("300000\n")
    (v1 / "cpu.cfs_period_us").write_text("100000\n")
    assert cli.default_jobs(cgroup=v1.parent) == 3
    (v1 / "cpu.cfs_quota_us").write_text("-1\n")
    assert cli.default_jobs(cgroup=v1.parent) == 8
    assert cli.default_jobs(cgroup=tmp_path / "none") == 8


def test_a_big_build_tells_its_stages_in_logs_and_a_small_or_quiet_one_does_not(tmp_path, corpus_dir, monkeypatch):
    """Off a terminal (CI, a log file), a build that extracts thousands of papers prints a line as
    each stage begins, after its "extracted N/M papers" lines; a small build or -q prints none."""
    import kg.build

    real_build = kg.build.build

    def thousands(*args, **kwargs):  # the sample corpus, reported as a big extraction
        kwargs["progress"](1000, 1000)
        return real_build(*args, **kwargs)

    small = CliRunner().invoke(main, ["build", str(corpus_dir), "-o", str(tmp_path / "a"), "--no-html"])
    assert small.exit_code == 0 and "assemble…" not in small.output
    monkeypatch.setattr(kg.build, "build", thousands)
    big = CliRunner().invoke(main, ["build", str(corpus_dir), "-o", str(tmp_path / "b"), "--no-html"])
    assert big.exit_code == 0, big.output
    lines = big.output.splitlines()
    assert lines[0] == "  extracted 1000/1000 papers…"
    stages = [line for line in lines if line.endswith("…") and not line.startswith("  extracted")]
    assert stages[:5] == ["  ingest…", "  extract…", "  assemble…", "  save graph…", "  export:graph.ttl+nt…"]
    quiet = CliRunner().invoke(main, ["build", str(corpus_dir), "-o", str(tmp_path / "c"), "--no-html", "-q"])
    assert quiet.exit_code == 0 and "…" not in quiet.output
