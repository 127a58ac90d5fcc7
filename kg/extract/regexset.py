"""Which of many regular expressions match a text, fast: Hyperscan scans for all of them in one
pass (prefilter mode, a superset) and Python's ``re`` confirms only the candidates it reports.

Without the optional ``hyperscan`` package every pattern is tried with ``re``: the same answers,
about twenty times slower on abstract sentences. Case-insensitive patterns are confirmed on the
lower-cased text of ASCII texts by a lower-cased, case-sensitive copy (same answers, three times
faster). A compiled database is kept in the user cache (``kg.user_cache``): compiling the claim cues
takes most of a second, loading them a millisecond."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence

from kg.user_cache import cache_key, read_cached, write_cached

try:  # optional accelerator: wheels exist for Linux and macOS
    import hyperscan
except ImportError:  # pragma: no cover - exercised where hyperscan is not installed
    hyperscan = None

_PIECE = re.compile(r"\\u([0-9a-fA-F]{4})|\\(.)|\{(\d+),\d+\}", re.DOTALL)
_CASELESS_ESCAPES = frozenset("bBwWsSdDAZ.\\()[]{}|^$*+?-/&#~ '\"")  # classes, anchors, punctuation
_GROUPS = ("(?:", "(?=", "(?!", "(?<=", "(?<!")


def lower_case_pattern(pattern: str) -> str | None:
    """A case-sensitive pattern that matches the lower-cased form of an ASCII text exactly where
    ``pattern`` with ``re.IGNORECASE`` matches the text: its letters lower-cased. ``None`` when that
    is not safe to decide: an upper-case letter inside a character class ("[A-z]"), a non-ASCII
    letter (it may fold to an ASCII one: "\u212a" Kelvin sign, "ſ"), an escape other than a class,
    an anchor or punctuation (a back-reference, "\x41"), a group other than (?:…) and lookarounds."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if pattern[i + 1 : i + 2] == "u":
                code = chr(int(pattern[i + 2 : i + 6], 16))
                if code.isalpha() or code.lower() != code.upper():
                    return None
                out.append(pattern[i : i + 6])
                i += 6
                continue
            if pattern[i + 1 : i + 2] not in _CASELESS_ESCAPES:
                return None
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if char == "(" and pattern.startswith("(?", i) and not pattern.startswith(_GROUPS, i):
            return None
        if not char.isascii() and (char.isalpha() or char.lower() != char.upper()):
            return None
        if char == "[" and not in_class:
            in_class = True
            if pattern.startswith("[^]", i) or pattern.startswith("[]", i):
                return None  # a literal "]" first in the class: not worth the parsing
        elif char == "]" and in_class:
            in_class = False
        elif char.isupper():
            if in_class:
                return None
            char = char.lower()
        out.append(char)
        i += 1
    return "".join(out)


