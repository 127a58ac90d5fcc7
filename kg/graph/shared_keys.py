"""Plain ``dict`` objects for the graph's edges that share one key table per shape (CPython's
key-sharing dicts, PEP 412): read, written and serialised like any dict, in about half the memory."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from functools import cache
from typing import Any

_PROBES = 64  # dicts made to see what a dict of a shape costs once its class has settled
_new = object.__new__
_UNKNOWN = object()  # a shape not met before


class SharedKeyDicts:
    """Makes dicts whose keys are shared with the other dicts of the same shape it made.
    ``make(items)``: a dict equal to ``items``; ``single(key, value)``: ``{key: value}``.

    A dict made by a literal or ``dict()`` carries its own table of keys: 184 bytes on CPython 3.11
    for one to five keys, a third of a big graph's memory over 1.5 million edges (each edge's
    attributes, and the dict keyed by edge type that networkx keeps per pair of nodes). An
    instance's ``__dict__`` is the one dict CPython lets share its keys with every other instance
    of its class: 80 bytes for one key, 104–112 for four or five. So each shape (the keys, in order)
    gets a class of its own, and a dict of that shape is the ``__dict__`` of a bare instance of it,
    filled key by key (``dict.update`` would unshare it). The instance is dropped; the dict lives
    on, a plain ``dict`` (``type(d) is dict``): equal, ordered, mutable, marshalled, pickled and
    written by orjson as any other. A dict given a key its class has not seen, or one deleted, may
    stop sharing, and simply costs what an ordinary dict does. Where sharing would not save memory
    (an interpreter without key-sharing dicts, keys that are not all strings), the dicts made are
    ordinary ones."""

    __slots__ = ("_classes", "_on")

    def __init__(self) -> None:
        self._classes: dict[tuple[Any, ...], type | None] = {}
        self._on = sharing_pays()

    def _class(self, shape: tuple[Any, ...]) -> type | None:
        cls = self._classes.get(shape, _UNKNOWN)
        if cls is _UNKNOWN:
            shares = self._on and all(type(key) is str for key in shape)
            cls = self._classes[shape] = type("SharedKeys", (), {"__slots__": ("__dict__",)}) if shares else None
        return cls  # type: ignore[return-value]

    def make(self, items: Mapping[Any, Any]) -> dict[Any, Any]:
        """A dict with the items of ``items``, in their order."""
        cls = self._class(tuple(items))
        if cls is None:
            return dict(items)
        made: dict[Any, Any] = _new(cls).__dict__
        for key, value in items.items():
            made[key] = value
        return made

    def single(self, key: Any, value: Any) -> dict[Any, Any]:
        """``{key: value}``."""
        cls = self._class((key,))
        if cls is None:
            return {key: value}
        made: dict[Any, Any] = _new(cls).__dict__
        made[key] = value
        return made


@cache
def sharing_pays() -> bool:
    """Whether this interpreter's key-sharing dicts are smaller than ordinary ones (CPython's are;
    ``sys.getsizeof`` is not there to ask on some others)."""
    cls = type("Probe", (), {"__slots__": ("__dict__",)})
    try:
        for _ in range(_PROBES):  # the first dicts of a class are made with room for more keys
            probe = _new(cls).__dict__
            probe["type"] = probe["evidence"] = None
        return sys.getsizeof(probe) < sys.getsizeof({"type": None, "evidence": None})
    except TypeError:
        return False


__all__ = ["SharedKeyDicts", "sharing_pays"]
