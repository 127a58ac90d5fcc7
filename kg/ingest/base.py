"""Shared pieces of every reader: the warning record and the helper that turns a raw dict into a
``Paper`` or explains, with file and line, why it cannot."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as _date
from typing import Any

from kg.identifiers import identifiers as _identifiers
from kg.model import Paper


@dataclass(frozen=True)
class IngestWarning:
    """A record that was skipped or repaired, with where it came from and why."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class ReadLog:
    """Collects warnings and counts for one run (passed explicitly, never global)."""

    def __init__(self) -> None:
        self.warnings: list[IngestWarning] = []
        self.read = 0
        self.skipped = 0

    def add(self, other: ReadLog) -> None:
        """Take in the warnings and counts of another log (e.g. one file's)."""
        self.warnings.extend(other.warnings)
        self.read += other.read
        self.skipped += other.skipped

    def warn(self, source: str, line: int, message: str, *, skipped: bool = True) -> None:
        self.warnings.append(IngestWarning(source, line, message))
        if skipped:
            self.skipped += 1


#: characters that are not text: C0/C1 controls other than white space, DEL, unpaired UTF-16
#: surrogates (JSON "\ud800" escapes) and the noncharacters U+FFFE/U+FFFF; XML and RDF cannot hold them
_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: Any) -> str:
    """Collapse white space and drop characters that are not text (see ``_NOT_TEXT``); ``None`` becomes ""."""
    if value is None:
        return ""
    text = str(value)
    # Already clean, the usual case: printable text holds no white space but " " (other separators and
    # controls are not printable) and none of _NOT_TEXT (controls, surrogates, noncharacters are not).
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(_NOT_TEXT.sub("", text).split())  # str.split() splits where a regex \s matches


def json_kind(value: Any) -> str:
    """What a parsed JSON value is, for messages: "an object", "a list", "a string", "null" …"""
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")


def _not_text(value: Any) -> str | None:
    """Why a title/abstract value is not text (an object, a list, true/false), or None when it is."""
    if isinstance(value, (dict, list, tuple, bool)):
        return json_kind(list(value) if isinstance(value, tuple) else value)
    return None


def _authors(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        parts = re.split(r"\s*;\s*|\s+and\s+", value) if ";" in value or " and " in value else value.split(",")
        return tuple(p.strip() for p in parts if p.strip())
    if isinstance(value, (list, tuple)):
        names = []
        for item in value:
            if isinstance(item, dict):
                item = item.get("name") or " ".join(
                    str(item[k]) for k in ("given", "family") if item.get(k)
                )
            if item:
                names.append(clean_text(item))
        return tuple(names)
    return ()


def paper_from_record(
    record: Any, source: str, line: int, log: ReadLog
) -> Paper | None:
    """Build a Paper from a dict with title/abstract (+ optional id, date, authors, url).

    Returns None (and logs why) when the record is not usable.
    """
    if not isinstance(record, dict):
        log.warn(source, line, f"expected an object with title and abstract, got {json_kind(record)}; skipped")
        return None
    lowered = {str(k).strip().lower(): v for k, v in record.items()}
    for name in ("title", "abstract"):
        if (what := _not_text(lowered.get(name))) is not None:
            log.warn(source, line, f"{name} is {what}, not text; skipped")
            return None
    title = clean_text(lowered.get("title"))
    abstract = clean_text(lowered.get("abstract") or lowered.get("summary"))
    missing = [name for name, value in (("title", title), ("abstract", abstract)) if not value]
    if missing:
        log.warn(source, line, f"record without {' or '.join(missing)}; skipped")
        return None
    authors = _authors(lowered.get("authors"))
    count = lowered.get("author_count")
    try:
        author_count = int(count) if count not in (None, "") else (len(authors) or None)
    except (TypeError, ValueError):
        log.warn(source, line, f"author_count {count!r} is not a number; ignored", skipped=False)
        author_count = len(authors) or None
    log.read += 1
    year = clean_text(lowered.get("year"))
    return Paper(
        title=title,
        abstract=abstract,
        source=source,
        line=line,
        id=clean_text(lowered.get("id")) or None,
        date=clean_text(lowered.get("date")) or None,
        authors=authors,
        author_count=author_count,
        url=clean_text(lowered.get("url")) or None,
        identifiers=_identifiers(**{k: lowered.get(k) for k in ("doi", "arxiv", "pmid") if lowered.get(k)}),
        venue=clean_text(lowered.get("venue")) or None,
        year=int(year) if year.isdigit() and len(year) == 4 else None,
        keywords=split_keywords(lowered.get("keywords")),
    )


# -- helpers for the bibliographic readers (BibTeX, arXiv, PubMed, OpenAlex, Semantic Scholar) --

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def month_number(value: Any) -> int | None:
    """'Mar', 'march', '3', '03' -> 3; anything else -> None."""
    text = clean_text(value).lower()
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    return _MONTHS.get(text[:3])


def year_of(value: Any) -> int | None:
    """The first plausible four-digit year in ``value`` ("2023", "2023 Jan-Feb", 2023)."""
    match = re.search(r"\b(1[89]\d\d|2\d\d\d)\b", clean_text(value))
    return int(match.group(1)) if match else None


def iso_date(year: Any, month: Any = None, day: Any = None) -> str | None:
    """A full ISO date ("2024-03-15") when year, month and day are all known and valid, else None;
    ``year`` may itself be an ISO date or timestamp ("2023-10-02T17:59:59Z")."""
    text = clean_text(year)
    full = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    if full and month is None and day is None:
        year, month, day = full.groups()
    number = month_number(month)
    try:
        return _date(int(clean_text(year)), number, int(clean_text(day))).isoformat() if number else None
    except (TypeError, ValueError):
        return None


def split_keywords(value: Any) -> tuple[str, ...]:
    """Keywords from a list or a ';'/','-separated string, de-duplicated, in order."""
    items = value if isinstance(value, (list, tuple)) else re.split(r"\s*[;,]\s*", clean_text(value))
    seen: dict[str, str] = {}
    for item in items:
        text = clean_text(item)
        if text and text.casefold() not in seen:
            seen[text.casefold()] = text
    return tuple(seen.values())


def new_paper(source: str, line: int, log: ReadLog, *, what: str, title: Any, abstract: Any, **fields: Any) -> Paper | None:
    """A Paper from already-mapped fields, or None (logged, naming ``what`` record) when title or
    abstract is missing. Text fields are white-space-cleaned; empty values become defaults."""
    for name, value in (("title", title), ("abstract", abstract)):
        if (kind := _not_text(value)) is not None:
            log.warn(source, line, f"{what}: {name} is {kind}, not text; skipped")
            return None
    title, abstract = clean_text(title), clean_text(abstract)
    missing = [name for name, value in (("title", title), ("abstract", abstract)) if not value]
    if missing:
        log.warn(source, line, f"{what} has no {' or '.join(missing)}; skipped")
        return None
    for name in ("venue", "date", "url", "id"):
        if name in fields:
            fields[name] = clean_text(fields[name]) or None
    authors = tuple(a for a in (clean_text(a) for a in fields.pop("authors", ())) if a)
    log.read += 1
    return Paper(title=title, abstract=abstract, source=source, line=line, authors=authors,
                 author_count=len(authors) or None, **fields)
