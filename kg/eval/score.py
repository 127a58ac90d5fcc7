"""Score predicted extractions (methods, datasets, modalities, claims) against hand-made gold records.
Computes micro-averaged P/R/F1 per type, role accuracy, and a sorted list of misses and false positives."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from kg.model import normalise_title

TYPES: tuple[str, ...] = ("methods", "datasets", "modalities", "claims")
ENTITY_KINDS: tuple[str, ...] = ("methods", "datasets")
JACCARD_THRESHOLD = 0.8

_WORD = re.compile(r"\w+")


# --------------------------------------------------------------------------- normalisation


def normalise_name(name: str) -> str:
    """Lower-case, keep letters and digits only, then drop one trailing "s" from names longer than 3.

    FORMAT.md: "CIFAR-10" == "cifar10" and "RNNs" == "rnn", so the "s" goes whenever at least three
    characters remain ("gpus" -> "gpu") and stays on short names ("bus", "mas").
    """
    text = "".join(c for c in name.lower() if c.isalnum())
    if len(text) > 3 and text.endswith("s"):
        text = text[:-1]
    return text


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def claims_match(a: str, b: str) -> bool:
    """True when one sentence contains the other (white space normalised) or word-set Jaccard >= 0.8.

    Empty sentences never match.
    """
    na, nb = " ".join(a.split()), " ".join(b.split())
    if not na or not nb:
        return False
    if na in nb or nb in na:
        return True
    wa, wb = _words(na), _words(nb)
    union = wa | wb
    if not union:
        return False
    return len(wa & wb) / len(union) >= JACCARD_THRESHOLD


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class _Entity:
    """A method or dataset entry of a gold or predicted record."""

    name: str
    aliases: tuple[str, ...]
    role: str
    forms: frozenset[str]  # normalised name and aliases, empty strings left out
    key: str  # normalised name

    @classmethod
    def from_any(cls, data: Any) -> _Entity:
        if isinstance(data, str):
            data = {"name": data}
        name = str(data.get("name") or data.get("label") or "")
        aliases = tuple(str(a) for a in (data.get("aliases") or ()))
        forms = frozenset(f for f in (normalise_name(s) for s in (name, *aliases)) if f)
        return cls(name, aliases, str(data.get("role") or ""), forms, normalise_name(name))


@dataclass(frozen=True)
class _Record:
    """One paper of a gold or predicted file."""

    id: Any
    title: str
    methods: tuple[_Entity, ...]
    datasets: tuple[_Entity, ...]
    modalities: tuple[str, ...]
    claims: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> _Record:
        return cls(
            id=data.get("id"),
            title=str(data.get("title") or ""),
            methods=tuple(_Entity.from_any(e) for e in data.get("methods") or ()),
            datasets=tuple(_Entity.from_any(e) for e in data.get("datasets") or ()),
            modalities=tuple(str(m) for m in data.get("modalities") or ()),
            claims=tuple(str(c) for c in data.get("claims") or ()),
        )

    @property
    def key(self) -> str:
        return normalise_title(self.title)


_NO_PREDICTION = _Record(id=None, title="", methods=(), datasets=(), modalities=(), claims=())


# --------------------------------------------------------------------------- report


@dataclass
class TypeScore:
    """Counts for one type, summed over papers (micro-average)."""

    type: str
    tp_pred: int = 0  # predicted items that match some gold item
    n_pred: int = 0
    tp_gold: int = 0  # gold items matched by some predicted item
    n_gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp_pred / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp_pred": self.tp_pred,
            "n_pred": self.n_pred,
            "tp_gold": self.tp_gold,
            "n_gold": self.n_gold,
        }


@dataclass
class Error:
    """One readable mistake: a missed gold item, a false positive, or a wrong role."""

    paper_id: Any
    title: str
    type: str  # one of TYPES
    kind: Literal["miss", "false_positive", "role"]
    text: str
    detail: str = ""

    def sort_key(self) -> tuple[str, str, str, str, str]:
        return (str(self.paper_id), self.type, self.kind, self.text, self.detail)


@dataclass
class EvalReport:
    """Scores per type, role accuracy over matched methods/datasets, and the sorted error list."""

    scores: dict[str, TypeScore]
    role_correct: int = 0
    role_total: int = 0
    errors: list[Error] = field(default_factory=list)
    n_papers: int = 0

    @property
    def role_accuracy(self) -> float:
        return self.role_correct / self.role_total if self.role_total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_papers": self.n_papers,
            "scores": {t: s.to_dict() for t, s in self.scores.items()},
            "role_accuracy": round(self.role_accuracy, 4),
            "role_correct": self.role_correct,
            "role_total": self.role_total,
            "errors": [asdict(e) for e in self.errors],
        }

    def format_table(self) -> str:
        header = ("type", "P", "R", "F1", "pred", "gold")
        rows = [
            (t, f"{s.precision:.4f}", f"{s.recall:.4f}", f"{s.f1:.4f}", str(s.n_pred), str(s.n_gold))
            for t, s in self.scores.items()
        ]
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]

        def line(cells: tuple[str, ...]) -> str:
            first = cells[0].ljust(widths[0])
            rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:]))
            return "  ".join((first, *rest))

        out = [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]
        out.append(
            f"role accuracy: {self.role_accuracy:.4f} ({self.role_correct}/{self.role_total})"
            f"  papers: {self.n_papers}"
        )
        return "\n".join(out)


# --------------------------------------------------------------------------- scoring


def _score_entities(
    gold: _Record, pred: _Record, kind: str, score: TypeScore, errors: list[Error]
) -> tuple[int, int]:
    """Add one paper's methods or datasets to ``score``/``errors``; return (roles correct, roles scored)."""
    gold_items: tuple[_Entity, ...] = getattr(gold, kind)
    pred_items: tuple[_Entity, ...] = getattr(pred, kind)
    score.n_gold += len(gold_items)
    score.n_pred += len(pred_items)

    for p in pred_items:
        if any(p.forms & g.forms for g in gold_items):
            score.tp_pred += 1
        else:
            errors.append(Error(gold.id, gold.title, kind, "false_positive", p.name))

    correct = total = 0
    for g in gold_items:
        candidates = [(i, p) for i, p in enumerate(pred_items) if p.forms & g.forms]
        if not candidates:
            errors.append(Error(gold.id, gold.title, kind, "miss", g.name))
            continue
        score.tp_gold += 1
        # best match: same canonical name first, then most shared forms, then earliest prediction
        _, best = min(
            candidates, key=lambda c: (c[1].key != g.key, -len(c[1].forms & g.forms), c[0])
        )
        total += 1
        if best.role == g.role:
            correct += 1
        else:
            detail = f"predicted {best.role or '(none)'}, gold {g.role or '(none)'}"
            errors.append(Error(gold.id, gold.title, kind, "role", g.name, detail))
    return correct, total


