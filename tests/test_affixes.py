"""The tokenizer's faster prefix, suffix and infix searches and URL match give spaCy's own answers:
on every piece of the sample corpus the tokenizer searches, on random strings of affix characters,
in a tokenizer saved and read back, and when a pattern cannot be analysed (the plain search is used
then)."""

from __future__ import annotations

import pickle
import random
import re

import pytest
import spacy
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

from kg.extract.affixes import InfixFinder, LiteralGuard, PrefixSearch, SuffixSearch
from kg.extract.text import compose
from kg.ingest import ReadLog, read_papers


def span(match):
    return None if match is None else match.span()


@pytest.fixture(scope="module")
def english():
    return spacy.blank("en")


def _strings(rng: random.Random, count: int) -> list[str]:
    """Words made of what the affix patterns look at: punctuation, digits and units, apostrophes,
    symbols, letters from several scripts, line breaks."""
    alphabet = [*".,;:!?)]}([{'\"%$€£°…-+/0123456789aAkmgsKMTxé’”“‘«»·—–©®™²³µ¿¡#&*_<>\n\t",
                "km", "'s", "’S", "..", "US$", "°F", "°c", "mph", "\u3002", "\uff1f", "\u060c", "\u0964",
                "\U0001f600", "\u0411", "\u05d0", "\u4e2d", "\u0915", "\uff08", "\u300d"]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9))) for _ in range(count)]


def _searched(corpus_dir, *names: str) -> tuple[set[str], list]:
    """What a fresh English tokenizer hands its search functions ``names`` while it tokenizes the
    sample corpus, and those functions (spaCy's own)."""
    tokenizer = spacy.blank("en").tokenizer
    plain = [getattr(tokenizer, name) for name in names]
    searched: set[str] = set()
    for name, function in zip(names, plain):
        setattr(tokenizer, name, lambda s, function=function: searched.add(s) or function(s))
    for paper in read_papers([corpus_dir], ReadLog()):
        tokenizer(compose(paper))
    return searched, plain


def test_same_matches_as_spacy_on_the_corpus_and_random_strings(english, corpus_dir):
    prefix, suffix = PrefixSearch(english.Defaults.prefixes), SuffixSearch(english.Defaults.suffixes)
    searched, (plain_prefix, plain_suffix) = _searched(corpus_dir, "prefix_search", "suffix_search")
    assert len(searched) > 2000
    strings = sorted(searched) + _strings(random.Random(3), 40_000)
    suffixed = prefixed = 0
    for string in strings:
        assert span(suffix.search(string)) == span(plain_suffix(string)), string
        assert span(prefix.search(string)) == span(plain_prefix(string)), string
        suffixed += plain_suffix(string) is not None
        prefixed += plain_prefix(string) is not None
    assert suffixed > 5000 and prefixed > 5000  # both kinds of answer were compared


def _url_strings(rng: random.Random, count: int) -> list[str]:
    """Words made of what infixes and URLs are made of: hyphens, dots, slashes, letters, digits."""
    alphabet = [*".,;:-–—~+*^/<>=…©°@#?abcXYZ019é", "\u4e2d", "\u0411", "http://", "www.", ".com", "...", "--", "192."]
    parts = ["http://", "www.", "neuro", "x", "-", ".", ".", "org", "com", "io", "/", "?b=1", ":8080", "@", "1", "10.", "168", "é"]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(count)] + \
        ["".join(rng.choice(parts) for _ in range(rng.randint(1, 6))) for _ in range(count)]


def test_same_infixes_and_urls_as_spacy_on_the_corpus_and_random_strings(english, corpus_dir):
    infixes, url = InfixFinder(english.Defaults.infixes), LiteralGuard(english.tokenizer.url_match)
    searched, (plain_infixes, plain_url) = _searched(corpus_dir, "infix_finditer", "url_match")
    assert len(searched) > 2000
    strings = sorted(searched) + _url_strings(random.Random(4), 30_000) + _strings(random.Random(5), 10_000)
    split = urls = 0
    for string in strings:
        found = [m.span() for m in plain_infixes(string)]
        assert [m.span() for m in infixes.finditer(string)] == found, string
        assert span(url.match(string)) == span(plain_url(string)), string
        split += bool(found)
        urls += plain_url(string) is not None
    assert split > 5000 and urls > 500  # both kinds of answer were compared


