"""Where kg keeps what it can make again but would rather not, between runs (compiled pattern
databases): ``$KG_CACHE_DIR``, else ``$XDG_CACHE_HOME/neuroai-kg``, else ``~/.cache/neuroai-kg``."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from kg.atomic import atomic_open_binary

_MAGIC = b"kg-user-cache 1\n"


def user_cache_dir() -> Path | None:
    """The cache folder (it may not exist yet); ``None`` when ``KG_CACHE_DIR`` is set but empty,
    which turns the cache off."""
    chosen = os.environ.get("KG_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "neuroai-kg"


def cache_key(*parts: bytes | str | int) -> str:
    """A file-name-safe digest of ``parts`` (their order matters)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()[:40]


def read_cached(name: str) -> bytes | None:
    """The bytes stored under ``name``, or ``None`` when there are none, or they are damaged (each
    entry carries a SHA-256 of its bytes) or cannot be read."""
    folder = user_cache_dir()
    if folder is None:
        return None
    try:
        data = (folder / name).read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + 65
    if not data.startswith(_MAGIC) or len(data) < head:
        return None
    payload = data[head:]
    if hashlib.sha256(payload).hexdigest().encode("ascii") != data[len(_MAGIC) : head - 1]:
        return None
    return payload


def write_cached(name: str, payload: bytes) -> None:
    """Store ``payload`` under ``name``, whole or not at all; a folder that cannot be written only
    means no cache (the caller has what it needs)."""
    folder = user_cache_dir()
    if folder is None:
        return
    try:
        with atomic_open_binary(folder / name, sync=False) as stream:  # checked when read
            stream.write(_MAGIC + hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n" + payload)
    except OSError:
        return
