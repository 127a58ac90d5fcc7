"""Decode an input file to text before a reader parses it: UTF-8 (with or without a byte-order mark),
UTF-16/UTF-32 with one; other bytes are read as Windows-1252 with a warning; binary files are refused."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from kg.ingest.base import ReadLog

#: byte-order mark → codec; UTF-32 LE first, since its mark starts with the UTF-16 LE one
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
#: C0 control bytes (NUL included) that text files hold rarely, if at all (tab, newlines and form feed they do)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f]")
_SNIFF = 1 << 16


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def bom_codec(head: bytes) -> str | None:
    """The codec a byte-order mark at the start of ``head`` names, or None."""
    return next((codec for bom, codec in BOMS if head.startswith(bom)), None)


def looks_binary(data: bytes, *, utf8: bool) -> bool:
    """Whether the first 64 KiB look like an image, archive, PDF or UTF-16/32 without a BOM: more than
    1 in 10 bytes NUL, or, when not UTF-8 either, more than 1 in 20 control bytes. A stray NUL or escape
    in a text export is not enough (the readers drop such characters)."""
    head = data[:_SNIFF]
    if head.count(0) * 10 > len(head):
        return True
    return not utf8 and len(_CONTROL_BYTES.findall(head)) * 20 > len(head)


def decode_bytes(data: bytes, source: str, log: ReadLog) -> str | None:
    """The text of a file's bytes, or None (with a warning) when it is binary or its BOM lies."""
    codec = bom_codec(data)
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError as error:
            log.warn(source, _line_at(data, error.start),
                     f"starts with a {codec.upper()} byte-order mark but is not {codec.upper()} ({error.reason}); file skipped")
            return None
    try:
        text, problem = data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        text, problem = None, error
    if looks_binary(data, utf8=problem is None):
        log.warn(source, 0, "binary data, not text (NUL or control bytes; UTF-16 needs a byte-order mark); file skipped")
        return None
    if problem is None:
        return text
    log.warn(source, _line_at(data, problem.start),
             f"not UTF-8 (byte 0x{data[problem.start]:02x} at offset {problem.start}); the file is read as Windows-1252",
             skipped=False)
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return data.decode("latin-1")


def read_text(path: Path, log: ReadLog) -> str | None:
    """The text of ``path`` (see :func:`decode_bytes`); None when it cannot be read as text."""
    return decode_bytes(Path(path).read_bytes(), str(path), log)


def peek_text(path: Path, size: int = _SNIFF) -> str:
    """The first ``size`` bytes as text, for sniffing the format (undecodable bytes replaced)."""
    with Path(path).open("rb") as handle:
        head = handle.read(size)
    return head.decode(bom_codec(head) or "utf-8", errors="replace").lstrip("\ufeff")
