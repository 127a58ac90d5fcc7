"""Runs the extraction on a Dask cluster: papers go out in partitions, each worker builds the
pipeline once (again when its vocabulary outgrows a limit) and returns plain dicts, and the
results come back in input order for assembly.

``scheduler`` is a Dask scheduler address (``tcp://host:8786``) or ``local:N`` for a LocalCluster of N
worker processes on this machine (what the tests use). Workers may run several threads: each thread
gets its own pipeline (spaCy pipelines and Hyperscan scratch space are not shared across threads)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from spacy.language import Language

from kg.model import Extraction, Paper

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


def extract_partition(papers: list[Paper], ontology: str = "") -> list[dict]:
    """Extract one partition (runs on a worker); dicts travel lighter than dataclasses."""
    from kg.extract.pipeline import extract_batch

    return [e.to_dict() for e in extract_batch(papers, _pipeline(ontology))]


def _partitions(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    iterator = iter(papers)
    while batch := list(islice(iterator, size)):
        yield batch


def extract_on_dask(
    papers: Iterable[Paper], scheduler: str, *, ontology: Path | None = None, partition_size: int = 1000
) -> Iterator[Extraction]:
    """Stream extractions in input order from a Dask cluster (see the module docstring). Partitions
    hold at most ``partition_size`` papers and are small enough that every worker gets several."""
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
            futures = [
                client.submit(extract_partition, batch, str(ontology or ""), pure=False)
                for batch in _partitions(papers, size)
            ]
            for future in futures:  # in submission order: the output does not depend on timing
                for data in future.result():
                    yield Extraction.from_dict(data)
                future.release()
    finally:
        if cluster is not None:
            cluster.close()
