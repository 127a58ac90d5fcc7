"""Faster stand-ins for the tokenizer's prefix, suffix and infix searches and its URL match, with the
same answers: spaCy joins its affix patterns into one expression that ``re`` tries at every position
of a word; here only the patterns that can begin (prefixes) or end (suffixes) with the word's edge
character are tried, only where a match can start, and a word is not searched for infixes or URLs
when it lacks a character that every match holds."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

try:  # the parser behind re.compile: what a pattern's matches can span and start or end with
    from re import _constants as _sre
    from re import _parser as _sre_parse  # Python 3.11+
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre
    import sre_parse as _sre_parse

_UNBOUNDED = 2**16  # wider than any word worth searching near its end
_CATEGORIES = {
    _sre.CATEGORY_DIGIT: r"\d", _sre.CATEGORY_NOT_DIGIT: r"\D", _sre.CATEGORY_SPACE: r"\s",
    _sre.CATEGORY_NOT_SPACE: r"\S", _sre.CATEGORY_WORD: r"\w", _sre.CATEGORY_NOT_WORD: r"\W",
}
_ZERO_WIDTH = {_sre.ASSERT, _sre.ASSERT_NOT, _sre.AT}
_REPEATS = {_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", _sre.MAX_REPEAT)}


class _Piece:
    """One affix pattern: ``edge`` the character classes its first (prefix) or last (suffix)
    character falls in, ``None`` when unknown (the piece is then tried for every word)."""

    def __init__(self, text: str, last: bool) -> None:
        self.text = text
        parsed = _sre_parse.parse(text)
        low, high = parsed.getwidth()
        self.width = min(high, _UNBOUNDED)
        classes = None if low == 0 or parsed.state.flags & re.IGNORECASE else _edge(list(parsed), last)
        self.edge = None if classes is None else [re.compile(c) for c in classes]

    def may_touch(self, char: str) -> bool:
        """Whether a match of this piece can begin (prefix) or end (suffix) with ``char``."""
        return self.edge is None or any(c.fullmatch(char) for c in self.edge)


def _edge(items: list, last: bool) -> list[str] | None:
    """Character classes (as ``[…]`` patterns) the first or last character of a match of the parsed
    sequence ``items`` falls in, or ``None`` when that cannot be told."""
    for op, av in reversed(items) if last else items:
        if op in _ZERO_WIDTH:
            continue  # looks without consuming: the character is the next item's
        if op is _sre.LITERAL:
            return [f"[{re.escape(chr(av))}]"]
        if op is _sre.NOT_LITERAL:
            return [f"[^{re.escape(chr(av))}]"]
        if op is _sre.IN:
            return _char_class(av)
        if op is _sre.SUBPATTERN:
            _group, added, removed, inner = av
            return None if added or removed else _edge(list(inner), last)
        if op is _sre.BRANCH:
            classes: list[str] = []
            for branch in av[1]:
                edge = _edge(list(branch), last) if branch.getwidth()[0] else None
                if edge is None:
                    return None
                classes.extend(edge)
            return classes
        if op in _REPEATS:
            low, _high, inner = av
            return _edge(list(inner), last) if low and inner.getwidth()[0] else None
        return None  # any character, a group reference, …
    return None


def _char_class(items: list) -> list[str] | None:
    parts = []
    for op, av in items:
        if op is _sre.NEGATE:
            parts.append("^")
        elif op is _sre.LITERAL:
            parts.append(re.escape(chr(av)))
        elif op is _sre.RANGE:
            parts.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        elif op is _sre.CATEGORY and av in _CATEGORIES:
            parts.append(_CATEGORIES[av])
        else:
            return None
    return ["[" + "".join(parts) + "]"]


def _pieces(entries: Sequence[str], last: bool) -> list[_Piece] | None:
    """spaCy's non-blank entries as pieces, or ``None`` when one cannot be read as a whole (a
    compiled pattern, an alternative outside a group that the joined expression would not anchor)."""
    if not all(isinstance(entry, str) for entry in entries):
        return None
    texts = [entry for entry in entries if entry.strip()]  # what spaCy's compile_*_regex join
    try:
        for text in texts:
            anchored = list(_sre_parse.parse(text + "$" if last else "^" + text))
            edge = anchored[-1] if last else anchored[0]
            if edge != (_sre.AT, _sre.AT_END if last else _sre.AT_BEGINNING):
                return None
        return [_Piece(text, last) for text in texts]
    except Exception:  # noqa: BLE001 - a parser that changed: the plain search is used
        return None


def _compiled(compile: Callable[[list[str]], re.Pattern[str]], texts: list[str],
              made: dict[tuple[str, ...], re.Pattern[str] | None]) -> re.Pattern[str] | None:
    """``compile(texts)``, made once for characters that allow the same pieces (each of the symbol
    characters allows the one piece of the long symbol class); ``None`` for no pieces."""
    key = tuple(texts)
    if key not in made:
        made[key] = compile(texts) if texts else None
    return made[key]


class PrefixSearch:
    """``compile_prefix_regex(entries).search`` with the same answers. Each alternative starts with
    ``^``, so a match starts at the first character; ``search`` tried every position, and every
    alternative at each. Here only the entries whose matches can begin with the word's first
    character are tried, at the start alone (per first character, a pattern of those entries is
    made when first needed). ``pattern`` is the single pattern's: what spaCy's
    ``Tokenizer.to_bytes`` saves (a tokenizer read back searches with it)."""

    def __init__(self, entries: Sequence[str]) -> None:
        whole = compile_prefix_regex(entries)
        self.pattern: str = whole.pattern
        self._whole = whole
        self._pieces = _pieces(entries, last=False)
        self._by_first: dict[str, re.Pattern[str] | None] = {}
        self._made: dict[tuple[str, ...], re.Pattern[str] | None] = {}

    def _pattern_for(self, char: str) -> re.Pattern[str] | None:
        assert self._pieces is not None
        texts = [piece.text for piece in self._pieces if piece.may_touch(char)]
        pattern = self._by_first[char] = _compiled(compile_prefix_regex, texts, self._made)
        return pattern

    def search(self, string: str) -> re.Match[str] | None:
        if self._pieces is None or not string:
            return self._whole.search(string)
        first = string[0]
        pattern = self._by_first[first] if first in self._by_first else self._pattern_for(first)
        return pattern.match(string) if pattern is not None else None


class SuffixSearch:
    """``compile_suffix_regex(entries).search`` with the same span. Each alternative ends with
    ``$``, so a match ends at the last character: only the entries whose matches can end with it
    are tried (per last character, patterns of those entries are made when first needed), and those
    at most ``width`` characters wide only from that near the end (lookbehinds still see the
    characters before); the others (``\\.\\.+``) are searched in the whole word, and the match that
    starts first is the one the single pattern finds. A word ending with a line break (where ``$``
    matches before it too) is searched with the single pattern. ``pattern``: as for
    :class:`PrefixSearch`."""

    def __init__(self, entries: Sequence[str]) -> None:
        whole = compile_suffix_regex(entries)
        self.pattern: str = whole.pattern
        self._whole = whole
        self._pieces = _pieces(entries, last=True)
        self._width = max((p.width for p in self._pieces or () if p.width < _UNBOUNDED), default=0)
        self._by_last: dict[str, tuple[re.Pattern[str] | None, re.Pattern[str] | None]] = {}
        self._made: dict[tuple[str, ...], re.Pattern[str] | None] = {}

    def _patterns_for(self, char: str) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        assert self._pieces is not None
        pieces = [piece for piece in self._pieces if piece.may_touch(char)]
        near = [piece.text for piece in pieces if piece.width < _UNBOUNDED]
        far = [piece.text for piece in pieces if piece.width >= _UNBOUNDED]
        patterns = self._by_last[char] = (
            _compiled(compile_suffix_regex, near, self._made), _compiled(compile_suffix_regex, far, self._made)
        )
        return patterns

    def search(self, string: str) -> re.Match[str] | None:
        if self._pieces is None or not string or string.endswith("\n"):
            return self._whole.search(string)
        last = string[-1]
        near_pattern, far_pattern = self._by_last[last] if last in self._by_last else self._patterns_for(last)
        near = near_pattern.search(string, max(len(string) - self._width, 0)) if near_pattern is not None else None
        far = far_pattern.search(string) if far_pattern is not None else None
        if far is None or (near is not None and near.start() <= far.start()):
            return near
        return far


class InfixFinder:
    """``compile_infix_regex(entries).finditer`` with the same matches. Every match begins with a
    character that one of the entries can begin with (a hyphen, a full stop, a comma, a symbol …);
    a word without any of them (most words) has no infix, which one character-class search tells,
    where the joined pattern was tried at every position. ``pattern``: as for :class:`PrefixSearch`."""

    def __init__(self, entries: Sequence[str]) -> None:
        whole = compile_infix_regex(entries)
        self.pattern: str = whole.pattern
        self._whole = whole
        self._starts = _start_classes(whole.pattern)

    def finditer(self, string: str) -> Iterator[re.Match[str]]:
        if self._starts is not None and self._starts.search(string) is None:
            return iter(())
        return self._whole.finditer(string)


def _start_classes(pattern: str) -> re.Pattern[str] | None:
    """A pattern of the characters a match of ``pattern`` can begin with (one class, or classes
    joined), or ``None`` when that cannot be told (an alternative that can match nothing, …)."""
    try:
        parsed = _sre_parse.parse(pattern)
    except Exception:  # noqa: BLE001 - a parser that changed: the plain search is used
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    classes = _edge(list(parsed), last=False)  # None for a pattern that can match nothing
    return re.compile("|".join(classes)) if classes else None


class LiteralGuard:
    """A compiled pattern's ``match`` (spaCy's URL match, say) with the same answers, not tried on a
    string that lacks a character every match holds (each URL match holds a ".": a host name before
    its top-level domain, or an IP address). ``pattern``: what ``Tokenizer.to_bytes`` saves."""

    def __init__(self, match: Callable[[str], re.Match[str] | None]) -> None:
        self._match = match
        compiled = getattr(match, "__self__", None)
        self.pattern: str | None = compiled.pattern if isinstance(compiled, re.Pattern) else None
        self._required = _required_characters(self.pattern, compiled.flags) if isinstance(self.pattern, str) else ()

    def match(self, string: str) -> re.Match[str] | None:
        for char in self._required:
            if char not in string:
                return None
        return self._match(string)


def _required_characters(pattern: str, flags: int) -> tuple[str, ...]:
    """The characters every match of ``pattern`` holds, sorted; none when that cannot be told (a
    case-insensitive pattern, a parser that changed): every string is then tried."""
    try:
        parsed = _sre_parse.parse(pattern, flags)
    except Exception:  # noqa: BLE001 - a parser that changed
        return ()
    return () if parsed.state.flags & re.IGNORECASE else tuple(sorted(_required_literals(list(parsed))))


def _required_literals(items: list) -> set[str]:
    """Characters every match of the parsed sequence ``items`` holds (its literal characters outside
    optional parts; those that every alternative of a choice holds)."""
    required: set[str] = set()
    for op, av in items:
        if op is _sre.LITERAL:
            required.add(chr(av))
        elif op is _sre.SUBPATTERN:
            _group, added, _removed, inner = av
            if not added & re.IGNORECASE:
                required |= _required_literals(list(inner))
        elif op is _sre.BRANCH:
            required |= set.intersection(*(_required_literals(list(branch)) for branch in av[1]))
        elif op in _REPEATS:
            low, _high, inner = av
            if low:
                required |= _required_literals(list(inner))
        elif op is getattr(_sre, "ATOMIC_GROUP", None):
            required |= _required_literals(list(av))
    return required
