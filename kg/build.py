"""The main job behind ``kg build``: read → extract (with a content-hash cache) → assemble →
export, returning a summary of what was read, merged and written."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from kg.export.atomic import atomic_write_chunks
from kg.export.rdf import write_rdf
from kg.export.registry import DEFAULT_BUILD_FORMATS, get_exporter
from kg.extract.pipeline import PIPELINE_VERSION, extract
from kg.extract.vocabulary import VOCABULARY_FILES, Vocabulary, default_ontology_dir
from kg.graph.assemble import AssemblyStats, assemble
from kg.ingest import ReadLog, read_papers
from kg.model import Extraction, Paper

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


def _load_cache(path: Path, fingerprint: str) -> dict[str, dict]:
    if not path.exists():
        return {}
    cache: dict[str, dict] = {}
    with path.open(encoding="utf-8") as handle:
        header = handle.readline()
        try:
            if json.loads(header).get("fingerprint") != fingerprint:
                return {}
        except (json.JSONDecodeError, AttributeError):
            return {}
        for line in handle:
            try:
                record = json.loads(line)
                cache[record["hash"]] = record["extraction"]
            except (json.JSONDecodeError, KeyError):
                continue  # a damaged cache line only costs a re-extraction
    return cache


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
    ontology = ontology or default_ontology_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    log = ReadLog()
    timings: dict[str, float] = {}
    fingerprint = pipeline_fingerprint(ontology)
    cache_path = out_dir / CACHE_NAME
    cache = _load_cache(cache_path, fingerprint) if use_cache else {}

    started = time.perf_counter()
    papers = list(read_papers(inputs, log, fmt))
    warn_conflicting_duplicates(papers, log)
    timings["ingest"] = time.perf_counter() - started

    started = time.perf_counter()
    unique: dict[str, Paper] = {}
    for paper in papers:
        unique.setdefault(paper.content_hash, paper)
    todo = [p for h, p in unique.items() if h not in cache]
    fresh: dict[str, Extraction] = {}
    if not todo:  # everything cached: not even a pipeline to build
        stream: Iterable[Extraction] = ()
    elif scheduler:
        from kg.extract.distributed import extract_on_dask

        stream = extract_on_dask(todo, scheduler, ontology=ontology)
    else:
        # a worker process costs a pipeline start-up: only worth it for a few hundred papers each
        stream = extract(todo, ontology=ontology, n_process=max(1, min(n_process, len(todo) // 300)))
    for count, extraction in enumerate(stream, start=1):
        fresh[extraction.paper.content_hash] = extraction
        if progress is not None:
            progress(count, len(todo))
    extractions: list[Extraction] = []
    for paper in papers:
        found = fresh.get(paper.content_hash)
        if found is None:
            found = Extraction.from_dict(cache[paper.content_hash])
        # same text, this record's source/line/metadata (a copy: records with equal text share `found`)
        extractions.append(dataclasses.replace(found, paper=paper))
    timings["extract"] = time.perf_counter() - started

    def cache_lines() -> Iterator[str]:  # streamed: the cache of a large corpus is never one string
        yield json.dumps({"fingerprint": fingerprint, "version": PIPELINE_VERSION}) + "\n"
        for digest in sorted(unique):
            data = fresh[digest].to_dict() if digest in fresh else cache[digest]
            yield json.dumps({"hash": digest, "extraction": data}, ensure_ascii=False, sort_keys=True) + "\n"

    files = [atomic_write_chunks(cache_path, cache_lines())]

    started = time.perf_counter()
    stats = AssemblyStats()
    graph = assemble(extractions, Vocabulary.load(ontology), stats)
    timings["assemble"] = time.perf_counter() - started

    names = [name for name in (formats or DEFAULT_BUILD_FORMATS) if html or name != "html"]
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
    return BuildResult(graph, log, stats, files, timings, extracted=len(fresh), cached=len(unique) - len(fresh))
