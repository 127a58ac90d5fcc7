"""Runs the extraction on a Dask cluster: papers go out in partitions, as (title, abstract) pairs,
each worker builds the pipeline once (again when its vocabulary outgrows a limit) and sends back each
paper's extraction row (the JSON text the build's cache stores), in input order for assembly.

``scheduler`` is a Dask scheduler address (``tcp://host:8786``) or ``local:N`` for a LocalCluster of N
worker processes on this machine (what the tests use). Workers may run several threads: each thread
gets its own pipeline (spaCy pipelines and Hyperscan scratch space are not shared across threads).
Like :mod:`kg.extract.workers`, this module imports no spaCy: the workers load it, not the build."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from kg.extract.workers import batches, rows_of, texts_of
from kg.model import Extraction, Paper

if TYPE_CHECKING:  # pragma: no cover - types only
    from spacy.language import Language

_LOCAL = threading.local()  # a worker thread's pipelines, built on first use


def _pipeline(ontology: str) -> Language:
    """One pipeline per worker thread and vocabulary folder, built on first use, and again once its
    vocabulary has outgrown ``kg.extract.pipeline.VOCABULARY_LIMIT`` (a Dask worker may read
    millions of abstracts: its memory stays bounded)."""
    from kg.extract.pipeline import build_nlp, outgrown

    pipelines = _LOCAL.__dict__.setdefault("pipelines", {})
    if ontology not in pipelines or outgrown(pipelines[ontology]):
        pipelines.pop(ontology, None)
        pipelines[ontology] = build_nlp(Path(ontology) if ontology else None)
    return pipelines[ontology]


def extract_partition(texts: list[tuple[str, str]], ontology: str = "") -> list[str]:
    """Extract one partition of (title, abstract) pairs (runs on a worker): their rows
    (:func:`kg.extract.workers.rows_of`)."""
    return rows_of(texts, _pipeline(ontology))


class _Future(Protocol):
    def result(self) -> Any: ...


def in_order(submit: Callable[[list[Paper]], _Future], batches: Iterable[list[Paper]], window: int) -> Iterator[Any]:
    """The results of ``submit(batch)`` for each batch, in the batches' order, with at most ``window``
    batches submitted and not yet read: on a cluster reading millions of abstracts, neither the
    scheduler nor the workers hold more than that many partitions and their results."""
    pending: deque[_Future] = deque()
    for batch in batches:
        if len(pending) == window:
            yield _take(pending.popleft())
        pending.append(submit(batch))
    while pending:
        yield _take(pending.popleft())


def _take(future: _Future) -> Any:
    result = future.result()
    release = getattr(future, "release", None)  # a Dask future: let the cluster forget its result
    if release is not None:
        release()
    return result


def extract_on_dask(
    papers: Iterable[Paper], scheduler: str, *, ontology: Path | None = None, partition_size: int = 1000
) -> Iterator[Extraction]:
    """Stream extractions in input order from a Dask cluster (:func:`extract_rows_on_dask`'s rows as records)."""
    for paper, row in extract_rows_on_dask(papers, scheduler, ontology=ontology, partition_size=partition_size):
        yield Extraction.from_row(orjson.loads(row), paper)


def extract_rows_on_dask(
    papers: Iterable[Paper], scheduler: str, *, ontology: Path | None = None, partition_size: int = 1000
) -> Iterator[tuple[Paper, str]]:
    """Each paper with its extraction row, in input order, from a Dask cluster (see the module
    docstring). Partitions hold at most ``partition_size`` papers and are small enough that every
    worker gets several; four partitions per worker thread are in flight at a time (:func:`in_order`)."""
    papers = list(papers)
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise RuntimeError("the Dask scheduler needs `pip install 'neuroai-kg[dask]'`") from error

    cluster = None
    if scheduler == "local" or scheduler.startswith("local:"):
        count = scheduler.partition(":")[2] or "2"
        if not count.isdigit() or not 1 <= int(count) <= 256:
            raise ValueError(f"--scheduler {scheduler!r}: expected local:N with N a number of worker processes")
        cluster = LocalCluster(n_workers=int(count), threads_per_worker=1, processes=True, dashboard_address=None)
        address: object = cluster
    else:
        address = scheduler
    try:
        with Client(address) as client:
            workers = max(1, sum(client.nthreads().values()))
            size = max(1, min(partition_size, -(-len(papers) // (4 * workers))))
            sent: deque[list[Paper]] = deque()  # each partition's papers until its rows are back

            def submit(batch: list[Paper]) -> _Future:
                sent.append(batch)
                return client.submit(extract_partition, texts_of(batch), str(ontology or ""), pure=False)

            # in submission order: the output does not depend on timing
            for rows in in_order(submit, batches(papers, size), 4 * workers):
                yield from zip(sent.popleft(), rows, strict=True)
    finally:
        if cluster is not None:
            cluster.close()
