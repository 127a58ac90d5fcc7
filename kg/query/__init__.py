"""SPARQL over a built graph: an embedded Oxigraph store (``engine``), named example queries
(``examples/*.rq``), result formats (``results``) and a read-only SPARQL 1.1 Protocol server (``server``)."""

from kg.query.engine import Example, QueryResult, bind_params, examples, load_store, run_query

__all__ = ["Example", "QueryResult", "bind_params", "examples", "load_store", "run_query"]
