"""Turn input files and folders into a stream of ``Paper`` records, one reader per format
(chosen by extension or an explicit format name); problems are logged, never fatal."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kg.ingest.base import IngestWarning, ReadLog
from kg.ingest.csv_reader import read_csv
from kg.ingest.daily_papers import read_daily_papers
from kg.ingest.jsonl import read_json, read_jsonl
from kg.model import Paper

Reader = Callable[[Path, ReadLog], Iterator[Paper]]

READERS: dict[str, Reader] = {
    "daily-papers": read_daily_papers,
    "jsonl": read_jsonl,
    "json": read_json,
    "csv": read_csv,
}

EXTENSIONS: dict[str, str] = {
    ".txt": "daily-papers",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
}


def format_for(path: Path) -> str | None:
    """The reader name for a file's extension, or None when unsupported."""
    return EXTENSIONS.get(path.suffix.lower())


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            yield path


def read_papers(paths: Iterable[Path], log: ReadLog, fmt: str | None = None) -> Iterator[Paper]:
    """Yield papers from every file (folders are read recursively, in sorted order)."""
    if fmt is not None and fmt not in READERS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(sorted(READERS))}")
    for path in _files(paths):
        if not path.exists():
            log.warn(str(path), 0, "no such file or folder")
            continue
        name = fmt or format_for(path)
        if name is None:
            log.warn(str(path), 0, f"unsupported file type {path.suffix or '(none)'!r}; use --format", skipped=False)
            continue
        try:
            yield from READERS[name](path, log)
        except UnicodeDecodeError as error:
            log.warn(str(path), 0, f"not UTF-8 text ({error.reason} at byte {error.start}); file skipped")
        except OSError as error:
            log.warn(str(path), 0, f"cannot read file ({error.strerror}); file skipped")


__all__ = ["IngestWarning", "READERS", "ReadLog", "format_for", "read_papers"]
