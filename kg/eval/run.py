"""Runs the extractors on the papers of a gold file (abstracts looked up by title in a corpus)
and scores them with :mod:`kg.eval.score`; also writes predictions in the gold format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kg.eval.score import EvalReport, score
from kg.extract.pipeline import extract
from kg.ingest import ReadLog, read_papers
from kg.model import Extraction, normalise_title


def read_gold(path: Path) -> list[dict[str, Any]]:
    """Gold records, one JSON object a line; a broken line raises with its line number."""
    records = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: invalid JSON ({error.msg})") from error
    return records


def to_gold_format(extraction: Extraction, paper_id: Any = None) -> dict[str, Any]:
    """An extraction in the shape of a gold record (see shared/eval/FORMAT.md)."""

    def entities(type_: str) -> list[dict[str, Any]]:
        return [
            {"name": e.label, "aliases": e.aliases, "role": e.role}
            for e in extraction.entities
            if e.type == type_
        ]

    return {
        "id": paper_id,
        "title": extraction.paper.title,
        "methods": entities("Method"),
        "datasets": entities("Dataset"),
        "modalities": sorted({e.label for e in extraction.entities if e.type == "Modality"}),
        "claims": [c.text for c in extraction.claims],
    }


def evaluate(gold_path: Path, corpus: list[Path], ontology: Path | None = None) -> tuple[EvalReport, list[dict], list[str]]:
    """Score the extractors on every gold paper found in the corpus.

    Returns the report, the predictions and the titles of gold papers missing from the corpus
    (those count as misses, so a wrong corpus cannot inflate the scores).
    """
    gold = read_gold(gold_path)
    wanted = {normalise_title(g["title"]): g for g in gold}
    found: dict[str, Any] = {}
    for paper in read_papers(corpus, ReadLog()):
        key = normalise_title(paper.title)
        if key in wanted and key not in found:
            found[key] = paper
    predictions = [
        to_gold_format(extraction, wanted[normalise_title(extraction.paper.title)].get("id"))
        for extraction in extract(list(found.values()), ontology=ontology)
    ]
    missing = sorted(g["title"] for k, g in wanted.items() if k not in found)
    return score(gold, predictions), predictions, missing
