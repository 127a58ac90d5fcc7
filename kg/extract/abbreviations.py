"""``kg_abbreviations``: finds "long form (SF)" definitions in each document (Schwartz & Hearst
2003) so an acronym means what its own paper defined it as; stored in ``doc._.abbreviations``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.batching import Batched
from kg.extract.text import text_of

_CUT = re.compile(r",\s+|;\s+|\b(?:called|termed|dubbed|named|namely)\s+")
_PAREN = re.compile(r"\(([^()\s][^()]{0,14}?)\)")


@dataclass(frozen=True)
class Abbreviation:
    """One definition: ``short`` (singular form, e.g. "SNN") stands for ``long`` in this doc."""

    short: str
    long: str
    long_start: int  # character offsets of the long form in doc.text
    long_end: int
    short_start: int  # offsets of the short form inside the parentheses
    short_end: int


def _valid_short(short: str) -> bool:
    if not 2 <= len(short) <= 12 or len(short.split()) > 2:
        return False
    if not short[0].isalnum() or not any(c.isupper() for c in short):
        return False
    return sum(c.isalpha() for c in short) >= 2 and not short.isdigit()


def best_long_form(short: str, candidate: str) -> str | None:
    """Schwartz & Hearst: the shortest suffix of ``candidate`` whose characters spell ``short``."""
    s_idx = len(short) - 1
    l_idx = len(candidate) - 1
    while s_idx >= 0:
        char = short[s_idx].lower()
        if not char.isalnum():
            s_idx -= 1
            continue
        while l_idx >= 0 and (
            candidate[l_idx].lower() != char
            or (s_idx == 0 and l_idx > 0 and candidate[l_idx - 1].isalnum())
        ):
            l_idx -= 1
        if l_idx < 0:
            return None
        l_idx -= 1
        s_idx -= 1
    start = candidate.rfind(" ", 0, l_idx + 1) + 1
    long = candidate[start:].strip()
    if len(long) <= len(short) or short.lower() in long.lower().split():
        return None
    return long


def find_abbreviations(doc: Doc) -> list[Abbreviation]:
    """All definitions in the doc, in text order; the first definition of a short form wins."""
    found: list[Abbreviation] = []
    seen: set[str] = set()
    full = text_of(doc)
    for base, end in doc._.sentence_bounds:
        text = full[base:end]
        if "(" not in text:
            continue
        for match in _PAREN.finditer(text):
            raw = match.group(1).strip()
            short = raw.split(";")[0].split(",")[0].strip()
            if not _valid_short(short):
                continue
            singular = short[:-1] if short.endswith("s") and short[:-1].isupper() and len(short) > 2 else short
            before = text[: match.start()].rstrip()
            words = before.split()
            limit = min(len(singular) + 5, 2 * len(singular))
            candidate = " ".join(words[-limit:])
            long = best_long_form(singular, candidate) or best_long_form(short, candidate)
            if long is None or singular in seen:
                continue
            # "the vanilla k-means, called inTerpretable nEuraL cLustering (TELL)": the name after
            # a comma or a naming word, when it still spells the short form on its own.
            tail = _CUT.split(long)[-1]
            if tail != long:
                long = best_long_form(singular, tail) or best_long_form(short, tail) or long
            long = long.lstrip("`'\"“‘ ")
            if len(long) <= len(short):
                continue
            long_end = base + len(before)
            long_start = long_end - len(long)
            if full[long_start:long_end] != long:  # collapsed white space: locate it again
                index = full.rfind(long.split()[0], base, long_end)
                if index < 0:
                    continue
                long_start = index
            seen.add(singular)
            start = base + match.start(1) + (len(match.group(1)) - len(match.group(1).lstrip()))
            found.append(Abbreviation(singular, full[long_start:long_end], long_start, long_end, start, start + len(short)))
    return found


class AbbreviationFinder(Batched):
    """Sets ``doc._.abbreviations`` (:func:`find_abbreviations`); a spaCy component."""

    def __call__(self, doc: Doc) -> Doc:
        doc._.abbreviations = find_abbreviations(doc)
        return doc


@Language.factory("kg_abbreviations", requires=["doc._.sentence_bounds"], assigns=["doc._.abbreviations"])
def make_abbreviation_finder(nlp: Language, name: str) -> AbbreviationFinder:
    return AbbreviationFinder()


if not Doc.has_extension("abbreviations"):
    Doc.set_extension("abbreviations", default=None)
