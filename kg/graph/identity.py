"""Which records are the same paper (shared DOI/arXiv/PMID/… id, else the same normalised title
without conflicting ids) and the stable node ids of papers and people."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from kg.identifiers import SCHEMES
from kg.keys import paper_key
from kg.model import Paper

#: Latin letters that Unicode does not decompose into an ASCII base letter.
_LATIN = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ł": "l",
                        "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i"})
_UNSAFE = re.compile(r"[^a-z0-9._-]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")  # compiled once: person_key runs for every author of every paper
_NOT_WORD = re.compile(r"\W+")
_DOI_PREFIX = re.compile(r"^10\.[0-9.]+$")


def _id_slug(scheme: str, value: str) -> str:
    """'doi', '10.1073/pnas.2105646118' -> 'doi-10.1073_pnas.2105646118'. The first "/" becomes "_"
    (a DOI prefix or arXiv archive never holds one, so this is reversible); anything else outside
    the slug alphabet is replaced and a hash of the value keeps such ids distinct."""
    text = value.lower()
    head, slash, tail = text.partition("/")
    readable = f"{head}_{tail}" if slash else text
    if _UNSAFE.search(readable) or len(readable) > 80 or (scheme == "doi" and not _DOI_PREFIX.match(head)):
        digest = hashlib.sha1(value.encode("utf-8")).hexdigest()[:10]
        readable = f"{_UNSAFE.sub('-', readable)[:60].strip('-')}-{digest}"
    return f"{scheme}-{readable}"


def paper_node_ids(papers: Sequence[Paper], keys: Sequence[str] | None = None) -> list[str]:
    """The node id of each paper (same order). Papers sharing any identifier are one paper;
    otherwise papers with the same normalised title are one paper unless both carry different
    values of one scheme (two DOIs: two papers). A paper's id comes from the strongest identifier
    of its group (order of ``kg.identifiers.SCHEMES``: DOI > arXiv > PMID > PMC > OpenAlex > S2),
    else from its title exactly as before identifiers existed. Give papers in a fixed order
    (assemble sorts them) and the result is deterministic; ``keys``, when given, are the papers'
    ``Paper.key`` values already made."""
    parent = list(range(len(papers)))
    ids: dict[int, dict[str, set[str]]] = {
        i: {scheme: {value} for scheme, value in paper.identifiers.items()} for i, paper in enumerate(papers)
    }

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> int:
        ra, rb = sorted((find(a), find(b)))
        if ra != rb:
            parent[rb] = ra
            for scheme, values in ids.pop(rb).items():
                ids[ra].setdefault(scheme, set()).update(values)
        return ra

    owner: dict[tuple[str, str], int] = {}
    for index, paper in enumerate(papers):
        for item in paper.identifiers.items():
            owner[item] = union(owner[item], index) if item in owner else index

    def compatible(a: int, b: int) -> bool:
        mine, theirs = ids[a], ids[b]
        return all(mine[s] & theirs[s] for s in mine.keys() & theirs.keys())

    by_title: dict[str, list[int]] = {}
    for index, paper in enumerate(papers):
        by_title.setdefault(keys[index] if keys is not None else paper.key, []).append(index)
    for members in by_title.values():
        groups: list[int] = []  # one member of each distinct paper sharing this title
        for index in members:
            match = next((g for g in groups if find(g) == find(index) or compatible(find(g), find(index))), None)
            if match is None:
                groups.append(index)
            else:
                union(match, index)

    names: dict[int, str] = {}
    for index in range(len(papers)):
        root = find(index)
        if root not in names:
            scheme = next((s for s in SCHEMES if s in ids[root]), None)
            if scheme is None:
                names[root] = paper_key(keys[root] if keys is not None else papers[root].key, papers[root].title)
            else:
                names[root] = f"paper/{_id_slug(scheme, min(ids[root][scheme]))}"
    return [names[find(index)] for index in range(len(papers))]


@lru_cache(maxsize=1 << 16)  # author names repeat across papers
def person_key(name: str) -> str:
    """Node id of an author: accents and case folded, so "José García" and "Jose Garcia" are one
    person ("person/jose-garcia"); names with no Latin letters get a hash."""
    folded = unicodedata.normalize("NFKD", name.translate(_LATIN)).encode("ascii", "ignore").decode().lower()
    base = _NOT_ALNUM.sub("-", folded).strip("-")
    if not base or len(base) < len(_NOT_WORD.sub("", name)) / 2:
        digest = hashlib.sha1(unicodedata.normalize("NFC", name).casefold().encode("utf-8")).hexdigest()[:10]
        base = f"{base[:40]}-{digest}".strip("-")
    return f"person/{base}"
