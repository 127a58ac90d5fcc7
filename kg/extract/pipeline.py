"""The extraction pipeline: builds the spaCy ``Language`` (blank English + our rule components) and
turns a stream of ``Paper`` into a stream of ``Extraction`` (pure per paper; parallel in batches)."""

from __future__ import annotations

import contextlib
import gc
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson
import spacy
from spacy.attrs import LANG, LOWER
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

import kg.extract.abbreviations  # noqa: F401  (registers kg_abbreviations)
import kg.extract.claims  # noqa: F401  (registers kg_claims)
import kg.extract.entities  # noqa: F401  (registers kg_entities)
import kg.extract.sentences  # noqa: F401  (registers kg_sentences)
from kg.extract import PIPELINE_VERSION  # noqa: F401  (re-exported)
from kg.extract.affixes import InfixFinder, LiteralGuard, PrefixSearch, SuffixSearch
from kg.extract.entities import PROPOSE_VERBS, RawMention
from kg.extract.text import (
    TextKeepingTokenizer,
    abstract_start,
    compose,
    text_of,
    to_section,
)
from kg.extract.tokens import tokens_of
from kg.extract.workers import BATCH_SIZE, batches, extract_rows
from kg.model import Claim, Entity, Extraction, Mention, Paper, Relation

TOKENIZER_CACHE_SIZE = 1 << 19  # chunks (about 30 MB at most)
#: A pipeline's vocabulary only grows: each word it has not seen before costs about 1.1 KB with its
#: tokenizer cache entry (measured on real abstracts). A worker that outlives many batches (a Dask
#: worker reading millions of abstracts) builds a fresh pipeline once its vocabulary has passed this
#: many words (about 550 MB; half a second to build); the output does not depend on it.
VOCABULARY_LIMIT = 500_000
#: Characters of text (titles and abstracts) that :func:`extract_batch` takes through the
#: components together at most: 1,000 abstracts of 1,500 characters, whose docs take about 100 MB
#: (70 bytes a character). A longer batch is cut into groups of about equal shares.
GROUP_CHARACTERS = 1_500_000
#: The lexical attributes the pipeline's vocabulary sets on spaCy's lexemes: ``LOWER``, which the
#: vocabulary PhraseMatcher matches on, and ``LANG``, which spaCy reads the vocabulary's language
#: from (the token table computes the few flags its rules ask about itself, see
#: ``kg.extract.tokens.lexical_functions``). spaCy computes the 23 attributes of its English
#: vocabulary for each word it has not seen, in Python; on real abstracts read once, that was a
#: quarter of the tokenizer's time.
LEXEME_ATTRIBUTES = frozenset({LANG, LOWER})
_COMPARATIVE = re.compile(
    r"\b(?:outperform(?:s|ed|ing)?|surpass(?:es|ed|ing)?|beats?|beating|(?:is|are|was|were|performs?|performed)"
    r" (?:better|superior) (?:than|to)|superior to|better than)\b",
    re.IGNORECASE,
)
# Every match of _COMPARATIVE holds one of these words (in any case).
_COMPARATIVE_WORDS = ("outperform", "surpass", "beat", "better", "superior")
_SELF_SUBJECT = re.compile(r"\b(?:our|we|the proposed|this)\b", re.IGNORECASE)


def build_nlp(ontology: Path | None = None) -> Language:
    """Blank English tokenizer + sentence splitter, acronym finder, entity and claim components.
    Its vocabulary sets only the lexeme attributes in :data:`LEXEME_ATTRIBUTES`: a token's other
    lexical attributes (``is_stop``, ``shape_``, ``like_num`` …) read as unset."""
    nlp = spacy.blank("en")
    getters = nlp.vocab.lex_attr_getters
    nlp.vocab.lex_attr_getters = {attr: getters[attr] for attr in sorted(LEXEME_ATTRIBUTES)}
    # spaCy's tokenizer with the same prefix, suffix, infix and URL matches, found faster
    # (kg.extract.affixes); made at once: each search set on a made tokenizer reloads its 1,347
    # special cases (a third of a pipeline's start-up with four searches)
    base = nlp.tokenizer
    tokenizer = Tokenizer(
        nlp.vocab, rules=base.rules, prefix_search=PrefixSearch(nlp.Defaults.prefixes).search,
        suffix_search=SuffixSearch(nlp.Defaults.suffixes).search, infix_finditer=InfixFinder(nlp.Defaults.infixes).finditer,
        token_match=base.token_match, url_match=None if base.url_match is None else LiteralGuard(base.url_match).match,
        faster_heuristics=base.faster_heuristics,
        # spaCy caches the tokens of 10,000 white-space separated chunks by default, which the
        # vocabulary patterns alone nearly fill; a corpus repeats far more (the output does not
        # depend on the cache)
        max_cache_size=TOKENIZER_CACHE_SIZE,
    )
    nlp.tokenizer = TextKeepingTokenizer(tokenizer)
    nlp.add_pipe("kg_sentences")
    nlp.add_pipe("kg_abbreviations")
    nlp.add_pipe("kg_entities", config={"ontology": str(ontology) if ontology else ""})
    nlp.add_pipe("kg_claims")
    return nlp


