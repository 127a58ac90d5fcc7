"""Reader throughput: writes N synthetic records per bibliographic format (copies of the test
fixtures' good records with distinct ids and titles) and times reading them; prints a Markdown table.

    .venv/bin/python benchmarks/readers.py [N]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from kg.ingest import ReadLog, read_papers

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "data" / "formats"


def _bibtex(n: int) -> str:
    text = (FIXTURES / "library.bib").read_text(encoding="utf-8")
    entry = text[text.index("@inproceedings{muller2023spiking"):text.index("@misc{noabstract2022")]
    head = text[:text.index("@article")]
    return head + "".join(entry.replace("muller2023spiking", f"e{i}").replace("2310.01234", f"2310.{i:05d}")
                          .replace("Naive Priors", f"Priors {i}").replace("Na{\\\"i}ve Priors", f"Priors {i}") for i in range(n))


def _xml(name: str, tag: str, n: int) -> str:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    start, end = text.index(f"<{tag}>"), text.index(f"</{tag}>") + len(tag) + 3
    record = text[start:end]
    body = "".join(record.replace("2310.01234", f"2310.{i:05d}").replace("38400001", f"384{i:05d}")
                   .replace("Naive", f"N{i}").replace("contrastive learning.", f"contrastive learning {i}.") for i in range(n))
    return text[:start] + body + text[text.rindex("</"):]  # the root's closing tag


def _json(name: str, key: str, n: int) -> str:
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    first = data[key][0]
    records = []
    for i in range(n):
        record = dict(first, title=f"{first['title']} {i}", id=f"https://openalex.org/W{i}", paperId=f"{i:040x}")
        records.append(record)
    return json.dumps({key: records}, indent=1)


def main(n: int) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = {
            "bibtex": ("library.bib", _bibtex(n)),
            "arxiv": ("arxiv.atom", _xml("arxiv_query.atom", "entry", n)),
            "pubmed": ("pubmed.xml", _xml("pubmed_result.xml", "PubmedArticle", n)),
            "openalex": ("openalex.json", _json("openalex_works.json", "results", n)),
            "semantic-scholar": ("s2.json", _json("s2_search.json", "data", n)),
        }
        for fmt, (name, text) in files.items():
            path = folder / name
            path.write_text(text, encoding="utf-8")
            log = ReadLog()
            started = time.perf_counter()
            papers = list(read_papers([path], log))
            seconds = time.perf_counter() - started
            assert len(papers) == n and not log.warnings, (fmt, len(papers), log.warnings[:3])
            rows.append((fmt, n, path.stat().st_size / 1e6, seconds))
    print("| format | records | MB | seconds | records/s |\n|---|---|---|---|---|")
    for fmt, count, mb, seconds in rows:
        print(f"| {fmt} | {count} | {mb:.1f} | {seconds:.2f} | {count / seconds:,.0f} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
