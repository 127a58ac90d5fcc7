"""Shared pieces of every reader: the warning record and the helper that turns a raw dict into a
``Paper`` or explains, with file and line, why it cannot."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

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

    def warn(self, source: str, line: int, message: str, *, skipped: bool = True) -> None:
        self.warnings.append(IngestWarning(source, line, message))
        if skipped:
            self.skipped += 1


_WS = re.compile(r"\s+")


def clean_text(value: Any) -> str:
    """Collapse white space; ``None`` becomes ""."""
    if value is None:
        return ""
    return _WS.sub(" ", str(value)).strip()


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
        log.warn(source, line, f"expected an object with title and abstract, got {type(record).__name__}")
        return None
    lowered = {str(k).strip().lower(): v for k, v in record.items()}
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
    )