def _self_named(doc: Doc, raw: list[RawMention], bounds: list[tuple[int, int]]) -> set[str]:
    """Coined (non-vocabulary) names the paper introduces: named in its title, or defined as an
    acronym in a "we propose/introduce …" sentence."""
    tokens = tokens_of(doc)
    offset = abstract_start(tokens.text)
    title = tokens.text[:offset].lower()
    keys: set[str] = set()
    for mention in raw:
        if mention.vocab or mention.type == "Modality":
            continue
        if mention.start < offset or (len(mention.label) > 3 and mention.label.lower() in title):
            keys.add(mention.key)
            continue
        if mention.extractor != "acronym":
            continue
        sentence_start, _ = _sentence_at(bounds, mention.start)
        before = tokens.lowers[slice(*tokens.token_range(sentence_start, mention.start))]
        if not PROPOSE_VERBS.isdisjoint(before) and not {"we", "our"}.isdisjoint(before):
            keys.add(mention.key)
    return keys


def _sentence_at(bounds: list[tuple[int, int]], start: int) -> tuple[int, int]:
    """Character bounds of the sentence holding offset ``start`` (the first one before any)."""
    return bounds[max(bisect_right(bounds, (start, float("inf"))) - 1, 0)]


def _entities(raw: list[RawMention], proposed_keys: set[str]) -> list[Entity]:
    grouped: dict[tuple[str, str], list[RawMention]] = {}
    for mention in raw:
        grouped.setdefault((mention.type, mention.key), []).append(mention)
    entities = []
    for (type_, key), items in sorted(grouped.items()):
        if len(items) == 1:  # most entities are mentioned once
            best = items[0]
            surfaces = [best.text]
            vocab = best.vocab or None
        else:
            surfaces = sorted({m.text for m in items})
            vocab = next((m.vocab for m in items if m.vocab), None)
            best = max(items, key=lambda m: (m.confidence, m.extractor))
        if vocab:
            label = items[0].label
        else:  # prefer the expanded form ("spiking neural network" over "SNN")
            label = max(surfaces, key=lambda s: (len(s.split()), len(s), s))
        role = "proposed" if type_ != "Modality" and (key in proposed_keys) else "used"
        entities.append(
            Entity(
                type=type_,
                key=key,
                label=label,
                aliases=[s for s in surfaces if s != label],
                role=role,
                vocab=vocab,
                confidence=best.confidence,
                extractor=best.extractor,
            )
        )
    return entities


def _comparative(text: str) -> re.Match[str] | None:
    """``_COMPARATIVE.search(text)``; ASCII text without any of its words is answered at once."""
    if text.isascii():
        lowered = text.lower()
        if not any(map(lowered.__contains__, _COMPARATIVE_WORDS)):
            return None
    return _COMPARATIVE.search(text)


def _relations(doc: Doc, claims: list[Claim], mentions: list[Mention], entities: list[Entity]) -> list[Relation]:
    comparisons = [(claim, match) for claim in claims if (match := _comparative(claim.text))]
    if not comparisons:  # most claims compare nothing
        return []
    proposed = [e.key for e in entities if e.role == "proposed" and e.type == "Method"]
    relations: list[Relation] = []
    for claim, match in comparisons:
        inside = [m for m in mentions if m.section == claim.section and claim.start <= m.start < claim.end and m.type != "Modality"]
        pivot = claim.start + match.start()
        before = [m for m in inside if m.start < pivot]
        after = [m for m in inside if m.start >= claim.start + match.end()]
        if before:
            subject = before[-1].key
        elif proposed and _SELF_SUBJECT.search(claim.text[: match.start()]):
            subject = proposed[0]
        else:
            continue
        on = next((m.key for m in after if m.type == "Dataset"), None)
        for obj in dict.fromkeys(m.key for m in after if m.type == "Method" and m.key != subject):
            relations.append(
                Relation(subject, "outperforms", obj, claim.text, on, "pattern:comparative", 0.7, claim.section, claim.start, claim.end)
            )
    return relations


