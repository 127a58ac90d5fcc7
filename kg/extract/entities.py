"""``kg_entities``: finds method, dataset and modality mentions — curated vocabulary phrases,
per-document acronym definitions, and open-world naming patterns — into ``doc._.kg_mentions``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.extract.abbreviations import Abbreviation
from kg.extract.vocabulary import Concept, Vocabulary
from kg.keys import entity_key, normalise_name

# Head nouns that make an unknown acronym definition a method or a dataset.
METHOD_HEADS = frozenset(
    """network networks net nets model models machine machines algorithm algorithms architecture
    architectures transformer transformers autoencoder autoencoders encoder encoders decoder decoders
    regression classifier classifiers attention convolution convolutions estimator optimizer
    optimization learning distillation search sampling inference embedding embeddings mechanism
    module modules layer layers unit units kernel kernels coding representation representations
    analysis filter filters process processes field fields operator operators policy tree trees
    forest clustering decomposition factorization gan gans probe probes rule rules reservoir
    framework""".split()
)
DATASET_HEADS = frozenset(
    "dataset datasets benchmark benchmarks corpus corpora database databases collection suite".split()
)
PROPOSE_VERBS = frozenset(
    """propose proposes proposed introduce introduces introduced present presents presented develop
    develops developed design designs designed build builds release releases curate curates
    construct constructs create creates""".split()
)
NAMING_WORDS = frozenset("called termed dubbed named coined".split())
_NAME_LIKE = re.compile(r"^(?=.*[A-Za-z])(?:[A-Z0-9][\w.+\-]*|[a-z]+[A-Z][\w.+\-]*)$")


def is_name_like(text: str) -> bool:
    """A coined name: 2+ capitals (VEDIT, DUQGen, NeuRBF), inner capital (iTransformer) or a
    capitalised word with digits (Llama3, L2R-GNN)."""
    if not _NAME_LIKE.match(text) or len(text) < 2:
        return False
    upper = sum(c.isupper() for c in text)
    inner_upper = any(c.isupper() for c in text[1:])
    has_digit = any(c.isdigit() for c in text)
    return upper >= 2 or inner_upper or (has_digit and text[0].isalpha())


@dataclass
class RawMention:
    """A mention before paper-level aggregation (offsets into doc.text)."""

    type: str
    key: str
    label: str
    text: str
    start: int
    end: int
    extractor: str
    confidence: float
    proposed: bool = False
    vocab: str | None = None


def _plurals(label: str) -> list[str]:
    if label[-1:].isdigit():
        return []
    if label.endswith(("s", "x", "ch", "sh")):
        return [label + "es"]
    if label.endswith("y") and len(label) > 2 and label[-2] not in "aeiou":
        return [label[:-1] + "ies", label + "s"]
    return [label + "s"]


def _case_sensitive(label: str) -> bool:
    return sum(c.isupper() for c in label) >= 2


class EntityRecognizer:
    """Vocabulary + acronym + pattern mention finder; a spaCy pipeline component."""

    def __init__(self, nlp: Language, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.by_normal: dict[str, list[Concept]] = {}
        self.hidden: dict[str, frozenset[str]] = {
            key: frozenset(normalise_name(h) for h in concept.hidden_labels)
            for key, concept in vocabulary.concepts.items()
        }
        exact: dict[str, list[str]] = {}
        lower: dict[str, list[str]] = {}
        for key, concept in sorted(vocabulary.concepts.items()):
            if concept.abstract:
                continue
            for label in (concept.label, *concept.alt_labels, *concept.hidden_labels):
                same = self.by_normal.setdefault(normalise_name(label), [])
                if concept not in same:
                    same.append(concept)
                forms = [label, *_plurals(label)]
                target = exact if _case_sensitive(label) else lower
                target.setdefault(key, []).extend(forms)
        for key, forms in exact.items():
            self.exact.add(key, [nlp.make_doc(f) for f in sorted(set(forms))])
        for key, forms in lower.items():
            self.lower.add(key, [nlp.make_doc(f.lower()) for f in sorted(set(forms))])

    # -- helpers -----------------------------------------------------------------------------
    def resolve(self, name: str, type_hint: str) -> tuple[str, str, str | None]:
        """(key, label, vocab IRI) for a surface name: the curated concept if any, else minted."""
        for concept in self.by_normal.get(normalise_name(name), []):
            if concept.type == type_hint or type_hint == "":
                return concept.key, concept.label, concept.iri
        return entity_key(type_hint or "Method", name), name, None

    def _span_type(self, doc: Doc, span: Span) -> str:
        """Method or Dataset (or "" when neither) from the span's head noun and what follows."""
        after = doc[span.end : span.end + 3]
        words = [t.lower_ for t in span] + [t.lower_ for t in after if t.text not in "()"]
        if any(w in DATASET_HEADS for w in words):
            return "Dataset"
        if span[-1].lower_ in METHOD_HEADS or (len(span) > 1 and span[-1].lower_.rstrip("s") in METHOD_HEADS):
            return "Method"
        return ""

    def __call__(self, doc: Doc) -> Doc:
        abbreviations: list[Abbreviation] = doc._.abbreviations or []
        mentions: list[RawMention] = []
        claimed: list[Span] = []  # spans already explained (acronym definitions)

        # 1. Acronyms defined in this document: the long form decides what the short form means.
        defined: dict[str, list[tuple[str, str, str, str | None]]] = {}
        for abbreviation in abbreviations:
            long_span = doc.char_span(abbreviation.long_start, abbreviation.long_end, alignment_mode="expand")
            short_span = doc.char_span(abbreviation.short_start, abbreviation.short_end, alignment_mode="expand")
            if long_span is None or short_span is None:
                continue
            concepts = [c for c in self.by_normal.get(normalise_name(abbreviation.long), []) if not c.abstract]
            if concepts:
                meanings = [(c.type, c.key, c.label, c.iri) for c in concepts]
            else:
                type_ = self._span_type(doc, long_span)
                if not type_ or self.vocabulary.is_umbrella(abbreviation.long):
                    # Defined, but not an entity (e.g. "working memory (WM)"): the acronym must
                    # not fall back to a vocabulary meaning it does not have in this paper.
                    defined[abbreviation.short] = []
                    claimed.append(short_span)
                    continue
                meanings = [(type_, entity_key(type_, abbreviation.long), abbreviation.long, None)]
            defined[abbreviation.short] = meanings
            for span in (long_span, short_span):
                for type_, key, label, vocab in meanings:
                    mentions.append(
                        RawMention(type_, key, label, span.text, span.start_char, span.end_char, "acronym", 0.9, vocab=vocab)
                    )
                claimed.append(span)
        if defined:
            forms = {**{s + "s": v for s, v in defined.items()}, **defined}
            claimed_tokens = {t.i for span in claimed for t in span}
            for token in doc:
                resolved = forms.get(token.text)
                if resolved is None or token.i in claimed_tokens:
                    continue
                span = doc[token.i : token.i + 1]
                claimed.append(span)
                for type_, key, label, vocab in resolved:
                    mentions.append(
                        RawMention(type_, key, label, token.text, token.idx, token.idx + len(token), "acronym", 0.9, vocab=vocab)
                    )

        # 2. Curated vocabulary, longest match first, never inside an acronym already resolved.
        claimed_tokens = {t.i for span in claimed for t in span}
        spans = [Span(doc, s, e, label=m) for m, s, e in self.exact(doc)]
        spans += [Span(doc, s, e, label=m) for m, s, e in self.lower(doc)]
        by_type: dict[str, list[Span]] = {}
        for span in spans:
            by_type.setdefault(self.vocabulary.concepts[span.label_].type, []).append(span)
        # Longest match per type: "spiking neural network" may be both a method and a modality.
        for span in [s for type_ in sorted(by_type) for s in filter_spans(by_type[type_])]:
            if any(t.i in claimed_tokens for t in span):
                continue  # part of an acronym definition, which step 1 already resolved as a whole
            concept = self.vocabulary.concepts[span.label_]
            hidden = normalise_name(span.text) in self.hidden.get(concept.key, ())
            mentions.append(
                RawMention(
                    concept.type, concept.key, concept.label, span.text, span.start_char, span.end_char,
                    "vocabulary:cue" if hidden else "vocabulary", 0.7 if hidden else 0.95, vocab=concept.iri,
                )
            )
            for modality in concept.modalities:
                implied = self.vocabulary.concepts.get(modality)
                if implied is not None:
                    mentions.append(
                        RawMention("Modality", implied.key, implied.label, span.text, span.start_char, span.end_char,
                                   "vocabulary:dataset-modality", 0.8, vocab=implied.iri)
                    )

        # 3. Open-world names: proposals ("we propose X", "called X", title "X: ..."), "the X dataset".
        taken = set(claimed_tokens)
        for mention in mentions:
            span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
            if span is not None:
                taken.update(range(span.start, span.end))
        mentions.extend(self._patterns(doc, taken))
        doc._.kg_mentions = sorted(mentions, key=lambda m: (m.start, m.end, m.type, m.key))
        return doc

    def _name_at(self, doc: Doc, i: int, limit: int = 5) -> Span | None:
        """A coined name starting at token i: the glued compound there ("Du-IN", "L2R-GNN",
        "PointNet++") when it is name-like, plus a short version number ("Llama 3.1")."""
        if i >= len(doc) or doc[i].is_punct or (i > 0 and not doc[i - 1].whitespace_ and not doc[i - 1].is_punct):
            return None
        if i > 0 and doc[i - 1].text in {"-", "+"} and not doc[i - 1].whitespace_:
            return None  # the middle of a hyphenated word
        end = i + 1
        while end < len(doc) and end - i < limit and not doc[end - 1].whitespace_:
            token = doc[end]
            if token.text in {"-", "++", "+", "."} or token.is_alpha or token.like_num or is_name_like(token.text):
                end += 1
                continue
            break
        while end > i + 1 and doc[end - 1].text in {"-", "+", "."}:
            end -= 1
        if not is_name_like(doc[i:end].text.replace("-", "").replace("+", "").replace(".", "")):
            return None
        if end < len(doc) and doc[end - 1].whitespace_ and doc[end].like_num and len(doc[end].text) <= 5:
            end += 1  # "Llama 3.1", "GPT 4"
        return doc[i:end]

    def _patterns(self, doc: Doc, taken: set[int]) -> list[RawMention]:
        found: list[RawMention] = []

        def add(span: Span, type_: str, extractor: str, confidence: float, proposed: bool) -> None:
            if any(t.i in taken for t in span) or self.vocabulary.is_umbrella(span.text):
                return
            key, label, vocab = self.resolve(span.text, type_)
            found.append(RawMention(type_, key, label, span.text, span.start_char, span.end_char, extractor, confidence, proposed, vocab))
            taken.update(t.i for t in span)

        # Title "Name: subtitle" (the title is the first sentence, ended by the blank line).
        first = next(doc.sents, None)
        if first is not None:
            colon = next((t for t in first if t.text == ":"), None)
            if colon is not None and 1 <= colon.i - first.start <= 3:
                span = doc[first.start : colon.i]
                if span[0].lower_ in {"the", "a", "an"} and len(span) > 1:
                    span = span[1:]
                single = len(span) == 1 and span[0].is_alpha and span[0].is_title and len(span[0]) > 3
                if single or self._name_at(doc, span.start) is not None:
                    type_ = "Dataset" if any(t.lower_ in DATASET_HEADS for t in first) else "Method"
                    add(span, type_, "pattern:title", 0.8, True)
        for sent in doc.sents:
            lowers = [t.lower_ for t in sent]
            proposing = any(w in PROPOSE_VERBS for w in lowers) and any(w in {"we", "our", "this", "here"} for w in lowers)
            for token in sent:
                # "called / termed / dubbed X"
                if token.lower_ in NAMING_WORDS:
                    span = self._name_at(doc, token.i + 1)
                    if span is not None:
                        add(span, self._type_near(doc, sent), "pattern:naming", 0.85, True)
                # "the X dataset / benchmark / corpus"
                if token.lower_ in DATASET_HEADS and token.i > sent.start:
                    start = token.i - 1
                    while start > sent.start and is_name_like(doc[start - 1].text) and token.i - start < 3:
                        start -= 1
                    span = self._name_at(doc, start)
                    if span is not None and span.end <= token.i:
                        add(span, "Dataset", "pattern:dataset-head", 0.8, proposing)
                # "GTN baselines", "BMN model", "ResNet-based": a coined name in front of a method word
                if is_name_like(token.text) and token.i + 1 < sent.end and token.i not in taken:
                    span = self._name_at(doc, token.i)
                    if span is not None and span.end < sent.end:
                        following = doc[span.end]
                        if following.text == "-" and span.end + 1 < sent.end:
                            following = doc[span.end + 1]
                        if following.lower_ in METHOD_HEADS or following.lower_ in {"baseline", "baselines", "based"}:
                            add(span, "Method", "pattern:name-head", 0.6, False)
                # "we propose/introduce X" with X a coined name within the next few tokens
                if proposing and token.lower_ in PROPOSE_VERBS:
                    for j in range(token.i + 1, min(token.i + 9, sent.end)):
                        if doc[j].text in {".", ";"}:
                            break
                        span = self._name_at(doc, j)
                        if span is not None:
                            add(span, self._type_near(doc, sent), "pattern:proposal", 0.8, True)
                            break
        return found

    @staticmethod
    def _type_near(doc: Doc, sent: Span) -> str:
        words = {t.lower_ for t in sent}
        return "Dataset" if words & DATASET_HEADS else "Method"


@Language.factory("kg_entities", default_config={"ontology": ""}, requires=["doc._.abbreviations"], assigns=["doc._.kg_mentions"])
def make_entity_recognizer(nlp: Language, name: str, ontology: str) -> EntityRecognizer:
    return EntityRecognizer(nlp, Vocabulary.load(Path(ontology) if ontology else None))


if not Doc.has_extension("kg_mentions"):
    Doc.set_extension("kg_mentions", default=None)
