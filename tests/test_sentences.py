"""Sentence splitting on the things real abstracts contain."""

from __future__ import annotations

import pytest


def sentences(nlp, text: str) -> list[str]:
    return [s.text.strip() for s in nlp(text).sents]


@pytest.mark.parametrize(
    "text",
    [
        "Deep networks (e.g. CNNs) work well on vision tasks.",
        "Deep networks, i.e. CNNs, work well.",
        "Humans vs. Machines on Working Memory tasks.",
        "As shown by Smith et al. Transformers overfit.",
        "Our model reaches 77.7\\% accuracy on CIFAR-10.",
        "The Embedding\\&MLP paradigm is standard; see Fig. 2 for details.",
        "We use approx. 3.5 hours of MEG data.",
    ],
)
def test_no_split_inside_abbreviations_decimals_and_latex(nlp, text):
    assert sentences(nlp, text) == [text]


def test_splits_real_sentence_ends(nlp):
    text = 'We find X. It works! Does it? "Yes," they said. Finally (see Sec. 3) we stop.'
    assert sentences(nlp, text) == ["We find X.", "It works!", "Does it?", '"Yes," they said.', "Finally (see Sec. 3) we stop."]


def test_title_is_its_own_sentence(nlp):
    assert sentences(nlp, "A title without a full stop\n\nThe abstract starts here. And ends.") == [
        "A title without a full stop",
        "The abstract starts here.",
        "And ends.",
    ]


def test_latex_percent_then_new_sentence(nlp):
    assert sentences(nlp, "Accuracy rose to 95.1\\%. The baseline stayed at 80\\%.") == [
        "Accuracy rose to 95.1\\%.",
        "The baseline stayed at 80\\%.",
    ]


def test_boundary_candidates_are_those_finditer_finds():
    """The splitter tries its boundary pattern only at ender characters; that must find exactly
    the matches a scan of every position finds, on any text."""
    import random

    from kg.extract.sentences import _CANDIDATE, _candidates

    rng = random.Random(7)
    alphabet = "aZ.!?…\n \t\"')]}»xY3(["
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    texts.append('We find X. It works!  "Yes," they said.\n\nNext…  (Fig. 2) embeddings.Likewise it ends.')
    for text in texts:
        assert [(m.span(), m.groups()) for m in _candidates(text)] == [(m.span(), m.groups()) for m in _CANDIDATE.finditer(text)]


def test_word_before_a_full_stop_is_read_as_walking_back_reads_it():
    """The splitter reads the word before a full stop from a window of the text; on any text (white
    space of every kind, words longer than the window) that must decide as walking back does."""
    import random

    from kg.extract.sentences import _INITIALISM, DEFAULT_ABBREVIATIONS, _ends_with_full_stop

    abbreviations = frozenset(DEFAULT_ABBREVIATIONS)

    def walking_back(text: str, dot: int) -> bool:
        start = dot
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        word = text[start:dot].lstrip("\"“‘([\\'«").lower().rstrip(".")
        return not word or (word not in abbreviations and not _INITIALISM.fullmatch(word))

    rng = random.Random(11)
    pieces = ["e.g", "Fig", "al", "i.e", "x", "word", "a" * 70, "b." * 40, "(", "“", " ", "\n", "\t", "\u00a0", "\u2009", "."]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) + "."
        for dot in (i for i, c in enumerate(text) if c == "."):
            assert _ends_with_full_stop(text, dot, abbreviations) == walking_back(text, dot), (text, dot)
