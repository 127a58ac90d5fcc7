"""Reader for OpenAlex works (api.openalex.org/works): a single work, a list, an API page
``{"results": [...]}`` or JSON Lines of works (snapshot); the abstract is rebuilt from its inverted index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.identifiers import identifiers, normalise_arxiv
from kg.ingest.base import ReadLog, iso_date, new_paper, split_keywords, year_of
from kg.ingest.jsonl import json_records
from kg.model import Paper


def rebuild_abstract(index: Any) -> str:
    """Words placed at their positions: {"Deep": [0], "nets": [1, 3], "and": [2]} -> "Deep nets and nets".
    Raises ValueError when the index is not a word -> list of positions mapping."""
    if not isinstance(index, dict):
        raise ValueError(f"abstract_inverted_index is {type(index).__name__}, not an object")
    words: dict[int, str] = {}
    for word, positions in index.items():
        if not isinstance(positions, list) or not all(isinstance(p, int) and p >= 0 for p in positions):
            raise ValueError(f"positions of {word!r} are not a list of word positions")
        for position in positions:
            words[position] = word
    return " ".join(words[p] for p in sorted(words))


def _get(record: dict, *path: str) -> Any:
    value: Any = record
    for name in path:
        value = value.get(name) if isinstance(value, dict) else None
    return value


def _work(record: Any, source: str, line: int, log: ReadLog) -> Paper | None:
    if not isinstance(record, dict):
        log.warn(source, line, f"expected an OpenAlex work object, got {type(record).__name__}; skipped")
        return None
    work_id = str(record.get("id") or "")
    what = f"work {work_id.rsplit('/', 1)[-1] or '(no id)'}"
    abstract = ""
    if record.get("abstract_inverted_index") is not None:
        try:
            abstract = rebuild_abstract(record["abstract_inverted_index"])
        except ValueError as error:
            log.warn(source, line, f"{what}: {error}; skipped")
            return None
    ids = record.get("ids") if isinstance(record.get("ids"), dict) else {}
    locations = [record.get("primary_location"), *(record.get("locations") or [])]
    arxiv = next((a for a in (normalise_arxiv(_get(loc, "landing_page_url")) for loc in locations if isinstance(loc, dict)) if a), None)
    venue = _get(record, "primary_location", "source", "display_name") or _get(record, "host_venue", "display_name")
    authorships = record.get("authorships") if isinstance(record.get("authorships"), list) else []
    keywords = [k.get("display_name") if isinstance(k, dict) else k for k in record.get("keywords") or []]
    return new_paper(
        source, line, log,
        what=what,
        title=record.get("title") or record.get("display_name"),
        abstract=abstract,
        id=work_id.rsplit("/", 1)[-1] or None,
        authors=[str(_get(a, "author", "display_name") or "") for a in authorships],
        date=iso_date(record.get("publication_date")),
        year=year_of(record.get("publication_year")),
        url=_get(record, "primary_location", "landing_page_url") or record.get("doi"),
        identifiers=identifiers(doi=record.get("doi") or ids.get("doi"), arxiv=arxiv, pmid=ids.get("pmid"),
                                pmcid=ids.get("pmcid"), openalex=work_id or ids.get("openalex")),
        venue=venue,
        keywords=split_keywords([k for k in keywords if k]),
    )


def read_openalex(path: Path, log: ReadLog) -> Iterator[Paper]:
    """Yield one Paper per work; works without a title or abstract are reported and skipped."""
    source = str(path)
    for record, line in json_records(path, log, containers=("results",)):
        paper = _work(record, source, line, log)
        if paper is not None:
            yield paper
