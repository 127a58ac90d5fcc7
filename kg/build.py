"""The main job behind ``kg build``: read → extract (with a content-hash cache) → assemble →
export, returning a summary of what was read, merged and written. A rebuild whose inputs only
gained files adds their papers to the previous build's graph and copies the RDF that did not change;
one with nothing new writes nothing."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import marshal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import networkx as nx

from kg.build_state import (
    SNAPSHOT_NAME,
    STATE_NAME,
    BuildState,
    FirstRead,
    InputFile,
    Packed,
    Stamp,
    duplicate_warnings,
    program_fingerprint,
    stamp,
    warning_data,
)
from kg.export.json_graph import JsonIndex, read_json, write_json_indexed
from kg.export.rdf import RdfIndex, start_rdf
from kg.export.registry import DEFAULT_BUILD_FORMATS, EXPORTERS, get_exporter
from kg.extract.cache import CACHE_NAME, RowReader, RowSpan, index_cache, pipeline_fingerprint, write_cache
from kg.extract.vocabulary import Vocabulary, default_ontology_dir
from kg.graph import snapshot
from kg.graph.assemble import AssemblyState, AssemblyStats, NotIncremental, assemble, extend
from kg.ingest import IngestWarning, ReadLog, input_files, read_papers
from kg.model import Paper, StoredExtraction
from kg.output_lock import Leftover, output_lock

__all__ = ["CACHE_NAME", "SNAPSHOT_NAME", "STATE_NAME", "BuildResult", "build", "pipeline_fingerprint"]

#: A rebuild writes a new graph snapshot (instead of adding to the journal) once the papers added
#: since the last one reach this share of its papers, or after this many additions.
JOURNAL_SHARE, JOURNAL_BATCHES = 0.2, 8
#: From this many papers in the build, extraction runs in worker processes even with ``-j 1``: the
#: pipeline (spaCy and its tables, about 110 MB) is then never in the process that holds the graph.
ISOLATE_FROM = 5000


#: The node types a build's summary counts.
NODE_TYPES = ("Paper", "Method", "Dataset", "Modality", "Claim", "Person")


@dataclass
class BuildResult:
    """What a build did: counts, the graph, the files written and how long each stage took."""

    log: ReadLog
    stats: AssemblyStats
    node_counts: dict[str, int]  # the graph's nodes by type (each of NODE_TYPES)
    edges: int  # the graph's edges
    #: the graph, or (a build that had nothing to do) what reads it from the build's graph.json: see ``graph``
    graph_source: nx.MultiDiGraph | Callable[[], nx.MultiDiGraph] = field(repr=False)
    files: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    extracted: int = 0
    cached: int = 0  # papers whose extraction was reused (from the cache, or in the previous build's graph)
    wall: float = 0.0  # seconds for the whole build
    #: how the graph was made: "" (assembled from every paper), or how the previous build's was
    #: taken ("added N records to the previous build's graph; …", "no new records, …");
    #: ``rebuilt`` says why a rebuild could not add to it, when it could not
    incremental: str = ""
    rebuilt: str = ""
    #: nothing to do: the inputs, the options and every file written are the previous build's, as
    #: it left them (its summary is this one's; ``files`` are its files, not written again)
    up_to_date: bool = False
    #: temporary files a stopped build had left in the output folder, removed by this one
    leftovers: list[Leftover] = field(default_factory=list)

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The build's graph. A build that had nothing to do reads it from its graph.json when it is
        first asked for (``ValueError`` if that file changed since)."""
        if callable(self.graph_source):
            self.graph_source = self.graph_source()
        return self.graph_source

    def counts(self) -> dict[str, int]:
        """The graph's nodes by type."""
        return dict(self.node_counts)


def _summary(graph: nx.MultiDiGraph, stats: AssemblyStats) -> dict[str, Any]:
    """What a build's summary says of its graph and its assembly (kept in the build state)."""
    types = Counter(data["type"] for _, data in graph.nodes(data=True))
    return {"counts": {t: types.get(t, 0) for t in NODE_TYPES}, "edges": graph.number_of_edges(),
            "extractions": stats.extractions, "duplicate_papers": stats.duplicate_papers,
            "merged_entities": stats.merged_entities}


