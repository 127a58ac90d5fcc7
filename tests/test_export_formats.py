"""Every export format read back by what consumes it: GraphML with networkx and igraph, GEXF with
networkx and against the GEXF 1.3 XSD (xmllint), JSON-LD with rdflib against the Turtle, Neo4j CSVs
against the import header grammar, the Cypher script in an in-memory Cypher engine (cypherast),
Cytoscape.js JSON and CSV tables — on a small build and on a graph of hostile text."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.cli import main
from kg.export.attributes import edge_id, kind_of
from kg.export.json_graph import read_json
from kg.export.neo4j import relationship_type
from kg.export.registry import EXPORTERS

ROOT = Path(__file__).resolve().parents[1]
GEXF_XSD = ROOT / "schemas" / "gexf-1.3" / "gexf.xsd"
#: commas, both quotes, semicolon, pipe, backslash, newline, tab, markup and non-Latin scripts
HOSTILE = 'Comma, "double" \'single\' quotes; semi | pipe \\ back\nnew line\ttab <b>&amp; 中文 Ελληνικά العربية 🧠'


def hostile_graph() -> nx.MultiDiGraph:
    """A tiny graph following the contract of kg/graph/__init__.py, full of text that breaks writers."""
    evidence = [{"sentence": HOSTILE, "section": "abstract", "start": 0, "end": 5, "text": "Comma",
                 "extractor": "vocabulary", "confidence": 0.9}]
    g = nx.MultiDiGraph()
    g.add_node("paper/p1", type="Paper", label=HOSTILE, title=HOSTILE, abstract=HOSTILE + " — abstract",
               date="2024-05-13", year=2024, url="https://example.org/a?b=1&c=2", identifier="arXiv:2405.00001",
               authors=["Zoë O'Brien", "李雷, Jr.", "A;B", 'Say "hi"'], author_count=4, sources=["in,put.csv:2"])
    g.add_node("paper/p2", type="Paper", label="Undated", title="Undated", abstract="Plain.", date="", year=0,
               url="", identifier="", authors=[], author_count=0, sources=["a.jsonl:1"])
    g.add_node("method/m1", type="Method", label=HOSTILE, aliases=[HOSTILE, "M-1"], vocab="",
               broader=["method/family"], papers=2)
    g.add_node("dataset/d1", type="Dataset", label="Data;set|1", aliases=["Data;set|1"],
               vocab="https://w3id.org/neuroai-kg/id/dataset/d1", broader=[], papers=1)
    g.add_node("modality/eeg", type="Modality", label="EEG", aliases=["EEG", "electroencephalography"],
               vocab="https://w3id.org/neuroai-kg/id/modality/eeg", broader=[], papers=1)
    g.add_node("claim/p1/1", type="Claim", label=HOSTILE[:30], text=HOSTILE, paper="paper/p1", hedged=True,
               hedges=["may"], section="abstract", start=0, end=len(HOSTILE), confidence=0.75)
    for source, target, key in (("paper/p1", "method/m1", "proposesMethod"), ("paper/p1", "method/m1", "usesMethod"),
                                ("paper/p1", "dataset/d1", "usesDataset"), ("paper/p2", "modality/eeg", "hasModality"),
                                ("paper/p1", "claim/p1/1", "hasClaim"), ("claim/p1/1", "method/m1", "about")):
        g.add_edge(source, target, key=key, type=key, confidence=0.9, extractor="pattern:x", evidence=evidence)
    g.add_edge("method/m1", "dataset/d1", key="outperforms", type="outperforms", confidence=0.7,
               extractor="pattern:comparative", evidence=evidence, papers=["paper/p1"], on=["dataset/d1"])
    return g


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory, data_dir) -> Path:
    """A build of the test inputs (every tests/data file) with every format, through the command line."""
    out = tmp_path_factory.mktemp("build")
    result = CliRunner().invoke(main, ["build", str(data_dir), "-o", str(out), "-q", "--formats", "all"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module", params=["sample", "hostile"])
def graph(request, sample_build) -> nx.MultiDiGraph:
    return read_json(sample_build / "graph.json") if request.param == "sample" else hostile_graph()


def export(graph: nx.MultiDiGraph, fmt: str, folder: Path) -> Path:
    exporter = EXPORTERS[fmt]
    target = exporter.default_path(folder)
    exporter.write(graph, target)
    return target


def same_value(original, read_back) -> bool:
    """Lists and evidence come back as JSON text, numbers and booleans as themselves."""
    kind = kind_of(original)
    if kind in ("list", "json"):
        return json.loads(read_back) == original
    return read_back == original and type(read_back) is type(original)


# ------------------------------------------------------------------------------------------ registry


def test_build_with_all_formats_writes_each_registered_format(sample_build):
    for exporter in EXPORTERS.values():
        path = exporter.default_path(sample_build)
        assert path.is_dir() if exporter.folder else path.is_file(), exporter.name
        if not exporter.folder:
            assert path.stat().st_size > 200, exporter.name


def test_export_command_rewrites_each_format_byte_identically(sample_build, tmp_path):
    for name, exporter in EXPORTERS.items():
        if name == "html":
            continue  # the page has its own tests
        target = tmp_path / (name if exporter.folder else f"copy{exporter.suffix}")
        result = CliRunner().invoke(main, ["export", "--graph", str(sample_build), "--format", name, "-o", str(target)])
        assert result.exit_code == 0, result.output
        built = exporter.default_path(sample_build)
        pairs = [(target / p.name, p) for p in sorted(built.iterdir())] if exporter.folder else [(target, built)]
        for new, old in pairs:
            assert new.read_bytes() == old.read_bytes(), (name, new)


def test_export_refuses_a_file_where_a_folder_format_goes(sample_build, tmp_path):
    existing = tmp_path / "tables.csv"
    existing.write_text("keep me\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["export", "--graph", str(sample_build), "--format", "csv", "-o", str(existing)])
    assert result.exit_code == 1 and "writes a folder" in result.output
    assert existing.read_text(encoding="utf-8") == "keep me\n"


def test_export_names_the_line_of_a_damaged_graph_json(tmp_path):
    (tmp_path / "graph.json").write_text('{"nodes": [\n  {"id": "paper/x",\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["export", "--graph", str(tmp_path), "--format", "gexf"])
    assert result.exit_code == 1 and f"{tmp_path / 'graph.json'}:3:" in result.output
    assert not (tmp_path / "graph.gexf").exists()


def test_unknown_build_format_is_a_usage_error(tmp_path, data_dir):
    result = CliRunner().invoke(main, ["build", str(data_dir / "papers.json"), "-o", str(tmp_path), "--formats", "graphml,gephi"])
    assert result.exit_code == 2 and "gephi" in result.output and "graphml" in result.output
    assert not (tmp_path / "graph.json").exists()


def test_outputs_are_identical_across_hash_seeds(tmp_path):
    script = (
        "import sys; from pathlib import Path; from tests.test_export_formats import hostile_graph; "
        "from kg.export.registry import EXPORTERS; out = Path(sys.argv[1]); g = hostile_graph(); "
        "[e.write(g, e.default_path(out)) for n, e in EXPORTERS.items() if n != 'html']"
    )
    for seed in ("1", "2"):
        subprocess.run([sys.executable, "-c", script, str(tmp_path / seed)], check=True, cwd=ROOT,
                       env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"})
    first = sorted(p.relative_to(tmp_path / "1") for p in (tmp_path / "1").rglob("*") if p.is_file())
    assert len(first) > 15
    for relative in first:
        assert (tmp_path / "1" / relative).read_bytes() == (tmp_path / "2" / relative).read_bytes(), relative


# ------------------------------------------------------------------------------------------- GraphML


def test_graphml_round_trip(graph, tmp_path):
    path = export(graph, "graphml", tmp_path)
    text = path.read_text(encoding="utf-8")
    declared = dict(re.findall(r'attr.name="(\w+)" attr.type="(\w+)"', text))
    assert declared["confidence"] == "double" and declared["type"] == "string" and declared["label"] == "string"
    back = nx.read_graphml(path, force_multigraph=True)
    assert back.number_of_nodes() == graph.number_of_nodes() and back.number_of_edges() == graph.number_of_edges()
    for node, data in graph.nodes(data=True):
        for name, value in data.items():
            assert same_value(value, back.nodes[node][name]), (node, name)
    for source, target, key, data in graph.edges(keys=True, data=True):
        read = back.edges[source, target, edge_id(source, key, target)]
        assert read["type"] == key
        for name, value in data.items():
            assert same_value(value, read[name]), (source, key, name)
    assert "['" not in text and "{'" not in text  # no Python reprs


def test_graphml_reads_in_igraph(graph, tmp_path):
    igraph = pytest.importorskip("igraph")
    read = igraph.Graph.Read_GraphML(str(export(graph, "graphml", tmp_path)))
    assert read.is_directed() and read.vcount() == graph.number_of_nodes() and read.ecount() == graph.number_of_edges()
    names = read.vs["id"]
    for vertex in read.vs:
        data = graph.nodes[vertex["id"]]
        assert (vertex["type"], vertex["label"]) == (data["type"], data["label"])
        if "aliases" in data:
            assert json.loads(vertex["aliases"]) == data["aliases"]
    edges = sorted((names[e.source], names[e.target], e["type"], e["confidence"]) for e in read.es)
    assert edges == sorted((u, v, k, d["confidence"]) for u, v, k, d in graph.edges(keys=True, data=True))


# ---------------------------------------------------------------------------------------------- GEXF


def xmllint(schema: Path, document: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["xmllint", "--noout", "--schema", str(schema), str(document)], capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("xmllint") is None, reason="xmllint (libxml2-utils) is installed by .ci/run")
def test_gexf_is_valid_against_the_gexf_1_3_schema(graph, tmp_path):
    path = export(graph, "gexf", tmp_path)
    checked = xmllint(GEXF_XSD, path)
    assert checked.returncode == 0, checked.stderr[-2000:]
    broken = tmp_path / "broken.gexf"
    broken.write_text(path.read_text(encoding="utf-8").replace('<attvalue for="type"', '<attvalue key="type"', 1), encoding="utf-8")
    assert xmllint(GEXF_XSD, broken).returncode != 0  # the schema does check attribute values


def test_gexf_round_trip(graph, tmp_path):
    path = export(graph, "gexf", tmp_path)
    text = path.read_text(encoding="utf-8")
    assert 'version="1.3"' in text and 'xmlns="http://gexf.net/1.3"' in text
    back = nx.read_gexf(path, version="1.3")
    assert back.number_of_nodes() == graph.number_of_nodes() and back.number_of_edges() == graph.number_of_edges()
    for node, data in graph.nodes(data=True):
        read = back.nodes[node]
        for name, value in data.items():
            assert same_value(value, read[name]), (node, name)
        if data["type"] == "Paper" and data["date"]:
            assert read["start"] == data["date"]  # the paper's lifetime starts at its date
    edges = {data["id"]: (u, v, data) for u, v, data in back.edges(data=True)}
    for source, target, key, data in graph.edges(keys=True, data=True):
        u, v, read = edges[edge_id(source, key, target)]
        assert (u, v, read["label"]) == (source, target, key) and read["weight"] == data["confidence"]
        for name, value in data.items():
            assert same_value(value, read[name]), (source, key, name)


# ------------------------------------------------------------------------------------------- JSON-LD


def test_jsonld_expands_to_exactly_the_turtle_triples(graph, tmp_path):
    jsonld = export(graph, "jsonld", tmp_path)
    turtle = export(graph, "turtle", tmp_path)
    expected = Graph().parse(turtle, format="turtle")
    document = json.loads(jsonld.read_text(encoding="utf-8"))
    assert isinstance(document["@context"], dict) and document["@graph"]
    parsed = Graph().parse(jsonld, format="json-ld")
    assert len(parsed) == len(expected) and isomorphic(parsed, expected)
    # compact form: the ontology's terms are used, not expanded kg: IRIs
    keys = {key for node in document["@graph"] for key in node}
    assert {"usesMethod", "confidence"} <= keys or {"hasClaim", "confidence"} <= keys
    assert not any(key.startswith(("kg:", "https://w3id.org/neuroai-kg/ns#")) for key in keys)


def test_published_context_matches_the_ontology():
    from kg.export.jsonld import CONTEXT_FILE, context_from_ontology

    published = json.loads((ROOT / "ontology" / CONTEXT_FILE).read_text(encoding="utf-8"))
    assert published == {"@context": context_from_ontology(ROOT / "ontology" / "kg.ttl")}, (
        "ontology/context.jsonld is stale: regenerate it with `python -m kg.export.jsonld`")
    ontology = Graph().parse(ROOT / "ontology" / "kg.ttl")
    context = published["@context"]
    for term in ("Paper", "Claim", "usesMethod", "hasModality", "about", "outperforms"):
        assert context[term] == f"kg:{term}" or context[term]["@id"] == f"kg:{term}"
    assert context["usesMethod"]["@type"] == "@id" and context["confidence"]["@type"] == "xsd:decimal"
    assert len(ontology) > 100


# --------------------------------------------------------------------------------------------- Neo4j

NEO4J_TYPES = r"(int|long|float|double|boolean|byte|short|char|string|point|date|localtime|time|localdatetime|datetime|duration)(\[\])?"
HEADER_FIELD = re.compile(rf"(?P<name>[A-Za-z_][A-Za-z0-9_]*)?(:(?P<type>ID|LABEL|START_ID|END_ID|TYPE|IGNORE|{NEO4J_TYPES}))?")


def read_neo4j(folder: Path) -> tuple[str, dict[str, list[dict]]]:
    """The array delimiter import.sh passes, and the rows of every CSV file keyed by header field."""
    script = (folder / "import.sh").read_text(encoding="utf-8")
    delimiter = re.search(r"--array-delimiter='(.)'", script).group(1)
    assert "--multiline-fields=true" in script and "neo4j-admin database import full" in script
    tables = {}
    for path in sorted(folder.glob("*.csv")):
        assert f"={path.name}" in script, path.name
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        header = rows[0]
        for field in header:
            assert HEADER_FIELD.fullmatch(field) and field, (path.name, field)
        tables[path.name] = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    return delimiter, tables


def test_neo4j_csv_headers_references_and_values(graph, tmp_path):
    folder = export(graph, "neo4j", tmp_path)
    delimiter, tables = read_neo4j(folder)
    ids: dict[str, dict] = {}
    for name, rows in tables.items():
        if name.startswith("nodes_"):
            assert set(rows[0]) >= {"id:ID", ":LABEL"}
            for row in rows:
                assert row["id:ID"] not in ids and f"nodes_{row[':LABEL']}.csv" == name
                ids[row["id:ID"]] = row
    assert set(ids) == set(graph.nodes)
    relationships = 0
    for name, rows in tables.items():
        if name.startswith("relationships_"):
            for row in rows:
                assert row[":START_ID"] in ids and row[":END_ID"] in ids  # every reference resolves
                assert name == f"relationships_{row[':TYPE']}.csv" and re.fullmatch(r"[A-Z_]+", row[":TYPE"])
                assert float(row["confidence:double"]) >= 0
                relationships += 1
    assert relationships == graph.number_of_edges()
    for node, data in graph.nodes(data=True):
        row = ids[node]
        assert row[":LABEL"] == data["type"] and row["label:string"] == data["label"]
        for name, value in data.items():
            if kind_of(value) == "list":
                cell = row[f"{name}:string[]"]
                assert (cell.split(delimiter) if cell else []) == value, (node, name)


def test_neo4j_array_delimiter_avoids_characters_in_the_lists(tmp_path):
    delimiter, _ = read_neo4j(export(hostile_graph(), "neo4j", tmp_path))
    assert delimiter not in ";|," and delimiter not in json.dumps(list(hostile_graph().nodes(data=True)), ensure_ascii=False)


def run_cypher(script: str):
    cypherast = pytest.importorskip("cypherast")
    from cypherast.executor import Graph as CypherGraph

    engine = CypherGraph()
    lines = [line for line in script.splitlines() if line and not line.startswith("//")]
    constraint = re.compile(r"CREATE CONSTRAINT [a-z_]+ IF NOT EXISTS FOR \(n:[A-Za-z]+\) REQUIRE n\.id IS UNIQUE;")
    for line in lines:
        assert line.endswith(";")
        if line.startswith("CREATE CONSTRAINT"):
            assert constraint.fullmatch(line), line  # Neo4j 5 schema syntax; the engine has no constraints
            continue
        cypherast.run(line[:-1], graph=engine)
    return cypherast, engine


def test_cypher_script_runs_and_is_idempotent(tmp_path):
    graph = hostile_graph()
    script = export(graph, "cypher", tmp_path).read_text(encoding="utf-8")
    cypherast, engine = run_cypher(script + script)  # twice: MERGE must update, not duplicate
    nodes = {row[0]: row for row in cypherast.run("MATCH (n) RETURN n.id, labels(n), n.label, n.aliases, n.hedged, n.year", graph=engine).rows}
    assert set(nodes) == set(graph.nodes)
    for node, data in graph.nodes(data=True):
        _, labels, label, aliases, hedged, year = nodes[node]
        assert labels == [data["type"]] and label == data["label"]
        if data.get("aliases"):
            assert aliases == data["aliases"]
    assert nodes["claim/p1/1"][4] is True and nodes["paper/p1"][5] == 2024
    rows = cypherast.run("MATCH (a)-[r]->(b) RETURN a.id, type(r), b.id, r.confidence, r.evidence, r.papers", graph=engine).rows
    assert len(rows) == graph.number_of_edges()
    key_of = {relationship_type(key): key for *_, key in graph.edges(keys=True)}
    for source, rel, target, confidence, evidence, papers in rows:
        data = graph.edges[source, target, key_of[rel]]
        assert confidence == data["confidence"] and json.loads(evidence) == data["evidence"]
        if "papers" in data:
            assert papers == data["papers"]


def test_cypher_script_of_the_sample_parses(sample_build):
    cypherast = pytest.importorskip("cypherast")
    lines = (sample_build / "graph.cypher").read_text(encoding="utf-8").splitlines()
    statements = [line for line in lines if line.startswith(("MERGE", "MATCH"))]
    assert len(statements) == len(read_json(sample_build / "graph.json")) + read_json(sample_build / "graph.json").number_of_edges()
    for statement in statements:
        cypherast.parse(statement[:-1])


# ----------------------------------------------------------------------------------- Cytoscape, CSV


def test_cytoscape_elements(graph, tmp_path):
    document = json.loads(export(graph, "cytoscape", tmp_path).read_text(encoding="utf-8"))
    nodes, edges = document["elements"]["nodes"], document["elements"]["edges"]
    ids = [n["data"]["id"] for n in nodes]
    assert sorted(ids) == sorted(graph.nodes) and len(set(ids)) == len(ids)
    assert len(edges) == graph.number_of_edges() and len({e["data"]["id"] for e in edges}) == len(edges)
    for node in nodes:
        data = graph.nodes[node["data"]["id"]]
        assert node["data"]["name"] == data["label"] and node["data"]["type"] == data["type"]
        assert all(node["data"][k] == v for k, v in data.items() if kind_of(v) != "json")
    for edge in edges:
        d = edge["data"]
        original = graph.edges[d["source"], d["target"], d["interaction"]]
        assert d["type"] == d["interaction"] and json.loads(d["evidence"]) == original["evidence"]


def test_csv_tables(graph, tmp_path):
    folder = export(graph, "csv", tmp_path)
    with (folder / "nodes.csv").open(encoding="utf-8", newline="") as handle:
        nodes = {row["id"]: row for row in csv.DictReader(handle)}
    with (folder / "edges.csv").open(encoding="utf-8", newline="") as handle:
        edges = list(csv.DictReader(handle))
    assert set(nodes) == set(graph.nodes) and len(edges) == graph.number_of_edges()
    for node, data in graph.nodes(data=True):
        row = nodes[node]
        assert row["type"] == data["type"] and row["label"] == data["label"]
        for name, value in data.items():
            kind = kind_of(value)
            if kind in ("list", "json"):
                assert json.loads(row[name]) == value
            elif kind == "string":
                assert row[name] == value
    for row in edges:
        data = graph.edges[row["source"], row["target"], row["type"]]
        assert json.loads(row["evidence"]) == data["evidence"] and float(row["confidence"]) == data["confidence"]


def test_hostile_text_survives_every_text_format(tmp_path):
    """The raw files hold the hostile label in each format's own escaping, never mangled."""
    graph = hostile_graph()
    readers = {
        "graphml": lambda p: nx.read_graphml(p, force_multigraph=True).nodes["method/m1"]["label"],
        "gexf": lambda p: nx.read_gexf(p, version="1.3").nodes["method/m1"]["label"],
        "cytoscape": lambda p: next(n["data"]["label"] for n in json.loads(p.read_text(encoding="utf-8"))["elements"]["nodes"]
                                    if n["data"]["id"] == "method/m1"),
        "csv": lambda p: next(r["label"] for r in csv.DictReader(io.StringIO((p / "nodes.csv").read_text(encoding="utf-8"), newline=""))
                              if r["id"] == "method/m1"),
        "neo4j": lambda p: read_neo4j(p)[1]["nodes_Method.csv"][0]["label:string"],
        "jsonld": lambda p: next(str(o) for s, pr, o in Graph().parse(p, format="json-ld")
                                 if str(s).endswith("method/m1") and str(pr).endswith("#label")),
        "json": lambda p: read_json(p).nodes["method/m1"]["label"],
    }
    for fmt, read in readers.items():
        assert read(export(graph, fmt, tmp_path / fmt)) == HOSTILE, fmt
