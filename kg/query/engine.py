"""Loads a built graph into an in-memory Oxigraph store and runs SPARQL on it, lazily and with an
optional row cap and deadline; also reads the named example queries and binds their parameters."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pyoxigraph

FORMATS = {".nt": pyoxigraph.RdfFormat.N_TRIPLES, ".ttl": pyoxigraph.RdfFormat.TURTLE, ".nq": pyoxigraph.RdfFormat.N_QUADS,
           ".trig": pyoxigraph.RdfFormat.TRIG, ".jsonld": pyoxigraph.RdfFormat.JSON_LD, ".rdf": pyoxigraph.RdfFormat.RDF_XML}
BUILD_FILES = ("graph.nt", "graph.ttl")
_VALUES = r"VALUES\s+\?{name}\s*\{{[^}}]*\}}"
_PARAM = re.compile(r"^#\s*param\s+(\w+)\s*=\s*(.*?)\s*(?::\s*(.*))?$")


class QueryTimeout(Exception):
    """The query ran past its deadline (raised between solutions)."""


def graph_file(path: Path) -> Path:
    """The RDF file behind ``--graph``: the file itself, or a build folder's graph.nt (else graph.ttl)."""
    path = Path(path)
    if path.is_dir():
        for name in BUILD_FILES:
            if (path / name).exists():
                return path / name
        raise FileNotFoundError(f"{path} holds no {' or '.join(BUILD_FILES)}: run `kg build` first")
    if not path.exists():
        raise FileNotFoundError(f"{path} not found")
    return path


def load_store(path: Path) -> pyoxigraph.Store:
    """An in-memory store holding the graph at ``path`` (bulk-loaded: ~1M triples in seconds)."""
    source = graph_file(path)
    try:
        rdf_format = FORMATS[source.suffix.lower()]
    except KeyError:
        raise ValueError(f"{source}: unknown RDF format (use one of {', '.join(sorted(FORMATS))})") from None
    store = pyoxigraph.Store()
    try:
        store.bulk_load(path=str(source), format=rdf_format)
    except SyntaxError as error:
        raise ValueError(f"{source}: {error}") from None
    return store


@dataclass(frozen=True)
class Example:
    """A named query from ``kg/query/examples``: the first comment line is its title, the others its
    description; ``# param NAME = DEFAULT: what it is`` lines declare the VALUES-bound parameters."""

    name: str
    title: str
    description: str
    params: dict[str, str]
    text: str


def _parse_example(name: str, text: str) -> Example:
    comments = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        comments.append(line)
    params: dict[str, str] = {}
    prose = []
    for line in comments:
        match = _PARAM.match(line)
        if match:
            params[match.group(1)] = match.group(2).strip('"')
        else:
            prose.append(line.lstrip("#").strip())
    return Example(name, prose[0] if prose else name, " ".join(p for p in prose[1:] if p), params, text)


def examples() -> dict[str, Example]:
    """The named example queries, by name."""
    folder = resources.files("kg.query") / "examples"
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            name = entry.name[: -len(".rq")]
            found[name] = _parse_example(name, entry.read_text(encoding="utf-8"))
    return found


def sparql_string(value: str) -> str:
    """A SPARQL string literal for any text."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def bind_params(query: str, params: dict[str, str]) -> str:
    """Set parameters by rewriting the query's ``VALUES ?name { … }`` block to hold just the given
    value; the query stays plain SPARQL that any engine runs. Raises ValueError for a name the
    query has no VALUES block for."""
    for name, value in params.items():
        pattern = re.compile(_VALUES.format(name=re.escape(name)))
        if not pattern.search(query):
            raise ValueError(f"the query has no `VALUES ?{name} {{ … }}` block to bind --param {name}")
        replacement = f"VALUES ?{name} {{ {sparql_string(value)} }}"
        query = pattern.sub(lambda _, text=replacement: text, query, count=1)  # a function: no backslash processing
    return query


@dataclass
class QueryResult:
    """A query's answer, consumed up to ``max_rows``: rows for SELECT, a boolean for ASK, triples
    for CONSTRUCT/DESCRIBE; ``truncated`` when the cap cut it short."""

    kind: str  # "select" | "ask" | "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[pyoxigraph.Triple] = field(default_factory=list)
    truncated: bool = False


def run_query(store: pyoxigraph.Store, query: str, *, max_rows: int | None = None, deadline: float | None = None,
              cancelled: object = None) -> QueryResult:
    """Run ``query`` (SyntaxError with the parser's message when it is malformed). Solutions are
    consumed lazily: stops after ``max_rows`` and raises QueryTimeout once ``time.monotonic()``
    passes ``deadline`` or ``cancelled`` (a threading.Event) is set, checked between solutions."""
    answer = store.query(query)
    if isinstance(answer, pyoxigraph.QueryBoolean):
        return QueryResult("ask", boolean=bool(answer))
    result = QueryResult("select" if isinstance(answer, pyoxigraph.QuerySolutions) else "graph")
    if result.kind == "select":
        result.variables = [v.value for v in answer.variables]
    late, result.truncated = _consume(answer, result, max_rows, deadline, cancelled)
    # pyoxigraph's iterators must be freed on the thread that made them: never via a traceback
    del answer
    if late:
        raise QueryTimeout("the query ran past its time limit")
    return result


def _consume(answer, result: QueryResult, max_rows: int | None, deadline: float | None, cancelled) -> tuple[bool, bool]:
    """Move solutions (or triples) into ``result``; returns (past the deadline, truncated)."""
    sink = result.rows if result.kind == "select" else result.triples
    for count, item in enumerate(answer):
        if (deadline is not None and time.monotonic() > deadline) or (cancelled is not None and cancelled.is_set()):
            return True, False
        if max_rows is not None and count >= max_rows:
            return False, True
        sink.append(tuple(item) if result.kind == "select" else item)
    return False, False