def _result(graph: nx.MultiDiGraph, summary: dict[str, Any], log: ReadLog, stats: AssemblyStats, **fields: Any) -> BuildResult:
    return BuildResult(log, stats, summary["counts"], summary["edges"], graph, **fields)


def _kept_graph(path: Path, kept: Stamp) -> Callable[[], nx.MultiDiGraph]:
    """What reads the graph of a build that had nothing to do, from its ``graph.json``."""
    def load() -> nx.MultiDiGraph:
        if stamp(path) != kept:
            raise ValueError(f"{path} changed since the build that kept it: build again to get its graph")
        return read_json(path)
    return load


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a stage builds millions of long-lived objects
    that form no reference cycles (papers, the graph): it would scan the growing heap again and
    again, about half of assembly's time. Reference counting still frees everything as usual. On
    the way out, what exists is moved out of the collector's sight (``gc.freeze``): otherwise the
    first collection after it (a full one, given so many new objects) would go over every object
    once more, seconds on a big graph."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _index_bytes(data: tuple) -> bytes:
    """A file index's plain data (hundreds of thousands of node ids, each once) marshalled for the
    build state in marshal's format 2, which keeps no table of the objects written (format 3 and
    later look every object up in one to share repeats, which these ids are not): at 100,000
    papers about 77 → 43 MiB at its peak and twice as fast; ``marshal.loads`` reads any format."""
    return marshal.dumps(data, 2)


def _give_back_memory() -> None:
    """Return the C heap's free pages to the system (glibc's ``malloc_trim``; elsewhere nothing): a
    stage's freed temporaries otherwise stay in this process's resident memory, fragmented, under
    the graph that lives on (about 90 MB at 100,000 papers, after assembly and after each export)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError, TypeError):  # not glibc (or no C library to open by None)
        return None


def _drain(items: list[StoredExtraction]) -> Iterator[StoredExtraction]:
    """Hand the items over one by one, emptying the list: the receiver holds the only references."""
    items.reverse()
    while items:
        yield items.pop()


@dataclass
class _Options:
    """What one build was asked to do (``build``'s arguments, checked)."""

    out_dir: Path
    fmt: str | None
    ontology: Path
    fingerprint: str
    program: str  # kg.build_state.program_fingerprint
    n_process: int
    progress: Callable[[int, int], None] | None
    names: list[str]  # export formats
    view: str
    scheduler: str | None
    stage: Callable[[str], None] | None = None

    def begin(self, name: str) -> float:
        """The time stage ``name`` (a key of the build's timings) begins, first told to ``stage``."""
        if self.stage is not None:
            self.stage(name)
        return time.perf_counter()

    @property
    def cache_path(self) -> Path:
        return self.out_dir / CACHE_NAME

    @property
    def exports(self) -> tuple[tuple[str, ...], str]:
        """What decides which files the exports write: the formats, and the page's view."""
        return tuple(self.names), self.view


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
    stage: Callable[[str], None] | None = None,
) -> BuildResult:
    """Run the whole job and write the export ``formats`` (names in ``kg.export.registry``; default
    ``graph.json``, ``graph.ttl``, ``graph.nt``, ``graph.html``). ``graph.json`` is always written:
    ``kg export`` reads it. ``view``: which view of the graph the page shows (see
    :func:`kg.export.html.render_html`). ``scheduler``: run the extraction on a Dask cluster
    (an address, or ``local:N``; see :mod:`kg.extract.distributed`) instead of local processes.
    ``stage`` is called with each stage's name as it begins, the names of the result's timings, in
    their order (a progress line: a big build spends minutes after its extraction).

    With ``use_cache``, extractions are reused by content hash, and when the inputs are the previous
    build's (same files, unchanged) plus new files, the new papers are added to its graph (saved in
    ``graph.snapshot``) and the RDF statements that did not change are copied from its files; the
    outputs are byte-identical to a build from scratch. When the inputs are the previous build's,
    unchanged, and so are the options and every file it wrote, nothing is written (``up_to_date``).
    ``use_cache=False`` reads and assembles all.

    One build at a time writes to an output folder (``OSError`` naming it when another one does:
    :mod:`kg.output_lock`); the temporary files a killed build left there are removed first."""
    begun = time.perf_counter()
    ontology = ontology or default_ontology_dir()
    names = [name for name in (formats or DEFAULT_BUILD_FORMATS) if html or name != "html"]
    options = _Options(out_dir, fmt, ontology, pipeline_fingerprint(ontology), program_fingerprint(ontology), n_process, progress,
                       names, view, scheduler, stage)
    files = list(input_files(inputs))
    folders = [exporter.default_path(out_dir).name for exporter in EXPORTERS.values() if exporter.folder]
    frozen = gc.get_freeze_count()
    with output_lock(out_dir, folders) as leftovers:
        try:
            result = _add_or_build(files, options, use_cache, begun)
        finally:
            if not frozen:  # the stages froze what they made (see _collector_paused): the caller's collector as it was
                gc.unfreeze()
    result.leftovers = leftovers
    return result


