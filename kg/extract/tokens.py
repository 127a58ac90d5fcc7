"""A plain-list view of a Doc's tokens (text, offsets, white space, lexical flags) read in one
array call, so rule components loop over Python lists instead of creating ``Token`` objects."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from operator import add

import numpy
from spacy.attrs import IDX, IS_ALPHA, IS_PUNCT, LENGTH, LIKE_NUM, LOWER, ORTH, SPACY
from spacy.tokens import Doc

from kg.extract.text import text_of

_KEY = ("kg", "tokens", None, None)


@dataclass(frozen=True, slots=True)
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
    capitalised: list[int]  # indices of the tokens with a capital letter, in order

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
        if len(doc):
            array = doc.to_array([IDX, LENGTH, SPACY, IS_ALPHA, IS_PUNCT, LIKE_NUM, ORTH, LOWER])
            starts, lengths, space, alpha, punct, num = array[:, :6].T.tolist()
            capitalised = numpy.flatnonzero(array[:, 6] != array[:, 7]).tolist()  # text differs from its lower case
        else:
            starts, lengths, space, alpha, punct, num, capitalised = ([],) * 7
        ends = list(map(add, starts, lengths))  # map() rather than comprehensions: this runs per token
        words = list(map(text.__getitem__, map(slice, starts, ends)))
        columns = doc.user_data[_KEY] = (starts, ends, words, list(map(str.lower, words)), space, alpha, punct, num, capitalised)
    return TokenTable(text, *columns)
