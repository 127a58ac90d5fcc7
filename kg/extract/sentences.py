"""``kg_sentences``: a rule sentence splitter for scientific abstracts that does not split after
"e.g.", "i.e.", "vs.", "et al.", "Fig.", inside decimals ("77.7\\%") or LaTeX escapes.

It works on the text, not token by token: one regex finds the few candidate boundaries (a full
stop, "!", "?" or "…" before white space, or a line break), a rule keeps the real ones, and the
result is written to the tokens in one array call. ``doc._.sentence_bounds`` keeps the sentences
as character offsets so later components need not build ``Span`` objects."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.batching import Batched
from kg.extract.text import text_of
from kg.extract.tokens import tokens_of

DEFAULT_ABBREVIATIONS: tuple[str, ...] = (
    "al", "approx", "cf", "ch", "dr", "e.g", "eq", "eqs", "etal", "fig", "figs", "i.e", "ie", "eg",
    "no", "nos", "pp", "prof", "ref", "refs", "resp", "sec", "secs", "st", "tab", "viz", "vol", "vs",
)
_CLOSERS = "\"'”’)\\]}»"
_OPENERS = frozenset({'"', "“", "‘", "(", "[", "\\", "'", "«"})
# An ender (plus closing quotes/brackets glued to it) before white space, a line break, or a full
# stop glued between two words ("embeddings.Likewise", a common copy-paste artefact).
_CANDIDATE = re.compile(rf"([.!?…])[{_CLOSERS}]*(\s+)(?=\S)|\n\s*(?=\S)|\.(?<=[a-z]{{3}}\.)(?=[A-Z][a-z])")
_ENDER_CHARS = re.compile(r"[.!?…\n]")  # every candidate boundary starts with one of these
_WINDOW = 64  # characters before a full stop in which its word is looked for first
_INITIALISM = re.compile(r"(?:[a-z]\.)+[a-z]")


def sentence_bounds(text: str, abbreviations: frozenset[str]) -> list[tuple[int, int]]:
    """Character (start, end) of each sentence of ``text``, white space trimmed."""
    starts = [len(text) - len(text.lstrip())]
    for match in _candidates(text):
        after = match.end()
        ender = match.group(1)
        if ender is not None and "\n" not in match.group(2):
            first = text[after]
            if not (first.isupper() or first.isdigit() or first in _OPENERS):
                continue
            if ender == "." and not _ends_with_full_stop(text, match.start(), abbreviations):
                continue
        starts.append(after)
    bounds = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            bounds.append((start, end))
    return bounds


def _candidates(text: str) -> Iterator[re.Match[str]]:
    """``_CANDIDATE.finditer(text)``, tried only where an ender character stands (its alternatives
    all begin with one, but ``re`` cannot skip ahead to them by itself: three times faster)."""
    position = 0
    for found in _ENDER_CHARS.finditer(text):
        start = found.start()
        if start < position:
            continue  # inside the previous candidate
        match = _CANDIDATE.match(text, start)
        if match is not None:
            position = match.end()
            yield match


def _ends_with_full_stop(text: str, dot: int, abbreviations: frozenset[str]) -> bool:
    """Whether the "." at ``dot`` ends a sentence rather than an abbreviation ("e.g.", "Fig.")."""
    # the word before it: after the last white space (str.split's white space is str.isspace's), read
    # from a window of the text (a word longer than the window is found by walking back)
    window = text[max(dot - _WINDOW, 0) : dot]
    if not window or window[-1].isspace():
        return True  # "word ." with a space before the full stop
    parts = window.rsplit(None, 1)
    word = parts[-1]
    if len(parts) == 1 and dot > _WINDOW:
        word_start = dot
        while word_start > 0 and not text[word_start - 1].isspace():
            word_start -= 1
        word = text[word_start:dot]
    word = word.lstrip("\"“‘([\\'«").lower().rstrip(".")
    if not word:
        return True  # "word ." with a space before the full stop
    return word not in abbreviations and not _INITIALISM.fullmatch(word)


_NOT_START = numpy.uint64(2**64 - 1)  # SENT_START -1 ("not a sentence start") as the unsigned array value


class SentenceSplitter(Batched):
    """Sets ``is_sent_start`` on every token and ``doc._.sentence_bounds``; a spaCy component."""

    def __init__(self, abbreviations: list[str] | tuple[str, ...]) -> None:
        self.abbreviations = frozenset(a.lower().rstrip(".") for a in abbreviations)

    def __call__(self, doc: Doc) -> Doc:
        bounds = sentence_bounds(text_of(doc), self.abbreviations)
        doc._.sentence_bounds = bounds
        if len(doc):
            token_starts = tokens_of(doc).starts  # the token table the later components read too
            flags = numpy.empty(len(doc), dtype="uint64")
            flags.fill(_NOT_START)  # numpy.full, less its Python layer
            flags[0] = 1
            for start, _ in bounds:
                i = bisect_left(token_starts, start)  # the token at the sentence start, if one starts there
                if i < len(token_starts) and token_starts[i] == start:
                    flags[i] = 1
            doc.from_array([SENT_START], flags)
        return doc


@Language.factory(
    "kg_sentences",
    default_config={"abbreviations": list(DEFAULT_ABBREVIATIONS)},
    assigns=["token.is_sent_start", "doc._.sentence_bounds"],
)
def make_sentence_splitter(nlp: Language, name: str, abbreviations: list[str]) -> SentenceSplitter:
    return SentenceSplitter(abbreviations)


if not Doc.has_extension("sentence_bounds"):
    Doc.set_extension("sentence_bounds", default=None)
