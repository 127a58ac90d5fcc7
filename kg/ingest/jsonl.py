"""Readers for JSON Lines (one paper object per line) and JSON (an array of paper objects, or an
object holding one under "papers"/"records"/"data"), and the record iteration other JSON readers share."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.ingest.base import ReadLog, paper_from_record
from kg.ingest.text import read_text
from kg.model import Paper

JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})


def jsonl_records(path: Path, log: ReadLog) -> Iterator[tuple[Any, int]]:
    """(record, line) for every line that parses; a broken line is reported and skipped."""
    source = str(path)
    text = read_text(path, log)
    if text is None:
        return
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines: U+2028 may sit in a string
        if not line.strip():
            continue
        try:
            yield json.loads(line), number
        except json.JSONDecodeError as error:
            log.warn(source, number, f"invalid JSON, column {error.colno}: {error.msg}; skipped")
        except RecursionError:
            log.warn(source, number, "invalid JSON (nested too deeply); skipped")


def read_jsonl(path: Path, log: ReadLog) -> Iterator[Paper]:
    """Yield one Paper per valid line; a broken line is reported and skipped."""
    source = str(path)
    for record, number in jsonl_records(path, log):
        paper = paper_from_record(record, source, number, log)
        if paper is not None:
            yield paper


def _line_of_items(text: str) -> dict[str | None, list[int]]:
    """Best-effort line number of each object in the top-level array (key None) or in each array
    that is a value of the top-level object (key = its name), for messages."""
    lines: dict[str | None, list[int]] = {}
    stack: list[tuple[str, str | None]] = []  # (bracket, key it is the value of)
    key: str | None = None
    string_start = -1
    in_string = escape = False
    line = 1
    for index, char in enumerate(text):
        if char == "\n":
            line += 1
        if in_string:
            if escape:
                escape = False
            elif char == "\\":
                escape = True
            elif char == '"':
                in_string = False
                if len(stack) == 1 and stack[0][0] == "{":
                    key = text[string_start + 1:index]
            continue
        if char == '"':
            in_string, string_start = True, index
        elif char in "[{":
            if char == "{" and stack and stack[-1][0] == "[" and (len(stack) == 1 or len(stack) == 2 and stack[0][0] == "{"):
                lines.setdefault(stack[-1][1], []).append(line)
            stack.append((char, key if len(stack) == 1 else None))
        elif char in "]}" and stack:
            stack.pop()
    return lines


CONTAINERS: tuple[str, ...] = ("papers", "records", "data", "results", "items")


def json_records(path: Path, log: ReadLog, containers: tuple[str, ...] = CONTAINERS) -> Iterator[tuple[Any, int]]:
    """(record, line) for each item of a JSON document — a list, an object holding the list under
    one of ``containers``, or a single object — or of a JSON Lines file (by its extension)."""
    if path.suffix.lower() in JSONL_SUFFIXES:
        yield from jsonl_records(path, log)
        return
    source = str(path)
    text = read_text(path, log)
    if text is None:
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        log.warn(source, error.lineno, f"invalid JSON, column {error.colno}: {error.msg}; file skipped")
        return
    except RecursionError:
        log.warn(source, 1, "invalid JSON (nested too deeply); file skipped")
        return
    container: str | None = None
    if isinstance(data, dict):
        container = next((name for name in containers if isinstance(data.get(name), list)), "")
        data = data[container] if container else [data]
    if not isinstance(data, list):
        log.warn(source, 1, "expected a list of paper objects; file skipped")
        return
    item_lines = _line_of_items(text).get(container, [1]) if container != "" else [1]
    for index, record in enumerate(data):
        yield record, item_lines[index] if index < len(item_lines) else index + 1


def read_json(path: Path, log: ReadLog) -> Iterator[Paper]:
    """Yield the papers of a JSON document; the whole file is reported if it does not parse."""
    source = str(path)
    for record, number in json_records(path, log):
        paper = paper_from_record(record, source, number, log)
        if paper is not None:
            yield paper
