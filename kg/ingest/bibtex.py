"""Reader for BibTeX/BibLaTeX files (reference-manager exports) built on bibtexparser v2; LaTeX
accents and escapes are decoded with pylatexenc, names come out as "First von Last, Jr"."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.model import Entry, ParsingFailedBlock
from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexwalker import LatexWalker, get_default_latex_context_db

from kg.identifiers import identifiers
from kg.ingest.base import (
    ReadLog,
    clean_text,
    iso_date,
    new_paper,
    split_keywords,
    year_of,
)
from kg.ingest.text import read_text
from kg.model import Paper

#: Entry types that are not papers (string macros and comments are separate block types).
_NOT_PAPERS = frozenset({"xdata", "set"})
_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/", re.IGNORECASE)


#: Characters and ligatures LaTeX treats specially; text without them is already plain.
_LATEX = re.compile(r"[\\{}$~^_%&#]|--|``|''")


class _Decoder:
    """LaTeX -> Unicode with pylatexenc ("M{\\"u}ller" -> "Müller", "5$\\times$" -> "5×", "--" -> "–");
    plain text skips the parser, and the macro table is built once, not per call."""

    def __init__(self) -> None:
        self._context = get_default_latex_context_db()
        self._text = LatexNodes2Text(math_mode="text", keep_braced_groups=False)

    def latex_to_text(self, value: str) -> str:
        if not _LATEX.search(value):
            return value
        nodes, _, _ = LatexWalker(value, latex_context=self._context, tolerant_parsing=True).get_latex_nodes()
        return self._text.nodelist_to_text(nodes)


def _names(value: object, decode: _Decoder) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    names = []
    for parts in value:
        if isinstance(parts, str):
            names.append(decode.latex_to_text(parts))
            continue
        first = " ".join([*parts.first, *parts.von, *parts.last])
        name = decode.latex_to_text(first + (", " + " ".join(parts.jr) if parts.jr else ""))
        names.append(name)
    return tuple(clean_text(n) for n in names if clean_text(n))


def _paper(entry: Entry, source: str, log: ReadLog, decode: _Decoder) -> Paper | None:
    line = (entry.start_line or 0) + 1  # bibtexparser counts lines from 0
    raw = {f.key.lower(): f.value for f in entry.fields}

    def text(name: str) -> str:
        value = raw.get(name)
        return clean_text(decode.latex_to_text(value)) if isinstance(value, str) else ""

    def verbatim(name: str) -> str:  # URLs and identifiers: "_", "%" and "~" are not LaTeX here
        value = raw.get(name)
        return clean_text(value).replace("{", "").replace("}", "") if isinstance(value, str) else ""

    url = verbatim("url")
    eprint_type = verbatim("archiveprefix") or verbatim("eprinttype")
    ids = identifiers(
        doi=verbatim("doi") or (url if _DOI_URL.match(url) else None),
        arxiv=verbatim("eprint") if eprint_type.lower() in ("", "arxiv") else verbatim("arxivid"),
        pmid=verbatim("pmid"),
        pmcid=verbatim("pmcid"),
    )
    date = iso_date(text("date")) or iso_date(text("year"), text("month") or None, text("day") or None)
    return new_paper(
        source, line, log,
        what=f"entry @{entry.entry_type}{{{entry.key}}}",
        title=text("title"),
        abstract=text("abstract"),
        id=entry.key,
        authors=_names(raw.get("author"), decode),
        date=date,
        year=year_of(text("year")) or year_of(text("date")),
        url=url,
        identifiers=ids,
        venue=text("journal") or text("journaltitle") or text("booktitle") or text("publisher") or None,
        keywords=split_keywords(text("keywords")),
        categories=tuple(c for c in (text("primaryclass"),) if c),
    )


def read_bibtex(path: Path, log: ReadLog) -> Iterator[Paper]:
    """Yield one Paper per entry with a title and an abstract; entries the parser cannot read, and
    entries without an abstract, are reported with their line."""
    source = str(path)
    text = read_text(path, log)
    if text is None:
        return
    # bibtexparser also logs each failed block; we report those ourselves, with file and line.
    logger, quiet = logging.getLogger("bibtexparser.splitter"), logging.Filter("-")  # a filter no record passes
    logger.addFilter(quiet)
    try:
        library = bibtexparser.parse_string(
            text, append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()]
        )
    finally:
        logger.removeFilter(quiet)
    decode = _Decoder()
    for block in library.blocks:
        if isinstance(block, ParsingFailedBlock):
            reason = clean_text(getattr(block.error, "abort_reason", "") or block.error) or "syntax error"
            log.warn(source, (block.start_line or 0) + 1, f"unreadable BibTeX entry ({reason}); skipped")
        elif isinstance(block, Entry) and block.entry_type.lower() not in _NOT_PAPERS:
            paper = _paper(block, source, log, decode)
            if paper is not None:
                yield paper
