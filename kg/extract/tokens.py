"""A plain-list view of a Doc's tokens (text, offsets, white space; lexical flags on demand) read
in one array call, so rule components loop over Python lists instead of creating ``Token`` objects."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import compress, count
from operator import ne
from typing import overload

import numpy
from spacy.attrs import IDX, IS_ALPHA, IS_PUNCT, LIKE_NUM, SPACY
from spacy.lang.lex_attrs import LEX_ATTRS
from spacy.tokens import Doc
from spacy.util import get_lang_class

from kg.extract.text import text_of

_KEY = ("kg", "tokens", None, None)


@dataclass(slots=True)
class TokenTable:
    """Token i is ``words[i]`` at ``text[starts[i]:ends[i]]``; ``space[i]``: white space follows.
    Read-only by convention: made three times per doc, by each component that reads it, and a
    frozen dataclass costs eight times as much to make."""

    text: str
    starts: list[int]
    ends: list[int]
    words: list[str]
    lowers: list[str]
    space: list[int]  # flags: 1 or 0
    capitalised: list[int]  # indices of the tokens with a capital letter, in order
    getters: dict[int, Callable[[str], object]]  # the language's lexical attribute functions

    @property
    def alpha(self) -> LexicalFlag:
        return LexicalFlag(self.getters[IS_ALPHA], self.words)

    @property
    def punct(self) -> LexicalFlag:
        return LexicalFlag(self.getters[IS_PUNCT], self.words)

    @property
    def num(self) -> LexicalFlag:
        return LexicalFlag(self.getters[LIKE_NUM], self.words)

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
            # the text is the tokens and their trailing spaces: a token ends where the next one
            # starts, less its space (in numpy: this runs per token)
            following = numpy.empty_like(array[:, 0])
            following[:-1] = array[1:, 0]
            following[-1] = len(text)
            following -= array[:, 1]
            starts, ends, space = array[:, 0].tolist(), following.tolist(), array[:, 1].tolist()  # column by column: faster
        else:
            starts, ends, space = [], [], []
        # slicing is faster in a comprehension than through slice objects
        words = [text[start:end] for start, end in zip(starts, ends)]
        lowers = list(map(str.lower, words))
        capitalised = list(compress(count(), map(ne, words, lowers)))  # text differs from its lower case
        columns = doc.user_data[_KEY] = (starts, ends, words, lowers, space, capitalised)
    starts, ends, words, lowers, space, capitalised = columns
    return TokenTable(text, starts, ends, words, lowers, space, capitalised, lexical_functions(doc.lang_))


@cache
def lexical_functions(lang: str) -> dict[int, Callable[[str], object]]:
    """spaCy's functions for the lexical attributes of a language's words (``IS_ALPHA``,
    ``LIKE_NUM`` …): what a vocabulary made by ``spacy.blank(lang)`` sets its lexemes' attributes
    with, whichever attributes the pipeline's own vocabulary keeps (see ``build_nlp``)."""
    return {**LEX_ATTRS, **get_lang_class(lang).Defaults.lex_attr_getters}


class LexicalFlag(Sequence[int]):
    """One lexical flag (``is_alpha``, ``is_punct``, ``like_num``) of each token, 1 or 0, computed
    when asked for by the function a full vocabulary sets its lexemes' flag with (spaCy's own value,
    without making a ``Lexeme``)."""

    __slots__ = ("getter", "words")

    def __init__(self, getter: Callable[[str], object], words: Sequence[str]) -> None:
        self.getter, self.words = getter, words

    def __len__(self) -> int:
        return len(self.words)

    @overload
    def __getitem__(self, i: int) -> int: ...

    @overload
    def __getitem__(self, i: slice) -> list[int]: ...

    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            return [int(bool(self.getter(w))) for w in self.words[i]]
        return int(bool(self.getter(self.words[i])))
