"""``kg_entities``: finds method, dataset and modality mentions — curated vocabulary phrases,
per-document acronym definitions, and open-world naming patterns — into ``doc._.kg_mentions``."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, count
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.extract.abbreviations import Abbreviation
from kg.extract.batching import Batched
from kg.extract.modalities import BACKGROUND_PATTERNS, select_modalities
from kg.extract.regexset import RegexSet
from kg.extract.text import abstract_start
from kg.extract.tokens import TokenTable, tokens_of
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
    framework backbone backbones method methods approach technique techniques scheme procedure
    strategy paradigm pipeline solver loss objective regularization regularizer
    initialization pruning quantization descent machine student teacher""".split()
)
# Capitalised words that are adjectives or generic words, not coined names, before "model/network".
NOT_NAMES = frozenset(
    """bayesian gaussian markov markovian euclidean hebbian poisson bernoulli boolean lagrangian
    hamiltonian laplacian riemannian newtonian darwinian linear nonlinear deep neural
    our the this these a an we in on for with to of by from as at such each both other large small
    language vision visual multimodal generative predictive recurrent convolutional graph spiking
    transformer diffusion foundation base baseline proposed new novel existing standard hybrid unified
    general simple single multiple several many two three english chinese human brain""".split()
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
_TITLE_COMPOUND = re.compile(r"^[A-Z][a-z]+(?:-[A-Z][a-z]+)+$")
_NAME_LIKE = re.compile(r"^(?=.*[A-Za-z])(?:[A-Z0-9][\w.+\-]*|[a-z]+[A-Z][\w.+\-]*)$")


@lru_cache(maxsize=1 << 16)  # called on every token; words repeat across abstracts
def is_name_like(text: str) -> bool:
    """A coined name: 2+ capitals (VEDIT, DUQGen, NeuRBF), inner capital (iTransformer) or a
    capitalised word with digits (Llama3, L2R-GNN)."""
    if text.islower() or not _NAME_LIKE.match(text) or len(text) < 2:
        return False
    upper = sum(c.isupper() for c in text)
    inner_upper = any(c.isupper() for c in text[1:])
    has_digit = any(c.isdigit() for c in text)
    return upper >= 2 or inner_upper or (has_digit and text[0].isalpha())


@lru_cache(maxsize=1 << 16)
def may_start_name(word: str) -> bool:
    """Whether a capitalised word passes the word-level tests of the name patterns: a coined name,
    or a title-case word of 4+ letters that is not an adjective ("Izhikevich", "Cerberus")."""
    if is_name_like(word):
        return True
    lower = word.lower()
    return word.isalpha() and word.istitle() and len(word) > 3 and lower not in NOT_NAMES and not lower.endswith(("ian", "ean"))


@dataclass(slots=True)
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


class EntityRecognizer(Batched):
    """Vocabulary + acronym + pattern mention finder; a spaCy pipeline component."""

    def __init__(self, nlp: Language, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.background = RegexSet(BACKGROUND_PATTERNS)
        self.cue_words = NAMING_WORDS | DATASET_HEADS | PROPOSE_VERBS  # words that can start a pattern
        # what a coined name or an eponym needs within seven words after it (see _capitalised)
        self.head_words = METHOD_HEADS | {"baseline", "baselines", "based"}
        # One pass of one matcher over lower-cased tokens finds every form; a match of a concept with
        # case-sensitive forms ("SNN", not "snn") is kept only if it is one of its forms as written.
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.any_case: dict[str, frozenset[tuple[str, ...]]] = {}  # forms as token lower cases
        self.cased: dict[str, frozenset[tuple[str, ...]]] = {}  # forms as token texts, case-sensitive
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
        for key in sorted({*exact, *lower}):
            cased = [nlp.make_doc(f) for f in sorted(set(exact.get(key, ())))]
            any_case = [nlp.make_doc(f.lower()) for f in sorted(set(lower.get(key, ())))]
            self.matcher.add(key, [*cased, *any_case])
            if cased:
                self.cased[key] = frozenset(tuple(t.text for t in doc) for doc in cased)
                self.any_case[key] = frozenset(tuple(t.lower_ for t in doc) for doc in any_case)

    # -- helpers -----------------------------------------------------------------------------
    def resolve(self, name: str, type_hint: str) -> tuple[str, str, str | None]:
        """(key, label, vocab IRI) for a surface name: the curated concept if any, else minted."""
        for concept in self.by_normal.get(normalise_name(name), []):
            if concept.type == type_hint or type_hint == "":
                return concept.key, concept.label, concept.iri
        return entity_key(type_hint or "Method", name), name, None

    @staticmethod
    def _span_type(tokens: TokenTable, i: int, j: int) -> str:
        """Method or Dataset (or "" when neither) from the head noun of tokens [i, j) and what follows."""
        words = [*tokens.lowers[i:j], *(w for w in tokens.lowers[j : j + 3] if w not in "()")]
        if any(w in DATASET_HEADS for w in words):
            return "Dataset"
        last = tokens.lowers[j - 1]
        if last in METHOD_HEADS or (j - i > 1 and last.rstrip("s") in METHOD_HEADS):
            return "Method"
        return ""

    def _last_word_type(self, tokens: TokenTable, i: int, j: int) -> str:
        """Method when a long form ends in a known method's name or a coined name
        ("activation space Selectable KAN", "efficient 3D SNN"), else ""."""
        if j - i < 2:
            return ""
        last = tokens.words[j - 1]
        concepts = self.by_normal.get(normalise_name(last), [])
        if any(c.type == "Method" for c in concepts) or (is_name_like(last) and not concepts):
            return "Method"
        return ""

    def __call__(self, doc: Doc) -> Doc:
        tokens = tokens_of(doc)
        underscore = doc._  # one extension accessor for the whole call
        sentences: list[tuple[int, int]] = underscore.sentence_bounds
        abbreviations: list[Abbreviation] = underscore.abbreviations or []
        mentions: list[RawMention] = []
        claimed: set[int] = set()  # tokens already explained (acronym definitions)
        known_methods: list[tuple[int, int]] = []  # token ranges of the method mentions

        # 1. Acronyms defined in this document: the long form decides what the short form means.
        defined: dict[str, list[tuple[str, str, str, str | None]]] = {}
        for abbreviation in abbreviations:
            long_range = tokens.covering(abbreviation.long_start, abbreviation.long_end)
            short_range = tokens.covering(abbreviation.short_start, abbreviation.short_end)
            if long_range is None or short_range is None:
                continue
            concepts = [c for c in self.by_normal.get(normalise_name(abbreviation.long), []) if not c.abstract]
            if concepts:
                meanings = [(c.type, c.key, c.label, c.iri) for c in concepts]
            else:
                type_ = self._span_type(tokens, *long_range) or self._last_word_type(tokens, *long_range)
                if not type_ or self.vocabulary.is_umbrella(abbreviation.long):
                    # Defined, but not an entity (e.g. "working memory (WM)"): the acronym must
                    # not fall back to a vocabulary meaning it does not have in this paper.
                    defined[abbreviation.short] = []
                    claimed.update(range(*short_range))
                    continue
                meanings = [(type_, entity_key(type_, abbreviation.long), abbreviation.long, None)]
            defined[abbreviation.short] = meanings
            for i, j in (long_range, short_range):
                start, end = tokens.chars(i, j)
                for type_, key, label, vocab in meanings:
                    mentions.append(RawMention(type_, key, label, tokens.text[start:end], start, end, "acronym", 0.9, vocab=vocab))
                    if type_ == "Method":
                        known_methods.append((i, j))
                claimed.update(range(i, j))
        if defined:
            forms = {**{s + "s": v for s, v in defined.items()}, **defined}
            for form, resolved in forms.items():  # every token that is exactly a defined short form
                position = tokens.text.find(form)
                while position >= 0:
                    i = bisect_left(tokens.starts, position)
                    if i < len(tokens) and tokens.starts[i] == position and tokens.words[i] == form and i not in claimed:
                        claimed.add(i)
                        for type_, key, label, vocab in resolved:
                            mentions.append(
                                RawMention(type_, key, label, form, position, tokens.ends[i], "acronym", 0.9, vocab=vocab)
                            )
                            if type_ == "Method":
                                known_methods.append((i, i + 1))
                    position = tokens.text.find(form, position + 1)

        # 2. Curated vocabulary, longest match first, never inside an acronym already resolved.
        strings = doc.vocab.strings
        by_type: dict[str, list[tuple[int, int, str]]] = {}
        for match_id, i, j in self.matcher(doc):
            key = strings[match_id]
            cased = self.cased.get(key)
            if cased is not None and tuple(tokens.words[i:j]) not in cased \
                    and tuple(tokens.lowers[i:j]) not in self.any_case[key]:
                continue  # "snn" for "SNN": only the lower-cased tokens match
            by_type.setdefault(self.vocabulary.concepts[key].type, []).append((i, j, key))
        # Longest match per type: "spiking neural network" may be both a method and a modality.
        taken = set(claimed)  # tokens in a mention so far
        for i, j, key in [m for type_ in sorted(by_type) for m in _longest_first(by_type[type_])]:
            if not claimed.isdisjoint(range(i, j)):
                continue  # part of an acronym definition, which step 1 already resolved as a whole
            concept = self.vocabulary.concepts[key]
            taken.update(range(i, j))
            if concept.type == "Method":
                known_methods.append((i, j))
            start, end = tokens.chars(i, j)
            surface = tokens.text[start:end]
            hidden_labels = self.hidden.get(concept.key)  # most concepts have none: no need to normalise the surface
            hidden = bool(hidden_labels) and normalise_name(surface) in hidden_labels
            mentions.append(
                RawMention(
                    concept.type, concept.key, concept.label, surface, start, end,
                    "vocabulary:cue" if hidden else "vocabulary", 0.7 if hidden else 0.95, vocab=concept.iri,
                )
            )
            for modality in concept.modalities:
                implied = self.vocabulary.concepts.get(modality)
                if implied is not None:
                    mentions.append(
                        RawMention("Modality", implied.key, implied.label, surface, start, end,
                                   "vocabulary:dataset-modality", 0.8, vocab=implied.iri)
                    )

        # 3. Open-world names: proposals ("we propose X", "called X", title "X: ..."), "the X dataset".
        # tokens that are pattern cue words ("called", "dataset", "propose", …)
        cue_tokens = list(compress(count(), map(self.cue_words.__contains__, tokens.lowers)))
        mentions.extend(self._patterns(tokens, sentences, taken, known_methods, cue_tokens))
        # 4. Modalities the evidence supports (background sentences and lone hints do not count).
        modalities = select_modalities(
            mentions, tokens.text, abstract_start(tokens.text), sentences, self.vocabulary, self.background
        )
        mentions = [m for m in mentions if m.type != "Modality" or m.key in modalities]
        underscore.kg_mentions = sorted(mentions, key=lambda m: (m.start, m.end, m.type, m.key))
        return doc

    @staticmethod
    def _name_at(tokens: TokenTable, i: int, limit: int = 5) -> tuple[int, int] | None:
        """A coined name starting at token i: the glued compound there ("Du-IN", "L2R-GNN",
        "PointNet++") when it is name-like, plus a short version number ("Llama 3.1")."""
        n = len(tokens)
        words, space = tokens.words, tokens.space
        if i >= n:
            return None
        if space[i] and words[i].islower():
            return None  # one lower-case word: never name-like (tested first: the flags cost a lookup)
        if tokens.punct[i] or (i > 0 and not space[i - 1] and not tokens.punct[i - 1]):
            return None
        if i > 0 and words[i - 1] in {"-", "+"} and not space[i - 1]:
            return None  # the middle of a hyphenated word
        end = i + 1
        while end < n and end - i < limit and not space[end - 1]:
            word = words[end]
            if word in {"-", "++", "+", "."} or tokens.alpha[end] or tokens.num[end] or is_name_like(word):
                end += 1
                continue
            break
        while end > i + 1 and words[end - 1] in {"-", "+", "."}:
            end -= 1
        if not is_name_like(tokens.span_text(i, end).replace("-", "").replace("+", "").replace(".", "")):
            return None
        if end < n and words[end].istitle() and tokens.alpha[end] and _TITLE_COMPOUND.match(tokens.span_text(i, end)):
            return None  # "Multi-Label Classification", "Goal-Driven Agents": a title-cased phrase, not a name
        if end < n and space[end - 1] and len(words[end]) <= 5 and tokens.num[end]:
            end += 1  # "Llama 3.1", "GPT 4"
        return i, end

    def _capitalised(self, tokens: TokenTable, k: int, sent_start: int, sent_end: int, abstract_token: int,
                     proposing: bool, taken: set[int], add: Callable[..., None]) -> None:
        """Patterns that start at a capitalised word k: a coined name before a method word, an eponym
        model ("Izhikevich spiking reservoir"). Either needs one of ``head_words`` among the seven
        words after k (a name spans six tokens at most, and a hyphen may follow it)."""
        lowers, space, word = tokens.lowers, tokens.space, tokens.words[k]
        lower = lowers[k]
        # "GTN baselines", "BMN model", "ResNet-based": a coined name in front of a method word
        coined = is_name_like(word) or (
            # "our Cerberus model": one capitalised word inside lower-case running text
            sent_start < k and k + 1 < sent_end and k >= abstract_token and word.istitle() and len(word) > 3 and tokens.alpha[k]
            and tokens.words[k - 1].islower() and space[k - 1] and space[k] and lowers[k + 1] in METHOD_HEADS
            and tokens.words[k + 1].islower()
            and lower not in NOT_NAMES and not lower.endswith(("ian", "ean"))
        )
        eponym = None
        if not coined and k > sent_start and k >= abstract_token and word.istitle() and len(word) > 3 \
                and tokens.alpha[k] and tokens.words[k - 1].islower() and lower not in NOT_NAMES \
                and not lower.endswith(("ian", "ean")):
            # "a heterogeneous Izhikevich spiking reservoir": eponym + 1-2 lower-case words + head
            for head in range(k + 2, min(k + 4, sent_end)):
                if not (space[head - 1] and tokens.words[head - 1].islower() and tokens.alpha[head - 1]):
                    break
                if lowers[head] in METHOD_HEADS and lowers[head] not in {"method", "methods", "approach", "framework", "model", "models"}:
                    eponym = (k, head + 1)
                    break
        if eponym is not None:
            add(eponym, "Method", "pattern:eponym", 0.6, False)
        if k + 1 < sent_end and k not in taken and coined:
            span = self._name_at(tokens, k) if is_name_like(word) else (k, k + 1)
            if span is not None and span[1] < sent_end:
                following = span[1]
                if tokens.words[following] == "-" and following + 1 < sent_end:
                    following += 1
                if lowers[following] in METHOD_HEADS or lowers[following] in {"baseline", "baselines", "based"}:
                    ours = proposing and "our" in lowers[max(sent_start, span[0] - 3) : span[0]]
                    add(span, "Method", "pattern:name-head", 0.6, ours)

    @staticmethod
    def _type_after(tokens: TokenTable, i: int, end: int) -> str:
        """What the words after a proposed name say it is: "STEP, a unified benchmark" -> Dataset,
        "Aaren, an attention-based module" -> Method; "" when no head word follows soon."""
        for k in range(i, min(i + 8, end)):
            lower = tokens.lowers[k]
            if lower in {".", ";"}:
                break
            if lower in DATASET_HEADS:
                return "Dataset"
            if lower in METHOD_HEADS:
                return "Method"
        return ""

    @staticmethod
    def _appositive_at(tokens: TokenTable, i: int, end: int) -> tuple[int, int] | None:
        """A capitalised coined word introduced with an appositive: "Aaren, an attention-based
        module" / "Cerberus, a multi-task model" (one word, then ", a|an|the|which")."""
        if i + 2 >= end or not tokens.words[i][:1].isupper() or len(tokens.words[i]) < 4 or not tokens.alpha[i]:
            return None
        if tokens.lowers[i] in NOT_NAMES or tokens.words[i + 1] != "," or tokens.lowers[i + 2] not in {"a", "an", "the", "which"}:
            return None
        return i, i + 1

    def _patterns(
        self, tokens: TokenTable, sentences: list[tuple[int, int]], taken: set[int], known_methods: list[tuple[int, int]],
        cue_tokens: list[int],
    ) -> list[RawMention]:
        found: list[RawMention] = []
        lowers = tokens.lowers

        def add(span: tuple[int, int], type_: str, extractor: str, confidence: float, proposed: bool) -> None:
            i, j = span
            start, end = tokens.chars(i, j)
            surface = tokens.text[start:end]
            if not taken.isdisjoint(range(i, j)) or self.vocabulary.is_umbrella(surface):
                return
            if " " in surface and self.vocabulary.is_umbrella(surface.rsplit(" ", 1)[0]):
                return  # "CVPR 2023", "GPU 4": an umbrella word with a number
            key, label, vocab = self.resolve(surface, type_)
            found.append(RawMention(type_, key, label, surface, start, end, extractor, confidence, proposed, vocab))
            taken.update(range(i, j))

        ranges = [tokens.token_range(start, end) for start, end in sentences]
        abstract_token = tokens.token_range(abstract_start(tokens.text), len(tokens.text))[0]
        # Title "Name: subtitle" (the title is the first sentence, ended by the blank line).
        if ranges:
            first_start, first_end = ranges[0]
            colon = next((k for k in range(first_start, first_end) if tokens.words[k] == ":"), None)
            if colon is not None and 1 <= colon - first_start <= 3:
                i = first_start
                if lowers[i] in {"the", "a", "an"} and colon - i > 1:
                    i += 1
                word = tokens.words[i]
                single = colon - i == 1 and tokens.alpha[i] and word.istitle() and len(word) > 3
                if single or self._name_at(tokens, i) is not None:
                    heads = any(w in DATASET_HEADS for w in lowers[first_start:first_end])
                    add((i, colon), "Dataset" if heads else "Method", "pattern:title", 0.8, True)
        # only cue words and capitalised words that pass the word-level tests of the name patterns can
        # start a pattern (every coined name has a capital): most tokens and many sentences have none
        # (a word already in a mention stays in one: ``taken`` only grows)
        candidates = sorted(set(cue_tokens).union(
            k for k in tokens.capitalised if k not in taken and may_start_name(tokens.words[k])
        ))
        for sent_start, sent_end in ranges:
            first, last = bisect_left(candidates, sent_start), bisect_left(candidates, sent_end)
            if first == last:
                continue
            words = lowers[sent_start:sent_end]
            proposing = not PROPOSE_VERBS.isdisjoint(words) and not {"we", "our", "this", "here"}.isdisjoint(words)
            type_near = "Dataset" if not DATASET_HEADS.isdisjoint(words) else "Method"
            for k in candidates[first:last]:
                lower = lowers[k]
                # "called / termed / dubbed X"
                if lower in NAMING_WORDS:
                    span = self._name_at(tokens, k + 1)
                    if span is not None:
                        add(span, type_near, "pattern:naming", 0.85, True)
                # "the X dataset / benchmark / corpus"
                if lower in DATASET_HEADS and k > sent_start:
                    start = k - 1
                    while start > sent_start and is_name_like(tokens.words[start - 1]) and k - start < 3:
                        start -= 1
                    span = self._name_at(tokens, start)
                    if span is not None and span[1] <= k:
                        add(span, "Dataset", "pattern:dataset-head", 0.8, proposing)
                # Capitalised words not yet part of a mention; a title-case word, not a coined name,
                # only after the first word of the sentence.
                word = tokens.words[k]
                if word != lower and k not in taken and may_start_name(word) and (k > sent_start or is_name_like(word)) \
                        and not self.head_words.isdisjoint(lowers[k + 1 : k + 8]):  # both its patterns need a head word
                    self._capitalised(tokens, k, sent_start, sent_end, abstract_token, proposing, taken, add)
                # "we propose/introduce X" with X a coined name within the next few tokens
                if proposing and lower in PROPOSE_VERBS:
                    for j in range(k + 1, min(k + 9, sent_end)):
                        if tokens.words[j] in {".", ";"}:
                            break
                        if tokens.space[j] and tokens.words[j].islower():
                            continue  # one lower-case word: neither a coined name nor an appositive starts here
                        span = self._name_at(tokens, j) or self._appositive_at(tokens, j, sent_end)
                        if span is not None:
                            add(span, self._type_after(tokens, span[1], sent_end) or type_near, "pattern:proposal", 0.8, True)
                            break
        # "Self-Consistency, Self-Improve, and Self-Refine": a coined name listed next to a known method
        for i, j in sorted(known_methods):
            k = j
            if k < len(tokens) and tokens.words[k] == ",":
                k += 1
            if k < len(tokens) and lowers[k] in {"and", "or"}:
                k += 1
            if k == j or k >= len(tokens):
                continue
            span = self._name_at(tokens, k)
            if span is not None and (span[1] >= len(tokens) or tokens.words[span[1]] in {",", "and", "or", ".", ")", ";"}):
                add(span, "Method", "pattern:list", 0.6, False)
        return found


def _longest_first(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """spaCy's ``filter_spans`` on (start, end, label) tuples: longest first, no overlaps, in order."""
    ordered = sorted(spans)
    if all(a[1] <= b[0] for a, b in zip(ordered, ordered[1:])):
        return ordered  # no overlaps (the usual case): every span is kept
    kept: list[tuple[int, int, str]] = []
    seen: set[int] = set()
    for span in sorted(ordered, key=lambda s: (s[1] - s[0], -s[0]), reverse=True):  # ties: the first key
        if seen.isdisjoint(range(span[0], span[1])):
            kept.append(span)
            seen.update(range(span[0], span[1]))
    return sorted(kept, key=lambda s: s[0])


@Language.factory("kg_entities", default_config={"ontology": ""}, requires=["doc._.abbreviations", "doc._.sentence_bounds"], assigns=["doc._.kg_mentions"])
def make_entity_recognizer(nlp: Language, name: str, ontology: str) -> EntityRecognizer:
    return EntityRecognizer(nlp, Vocabulary.load(Path(ontology) if ontology else None))


if not Doc.has_extension("kg_mentions"):
    Doc.set_extension("kg_mentions", default=None)
