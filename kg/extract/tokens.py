"""A plain-list view of a Doc's tokens (text, offsets, white space; lexical flags on demand) read
in one array call, so rule components loop over Python lists instead of creating ``Token`` objects."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress, count
from operator import ne, sub
from typing import overload

from spacy.attrs import IDX, SPACY
from spacy.tokens import Doc
from spacy.vocab import Vocab

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
    alpha: Sequence[int]  # LexicalFlag: looked up on access
    punct: Sequence[int]
    num: Sequence[int]
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
    ``Doc.to_bytes`` still works). Words are sliced from the text: fresh strings are cheaper to make
    than cached ones are to touch (a per-word cache ran twice as slow in the pipeline); the lexical
    flags are looked up only for the tokens the rules ask about."""
    columns = doc.user_data.get(_KEY)
    text = text_of(doc)
    if columns is None:
        if len(doc):
            array = doc.to_array([IDX, SPACY])  # both held by the tokens themselves (a length is the lexeme's)
            starts, space = array[:, 0].tolist(), array[:, 1].tolist()  # column by column: faster
        else:
            starts, space = [], []
        # the text is the tokens and their trailing spaces: a token ends where the next one starts,
        # less its space (map() rather than comprehensions: this runs per token)
        ends = list(map(sub, [*starts[1:], len(text)], space))
        words = list(map(text.__getitem__, map(slice, starts, ends)))
        lowers = list(map(str.lower, words))
        capitalised = list(compress(count(), map(ne, words, lowers)))  # text differs from its lower case
        columns = doc.user_data[_KEY] = (starts, ends, words, lowers, space, capitalised)
    starts, ends, words, lowers, space, capitalised = columns
    vocab = doc.vocab
    return TokenTable(text, starts, ends, words, lowers, space, LexicalFlag(vocab, words, "is_alpha"),
                      LexicalFlag(vocab, words, "is_punct"), LexicalFlag(vocab, words, "like_num"), capitalised)


class LexicalFlag(Sequence[int]):
    """One lexeme flag ("is_alpha", "is_punct", "like_num") of each token, 1 or 0, read from the
    vocabulary when asked for (spaCy's own value)."""

    __slots__ = ("vocab", "words", "name")

    def __init__(self, vocab: Vocab, words: Sequence[str], name: str) -> None:
        self.vocab, self.words, self.name = vocab, words, name

    def __len__(self) -> int:
        return len(self.words)

    @overload
    def __getitem__(self, i: int) -> int: ...

    @overload
    def __getitem__(self, i: slice) -> list[int]: ...

    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            return [int(getattr(self.vocab[w], self.name)) for w in self.words[i]]
        return int(getattr(self.vocab[self.words[i]], self.name))
