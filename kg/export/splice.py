"""Rewriting a sorted output file from an earlier version of it: the runs of "owners" (nodes) whose
part did not change are copied from the old file by byte range; only the others are made again."""

from __future__ import annotations

import contextlib
import os
from array import array
from collections.abc import Callable, Collection, Hashable, Iterator, Sequence
from pathlib import Path

#: Given the index of an owner at a place where its part begins, how many owners from there on to
#: copy from the old file instead of making them.
Plan = Callable[[int], int]


def offsets(count: int) -> array:
    """``count`` offsets, all -1 (an array of 8-byte ints: a big file has millions of parts)."""
    return array("q", [-1]) * count


def offsets_from(data: bytes) -> array:
    """The offsets that ``bytes(array)`` gave (as an index is saved)."""
    found = array("q")
    found.frombytes(data)
    return found


def no_copies(index: int) -> int:
    """The plan of a file written from scratch."""
    return 0


def copy_plan(owners: Sequence[Hashable], old_owners: Sequence[Hashable], old_starts: Sequence[int],
              changed: Collection[Hashable]) -> tuple[Plan, dict[Hashable, int]]:
    """The plan for writing ``owners`` over a file that held ``old_owners``, each beginning at
    ``old_starts`` (-1 where an owner's part does not begin a place of its own): copy a run of
    unchanged owners that follow one another in the old file too, each beginning a place of its
    own there, and ending where another one begins. Also the old position of every old owner."""
    positions = {owner: i for i, owner in enumerate(old_owners)}
    changed = set(changed)

    def plan(index: int) -> int:
        owner = owners[index]
        j = positions.get(owner, -1)
        if j < 0 or owner in changed or old_starts[j] < 0:
            return 0
        n = 1
        while (index + n < len(owners) and j + n < len(old_owners) and owners[index + n] == old_owners[j + n]
               and owners[index + n] not in changed and old_starts[j + n] >= 0):
            n += 1
        if j + n < len(old_owners) and old_starts[j + n] < 0:
            n -= 1
        return n

    return plan, positions


@contextlib.contextmanager
def open_old(path: Path, size: int) -> Iterator[int]:
    """A descriptor on the file now at ``path`` (read while its replacement is written), which must
    be ``size`` bytes long as its index says; ``ValueError`` naming the file otherwise."""
    fd = os.open(path, os.O_RDONLY)
    try:
        if os.fstat(fd).st_size != size:
            raise ValueError(f"{path} is not the file its index describes ({os.fstat(fd).st_size} bytes, not {size})")
        yield fd
    finally:
        os.close(fd)
