"""``Batched``, what gives every kg_* component its ``pipe`` method: docs taken a batch at a time,
each batch through the component before the next, so that ``nlp.pipe`` runs the pipeline component
by component."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.tokens import Doc
from spacy.util import minibatch


class Batched:
    """A component's ``pipe``: ``nlp.pipe`` hands each component the stream of the one before, and
    when every component takes its docs a batch at a time, a batch goes through the tokenizer, then
    through each component in turn, whose code and tables then stay in the processor's caches (see
    ``kg.extract.pipeline.extract_batch``). The component itself is ``__call__`` on one doc."""

    def __call__(self, doc: Doc) -> Doc:  # pragma: no cover - each component has its own
        raise NotImplementedError

    def pipe(self, stream: Iterable[Doc], batch_size: int = 1000) -> Iterator[Doc]:
        """The component on each doc of ``stream``, ``batch_size`` docs at a time."""
        for batch in minibatch(stream, size=batch_size):
            yield from [self(doc) for doc in batch]
