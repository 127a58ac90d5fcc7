"""The main job behind ``kg build``: read → extract (with a content-hash cache) → assemble →
export, returning a summary of what was read, merged and written."""

from __future__ import annotations

import contextlib
import gc
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from kg.export.rdf import write_rdf
from kg.export.registry import DEFAULT_BUILD_FORMATS, get_exporter
from kg.extract.cache import CACHE_NAME, RowReader, RowSpan, index_cache, pipeline_fingerprint, write_cache
from kg.extract.pipeline import extract_rows, row_json
from kg.extract.vocabulary import Vocabulary, default_ontology_dir
from kg.graph.assemble import AssemblyStats, assemble
from kg.ingest import ReadLog, read_papers
from kg.model import Paper, StoredExtraction

__all__ = ["CACHE_NAME", "BuildResult", "build", "pipeline_fingerprint", "warn_conflicting_duplicates"]


@dataclass
class BuildResult:
    """What a build did: counts, the graph, the files written and how long each stage took."""

    graph: nx.MultiDiGraph
    log: ReadLog
    stats: AssemblyStats
    files: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    extracted: int = 0
    cached: int = 0
    wall: float = 0.0  # seconds for the whole build

    def counts(self) -> dict[str, int]:
        types = Counter(data["type"] for _, data in self.graph.nodes(data=True))
        return {t: types.get(t, 0) for t in ("Paper", "Method", "Dataset", "Modality", "Claim", "Person")}


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a stage builds millions of long-lived objects
    that form no reference cycles (papers, the graph): it would scan the growing heap again and
    again, about half of assembly's time. Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _drain(items: list[StoredExtraction]) -> Iterator[StoredExtraction]:
    """Hand the items over one by one, emptying the list: the receiver holds the only references."""
    items.reverse()
    while items:
        yield items.pop()


def warn_conflicting_duplicates(papers: Iterable[Paper], log: ReadLog) -> None:
    """Warn about records that will merge into one paper (same title, no conflicting identifier)
    although their abstracts differ: the graph keeps one abstract, so say which records met."""
    first: dict[str, Paper] = {}
    for paper in papers:
        seen = first.setdefault(paper.key, paper)
        conflict = any(seen.identifiers.get(s, v) != v for s, v in paper.identifiers.items())
        if seen is not paper and seen.abstract != paper.abstract and not conflict:
            log.warn(paper.source, paper.line, f"same title as {seen.source}:{seen.line} but a different abstract; "
                     "merged into one paper", skipped=False)


def build(
    inputs: Iterable[Path],
    out_dir: Path,
    *,
    fmt: str | None = None,
    ontology: Path | None = None,
    n_process: int = 1,
    use_cache: bool = True,
    html: bool = True,
    progress: Callable[[int, int], None] | None = None,
    formats: Iterable[str] | None = None,
    view: str = "auto",
    scheduler: str | None = None,
) -> BuildResult:
    """Run the whole job and write the export ``formats`` (names in ``kg.export.registry``; default
    ``graph.json``, ``graph.ttl``, ``graph.nt``, ``graph.html``). ``graph.json`` is always written:
    ``kg export`` reads it. ``view``: which view of the graph the page shows (see
    :func:`kg.export.html.render_html`). ``scheduler``: run the extraction on a Dask cluster
    (an address, or ``local:N``; see :mod:`kg.extract.distributed`) instead of local processes."""
    begun = time.perf_counter()
    ontology = ontology or default_ontology_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    log = ReadLog()
    timings: dict[str, float] = {}
    fingerprint = pipeline_fingerprint(ontology)
    cache_path = out_dir / CACHE_NAME

    started = time.perf_counter()
    with _collector_paused():
        papers = list(read_papers(inputs, log, fmt))
    warn_conflicting_duplicates(papers, log)
    timings["ingest"] = time.perf_counter() - started

    started = time.perf_counter()
    unique: dict[str, Paper] = {}
    for paper in papers:
        unique.setdefault(paper.content_hash, paper)
    known, records = index_cache(cache_path, fingerprint, unique) if use_cache else ({}, 0)
    todo = [p for h, p in unique.items() if h not in known]
    # append to a cache that is mostly still in use; rewrite one that is mostly stale (or unusable)
    keep = bool(known) and records <= 2 * len(unique) + 1000
    timings["read cache"] = time.perf_counter() - started
    started = time.perf_counter()
    spans: dict[str, RowSpan] = known if keep else {}
    with write_cache(cache_path, fingerprint, keep=records if keep else None) as cache:
        if not keep and known:
            with RowReader(cache_path) as old:  # the rows still in use, moved to the new file
                for digest, span in known.items():
                    spans[digest] = cache.add(digest, old.raw(span))
        if not todo:  # everything cached: not even a pipeline to build
            stream: Iterable[tuple[Paper, str]] = ()
        elif scheduler:
            from kg.extract.distributed import extract_on_dask

            stream = ((e.paper, row_json(e)) for e in extract_on_dask(todo, scheduler, ontology=ontology))
        else:
            # a worker process costs a pipeline start-up: only worth it for a few hundred papers each
            stream = extract_rows(todo, ontology=ontology, n_process=max(1, min(n_process, len(todo) // 300)))
        for count, (paper, row) in enumerate(stream, start=1):
            spans[paper.content_hash] = cache.add(paper.content_hash, row)
            if progress is not None:
                progress(count, len(todo))
    files = [cache_path]
    extracted, cached = len(todo), len(unique) - len(todo)
    del known, unique, todo
    timings["extract"] = time.perf_counter() - started

    started = time.perf_counter()
    stats = AssemblyStats()
    with RowReader(cache_path) as read:  # each extraction is read from the cache when assembly merges it
        stored = [StoredExtraction(paper, read, spans[paper.content_hash]) for paper in papers]
        del papers, spans
        with _collector_paused():
            graph = assemble(_drain(stored), Vocabulary.load(ontology), stats)  # the graph replaces the records
    timings["assemble"] = time.perf_counter() - started

    gc.freeze()  # the graph lives until the end: later collections need not scan it again
    try:
        names = [name for name in (formats or DEFAULT_BUILD_FORMATS) if html or name != "html"]
        # one after another, in this process: forked exporters would each copy the graph they walk
        if "turtle" in names and "ntriples" in names:  # one pass over the triples for both files
            names = [name for name in names if name not in ("turtle", "ntriples")]
            started = time.perf_counter()
            files.extend(write_rdf(graph, out_dir / "graph.nt", out_dir / "graph.ttl"))
            timings["export:graph.ttl+nt"] = time.perf_counter() - started
        for exporter in map(get_exporter, dict.fromkeys(["json", *names])):
            target = exporter.default_path(out_dir)
            started = time.perf_counter()
            files.extend(exporter.write(graph, target, view=view))
            timings[f"export:{target.name}"] = time.perf_counter() - started
    finally:
        gc.unfreeze()
    return BuildResult(graph, log, stats, files, timings, extracted=extracted, cached=cached,
                       wall=time.perf_counter() - begun)
