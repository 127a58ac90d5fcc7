"""Benchmark of the RDF path at scale: synthesise a graph of ~1M triples (the shape of a real build:
papers, Zipf-popular methods/datasets, modalities, claims, mentions with evidence), time writing
N-Triples + Turtle, loading into Oxigraph, every example query, and rdflib's load/count for comparison.

    .venv/bin/python benchmarks/rdf_bench.py [--papers 9500] [--no-rdflib] [--out DIR]

Prints a Markdown table (the README's "Query with SPARQL" section shows one run) and the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import tempfile
import time
from pathlib import Path

import networkx as nx
import pyoxigraph
import rdflib

from kg.export.rdf import ntriples_lines, write_rdf
from kg.query import bind_params, examples, load_store, run_query

WORDS = ("neural", "cortical", "spiking", "sparse", "deep", "recurrent", "visual", "latent", "predictive", "graph",
         "contrastive", "hierarchical", "dynamic", "bayesian", "temporal", "generative", "efficient", "robust")
NAMED_METHODS = ("transformer", "convolutional neural network", "spiking neural network", "sparse autoencoder",
                 "recurrent neural network", "variational autoencoder", "diffusion model", "k-means")
MODALITIES = ("EEG", "MEG", "fMRI", "MRI", "ECoG", "LFP", "spikes", "calcium imaging", "EMG", "eye tracking",
              "image", "video", "text", "speech", "audio", "time series", "graph", "tabular", "3D", "SNN")


def _zipf(rng: random.Random, n: int) -> int:
    """An index in [0, n) with a Zipf-like skew (a few entities are in many papers)."""
    return min(int(rng.paretovariate(1.1)) - 1, n - 1)


def _evidence(rng: random.Random, sentence: str, text: str, extractor: str) -> dict:
    start = sentence.find(text)
    return {"sentence": sentence, "section": "abstract", "start": max(start, 0), "end": max(start, 0) + len(text),
            "text": text, "extractor": extractor, "confidence": round(rng.uniform(0.6, 1.0), 2)}


def synthesise(papers: int, seed: int = 7) -> nx.MultiDiGraph:
    """A graph following the contract in kg/graph/__init__.py with about 160 triples per paper."""
    rng = random.Random(seed)
    graph = nx.MultiDiGraph()
    methods = list(NAMED_METHODS) + [f"{rng.choice(WORDS)} {rng.choice(WORDS)} net {i}" for i in range(papers // 3)]
    datasets = [f"{rng.choice(WORDS).title()}Bench-{i}" for i in range(papers // 12)]
    entities = [("Method", m) for m in methods] + [("Dataset", d) for d in datasets] + [("Modality", m) for m in MODALITIES]
    for type_, name in entities:
        key = f"{type_.lower()}/{name.lower().replace(' ', '-')}"
        graph.add_node(key, type=type_, label=name, aliases=[name.upper()] if rng.random() < 0.3 else [], vocab="",
                       broader=[], papers=0)
    for i in range(papers):
        pid = f"paper/synthetic-paper-{i:07d}"
        used = {("Method", methods[_zipf(rng, len(methods))]) for _ in range(rng.randint(2, 5))}
        used |= {("Dataset", datasets[_zipf(rng, len(datasets))]) for _ in range(rng.randint(0, 2))}
        used |= {("Modality", MODALITIES[_zipf(rng, len(MODALITIES))]) for _ in range(rng.randint(1, 2))}
        names = sorted(n for _, n in used)
        sentences = [f"We apply {name} to the problem and report results {j}." for j, name in enumerate(names)]
        abstract = " ".join(sentences)
        graph.add_node(pid, type="Paper", label=f"Synthetic paper {i}", title=f"Synthetic paper {i}", abstract=abstract,
                       date=f"{2015 + i % 10}-0{1 + i % 9}-1{i % 10}", year=2015 + i % 10, url="", identifier=f"arXiv:{i}",
                       authors=[f"Author {i % 97}", f"Author {i % 89}"], author_count=2, sources=[f"corpus.jsonl:{i + 1}"])
        for type_, name in sorted(used):
            key = f"{type_.lower()}/{name.lower().replace(' ', '-')}"
            graph.nodes[key]["papers"] += 1
            sentence = next(s for s in sentences if f" {name} " in s)
            role = "proposes" if rng.random() < 0.05 and type_ != "Modality" else "uses"
            edge = "hasModality" if type_ == "Modality" else f"{role}{type_}"
            evidence = [_evidence(rng, sentence, name, "vocabulary") for _ in range(rng.choice((1, 1, 2)))]
            if len(evidence) == 2:
                evidence[1] = dict(evidence[1], start=evidence[1]["start"] + len(abstract) // 2)  # another occurrence
            graph.add_edge(pid, key, key=edge, type=edge, confidence=0.9, extractor="vocabulary", evidence=evidence)
        for c in range(rng.randint(1, 3)):
            sentence = sentences[c % len(sentences)]
            cid = f"claim/synthetic-paper-{i:07d}/{c + 1}"
            start = abstract.find(sentence)
            graph.add_node(cid, type="Claim", label=sentence[:77], text=sentence, paper=pid, hedged=c == 2,
                           hedges=["may"] if c == 2 else [], section="abstract", start=start, end=start + len(sentence),
                           confidence=0.8)
            item = _evidence(rng, sentence, sentence, "kg_claims")
            graph.add_edge(pid, cid, key="hasClaim", type="hasClaim", confidence=0.8, extractor="kg_claims", evidence=[item])
            about = f"method/{names[c % len(names)].lower().replace(' ', '-')}"
            if about in graph:
                graph.add_edge(cid, about, key="about", type="about", confidence=0.8, extractor="kg_claims", evidence=[item])
        if rng.random() < 0.05:
            winner, loser = (f"method/{m.replace(' ', '-')}" for m in rng.sample(methods[:50], 2))
            sentence = sentences[0]
            data = graph.get_edge_data(winner, loser, "outperforms")
            if data:
                data["papers"].append(pid)
                data["evidence"].append(_evidence(rng, sentence, sentence, "pattern:comparative"))
            else:
                graph.add_edge(winner, loser, key="outperforms", type="outperforms", confidence=0.7, extractor="pattern:comparative",
                               evidence=[_evidence(rng, sentence, sentence, "pattern:comparative")], papers=[pid], on=[])
    for key in [n for n, d in graph.nodes(data=True) if d["type"] in {"Method", "Dataset", "Modality"} and not d["papers"]]:
        graph.remove_node(key)
    return graph


def _time(fn):
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=9500, help="synthetic papers (9500 ≈ 1M triples)")
    parser.add_argument("--no-rdflib", action="store_true", help="skip the (slow) rdflib comparison")
    parser.add_argument("--out", type=Path, help="keep the files here (default: a temporary folder)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="rdf-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str, str]] = []

    graph, seconds = _time(lambda: synthesise(args.papers))
    print(f"synthesised {args.papers} papers: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges in {seconds:.1f} s")
    lines, seconds = _time(lambda: ntriples_lines(graph))
    triples = len(lines)
    rows.append(("generate the sorted N-Triples statements (kg.export.rdf)", f"{seconds:.2f}", f"{triples:,} triples"))
    del lines
    files, seconds = _time(lambda: write_rdf(graph, out / "graph.nt", out / "graph.ttl"))
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.0f} MB" for p in files)
    rows.append(("write graph.nt + graph.ttl (`write_rdf`, as in `kg build`)", f"{seconds:.2f}", sizes))

    store, seconds = _time(lambda: load_store(out / "graph.nt"))
    rows.append(("pyoxigraph: bulk load graph.nt (in memory)", f"{seconds:.2f}", ""))
    count, seconds = _time(lambda: run_query(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0].value)
    rows.append(("pyoxigraph: full-scan COUNT(*)", f"{seconds:.3f}", f"{int(count):,}"))
    for name, example in examples().items():
        # X = the most popular synthetic method: the worst case for the parameterised examples
        text = bind_params(example.text, {"x": "transformer"} if "x" in example.params else {})
        result, seconds = _time(lambda text=text: run_query(store, text))
        param = " --param x=transformer" if "x" in example.params else ""
        rows.append((f"pyoxigraph: `--example {name}{param}`", f"{seconds:.3f}", f"{len(result.rows):,} rows"))

    if not args.no_rdflib:
        graph_rdflib, seconds = _time(lambda: rdflib.Graph().parse(out / "graph.nt", format="nt"))
        rows.append(("rdflib: parse graph.nt", f"{seconds:.2f}", ""))
        count, seconds = _time(lambda: next(iter(graph_rdflib.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))[0])
        rows.append(("rdflib: full-scan COUNT(*)", f"{seconds:.2f}", f"{int(count):,}"))

    print(f"\n{triples:,} triples; machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, pyoxigraph {pyoxigraph.__version__}, rdflib {rdflib.__version__}\n")
    print("| step | seconds | size / answer |\n|---|---:|---|")
    for step, secs, note in rows:
        print(f"| {step} | {secs} | {note} |")


if __name__ == "__main__":
    main()
