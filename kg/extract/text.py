"""How a paper becomes one spaCy text: the title, a blank line, the abstract — and how offsets in
that text map back to a section ("title" or "abstract") and an offset within it."""

from __future__ import annotations

from kg.model import Paper

SEPARATOR = "\n\n"


def compose(paper: Paper) -> str:
    """The text the pipeline reads for a paper (titles never contain a blank line)."""
    return f"{paper.title}{SEPARATOR}{paper.abstract}"


def abstract_start(text: str) -> int:
    """Offset where the abstract begins in a composed text (0 if there is no title part)."""
    index = text.find(SEPARATOR)
    return index + len(SEPARATOR) if index >= 0 else 0


def to_section(text: str, start: int, end: int) -> tuple[str, int, int]:
    """Map doc offsets to (section, start, end) within that section."""
    offset = abstract_start(text)
    if offset and start >= offset:
        return "abstract", start - offset, end - offset
    return "title", start, end