def _add_or_build(files: list[Path], options: _Options, use_cache: bool, begun: float) -> BuildResult:
    """Add the new papers to the previous build's graph where that gives the same graph, else build
    from every paper (saying why in ``rebuilt``)."""
    rebuilt = ""
    if use_cache and (options.out_dir / STATE_NAME).exists():
        try:
            loading = time.perf_counter()
            return _add_to_previous(BuildState.load(options.out_dir / STATE_NAME), files, options, begun, loading)
        except (NotIncremental, ValueError) as error:  # said in the summary; the build starts over
            rebuilt = str(error)
    result = _build_all(files, options, use_cache, begun)
    result.rebuilt = rebuilt
    return result


def _read(files: list[Path], fmt: str | None) -> tuple[list[Paper], list[InputFile], ReadLog]:
    """Every paper of ``files``, each file's record (stamp, warnings) and the log of them all."""
    papers: list[Paper] = []
    records: list[InputFile] = []
    log = ReadLog()
    with _collector_paused():
        for path in files:
            part = ReadLog()
            file_stamp = stamp(path)
            papers.extend(read_papers([path], part, fmt))
            if file_stamp is not None:
                records.append(InputFile.of(path, part, file_stamp))
            log.add(part)
    return papers, records, log


def _extract(unique: dict[str, Paper], options: _Options, use_cache: bool, in_use: int | None = None,
             started: Callable[[], None] = lambda: None) -> tuple[dict[str, RowSpan], int]:
    """Where the extraction row of each paper in ``unique`` (by content hash) is in the cache,
    extracting the papers it lacks; and how many were extracted. ``in_use`` (a rebuild adding to the
    previous graph): how many papers the cache serves in all; it is then appended to, never rewritten.
    ``started``: called when no more processes will be forked for the extraction."""
    cache_path, fingerprint = options.cache_path, options.fingerprint
    known, records = index_cache(cache_path, fingerprint, unique) if use_cache else ({}, 0)
    todo = [p for h, p in unique.items() if h not in known]
    # append to a cache that is mostly still in use; rewrite one that is mostly stale (or unusable)
    keep = records > 0 and (in_use is not None or bool(known) and records <= 2 * len(unique) + 1000)
    if keep and not todo:  # every row is there already, and the file stays as it is
        started()
        return known, 0
    spans: dict[str, RowSpan] = known if keep else {}
    with write_cache(cache_path, fingerprint, keep=records if keep else None) as cache:
        if not keep and known:
            with RowReader(cache_path) as old:  # the rows still in use, moved to the new file
                for digest, span in known.items():
                    spans[digest] = cache.add(digest, old.raw(span))
        if not todo:  # everything cached: not even a pipeline to build
            stream: Iterable[tuple[Paper, str]] = ()
            started()
        elif options.scheduler:
            from kg.extract.distributed import extract_rows_on_dask

            started()  # the cluster's workers are not this process's children
            stream = extract_rows_on_dask(todo, options.scheduler, ontology=options.ontology)
        else:
            # spaCy only where the papers are read (a worker, or here for few)
            from kg.extract.workers import BATCH_SIZE, extract_rows

            # a worker process costs a pipeline start-up: only worth it for a few hundred papers each;
            # a big graph's build extracts in workers even so, its own process never holding the pipeline
            n_process = max(1, min(options.n_process, len(todo) // 300))
            stream = extract_rows(todo, ontology=options.ontology, n_process=n_process,
                                  batch_size=min(BATCH_SIZE, -(-len(todo) // n_process)),  # every worker busy
                                  isolate=max(len(unique), in_use or 0) >= ISOLATE_FROM, started=started)
        for count, (paper, row) in enumerate(stream, start=1):
            digest = paper.content_hash  # a SHA-256 of the text: made once here
            spans[digest] = cache.add(digest, row)
            if options.progress is not None:
                options.progress(count, len(todo))
    return spans, len(todo)


def _build_all(files: list[Path], options: _Options, use_cache: bool, begun: float) -> BuildResult:
    """Read, extract, assemble and export every paper; leave the graph and the state for a rebuild."""
    out_dir = options.out_dir
    timings: dict[str, float] = {}
    started = options.begin("ingest")
    papers, inputs, log = _read(files, options.fmt)
    first: FirstRead = {}
    duplicates = duplicate_warnings(papers, first)
    log.warnings.extend(duplicates)
    timings["ingest"] = time.perf_counter() - started

    started = options.begin("extract")
    unique: dict[str, Paper] = {}
    for paper in papers:
        unique.setdefault(paper.content_hash, paper)
    spans, extracted = _extract(unique, options, use_cache)
    cached = len(unique) - extracted
    first_read, contents = Packed.of(first), Packed.of(list(unique))  # kept as bytes until the state is saved
    del unique, first
    timings["extract"] = time.perf_counter() - started

    started = options.begin("assemble")
    stats, state = AssemblyStats(), AssemblyState()
    with RowReader(options.cache_path) as read:  # each extraction is read from the cache when assembly merges it
        stored = [StoredExtraction(paper, read, spans[paper.content_hash]) for paper in papers]
        del papers, spans
        with _collector_paused():
            graph = assemble(_drain(stored), Vocabulary.load(options.ontology), stats, state)  # the graph replaces the records
    timings["assemble"] = time.perf_counter() - started

    started = options.begin("save graph")
    _give_back_memory()
    with _collector_paused():  # saved first, so that what only assembly needed is gone before the exports
        snapshot.save(out_dir / SNAPSHOT_NAME, graph, state.to_data())
    del state
    _give_back_memory()
    timings["save graph"] = time.perf_counter() - started
    snapshot_stamp = stamp(out_dir / SNAPSHOT_NAME) or (0, 0)
    summary = _summary(graph, stats)
    files_written = _export(graph, options, timings, None, (), lambda indexes: BuildState(
        options.fingerprint, options.fmt, inputs, first_read, warning_data(duplicates), contents, snapshot_stamp, [], indexes,
        program=options.program, exports=options.exports, summary=summary))
    return _result(graph, summary, log, stats, files=[options.cache_path, *files_written], timings=timings, extracted=extracted,
                   cached=cached, wall=time.perf_counter() - begun)


def _add_to_previous(previous: BuildState, files: list[Path], options: _Options, begun: float, loading: float) -> BuildResult:
    """The build as the new files' papers added to the previous build's graph (whose state began
    loading at ``loading``: part of the ingest, which reads what the previous inputs gave from it).
    Raises ``NotIncremental`` or ``ValueError``, with the reason, when that cannot give what a build
    from scratch gives (the inputs are not the previous ones plus new files, …)."""
    out_dir = options.out_dir
    if previous.fingerprint != options.fingerprint:
        raise NotIncremental("the extractors or vocabularies changed")
    if previous.fmt != options.fmt:
        raise NotIncremental("the inputs are read with another --format")
    if previous.program != options.program:
        raise NotIncremental("neuroai-kg or its ontology changed since (the files may be written differently)")
    old = {record.path: record for record in previous.inputs}
    rank = {str(path): index for index, path in enumerate(files)}
    for record in previous.inputs:
        if record.path not in rank:
            raise NotIncremental(f"{record.path} is no longer an input")
        if stamp(Path(record.path)) != record.stamp:
            raise NotIncremental(f"{record.path} changed")
    order = [rank[record.path] for record in previous.inputs]
    if order != sorted(order):  # the graph would be the same, not what the warnings say (which record came first)
        raise NotIncremental("the inputs are given in another order")
    timings: dict[str, float] = {}

    options.begin("ingest")
    started = loading
    added = [path for path in files if str(path) not in old]
    papers, inputs, _ = _read(added, options.fmt)
    by_path = {record.path: record for record in inputs}
    log = ReadLog()
    for path in files:  # every file's warnings, in reading order, as a build from scratch gives them
        record = old.get(str(path)) or by_path.get(str(path))
        if record is not None:
            log.add(record.log())
        else:  # a path that is not a file: read again for its warning
            part = ReadLog()
            list(read_papers([path], part, options.fmt))
            log.add(part)
    first = previous.first_read
    for paper in papers:
        seen = first.get(paper.key)
        if seen is not None and rank.get(seen[0], -1) > rank.get(paper.source, -1):
            raise NotIncremental(f"{paper.source}:{paper.line} is read before a record of the same paper already in the graph")
    duplicates = [IngestWarning(*warning) for warning in previous.duplicates] + duplicate_warnings(papers, first)
    duplicates.sort(key=lambda warning: (rank.get(warning.source, len(rank)), warning.line))
    log.warnings.extend(duplicates)
    kept = None if inputs else previous.kept_outputs(out_dir, options.exports)
    if kept is not None:  # nothing new to read, nothing to write
        summary = previous.summary
        stats = AssemblyStats(summary["extractions"], summary["duplicate_papers"], summary["merged_entities"])
        timings["ingest"] = time.perf_counter() - started
        return _result(_kept_graph(out_dir / "graph.json", previous.outputs["graph.json"]), summary, log, stats,
                       files=[options.cache_path, *kept], timings=timings, cached=len(cast("set[str]", previous.contents)),
                       wall=time.perf_counter() - begun, up_to_date=True)
    if stamp(out_dir / SNAPSHOT_NAME) != previous.snapshot:  # (not needed when there is nothing to do)
        raise NotIncremental(f"{out_dir / SNAPSHOT_NAME} is not the one the last build wrote")
    journal = [*previous.journal, [str(path) for path in added]] if added else previous.journal
    replayed = [_read([Path(path) for path in batch], options.fmt)[0] for batch in previous.journal]
    if added:
        replayed.append(papers)
    timings["ingest"] = time.perf_counter() - started

    started = options.begin("extract")
    unique: dict[str, Paper] = {}
    for paper in (p for batch in replayed for p in batch):
        unique.setdefault(paper.content_hash, paper)
    contents = previous.contents | {paper.content_hash for paper in papers}
    # the new papers are extracted (in worker processes, from a thread here) while the graph loads
    forked = threading.Event()

    def extract(papers: dict[str, Paper]) -> tuple[dict[str, RowSpan], int, float]:
        spans, extracted = _extract(papers, options, True, len(previous.contents | papers.keys()), forked.set)
        return spans, extracted, time.perf_counter()

    with ThreadPoolExecutor(1, thread_name_prefix="kg-extract") as side:
        extraction = side.submit(extract, unique)
        extraction.add_done_callback(lambda _: forked.set())  # failed before forking: go on, its error comes below
        forked.wait()  # no fork while the graph is half loaded
        loading = options.begin("load graph")
        with _collector_paused():
            graph, data = snapshot.load(out_dir / SNAPSHOT_NAME)
        state = AssemblyState.from_data(data)
        del data  # what the state does not keep of it (the records it replaces) goes with the state
        loaded = time.perf_counter() - loading
        spans, extracted, done = extraction.result()
    del unique
    # kept as bytes until the state is saved (the previous state's objects let go)
    first_read, packed_contents, read_count = Packed.of(first), Packed.of(sorted(contents)), len(contents)
    del first, contents
    previous.first_read, previous.contents = {}, set()
    timings["extract"] = done - started  # the two overlap: extraction from its start to its end
    timings["load graph"] = loaded

    started = options.begin("assemble")
    stats = AssemblyStats(state.extractions, state.duplicate_papers, dict(sorted(state.merges.items())))
    vocabulary = Vocabulary.load(options.ontology)
    with RowReader(options.cache_path) as read, _collector_paused():
        # the additions since the snapshot and this one, in one pass (extend gives what assembling
        # them all at once gives); what changed since the previous build's files is among what
        # changed since the snapshot: rendered again, the rest copied
        items = [StoredExtraction(p, read, spans[p.content_hash]) for batch in replayed for p in batch]
        changed = extend(graph, state, items, vocabulary, stats) if items else set()
    if not added:  # the previous build's graph again: its files are what this build writes
        changed = set()
    _give_back_memory()
    timings["assemble"] = time.perf_counter() - started

    snapshot_stamp = previous.snapshot
    if len(journal) >= JOURNAL_BATCHES or sum(map(len, replayed)) > JOURNAL_SHARE * state.extractions:
        started = options.begin("save graph")
        with _collector_paused():
            snapshot.save(out_dir / SNAPSHOT_NAME, graph, state.to_data())
        snapshot_stamp, journal = stamp(out_dir / SNAPSHOT_NAME) or (0, 0), []
        timings["save graph"] = time.perf_counter() - started
    del state
    read_files = sorted([*previous.inputs, *inputs], key=lambda item: rank[item.path])
    summary = _summary(graph, stats)
    files_written = _export(graph, options, timings, previous, changed, lambda indexes: BuildState(
        options.fingerprint, options.fmt, read_files, first_read, warning_data(duplicates), packed_contents, snapshot_stamp, journal,
        indexes, program=options.program, exports=options.exports, summary=summary), same=not papers)
    return _result(graph, summary, log, stats, files=[options.cache_path, *files_written], timings=timings, extracted=extracted,
                   cached=read_count - extracted, wall=time.perf_counter() - begun,
                   incremental=f"added {len(papers)} records to the previous build's graph; the unchanged parts of the RDF and "
                               "JSON files copied" if papers else
                               "no new records, the previous build's graph; the files it wrote that are as it left them kept")


@contextlib.contextmanager
def _switching(interval: float | None) -> Iterator[None]:
    """Python's thread switch interval set to ``interval`` seconds meanwhile (None: left alone). A
    rebuild's writer threads copy thousands of byte ranges of the previous files, each needing the
    GIL for a moment between system calls: at the default 5 ms they wait that long behind the
    exports' CPU-bound work every time, and the copying outlasts the exports by seconds."""
    default = sys.getswitchinterval()
    if interval is not None:
        sys.setswitchinterval(interval)
    try:
        yield
    finally:
        sys.setswitchinterval(default)


def _export(graph: nx.MultiDiGraph, options: _Options, timings: dict[str, float], previous: BuildState | None,
            changed: set[str] | tuple[()], record: Callable[[dict[str, bytes]], BuildState], same: bool = False) -> list[Path]:
    """Write the export formats, and last the build state (``record``, given the files' indexes).
    ``same``: the graph is the ``previous`` build's (no new papers), so what it wrote, still as it
    left it and made with the same options, is kept as it is (a rebuild for another ``--view``
    or another format writes only that). The RDF files and graph.json copy what did not change
    from the ``previous`` build's (when they are still the files it wrote), and are finished
    last: their copying and writing to disk go on while the other formats are made, and while
    the state is written. The state is renamed into place after them, with their stamps: until
    then the previous state stays, and stays true (it names the snapshot and the files it
    describes by their stamps), so a build killed on the way leaves nothing that a rebuild would
    trust wrongly."""
    files: list[Path] = []
    indexes: dict[str, bytes] = {}
    out_dir, names = options.out_dir, options.names

    def index(name: str, files_: tuple[str, ...]) -> Any:
        """The previous build's index of these files, if they are unchanged since."""
        if previous is None or name not in previous.indexes or not previous.unchanged(out_dir, files_):
            return None
        data = marshal.loads(previous.indexes.pop(name))  # read when used, and only then: big files have big indexes
        return (RdfIndex if name == "rdf" else JsonIndex).from_data(data)

    def kept(files_: list[str], index_name: str | None = None) -> bool:
        """Whether these files (one at least) of the previous build's stay as they are: the graph
        is the same, each is still as it left it, and so is the index named, if any (taken over)."""
        if not same or previous is None or not files_ or not previous.unchanged(out_dir, files_):
            return False
        if index_name is not None:
            if index_name not in previous.indexes:
                return False
            indexes[index_name] = previous.indexes.pop(index_name)
        return True

    with contextlib.ExitStack() as last, _collector_paused(), _switching(0.0005 if previous is not None else None), \
            contextlib.ExitStack() as commit:
        # one after another, in this process: forked exporters would each copy the graph they walk
        rdf_index: Callable[[], RdfIndex] | None = None
        if "turtle" in names and "ntriples" in names:  # one pass over the triples for both files
            names = [name for name in names if name not in ("turtle", "ntriples")]
            started = options.begin("export:graph.ttl+nt")
            nt, ttl = out_dir / "graph.nt", out_dir / "graph.ttl"
            if not kept(["graph.nt", "graph.ttl"], "rdf"):
                rdf_index = start_rdf(graph, nt, ttl, index("rdf", ("graph.nt", "graph.ttl")), changed, commit)
            files.extend([ttl, nt])
            timings["export:graph.ttl+nt"] = time.perf_counter() - started
            _give_back_memory()
        started = options.begin("export:graph.json")
        if not kept(["graph.json"], "json"):
            indexes["json"] = _index_bytes(write_json_indexed(graph, out_dir / "graph.json", index("json", ("graph.json",)),
                                                              changed, commit).to_data())
        files.append(out_dir / "graph.json")
        timings["export:graph.json"] = time.perf_counter() - started
        _give_back_memory()
        for exporter in map(get_exporter, dict.fromkeys(name for name in names if name != "json")):
            target = exporter.default_path(out_dir)
            started = options.begin(f"export:{target.name}")
            mine = [target.name] if not exporter.folder or previous is None else \
                [file for file in previous.outputs if file.startswith(f"{target.name}/")]  # a folder's files
            if kept(mine) and ("view" not in exporter.options or previous is not None and previous.exports[1] == options.view):
                files.extend(out_dir / file for file in mine)
            else:
                files.extend(exporter.write(graph, target, view=options.view))
            timings[f"export:{target.name}"] = time.perf_counter() - started
            _give_back_memory()
        if rdf_index is not None:  # the Turtle file is made beside the other exports: done by now, or nearly
            started = options.begin("finish graph.ttl")
            indexes["rdf"] = _index_bytes(rdf_index().to_data())
            _give_back_memory()
            timings["finish graph.ttl"] = time.perf_counter() - started
        started = options.begin("save state")
        last.enter_context(record(indexes).saving(out_dir / STATE_NAME, lambda: {
            path.relative_to(out_dir).as_posix(): file_stamp for path in files if (file_stamp := stamp(path)) is not None}))
        timings["save state"] = time.perf_counter() - started
        started = options.begin("finish files")
    timings["finish files"] = time.perf_counter() - started
    return files