def _labels(labels: Iterable[str]) -> dict[str, str]:
    """Normalised label -> first surface form seen."""
    out: dict[str, str] = {}
    for label in labels:
        key = normalise_name(label)
        if key:
            out.setdefault(key, label)
    return out


def _score_modalities(gold: _Record, pred: _Record, score: TypeScore, errors: list[Error]) -> None:
    g, p = _labels(gold.modalities), _labels(pred.modalities)
    hits = g.keys() & p.keys()
    score.n_gold += len(g)
    score.n_pred += len(p)
    score.tp_gold += len(hits)
    score.tp_pred += len(hits)
    errors.extend(Error(gold.id, gold.title, "modalities", "miss", g[k]) for k in g.keys() - hits)
    errors.extend(
        Error(gold.id, gold.title, "modalities", "false_positive", p[k]) for k in p.keys() - hits
    )


def _score_claims(gold: _Record, pred: _Record, score: TypeScore, errors: list[Error]) -> None:
    score.n_gold += len(gold.claims)
    score.n_pred += len(pred.claims)
    for c in pred.claims:
        if any(claims_match(c, g) for g in gold.claims):
            score.tp_pred += 1
        else:
            errors.append(Error(gold.id, gold.title, "claims", "false_positive", c))
    for g in gold.claims:
        if any(claims_match(c, g) for c in pred.claims):
            score.tp_gold += 1
        else:
            errors.append(Error(gold.id, gold.title, "claims", "miss", g))


def score(gold: Iterable[dict[str, Any]], predicted: Iterable[dict[str, Any]]) -> EvalReport:
    """Score ``predicted`` records against ``gold`` records, pairing papers by normalised title.

    A gold paper without a prediction counts all its gold items as misses; predicted papers with
    no gold record are ignored. When several predictions share a title, the first one is used.
    """
    preds: dict[str, _Record] = {}
    for data in predicted:
        rec = _Record.from_dict(data)
        preds.setdefault(rec.key, rec)

    scores = {t: TypeScore(t) for t in TYPES}
    errors: list[Error] = []
    role_correct = role_total = n_papers = 0
    for data in gold:
        g = _Record.from_dict(data)
        p = preds.get(g.key, _NO_PREDICTION)
        n_papers += 1
        for kind in ENTITY_KINDS:
            c, t = _score_entities(g, p, kind, scores[kind], errors)
            role_correct += c
            role_total += t
        _score_modalities(g, p, scores["modalities"], errors)
        _score_claims(g, p, scores["claims"], errors)

    errors.sort(key=Error.sort_key)
    return EvalReport(scores, role_correct, role_total, errors, n_papers)
