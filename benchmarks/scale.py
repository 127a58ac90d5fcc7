"""Scale benchmark for ``kg build``: extraction throughput per core (synthetic and real abstracts, in
turns with the scale issue's yardstick), then whole builds of synthetic corpora (time per stage,
wall, peak memory), an incremental rebuild (and a rebuild with nothing new), and local vs Dask.

    .venv/bin/python benchmarks/scale.py                       # 1k and 10k
    .venv/bin/python benchmarks/scale.py --sizes 1000,10000,100000 --dask
    .venv/bin/python benchmarks/scale.py --sizes 1000 --diverse-sizes 100000   # a real corpus's names
    .venv/bin/python benchmarks/scale.py --throughput-only      # the two throughputs, about a minute

Prints Markdown tables (the README's Speed section shows the current code's runs, docs/performance.md
every run)."""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import SAMPLE, synthetic_records, write_corpus

ROOT = Path(__file__).resolve().parents[1]
KG = [sys.executable, "-m", "kg.cli"]
_TIME_LINE = re.compile(r"^time: (.*) \(total", re.MULTILINE)


def _papers(n: int) -> list:
    """The papers both throughputs are measured on (seeded: the same every run)."""
    from kg.model import Paper

    return [Paper(title=r["title"], abstract=r["abstract"], source="synthetic", line=i + 1)
            for i, r in enumerate(synthetic_records(n, seed=7))]


def _ours() -> Callable[[list], object]:
    """The default pipeline, tokenise → ``Extraction`` records, on a list of papers."""
    from kg.extract.pipeline import build_nlp, extract_batch

    nlp = build_nlp()
    return lambda papers: extract_batch(papers, nlp)


def _yardstick() -> Callable[[list], object]:
    """The scale issue's yardstick on a list of papers: ``spacy.blank("en")`` + sentencizer + a
    PhraseMatcher of 2,000 terms (our vocabularies' labels)."""
    import spacy
    from spacy.matcher import PhraseMatcher

    from kg.extract.text import compose
    from kg.extract.vocabulary import Vocabulary

    terms = sorted({form for concept in Vocabulary.load().concepts.values()
                    for form in (concept.label, *concept.alt_labels, *concept.hidden_labels)})[:2000]
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("TERM", list(nlp.tokenizer.pipe(terms)))

    def run(papers: list) -> list:
        return [matcher(doc) for doc in nlp.pipe((compose(paper) for paper in papers), batch_size=256)]

    return run


def _real_papers(data_dir: Path) -> list:
    """Real abstracts, each once: the sample corpus (236 NeuroAI papers) and, when ``data_dir`` holds
    it, CSAbstruct (2,189 CS and biomedical abstracts, no titles), mixed in a seeded order."""
    from kg.eval.external import csabstruct_gold
    from kg.ingest import ReadLog, read_papers

    papers = list(read_papers([SAMPLE], ReadLog()))
    for split in ("train", "dev", "test"):
        path = data_dir / "csabstruct" / f"{split}.jsonl"
        if path.exists():
            papers.extend(csabstruct_gold(path)[0])
    random.Random(7).shuffle(papers)
    return papers


def paired_throughput(papers: list | None = None, rounds: int = 7, size: int = 400, warm: int = 100) -> dict:
    """Abstracts per second of our pipeline and of the yardstick, each in this one process, measured
    in turns on the same papers: ``rounds`` rounds of ``size`` papers not seen before (after ``warm``
    that warm both up). This machine kind's speed swings about twofold from one minute to the next,
    so each round compares the two at one moment. Medians of each, and the median of the rounds'
    ratios (ours / yardstick). As in the build's extraction workers, what exists once the pipelines
    are built is frozen for the garbage collector (``gc.freeze``; else its full passes over them took
    5 % of the time). ``papers``: synthetic ones by default (new papers, but made of the sample
    corpus's sentences, so after the warm-up nearly every word has been seen)."""
    papers = papers if papers is not None else _papers(warm + rounds * size)
    ours, yardstick = _ours(), _yardstick()
    ours(papers[:warm])
    yardstick(papers[:warm])
    speeds: dict[str, list[float]] = {"ours": [], "yardstick": []}
    gc.freeze()
    try:
        for start in range(warm, warm + rounds * size, size):
            batch = papers[start:start + size]
            for name, run in (("ours", ours), ("yardstick", yardstick)):
                began = time.perf_counter()
                run(batch)
                speeds[name].append(len(batch) / (time.perf_counter() - began))
    finally:
        gc.unfreeze()
    ratios = [a / b for a, b in zip(speeds["ours"], speeds["yardstick"])]
    measured = papers[warm:warm + rounds * size]
    return {"ours": statistics.median(speeds["ours"]), "yardstick": statistics.median(speeds["yardstick"]),
            "ratio": statistics.median(ratios), "rounds": speeds, "papers": len(measured),
            "characters": statistics.mean(len(p.title) + len(p.abstract) for p in measured)}


