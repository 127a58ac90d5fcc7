"""Synthetic abstracts for the scale benchmarks: new papers recombined (seeded) from the titles and
abstract sentences of the sample corpus, so the extractors see real language but no repeats.

    python benchmarks/synthetic.py 100000 /tmp/synthetic-100k.jsonl
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from kg.extract.sentences import DEFAULT_ABBREVIATIONS, sentence_bounds
from kg.ingest import ReadLog, read_papers

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "corpus"


def sentence_pool(corpus: Path = SAMPLE) -> tuple[list[str], list[str], list[str]]:
    """(titles, abstract sentences, author names) of the sample corpus, deduplicated and sorted."""
    abbreviations = frozenset(a.rstrip(".") for a in DEFAULT_ABBREVIATIONS)
    titles: set[str] = set()
    sentences: set[str] = set()
    for paper in read_papers([corpus], ReadLog()):
        titles.add(paper.title)
        sentences.update(paper.abstract[s:e] for s, e in sentence_bounds(paper.abstract, abbreviations))
    first = ["Ada", "Alan", "Chen", "Divya", "Emil", "Fatima", "Grace", "Hiro", "Ines", "Jonas", "Kwame", "Lena"]
    last = ["Ito", "Kowalski", "Li", "Martin", "Nguyen", "Okafor", "Patel", "Rossi", "Schmidt", "Silva"]
    names = [f"{f} {l}" for f in first for l in last]
    return sorted(titles), sorted(s for s in sentences if len(s) > 30), names


def synthetic_records(n: int, seed: int = 13) -> list[dict]:
    """``n`` JSONL records: a recombined title (numbered, so all are distinct), 5–11 sentences,
    a date and 1–6 authors."""
    titles, sentences, names = sentence_pool()
    rng = random.Random(seed)
    records = []
    for i in range(n):
        head, tail = rng.choice(titles), rng.choice(titles)
        title = f"{head.split(':')[0]}: {tail.split(':')[-1].strip()} ({i})"
        abstract = " ".join(rng.sample(sentences, rng.randint(5, 11)))
        date = f"{rng.randint(2018, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        records.append({"title": title, "abstract": abstract, "date": date, "authors": rng.sample(names, rng.randint(1, 6))})
    return records


def write_corpus(path: Path, n: int, seed: int = 13, start: int = 0) -> Path:
    """Write records ``start`` … ``n - 1`` of the seeded sequence as JSONL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for record in synthetic_records(n, seed)[start:]:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


if __name__ == "__main__":
    count, target = int(sys.argv[1]), Path(sys.argv[2])
    print(write_corpus(target, count))
