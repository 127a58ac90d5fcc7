"""The main job behind ``kg build``: read → extract (with a content-hash cache) → assemble →
export, returning a summary of what was read, merged and written."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import networkx as nx
import orjson

from kg.export.atomic import atomic_open
from kg.export.rdf import write_rdf
from kg.export.registry import DEFAULT_BUILD_FORMATS, get_exporter
from kg.extract.pipeline import PIPELINE_VERSION, extract_rows, row_json
from kg.extract.vocabulary import VOCABULARY_FILES, Vocabulary, default_ontology_dir
from kg.graph.assemble import AssemblyStats, assemble
from kg.ingest import ReadLog, read_papers
from kg.model import ROW_FORMAT, Extraction, Paper

CACHE_NAME = "extractions.jsonl"


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


def pipeline_fingerprint(ontology: Path) -> str:
    """Changes whenever the extractors or their vocabularies change (invalidates the cache)."""
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    for name in (*VOCABULARY_FILES, "umbrella-terms.txt"):
        path = ontology / name
        if path.exists():
            digest.update(path.read_bytes())
    for module in sorted(Path(__file__).parent.joinpath("extract").glob("*.py")):
        digest.update(module.read_bytes())
    return digest.hexdigest()[:16]


def _cache_header(fingerprint: str) -> str:
    return json.dumps({"fingerprint": fingerprint, "version": PIPELINE_VERSION, "format": ROW_FORMAT}) + "\n"


def _read_cache(path: Path, fingerprint: str, wanted: dict[str, Paper]) -> tuple[dict[str, Extraction], int]:
    """The cached extractions of the ``wanted`` papers (content hash → paper) and how many records
    the file holds; nothing when it was made by other extractors or vocabularies. Records of papers
    not wanted are skipped unparsed; a damaged line only costs a re-extraction."""
    if not path.exists():
        return {}, 0
    found: dict[str, Extraction] = {}
    records = 0
    with path.open(encoding="utf-8") as handle:
        if handle.readline() != _cache_header(fingerprint):
            return {}, 0
        for line in handle:
            records += 1
            digest = line[10:74]  # every line starts {"hash": "<64 hex digits>", "row": …}
            paper = wanted.get(digest)
            if paper is None or digest in found:
                continue
            try:
                found[digest] = Extraction.from_row(orjson.loads(line)["row"], paper)
            except (ValueError, KeyError, TypeError):  # orjson.JSONDecodeError is a ValueError
                continue
    return found, records


def _cache_line(digest: str, row: str) -> str:
    return f'{{"hash": "{digest}", "row": {row}}}\n'


@contextlib.contextmanager
def _cache_writer(path: Path, header: str, keep: bool) -> Iterator[TextIO]:
    """A stream for new cache lines, replacing the file atomically when done; with ``keep`` the
    file's current lines come first (a rebuild appends only what it extracted)."""
    with atomic_open(path) as stream:
        if keep:
            with path.open(encoding="utf-8", newline="") as old:
                shutil.copyfileobj(old, stream, 1 << 22)
                old.seek(max(0, old.tell() - 1))
                if old.read(1) not in ("\n", ""):
                    stream.write("\n")  # a damaged last line stays one line
        else:
            stream.write(header)
        yield stream


def _drain(items: list[Extraction]) -> Iterator[Extraction]:
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
    papers = list(read_papers(inputs, log, fmt))
    warn_conflicting_duplicates(papers, log)
    timings["ingest"] = time.perf_counter() - started

    started = time.perf_counter()
    unique: dict[str, Paper] = {}
    for paper in papers:
        unique.setdefault(paper.content_hash, paper)
    known, records = _read_cache(cache_path, fingerprint, unique) if use_cache else ({}, 0)
    todo = [p for h, p in unique.items() if h not in known]
    # append to a cache that is mostly still in use; rewrite one that is mostly stale (or unusable)
    keep = bool(known) and records <= 2 * len(unique) + 1000
    timings["read cache"] = time.perf_counter() - started
    started = time.perf_counter()
    fresh: dict[str, Extraction] = {}
    with _cache_writer(cache_path, _cache_header(fingerprint), keep) as cache:
        if not keep:
            for digest, extraction in known.items():
                cache.write(_cache_line(digest, row_json(extraction)))
        if not todo:  # everything cached: not even a pipeline to build
            stream: Iterable[tuple[Extraction, str]] = ()
        elif scheduler:
            from kg.extract.distributed import extract_on_dask

            stream = ((e, row_json(e)) for e in extract_on_dask(todo, scheduler, ontology=ontology))
        else:
            # a worker process costs a pipeline start-up: only worth it for a few hundred papers each
            stream = extract_rows(todo, ontology=ontology, n_process=max(1, min(n_process, len(todo) // 300)))
        for count, (extraction, row) in enumerate(stream, start=1):
            digest = extraction.paper.content_hash
            fresh[digest] = extraction
            cache.write(_cache_line(digest, row))
            if progress is not None:
                progress(count, len(todo))
    files = [cache_path]
    extractions: list[Extraction] = []
    for paper in papers:
        found = fresh.get(paper.content_hash) or known[paper.content_hash]
        # same text, this record's source/line/metadata (a copy: records with equal text share `found`)
        extractions.append(found if found.paper is paper else dataclasses.replace(found, paper=paper))
    extracted, cached = len(fresh), len(unique) - len(fresh)
    del fresh, known, unique, todo
    timings["extract"] = time.perf_counter() - started

    started = time.perf_counter()
    stats = AssemblyStats()
    graph = assemble(_drain(extractions), Vocabulary.load(ontology), stats)  # the graph replaces the records
    timings["assemble"] = time.perf_counter() - started

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
    return BuildResult(graph, log, stats, files, timings, extracted=extracted, cached=cached,
                       wall=time.perf_counter() - begun)
