"""Benchmark the interactive page at scale: synthetic graphs (per the graph contract) of 1k, 10k and
50k nodes → page size, export time, time to first draw and until ready, in headless Chromium.

Usage: .venv/bin/python benchmarks/html_bench.py [--sizes 1000,10000,50000] [--views auto,full]
Needs the ``playwright`` package and Debian's /usr/bin/chromium (never ``playwright install``).
Prints a Markdown table (the one in the README).
"""

from __future__ import annotations

import argparse
import itertools
import os
import pathlib
import platform
import random
import sys
import tempfile
import time

import networkx as nx

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.export.html import write_html  # noqa: E402

CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
MODALITIES = ["EEG", "MEG", "fMRI", "MRI", "dMRI", "fNIRS", "PET", "ECoG", "iEEG", "LFP", "spikes",
              "calcium imaging", "EMG", "eye tracking", "microscopy", "SNN", "image", "video", "text",
              "speech", "audio", "time series", "graph", "tabular", "3D"]


def synthetic_graph(n_nodes: int, seed: int = 7) -> nx.MultiDiGraph:
    """A contract-shaped graph of about ``n_nodes`` nodes with the sample corpus's proportions
    (≈20% papers, 25% methods, 6% datasets, 25 modalities, the rest claims), Zipf-popular entities,
    ~70% dated papers, evidence sentences with offsets."""
    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    n_papers = max(1, n_nodes // 5)
    n_methods = max(1, n_nodes // 4)
    n_datasets = max(1, n_nodes * 6 // 100)
    methods = [f"method/m{i}" for i in range(n_methods)]
    datasets = [f"dataset/d{i}" for i in range(n_datasets)]
    mods = [f"modality/{m.lower().replace(' ', '-')}" for m in MODALITIES]
    for i, node in enumerate(methods):
        g.add_node(node, type="Method", label=f"Method {i}", aliases=[f"Method {i}", f"M{i}"], vocab="", broader=[], papers=0)
    for i, node in enumerate(datasets):
        g.add_node(node, type="Dataset", label=f"Dataset {i}", aliases=[f"Dataset {i}"], vocab="", broader=[], papers=0)
    for label, node in zip(MODALITIES, mods):
        g.add_node(node, type="Modality", label=label, aliases=[label], vocab="", broader=[], papers=0)
    cum_m = list(itertools.accumulate(1.0 / (i + 1) for i in range(n_methods)))
    cum_d = list(itertools.accumulate(1.0 / (i + 1) for i in range(n_datasets)))
    cum_mod = list(itertools.accumulate(1.0 / (i + 1) ** 0.7 for i in range(len(mods))))
    n_claims = max(0, n_nodes - n_papers - n_methods - n_datasets - len(mods))
    claims_left = n_claims
    for p in range(n_papers):
        paper = f"paper/p{p}"
        year = rng.choice([0, 0, 0] + list(range(2015, 2026)) * 2)
        picks = {("usesMethod" if rng.random() > 0.2 else "proposesMethod", m)
                 for m in rng.choices(methods, cum_weights=cum_m, k=3)}
        picks |= {("usesDataset", d) for d in rng.choices(datasets, cum_weights=cum_d, k=rng.randint(0, 2))}
        picks |= {("hasModality", m) for m in rng.choices(mods, cum_weights=cum_mod, k=rng.randint(1, 2))}
        sentences = []
        for kind, target in sorted(picks):
            sentences.append(f"We {'propose' if kind.startswith('proposes') else 'use'} {g.nodes[target]['label']} here.")
        abstract = " ".join(sentences)
        title = f"Synthetic paper {p} on {g.nodes[sorted(picks)[0][1]]['label']}"
        g.add_node(paper, type="Paper", label=title, title=title, abstract=abstract, date=f"{year}-05-01" if year else "",
                   year=year, url=f"https://example.org/p{p}", identifier="", authors=["A. Author"], author_count=1,
                   sources=[f"synthetic.jsonl:{p + 1}"])
        offset = 0
        for (kind, target), sentence in zip(sorted(picks), sentences):
            text = g.nodes[target]["label"]
            start = offset + sentence.index(text)
            g.add_edge(paper, target, key=kind, type=kind, confidence=0.9, extractor="synthetic",
                       evidence=[{"sentence": sentence, "section": "abstract", "start": start, "end": start + len(text),
                                  "text": text, "extractor": "synthetic", "confidence": 0.9}])
            g.nodes[target]["papers"] += 1
            offset += len(sentence) + 1
        n_here = min(claims_left, round((n_claims / n_papers) * (p + 1)) - (n_claims - claims_left))
        for c in range(max(0, n_here)):
            claim = f"claim/p{p}/{c}"
            text = sentences[c % len(sentences)]
            g.add_node(claim, type="Claim", label=text, text=text, paper=paper, hedged=False, hedges=[],
                       section="abstract", start=0, end=len(text), confidence=0.7)
            g.add_edge(paper, claim, key="hasClaim", type="hasClaim", confidence=0.7, extractor="synthetic",
                       evidence=[{"sentence": text, "section": "abstract", "start": 0, "end": len(text), "text": text,
                                  "extractor": "synthetic", "confidence": 0.7}])
            about = sorted(picks)[c % len(picks)][1]
            g.add_edge(claim, about, key="about", type="about", confidence=0.7, extractor="synthetic", evidence=[])
            claims_left -= 1
    return g


def measure(path: pathlib.Path, browser) -> dict[str, float]:
    """Open the page; seconds from navigation start to first draw and to ready (positions are
    precomputed, so no physics runs: ready = drawn, still, labels sized)."""
    page = browser.new_page(viewport={"width": 1400, "height": 850})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load", timeout=300_000)
    page.wait_for_function("window.kgTimings && window.kgTimings.settled !== null", timeout=300_000, polling=50)
    timings = page.evaluate("window.kgTimings")
    drawn = page.evaluate("Object.keys(window.kgNetwork.body.nodes).length")
    page.close()
    if errors:
        raise RuntimeError(f"{path}: {errors}")
    return {"first_draw": timings["firstDraw"] / 1000, "settled": timings["settled"] / 1000, "drawn": drawn}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--views", default="auto,full")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for size in (int(s) for s in args.sizes.split(",")):
            graph = synthetic_graph(size)
            for view in args.views.split(","):
                started = time.perf_counter()
                path = write_html(graph, pathlib.Path(tmp) / f"g{size}-{view}.html", view=view)
                export = time.perf_counter() - started
                result = measure(path, browser)
                rows.append((graph.number_of_nodes(), graph.number_of_edges(), view, result["drawn"],
                             path.stat().st_size / 1e6, export, result["first_draw"], result["settled"]))
                print(f"{rows[-1]}", file=sys.stderr, flush=True)
        browser.close()
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
          f"Chromium at {CHROMIUM} (headless)\n")
    print("| graph nodes | edges | view | nodes drawn | page MB | export s | first draw s | ready s |")
    print("|---|---|---|---|---|---|---|---|")
    for nodes, edges, view, drawn, mb, export, first, settled in rows:
        print(f"| {nodes:,} | {edges:,} | {view} | {drawn:,} | {mb:.1f} | {export:.1f} | {first:.2f} | {settled:.2f} |")


if __name__ == "__main__":
    main()
