"""Turn input files and folders into a stream of ``Paper`` records, one reader per format
(chosen by extension, by sniffing XML/JSON content, or by an explicit format name); problems are
logged, never fatal."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kg.ingest.arxiv_atom import read_arxiv_atom
from kg.ingest.base import IngestWarning, ReadLog
from kg.ingest.bibtex import read_bibtex
from kg.ingest.csv_reader import read_csv
from kg.ingest.daily_papers import read_daily_papers
from kg.ingest.jsonl import read_json, read_jsonl
from kg.ingest.openalex import read_openalex
from kg.ingest.pubmed import read_pubmed
from kg.ingest.semantic_scholar import read_semantic_scholar
from kg.ingest.sniff import sniff_json, sniff_xml
from kg.ingest.xml_records import root_name
from kg.model import Paper

Reader = Callable[[Path, ReadLog], Iterator[Paper]]

READERS: dict[str, Reader] = {
    "daily-papers": read_daily_papers,
    "jsonl": read_jsonl,
    "json": read_json,
    "csv": read_csv,
    "bibtex": read_bibtex,
    "arxiv": read_arxiv_atom,
    "pubmed": read_pubmed,
    "openalex": read_openalex,
    "semantic-scholar": read_semantic_scholar,
}

EXTENSIONS: dict[str, str] = {
    ".txt": "daily-papers",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".xml": "xml",  # arxiv or pubmed, by the root element
    ".atom": "xml",
}


def format_for(path: Path) -> str | None:
    """The reader name for a file: by extension; XML by its root element; JSON/JSONL that looks
    like OpenAlex or Semantic Scholar output goes to their readers. None when unsupported."""
    name = EXTENSIONS.get(path.suffix.lower())
    if name == "xml":
        return sniff_xml(path)
    if name in ("json", "jsonl") and path.is_file():
        return sniff_json(path) or name
    return name


def _xml_root(path: Path) -> str | None:
    return root_name(path) if EXTENSIONS.get(path.suffix.lower()) == "xml" and path.is_file() else None


#: Longest title and abstract kept, in characters: ten times the longest real ones. Longer text is
#: a whole paper or a broken export; it is cut here (with a warning) so extraction stays fast.
MAX_TITLE = 2_000
MAX_ABSTRACT = 50_000


def _bounded(paper: Paper, log: ReadLog) -> Paper:
    """The paper with an over-long title or abstract cut to ``MAX_TITLE``/``MAX_ABSTRACT`` (warned)."""
    cut = {}
    for name, limit in (("title", MAX_TITLE), ("abstract", MAX_ABSTRACT)):
        text = getattr(paper, name)
        if len(text) > limit:
            log.warn(paper.source, paper.line, f"{name} is {len(text):,} characters long; only the first {limit:,} are used",
                     skipped=False)
            cut[name] = text[:limit].rstrip()
    return dataclasses.replace(paper, **cut) if cut else paper


def input_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The files that :func:`read_papers` reads for ``paths``, in its order (a path that is not a
    folder is given as it is, existing or not)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            yield path


def read_papers(paths: Iterable[Path], log: ReadLog, fmt: str | None = None) -> Iterator[Paper]:
    """Yield papers from every file (folders are read recursively, in sorted order)."""
    if fmt is not None and fmt not in READERS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(sorted(READERS))}")
    for path in input_files(paths):
        if not path.exists():
            log.warn(str(path), 0, "no such file or folder")
            continue
        if path.is_file() and path.stat().st_size == 0:
            log.warn(str(path), 0, "empty file; nothing to read", skipped=False)
            continue
        name = fmt or format_for(path)
        if name is None:
            what = f"XML root element {sniffed!r}" if (sniffed := _xml_root(path)) else f"file type {path.suffix or '(none)'!r}"
            log.warn(str(path), 0, f"unsupported {what}; use --format", skipped=False)
            continue
        before, count = len(log.warnings), 0
        try:
            for paper in READERS[name](path, log):
                count += 1
                yield _bounded(paper, log)
            if count == 0 and len(log.warnings) == before:
                log.warn(str(path), 0, f"no paper records found (read as {name})", skipped=False)
        except UnicodeDecodeError as error:
            log.warn(str(path), 0, f"not UTF-8 text ({error.reason} at byte {error.start}); file skipped")
        except OSError as error:
            log.warn(str(path), 0, f"cannot read file ({error.strerror}); file skipped")


__all__ = ["IngestWarning", "READERS", "ReadLog", "format_for", "input_files", "read_papers"]
