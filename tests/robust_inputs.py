"""Writers that put paper records into every input format the readers accept, each with that
format's own escaping, for the robustness and fuzz tests (not a test module itself)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape as _escape

from kg.export.attributes import xml_safe

Record = tuple[str, str]  # (title, abstract)

ABSTRACT = "We train a transformer on ImageNet and record EEG. It improves accuracy by 5% over CNNs."
#: quotes, markup, entities, newlines and tabs, right-to-left text and a direction override, emoji
#: with joiners, and the characters LaTeX, Turtle and CSV treat specially
HOSTILE_TITLES = [
    'Quotes "double" and \'single\' in a title',
    "<script>alert(1)</script> & <b>bold</b> <img src=x onerror=alert(2)>",
    "Tabs\tand\nnewlines\r\nin a title",
    "RTL: العربية עברית \u202e reversed \u202c text",
    "Emoji 🧠🤖 and a joined 👩‍🔬 scientist",
    "Entities &amp; &lt;tag&gt; &#x27; stay text",
    "{Braces} $math$ 50% #hash back\\slash ~tilde under_score",
    '"""Triple""" quotes ; , | >>> ]]> -->',
]

_LATEX_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
                   "#": r"\#", "_": r"\_", "-": "{-}", "`": "{`}", "'": "{'}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def escape(text: str) -> str:
    """XML character data: markup escaped, characters XML 1.0 cannot hold dropped (as any XML writer must)."""
    return _escape(xml_safe(text))


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIALS.get(c, c) for c in text)


def jsonl(records: Sequence[Record]) -> str:
    return "".join(json.dumps({"title": t, "abstract": a}, ensure_ascii=False) + "\n" for t, a in records)


def json_array(records: Sequence[Record]) -> str:
    return json.dumps([{"title": t, "abstract": a} for t, a in records], ensure_ascii=False, indent=1)


def csv_rows(records: Sequence[Record]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["title", "abstract"])
    writer.writerows(records)
    return buffer.getvalue()


def daily(records: Sequence[Record]) -> str:
    """A listing page: a title line, then the abstract paragraph (one line each)."""
    return "".join(f"{' '.join(t.split())}\n\n{' '.join(a.split())}\n\n" for t, a in records)


def bibtex(records: Sequence[Record]) -> str:
    return "".join(f"@article{{k{i},\n  title = {{{latex_escape(t)}}},\n  abstract = {{{latex_escape(a)}}}\n}}\n\n"
                   for i, (t, a) in enumerate(records))


def arxiv(records: Sequence[Record]) -> str:
    entries = "".join(f"<entry><id>http://arxiv.org/abs/2401.{i:05d}v1</id><title>{escape(t)}</title>"
                      f"<summary>{escape(a)}</summary></entry>\n" for i, (t, a) in enumerate(records))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n{entries}</feed>\n'


def pubmed(records: Sequence[Record]) -> str:
    articles = "".join(f"<PubmedArticle><MedlineCitation><PMID>{i + 1}</PMID><Article><ArticleTitle>{escape(t)}"
                       f"</ArticleTitle><Abstract><AbstractText>{escape(a)}</AbstractText></Abstract></Article>"
                       f"</MedlineCitation></PubmedArticle>\n" for i, (t, a) in enumerate(records))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>\n{articles}</PubmedArticleSet>\n'


def _inverted(abstract: str) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for position, word in enumerate(abstract.split()):
        index.setdefault(word, []).append(position)
    return index


def openalex(records: Sequence[Record]) -> str:
    works = [{"id": f"https://openalex.org/W{i + 1}", "title": t, "abstract_inverted_index": _inverted(a)}
             for i, (t, a) in enumerate(records)]
    return json.dumps({"results": works}, ensure_ascii=False)


def semantic_scholar(records: Sequence[Record]) -> str:
    return json.dumps({"data": [{"paperId": f"{i:040x}", "title": t, "abstract": a} for i, (t, a) in enumerate(records)]},
                      ensure_ascii=False)


#: reader name -> (file name, writer)
WRITERS: dict[str, tuple[str, Callable[[Sequence[Record]], str]]] = {
    "jsonl": ("papers.jsonl", jsonl),
    "json": ("papers.json", json_array),
    "csv": ("papers.csv", csv_rows),
    "daily-papers": ("papers.txt", daily),
    "bibtex": ("papers.bib", bibtex),
    "arxiv": ("papers.xml", arxiv),
    "pubmed": ("pubmed.xml", pubmed),
    "openalex": ("works.json", openalex),
    "semantic-scholar": ("s2.json", semantic_scholar),
}
