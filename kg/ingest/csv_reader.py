"""Reader for CSV/TSV files with a header row naming at least ``title`` and ``abstract``
(optional ``id``, ``date``, ``authors``, ``author_count``, ``url``; other columns ignored)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from kg.ingest.base import ReadLog, paper_from_record
from kg.ingest.text import read_text
from kg.model import Paper

csv.field_size_limit(16 * 1024 * 1024)


def read_csv(path: Path, log: ReadLog, *, delimiter: str | None = None) -> Iterator[Paper]:
    """Yield one Paper per data row; rows without title/abstract are reported and skipped."""
    source = str(path)
    text = read_text(path, log)
    if text is None:
        return
    with io.StringIO(text, newline="") as handle:
        if delimiter is None:
            delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            log.warn(source, 1, "empty CSV file; nothing read")
            return
        names = [h.strip().lower() for h in header]
        missing = [c for c in ("title", "abstract") if c not in names]
        if missing:
            log.warn(source, 1, f"CSV header lacks column(s) {', '.join(missing)}; file skipped")
            return
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                log.warn(
                    source, number, f"row has {len(row)} fields, header has {len(names)}", skipped=False
                )
            record = dict(zip(names, row))
            paper = paper_from_record(record, source, number, log)
            if paper is not None:
                yield paper
