"""Paper identifiers (DOI, arXiv, PubMed, PMC, OpenAlex, Semantic Scholar): normalise what sources
write into one bare form per scheme, rank schemes by strength, and give each its resolver URL."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

#: Schemes from strongest to weakest: the strongest one present names a paper's node.
SCHEMES: tuple[str, ...] = ("doi", "arxiv", "pmid", "pmcid", "openalex", "s2")

#: Where each identifier resolves (``{}`` is the bare value).
RESOLVERS: dict[str, str] = {
    "doi": "https://doi.org/{}",
    "arxiv": "https://arxiv.org/abs/{}",
    "pmid": "https://pubmed.ncbi.nlm.nih.gov/{}/",
    "pmcid": "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/",
    "openalex": "https://openalex.org/{}",
    "s2": "https://www.semanticscholar.org/paper/{}",
}

_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_ARXIV_PREFIX = re.compile(r"^(?:https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/|arxiv:\s*)", re.IGNORECASE)
_ARXIV_NEW = re.compile(r"^(\d{4}\.\d{4,5})(?:v\d+)?(?:\.pdf)?$")
_ARXIV_OLD = re.compile(r"^([a-z][a-z-]*(?:\.[a-z]{2})?/\d{7})(?:v\d+)?(?:\.pdf)?$", re.IGNORECASE)
_PMID = re.compile(r"^(?:https?://(?:www\.)?(?:pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov/pubmed)/|pmid:\s*)?(\d{1,9})/?$", re.IGNORECASE)
_PMCID = re.compile(r"^(?:https?://(?:www\.)?ncbi\.nlm\.nih\.gov/pmc/articles/)?(?:pmc)?(\d{1,9})/?$", re.IGNORECASE)
_OPENALEX = re.compile(r"^(?:https?://openalex\.org/)?(W\d+)$", re.IGNORECASE)
_S2 = re.compile(r"^(?:https?://(?:www\.|api\.)?semanticscholar\.org/(?:paper/|graph/v1/paper/)(?:[^/]+/)?)?([0-9a-f]{40})$", re.IGNORECASE)


def normalise_doi(value: object) -> str | None:
    """'https://doi.org/10.1073/PNAS.2105646118' -> '10.1073/pnas.2105646118' (DOIs are case-blind)."""
    text = _DOI_PREFIX.sub("", str(value or "").strip()).strip().rstrip(".").lower()
    return text if _DOI.match(text) else None


def normalise_arxiv(value: object) -> str | None:
    """'arXiv:2310.01234v2', 'http://arxiv.org/abs/2310.01234v2' -> '2310.01234' (versions dropped)."""
    text = _ARXIV_PREFIX.sub("", str(value or "").strip()).strip()
    doi = _ARXIV_DOI.match(normalise_doi(text) or "")
    if doi:
        text = doi.group(1)
    match = _ARXIV_NEW.match(text) or _ARXIV_OLD.match(text)
    return match.group(1).lower() if match else None


def normalise(scheme: str, value: object) -> str | None:
    """The bare, canonical form of ``value`` in ``scheme``, or None if it is not one."""
    if value is None or value == "":
        return None
    if scheme == "doi":
        return normalise_doi(value)
    if scheme == "arxiv":
        return normalise_arxiv(value)
    text = str(value).strip()
    pattern = {"pmid": _PMID, "pmcid": _PMCID, "openalex": _OPENALEX, "s2": _S2}.get(scheme)
    if pattern is None:
        return None
    match = pattern.match(text)
    if not match:
        return None
    bare = match.group(1)
    return {"pmcid": f"PMC{bare}", "openalex": bare.upper(), "s2": bare.lower()}.get(scheme, bare)


def identifiers(**raw: object) -> dict[str, str]:
    """Normalise several at once, dropping what does not parse; an arXiv DOI (10.48550/arXiv.…)
    counts as the arXiv id, not as the paper's DOI."""
    found: dict[str, str] = {}
    for scheme, value in raw.items():
        if scheme == "doi":
            arxiv = normalise_arxiv(value) if _ARXIV_DOI.match(normalise_doi(value) or "") else None
            if arxiv:
                found.setdefault("arxiv", arxiv)
                continue
        bare = normalise(scheme, value)
        if bare:
            found[scheme] = bare
    return {scheme: found[scheme] for scheme in SCHEMES if scheme in found}


#: What may stay unencoded in an identifier value placed in a resolver URL path (RFC 3986 pchar and
#: "/"); everything else ("%", "#", "?", spaces, non-ASCII, …) is percent-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def url(scheme: str, value: str) -> str | None:
    """The resolver URL of one identifier, e.g. ('doi', '10.1/x') -> 'https://doi.org/10.1/x'. The
    value is percent-encoded first, so '10.1000/a#b' gives 'https://doi.org/10.1000/a%23b', a valid
    IRI that resolves to that DOI (not to the DOI '10.1000/a' with a fragment)."""
    template = RESOLVERS.get(scheme)
    return template.format(quote(value, safe=_PATH_SAFE)) if template else None


def curies(ids: Mapping[str, str]) -> list[str]:
    """Identifiers as sorted "scheme:value" strings (how graph nodes carry them)."""
    return sorted(f"{scheme}:{value}" for scheme, value in ids.items())


def parse_curie(text: str) -> tuple[str, str]:
    """Inverse of :func:`curies` for one item: 'doi:10.1/x' -> ('doi', '10.1/x')."""
    scheme, _, value = text.partition(":")
    return scheme, value
