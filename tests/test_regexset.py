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


@pytest.mark.skipif(not RegexSet(["a"]).accelerated, reason="hyperscan is not installed")
def test_a_compiled_database_is_kept_and_a_damaged_one_compiled_again(tmp_path, monkeypatch):
    """The second pipeline of a machine loads its cue database from the user cache instead of
    compiling it; a cache entry damaged on disk is never used (it would miss cues silently)."""
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    first = RegexSet(PATTERNS)
    (entry,) = tmp_path.glob("hyperscan-*.db")
    assert RegexSet(PATTERNS).matching(SENTENCES[0]) == first.matching(SENTENCES[0])
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0xFF  # Hyperscan itself would load this database
    entry.write_bytes(bytes(data))
    from kg.user_cache import read_cached

    assert read_cached(entry.name) is None
    damaged_then = RegexSet(PATTERNS)
    assert read_cached(entry.name) is not None  # compiled again and stored whole
    for sentence in SENTENCES:
        assert damaged_then.matching(sentence) == first.matching(sentence)
    monkeypatch.setenv("KG_CACHE_DIR", "")  # set but empty: no cache at all
    entry.unlink()
    assert RegexSet(PATTERNS).accelerated and not list(tmp_path.iterdir())


def test_regexset_survives_pickling_for_worker_processes():
    import pickle

    restored = pickle.loads(pickle.dumps(RegexSet([r"\bshow\b", r"outperform"])))
    assert restored.matching("we show it outperforms") == {0, 1}


def test_lower_case_copies_answer_like_ignorecase_on_ascii_text():
    """The case-sensitive copies searched on lower-cased ASCII text find what re.IGNORECASE finds."""
    cues = RegexSet(PATTERNS)
    assert sum(p is not None for p in cues.folded) >= len(PATTERNS) - 1  # all but the one with "[A-Z]"
    ascii_sentences = [s for s in SENTENCES if s.isascii()] + [
        "OUR RESULTS SHOW THAT IT OUTPERFORMS SOTA MODELS (Smith and Jones, 2020).",
        "In Summary, We Find Higher Accuracy Than Prior Work; Code Is Available On GitHub.",
    ]
    for sentence in ascii_sentences:
        found = cues.searcher(sentence)
        assert {i for i in range(len(PATTERNS)) if found(i)} == {
            i for i, p in enumerate(PATTERNS) if re.search(p, sentence, re.IGNORECASE)
        }


def test_lower_case_pattern_refuses_what_case_folding_could_change():
    from kg.extract.regexset import lower_case_pattern

    assert lower_case_pattern(r"\bSOTA\b|[a-z]+\u2013") == r"\bsota\b|[a-z]+\u2013"
    assert lower_case_pattern("[A-Z]") is None  # a range, not a letter: "[A-z]" holds "_" too
    assert lower_case_pattern("\u212a") is None  # Kelvin sign folds to "k"
    assert lower_case_pattern(r"(a)\1") is None  # a back-reference
    assert lower_case_pattern("(?i)a") is None  # an inline flag
