"""`kg serve` over real HTTP on 127.0.0.1: SPARQL 1.1 Protocol GET/POST, content negotiation,
read-only refusals, parser messages, the result cap and the time limit — from this process with
urllib, from another process with curl and with a Python client, and the `kg serve` command itself."""

from __future__ import annotations

import csv
import io
import json
import os
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
from kg.query.server import make_server, negotiate

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
        assert time.monotonic() - started < 2.5
        # the worker stopped at the deadline: both query slots are free again
        assert all(server.slots.acquire(timeout=2) for _ in range(2))
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
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--graph", str(sample_build), "--port", str(port),
                                "--max-rows", "3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        url = f"http://127.0.0.1:{port}/sparql"
        for _ in range(100):
            try:
                status, headers, body = call(url, query=USES, accept="text/csv")
                break
            except urllib.error.URLError:
                time.sleep(0.1)
        assert status == 200 and len(body.strip().splitlines()) == 1 + 3 and headers["X-Result-Truncated"] == "true"
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert f"http://127.0.0.1:{port}/sparql" in process.stderr.read()
