"""Tell the XML and JSON formats apart by content: the XML root element (Atom feed or
PubmedArticleSet) and tell-tale keys near the top of a JSON file (OpenAlex, Semantic Scholar)."""

from __future__ import annotations

import re
from pathlib import Path

from kg.ingest.text import peek_text
from kg.ingest.xml_records import root_name

#: XML root element (local name) -> reader name.
XML_ROOTS: dict[str, str] = {
    "feed": "arxiv",
    "PubmedArticleSet": "pubmed",
    "PubmedArticle": "pubmed",
}

#: A key or value only one source writes, looked for in the first 64 KiB -> reader name.
_JSON_MARKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r'"abstract_inverted_index"\s*:|"id"\s*:\s*"https://openalex\.org/W\d+"'), "openalex"),
    (re.compile(r'"paperId"\s*:|"externalIds"\s*:'), "semantic-scholar"),
)


def sniff_xml(path: Path) -> str | None:
    """'arxiv' for an Atom feed, 'pubmed' for PubMed XML, None for anything else."""
    try:
        return XML_ROOTS.get(root_name(path) or "")
    except OSError:
        return None


def sniff_json(path: Path) -> str | None:
    """'openalex' or 'semantic-scholar' when the head of a JSON/JSONL file looks like theirs;
    None for plain paper records (the generic JSON readers)."""
    try:
        head = peek_text(path)
    except OSError:
        return None
    found = sorted((match.start(), name) for pattern, name in _JSON_MARKS if (match := pattern.search(head)))
    return found[0][1] if found else None  # both appear (e.g. a source cited by the other): earliest decides
