"""One ``kg build`` at a time per output folder: an advisory lock on ``.kg-build.lock`` there, held
for the whole build; once it holds the lock, a build removes the temporary files a killed one left.

The lock is a POSIX record lock (``fcntl.lockf``): it belongs to the build's process alone, so
worker processes it forks never hold it, and it ends with the process however that ends."""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: builds are not locked, leftovers stay
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".kg-build.lock"
# what kg.atomic (and the Turtle process) name a file while it is written: ".NAME.XXXXXXXX.tmp"
# (tempfile.mkstemp's eight random characters)
_TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


@dataclass(frozen=True)
class Leftover:
    """A temporary file a stopped build left behind, and its size in bytes."""

    path: Path
    size: int


@contextlib.contextmanager
def output_lock(out_dir: Path, folders: Iterable[str] = ()) -> Iterator[list[Leftover]]:
    """Hold ``out_dir``'s build lock for the block and give the leftovers removed once it was taken:
    the temporary files in ``out_dir`` and in its sub-folders ``folders`` (the folder formats'),
    which no running build can be writing. Raises ``OSError`` (``EBUSY``) naming the folder when
    another build holds the lock. Where the file system cannot lock (some network file systems),
    or on Windows, the build runs unlocked and leaves any leftovers alone."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield []
        return
    with open(out_dir / LOCK_NAME, "a+", encoding="utf-8") as handle:
        if not _lock(handle.fileno(), out_dir):  # no locks here: nothing can be known about other builds
            yield []
            return
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield _remove_leftovers([out_dir, *(out_dir / name for name in folders)])


def _lock(descriptor: int, out_dir: Path) -> bool:
    """Take the lock on the open lock file: ``True``; ``False`` where the file system has no locks.
    Raises ``OSError`` (``EBUSY``) naming the folder, and the process holding it, when it is taken."""
    try:
        fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno not in (errno.EAGAIN, errno.EACCES):
            return False
        holder = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
        raise OSError(errno.EBUSY, f"another kg build{f' (process {holder})' if holder.isdigit() else ''} "
                                   "is writing to this folder", str(out_dir)) from None
    return True


def _remove_leftovers(folders: list[Path]) -> list[Leftover]:
    removed = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(".*.tmp")):
            if not _TEMPORARY.fullmatch(path.name) or not path.is_file() or path.is_symlink():
                continue
            size = path.stat().st_size
            path.unlink(missing_ok=True)
            removed.append(Leftover(path, size))
    return removed
