"""A read-only SPARQL 1.1 Protocol endpoint (``kg serve``) over an in-memory Oxigraph store:
GET/POST queries, content negotiation, a time limit and a result cap; updates are refused.

How the limits hold. Each query runs in a worker thread (pyoxigraph releases the GIL while it
evaluates); the request thread waits at most ``timeout`` seconds and then answers 503, so a client
never waits longer. Solutions are consumed lazily and the worker stops at the first solution
boundary after the deadline (or after ``max_rows`` rows). What is *not* bounded: a single
evaluation step that produces no solution until it is done (a big ORDER BY, GROUP BY or COUNT over
a huge join) keeps one CPU busy until that step ends, since Oxigraph cannot be interrupted from
Python; at most ``workers`` such queries run at once, further requests get 503 at once.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pyoxigraph

from kg.query.engine import QueryResult, QueryTimeout, run_query
from kg.query.results import MEDIA_TYPES, graph_text, to_csv, to_json, to_tsv

MAX_BODY = 1 << 20  # 1 MiB of query text is plenty
ENDPOINT_PATHS = {"/sparql", "/query", "/"}
_UPDATE = re.compile(r"^\s*(?:(?:PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.I)
RESULT_TYPES = {  # media type → writer, for SELECT and ASK answers
    MEDIA_TYPES["json"]: to_json, "application/json": to_json,
    MEDIA_TYPES["csv"]: to_csv, MEDIA_TYPES["tsv"]: to_tsv,
}
GRAPH_TYPES = {"text/turtle": "turtle", "application/x-turtle": "turtle", MEDIA_TYPES["ntriples"]: "ntriples", "text/plain": "ntriples"}


class HttpError(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def negotiate(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the Accept header prefers (q-values, ``type/*`` and ``*/*``);
    the first offered type when there is no header; None when nothing offered is acceptable."""
    if not accept or not accept.strip():
        return offered[0]
    best, best_q = None, 0.0
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media, q = fields[0].lower(), 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        for candidate in offered:
            major = candidate.split("/")[0]
            score = q + (0.001 if media == candidate else 0)  # an exact type beats a wildcard with the same q
            if media in (candidate, f"{major}/*", "*/*") and score > best_q:
                best, best_q = candidate, score
    return best


class SparqlServer(ThreadingHTTPServer):
    """The HTTP server: holds the store and the limits the handler applies."""

    daemon_threads = True
    request_queue_size = 128  # a burst of clients connecting at once waits in the backlog, not refused

    def __init__(self, address: tuple[str, int], store: pyoxigraph.Store, *, timeout: float, max_rows: int, workers: int = 4) -> None:
        super().__init__(address, SparqlHandler)
        self.store = store
        self.query_timeout = timeout
        self.max_rows = max_rows
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sparql")
        self.slots = threading.BoundedSemaphore(workers)

    def server_close(self) -> None:
        super().server_close()
        self.pool.shutdown(wait=False, cancel_futures=True)


def make_server(store: pyoxigraph.Store, host: str = "127.0.0.1", port: int = 0, *, timeout: float = 10.0,
                max_rows: int = 10000, workers: int = 4) -> SparqlServer:
    """A ready-to-serve endpoint (call ``serve_forever``); port 0 picks a free port."""
    return SparqlServer((host, port), store, timeout=timeout, max_rows=max_rows, workers=workers)


