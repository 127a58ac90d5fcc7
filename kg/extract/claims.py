"""``kg_claims``: marks the sentences in which a paper asserts its own findings (cue phrases of
reporting and result language, minus descriptions and availability notes) and flags hedges."""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.text import abstract_start

DEFAULT_STRONG_CUES: tuple[str, ...] = (
    # The paper reporting its own result: "we show/find ...", "our results suggest ...".
    r"\bwe (?:also |further |then |additionally |empirically |experimentally |theoretically |first |now |further )?"
    r"(?:show|find|found|demonstrate|observe|observed|reveal|report|confirm|establish|prove|identify|uncover|"
    r"discover|validate|verify|illustrate|highlight|provide evidence|achieve|obtain)\b",
    r"\b(?:our|these|the|experimental|empirical|extensive|numerical)\s+(?:\w+\s+){0,2}?"
    r"(?:results?|findings?|experiments?|analyses|analysis|evaluations?|simulations?|study|work)\s+"
    r"(?:\w+\s+){0,2}?(?:show|shows|showed|suggest|suggests|indicate|indicates|reveal|reveals|demonstrate|"
    r"demonstrates|confirm|confirms|highlight|highlights|support|supports|provide|provides|establish|"
    r"point|underscore|imply|implies)\b",
    r"\b(?:outperform|outperforms|outperformed|outperforming|surpass|surpasses|surpassing)\b",
    r"\bstate[- ]of[- ]the[- ]art (?:performance|results?|accuracy)\b",
    r"\b(?:this|which|these|it) (?:suggests?|indicates?|implies|shows?|demonstrates?|reveals?)\b",
)
DEFAULT_WEAK_CUES: tuple[str, ...] = (
    r"\b(?:demonstrat\w*|show(?:s|ed|n|ing)?|reveal\w*|suggest\w*|indicat\w*|achiev\w*|find|finds|found|"
    r"findings?|evidence|confirm\w*|uncover\w*|highlight\w*|emerge\w*|exhibit\w*|shed light|insights?)\b",
    r"\b(?:higher|lower|stronger|improvements?|advantages?|effective\w*|robust\w*|efficien\w*|accura\w*|"
    r"precision|outperform\w*|state-of-the-art|SOTA|first)\b",
    r"\b(?:improves?|improved|achieves?|achieved|achieving|attains?|matches|rivals?|reduces?|yields?|enables?|"
    r"leads? to|results? in|generalizes?|scales?|reaches|competitive|comparable|superior|better|faster)\b",
    r"\b(?:significantly|substantially|consistently|markedly|dramatically|remarkably)\b",
    r"\b(?:is|are|was|were) (?:able to|capable of|sufficient|necessary|critical|crucial|key)\b",
    r"\b\d+(?:\.\d+)?\s*\\?%",
    r"\b(?:\d+(?:\.\d+)?\s*(?:x|×|times)\s+(?:faster|fewer|smaller|less|more|better))\b",
    r"^\s*(?:empirically|experimentally|finally|overall|together|critically|importantly|surprisingly|notably)\b",
)
DEFAULT_NEGATIVE_CUES: tuple[str, ...] = (
    r"\b(?:code|data|dataset|models?|implementation|weights)\b[^.]{0,40}\b(?:is|are|will be) (?:publicly |freely )?(?:available|released)\b",
    r"\bavailable at\b",
    r"https?://",
    r"^\s*(?:however|recently|traditionally|existing|current|prior|previous|despite)\b",
    r"\b(?:has|have) (?:been|become|shown|emerged|gained|attracted|achieved|demonstrated)\b",
    r"\bremains? (?:a|an|unclear|challenging|poorly|largely|elusive|an open)\b",
    r"\b(?:in this (?:paper|work|study)|here),? we (?:propose|introduce|present|develop|describe|study|investigate|explore|consider|address)\b",
)
DEFAULT_HEDGES: tuple[str, ...] = (
    "suggest", "suggests", "suggested", "suggesting", "may", "might", "could", "possibly", "potentially",
    "likely", "plausibly", "appear", "appears", "seem", "seems", "indicate", "indicates", "hypothesize",
    "hypothesise", "presumably", "perhaps", "tentatively", "putative",
)
FIRST_PERSON = re.compile(r"\b(?:we|our|us)\b", re.IGNORECASE)


@dataclass(frozen=True)
class SentenceClaim:
    """A claim sentence found in a doc (character offsets into doc.text)."""

    start: int
    end: int
    text: str
    hedges: tuple[str, ...]
    score: float


class ClaimDetector:
    """Scores each abstract sentence by report cues; a spaCy pipeline component."""

    def __init__(
        self, strong_cues: list[str], weak_cues: list[str], negative_cues: list[str], hedges: list[str], threshold: float
    ) -> None:
        self.strong = [re.compile(p, re.IGNORECASE) for p in strong_cues]
        self.weak = [re.compile(p, re.IGNORECASE) for p in weak_cues]
        self.negative = [re.compile(p, re.IGNORECASE) for p in negative_cues]
        self.hedges = frozenset(h.lower() for h in hedges)
        self.threshold = threshold

    def score(self, text: str, position: float) -> float:
        strong = sum(1 for p in self.strong if p.search(text))
        weak = sum(1 for p in self.weak if p.search(text))
        if strong + weak == 0:
            return 0.0
        score = 0.6 * min(strong, 2) + 0.25 * min(weak, 3)
        if FIRST_PERSON.search(text):
            score += 0.1
        if position >= 0.5:
            score += 0.15
        score -= 0.45 * sum(1 for p in self.negative if p.search(text))
        return round(max(0.0, min(score, 1.0)), 3)

    def __call__(self, doc: Doc) -> Doc:
        sentences = list(doc.sents)
        offset = abstract_start(doc.text)
        body = [s for s in sentences if s.start_char >= offset]
        claims: list[SentenceClaim] = []
        for index, sent in enumerate(body):
            text = sent.text.strip()
            if len(text) < 20:
                continue
            position = index / max(len(body) - 1, 1)
            value = self.score(text, position)
            if value >= self.threshold:
                hedges = tuple(sorted({t.lower_ for t in sent if t.lower_ in self.hedges}))
                start = sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
                claims.append(SentenceClaim(start, start + len(text), text, hedges, value))
        doc._.kg_claims = claims
        return doc


@Language.factory(
    "kg_claims",
    default_config={
        "strong_cues": list(DEFAULT_STRONG_CUES),
        "weak_cues": list(DEFAULT_WEAK_CUES),
        "negative_cues": list(DEFAULT_NEGATIVE_CUES),
        "hedges": list(DEFAULT_HEDGES),
        "threshold": 0.6,
    },
    requires=["token.is_sent_start"],
    assigns=["doc._.kg_claims"],
)
def make_claim_detector(
    nlp: Language,
    name: str,
    strong_cues: list[str],
    weak_cues: list[str],
    negative_cues: list[str],
    hedges: list[str],
    threshold: float,
) -> ClaimDetector:
    return ClaimDetector(strong_cues, weak_cues, negative_cues, hedges, threshold)


if not Doc.has_extension("kg_claims"):
    Doc.set_extension("kg_claims", default=None)
