"""``kg_sentences``: a rule sentence splitter for scientific abstracts that does not split after
"e.g.", "i.e.", "vs.", "et al.", "Fig.", inside decimals ("77.7\\%") or LaTeX escapes."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

DEFAULT_ABBREVIATIONS: tuple[str, ...] = (
    "al", "approx", "cf", "ch", "dr", "e.g", "eq", "eqs", "etal", "fig", "figs", "i.e", "ie", "eg",
    "no", "nos", "pp", "prof", "ref", "refs", "resp", "sec", "secs", "st", "tab", "viz", "vol", "vs",
)
_ENDERS = frozenset({".", "!", "?", "…"})
_CLOSERS = frozenset({'"', "'", "”", "’", ")", "]", "}", "»"})
_OPENERS = frozenset({'"', "“", "‘", "(", "[", "\\", "'", "«"})


class SentenceSplitter:
    """Sets ``is_sent_start`` on every token; a spaCy pipeline component."""

    def __init__(self, abbreviations: list[str] | tuple[str, ...]) -> None:
        self.abbreviations = frozenset(a.lower().rstrip(".") for a in abbreviations)

    def _ends_sentence(self, doc: Doc, j: int) -> bool:
        """Whether token j (after skipping closers) closes a sentence."""
        while j > 0 and doc[j].text in _CLOSERS and not doc[j - 1].whitespace_:
            j -= 1
        if j < 0:
            return False
        text = doc[j].text
        if text in _ENDERS:
            if text != ".":
                return True
            previous = doc[j - 1].lower_.rstrip(".") if j > 0 else ""
            if j > 0 and doc[j - 1].whitespace_:
                return True  # "word ." with a space: a real full stop
            return previous not in self.abbreviations
        # Tokens that swallow their full stop: "x." or "etc." at the end of a sentence.
        if len(text) > 1 and text.endswith(".") and text.lower().rstrip(".") not in self.abbreviations:
            stem = text[:-1]
            return "." not in stem and any(c.isalnum() for c in stem)
        return False

    def __call__(self, doc: Doc) -> Doc:
        for i, token in enumerate(doc):
            if i == 0:
                token.is_sent_start = True
                continue
            previous = doc[i - 1]
            if token.is_space:
                token.is_sent_start = False
                continue
            if previous.is_space and "\n" in previous.text:
                token.is_sent_start = True
                continue
            if token.text in _CLOSERS and not previous.whitespace_:
                token.is_sent_start = False  # a closing quote/bracket glued to the sentence end
                continue
            first = token.text[0]
            starts_like_sentence = first.isupper() or first.isdigit() or first in _OPENERS
            j = i - 1
            while j >= 0 and doc[j].is_space:
                j -= 1
            token.is_sent_start = bool(starts_like_sentence and self._ends_sentence(doc, j))
        return doc


@Language.factory(
    "kg_sentences",
    default_config={"abbreviations": list(DEFAULT_ABBREVIATIONS)},
)
def make_sentence_splitter(nlp: Language, name: str, abbreviations: list[str]) -> SentenceSplitter:
    return SentenceSplitter(abbreviations)