def prefilter_expression(pattern: str) -> str:
    """A looser pattern that matches wherever ``pattern`` does, cheap for Hyperscan to compile:
    word-boundary assertions dropped, ``\\w`` widened to ``\\S``, bounded repeats unbounded."""

    def loosen(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return re.escape(chr(int(match.group(1), 16)))  # "\\u002e" is a literal ".", not any character
        if match.group(2) is not None:
            return {"b": "", "w": "\\S"}.get(match.group(2), match.group(0))
        return "{" + match.group(3) + ",}"

    return _PIECE.sub(loosen, pattern)


def _collect(index: int, start: int, end: int, flags: int, found: set[int]) -> None:
    """Hyperscan match handler: note the pattern (the scan's context is the set of those found)."""
    found.add(index)


class RegexSet:
    """A fixed list of patterns; ``matching(text)`` gives the indices of those that match."""

    def __init__(self, patterns: Sequence[str], flags: int = re.IGNORECASE, accelerate: bool = True) -> None:
        self.patterns = tuple(patterns)
        self.flags = flags
        self._ignorecase = bool(flags & re.IGNORECASE)  # tested per text: a RegexFlag's "&" runs in Python
        self.compiled = [re.compile(p, flags) for p in self.patterns]
        # case-sensitive copies to search lower-cased ASCII texts with (see lower_case_pattern); None where unsafe
        self.folded = [
            re.compile(folded, flags & ~re.IGNORECASE)
            if flags & re.IGNORECASE and (folded := lower_case_pattern(p)) is not None else None
            for p in self.patterns
        ]
        self._database = None
        self._always: tuple[int, ...] = tuple(range(len(self.patterns)))
        if accelerate and hyperscan is not None and self.patterns:
            self._build_database()

    @property
    def accelerated(self) -> bool:
        """Whether Hyperscan prefilters the patterns."""
        return self._database is not None

    def _build_database(self) -> None:
        hs_flags = hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_UCP | hyperscan.HS_FLAG_SINGLEMATCH
        for re_flag, hs_flag in ((re.IGNORECASE, hyperscan.HS_FLAG_CASELESS), (re.MULTILINE, hyperscan.HS_FLAG_MULTILINE),
                                 (re.DOTALL, hyperscan.HS_FLAG_DOTALL)):
            if self.flags & re_flag:
                hs_flags |= hs_flag
        expressions = {i: prefilter_expression(p).encode("utf-8") for i, p in enumerate(self.patterns)}
        try:
            database = self._compile(expressions, hs_flags, cached=True)
        except hyperscan.error:  # leave out what Hyperscan cannot approximate; re checks those
            expressions = {i: e for i, e in expressions.items() if self._compiles(e, hs_flags)}
            database = self._compile(expressions, hs_flags, cached=True) if expressions else None
        supported = sorted(expressions)
        if database is None:
            return
        self._database = database
        self._scratches = threading.local()  # scratch space is per thread (a Dask worker may run several)
        self._always = tuple(i for i in range(len(self.patterns)) if i not in set(supported))

    @staticmethod
    def _compile(expressions: dict[int, bytes], hs_flags: int, cached: bool = False):
        """A block-mode database of ``expressions`` (by id); ``cached``: loaded from the user cache
        when it was compiled before with the same expressions, flags and Hyperscan version."""
        ids = sorted(expressions)
        name = None
        if cached:
            parts = [expressions[i] + b"\0" + str(i).encode() for i in ids]
            name = "hyperscan-" + cache_key(getattr(hyperscan, "__version__", ""), hyperscan.HS_MODE_BLOCK, hs_flags, *parts) + ".db"
            if (payload := read_cached(name)) is not None:
                try:
                    loaded = hyperscan.loadb(payload, hyperscan.HS_MODE_BLOCK)
                    hyperscan.Scratch(loaded)  # refused if compiled for another CPU (a shared home folder)
                    return loaded
                except hyperscan.error:
                    pass
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        database.compile(expressions=[expressions[i] for i in ids], ids=ids, elements=len(ids), flags=[hs_flags] * len(ids))
        if name is not None:
            write_cached(name, hyperscan.dumpb(database))
        return database

    @classmethod
    def _compiles(cls, expression: bytes, hs_flags: int) -> bool:
        try:
            cls._compile({0: expression}, hs_flags)
        except hyperscan.error:
            return False
        return True

    def candidates(self, text: str) -> set[int]:
        """Indices of the patterns that may match ``text`` (a superset of :meth:`matching`; all of them
        without Hyperscan)."""
        if self._database is None:
            return set(range(len(self.patterns)))
        found: set[int] = set(self._always)
        scratch = getattr(self._scratches, "scratch", None)
        if scratch is None:
            scratch = self._scratches.scratch = hyperscan.Scratch(self._database)
        self._database.scan(text.encode("utf-8", "replace"), match_event_handler=_collect, context=found, scratch=scratch)
        return found

    def searcher(self, text: str) -> Callable[[int], bool]:
        """``found(i)``: whether pattern ``i`` matches ``text`` (as ``re.search`` says)."""
        compiled = self.compiled
        if self._ignorecase and text.isascii():
            lowered, folded = text.lower(), self.folded

            def found(i: int) -> bool:
                pattern = folded[i]
                return (compiled[i].search(text) if pattern is None else pattern.search(lowered)) is not None

            return found
        return lambda i: compiled[i].search(text) is not None

    def confirm(self, text: str, candidates: set[int]) -> set[int]:
        """The ``candidates`` that ``re.search`` really finds in ``text``."""
        found = self.searcher(text)
        return {i for i in candidates if found(i)}

    def matching(self, text: str) -> set[int]:
        """Indices of the patterns that ``re.search`` would find in ``text``."""
        return self.confirm(text, self.candidates(text))

    def __reduce__(self):  # Hyperscan databases do not pickle: rebuild in the receiving process
        return (RegexSet, (self.patterns, self.flags, self._database is not None))
