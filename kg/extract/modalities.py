"""Decides which modalities a paper works with from its modality mentions: a name in the title or
in a non-background sentence, a cue word (unless a stronger modality voids it), a one-modality dataset."""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING

from kg.extract.regexset import RegexSet
from kg.extract.vocabulary import Vocabulary

if TYPE_CHECKING:
    from kg.extract.entities import RawMention

# Sentences about the field or prior work, not about this paper's data (any pattern matching).
BACKGROUND_PATTERNS: tuple[str, ...] = (
    r"^\s*(?:however|recently|traditionally|existing|currently|prior|previous(?:ly)?|despite|although|"
    r"conventional(?:ly)?|classical(?:ly)?|typically|nowadays|in recent years|over the past)\b",
    r"\b(?:existing|prior|previous|recent|conventional|traditional) (?:\w+ )?(?:work|works|studies|methods|approaches|models)\b",
    r"\b(?:has|have) (?:\w+ly )?(?:been|become|emerged|gained|attracted|opened|achieved|shown|led|enabled|revolutioni[sz]ed)\b",
    r"\b(?:is|are) (?:an? |the )?(?:\w+ly )?(?:active|important|popular|growing|emerging|fundamental|long-standing|"
    r"central|key|challenging|open|hot) (?:\w+ )?(?:area|field|topic|problem|challenge|question|direction|research)\b",
)


def select_modalities(
    raw: list[RawMention], text: str, abstract_offset: int, sentences: list[tuple[int, int]], vocabulary: Vocabulary,
    background: RegexSet,
) -> set[str]:
    """Keys of the modalities the evidence in ``raw`` supports (see the module docstring).

    ``background`` holds :data:`BACKGROUND_PATTERNS`. A mention counts when it is in the title, or is a name (label, altLabel, defined acronym) or a
    cue word in a sentence that is not background; a cue word does not count when a modality it
    yields to (``kg:cueYieldsTo``) is found by a name; a dataset mention counts when the dataset holds
    one modality only. Background mentions count only when nothing else is found.
    """
    starts = [start for start, _ in sentences]
    seen: dict[int, bool] = {}

    def in_background(offset: int) -> bool:
        index = max(bisect_right(starts, offset) - 1, 0)
        if index not in seen:
            start, end = sentences[index] if sentences else (0, len(text))
            seen[index] = bool(background.matching(text[start:end]))
        return seen[index]

    names: set[str] = set()
    cues: set[str] = set()
    background_only: set[str] = set()
    hints: dict[tuple[int, int], set[str]] = {}  # dataset mention span -> the modalities it holds
    for mention in raw:
        if mention.type != "Modality":
            continue
        key = mention.key
        if mention.extractor == "vocabulary:dataset-modality":
            hints.setdefault((mention.start, mention.end), set()).add(key)
            continue
        cue = mention.extractor == "vocabulary:cue"
        if key in names or (cue and key in cues):
            # nothing this mention says can change the answer, so its sentence is not scanned: it would
            # add its key to a set that holds it, or to background_only, which counts only when nothing
            # is kept, and a name or a cue already found means something is
            continue
        if mention.start >= abstract_offset and in_background(mention.start):
            background_only.add(key)
            continue
        (cues if cue else names).add(key)
    # A dataset of one modality (ImageNet) supports it; one of several (KITTI, ZuCo) only seconds
    # what the paper names itself.
    for held in hints.values():
        if len(held) == 1:
            names.update(held)
    kept = set(names)
    for key in cues - names:
        concept = vocabulary.concepts.get(key)
        if concept is None or names.isdisjoint(concept.cue_yields_to):
            kept.add(key)
    if not kept:  # a review or position paper: its background is all there is
        kept = background_only
    return kept
