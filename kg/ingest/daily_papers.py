"""Reader for saved "Daily Papers" listing pages (plain text): title and abstract paragraphs,
optional "• N authors" / "·" / date lines, and page chrome that is ignored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from kg.ingest.base import ReadLog, clean_text
from kg.ingest.text import read_text
from kg.model import Paper

# Page furniture of the listing site; not paper content.
CHROME = frozenset(
    {
        "new",
        "get trending papers in your email inbox!",
        "subscribe",
        "daily papers",
        "byak and the research community",
        "submit",
        "search",
    }
)
_AUTHORS = re.compile(r"^[•·*\-]?\s*(\d+)\s+authors?$", re.IGNORECASE)
_SEPARATOR = re.compile(r"^[·•|\-]$")
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_DATE = re.compile(rf"^({_MONTHS})[a-z]*\.?\s+(\d{{1,2}})(?:,\s*(\d{{4}}))?(?:\s+\d+)?$", re.IGNORECASE)
# A trailing number after the date (e.g. "May 22, 2024 1") is the listing's comment count.
_SENTENCE_END = re.compile(r"[.!?][\"')\]]?\s+\S")


def _iso_date(text: str) -> str | None:
    """'Sep 3, 2024' -> '2024-09-03'; a date without a year has no ISO form (None)."""
    match = _DATE.match(text)
    if not match or not match.group(3):
        return None
    month = match.group(1)[:3].title()
    try:
        return datetime.strptime(f"{month} {match.group(2)} {match.group(3)}", "%b %d %Y").date().isoformat()
    except ValueError:
        return None


def _looks_like_abstract(text: str) -> bool:
    return len(text) >= 250 or bool(_SENTENCE_END.search(text))


def read_daily_papers(path: Path, log: ReadLog) -> Iterator[Paper]:
    """Yield the papers of one saved listing page, in page order."""
    source = str(path)
    text = read_text(path, log)
    if text is None:
        return
    title: tuple[int, str] | None = None
    pending: dict | None = None  # paper waiting for its optional author/date lines
    after_separator = False

    def flush() -> Iterator[Paper]:
        nonlocal pending
        if pending is not None:
            log.read += 1
            yield Paper(**pending)
            pending = None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = clean_text(raw)
        if not line:
            continue
        if line.casefold() in CHROME:
            continue
        authors = _AUTHORS.match(line)
        if authors:
            if pending is not None:
                pending["author_count"] = int(authors.group(1))
            continue
        if _SEPARATOR.match(line):
            after_separator = True
            continue
        if _DATE.match(line):
            if pending is not None and after_separator:
                pending["date"] = _iso_date(line)
            after_separator = False
            continue
        after_separator = False
        if title is None:
            yield from flush()
            if _looks_like_abstract(line) and len(line) > 300:
                log.warn(source, number, "paragraph without a title line before it; skipped")
                continue
            title = (number, line)
            continue
        if not _looks_like_abstract(line):
            # Two title-like lines in a row: the first paper has no abstract.
            log.warn(source, title[0], f"paper {title[1][:60]!r} has no abstract; skipped")
            title = (number, line)
            continue
        pending = {"title": title[1], "abstract": line, "source": source, "line": title[0]}
        title = None
    yield from flush()
    if title is not None:
        log.warn(source, title[0], f"paper {title[1][:60]!r} has no abstract; skipped")
