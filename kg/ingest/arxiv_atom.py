"""Reader for arXiv API results (Atom XML, as saved from export.arxiv.org/api/query): one paper
per <entry> with id, title, summary, authors, dates, categories, DOI and journal reference."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from kg.identifiers import identifiers, normalise_arxiv
from kg.ingest.base import ReadLog, iso_date, new_paper
from kg.ingest.xml_records import children, iter_records, local, text_of
from kg.model import Paper


def _entry(entry: Element, source: str, line: int, log: ReadLog) -> Paper | None:
    parts = {local(c.tag): c for c in reversed(list(entry))}  # first occurrence wins
    raw_id = text_of(parts.get("id"))
    arxiv = normalise_arxiv(raw_id)
    if raw_id and arxiv is None:
        # the API reports query errors as an entry whose id is http://arxiv.org/api/errors#…
        log.warn(source, line, f"entry {raw_id!r} is not an arXiv paper ({text_of(parts.get('summary'))[:80]}); skipped")
        return None
    categories = [c.get("term", "") for c in children(entry, "category")]
    primary = parts.get("primary_category")
    if primary is not None and primary.get("term"):
        categories.insert(0, primary.get("term", ""))
    return new_paper(
        source, line, log,
        what=f"entry {arxiv or '(no id)'}",
        title=text_of(parts.get("title")),
        abstract=text_of(parts.get("summary")),
        id=arxiv,
        authors=[text_of(child_) for author in children(entry, "author") for child_ in children(author, "name")],
        date=iso_date(text_of(parts.get("published"))),
        url=f"https://arxiv.org/abs/{arxiv}" if arxiv else None,
        identifiers=identifiers(arxiv=arxiv, doi=text_of(parts.get("doi"))),
        venue=text_of(parts.get("journal_ref")) or None,  # a preprint has no venue; its id says arXiv
        categories=tuple(dict.fromkeys(c for c in categories if c)),
    )


def read_arxiv_atom(path: Path, log: ReadLog) -> Iterator[Paper]:
    """Yield one Paper per <entry>; entries without a title or summary are reported and skipped."""
    source = str(path)
    for entry, line in iter_records(path, frozenset({"entry"}), log):
        paper = _entry(entry, source, line, log)
        if paper is not None:
            yield paper
