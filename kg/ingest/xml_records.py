"""Streaming, hardened XML reading for the record-based formats (arXiv Atom, PubMed): yields each
record element with the line it starts on; the root element name picks the format."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from kg.ingest.base import ReadLog, clean_text
from kg.ingest.text import peek_text

_CHUNK = 1 << 16
_PROLOG = re.compile(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>", re.DOTALL | re.IGNORECASE)
_FIRST_TAG = re.compile(r"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


def local(tag: str) -> str:
    """'{http://www.w3.org/2005/Atom}entry' -> 'entry'."""
    return tag.rsplit("}", 1)[-1]


def root_name(path: Path) -> str | None:
    """Local name of the document element, read from the head of the file (None if not XML)."""
    match = _FIRST_TAG.search(_PROLOG.sub("", peek_text(path, _CHUNK)))
    return match.group(2) if match else None


def text_of(element: ET.Element | None) -> str:
    """All text inside an element (inline markup such as <i> or <sup> flattened), white space collapsed."""
    return clean_text("".join(element.itertext())) if element is not None else ""


def child(element: ET.Element | None, *names: str) -> ET.Element | None:
    """The first descendant along a path of local names, e.g. child(e, "Journal", "Title"); None
    when any step is missing (or ``element`` is None)."""
    current: ET.Element | None = element
    for name in names:
        current = next((c for c in current if local(c.tag) == name), None) if current is not None else None
    return current


def children(element: ET.Element | None, name: str) -> list[ET.Element]:
    """Direct children with a given local name."""
    return [c for c in element if local(c.tag) == name] if element is not None else []


class _Builder(ET.TreeBuilder):
    """Tree builder that notes the start line of each record element and hands finished records out."""

    def __init__(self, record_tags: frozenset[str]) -> None:
        super().__init__()
        self.parser: DefusedXMLParser | None = None
        self.record_tags = record_tags
        self.starts: list[int] = []
        self.done: list[tuple[ET.Element, int]] = []
        self.stack: list[bool] = []

    def start(self, tag, attrs):  # type: ignore[no-untyped-def]
        is_record = local(tag) in self.record_tags
        self.stack.append(is_record)
        if is_record:
            self.starts.append(self.parser.parser.CurrentLineNumber if self.parser else 0)
        return super().start(tag, attrs)

    def end(self, tag):  # type: ignore[no-untyped-def]
        element = super().end(tag)
        if self.stack.pop():
            self.done.append((element, self.starts.pop()))
        return element


def iter_records(path: Path, record_tags: frozenset[str], log: ReadLog) -> Iterator[tuple[ET.Element, int]]:
    """Yield (element, line) for every record element, as soon as it is complete. XML that is not
    well-formed (or uses entity tricks) is reported with its line; records before it are kept."""
    source = str(path)
    builder = _Builder(record_tags)
    parser = DefusedXMLParser(target=builder, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    builder.parser = parser

    def drain() -> Iterator[tuple[ET.Element, int]]:
        done, builder.done = builder.done, []
        for element, line in done:
            yield element, line
            element.clear()  # keep memory flat on large files

    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                parser.feed(chunk)
                yield from drain()
            parser.close()
            yield from drain()
    except ET.ParseError as error:
        yield from drain()
        line = error.position[0] if error.position else 0
        log.warn(source, line, f"XML is not well-formed ({error}); the rest of the file is skipped")
    except DefusedXmlException as error:
        log.warn(source, parser.parser.CurrentLineNumber, f"unsafe XML refused ({error}); the rest of the file is skipped")
