"""A plain-list view of a Doc's tokens (text, offsets, white space, lexical flags) read in one
array call, so rule components loop over Python lists instead of creating ``Token`` objects."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress, count
from operator import add

from spacy.attrs import IDX, ORTH, SPACY
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
    words: Sequence[str]  # tuples or lists
    lowers: Sequence[str]
    space: list[int]  # flags: 1 or 0
    alpha: Sequence[int]
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


def tokens_of(doc: Doc, lexemes: LexemeTable | None = None) -> TokenTable:
    """The doc's token table, read once per doc and kept in ``doc.user_data`` (as plain lists and
    tuples, so ``Doc.to_bytes`` still works). ``lexemes`` caches what each distinct word contributes,
    owned by the caller: words repeat across documents, so only offsets are read per token."""
    columns = doc.user_data.get(_KEY)
    text = text_of(doc)
    if columns is None:
        if len(doc):
            array = doc.to_array([IDX, SPACY, ORTH])
            starts, space, orths = array[:, 0].tolist(), array[:, 1].tolist(), array[:, 2].tolist()  # column by column: faster
            table = LexemeTable(doc.vocab) if lexemes is None else lexemes
            words, lowers, lengths, alpha, punct, num, cased = zip(*map(table.__getitem__, orths))
            capitalised = list(compress(count(), cased))  # text differs from its lower case
        else:
            starts, space, words, lowers, lengths, alpha, punct, num, capitalised = ([],) * 9
        ends = list(map(add, starts, lengths))  # map() rather than comprehensions: this runs per token
        columns = doc.user_data[_KEY] = (starts, ends, words, lowers, space, alpha, punct, num, capitalised)
    return TokenTable(text, *columns)


class LexemeTable(dict):
    """ORTH id -> (text, lower case, length, is_alpha, is_punct, like_num, has a capital) of a word,
    filled from the vocabulary on first sight; starts again when it grows past ``limit`` entries."""

    def __init__(self, vocab: Vocab, limit: int = 1 << 20) -> None:
        super().__init__()
        self.vocab = vocab
        self.limit = limit

    def __missing__(self, orth: int) -> tuple:
        if len(self) >= self.limit:
            self.clear()
        lexeme = self.vocab[orth]
        word = lexeme.orth_
        lower = word.lower()
        row = self[orth] = (word, lower, len(word), int(lexeme.is_alpha), int(lexeme.is_punct), int(lexeme.like_num),
                            int(word != lower))
        return row