class SparqlHandler(BaseHTTPRequestHandler):
    server: SparqlServer
    server_version = "kg-sparql/1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        pass  # quiet: kg serve prints its address; errors go back to the client

    # ------------------------------------------------------------------ protocol

    def do_GET(self) -> None:
        self._handle(lambda: self._from_params(parse_qs(urlsplit(self.path).query, keep_blank_values=True)))

    def do_POST(self) -> None:
        self._handle(self._from_post)

    def do_PUT(self) -> None:
        self._refuse_write()

    do_DELETE = do_PATCH = do_PUT

    def _refuse_write(self) -> None:
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                   "this SPARQL endpoint is read-only: it accepts queries by GET and POST only\n", {"Allow": "GET, POST"})

    def _from_params(self, params: dict[str, list[str]]) -> str:
        if "update" in params:
            raise HttpError(HTTPStatus.FORBIDDEN, "this SPARQL endpoint is read-only: SPARQL Update is not accepted")
        queries = params.get("query", [])
        if len(queries) != 1:
            raise HttpError(HTTPStatus.BAD_REQUEST, "give exactly one `query` parameter (SPARQL 1.1 Protocol)")
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            raise HttpError(HTTPStatus.BAD_REQUEST, "default-graph-uri / named-graph-uri are not supported: the store holds one graph")
        return queries[0]

    def _from_post(self) -> str:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"request body over {MAX_BODY} bytes")
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media == "application/sparql-update":
            raise HttpError(HTTPStatus.FORBIDDEN, "this SPARQL endpoint is read-only: SPARQL Update is not accepted")
        if media == "application/sparql-query":
            return body
        if media == "application/x-www-form-urlencoded":
            return self._from_params(parse_qs(body, keep_blank_values=True))
        raise HttpError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                        "POST a query as application/sparql-query or application/x-www-form-urlencoded (query=…)")

    # ------------------------------------------------------------------ evaluation

    def _handle(self, read_query) -> None:
        try:
            if urlsplit(self.path).path not in ENDPOINT_PATHS:
                raise HttpError(HTTPStatus.NOT_FOUND, "the SPARQL endpoint is /sparql")
            query = read_query()
            result = self._evaluate(query)
            self._answer(result)
        except HttpError as error:
            self._send(error.status, "text/plain; charset=utf-8", error.message + "\n")

    def _evaluate(self, query: str) -> QueryResult:
        server = self.server
        if not server.slots.acquire(blocking=False):
            raise HttpError(HTTPStatus.SERVICE_UNAVAILABLE, "too many queries running; try again later")
        cancelled = threading.Event()
        deadline = time.monotonic() + server.query_timeout

        def work() -> QueryResult:
            try:
                return run_query(server.store, query, max_rows=server.max_rows, deadline=deadline, cancelled=cancelled)
            finally:
                server.slots.release()

        try:
            future = server.pool.submit(work)
        except RuntimeError:
            server.slots.release()
            raise HttpError(HTTPStatus.SERVICE_UNAVAILABLE, "the server is shutting down") from None
        try:
            return future.result(timeout=server.query_timeout)
        except FutureTimeout:
            cancelled.set()
            raise HttpError(HTTPStatus.SERVICE_UNAVAILABLE, f"query exceeded the time limit of {server.query_timeout:g} s") from None
        except QueryTimeout:
            raise HttpError(HTTPStatus.SERVICE_UNAVAILABLE, f"query exceeded the time limit of {server.query_timeout:g} s") from None
        except SyntaxError as error:
            if _UPDATE.match(query):
                raise HttpError(HTTPStatus.FORBIDDEN, "this SPARQL endpoint is read-only: SPARQL Update is not accepted") from None
            raise HttpError(HTTPStatus.BAD_REQUEST, f"malformed query: {error}") from None
        except OSError as error:
            raise HttpError(HTTPStatus.INTERNAL_SERVER_ERROR, f"query failed: {error}") from None

    def _answer(self, result: QueryResult) -> None:
        accept = self.headers.get("Accept")
        headers = {"X-Result-Truncated": "true"} if result.truncated else {}
        if result.kind == "graph":
            media = negotiate(accept, list(GRAPH_TYPES))
            if media is None:
                raise HttpError(HTTPStatus.NOT_ACCEPTABLE, f"graph answers are available as {', '.join(GRAPH_TYPES)}")
            body = graph_text(result, GRAPH_TYPES[media])
        else:
            media = negotiate(accept, list(RESULT_TYPES))
            if media is None:
                raise HttpError(HTTPStatus.NOT_ACCEPTABLE, f"results are available as {', '.join(RESULT_TYPES)}")
            body = RESULT_TYPES[media](result)
        self._send(HTTPStatus.OK, f"{media}; charset=utf-8", body, headers)

    def _send(self, status: HTTPStatus, content_type: str, body: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Vary", "Accept")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
