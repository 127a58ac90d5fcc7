"""Reader for PubMed XML (PubmedArticleSet, as saved from PubMed or E-utilities efetch): PMID,
title, structured abstract with its labels, authors, journal, dates, MeSH terms, DOI and PMC id."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from kg.identifiers import identifiers
from kg.ingest.base import (
    ReadLog,
    clean_text,
    iso_date,
    new_paper,
    split_keywords,
    year_of,
)
from kg.ingest.xml_records import child, children, iter_records, local, text_of
from kg.model import Paper


def _abstract(article: Element | None) -> str:
    """Sections joined in order, each led by its label: "BACKGROUND: … METHODS: …"."""
    parts = []
    for section in children(child(article, "Abstract"), "AbstractText"):
        body = text_of(section)
        label = clean_text(section.get("Label"))
        if body:
            parts.append(f"{label}: {body}" if label else body)
    return " ".join(parts)


def _title(text: str) -> str:
    """PubMed ends titles with a period and brackets translated ones: "[Title]." -> "Title"."""
    text = text[:-1] if text.endswith(".") and not text.endswith("..") else text
    return text[1:-1] if text.startswith("[") and text.endswith("]") else text


def _authors(article: Element | None) -> list[str]:
    names = []
    for author in children(child(article, "AuthorList"), "Author"):
        collective = text_of(child(author, "CollectiveName"))
        given = text_of(child(author, "ForeName")) or text_of(child(author, "Initials"))
        name = collective or " ".join(p for p in (given, text_of(child(author, "LastName"))) if p)
        if name:
            names.append(name)
    return names


def _date(element: Element | None) -> tuple[str | None, int | None]:
    """(ISO date when complete, year) of a PubDate/ArticleDate; MedlineDate "2023 Jan-Feb" gives a year."""
    if element is None:
        return None, None
    year = text_of(child(element, "Year"))
    date = iso_date(year, text_of(child(element, "Month")) or None, text_of(child(element, "Day")) or None)
    return date, year_of(year) or year_of(text_of(child(element, "MedlineDate")))


def _article(record: Element, source: str, line: int, log: ReadLog) -> Paper | None:
    book = local(record.tag) == "PubmedBookArticle"  # a book chapter: same fields, other places
    citation = child(record, "BookDocument" if book else "MedlineCitation")
    article = citation if book else child(citation, "Article")
    id_list = child(record, "PubmedBookData" if book else "PubmedData", "ArticleIdList")
    ids = {clean_text(i.get("IdType")).lower(): text_of(i) for i in children(id_list, "ArticleId")}
    elocation = {clean_text(e.get("EIdType")).lower(): text_of(e) for e in children(article, "ELocationID")}
    issue_date = _date(child(citation, "Book", "PubDate") if book else child(article, "Journal", "JournalIssue", "PubDate"))
    online_date = _date(child(article, "ArticleDate"))
    mesh = [text_of(child(h, "DescriptorName")) for h in children(child(citation, "MeshHeadingList"), "MeshHeading")]
    keywords = [text_of(k) for kl in children(citation, "KeywordList") for k in children(kl, "Keyword")]
    pmid = text_of(child(citation, "PMID")) or ids.get("pubmed", "")
    title = text_of(child(article, "ArticleTitle")) or (text_of(child(citation, "Book", "BookTitle")) if book else "")
    return new_paper(
        source, line, log,
        what=f"{local(record.tag)} {pmid or '(no PMID)'}",
        title=_title(title),
        abstract=_abstract(article),
        id=pmid,
        authors=_authors(article),
        date=issue_date[0] or online_date[0],
        year=issue_date[1] or online_date[1],
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None,
        identifiers=identifiers(doi=ids.get("doi") or elocation.get("doi"), pmid=pmid, pmcid=ids.get("pmc")),
        venue=text_of(child(citation, "Book", "BookTitle") if book else child(article, "Journal", "Title")),
        keywords=split_keywords(keywords),
        mesh=tuple(dict.fromkeys(m for m in mesh if m)),
    )


def read_pubmed(path: Path, log: ReadLog) -> Iterator[Paper]:
    """Yield one Paper per PubmedArticle (or PubmedBookArticle); records without a title or
    abstract are reported and skipped."""
    source = str(path)
    for record, line in iter_records(path, frozenset({"PubmedArticle", "PubmedBookArticle"}), log):
        paper = _article(record, source, line, log)
        if paper is not None:
            yield paper
