"""A plain-list view of a Doc's tokens (text, offsets, white space, lexical flags) read in one
array call, so rule components loop over Python lists instead of creating ``Token`` objects."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from spacy.attrs import IDX, IS_ALPHA, IS_PUNCT, LENGTH, LIKE_NUM, SPACY
from spacy.tokens import Doc

from kg.extract.text import text_of

_KEY = ("kg", "tokens", None, None)


@dataclass(frozen=True)
class TokenTable:
    """Token i is ``words[i]`` at ``text[starts[i]:ends[i]]``; ``space[i]``: white space follows."""

    text: str
    starts: list[int]
    ends: list[int]
    words: list[str]
    lowers: list[str]
    space: list[int]  # flags: 1 or 0
    alpha: list[int]
    punct: list[int]
    num: list[int]

    def __len__(self) -> int:
        return len(self.words)

    def covering(self, start: int, end: int) -> tuple[int, int] | None:
        """Token range [i, j) of the tokens that overlap characters [start, end) ("expand")."""
        i = bisect_right(self.starts, start) - 1
        if i < 0 or self.ends[i] <= start:
            i += 1
        j = bisect_left(self.starts, end)
        return (i, j) if i < j else None

    def chars(self, i: int, j: int) -> tuple[int, int]:
        """Character offsets of token range [i, j)."""
        return self.starts[i], self.ends[j - 1]

    def span_text(self, i: int, j: int) -> str:
        return self.text[self.starts[i] : self.ends[j - 1]]

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """Token range [i, j) of the tokens starting inside characters [start, end)."""
        return bisect_left(self.starts, start), bisect_left(self.starts, end)


def tokens_of(doc: Doc) -> TokenTable:
    """The doc's token table, read once per doc and kept in ``doc.user_data`` (as plain lists, so
    ``Doc.to_bytes`` still works)."""
    columns = doc.user_data.get(_KEY)
    text = text_of(doc)
    if columns is None:
        starts, lengths, space, alpha, punct, num = (
            doc.to_array([IDX, LENGTH, SPACY, IS_ALPHA, IS_PUNCT, LIKE_NUM]).T.tolist() if len(doc) else ([],) * 6
        )
        ends = [start + length for start, length in zip(starts, lengths)]
        words = [text[s:e] for s, e in zip(starts, ends)]
        columns = doc.user_data[_KEY] = (starts, ends, words, [w.lower() for w in words], space, alpha, punct, num)
    return TokenTable(text, *columns)