def real_throughput(data_dir: Path) -> dict:
    """:func:`paired_throughput` on real abstracts (:func:`_real_papers`), each read once by each
    pipeline: every round brings words neither has seen, as a real corpus does (most in its first
    thousands of papers). The warm-up is 25 papers, 7 rounds share the rest."""
    papers = _real_papers(data_dir)
    return paired_throughput(papers, rounds=7, size=(len(papers) - 25) // 7, warm=25)


def run_build(args: list[str]) -> dict:
    """Run ``kg build`` in a subprocess; wall time, peak RSS of the process tree, stage times."""
    started = time.perf_counter()
    process = subprocess.Popen([*KG, "build", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(process.pid)
    peak_tree = peak_one = peak_pss = 0
    samples = 0
    while process.poll() is None:
        try:
            tree = [watched, *watched.children(recursive=True)]
            sizes = [p.memory_info().rss for p in tree]
            # PSS shares each page among the processes that map it: forked exporters share the
            # graph copy-on-write, so the RSS sum counts it several times, the PSS sum once
            pss = sum(p.memory_full_info().pss for p in tree) if samples % 5 == 0 else 0
        except psutil.Error:
            sizes, pss = [], 0
        if sizes:
            peak_tree, peak_one, peak_pss = max(peak_tree, sum(sizes)), max(peak_one, max(sizes)), max(peak_pss, pss)
        samples += 1
        time.sleep(0.1)
    out, err = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"kg build {' '.join(args)} failed ({process.returncode}):\n{err[-2000:]}")
    stages: dict[str, float] = {}
    match = _TIME_LINE.search(out)
    if match:
        for part in match.group(1).split(", "):
            name, _, seconds = part.rpartition(" ")
            stages[name] = float(seconds.rstrip("s"))
    return {"wall": wall, "rss_tree_mb": peak_tree / 1e6, "rss_max_mb": peak_one / 1e6, "pss_tree_mb": peak_pss / 1e6,
            "stages": stages, "up_to_date": "\nup to date:" in out}


def _label(build: dict) -> str:
    """A build's row label: its size, and whether its corpus has a real corpus's name diversity."""
    return f"{build['size']:,}" + (" (diverse names)" if build.get("diverse") else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated corpus sizes")
    parser.add_argument("--jobs", type=int, default=2, help="extraction processes for the builds")
    parser.add_argument("--formats", default="json,turtle,ntriples,html", help="export formats of the builds")
    parser.add_argument("--dask", action="store_true", help="also build the smallest size on a Dask LocalCluster")
    parser.add_argument("--diverse-sizes", default="",
                        help="comma-separated sizes also built with a real corpus's name diversity (synthetic.py --diverse)")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--verify-max", type=int, default=10000,
                        help="for sizes up to this, also build from scratch and compare the rebuild's files")
    parser.add_argument("--throughput-only", action="store_true",
                        help="measure the extraction throughputs (synthetic and real abstracts) and stop")
    parser.add_argument("--real-data", type=Path,
                        help="folder holding csabstruct/ for the real-text throughput (default: ../shared/data)")
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    diverse_sizes = [int(s) for s in options.diverse_sizes.split(",") if s]
    results: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
                                f"Python {platform.python_version()}"}

    results["throughput"] = paired_throughput()
    print(f"extraction, 1 process: {results['throughput']['ours']:.0f} abstracts/s; the issue's yardstick "
          f"(blank + sentencizer + 2,000-term PhraseMatcher): {results['throughput']['yardstick']:.0f}/s "
          f"(medians of 7 rounds in turns; ours / yardstick: {results['throughput']['ratio']:.2f})", flush=True)
    from kg.eval.external import default_data_dir

    real = results["throughput_real"] = real_throughput(options.real_data or default_data_dir())
    print(f"real abstracts, each read once ({real['papers']:,}, {real['characters']:.0f} characters on average): "
          f"{real['ours']:.0f}/s; the yardstick {real['yardstick']:.0f}/s (ours / yardstick: {real['ratio']:.2f})", flush=True)
    if options.throughput_only:
        if options.json:
            options.json.write_text(json.dumps(results, indent=1))
        return

    builds = []
    with tempfile.TemporaryDirectory(prefix="kg-scale-") as tmp:
        work = Path(tmp)
        for size, diverse in [(size, False) for size in sizes] + [(size, True) for size in diverse_sizes]:
            tag = f"{size}-diverse" if diverse else f"{size}"
            corpus = write_corpus(work / f"in-{tag}" / "papers.jsonl", size, diverse=diverse)
            out = work / f"out-{tag}"
            result = run_build([str(corpus.parent), "-o", str(out), "-j", str(options.jobs), "--no-cache", "--formats", options.formats])
            result["size"], result["diverse"] = size, diverse
            # incremental: the same input plus one new file of 100 papers, added to the previous graph
            write_corpus(corpus.parent / "new.jsonl", size + 100, start=size, diverse=diverse)
            again = run_build([str(corpus.parent), "-o", str(out), "-j", str(options.jobs), "--formats", options.formats])
            result["incremental"], result["incremental_stages"] = again["wall"], again["stages"]
            result["incremental_rss_mb"] = again["rss_max_mb"]
            # and once more, nothing new: nothing to do
            unchanged = run_build([str(corpus.parent), "-o", str(out), "-j", str(options.jobs), "--formats", options.formats])
            result["unchanged"] = unchanged["wall"] if unchanged["up_to_date"] else None
            if size <= options.verify_max:  # the same files as a build from scratch of the same inputs?
                scratch = work / f"scratch-{tag}"
                run_build([str(corpus.parent), "-o", str(scratch), "-j", str(options.jobs), "--no-cache", "--formats", options.formats])
                result["incremental_identical"] = all((out / name).read_bytes() == (scratch / name).read_bytes()
                                                      for name in ("graph.json", "graph.nt", "graph.ttl", "graph.html")
                                                      if (scratch / name).exists())
                shutil.rmtree(scratch)
            builds.append(result)
            print(f"{tag}: {json.dumps(result)}", flush=True)
        if options.dask:
            size = sizes[0]
            corpus = work / f"in-{size}"
            local = run_build([str(corpus), "-o", str(work / "local"), "-j", "2", "--no-cache", "--formats", "json"])
            dask = run_build([str(corpus), "-o", str(work / "dask"), "--scheduler", "local:2", "--no-cache", "--formats", "json"])
            same = (work / "local" / "graph.json").read_bytes() == (work / "dask" / "graph.json").read_bytes()
            results["dask"] = {"size": size + 100, "local": local, "dask": dask, "identical": same}
    results["builds"] = builds
    results["throughput_after"] = paired_throughput()

    before, after = results["throughput"], results["throughput_after"]
    print(f"\nMachine: {results['machine']}. Extraction throughput, one process (medians of 7 rounds, each "
          f"ours then the issue's yardstick on the same 400 new papers): **{before['ours']:.0f} abstracts/s** before "
          f"the builds, {after['ours']:.0f}/s after. The yardstick (blank + sentencizer + 2,000-term PhraseMatcher; about "
          f"1,500/s when the issue was written) ran at {before['yardstick']:.0f}/s and {after['yardstick']:.0f}/s: how "
          f"fast the machine was. Ours / yardstick: {before['ratio']:.2f} and {after['ratio']:.2f}. On real abstracts "
          f"({real['papers']:,}, each read once by each pipeline, in 7 rounds): **{real['ours']:.0f}/s**, the yardstick "
          f"{real['yardstick']:.0f}/s (ours / yardstick: {real['ratio']:.2f}).\n")
    stage_names = sorted({name for b in builds for name in b["stages"]}, key=lambda n: (not n.startswith(("ingest", "extract", "assemble")), n))
    print("| abstracts | " + " | ".join(stage_names)
          + " | wall | extraction per core | peak RSS (largest process) | peak PSS (all processes) | rebuild + 100 new |")
    print("|---" * (len(stage_names) + 6) + "|")
    for b in builds:
        cells = [f"{b['stages'].get(n, 0):.1f} s" for n in stage_names]
        per_core = b["size"] / b["stages"]["extract"] / options.jobs if b["stages"].get("extract") else 0
        print(f"| {_label(b)} | " + " | ".join(cells) + f" | {b['wall']:.1f} s | {per_core:.0f}/s | {b['rss_max_mb']:.0f} MB "
              f"| {b['pss_tree_mb']:.0f} MB | {b['incremental']:.1f} s |")
    rebuild_stages = sorted({name for b in builds for name in b["incremental_stages"]},
                            key=lambda n: (not n.startswith(("ingest", "extract", "load", "assemble")), n))
    print("\nRebuild with one new file of 100 abstracts (added to the previous build's graph):\n")
    print("| abstracts | " + " | ".join(rebuild_stages) + " | wall | share of the first build | peak RSS | same files as from scratch "
          "| again, nothing new |")
    print("|---" * (len(rebuild_stages) + 6) + "|")
    for b in builds:
        cells = [f"{b['incremental_stages'].get(n, 0):.1f} s" for n in rebuild_stages]
        same = {True: "yes", False: "**no**"}.get(b.get("incremental_identical"), "not checked")
        nothing_new = "**not up to date**" if b["unchanged"] is None else f"{b['unchanged']:.1f} s"
        print(f"| {_label(b)} | " + " | ".join(cells) + f" | {b['incremental']:.1f} s | {b['incremental'] / b['wall']:.0%} "
              f"| {b['incremental_rss_mb']:.0f} MB | {same} | {nothing_new} |")
    if "dask" in results:
        d = results["dask"]
        print(f"\nLocal (-j 2) vs Dask LocalCluster (2 workers), {d['size']:,} abstracts, graph.json only: "
              f"{d['local']['wall']:.1f} s vs {d['dask']['wall']:.1f} s wall; identical output: {d['identical']}")
    if options.json:
        options.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
