"""The ``pipe`` method of every kg_* component: docs taken a batch at a time, each batch through the
component before the next, so that ``nlp.pipe`` runs the pipeline component by component."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from spacy.tokens import Doc
from spacy.util import minibatch


def pipe_in_batches(component: Callable[[Doc], Doc], stream: Iterable[Doc], batch_size: int = 1000) -> Iterator[Doc]:
    """``component`` on each doc of ``stream``, ``batch_size`` docs at a time. ``nlp.pipe`` hands each
    component the stream of the one before: when every component takes its docs a batch at a time,
    a batch goes through the tokenizer, then through each component in turn, whose code and tables
    then stay in the processor's caches (see ``kg.extract.pipeline.extract_batch``)."""
    for batch in minibatch(stream, size=batch_size):
        yield from [component(doc) for doc in batch]
