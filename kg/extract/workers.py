"""Extraction in worker processes: a pool fed batches of (title, abstract), each worker with its own
pipeline, sending back JSON rows. Imports no spaCy: the build's own process never loads it (~55 MB)."""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from kg.model import Paper

if TYPE_CHECKING:  # pragma: no cover - types only
    from spacy.language import Language

#: Papers per batch sent to a worker: a worker runs a batch component by component
#: (``kg.extract.pipeline.extract_batch``), faster the longer the batch, up to about this many.
BATCH_SIZE = 1000


def batches(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    """``papers`` in lists of ``size`` (the last one shorter)."""
    iterator = iter(papers)
    while batch := list(islice(iterator, size)):
        yield batch


def texts_of(papers: list[Paper]) -> list[tuple[str, str]]:
    """What :func:`rows_of` is sent for ``papers``."""
    return [(paper.title, paper.abstract) for paper in papers]


def extract_rows(
    papers: Iterable[Paper],
    *,
    nlp: Language | None = None,
    ontology: Path | None = None,
    n_process: int = 1,
    batch_size: int = BATCH_SIZE,
    isolate: bool = False,
    started: Callable[[], None] | None = None,
) -> Iterator[tuple[Paper, str]]:
    """Each paper with its extraction as :func:`kg.extract.pipeline.row_json` text (what the cache
    stores), in input order. Worker processes send rows, and the parent keeps them as they are (no
    records built). ``isolate``: one process's work too is done in a worker, so that neither the
    pipeline nor spaCy is ever the caller's (a build that goes on to hold a big graph). ``started``
    is called once the worker processes exist (at once without workers): a caller iterating in a
    thread of its own may then let its other threads go on, none of them being forked midway."""
    if n_process <= 1 and not isolate:
        from kg.extract.pipeline import build_nlp, extract_batch, row_json

        if started is not None:
            started()
        nlp = nlp or build_nlp(ontology)
        for batch in batches(papers, batch_size):
            for extraction in extract_batch(batch, nlp):
                yield extraction.paper, row_json(extraction)
        return
    parts = batches(papers, batch_size)
    with ProcessPoolExecutor(max_workers=max(1, n_process), initializer=_worker_init, initargs=(str(ontology or ""),)) as pool:
        pending: dict[int, list[Paper]] = {}

        def submitted() -> Iterator[list[tuple[str, str]]]:  # remembers each batch's papers until its rows are back
            for number, batch in enumerate(parts):
                pending[number] = batch
                yield texts_of(batch)

        results = pool.map(_worker_batch, submitted())  # submits every batch: the workers are forked here
        if started is not None:
            started()
        for number, texts in enumerate(results):
            yield from zip(pending.pop(number), texts)


# Per-worker-process pipeline and its vocabulary folder, set up by the pool initializer (never used
# in the parent).
_WORKER_NLP: dict[str, Language] = {}
_WORKER_ONTOLOGY: dict[str, str] = {}


def _worker_init(ontology: str) -> None:
    _leave_with_parent()
    _WORKER_ONTOLOGY["path"] = ontology
    _build_worker_nlp()


def _build_worker_nlp() -> Language:
    from kg.extract.pipeline import build_nlp  # spaCy: loaded by the worker, not by the parent

    ontology = _WORKER_ONTOLOGY["path"]
    nlp = _WORKER_NLP["nlp"] = build_nlp(Path(ontology) if ontology else None)
    # The pipeline (vocabularies, matchers, caches) lives as long as this worker process, which
    # runs nothing else: exempt it from the collector's scans of old objects.
    gc.freeze()
    return nlp


def _worker_nlp() -> Language:
    """The worker's pipeline, built anew once its vocabulary has outgrown
    :data:`kg.extract.pipeline.VOCABULARY_LIMIT` (the old one unfrozen first, so that the collector
    can free it)."""
    from kg.extract.pipeline import outgrown

    nlp = _WORKER_NLP["nlp"]
    if outgrown(nlp):
        del nlp, _WORKER_NLP["nlp"]
        gc.unfreeze()
        gc.collect()
        nlp = _build_worker_nlp()
    return nlp


def _leave_with_parent(interval: float = 1.0) -> None:
    """End this worker process once its parent is gone: a killed build's workers would otherwise
    wait for work that never comes (about 200 MB each), as the pool only stops them when told to. A
    thread checks the parent process id every ``interval`` seconds."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="kg-parent-watch", daemon=True).start()


def rows_of(texts: list[tuple[str, str]], nlp: Language) -> list[str]:
    """The extraction row (:func:`kg.extract.pipeline.row_json`) of each (title, abstract): what a
    worker, local or on a Dask cluster, is sent and sends back. Only the text the extraction reads
    travels out: a paper's record takes 20 times as long to pickle and read back. JSON rows travel
    back: a few short strings pickle and parse far faster than records or dicts."""
    from kg.extract.pipeline import collector_paused, extract_batch, row_json

    papers = [Paper(title=title, abstract=abstract) for title, abstract in texts]
    with collector_paused():  # the rows too: the records they are made of are many objects
        return [row_json(e) for e in extract_batch(papers, nlp)]


def _worker_batch(texts: list[tuple[str, str]]) -> list[str]:
    return rows_of(texts, _worker_nlp())