def test_the_pipeline_tokenizes_as_spacy_does(nlp, english):
    text = ("Results (n=12) improved 3.5% vs. 10km/h... (SNN). It's 20°C—“quoted”, URLs https://x.org/a?b=1, "
            "e-mail a@b.com; U.S. data…\nnew line 5mg ¿qué? 100% [ref]. end.\n")
    assert [t.text for t in nlp.make_doc(text)] == [t.text for t in english.make_doc(text)]


def test_a_tokenizer_saved_and_read_back_keeps_spacys_patterns(nlp, english):
    """spaCy saves a tokenizer's searches as their patterns: the single ones it would have made."""
    tokenizer = nlp.tokenizer.tokenizer
    copy = spacy.blank("en").tokenizer
    copy.from_bytes(tokenizer.to_bytes())
    assert copy.suffix_search.__self__.pattern == english.tokenizer.suffix_search.__self__.pattern
    assert copy.prefix_search.__self__.pattern == english.tokenizer.prefix_search.__self__.pattern
    text = "Spikes (n=4) at 20Hz… vs. 3.5%; state-of-the-art, see x.org/a."
    assert [t.text for t in copy(text)] == [t.text for t in tokenizer(text)]
    assert copy.infix_finditer.__self__.pattern == english.tokenizer.infix_finditer.__self__.pattern
    assert copy.url_match.__self__.pattern == english.tokenizer.url_match.__self__.pattern
    restored = pickle.loads(pickle.dumps(tokenizer.suffix_search))
    assert span(restored("models,")) == (6, 7)
    restored_url = pickle.loads(pickle.dumps(tokenizer.url_match))
    assert span(restored_url("x.org/a")) == (0, 7) and restored_url("spikes") is None


def test_patterns_it_cannot_analyse_are_searched_as_spacy_does():
    """An alternative outside a group would not be anchored in the joined pattern ("a|b" joined as
    "^a|b" and "a|b$"): the plain search answers, matching the unanchored letter anywhere as spaCy's
    does."""
    prefix = PrefixSearch([r"a|b", r"\("])
    assert span(prefix.search("xb")) == span(compile_prefix_regex([r"a|b", r"\("]).search("xb")) == (1, 2)
    suffix = SuffixSearch([r"a|b", r"\)"])
    assert span(suffix.search("ax")) == span(compile_suffix_regex([r"a|b", r"\)"]).search("ax")) == (0, 1)
    # analysable: an unbounded piece and a bounded one, the earlier start wins
    suffix = SuffixSearch([r"\.\.+", r"(?<=[0-9])\.", "x*y"])
    for string in ("a....", "1.", "1..", "xxxxxxxy", "y", "ab", ".", "x\n", "1.\n"):
        assert span(suffix.search(string)) == span(compile_suffix_regex([r"\.\.+", r"(?<=[0-9])\.", "x*y"]).search(string))


def test_infix_and_url_patterns_it_cannot_analyse_are_tried_on_every_word():
    """An infix that can match nothing, or a case-insensitive one, leaves the plain search; a URL
    pattern with no character every match holds is tried on every word."""
    for entries in ([r"-", r"x?"], [r"(?i)k", r"-"]):
        finder = InfixFinder(entries)
        for string in ("a-b", "akb", "aKb", "ab"):
            assert [m.span() for m in finder.finditer(string)] == \
                [m.span() for m in compile_infix_regex(entries).finditer(string)]
    assert [m.span() for m in InfixFinder([r"-", r"(?<=[0-9])[+*]"]).finditer("ab")] == []
    any_word = LiteralGuard(re.compile(r"(?:a|b)\w+").match)
    assert span(any_word.match("bc")) == (0, 2)
    dotted = LiteralGuard(re.compile(r"(?:\w+\.)+(?:com|org)").match)
    assert span(dotted.match("a.org")) == (0, 5) and dotted.match("aorg") is None
    caseless = LiteralGuard(re.compile(r"X\.y", re.IGNORECASE).match)
    assert span(caseless.match("x.Y")) == (0, 3)
