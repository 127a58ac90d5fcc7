"""`kg serve` over real HTTP on 127.0.0.1: SPARQL 1.1 Protocol GET/POST, content negotiation,
read-only refusals, parser messages, the result cap and the time limit — from this process with
urllib, from another process with curl and with a Python client, and the `kg serve` command itself."""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph
import pytest

from kg.query import load_store
from kg.query.server import SparqlHandler, make_server, negotiate
from kg.query.service_guard import uses_service

USES = "PREFIX kg: <https://w3id.org/neuroai-kg/ns#> SELECT ?p ?m WHERE { ?p kg:usesMethod ?m } ORDER BY ?p ?m"
COUNT = "PREFIX kg: <https://w3id.org/neuroai-kg/ns#> SELECT (COUNT(*) AS ?n) WHERE { ?p kg:usesMethod ?m }"
STREAMING = "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d }"  # ~10⁹ solutions, produced one by one


@pytest.fixture(scope="module")
def endpoint(sample_build):
    server = make_server(load_store(sample_build), "127.0.0.1", 0, timeout=1.0, max_rows=50)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
    server.server_close()


def call(url: str, *, query: str | None = None, data: bytes | None = None, content_type: str | None = None,
         accept: str | None = None, method: str | None = None, params: dict | None = None) -> tuple[int, dict, str]:
    if query is not None:
        url = f"{url}?{urllib.parse.urlencode({'query': query, **(params or {})})}"
    elif params:
        url = f"{url}?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, data=data, method=method)
    if content_type:
        request.add_header("Content-Type", content_type)
    if accept:
        request.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8")


def test_get_returns_sparql_json_by_default_capped_at_max_rows(endpoint):
    status, headers, body = call(endpoint, query=USES)
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    answer = json.loads(body)
    assert answer["head"]["vars"] == ["p", "m"]
    assert len(answer["results"]["bindings"]) == 50 and headers["X-Result-Truncated"] == "true"
    assert answer["results"]["bindings"][0]["m"]["type"] == "uri"


def test_post_form_and_sparql_query_body_give_the_same_answer(endpoint):
    _, _, form = call(endpoint, data=urllib.parse.urlencode({"query": COUNT}).encode(), content_type="application/x-www-form-urlencoded")
    _, _, body = call(endpoint, data=COUNT.encode(), content_type="application/sparql-query")
    count = json.loads(form)["results"]["bindings"][0]["n"]
    assert count == json.loads(body)["results"]["bindings"][0]["n"]
    assert int(count["value"]) > 300 and count["datatype"].endswith("#integer")


