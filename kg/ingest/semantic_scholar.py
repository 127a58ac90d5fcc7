"""Reader for Semantic Scholar Graph API papers (api.semanticscholar.org/graph/v1/paper/…): a single
paper, a list, a search/batch page ``{"data": [...]}``, or JSON Lines (datasets)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.identifiers import identifiers
from kg.ingest.base import ReadLog, iso_date, new_paper, year_of
from kg.ingest.jsonl import json_records
from kg.model import Paper

#: Wrappers used by the citations/references/recommendations endpoints around each paper.
_WRAPPERS = ("citingPaper", "citedPaper", "paper")


def _paper(record: Any, source: str, line: int, log: ReadLog) -> Paper | None:
    if isinstance(record, dict):
        record = next((record[w] for w in _WRAPPERS if isinstance(record.get(w), dict)), record)
    if not isinstance(record, dict):
        log.warn(source, line, f"expected a Semantic Scholar paper object, got {type(record).__name__}; skipped")
        return None
    external = record.get("externalIds") if isinstance(record.get("externalIds"), dict) else {}
    paper_id = str(record.get("paperId") or "")
    venue = record.get("venue") or _name_of(record.get("publicationVenue")) or _name_of(record.get("journal"))
    authors = record.get("authors") if isinstance(record.get("authors"), list) else []
    return new_paper(
        source, line, log,
        what=f"paper {paper_id or '(no paperId)'}",
        title=record.get("title"),
        abstract=record.get("abstract"),
        id=paper_id or None,
        authors=[str(a.get("name") or "") if isinstance(a, dict) else str(a) for a in authors],
        date=iso_date(record.get("publicationDate")),
        year=year_of(record.get("year")),
        url=record.get("url"),
        identifiers=identifiers(doi=external.get("DOI"), arxiv=external.get("ArXiv"), pmid=external.get("PubMed"),
                                pmcid=external.get("PubMedCentral"), s2=paper_id),
        venue=venue,
        categories=tuple(str(f) for f in record.get("fieldsOfStudy") or [] if f),
    )


def read_semantic_scholar(path: Path, log: ReadLog) -> Iterator[Paper]:
    """Yield one Paper per paper object; papers without a title or abstract are reported and skipped."""
    source = str(path)
    for record, line in json_records(path, log, containers=("data", "recommendedPapers", "papers")):
        paper = _paper(record, source, line, log)
        if paper is not None:
            yield paper


def _name_of(value: object) -> str | None:
    """The ``name`` of a venue object; a bare string is the name; anything else has none."""
    if isinstance(value, dict):
        return value.get("name") if isinstance(value.get("name"), str) else None
    return value if isinstance(value, str) else None
