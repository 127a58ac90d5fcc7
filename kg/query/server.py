"""A read-only SPARQL 1.1 Protocol endpoint (``kg serve``) over an in-memory Oxigraph store:
GET/POST/HEAD queries, content negotiation, a time limit and a result cap; updates and SERVICE are refused.

How the limits hold. Each query runs in a worker thread (pyoxigraph releases the GIL while it
evaluates); the request thread waits at most ``timeout`` seconds and then answers 503, so a client
never waits longer. Solutions are consumed lazily and the worker stops at the first solution
boundary after the deadline (or after ``max_rows`` rows). What is *not* bounded: a single
evaluation step that produces no solution until it is done (a big ORDER BY, GROUP BY or COUNT over
a huge join) keeps one CPU busy until that step ends, since Oxigraph cannot be interrupted from
Python; at most ``workers`` such queries run at once, further requests get 503 at once.
"""

from __future__ import annotations

import ipaddress
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
from kg.query.service_guard import uses_service

MAX_BODY = 1 << 20  # 1 MiB of query text is plenty
ENDPOINT_PATHS = {"/sparql", "/query", "/"}
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")  # the Host names a loopback-bound server answers to
REQUEST_TIMEOUT = 30.0  # seconds a client may take to send its request (a socket timeout per read)
_UPDATE = re.compile(r"^\s*(?:(?:PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.I)
RESULT_TYPES = {  # media type → writer, for SELECT and ASK answers; plain JSON last: only when asked for by name
    MEDIA_TYPES["json"]: to_json, MEDIA_TYPES["csv"]: to_csv, MEDIA_TYPES["tsv"]: to_tsv, "application/json": to_json,
}
GRAPH_TYPES = {"text/turtle": "turtle", "application/x-turtle": "turtle", MEDIA_TYPES["ntriples"]: "ntriples", "text/plain": "ntriples"}


class HttpError(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    """The Accept header's media ranges with their q-values (an unreadable q counts as 0)."""
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:  # also NaN
                    q = 0.0
        ranges.append((fields[0].lower(), q))
    return ranges


def negotiate(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the Accept header prefers (RFC 9110: each type takes the q of the
    most specific range that matches it, so ``type;q=0`` refuses it even beside ``*/*``); ties go
    to an exact match, then to the order of ``offered``. The first offered type when there is no
    header; None when nothing offered is acceptable."""
    if not accept or not accept.strip():
        return offered[0]
    ranges = _media_ranges(accept)
    best, best_key = None, (0.0, -1)
    for candidate in offered:
        major = candidate.split("/")[0]
        matches = [(3 if media == candidate else 2 if media == f"{major}/*" else 1, q)
                   for media, q in ranges if media in (candidate, f"{major}/*", "*/*")]
        if not matches:
            continue
        specificity, q = max(matches, key=lambda m: m[0])  # the most specific range decides
        if q > 0 and (q, specificity) > best_key:
            best, best_key = candidate, (q, specificity)
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
    timeout = REQUEST_TIMEOUT  # socketserver applies it to the connection: a stalled client frees its thread

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        pass  # quiet: kg serve prints its address; errors go back to the client

    # ------------------------------------------------------------------ protocol

    def do_GET(self) -> None:
        self._handle(lambda: self._from_params(parse_qs(urlsplit(self.path).query, keep_blank_values=True)))

    do_HEAD = do_GET  # the same status and headers; _send leaves the body out

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
        if self.headers.get("Transfer-Encoding"):
            raise HttpError(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length (chunked bodies are not accepted)")
        declared = (self.headers.get("Content-Length") or "0").strip()
        if not (declared.isascii() and declared.isdigit()):  # also refuses "-1", "+5", "1e3", "²"
            raise HttpError(HTTPStatus.BAD_REQUEST, f"Content-Length must be a number of bytes, not {declared[:40]!r}")
        length = int(declared)
        if length > MAX_BODY:
            raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"request body over {MAX_BODY} bytes")
        try:
            data = self.rfile.read(length)
        except TimeoutError:
            raise HttpError(HTTPStatus.REQUEST_TIMEOUT, f"request body not received within {self.timeout:g} s") from None
        if len(data) < length:
            raise HttpError(HTTPStatus.BAD_REQUEST, f"request body ended after {len(data)} of {length} bytes")
        body = data.decode("utf-8", errors="replace")
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
            self._check_host()
            if urlsplit(self.path).path not in ENDPOINT_PATHS:
                raise HttpError(HTTPStatus.NOT_FOUND, "the SPARQL endpoint is /sparql")
            query = read_query()
            result = self._evaluate(query)
            self._answer(result)
        except HttpError as error:
            self._send(error.status, "text/plain; charset=utf-8", error.message + "\n")

    def _check_host(self) -> None:
        """On a loopback address, answer only requests addressed to it: a page whose domain was
        re-pointed at 127.0.0.1 (DNS rebinding) sends its own name as Host and gets 403."""
        host, port = self.server.server_address[:2]
        try:
            if not ipaddress.ip_address(host).is_loopback:
                return
        except ValueError:  # not an address literal: not a loopback binding we can vouch for
            return
        given = (self.headers.get("Host") or "").strip().lower()
        allowed = {f"{name}:{port}" for name in LOOPBACK_NAMES} | (set(LOOPBACK_NAMES) if port == 80 else set())
        if given not in allowed:
            raise HttpError(HTTPStatus.FORBIDDEN, f"this endpoint answers only requests for 127.0.0.1:{port}, "
                                                  f"localhost:{port} or [::1]:{port} (Host header was {given[:80]!r})")

    def _evaluate(self, query: str) -> QueryResult:
        if uses_service(query):
            raise HttpError(HTTPStatus.FORBIDDEN, "SERVICE (SPARQL federated query) is not allowed: this endpoint "
                                                  "queries only its own graph and makes no requests elsewhere")
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
        except OSError:  # its text may quote whatever some other system answered: never echo it
            raise HttpError(HTTPStatus.INTERNAL_SERVER_ERROR, "query failed: the store could not evaluate it") from None

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
