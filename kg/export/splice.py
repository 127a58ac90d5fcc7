"""Rewriting a sorted output file from an earlier version of it: the runs of "owners" (nodes) whose
part did not change are copied from the old file by byte range; only the others are made again."""

from __future__ import annotations

import contextlib
import os
from array import array
from collections.abc import Callable, Collection, Hashable, Iterator, Sequence
from itertools import repeat
from pathlib import Path

import numpy as np

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
              changed: Collection[Hashable]) -> tuple[Plan, Callable[[int], int]]:
    """The plan for writing ``owners`` over a file that held ``old_owners``, each beginning at
    ``old_starts`` (-1 where an owner's part does not begin a place of its own): copy a run of
    unchanged owners that follow one another in the old file too, each beginning a place of its
    own there, and ending where another one begins. Also where each owner was in ``old_owners``
    (by its index in ``owners``; -1 where it was not). The runs are found for all owners at once
    (arrays): asking is cheap wherever it is asked, and no table of the old owners outlives the call."""
    positions = {owner: i for i, owner in enumerate(old_owners)}
    old = np.fromiter(map(positions.get, owners, repeat(-1)), dtype=np.int64, count=len(owners))  # -1: not there
    del positions  # a big file's owners: tens of megabytes
    return copy_plan_at(owners, old, old_starts, changed)


def copy_plan_at(owners: Sequence[Hashable], old: np.ndarray, old_starts: Sequence[int],
                 changed: Collection[Hashable]) -> tuple[Plan, Callable[[int], int]]:
    """:func:`copy_plan` for a caller that knows where each owner was in the old file already
    (``old[i]``: the old index of ``owners[i]``, -1 where it was not there)."""
    changed = changed if isinstance(changed, (set, frozenset, dict)) else set(changed)
    count = len(owners)
    starts = np.asarray(old_starts, dtype=np.int64)
    # an owner can be copied: it is in the old file, did not change, and began a place of its own
    ok = (old >= 0) & ~np.fromiter(map(changed.__contains__, owners), dtype=bool, count=count)
    ok[ok] = starts[old[ok]] >= 0
    # and the run goes on to the next owner when that one can be copied too and came next there
    goes_on = np.zeros(count, dtype=bool)
    goes_on[:-1] = ok[:-1] & ok[1:] & (old[1:] == old[:-1] + 1)
    ends = np.flatnonzero(~goes_on)  # where each run ends (the last owner always ends one)
    old_count = len(starts)

    def plan(index: int) -> int:
        if not ok[index]:
            return 0
        n = int(ends[np.searchsorted(ends, index)]) - index + 1
        after = int(old[index]) + n
        if after < old_count and starts[after] < 0:  # the next old owner shares the run's last place
            n -= 1
        return n

    def where(index: int) -> int:
        return int(old[index])

    return plan, where


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