def doc_to_extraction(doc: Doc, paper: Paper) -> Extraction:
    """Convert the annotated Doc of one paper into its Extraction record."""
    underscore = doc._
    raw: list[RawMention] = underscore.kg_mentions or []
    bounds: list[tuple[int, int]] = underscore.sentence_bounds
    text = text_of(doc)
    offset = abstract_start(text)
    sentence_starts = [start for start, _ in bounds]
    sentences: dict[int, str] = {}  # one string per sentence, shared by its mentions
    mentions: list[Mention] = []
    for item in raw:
        start, end = item.start, item.end
        if offset and start >= offset:  # to_section, inlined: this runs per mention
            section, start, end = "abstract", start - offset, end - offset
        else:
            section = "title"
        index = max(bisect_right(sentence_starts, item.start) - 1, 0)  # _sentence_at
        sentence = sentences.get(index)
        if sentence is None:
            sentence_start, sentence_end = bounds[index]
            sentence = sentences[index] = text[sentence_start:sentence_end]
        mentions.append(
            Mention(item.type, item.text, item.key, section, start, end, sentence, item.extractor, item.confidence)
        )
    proposed_keys = {m.key for m in raw if m.proposed} | _self_named(doc, raw, bounds)
    entities = _entities(raw, proposed_keys)
    claims: list[Claim] = []
    for found in underscore.kg_claims or []:
        section, start, end = to_section(text, found.start, found.end)
        about = sorted({m.key for m in mentions if m.section == section and start <= m.start and m.end <= end})
        claims.append(
            Claim(found.text, section, start, end, bool(found.hedges), list(found.hedges), about, "kg_claims", found.score)
        )
    relations = _relations(doc, claims, mentions, entities) if claims else []
    return Extraction(paper=paper, entities=entities, mentions=mentions, claims=claims, relations=relations)


def extract_batch(papers: list[Paper], nlp: Language) -> list[Extraction]:
    """Extract a list of papers: every text of a group through the tokenizer, then the whole group
    through each enabled component of ``nlp`` in turn, as ``nlp.pipe`` runs components that have a
    ``pipe`` method, in plain loops (its generator layers cost as much as a small component).
    Component by component rather than paper by paper, each component's code and tables stay in
    the processor's caches for the whole group: a fifth faster on real abstracts in groups of 500 or
    more. Groups hold at most :data:`GROUP_CHARACTERS` of text (1,000 abstracts), so that the docs
    held at once stay few whatever the papers' length. The output is the same."""
    make_doc = nlp.make_doc
    extractions: list[Extraction] = []
    with collector_paused():
        for group in _groups(papers, GROUP_CHARACTERS):
            docs = [make_doc(compose(paper)) for paper in group]
            for _, component in nlp.pipeline:
                docs = [component(doc) for doc in docs]
            extractions.extend(doc_to_extraction(doc, paper) for doc, paper in zip(docs, group, strict=True))
    return extractions


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused (then as it was, if nothing paused it before): a
    group's docs, their tokens and annotations, and then the records and rows made of them, are
    many objects alive at once, which its collections went over again and again (13 % of the time
    on real abstracts, 25 % on the synthetic papers, in batches of 1,000). They form no reference
    cycles: reference counting frees them as before, and nothing is left for the collector."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _groups(papers: list[Paper], limit: int) -> Iterator[list[Paper]]:
    """``papers`` in order, in consecutive groups of about the same size, as few as hold at most
    ``limit`` characters of title and abstract each (a longer paper is a group of its own)."""
    lengths = [len(paper.title) + len(paper.abstract) for paper in papers]
    total = sum(lengths)
    share = total / max(1, -(-total // limit))  # a group ends once it has its share
    group: list[Paper] = []
    size = 0
    for paper, length in zip(papers, lengths, strict=True):
        if group and size + length > limit:
            yield group
            group, size = [], 0
        group.append(paper)
        size += length
        if size >= share:
            yield group
            group, size = [], 0
    if group:
        yield group


def outgrown(nlp: Language) -> bool:
    """Whether ``nlp``'s vocabulary has passed :data:`VOCABULARY_LIMIT` words: time for a long-lived
    worker to build a fresh pipeline."""
    return len(nlp.vocab) > VOCABULARY_LIMIT


def row_json(extraction: Extraction) -> str:
    """An extraction as the JSON text of :meth:`Extraction.to_row` (no paper)."""
    return orjson.dumps(extraction.to_row()).decode("utf-8")


def extract(
    papers: Iterable[Paper],
    *,
    nlp: Language | None = None,
    ontology: Path | None = None,
    n_process: int = 1,
    batch_size: int = BATCH_SIZE,
) -> Iterator[Extraction]:
    """Stream extractions in input order; ``n_process > 1`` spreads batches over processes."""
    if n_process <= 1:
        nlp = nlp or build_nlp(ontology)
        for batch in batches(papers, batch_size):
            yield from extract_batch(batch, nlp)
        return
    for paper, text in extract_rows(papers, ontology=ontology, n_process=n_process, batch_size=batch_size):
        yield Extraction.from_row(orjson.loads(text), paper)
