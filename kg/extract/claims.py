"""``kg_claims``: marks the sentences in which a paper asserts its own findings (cue phrases of
reporting and result language, minus descriptions and availability notes) and flags hedges."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.batching import Batched
from kg.extract.regexset import RegexSet
from kg.extract.text import abstract_start, text_of

_REPORT_VERBS = (
    r"(?:show|shows|showed|shown|suggest|suggests|suggested|indicate|indicates|indicated|reveal|reveals|revealed|"
    r"demonstrate|demonstrates|demonstrated|confirm|confirms|confirmed|highlight|highlights|support|supports|"
    r"establish|establishes|point to|points to|underscore|underscores|imply|implies|verify|verifies|verified|"
    r"validate|validates|validated|prove|proves|proved|illustrate|illustrates|illustrated|corroborate\w*)"
)
_RESULT_NOUNS = (
    r"(?:results?|findings?|experiments?|analyses|analysis|evaluations?|simulations?|study|studies|work|"
    r"evidence|comparisons?|ablations?|observations?|tests?|trials?|measurements?|benchmarks?|research)"
)
DEFAULT_STRONG_CUES: tuple[str, ...] = (
    # The paper reporting its own result: "we show/find ...", "we conclude that ...".
    r"\bwe (?:\w+ly |also |further |then |now |first |finally |can |could |here |thereby |(?:\w+ )?(?:and|,) )?"
    r"(?:show|find|found|demonstrate|observe|observed|reveal|report that|confirm|establish|prove|identify that|"
    r"uncover|discover|validate|verify|illustrate|highlight|provide evidence|achieve|obtain|conclude|argue|claim|"
    r"propose that|posit|corroborate|derive that|note that|see that|identify|report consistent|"
    r"report (?:significant|substantial|strong|improved|superior|better|state)|make the case)\b",
    r"\b(?:can|could) (?:\w+ )?(?:show|demonstrate|prove|confirm|verify)\b",
    r"^\s*(?:perhaps )?(?:surprisingly|unsurprisingly|remarkably|interestingly|strikingly|astonishingly|"
    r"counterintuitively|unexpectedly|intriguingly)\b",
    # "Our/the experimental results (clearly) show ...", "Results on X indicate ...".
    r"(?<!recent )(?<!prior )(?<!previous )(?<!earlier )\b" + _RESULT_NOUNS + r"\b(?:(?!\b(?:we|to)\b)[^.;:]){0,100}?\b(?:(?:have|has|also|further|clearly|"
    r"consistently|strongly|all) )?" + _REPORT_VERBS + r"\b",
    r"(?<!to )(?<!has )(?<!have )(?<!been )\b(?:shows?|showed|demonstrates?|demonstrated|reveals?|revealed|indicates?|"
    r"indicated|suggests?|suggested|confirms?|confirmed) that\b",
    r"\bto (?:the best of )?our (?:best )?knowledge\b|^\s*(?:conclusions?|results?|findings)\s*:",
    r"\b(?:is|are|was|were) (?:\w+ly |not |also )?(?:associated|correlated|linked|related) (?:with|to)\b",
    r"\b(?:it|this) (?:is|was|has been) (?:shown|found|demonstrated|proven|proved|observed|confirmed|established)\b",
    r"\b(?:is|are|was|were) (?:found|shown|observed|demonstrated) (?:to|that)\b",
    r"\b(?:outperform|outperforms|outperformed|outperforming|surpass|surpasses|surpassed|surpassing)\b",
    r"\bstate[- ]of[- ]the[- ]art (?:performance|results?|accuracy|on)\b",
    r"\b(?:this|which|these|it|that) (?:further |also |strongly )?(?:suggests?|indicates?|implies|shows?|"
    r"demonstrates?|reveals?|confirms?|highlights?|provides? (?:\w+ )?evidence)\b",
    r"\bthis (?:paper|work|study|article) (?:shows|demonstrates|reveals|finds|argues|adds|makes the case|"
    r"provides evidence|confirms|establishes|proves)\b",
    r"^\s*(?:our|these) (?:\w+ ){0,2}?(?:results?|findings?|work|research|study|analys[ie]s|experiments?|"
    r"observations?|evaluations?|simulations?)\b(?! (?:is|was) (?:a|an|the|one)\b)",
    r"^\s*(?:together|overall|collectively|taken together|in summary|in conclusion|in sum|altogether|"
    r"in short|to conclude|these results|these findings)\b",
    r"\b(?:significant(?:ly)?|substantial(?:ly)?|considerabl[ey]|dramatic(?:ally)?|markedly) "
    r"(?:better|higher|lower|faster|more|less|fewer|improv\w*|reduc\w*|outperform\w*|increas\w*|decreas\w*|"
    r"correlat\w*|associat\w*|differen\w*)\b",
    r"\b(?:better|higher|lower|faster|stronger|more accurate\w*|more robust\w*|more efficient\w*|fewer|smaller|"
    r"larger|greater) (?:\w+ ){0,4}?than\b",
    r"\b(?:improves?|improved|improving|boosts?|boosted|reduces?|reduced) (?:\w+ ){0,5}?by (?:up to |about |over |"
    r"more than |nearly |around |approximately )?\d",
    # "The resulting embeddings were stable ...", "These models more accurately approximate ..."
    r"^\s*(?:the|these|our) resulting (?:\w+ ){0,3}?(?:models?|embeddings?|representations?|networks?|features?|"
    r"systems?|agents?|policies) (?:were|are|is|was|display|exhibit|show|achieve|perform|outperform|match)",
    r"\bmore (?:accurately|closely|faithfully|reliably|robustly|efficiently|effectively) (?:\w+ )?(?:approximates?|"
    r"predicts?|captures?|match(?:es)?|explains?|reproduces?|fits?|tracks?|aligns?)\b",
    r"\b(?:superior|better|improved|higher|state-of-the-art|competitive|strong) (?:\w+ ){0,3}?(?:is|are|was|were) "
    r"(?:achieved|obtained|attained|observed)\b",
    r"\b(?:achieves?|achieved|achieving|attains?|obtains?|reaches|yields?) (?:\w+ ){0,4}?(?:\d|state|best|top|"
    r"competitive|comparable|superior|new|significant|substantial|strong|high|higher|better|improved|excellent|"
    r"promising|near|human|average|an average|accuracy|gains?|speedups?|improvements?|results)",
)
DEFAULT_WEAK_CUES: tuple[str, ...] = (
    r"\b(?:demonstrat\w*|show(?:s|ed|n|ing)?|reveal\w*|suggest\w*|indicat\w*|achiev\w*|find|finds|found|"
    r"findings?|evidence|confirm\w*|uncover\w*|highlight\w*|emerge\w*|exhibit\w*|shed light|insights?)\b",
    r"\b(?:higher|lower|stronger|improvements?|advantages?|effective\w*|robust\w*|efficien\w*|accura\w*|"
    r"precision|outperform\w*|state-of-the-art|SOTA|first)\b",
    r"\b(?:improves?|improved|achieves?|achieved|achieving|attains?|matches|rivals?|reduces?|yields?|enables?|"
    r"leads? to|results? in|generalizes?|scales?|reaches|competitive|comparable|superior|better|faster|"
    r"worse|more|less|than|best|associated with|correlat\w*|depends? on|relationship|captures?|benefits?)\b",
    r"\b(?:significantly|substantially|consistently|markedly|dramatically|remarkably|naturally|strongly|"
    r"successfully|directly|reliably|surprisingly)\b",
    r"\b(?:is|are|was|were) (?:able to|capable of|sufficient|necessary|critical|crucial|key|essential|"
    r"responsible|similar|consistent|not)\b",
    r"\b\d+(?:\.\d+)?\s*\\?%",
    r"\b(?:\d+(?:\.\d+)?\s*(?:x|×|times)\s+(?:faster|fewer|smaller|less|more|better|speed\w*))\b",
    r"^\s*(?:empirically|experimentally|finally|overall|together|critically|importantly|surprisingly|notably|"
    r"interestingly|moreover|furthermore|in addition|additionally|further|conversely|crucially|second|third|"
    r"in particular|specifically|thus|hence|therefore|consequently)\b",
    r"\b(?:can|could|may|might|will|would|should|tend to|tends to|allows?|offers?|provides?|paves? the way|"
    r"opens? (?:up )?(?:new|the)|lays? the (?:foundation|groundwork)|implications?|promising|potential)\b",
)
DEFAULT_NEGATIVE_CUES: tuple[str, ...] = (
    # availability notes
    r"\b(?:code|data|dataset|models?|implementation|weights|software|tool\w*|library|benchmark|source)\b[^.]{0,60}"
    r"\b(?:is|are|will be|has been|have been) (?:made )?(?:publicly |freely |openly )?(?:available|released|accessible)\b",
    r"\b(?:available|released) (?:at|on|from|online|under)\b|\bopen[- ]source(?:d)? (?:code|implementation|license)\b",
    r"https?://|\bgithub\b",
    # background and prior work
    r"^\s*(?:recently|traditionally|existing|current|currently|prior|previous|previously|despite|"
    r"conventional|classical|typically|nowadays|in recent years|over the past|many|most)\b",
    r"(?<!results )(?<!experiments )(?<!we )(?<!our )\b(?:has|have) (?:\w+ly )?(?:been|become|shown|emerged|gained|attracted|"
    r"achieved|demonstrated|received|led|made|drawn|seen|proven)\b",
    r"\b(?:remains?|remained) (?:a|an|unclear|challenging|poorly|largely|elusive|an open|difficult|unknown|limited)\b",
    r"(?<!against )(?<!than )(?<!over )(?<!to )(?<!with )(?<!on )\b(?:prior|previous|existing|recent|conventional|traditional|current|state-of-the-art) (?:\w+ )?"
    r"(?:work|works|methods?|approaches|studies|models|techniques|literature|research|systems|solutions)\b"
    r"(?![^.]{0,80}\b(?:outperform|than|surpass|compar|favou?rabl))",
    # objectives and pure method descriptions
    r"\b(?:in this (?:paper|work|study|article|letter|thesis)|here),? we (?:propose|introduce|present|develop|"
    r"describe|study|investigate|explore|consider|address|design|focus|aim|tackle|examine|review|formulate|"
    r"extend|build|use|apply|leverage|employ|analy[sz]e|identify and)\b",
    r"^\s*(?:to (?:this end|address|solve|tackle|overcome|mitigate|alleviate|fill|bridge|remedy|achieve|"
    r"enable|handle|deal|that end)|for this purpose|in order to)\b",
    r"^\s*we (?:propose|introduce|present|develop|describe|design|formulate|employ|use|apply|adopt|build|"
    r"construct|train|collect|curate|release|define|consider|study|investigate|explore|examine|focus|aim|"
    r"leverage|extend|evaluate|test|conduct|perform|compare|benchmark|assess|utilize|model)\b(?! that)"
    r"(?![^.]*\b(?:outperform\w*|improv\w* (?:\w+ )?(?:over|by|upon|the)|better|than|significantly|substantially|"
    r"state-of-the-art (?:performance|results?|accuracy)|achiev\w*|surpass\w*|favou?rabl\w*|superior))",
    r"^\s*(?:this|the present|the) (?:paper|work|study|article|survey|review|chapter|thesis|letter) "
    r"(?:proposes|introduces|presents|describes|develops|reviews|surveys|discusses|focuses|aims|investigates|"
    r"explores|studies|examines|addresses|considers|is organized|concludes with|brings together)\b",
    r"\?\s*$",
    # citations point at prior work
    r"\bet al\b|\[\d+(?:[,\u2013-]\s*\d+)*\]|\([A-Z][\w-]+(?: (?:&|and) [A-Z][\w-]+)?,? (?:19|20)\d\d[a-z]?\)",
    r"\b(?:we|this (?:paper|work|study)) will\b|\bfuture (?:work|research|directions?|studies|investigations?)\b|"
    r"\bin (?:the )?future\b|\brecently (?:proposed|introduced|developed)\b",
    r"^\s*(?:to date|however, (?:most|many|existing|current|prior|previous|recent|such|these (?:methods|approaches|"
    r"models|techniques))|although|while (?:many|most|existing|previous|prior|recent))\b",
    r"\b(?:section|chapter) \d|\b(?:are|is) (?:also )?(?:discussed|described|presented|outlined|reviewed)\b",
    r"^\s*(?:the|a|an|our) (?:\w+ ){0,3}?(?:model|method|framework|approach|system|algorithm|architecture|"
    r"network|module|pipeline) (?:is|are|consists|comprises|uses|employs|relies|leverages|takes|contains|"
    r"combines|builds)\b",
    r"\b(?:we|our) (?:aim|goal|objective|purpose)\b|\bthe (?:aim|goal|objective|purpose) of\b",
    r"\b(?:contributions?|paper|work|study|article) aims? to\b",
    r"^\s*recent (?:results|studies|work|works|findings|advances|progress|research|methods|approaches|models)\b",
    # announcing analyses rather than reporting what they found
    r"\bwe (?:also |further )?(?:present|provide|conduct|perform|complement|include|carry out) (?:\w+ ){0,4}?"
    r"(?:analys[ie]s|experiments|ablations?|evaluations?|studies|comparisons?)\b"
    r"(?![^.]*\b(?:show\w*|demonstrat\w*|reveal\w*|confirm\w*|find|found|outperform\w*|improv\w*|better|than)\b)",
)
DEFAULT_HEDGES: tuple[str, ...] = (
    "suggest", "suggests", "suggested", "suggesting", "may", "might", "could", "possibly", "potentially",
    "likely", "plausibly", "appear", "appears", "seem", "seems", "indicate", "indicates", "hypothesize",
    "hypothesise", "presumably", "perhaps", "tentatively", "putative",
)
# Score weights: cue tiers, first-person bonus and sentence-position adjustments.
WEIGHTS: dict[str, float] = {
    "strong": 0.5, "weak": 0.15, "max_weak": 4, "first_person": 0.0, "negative": 0.45,
    "first": -0.35, "early": -0.25, "middle": 0.1, "late": 0.3, "last": 0.3,
}
_WORD = re.compile(r"[^\W\d_]+")  # hedges are single words
FIRST_PERSON = re.compile(r"\b(?:we|our|us)\b", re.IGNORECASE)


@dataclass(frozen=True)
class SentenceClaim:
    """A claim sentence found in a doc (character offsets into doc.text)."""

    start: int
    end: int
    text: str
    hedges: tuple[str, ...]
    score: float


class ClaimDetector(Batched):
    """Scores each abstract sentence by report cues; a spaCy pipeline component."""

    def __init__(
        self, strong_cues: list[str], weak_cues: list[str], negative_cues: list[str], hedges: list[str], threshold: float
    ) -> None:
        # Strong and weak cues in one pattern set, scanned in every sentence; negative cues in another,
        # scanned only in the sentences that the positive cues can still make claims (about a third).
        self.cues = RegexSet([*strong_cues, *weak_cues], re.IGNORECASE)
        self.negatives = RegexSet(negative_cues, re.IGNORECASE)
        self._weak_from = len(strong_cues)  # indices in ``cues``: strong, then weak cues
        self.hedges = frozenset(h.lower() for h in hedges)
        self.threshold = threshold

    @staticmethod
    def _adjust(score: float, text: str, index: int, total: int) -> float:
        """``score`` plus what the sentence's place in the abstract (and first-person voice) adds."""
        w = WEIGHTS
        position = index / max(total - 1, 1)
        if w["first_person"] and FIRST_PERSON.search(text):
            score += w["first_person"]
        # Claims cluster late in an abstract; the opening sentence is almost never one.
        if total == 1:
            pass  # a one-sentence abstract: position says nothing
        elif index == 0:
            score += w["first"]
        elif position < 0.34:
            score += w["early"]
        elif position >= 0.75:
            score += w["late"]
        elif position >= 0.5:
            score += w["middle"]
        if index == total - 1 and total > 2:
            score += w["last"]
        return score

    def _claim_score(self, text: str, candidates: set[int], index: int, total: int) -> float | None:
        """The sentence's cue score in [0, 1] when it is a claim, else ``None``: ``WEIGHTS["strong"]``
        per strong cue (two at most), ``WEIGHTS["weak"]`` per weak one (``max_weak`` at most), minus
        ``WEIGHTS["negative"]`` per negative one, plus the position adjustments of :meth:`_adjust`.
        ``candidates`` are the strong and weak cues that may match (``RegexSet.candidates``). Cues are
        checked with ``re`` only while they can still change the outcome: strong cues up to the two
        that count, weak up to four, and negatives while the sentence is still a claim (no sentence
        whose best case misses the threshold is checked, or scanned for negatives, at all)."""
        w = WEIGHTS
        ordered = sorted(candidates)  # a handful of indices: split by tier rather than test every pattern
        weak_from = bisect_left(ordered, self._weak_from)
        strong_cues, weak_cues = ordered[:weak_from], ordered[weak_from:]
        if not strong_cues and not weak_cues:
            return None
        best = self._adjust(w["strong"] * min(len(strong_cues), 2) + w["weak"] * min(len(weak_cues), w["max_weak"]),
                            text, index, total)
        if round(max(0.0, min(best, 1.0)), 3) < self.threshold:
            return None
        found = self.cues.searcher(text)
        strong = self._count(found, strong_cues, 2)
        weak = self._count(found, weak_cues, w["max_weak"])
        if strong + weak == 0:
            return None
        base = self._adjust(w["strong"] * strong + w["weak"] * weak, text, index, total)
        negative = 0
        negative_found = self.negatives.searcher(text)
        for i in sorted(self.negatives.candidates(text)):
            if round(max(0.0, min(base - w["negative"] * negative, 1.0)), 3) < self.threshold:
                return None  # negatives only lower the score: no claim whatever the rest say
            if negative_found(i):
                negative += 1
        value = round(max(0.0, min(base - w["negative"] * negative, 1.0)), 3)
        return value if value >= self.threshold else None

    @staticmethod
    def _count(found: Callable[[int], bool], indices: list[int], limit: int) -> int:
        """How many of the cue patterns ``indices`` are ``found``, counting no further than ``limit``."""
        count = 0
        for i in indices:
            if count == limit:
                break
            if found(i):
                count += 1
        return count

    def __call__(self, doc: Doc) -> Doc:
        text = text_of(doc)
        offset = abstract_start(text)
        underscore = doc._  # one extension accessor for the whole call
        body = [(start, end) for start, end in underscore.sentence_bounds if start >= offset]
        claims: list[SentenceClaim] = []
        for index, (start, end) in enumerate(body):
            sentence = text[start:end]
            if len(sentence) < 20:
                continue
            value = self._claim_score(sentence, self.cues.candidates(sentence), index, len(body))
            if value is not None:
                hedges = tuple(sorted(self.hedges.intersection(_WORD.findall(sentence.lower()))))
                claims.append(SentenceClaim(start, end, sentence, hedges, value))
        underscore.kg_claims = claims
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
    requires=["doc._.sentence_bounds"],
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
