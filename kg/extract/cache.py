"""The extraction cache, ``extractions.jsonl``: one JSON row per abstract keyed by a hash of its text,
so a rebuild re-extracts only new or changed abstracts; rows are found by file offset and read back
one at a time (a build holds a paper and two numbers per abstract, never every extraction at once).

File layout: a header line ``{"fingerprint": …, "version": …, "format": …}``, then one line per
abstract, ``{"hash": "<64 hex digits>", "row": <Extraction.to_row() as JSON>}``. A header that does
not match the running extractors makes the whole file stale; a damaged line costs one re-extraction.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson

from kg.atomic import atomic_open_binary
from kg.extract import PIPELINE_VERSION
from kg.extract.vocabulary import VOCABULARY_FILES
from kg.model import ROW_FORMAT

CACHE_NAME = "extractions.jsonl"

_HEAD = b'{"hash": "'  # every record line: _HEAD, 64 hex digits, _MIDDLE, the row, _TAIL
_MIDDLE = b'", "row": '
_TAIL = b"}\n"
_ROW_START = len(_HEAD) + 64 + len(_MIDDLE)


def pipeline_fingerprint(ontology: Path) -> str:
    """Changes whenever the extractors or their vocabularies change (invalidates the cache)."""
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    for name in (*VOCABULARY_FILES, "umbrella-terms.txt"):
        path = ontology / name
        if path.exists():
            digest.update(path.read_bytes())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    return digest.hexdigest()[:16]


def cache_header(fingerprint: str) -> bytes:
    """The first line of a cache file made by extractors with this ``fingerprint``."""
    return (json.dumps({"fingerprint": fingerprint, "version": PIPELINE_VERSION, "format": ROW_FORMAT}) + "\n").encode()


def record_line(digest: str, row: str | bytes) -> bytes:
    """One cache line: the content hash and the row's JSON."""
    return b"".join((_HEAD, digest.encode("ascii"), _MIDDLE, row if isinstance(row, bytes) else row.encode("utf-8"), _TAIL))


@dataclass(frozen=True, slots=True)
class RowSpan:
    """Where a row's JSON lies in a cache file (bytes), and the file's line number for messages."""

    offset: int
    length: int
    line: int


def _valid_row(text: bytes) -> bool:
    """The row parses as JSON and has the shape of :meth:`Extraction.to_row` (its records are read
    when assembly needs them; a row that passes this but is broken inside is reported then)."""
    try:
        row = orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return isinstance(row, list) and len(row) == 6 and row[0] == ROW_FORMAT and all(isinstance(part, list) for part in row[1:])


def index_cache(path: Path, fingerprint: str, wanted: set[str] | dict[str, object]) -> tuple[dict[str, RowSpan], int]:
    """Where the rows of the ``wanted`` content hashes are in ``path``, and how many records the
    file holds; nothing when the file is missing or was made by other extractors or vocabularies.
    Records of papers not wanted are skipped unparsed; a damaged line is left out (re-extracted)."""
    if not path.exists():
        return {}, 0
    found: dict[str, RowSpan] = {}
    records = 0
    with path.open("rb") as handle:
        header = handle.readline()
        if header != cache_header(fingerprint):
            return {}, 0
        offset = len(header)
        for number, line in enumerate(handle, start=2):
            records += 1
            start, offset = offset, offset + len(line)
            digest = line[len(_HEAD):len(_HEAD) + 64].decode("ascii", "replace")
            if digest not in wanted or digest in found:
                continue
            if not (line.startswith(_HEAD) and line[len(_HEAD) + 64:_ROW_START] == _MIDDLE and line.endswith(_TAIL)):
                continue
            row = line[_ROW_START:-len(_TAIL)]
            if _valid_row(row):
                found[digest] = RowSpan(start + _ROW_START, len(row), number)
    return found, records


class CacheWriter:
    """Appends record lines to the cache file being written and says where each row lands."""

    def __init__(self, stream: BinaryIO, position: int, lines: int) -> None:
        self._stream = stream
        self._position = position
        self._lines = lines

    def add(self, digest: str, row: str | bytes) -> RowSpan:
        """Write one record; the span of its row in the finished file."""
        line = record_line(digest, row)
        self._stream.write(line)
        span = RowSpan(self._position + _ROW_START, len(line) - _ROW_START - len(_TAIL), self._lines + 1)
        self._position += len(line)
        self._lines += 1
        return span


@contextlib.contextmanager
def write_cache(path: Path, fingerprint: str, keep: int | None = None) -> Iterator[CacheWriter]:
    """A writer for new records, replacing the file atomically when the block ends. With ``keep``
    (the number of records :func:`index_cache` counted) the file's current lines come first, byte
    for byte: a rebuild appends only what it extracted, and every span found there stays valid."""
    with atomic_open_binary(path, cached=True) as stream:  # assembly reads every row back at once
        if keep is not None:
            with path.open("rb") as old:
                shutil.copyfileobj(old, stream, 1 << 22)
                position, lines = old.tell(), 1 + keep
                old.seek(max(0, position - 1))
                if old.read(1) not in (b"\n", b""):
                    stream.write(b"\n")  # a damaged last line stays one line
                    position += 1
        else:
            header = cache_header(fingerprint)
            stream.write(header)
            position, lines = len(header), 1
        yield CacheWriter(stream, position, lines)


class RowReader:
    """Reads rows back from a finished cache file by their span (``os.pread``: no shared file
    position, no buffer held). Close it when done, or use it as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))

    def _read(self, offset: int, length: int) -> bytes:
        if hasattr(os, "pread"):
            return os.pread(self._fd, length, offset)
        os.lseek(self._fd, offset, os.SEEK_SET)  # pragma: no cover - platforms without pread
        return os.read(self._fd, length)

    def raw(self, span: RowSpan) -> bytes:
        """The row's JSON text at ``span``."""
        return self._read(span.offset, span.length)

    def __call__(self, span: RowSpan) -> list:
        """The row at ``span``, parsed (raises ValueError naming the file and line if it is damaged)."""
        data = self.raw(span)
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise ValueError(f"{self.path}:{span.line}: damaged extraction row ({error}); rebuild with --no-cache") from None

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> RowReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
