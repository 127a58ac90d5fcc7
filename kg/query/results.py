"""Writes query answers in the SPARQL 1.1 result formats (JSON, CSV, TSV), as an aligned text
table for people, and graph answers (CONSTRUCT/DESCRIBE) as Turtle or N-Triples."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph

from kg.export.rdf import PREFIXES
from kg.query.engine import QueryResult

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
}


def _json_term(term) -> dict:
    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, pyoxigraph.Literal):
        item = {"type": "literal", "value": term.value}
        if term.language:
            item["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            item["datatype"] = term.datatype.value
        return item
    return {"type": "triple", "value": {k: _json_term(v) for k, v in zip(("subject", "predicate", "object"), term)}}


def to_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON (https://www.w3.org/TR/sparql11-results-json/)."""
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": result.boolean}) + "\n"
    bindings = [{var: _json_term(term) for var, term in zip(result.variables, row) if term is not None} for row in result.rows]
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}}, ensure_ascii=False, indent=1) + "\n"


def _plain(term) -> str:
    if term is None:
        return ""
    if isinstance(term, pyoxigraph.BlankNode):
        return f"_:{term.value}"
    return term.value if hasattr(term, "value") else str(term)


def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 CSV results: plain values, CRLF line ends (https://www.w3.org/TR/sparql11-results-csv-tsv/)."""
    if result.kind == "ask":
        return f"_askResult\r\n{'true' if result.boolean else 'false'}\r\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.variables)
    writer.writerows([_plain(term) for term in row] for row in result.rows)
    return buffer.getvalue()


def to_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 TSV results: terms in Turtle/N-Triples syntax, ``?var`` header."""
    if result.kind == "ask":
        return f"?_askResult\n{'true' if result.boolean else 'false'}\n"
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines += ["\t".join("" if term is None else str(term) for term in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def _short(term, width: int) -> str:
    if term is None:
        text = ""
    elif isinstance(term, pyoxigraph.NamedNode):
        text = term.value
        for prefix, namespace in sorted(PREFIXES.items(), key=lambda p: -len(p[1])):
            if text.startswith(namespace):
                text = f"{prefix}:{text[len(namespace):]}"
                break
    else:
        text = _plain(term)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def to_table(result: QueryResult, width: int = 70) -> str:
    """An aligned text table for the terminal (long values cut at ``width`` characters)."""
    if result.kind == "ask":
        return ("yes" if result.boolean else "no") + "\n"
    cells = [[_short(term, width) for term in row] for row in result.rows]
    widths = [max([len(v)] + [len(r[i]) for r in cells]) for i, v in enumerate(result.variables)]
    lines = [" | ".join(v.ljust(w) for v, w in zip(result.variables, widths)).rstrip(),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    footer = f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''}{', truncated' if result.truncated else ''})"
    return "\n".join(lines + [footer]) + "\n"


def graph_text(result: QueryResult, fmt: str = "turtle") -> str:
    """A CONSTRUCT/DESCRIBE answer as Turtle (with the graph's prefixes) or N-Triples."""
    rdf_format = pyoxigraph.RdfFormat.TURTLE if fmt == "turtle" else pyoxigraph.RdfFormat.N_TRIPLES
    prefixes = {k: str(v) for k, v in PREFIXES.items()} if fmt == "turtle" else None
    return pyoxigraph.serialize(result.triples, format=rdf_format, prefixes=prefixes).decode("utf-8")


def render(result: QueryResult, fmt: str) -> str:
    """The answer in ``fmt`` (table, csv, tsv, json; graph answers: turtle, ntriples)."""
    if result.kind == "graph":
        return graph_text(result, "ntriples" if fmt in {"ntriples", "tsv", "csv"} else "turtle")
    return {"table": to_table, "csv": to_csv, "tsv": to_tsv, "json": to_json}[fmt](result)
