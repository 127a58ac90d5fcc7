"""The Hyperscan prefilter must give exactly the answers plain ``re`` gives."""

from __future__ import annotations

import re

import pytest

from kg.extract.claims import DEFAULT_NEGATIVE_CUES, DEFAULT_STRONG_CUES, DEFAULT_WEAK_CUES
from kg.extract.regexset import RegexSet, prefilter_expression

PATTERNS = [*DEFAULT_STRONG_CUES, *DEFAULT_WEAK_CUES, *DEFAULT_NEGATIVE_CUES]
SENTENCES = [
    "Our results show that the model outperforms prior work by 12.5% on ImageNet.",
    "We propose a new spiking network; code is available at https://github.com/x/y.",
    "In this paper, we introduce NeuroX, which achieves state-of-the-art accuracy.",
    "These findings suggest that gamma oscillations may support working memory.",
    "Recently, transformers have attracted attention [3, 4].",
    "Résumé naïve façade: the model’s accuracy rose to 95.1\\% — 3× faster than the baseline.",
    "Taken together, our analyses reveal a strong association with age (Smith et al., 2020).",
    "",
]


def test_prefilter_loosens_word_boundaries_classes_and_repeats():
    assert prefilter_expression(r"\bwe (?:\w+ ){0,5}?by\b") == r"we (?:\S+ ){0,}?by"
    assert prefilter_expression(r"[,\u2013-]") == "[,\u2013-]"
    assert prefilter_expression(r"a\\b") == r"a\\b"  # an escaped backslash stays as it is


@pytest.mark.skipif(not RegexSet(["a"]).accelerated, reason="hyperscan is not installed")
def test_accelerated_matches_plain_re_on_every_cue():
    fast, plain = RegexSet(PATTERNS), RegexSet(PATTERNS, accelerate=False)
    assert fast.accelerated and not plain.accelerated
    for sentence in SENTENCES:
        expected = {i for i, p in enumerate(PATTERNS) if re.search(p, sentence, re.IGNORECASE)}
        assert fast.matching(sentence) == plain.matching(sentence) == expected
    assert fast.matching(SENTENCES[0])  # the sample result sentence does hit cues


def test_regexset_survives_pickling_for_worker_processes():
    import pickle

    restored = pickle.loads(pickle.dumps(RegexSet([r"\bshow\b", r"outperform"])))
    assert restored.matching("we show it outperforms") == {0, 1}
