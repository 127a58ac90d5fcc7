"""How a paper becomes one spaCy text: the title, a blank line, the abstract — and how offsets in
that text map back to a section ("title" or "abstract") and an offset within it."""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Doc

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


def text_of(doc: Doc) -> str:
    """``doc.text``, computed once per doc (spaCy rebuilds it from every token on each access)."""
    cached = doc.user_data.get(_TEXT_KEY)
    if cached is None:
        cached = doc.user_data[_TEXT_KEY] = doc.text
    return cached


_TEXT_KEY = ("kg", "text", None, None)


class TextKeepingTokenizer:
    """Wraps a spaCy tokenizer so every Doc remembers its input text for ``text_of`` (spaCy's
    tokenization is lossless, so the input is exactly ``doc.text``)."""

    def __init__(self, tokenizer: Callable[[str], Doc]) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)
        doc.user_data[_TEXT_KEY] = text
        return doc

    def __getattr__(self, name: str) -> object:  # rules, explain(), to_bytes() … of the wrapped tokenizer
        if name == "tokenizer":  # not set yet (unpickling, copying): no recursion through __getattr__
            raise AttributeError(name)
        return getattr(self.tokenizer, name)
