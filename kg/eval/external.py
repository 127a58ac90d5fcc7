"""Scores the extractors on external annotated corpora: SciERC test (Method -> method, named
Material -> dataset) and CSAbstruct test (result sentences -> claims), with the FORMAT.md scorer.

The mapping from their labels to ours is written here once (and in the README):

* SciERC: every ``Method`` span is a gold method; a ``Material`` span is a gold dataset only when
  it *names* one, i.e. holds a coined-name token (``NEGRA corpus``, ``KITTI2012 dataset``,
  ``Penn WSJ``, ``Senseval-3``) — language names and language pairs (``English``,
  ``English-Chinese bitexts``) and plain descriptions (``raw corpus``, ``images``) are not datasets.
  Gold entries are the distinct spans of an abstract (normalised as FORMAT.md says); a span's
  aliases are its long form and acronym when it defines one and its name without a trailing head
  word ("hidden Markov models (HMMs)" -> "hidden Markov models", "HMMs"; "G3D dataset" -> "G3D").
  SciERC is evaluated only: nothing in this repository is trained or curated from it.
* CSAbstruct: the sentences labelled ``result`` are the gold claims; the abstract is the sentences
  joined by a space, with no title.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.eval.run import to_gold_format
from kg.eval.score import EvalReport, normalise_name, score
from kg.extract.entities import is_name_like
from kg.extract.pipeline import extract
from kg.model import Paper

EXTERNAL_SETS: tuple[str, ...] = ("scierc", "csabstruct")
#: The published numbers the README compares against (issue 3).
PUBLISHED: dict[str, str] = {
    "scierc": "entity F1 (all 6 types, exact spans): PL-Marker 69.9, PURE 69.5, DyGIE++ 68.6",
    "csabstruct": "result-sentence detection in CS/biomedical abstracts: F1 0.78-0.83",
}

_PTB = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}", "``": '"', "''": '"'}
_NO_SPACE_BEFORE = frozenset(",.;:!?)]}%'\"") | {"'s", "n't"}
_NO_SPACE_AFTER = frozenset("([{")
_LANGUAGE_PAIR = re.compile(r"^[A-Z][a-z]+(?:[-/][A-Z][a-z]+)*$")


@dataclass(frozen=True)
class ExternalResult:
    """The report of one external set plus what was read."""

    name: str
    report: EvalReport
    n_documents: int
    types: tuple[str, ...]  # the types this set scores


def detokenize(tokens: list[str]) -> str:
    """PTB tokens back to readable text ("-LRB- MET -RRB-" -> "(MET)")."""
    out: list[str] = []
    glue = True
    for raw in tokens:
        token = _PTB.get(raw, raw)
        if out and not glue and (token not in _NO_SPACE_BEFORE or raw == "``"):
            out.append(" ")
        out.append(token)
        glue = token in _NO_SPACE_AFTER or raw == "``"
    return "".join(out)


def names_a_dataset(surface: str) -> bool:
    """A SciERC Material mention that names a dataset: it holds a coined-name token that is not a
    language name or pair ("NEGRA corpus", "Penn WSJ", "Senseval-3" yes; "English-Chinese bitexts" no)."""
    for token in surface.split():
        if _LANGUAGE_PAIR.match(token):
            continue
        if is_name_like(token.strip(",.;:()")):
            return True
    return False


def _read_jsonl(path: Path, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """The records of a JSON-lines file; a broken line or a missing field raises with its line number."""
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: invalid JSON ({error.msg})") from error
            missing = [f for f in fields if not isinstance(record, dict) or f not in record]
            if missing:
                raise ValueError(f"{path}:{number}: missing field(s) {', '.join(missing)}")
            records.append(record)
    return records


_ACRONYM_IN_SPAN = re.compile(r"^(?P<long>.+?)\s*\((?P<short>[^()]+)\)(?P<rest>.*)$")
_HEAD_WORDS = re.compile(
    r"\s+(?:models?|methods?|algorithms?|procedures?|classifiers?|techniques?|approach(?:es)?|framework|"
    r"datasets?|data sets?|corpus|corpora|database|benchmarks?(?: datasets?)?|treebank)$",
    re.IGNORECASE,
)


def span_names(surface: str) -> list[str]:
    """The names a gold span stands for: the span, its long form and acronym when it defines one
    ("hidden Markov models (HMMs)" -> + "hidden Markov models", "HMMs"), and each without a
    trailing head word ("CRF model" -> "CRF", "G3D dataset" -> "G3D")."""
    names = [surface]
    match = _ACRONYM_IN_SPAN.match(surface)
    if match:
        names += [(match["long"] + match["rest"]).strip(), (match["short"] + match["rest"]).strip()]
    names += [_HEAD_WORDS.sub("", n) for n in names]
    return list(dict.fromkeys(n for n in names if n))


def overlap_names(surface: str) -> list[str]:
    """Every run of whole words inside a span ("deep Long Short-Term Memory (LSTM) subnetwork" ->
    ..., "Long Short-Term Memory", ...): the partial-match credit NER evaluations also report."""
    words = surface.replace("(", " ").replace(")", " ").split()
    return [" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)]


def _distinct(spans: list[str], overlap: bool = False) -> list[dict[str, Any]]:
    """One gold entry per distinct span (after normalisation), its derived names as aliases
    (with ``overlap``, also every run of words inside it)."""
    seen: dict[str, str] = {}
    for span in spans:
        seen.setdefault(normalise_name(span), span)
    entries = []
    for key, span in sorted(seen.items()):
        if key:
            aliases = span_names(span)[1:] + (overlap_names(span) if overlap else [])
            entries.append({"name": span, "aliases": list(dict.fromkeys(aliases)), "role": ""})
    return entries


def scierc_gold(path: Path, overlap: bool = False) -> tuple[list[Paper], list[dict[str, Any]]]:
    """Papers (abstract text, the doc key as title-less id) and gold records from a SciERC json file;
    ``overlap`` gives credit for a name that is a run of words inside a gold span."""
    papers, gold = [], []
    for record in _read_jsonl(path, ("doc_key", "sentences", "ner")):
        sentences: list[list[str]] = record["sentences"]
        tokens = [t for sentence in sentences for t in sentence]
        methods, datasets = [], []
        for sentence_spans in record["ner"]:
            for start, end, label in sentence_spans:
                surface = detokenize(tokens[start : end + 1])
                if label == "Method":
                    methods.append(surface)
                elif label == "Material" and names_a_dataset(surface):
                    datasets.append(surface)
        key = str(record["doc_key"])
        papers.append(Paper(title="", abstract=" ".join(detokenize(s) for s in sentences), id=key))
        gold.append({"id": key, "title": key, "methods": _distinct(methods, overlap), "datasets": _distinct(datasets, overlap)})
    return papers, gold


def csabstruct_gold(path: Path) -> tuple[list[Paper], list[dict[str, Any]]]:
    """Papers and gold records (result sentences as claims) from a CSAbstruct jsonl file."""
    papers, gold = [], []
    for number, record in enumerate(_read_jsonl(path, ("sentences", "labels")), start=1):
        key = f"{path.name}:{number}"  # abstract_id is not unique in the released files
        sentences = [" ".join(s.split()) for s in record["sentences"]]
        claims = [s for s, label in zip(sentences, record["labels"]) if label == "result"]
        papers.append(Paper(title="", abstract=" ".join(sentences), id=key))
        gold.append({"id": key, "title": key, "claims": claims})
    return papers, gold


def evaluate_external(
    name: str, data_dir: Path, split: str = "test", ontology: Path | None = None, overlap: bool = False
) -> ExternalResult:
    """Run the default pipeline on one external set's split and score it with the FORMAT.md rules
    (``overlap``: SciERC credits a name inside a longer gold span)."""
    if name == "scierc":
        papers, gold = scierc_gold(data_dir / "scierc" / f"{split}.json", overlap)
        types: tuple[str, ...] = ("methods", "datasets")
    elif name == "csabstruct":
        papers, gold = csabstruct_gold(data_dir / "csabstruct" / f"{split}.jsonl")
        types = ("claims",)
    else:
        raise ValueError(f"unknown external set {name!r} (one of {', '.join(EXTERNAL_SETS)})")
    predictions = []
    for paper, extraction in zip(papers, extract(papers, ontology=ontology)):
        predicted = to_gold_format(extraction, paper.id)
        predicted["title"] = paper.id  # papers pair by title; these have none, so pair by id
        predictions.append(predicted)
    report = score(gold, predictions)
    report.scores = {t: s for t, s in report.scores.items() if t in types}
    report.errors = [e for e in report.errors if e.type in types and e.kind != "role"]
    report.role_correct = report.role_total = 0  # neither set annotates proposed vs used
    return ExternalResult(name, report, len(papers), types)


def default_data_dir() -> Path:
    """``../shared/data`` beside the repository (where the shared copies of the corpora live)."""
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def report_external(
    names: tuple[str, ...] | list[str], data_dir: Path | None = None, split: str = "test",
    ontology: Path | None = None, *, errors: bool = False, as_json: bool = False, overlap: bool = False,
) -> str:
    """The text (or JSON) ``kg eval --external`` prints for the given sets."""
    data_dir = data_dir or default_data_dir()
    results = [evaluate_external(name, data_dir, split, ontology, overlap) for name in names]
    if as_json:
        return json.dumps(
            {r.name: {"split": split, "documents": r.n_documents, "overlap": overlap and r.name == "scierc", "published": PUBLISHED[r.name],
                      "scores": {t: s.to_dict() for t, s in r.report.scores.items()},
                      "errors": [e.__dict__ for e in r.report.errors] if errors else []}
             for r in results},
            indent=2, ensure_ascii=False,
        )
    out: list[str] = []
    for result in results:
        table = result.report.format_table().splitlines()[:-1]  # no role line: neither set has roles
        match = " (overlap match)" if overlap and result.name == "scierc" else ""
        out += [f"{result.name} {split}{match} ({result.n_documents} abstracts); published: {PUBLISHED[result.name]}", *table]
        if errors:
            out.append("errors (document · type · kind · text):")
            out += [f"  [{e.paper_id}] {e.type} · {e.kind} · {e.text}" for e in result.report.errors]
        out.append("")
    return "\n".join(out).rstrip("\n")
