"""Stable keys for papers and entities: normalised names (as the eval guide defines them) and
URL-safe slugs from which node ids and IRIs are minted."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

ENTITY_BASE = "https://w3id.org/neuroai-kg/id/"
_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=1 << 16)  # the extractors look up every candidate surface form
def normalise_name(name: str) -> str:
    """Lower-case, letters and digits only, one trailing "s" dropped ("CIFAR-10" = "cifar10",
    "RNNs" = "rnn"): two surface forms with the same result are the same entity. Unlike the
    scorer's rule (kg.eval.score.normalise_name) it keeps a final "ss" ("loss", "class"), so
    such words do not lose a letter in node ids."""
    text = "".join(c for c in name.casefold() if c.isalnum())
    if len(text) > 3 and text.endswith("s") and not text.endswith("ss"):
        text = text[:-1]
    return text


def slug(text: str) -> str:
    """A readable, URL-safe slug; non-ASCII text keeps a hash so different names never collide."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    full = _SLUG_UNSAFE.sub("-", folded).strip("-")
    if full and len(full) <= 60 and all(ord(c) < 128 for c in text) and full == text.lower().strip("-"):
        return full  # the text was already a slug: keep it as is
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
    base = full[:50].strip("-")
    return f"{base}-{digest}" if base else digest


def paper_key(title_key: str, title: str) -> str:
    """Node id for a paper: a readable slug of its title plus a hash of its normalised title."""
    digest = hashlib.sha1(title_key.encode("utf-8")).hexdigest()[:10]
    base = _SLUG_UNSAFE.sub("-", unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower())
    base = base.strip("-")[:50].strip("-")
    return f"paper/{base}-{digest}" if base else f"paper/{digest}"


def entity_key(type_: str, name: str) -> str:
    """Node id for an entity not in the vocabulary, e.g. ("Method", "Neuro-Former") -> "method/neuroformer"."""
    normal = normalise_name(name)
    # non-ASCII symbols (emoji, ∑, ™) are not letters but do tell names apart: keep them in the key
    symbols = "".join(c for c in name if not c.isascii() and unicodedata.category(c).startswith("S"))
    if normal and symbols:
        normal += symbols
    return f"{type_.lower()}/{slug(normal) if normal else slug(name)}"
