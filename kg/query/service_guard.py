"""Finds the SPARQL ``SERVICE`` keyword in a query's code (not in its strings, comments or IRIs),
so ``kg serve`` can refuse federated queries before Oxigraph makes HTTP requests for them.

pyoxigraph offers no switch for SERVICE, so this is lexical. The one ambiguity of the SPARQL
lexer is ``<``: an IRI start or the less-than operator. Rather than guess, each ``<`` that could
start an IRI is read both ways (``<scheme://`` only as an IRI: as less-than it cannot parse) and
the keyword counts when *any* reading shows it in code, so the parser's own reading is among
them. Should the readings explode (a huge query full of ``<``), the plain word anywhere in the
text decides: a refusal too many, never a miss.
"""

from __future__ import annotations

import re

_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_SKIP = re.compile(  # what the lexer skips wholesale: comments and the four string forms
    r"#[^\n\r]*"
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|"(?:[^"\\\n\r]|\\.)*"',
    re.S,
)
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_URL = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]*://")  # as less-than, `x://` is `x: / /`: no valid query
_KEYWORD = re.compile(r"(?<![\w?$:])SERVICE(?![\w:])", re.I)
_STOP = re.compile(r"[#'\"<]")  # where the next token of interest may start
MAX_READINGS = 20000


def _unescape(query: str) -> str:
    """SPARQL's codepoint escapes (\\uXXXX, \\UXXXXXXXX), which the spec resolves before parsing."""

    def char(match: re.Match) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except ValueError:  # beyond U+10FFFF: leave it, the parser rejects it
            return match.group(0)

    return _UCHAR.sub(char, query)


def uses_service(query: str) -> bool:
    """True when some reading of ``query`` has the SERVICE keyword outside strings, comments and
    IRIs (federated query: the engine would fetch from the named endpoint)."""
    text = _unescape(query)
    if not _KEYWORD.search(text):
        return False
    pending, seen = [0], {0}
    while pending:
        if len(seen) > MAX_READINGS:
            return True  # too many readings to follow: the word is there, refuse
        pos = pending.pop()
        while pos < len(text):
            stop = _STOP.search(text, pos)
            end = stop.start() if stop else len(text)
            if _KEYWORD.search(text, pos, end):  # lookbehind still sees the character before pos
                return True
            if stop is None:
                break
            if text[end] == "<":
                iri = _IRI.match(text, end)
                if iri:  # IRI or less-than: follow both readings (a URL is never a less-than)
                    for nxt in (iri.end(),) if _URL.match(text, end) else (iri.end(), end + 1):
                        if nxt not in seen:
                            seen.add(nxt)
                            pending.append(nxt)
                    break
                pos = end + 1
                continue
            skipped = _SKIP.match(text, end)
            pos = skipped.end() if skipped else end + 1
    return False
