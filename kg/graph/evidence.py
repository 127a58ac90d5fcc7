"""One piece of evidence on a graph edge (the sentence, offsets, extractor and confidence behind a
fact), as a compact read-only mapping: it reads like the dict it replaces, in a third of the memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any


@dataclass(frozen=True, slots=True, eq=False)
class Evidence(Mapping[str, Any]):
    """``sentence`` (where the fact was read), ``section`` ("title" or "abstract"), ``start`` and
    ``end`` (character offsets in that section), ``text`` (the surface form), ``extractor`` and
    ``confidence``. ``item["sentence"]``, ``item.get(…)``, ``dict(item)`` and ``item == {…}`` work
    as on a dict; attribute access (``item.sentence``) is the fast path. Fields are declared in
    sorted order, so orjson writes the same JSON as for the equivalent dict with sorted keys."""

    confidence: float
    end: int
    extractor: str
    section: str
    sentence: str
    start: int
    text: str

    def __getitem__(self, key: str) -> Any:
        if key in EVIDENCE_KEYS:
            return getattr(self, key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(EVIDENCE_KEYS)

    def __len__(self) -> int:
        return len(EVIDENCE_KEYS)

    def __contains__(self, key: object) -> bool:
        return key in EVIDENCE_KEYS

    def as_tuple(self) -> tuple[Any, ...]:
        """The values in key order: hashable, for sets of evidence items."""
        return evidence_values(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Evidence):
            return self.as_tuple() == other.as_tuple()
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to dicts, which are unhashable

    def __repr__(self) -> str:
        return f"Evidence({dict(self.items())!r})"

    @classmethod
    def from_mapping(cls, item: Mapping[str, Any]) -> Evidence | Mapping[str, Any]:
        """An Evidence for a mapping with exactly the evidence keys (as graph.json stores them);
        any other mapping is returned as it is, so nothing a hand-edited file holds is lost."""
        if len(item) == len(EVIDENCE_KEYS) and all(key in item for key in EVIDENCE_KEYS):
            return cls(**item)
        return item


#: The keys of every evidence item, in the order graph.json writes them (sorted).
EVIDENCE_KEYS: tuple[str, ...] = tuple(f.name for f in fields(Evidence))
#: An Evidence's values in key order, as a tuple (``attrgetter``: no Python call per record).
evidence_values = attrgetter(*EVIDENCE_KEYS)


def _filler() -> Callable[..., Evidence]:
    new = object.__new__
    confidence, end, extractor, section, sentence, start, text = (getattr(Evidence, key).__set__ for key in EVIDENCE_KEYS)

    def make(c: float, e: int, x: str, sec: str, sen: str, st: int, t: str) -> Evidence:
        item = new(Evidence)
        confidence(item, c)
        end(item, e)
        extractor(item, x)
        section(item, sec)
        sentence(item, sen)
        start(item, st)
        text(item, t)
        return item

    return make


#: ``Evidence(*values)`` for values in key order (as :data:`evidence_values` gives them), filling the
#: slots directly instead of through the frozen dataclass's ``__init__``: a third faster, for the
#: millions a graph snapshot makes again when it is read.
evidence_from_values: Callable[..., Evidence] = _filler()


def evidence_default(value: object) -> Any:
    """``default=`` for :func:`json.dumps`: an Evidence becomes its dict (orjson needs no help)."""
    if isinstance(value, Evidence):
        return dict(value.items())
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