def test_content_negotiation_for_results_and_graphs(endpoint):
    status, headers, body = call(endpoint, query=COUNT, accept="text/csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert next(csv.DictReader(io.StringIO(body)))["n"].isdigit()
    _, headers, body = call(endpoint, query=COUNT, accept="text/html;q=0.9, text/tab-separated-values")
    assert headers["Content-Type"].startswith("text/tab-separated-values") and body.startswith("?n\n")
    construct = "PREFIX kg: <https://w3id.org/neuroai-kg/ns#> CONSTRUCT { ?m a kg:Method } WHERE { ?p kg:proposesMethod ?m }"
    status, headers, body = call(endpoint, query=construct, accept="text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert len(list(pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.TURTLE))) == 50  # capped too
    _, headers, body = call(endpoint, query=construct, accept="application/n-triples")
    assert headers["Content-Type"].startswith("application/n-triples") and body.startswith("<https://")
    status, _, body = call(endpoint, query=COUNT, accept="image/png")
    assert status == 406 and "application/sparql-results+json" in body
    status, _, body = call(endpoint, query="ASK { ?s ?p ?o }", accept="application/sparql-results+json")
    assert status == 200 and json.loads(body)["boolean"] is True


def test_negotiate_prefers_higher_q_and_exact_types():
    offered = ["application/sparql-results+json", "text/csv"]
    assert negotiate("text/csv;q=0.5, application/*;q=0.4", offered) == "text/csv"
    assert negotiate("*/*;q=0.1, text/csv;q=0.1", offered) == "text/csv"
    assert negotiate(None, offered) == offered[0] and negotiate("text/html", offered) is None


def test_updates_and_writes_are_refused_with_a_clear_4xx(endpoint):
    insert = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    for status, _, body in (
        call(endpoint, params={"update": insert}),
        call(endpoint, data=urllib.parse.urlencode({"update": insert}).encode(), content_type="application/x-www-form-urlencoded"),
        call(endpoint, data=insert.encode(), content_type="application/sparql-update"),
        call(endpoint, query=insert),  # an update sent as a query
    ):
        assert status == 403 and "read-only" in body
    status, headers, body = call(endpoint, data=b"x", content_type="text/turtle", method="PUT")
    assert status == 405 and headers["Allow"] == "GET, POST"
    _, _, body = call(endpoint, query="ASK { <urn:a> <urn:b> <urn:c> }")
    assert json.loads(body)["boolean"] is False  # nothing was written


def test_malformed_query_gets_400_with_the_parser_message(endpoint):
    status, headers, body = call(endpoint, query="SELECT ?x WHERE { ?x ")
    assert status == 400 and headers["Content-Type"].startswith("text/plain")
    assert body.startswith("malformed query: error at 1:")
    status, _, body = call(endpoint, params={"foo": "bar"})
    assert status == 400 and "exactly one `query`" in body
    assert call(endpoint.replace("/sparql", "/nothing"), query=COUNT)[0] == 404


def test_a_query_past_the_time_limit_gets_503_in_time_and_stops(sample_build):
    server = make_server(load_store(sample_build), "127.0.0.1", 0, timeout=0.5, max_rows=10**9, workers=2)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        started = time.monotonic()
        status, _, body = call(f"http://127.0.0.1:{server.server_address[1]}/sparql", query=STREAMING)
        assert status == 503 and "time limit of 0.5 s" in body
        assert time.monotonic() - started < 20  # not a speed test: the answer came, not after the 30 s client timeout
        # the worker stopped at the deadline: both query slots are free again (a ~10⁹-row query never
        # ends on its own, so a worker that ignored the deadline would hold its slot for good)
        assert all(server.slots.acquire(timeout=20) for _ in range(2))
    finally:
        server.shutdown()
        server.server_close()


def test_query_from_another_process_with_a_python_client(endpoint):
    client = ("import json, sys, urllib.parse, urllib.request\n"
              "url = sys.argv[1] + '?' + urllib.parse.urlencode({'query': sys.argv[2]})\n"
              "print(json.load(urllib.request.urlopen(url))['results']['bindings'][0]['n']['value'])\n")
    done = subprocess.run([sys.executable, "-c", client, endpoint, COUNT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and int(done.stdout) > 300


def test_query_from_another_process_with_curl(endpoint):
    if shutil.which("curl") is None:
        pytest.skip("curl not installed (.ci/run installs it)")
    done = subprocess.run(["curl", "-s", "-f", "-H", "Accept: text/csv", "--data-urlencode", f"query={COUNT}", endpoint],
                          capture_output=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith(b"n\r\n") and int(done.stdout.split()[1]) > 300


def test_kg_serve_command_answers_over_http(sample_build):
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--graph", str(sample_build), "--port", "0",
                                "--max-rows", "3"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True)  # never blocks the test
        reader.start()
        deadline = time.monotonic() + 60  # loading the store on a busy machine can take a while
        url = None
        while url is None and time.monotonic() < deadline and process.poll() is None:
            found = re.search(r"http://127\.0\.0\.1:(\d+)/sparql", "".join(lines))
            url = found.group(0) if found else time.sleep(0.1)
        assert url, f"kg serve printed no address within 60 s (exit status {process.poll()}): {''.join(lines)[-2000:]}"
        status, headers, body = call(url, query=USES, accept="text/csv")
        assert status == 200 and len(body.strip().splitlines()) == 1 + 3 and headers["X-Result-Truncated"] == "true"
    finally:
        process.terminate()
        process.wait(timeout=10)


# ---------------------------------------------------------------------------- hardening

class _Listener:
    """A TCP listener on loopback that records whether anything connected to it."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            conn.sendall(b"HTTP/1.0 500 Oops\r\nContent-Type: text/plain\r\n\r\nsecret internal page")
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.socket.close()


def test_service_queries_are_refused_before_any_request_leaves(endpoint):
    listener = _Listener()
    try:
        target = f"http://127.0.0.1:{listener.port}/sparql"
        for query in (f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
                      f"SELECT * WHERE {{ ?s ?p ?o .service SILENT <{target}> {{ ?a ?b ?c }} }}",
                      f"ASK {{ FILTER(?a<'x>') SERVICE <{target}> {{ ?s ?p ?o }} #' \n}}"):
            status, _, body = call(endpoint, query=query)
            assert status == 403 and "SERVICE" in body and "secret" not in body, (query, body)
            status, _, body = call(endpoint, data=query.encode(), content_type="application/sparql-query")
            assert status == 403
        time.sleep(0.3)
        assert listener.connections == 0
    finally:
        listener.close()
    # the word in a string, a comment, an IRI or a name is no SERVICE call
    status, _, body = call(endpoint, query='ASK { FILTER("web service" != "") } # SERVICE')
    assert status == 200 and json.loads(body)["boolean"] is True


@pytest.mark.parametrize("query, federated", [
    ("SELECT * { SERVICE <http://x/> {} }", True),
    ("select * { ?s ?p ?o .service silent <http://x/> {} }", True),
    ("SELECT * {}SERVICE<http://x>{}", True),
    ("SELECT * { \\u0053ERVICE <http://x/> {} }", True),  # a codepoint escape spells it
    ("SELECT * { FILTER(?a<'x>') SERVICE <http://x/> {} #' \n}", True),  # `<` read as less-than
    ("SELECT * { ?s <http://p/#> ?o }\nSERVICE <http://x/> {}", True),
    ('SELECT * { ?s ?p "a SERVICE b" }', False),
    ("SELECT * { ?s ?p '''SERVICE\n''' } # SERVICE", False),
    ("PREFIX service: <http://s/> SELECT ?service { ?service service:x <http://s/service> }", False),
])
def test_uses_service_reads_the_query_like_the_parser(query, federated):
    assert uses_service(query) is federated


def test_store_errors_are_not_echoed(sample_build, monkeypatch):
    def failing(*args, **kwargs):
        raise OSError("HTTP 500 from http://10.0.0.1/: secret internal page")
    monkeypatch.setattr("kg.query.server.run_query", failing)
    server = make_server(load_store(sample_build), "127.0.0.1", 0, timeout=5, max_rows=10)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status, _, body = call(f"http://127.0.0.1:{server.server_address[1]}/sparql", query=COUNT)
        assert status == 500 and "query failed" in body and "secret" not in body and "10.0.0.1" not in body
    finally:
        server.shutdown()
        server.server_close()


def raw(endpoint: str, request: bytes, *, timeout: float = 20) -> tuple[int, str]:
    """Send bytes as they are; the status code and body of the answer."""
    port = urllib.parse.urlsplit(endpoint).port
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8")


def test_requests_for_another_host_name_are_refused_on_loopback(endpoint):
    port = urllib.parse.urlsplit(endpoint).port
    path = "/sparql?" + urllib.parse.urlencode({"query": COUNT})
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1:1", ""):
        status, body = raw(endpoint, f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        assert status == 403 and "Host" in body, host
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", f"[::1]:{port}"):
        status, body = raw(endpoint, f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        assert status == 200 and json.loads(body)["results"]["bindings"], host


@pytest.mark.parametrize("length", ["-1", "abc", "1e3", "²", ""])
def test_bad_content_length_gets_400(endpoint, length):
    port = urllib.parse.urlsplit(endpoint).port
    status, body = raw(endpoint, (f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/sparql-query\r\n"
                                  f"Content-Length: {length}\r\nConnection: close\r\n\r\nASK {{}}").encode())
    if length == "":  # no length given: an empty body, an empty query
        assert status == 400 and "malformed query" in body
    else:
        assert status == 400 and "Content-Length" in body


def test_a_client_that_stalls_mid_body_is_cut_off(sample_build, monkeypatch):
    monkeypatch.setattr(SparqlHandler, "timeout", 0.5)
    server = make_server(load_store(sample_build), "127.0.0.1", 0, timeout=5, max_rows=10)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        started = time.monotonic()
        status, body = raw(f"http://127.0.0.1:{port}/sparql", (f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           "Content-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\nASK").encode())
        assert status == 408 and "not received within 0.5 s" in body
        assert time.monotonic() - started < 15
    finally:
        server.shutdown()
        server.server_close()


def test_q_zero_refuses_a_type_even_beside_a_wildcard(endpoint):
    offered = ["application/sparql-results+json", "text/csv"]
    assert negotiate("application/sparql-results+json;q=0, */*", offered) == "text/csv"
    assert negotiate("text/*;q=0, */*;q=0.5", offered) == "application/sparql-results+json"
    assert negotiate("*/*;q=0", offered) is None and negotiate("text/csv;Q=0, application/*;q=0", offered) is None
    status, headers, _ = call(endpoint, query=COUNT, accept="application/sparql-results+json;q=0, */*")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    status, _, _ = call(endpoint, query=COUNT, accept="application/sparql-results+json;q=0, text/csv;q=0")
    assert status == 406


def test_head_answers_the_get_headers_without_a_body(endpoint):
    port = urllib.parse.urlsplit(endpoint).port
    path = "/sparql?" + urllib.parse.urlencode({"query": USES})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("HEAD", path, headers={"Accept": "text/csv"})
        head = connection.getresponse()
        assert head.status == 200 and head.read() == b""
        head_headers = dict(head.getheaders())
    finally:
        connection.close()
    _, headers, body = call(endpoint, query=USES, accept="text/csv")
    assert head_headers["Content-Type"] == headers["Content-Type"] == "text/csv; charset=utf-8"
    assert int(head_headers["Content-Length"]) == len(body.encode("utf-8")) > 0
