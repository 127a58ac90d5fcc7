"""`kg query` and the named example queries: every example answers the same rows in two independent
SPARQL engines (rdflib and Oxigraph) on the sample build; parameters bind safely; all result formats."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pyoxigraph
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef

from kg.cli import main
from kg.query import bind_params, examples, load_store, run_query

NUMERIC = {"integer", "decimal", "double", "float", "long", "int"}


@pytest.fixture(scope="module")
def store(sample_build) -> pyoxigraph.Store:
    return load_store(sample_build)


@pytest.fixture(scope="module")
def rdflib_graph(sample_build) -> Graph:
    return Graph().parse(sample_build / "graph.nt", format="nt")


def _value(term) -> tuple:
    """A term as a comparable value, independent of the engine's term classes."""
    if term is None:
        return ("unbound",)
    if isinstance(term, (URIRef, pyoxigraph.NamedNode)):
        return ("iri", str(term) if isinstance(term, URIRef) else term.value)
    if isinstance(term, Literal):
        lexical, datatype = str(term), str(term.datatype or "")
    else:
        lexical, datatype = term.value, term.datatype.value
    if datatype.rsplit("#", 1)[-1] in NUMERIC:
        return ("number", Decimal(lexical))
    if datatype.endswith("#boolean"):
        return ("boolean", lexical in {"true", "1"})
    return ("literal", lexical)


@pytest.mark.parametrize("name", sorted(examples()))
def test_example_answers_the_same_rows_in_rdflib_and_oxigraph(name, store, rdflib_graph):
    text = examples()[name].text
    ours = run_query(store, text)
    theirs = rdflib_graph.query(text)
    assert ours.variables == [str(v) for v in theirs.vars]
    ours_rows = [tuple(_value(t) for t in row) for row in ours.rows]
    theirs_rows = [tuple(_value(t) for t in row) for row in theirs]
    assert ours_rows, f"{name} answers nothing on the sample build"
    assert sorted(ours_rows) == sorted(theirs_rows)


def test_examples_describe_themselves_and_declare_their_parameters():
    found = examples()
    assert {"methods-per-modality", "datasets-per-method", "propose-vs-use", "claims-about", "compared-against",
            "modality-cooccurrence", "papers-per-year", "evidence-for"} <= set(found)
    for example in found.values():
        assert example.title and not example.title.startswith("PREFIX")
        for name, default in example.params.items():
            assert f'VALUES ?{name} {{ "{default}" }}' in example.text


def test_a_parameter_changes_the_answer_and_cannot_inject_sparql(store):
    claims = examples()["claims-about"].text
    transformer = run_query(store, claims).rows
    snn = run_query(store, bind_params(claims, {"x": "spiking neural network"})).rows
    assert transformer and snn and set(transformer) != set(snn)
    assert all("spik" in str(row[1]).lower() or "snn" in str(row[1]).lower() for row in snn[:5])
    hostile = bind_params(claims, {"x": 'x" } ?c ?p ?o { "\\'})
    assert run_query(store, hostile).rows == []
    with pytest.raises(ValueError, match="no `VALUES \\?y"):
        bind_params(claims, {"y": "z"})


def test_cli_formats_papers_per_year(sample_build):
    run = CliRunner().invoke
    base = ["query", "--graph", str(sample_build), "--example", "papers-per-year"]
    as_json = json.loads(run(main, [*base, "--format", "json"]).output)
    assert as_json["head"]["vars"] == ["year", "papers"]
    counts = {b["year"]["value"]: int(b["papers"]["value"]) for b in as_json["results"]["bindings"]}
    assert sum(counts.values()) == 182 and counts["unknown"] > 0 and counts["2015"] == 3
    assert as_json["results"]["bindings"][0]["papers"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    as_csv = run(main, [*base, "--format", "csv"]).stdout_bytes.decode("utf-8")
    assert as_csv.startswith("year,papers\r\n")
    assert sum(int(r["papers"]) for r in csv.DictReader(io.StringIO(as_csv))) == 182
    as_tsv = run(main, [*base, "--format", "tsv"]).output.splitlines()
    assert as_tsv[0] == "?year\t?papers" and '"unknown"\t' in "\n".join(as_tsv)
    table = run(main, base).output.splitlines()
    assert table[0].split("|")[0].strip() == "year" and table[-1].endswith("rows)")


def test_cli_query_from_file_with_param_and_construct(sample_build, tmp_path):
    query = tmp_path / "q.rq"
    query.write_text('PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n'
                     'CONSTRUCT { ?m rdfs:label ?l } WHERE { VALUES ?l { "x" } ?m rdfs:label ?l }', encoding="utf-8")
    done = CliRunner().invoke(main, ["query", "--graph", str(sample_build / "graph.ttl"), "--file", str(query), "--param", "l=transformer"])
    assert done.exit_code == 0, done.output
    assert len(list(pyoxigraph.parse(done.output, format=pyoxigraph.RdfFormat.TURTLE))) == 1
    assert 'rdfs:label "transformer"' in done.output


def test_cli_lists_examples_and_reports_bad_queries(sample_build):
    listing = CliRunner().invoke(main, ["query", "--list-examples"]).output
    assert all(name in listing for name in examples()) and "params: x=transformer" in listing
    bad = CliRunner().invoke(main, ["query", "--graph", str(sample_build), "SELECT ?x WHERE { ?x"])
    assert bad.exit_code == 1 and "malformed query" in bad.output
    neither = CliRunner().invoke(main, ["query", "--graph", str(sample_build)])
    assert neither.exit_code == 2 and "exactly one of QUERY" in neither.output


def test_a_broken_graph_file_is_reported_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.nt"
    bad.write_text('<urn:a> <urn:b> "fine" .\n<urn:a> <urn:b> oops .\n', encoding="utf-8")
    done = CliRunner().invoke(main, ["query", "--graph", str(bad), "ASK {}"])
    assert done.exit_code == 1 and str(bad) in done.output and "line 2" in done.output
    empty = tmp_path / "empty"
    empty.mkdir()
    done = CliRunner().invoke(main, ["query", "--graph", str(empty), "ASK {}"])
    assert done.exit_code == 1 and "run `kg build` first" in done.output


def test_evidence_for_matches_x_by_alias_like_the_other_examples(store):
    evidence = examples()["evidence-for"].text
    by_label = run_query(store, bind_params(evidence, {"x": "sparse autoencoder"})).rows
    by_alias = run_query(store, bind_params(evidence, {"x": "SAEs"})).rows  # an skos:altLabel of it
    assert by_label and by_alias == by_label
    for name, example in examples().items():
        if example.params:
            assert "rdfs:label|skos:altLabel ?name" in example.text, name
