"""Readers for JSON Lines (one paper object per line) and JSON (an array of paper objects, or an
object holding one under "papers"/"records"/"data")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from kg.ingest.base import ReadLog, paper_from_record
from kg.model import Paper


def read_jsonl(path: Path, log: ReadLog) -> Iterator[Paper]:
    """Yield one Paper per valid line; a broken line is reported and skipped."""
    source = str(path)
    with path.open(encoding="utf-8-sig", errors="strict") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                log.warn(source, number, f"invalid JSON ({error.msg} at column {error.colno}); skipped")
                continue
            paper = paper_from_record(record, source, number, log)
            if paper is not None:
                yield paper


def _line_of_items(text: str) -> list[int]:
    """Best-effort line number of each top-level array item (for messages)."""
    lines: list[int] = []
    depth = 0
    in_string = escape = False
    line = 1
    for char in text:
        if char == "\n":
            line += 1
        if in_string:
            if escape:
                escape = False
            elif char == "\\":
                escape = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth == 2 and char == "{":
                lines.append(line)
        elif char in "]}":
            depth -= 1
    return lines


def read_json(path: Path, log: ReadLog) -> Iterator[Paper]:
    """Yield the papers of a JSON document; the whole file is reported if it does not parse."""
    source = str(path)
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        log.warn(source, error.lineno, f"invalid JSON ({error.msg}); file skipped")
        return
    if isinstance(data, dict):
        for name in ("papers", "records", "data", "results", "items"):
            if isinstance(data.get(name), list):
                data = data[name]
                break
        else:
            data = [data]
    if not isinstance(data, list):
        log.warn(source, 1, "expected a list of paper objects; file skipped")
        return
    item_lines = _line_of_items(text)
    for index, record in enumerate(data):
        number = item_lines[index] if index < len(item_lines) else index + 1
        paper = paper_from_record(record, source, number, log)
        if paper is not None:
            yield paper
