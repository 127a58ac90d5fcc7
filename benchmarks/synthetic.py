"""Synthetic abstracts for the scale benchmarks: new papers recombined (seeded) from the titles and
abstract sentences of the sample corpus, so the extractors see real language but no repeats.
``--diverse`` gives them the name diversity of a real corpus as well: authors from a large pool and
coined method and dataset names of their own (see :func:`synthetic_records`).

    python benchmarks/synthetic.py 100000 /tmp/synthetic-100k.jsonl [--diverse]
"""

from __future__ import annotations

import argparse
import json
import random
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


_SYLLABLES = [c + v for c in "bcdfghjklmnprstvz" for v in "aeiou"]
_HEADS = ("network", "model", "framework", "transformer", "encoder", "method", "architecture")
_SUFFIXES = ("Net", "Former", "-GNN", "", "Diff", "-X")


def synthetic_records(n: int, seed: int = 13, diverse: bool = False) -> list[dict]:
    """``n`` JSONL records: a recombined title (numbered, so all are distinct), 5–11 sentences,
    a date and 1–6 authors of 120 names: however many papers, the graph has a few hundred entities
    (those the sample corpus names) and 120 people.

    ``diverse``: the same titles and sentences, with the names a real corpus brings. Each paper has
    1–8 authors drawn from 320,000 made-up names (243,000 people at 100,000 papers: most authors
    write two papers or fewer, as in a field's arXiv listings); half the papers end by proposing a
    coined method ("We propose Tovaka-GNN, a network for neural decoding.") and a tenth by releasing
    a dataset of their own name, so entities grow with the corpus (about 0.5 per paper) instead of
    staying at the sample corpus's few hundred."""
    titles, sentences, names = sentence_pool()
    rng = random.Random(seed)
    more = random.Random(seed + 1)  # the diverse additions: the base text stays the same

    def word(syllables: int) -> str:
        return "".join(more.choice(_SYLLABLES) for _ in range(syllables)).capitalize()

    if diverse:  # the authors' first and last names (271 × 1,191)
        firsts = sorted({word(more.randint(1, 3)) for _ in range(320)})
        lasts = sorted({word(more.randint(2, 4)) for _ in range(1200)})
    records = []
    for i in range(n):
        head, tail = rng.choice(titles), rng.choice(titles)
        title = f"{head.split(':')[0]}: {tail.split(':')[-1].strip()} ({i})"
        abstract = " ".join(rng.sample(sentences, rng.randint(5, 11)))
        date = f"{rng.randint(2018, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        authors = rng.sample(names, rng.randint(1, 6))
        if diverse:
            authors = [f"{more.choice(firsts)} {more.choice(lasts)}" for _ in range(more.randint(1, 8))]
            if more.random() < 0.5:
                method = word(more.randint(2, 3)) + more.choice(_SUFFIXES)
                noun = more.choice(_HEADS)
                abstract += f" We propose {method}, {'an' if noun[0] in 'aeiou' else 'a'} {noun} for neural decoding."
            if more.random() < 0.1:
                abstract += f" We release the {word(2).upper()}-{more.randint(1, 99)} dataset."
        records.append({"title": title, "abstract": abstract, "date": date, "authors": authors})
    return records


def write_corpus(path: Path, n: int, seed: int = 13, start: int = 0, diverse: bool = False) -> Path:
    """Write records ``start`` … ``n - 1`` of the seeded sequence as JSONL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for record in synthetic_records(n, seed, diverse)[start:]:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", type=int, help="how many papers")
    parser.add_argument("target", type=Path, help="the JSON Lines file to write")
    parser.add_argument("--diverse", action="store_true", help="a real corpus's name diversity")
    parser.add_argument("--seed", type=int, default=13, help="the random seed (default 13, the benchmark's)")
    args = parser.parse_args()
    print(write_corpus(args.target, args.count, seed=args.seed, diverse=args.diverse))
