"""Records that flow between the stages: ``Paper`` (ingest) and ``Extraction`` (extract).

Plain dataclasses, JSON-friendly (``to_dict``/``from_dict``), no RDF and no spaCy in here.
"""

from __future__ import annotations

import hashlib
import json
import operator
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import cache, lru_cache
from typing import Any

ENTITY_TYPES: tuple[str, ...] = ("Method", "Dataset", "Modality")


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=1 << 16)  # a paper's key is asked for many times while assembling
def normalise_title(title: str) -> str:
    """Key used to recognise the same paper seen twice: case-, accent- and punctuation-blind."""
    if title.isascii():  # most titles: no accents to strip
        return _NOT_ALNUM.sub("", title.lower())
    text = unicodedata.normalize("NFKD", title).casefold()
    return _NOT_ALNUM.sub("", "".join(c for c in text if not unicodedata.combining(c)))


def record_dict(record: Any) -> dict[str, Any]:
    """A flat record's fields as a dict, lists and dicts copied (``dataclasses.asdict`` without its
    deep recursion: these records hold only scalars and flat lists or dicts — ten times faster)."""
    return {
        f.name: (list(value) if isinstance(value, list) else dict(value) if isinstance(value, dict) else value)
        for f in fields(record)
        for value in (getattr(record, f.name),)
    }


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as read from an input file."""

    title: str
    abstract: str
    source: str = ""
    line: int = 0
    id: str | None = None
    date: str | None = None
    authors: tuple[str, ...] = ()
    author_count: int | None = None
    url: str | None = None
    #: Identifiers by scheme ("doi", "arxiv", "pmid", "pmcid", "openalex", "s2", ...), normalised by
    #: ``kg.identifiers`` (bare values: "10.1073/pnas.1", "2310.01234", "38400001").
    identifiers: dict[str, str] = field(default_factory=dict, hash=False)
    venue: str | None = None  # journal, proceedings or repository the paper appeared in
    year: int | None = None  # publication year (from ``date`` when that is known)
    keywords: tuple[str, ...] = ()  # author keywords
    categories: tuple[str, ...] = ()  # subject categories, e.g. arXiv "cs.NE"
    mesh: tuple[str, ...] = ()  # MeSH descriptor names (PubMed)

    def __post_init__(self) -> None:
        if self.year is None and self.date and self.date[:4].isdigit():
            object.__setattr__(self, "year", int(self.date[:4]))  # every dated paper has a year

    @property
    def key(self) -> str:
        """Stable identity: the normalised title (ids differ between sources, titles rarely)."""
        return normalise_title(self.title) or hashlib.sha1(self.abstract.encode()).hexdigest()[:16]

    @property
    def content_hash(self) -> str:
        """Hash of what extraction reads; the cache key for re-extraction."""
        return hashlib.sha256(f"{self.title}\n\n{self.abstract}".encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        data = record_dict(self)
        for name in _TUPLE_FIELDS:
            data[name] = list(getattr(self, name))
        data["identifiers"] = dict(sorted(self.identifiers.items()))
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paper:
        data = dict(data)
        for name in _TUPLE_FIELDS:
            data[name] = tuple(data.get(name) or ())
        data["identifiers"] = dict(data.get("identifiers") or {})
        return cls(**data)


_TUPLE_FIELDS = ("authors", "keywords", "categories", "mesh")

#: Version of :meth:`Extraction.to_row`'s layout (the first item of every row).
ROW_FORMAT = 1


@cache
def _getter(cls: type) -> Any:
    return operator.attrgetter(*(f.name for f in fields(cls)))


def _values(record: Any) -> tuple[Any, ...]:
    """A record's field values in declaration order (what ``cls(*values)`` takes back)."""
    return _getter(type(record))(record)


@dataclass(slots=True)
class Mention:
    """One surface occurrence of an entity in a paper's title or abstract."""

    type: str  # one of ENTITY_TYPES
    text: str  # surface form as written
    key: str  # resolved entity key, e.g. "method:transformer"
    section: str  # "title" or "abstract"
    start: int  # character offsets into that section's text
    end: int
    sentence: str  # the sentence the mention sits in
    extractor: str  # which rule/component found it
    confidence: float


@dataclass(slots=True)
class Entity:
    """An entity as one paper uses it: resolved key, label, aliases seen, role."""

    type: str
    key: str
    label: str
    aliases: list[str] = field(default_factory=list)
    role: str = "used"  # "proposed" or "used" (modalities: always "used")
    vocab: str | None = None  # IRI of the curated concept, when known
    confidence: float = 1.0
    extractor: str = ""


@dataclass(slots=True)
class Claim:
    """A sentence in which the paper asserts its own finding."""

    text: str
    section: str
    start: int
    end: int
    hedged: bool
    hedges: list[str] = field(default_factory=list)
    about: list[str] = field(default_factory=list)  # entity keys mentioned in it
    extractor: str = ""
    confidence: float = 1.0


@dataclass(slots=True)
class Relation:
    """A typed edge between two entities stated in a claim, e.g. X outperforms Y (on D)."""

    subject: str
    predicate: str  # e.g. "outperforms"
    object: str
    sentence: str
    on: str | None = None  # dataset key the comparison was evaluated on
    extractor: str = ""
    confidence: float = 1.0
    section: str = "abstract"  # where the sentence is, and its offsets in that section
    start: int = 0
    end: int = 0


@dataclass
class Extraction:
    """Everything extracted from one paper."""

    paper: Paper
    entities: list[Entity] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "paper": self.paper.to_dict(),
            "entities": [record_dict(e) for e in self.entities],
            "mentions": [record_dict(m) for m in self.mentions],
            "claims": [record_dict(c) for c in self.claims],
            "relations": [record_dict(r) for r in self.relations],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    def to_row(self) -> list[Any]:
        """The compact, JSON-ready form the build's cache stores: no paper (the cache is keyed by its
        text), records as lists of their field values, and each distinct sentence once."""
        sentences = list(dict.fromkeys(m.sentence for m in self.mentions))
        index = {sentence: i for i, sentence in enumerate(sentences)}
        return [
            ROW_FORMAT,
            sentences,
            [_values(e) for e in self.entities],
            [(m.type, m.text, m.key, m.section, m.start, m.end, index[m.sentence], m.extractor, m.confidence) for m in self.mentions],
            [_values(c) for c in self.claims],
            [_values(r) for r in self.relations],
        ]

    @classmethod
    def from_row(cls, row: list[Any], paper: Paper) -> Extraction:
        """The extraction of ``paper`` from :meth:`to_row`'s form (mentions of one sentence share its string)."""
        _check_row(row)
        _, sentences, entities, mentions, claims, relations = row
        # JSON parsing makes every string anew: share the ones that repeat across papers (types,
        # keys, sections, extractors, surface forms), which a large graph holds hundreds of thousands of
        i_ = sys.intern
        shared = {sentence: sentence for sentence in sentences}  # a claim is one of these sentences
        return cls(
            paper=paper,
            entities=[Entity(i_(t), i_(k), i_(label), [i_(a) for a in aliases], i_(role), vocab and i_(vocab), c, i_(e))
                      for t, k, label, aliases, role, vocab, c, e in entities],
            # a mention's type and key are only looked up (its evidence keeps text, section and extractor)
            mentions=[Mention(t, i_(x), k, i_(s), a, b, sentences[i], i_(e), c) for t, x, k, s, a, b, i, e, c in mentions],
            claims=[Claim(shared.get(text, text), i_(s), a, b, h, [i_(x) for x in hedges], [i_(x) for x in about], i_(e), c)
                    for text, s, a, b, h, hedges, about, e, c in claims],
            relations=[Relation(*values) for values in relations],
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Extraction:
        return cls(
            paper=Paper.from_dict(data["paper"]),
            entities=[Entity(**e) for e in data.get("entities", [])],
            mentions=[Mention(**m) for m in data.get("mentions", [])],
            claims=[Claim(**c) for c in data.get("claims", [])],
            relations=[Relation(**r) for r in data.get("relations", [])],
        )


def _check_row(row: list[Any]) -> None:
    if not row or row[0] != ROW_FORMAT:
        raise ValueError(f"not an extraction row of format {ROW_FORMAT}")


@dataclass(frozen=True, slots=True)
class StoredExtraction:
    """An extraction left in its stored row (:meth:`Extraction.to_row`) until assembly needs it:
    the paper, and where the row is (``read(span)`` gives the parsed row). Nothing parsed is kept,
    so a large build holds one small record per abstract instead of every extraction."""

    paper: Paper
    read: Callable[[Any], list[Any]]
    span: Any

    def load(self) -> Extraction:
        """The whole extraction, parsed anew."""
        return Extraction.from_row(self.read(self.span), self.paper)

    def load_entities(self) -> list[Entity]:
        """Only the entities (what alias merging reads), parsed anew."""
        row = self.read(self.span)
        _check_row(row)
        return [Entity(*values) for values in row[2]]
