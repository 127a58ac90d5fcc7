"""Tests for the offline interactive HTML exporter (kg.export.html)."""

from __future__ import annotations

import json
import pathlib
import re

import networkx as nx
import numpy as np
import pytest

from kg.export.html import NODE_STYLES, build_payload, resolve_view, write_html

HOSTILE_TITLE = "<img src=x onerror=alert(1)> </script><script>alert(2)</script> & <!-- x"
TYPES = ["Paper", "Method", "Dataset", "Modality", "Claim"]
ABSTRACT_1 = "We propose DeepV4, a transformer model. It outperforms CNN on Allen Brain Observatory."
ABSTRACT_2 = "We use MCMC on Neuropixels recordings from the IBL dataset."


def _ev(sentence: str, text: str, section: str = "abstract") -> dict:
    """Evidence with offsets in the paper's abstract (as the extractor records them)."""
    base = next((a.find(sentence) for a in (ABSTRACT_1, ABSTRACT_2) if sentence in a), 0)
    start = base + sentence.find(text)
    return {"sentence": sentence, "section": section, "start": start, "end": start + len(text),
            "text": text, "extractor": "test", "confidence": 0.9}


def _edge(g: nx.MultiDiGraph, u: str, v: str, kind: str, sentences: list[tuple[str, str]], **extra) -> None:
    g.add_edge(u, v, key=kind, type=kind, confidence=0.9, extractor="test",
               evidence=[_ev(s, t) for s, t in sentences], **extra)


def _entity(g: nx.MultiDiGraph, node: str, kind: str, label: str, aliases: list[str], papers: int) -> None:
    g.add_node(node, type=kind, label=label, aliases=sorted(aliases), vocab="", broader=[], papers=papers)


def _paper(g: nx.MultiDiGraph, slug: str, title: str, abstract: str, date: str = "", url: str = "") -> str:
    node = f"paper/{slug}"
    g.add_node(node, type="Paper", label=title, title=title, abstract=abstract, date=date,
               year=int(date[:4]) if date else 0, url=url, identifier=slug, authors=["A. Author", "B. Author"],
               author_count=2, sources=[f"corpus.txt:{len(slug)}"])
    return node


def make_graph(hostile: bool = False) -> nx.MultiDiGraph:
    """Two papers, three methods, two datasets, two modalities, two claims (per the graph contract)."""
    g = nx.MultiDiGraph()
    t1 = HOSTILE_TITLE if hostile else "Transformers predict neural responses in macaque V4 across many stimuli"
    p1 = _paper(g, "p1", t1, ABSTRACT_1, "2023-09-02", "https://arxiv.org/abs/2309.00001")
    p2 = _paper(g, "p2", "Bayesian bi-clustering of spiking activity", ABSTRACT_2, "")
    _entity(g, "method/deepv4", "Method", "DeepV4", ["DeepV4", "deep-v4"], 1)
    _entity(g, "method/cnn", "Method", "convolutional neural network", ["CNN", "convolutional neural network"], 1)
    _entity(g, "method/mcmc", "Method", "Markov chain Monte Carlo", ["MCMC", "Markov chain Monte Carlo"], 1)
    _entity(g, "dataset/allen", "Dataset", "Allen Brain Observatory", ["Allen Brain Observatory"], 1)
    _entity(g, "dataset/ibl", "Dataset", "IBL", ["IBL", "International Brain Laboratory"], 1)
    _entity(g, "modality/ephys", "Modality", "electrophysiology", ["Neuropixels", "electrophysiology"], 2)
    _entity(g, "modality/calcium", "Modality", "calcium imaging", ["calcium imaging"], 1)
    s1 = "We propose DeepV4, a transformer model."
    s2 = "It outperforms CNN on Allen Brain Observatory."
    s3 = "We use MCMC on Neuropixels recordings from the IBL dataset."
    _edge(g, p1, "method/deepv4", "proposesMethod", [(s1, "DeepV4")])
    _edge(g, p1, "method/cnn", "usesMethod", [(s2, "CNN")])
    _edge(g, p1, "dataset/allen", "usesDataset", [(s2, "Allen Brain Observatory")])
    _edge(g, p1, "modality/ephys", "hasModality", [(s2, "Allen Brain Observatory")])
    _edge(g, p1, "modality/calcium", "hasModality", [(s2, "Allen Brain Observatory")])
    _edge(g, p2, "method/mcmc", "usesMethod", [(s3, "MCMC")])
    _edge(g, p2, "dataset/ibl", "usesDataset", [(s3, "IBL")])
    _edge(g, p2, "modality/ephys", "hasModality", [(s3, "Neuropixels")])
    claim_text = HOSTILE_TITLE if hostile else "DeepV4 outperforms CNN on Allen Brain Observatory."
    g.add_node("claim/p1/0", type="Claim", label=claim_text, text=claim_text, paper=p1, hedged=False,
               hedges=[], section="abstract", start=0, end=len(s2), confidence=0.8)
    g.add_node("claim/p2/0", type="Claim", label="MCMC may recover latent structure.",
               text="MCMC may recover latent structure.", paper=p2, hedged=True, hedges=["may"],
               section="abstract", start=0, end=10, confidence=0.6)
    _edge(g, p1, "claim/p1/0", "hasClaim", [(s2, s2)])
    _edge(g, p2, "claim/p2/0", "hasClaim", [(s3, s3)])
    _edge(g, "claim/p1/0", "method/deepv4", "about", [(s2, "It")])
    _edge(g, "claim/p2/0", "method/mcmc", "about", [(s3, "MCMC")])
    hostile_sentence = HOSTILE_TITLE if hostile else s2
    _edge(g, "method/deepv4", "method/cnn", "outperforms", [(hostile_sentence, "CNN"), (s1, "DeepV4")],
          paper=p1, on="dataset/allen")
    return g


def embedded_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    assert match, "no embedded JSON block"
    return json.loads(match.group(1))


@pytest.fixture()
def page_path(tmp_path: pathlib.Path) -> pathlib.Path:
    return write_html(make_graph(), tmp_path / "out" / "graph.html")


def test_returns_path_and_writes_file(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "graph.html"
    result = write_html(make_graph(), target, title="My graph")
    assert result == target
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>My graph</title>" in page


def test_no_network_references(page_path: pathlib.Path) -> None:
    page = page_path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I), "no external scripts at all"
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?\s*(https?:)?//", page, re.I)
    assert not re.search(r"@import", page, re.I)
    assert not re.search(r"url\(\s*[\"']?\s*(https?:)?//", page, re.I)
    assert not re.search(r"sourceMappingURL", page)
    assert not re.search(r"(src|href)\s*=\s*[\"']?https?://", page, re.I)


def test_vis_network_inlined(page_path: pathlib.Path) -> None:
    page = page_path.read_text(encoding="utf-8")
    assert " * vis-network" in page and "@version 9.1.2" in page  # the library's licence banner
    assert "new vis.Network(" in page
    scripts = re.findall(r"<script(?:\s[^>]*)?>(.*?)</script>", page, re.S)
    assert max(len(s) for s in scripts) > 300_000  # the minified library itself
    assert "div.vis-tooltip" in page  # and its stylesheet


def test_embedded_json_counts_and_types(page_path: pathlib.Path) -> None:
    graph = make_graph()
    data = embedded_data(page_path.read_text(encoding="utf-8"))
    assert len(data["nodes"]) == graph.number_of_nodes() == data["shown_nodes"] == 11
    assert len(data["edges"]) == graph.number_of_edges() == data["shown_edges"] == 13
    assert data["hidden_nodes"] == 0
    assert {n["id"]: n["type"] for n in data["nodes"]} == {n: a["type"] for n, a in graph.nodes(data=True)}
    assert sorted(e["type"] for e in data["edges"]) == sorted(k for _, _, k in graph.edges(keys=True))
    assert [n["id"] for n in data["nodes"]] == sorted(graph.nodes)
    counts = {t["name"]: t["count"] for t in data["types"]}
    assert counts == {"Paper": 2, "Method": 3, "Dataset": 2, "Modality": 2, "Claim": 2}
    # styles differ per type, sizes grow with degree, positions are precomputed
    styles = {(t["color"], t["shape"]) for t in data["types"]}
    assert len(styles) == 5
    by_id = {n["id"]: n for n in data["nodes"]}
    assert by_id["paper/p1"]["size"] > by_id["modality/calcium"]["size"]
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in data["nodes"])
    assert len({(n["x"], n["y"]) for n in data["nodes"]}) == len(data["nodes"])
    # evidence sentences travel with edges; outperforms keeps its paper / dataset
    out = next(e for e in data["edges"] if e["type"] == "outperforms")
    assert out["from"] == "method/deepv4" and out["to"] == "method/cnn"
    assert [ev["sentence"] for ev in out["evidence"]] == ["It outperforms CNN on Allen Brain Observatory.",
                                                          "We propose DeepV4, a transformer model."]
    assert out["on"] == "dataset/allen" and out["on_label"] == "Allen Brain Observatory"
    assert out["paper"] == "paper/p1"


def test_panel_relations(page_path: pathlib.Path) -> None:
    data = embedded_data(page_path.read_text(encoding="utf-8"))
    by_id = {n["id"]: n for n in data["nodes"]}
    paper = {s["name"]: [i["id"] for i in s["items"]] for s in by_id["paper/p1"]["relations"]}
    assert paper["Methods"] == ["method/cnn", "method/deepv4"]
    assert paper["Datasets"] == ["dataset/allen"]
    assert sorted(paper["Modalities"]) == ["modality/calcium", "modality/ephys"]
    assert paper["Claims"] == ["claim/p1/0"]
    assert by_id["paper/p1"]["attrs"]["abstract"].startswith("We propose DeepV4")
    method = {s["name"]: [i["id"] for i in s["items"]] for s in by_id["method/deepv4"]["relations"]}
    assert method["Papers"] == ["paper/p1"]
    assert method["Claims about it"] == ["claim/p1/0"]
    assert method["Outperforms"] == ["method/cnn"]
    assert by_id["method/cnn"]["attrs"]["aliases"] == ["CNN", "convolutional neural network"]
    cnn = {s["name"]: [i["id"] for i in s["items"]] for s in by_id["method/cnn"]["relations"]}
    assert cnn["Outperformed by"] == ["method/deepv4"]


def test_paper_label_truncated_full_title_kept(page_path: pathlib.Path) -> None:
    data = embedded_data(page_path.read_text(encoding="utf-8"))
    paper = next(n for n in data["nodes"] if n["id"] == "paper/p1")
    full = "Transformers predict neural responses in macaque V4 across many stimuli"
    assert len(paper["label"]) <= 40 and paper["label"].endswith("\u2026")
    assert paper["name"] == full and paper["attrs"]["title"] == full


def test_hostile_text_is_data_not_markup(tmp_path: pathlib.Path) -> None:
    path = write_html(make_graph(hostile=True), tmp_path / "g.html", title=HOSTILE_TITLE)
    page = path.read_text(encoding="utf-8")
    assert "<img" not in page
    assert "alert(1)" in page  # it is there, but only as escaped data
    assert "<!-- x" not in page
    # raw </script> only where the page closes its own scripts
    # (vis-network's own code holds a harmless "<script>" string literal, so count closers only)
    assert page.lower().count("</script") == len(re.findall(r"^<script\b", page, re.M)) == 3
    assert "<!--" not in page
    assert "<title>&lt;img src=x onerror=alert(1)&gt;" in page
    data = embedded_data(page)
    assert data["title"] == HOSTILE_TITLE
    by_id = {n["id"]: n for n in data["nodes"]}
    assert by_id["paper/p1"]["attrs"]["title"] == HOSTILE_TITLE
    assert by_id["claim/p1/0"]["attrs"]["text"] == HOSTILE_TITLE
    out = next(e for e in data["edges"] if e["type"] == "outperforms")
    assert out["evidence"][0]["sentence"] == HOSTILE_TITLE
    # the page script never feeds input text to an HTML parser
    app = re.findall(r"<script>(.*?)</script>", page, re.S)[-1]
    assert "innerHTML" not in app and "insertAdjacentHTML" not in app and "document.write" not in app
    assert "textContent" in app


def test_legend_lists_each_type(page_path: pathlib.Path) -> None:
    page = page_path.read_text(encoding="utf-8")
    legend = re.search(r'<nav id="legend".*?</nav>', page, re.S).group(0)
    for kind in TYPES:
        assert f'data-type="{kind}"' in legend
        assert f'<input type="checkbox" class="type-filter" value="{kind}" checked>' in legend
        assert NODE_STYLES[kind][0] in legend  # its colour swatch


def test_deterministic_output(tmp_path: pathlib.Path) -> None:
    a = write_html(make_graph(), tmp_path / "a.html").read_bytes()
    b = write_html(make_graph(), tmp_path / "b.html").read_bytes()
    assert a == b
    # insertion order of nodes/edges does not matter either
    g = make_graph()
    shuffled = nx.MultiDiGraph()
    shuffled.add_nodes_from(sorted(g.nodes(data=True), reverse=True))
    shuffled.add_edges_from(sorted(g.edges(keys=True, data=True), key=lambda e: e[:3], reverse=True))
    c = write_html(shuffled, tmp_path / "c.html").read_bytes()
    assert a == c


def test_atomic_write_leaves_no_temp_files(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "graph.html"
    target.write_text("old", encoding="utf-8")
    write_html(make_graph(), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.html"]
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_failed_write_keeps_old_file_and_no_temp(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.atomic as mod

    target = tmp_path / "graph.html"
    target.write_text("old", encoding="utf-8")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(mod.os, "replace", boom)
    with pytest.raises(OSError):
        write_html(make_graph(), target)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.html"]


def test_max_nodes_keeps_top_degree(tmp_path: pathlib.Path) -> None:
    g = make_graph()
    page = write_html(g, tmp_path / "g.html", view="papers", max_nodes=4).read_text(encoding="utf-8")
    data = embedded_data(page)
    top = sorted(g.nodes, key=lambda n: (-g.degree(n), n))[:4]
    assert sorted(n["id"] for n in data["nodes"]) == sorted(top)
    assert data["hidden_nodes"] == g.number_of_nodes() - 4
    kept = set(top)
    assert all(e["from"] in kept and e["to"] in kept for e in data["edges"])
    assert "7 nodes hidden" in page
    # the rest stay reachable by search (records without a position, drawn on demand)
    assert sorted(n["id"] for n in data["extra"]) == sorted(set(g.nodes) - kept)
    assert all("x" not in n for n in data["extra"])


def test_empty_graph(tmp_path: pathlib.Path) -> None:
    data = embedded_data(write_html(nx.MultiDiGraph(), tmp_path / "e.html").read_text(encoding="utf-8"))
    assert data["nodes"] == [] and data["edges"] == []


def test_large_graph_layout_places_nodes_near_their_neighbours(monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.export.html_layout as mod

    monkeypatch.setattr(mod, "FULL_LAYOUT_MAX", 20)
    monkeypatch.setattr(mod, "ANCHORS", 4)
    # four hubs with 15 leaves each, and 5 isolated nodes
    edges = [(hub, 4 + hub * 15 + leaf) for hub in range(4) for leaf in range(15)]
    pos = mod.layout(69, edges)
    assert pos.shape == (69, 2) and np.isfinite(pos).all()
    assert (pos == mod.layout(69, list(reversed(edges)))).all()  # deterministic, order-free
    for hub in range(4):
        leaves = pos[4 + hub * 15: 4 + (hub + 1) * 15]
        own = np.linalg.norm(leaves - pos[hub], axis=1).max()
        others = min(np.linalg.norm(pos[other] - pos[hub]) for other in range(4) if other != hub)
        assert own < others / 2  # each leaf sits by its hub
    assert len({tuple(p) for p in pos.round(6)}) == 69
    assert (np.linalg.norm(pos[64:], axis=1) > 1.0).all()  # unconnected ones on the outer ring


def test_every_drawn_node_comes_placed(page_path: pathlib.Path) -> None:
    """The browser runs no physics (tests/test_browser_html.py): the payload must place every node."""
    nodes = embedded_data(page_path.read_text(encoding="utf-8"))["nodes"]
    xy = [(n["x"], n["y"]) for n in nodes]
    assert all(isinstance(c, float) and np.isfinite(c) for p in xy for c in p)
    assert len(set(xy)) == len(nodes)  # no two nodes on top of each other


def test_minimal_and_unknown_nodes_render(tmp_path: pathlib.Path) -> None:
    g = nx.MultiDiGraph()
    g.add_node("paper/bare", type="Paper")  # no label/title/abstract at all
    g.add_node("thing/x", label="Something else")  # no type
    g.add_edge("paper/bare", "thing/x", key="mentions")  # no type/evidence attributes
    data = embedded_data(write_html(g, tmp_path / "g.html").read_text(encoding="utf-8"))
    by_id = {n["id"]: n for n in data["nodes"]}
    assert by_id["paper/bare"]["label"] == "paper/bare"
    assert by_id["thing/x"]["type"] == "Other"
    assert data["edges"][0]["type"] == "mentions" and data["edges"][0]["evidence"] == []
    assert "Other" in {t["name"] for t in data["types"]}


# --------------------------------------------------------------------------------------------
# views, filters, panel data
# --------------------------------------------------------------------------------------------
def test_auto_view_is_papers_for_small_graphs_and_entities_for_large(monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.export.html_views as mod

    g = make_graph()
    assert resolve_view(g)[0] == "papers"
    assert resolve_view(g, "full") == ("papers", g.number_of_nodes())
    monkeypatch.setattr(mod, "AUTO_PAPERS_MAX", 5)
    assert resolve_view(g)[0] == "entities"
    with pytest.raises(ValueError, match="unknown view 'ego'"):
        resolve_view(g, "ego")


def test_entities_view_draws_cooccurrence(tmp_path: pathlib.Path) -> None:
    g = make_graph()
    data = embedded_data(write_html(g, tmp_path / "e.html", view="entities").read_text(encoding="utf-8"))
    assert data["view"] == "entities"
    entities = sorted(n for n, a in g.nodes(data=True) if a["type"] in {"Method", "Dataset", "Modality"})
    assert [n["id"] for n in data["nodes"]] == entities
    assert {t["name"] for t in data["types"]} == {"Method", "Dataset", "Modality"}
    co = {(e["from"], e["to"]): e["weight"] for e in data["edges"] if e["type"] == "coOccurs"}
    # electrophysiology is in both papers: linked to the entities of each, once per shared paper
    assert co[("method/mcmc", "modality/ephys")] == 1
    assert co[("method/cnn", "method/deepv4")] == 1
    assert ("method/cnn", "method/mcmc") not in co  # never in the same paper
    example = next(e for e in data["edges"] if e["id"] == "method/cnn|coOccurs|method/deepv4")
    assert example["examples"] == ["Transformers predict neural responses in macaque V4 across many stimuli"]
    # typed entity-entity edges stay; papers are carried for the panels, with their abstracts
    assert [e["type"] for e in data["edges"] if e["type"] != "coOccurs"] == ["outperforms"]
    assert sorted(p["id"] for p in data["papers"]) == ["paper/p1", "paper/p2"]
    assert data["papers"][0]["attrs"]["abstract"] == ABSTRACT_1


def test_filter_keys_year_modality_role() -> None:
    data = build_payload(make_graph(), view="papers")
    mods = [m["id"] for m in data["modalities"]]
    assert mods == ["modality/calcium", "modality/ephys"]  # sorted by label
    assert [m["papers"] for m in data["modalities"]] == [1, 2]
    assert data["years"] == [2023, 2023] and data["undated"] == 1
    by_id = {n["id"]: n for n in data["nodes"]}
    assert by_id["paper/p1"]["years"] == [2023] and by_id["paper/p2"]["years"] == []
    assert [mods[i] for i in by_id["paper/p2"]["mods"]] == ["modality/ephys"]
    assert by_id["method/deepv4"]["roles"] == ["proposed"]
    assert by_id["method/cnn"]["roles"] == ["used"]
    assert by_id["method/mcmc"]["years"] == []  # its only paper is undated
    assert [mods[i] for i in by_id["method/mcmc"]["mods"]] == ["modality/ephys"]
    assert [mods[i] for i in by_id["modality/calcium"]["mods"]] == ["modality/calcium", "modality/ephys"]
    assert by_id["claim/p2/0"]["paper"] == "paper/p2"
    roles = {e["type"]: e.get("role") for e in data["edges"]}
    assert roles["proposesMethod"] == "proposed" and roles["usesDataset"] == "used" and roles["hasModality"] is None


def test_abstract_mentions_carry_offsets() -> None:
    data = build_payload(make_graph(), view="papers")
    paper = next(n for n in data["nodes"] if n["id"] == "paper/p2")
    abstract = paper["attrs"]["abstract"]
    assert {section for section, *_ in paper["marks"]} == {"abstract"}
    found = {(abstract[start:end], target) for _, start, end, target in paper["marks"]}
    assert found == {("MCMC", "method/mcmc"), ("IBL", "dataset/ibl"), ("Neuropixels", "modality/ephys")}


def test_entity_panel_lists_papers_cooccurring_and_claims() -> None:
    data = build_payload(make_graph(), view="papers")
    ephys = {s["name"]: s for s in next(n for n in data["nodes"] if n["id"] == "modality/ephys")["relations"]}
    assert [i["id"] for i in ephys["Papers"]["items"]] == ["paper/p1", "paper/p2"]  # newest first
    top = ephys["Co-occurs most with"]["items"]
    assert {i["id"] for i in top} == {"method/cnn", "method/deepv4", "dataset/allen", "modality/calcium",
                                      "method/mcmc", "dataset/ibl"}
    assert all(i["n"] == 1 for i in top)
    mcmc = {s["name"]: s for s in next(n for n in data["nodes"] if n["id"] == "method/mcmc")["relations"]}
    assert [i["id"] for i in mcmc["Claims about it"]["items"]] == ["claim/p2/0"]


def test_long_panel_lists_are_capped_and_counted() -> None:
    from kg.export.html_views import LIST_MAX

    g = nx.MultiDiGraph()
    _entity(g, "method/popular", "Method", "Popular", ["Popular"], 60)
    for i in range(60):
        node = _paper(g, f"q{i:02d}", f"Paper {i:02d}", "Uses Popular.", f"{2000 + i % 20}-01-01")
        _edge(g, node, "method/popular", "usesMethod", [("Uses Popular.", "Popular")])
    data = build_payload(g, view="papers")
    papers = next(s for s in next(n for n in data["nodes"] if n["id"] == "method/popular")["relations"]
                  if s["name"] == "Papers")
    assert papers["total"] == 60 and len(papers["items"]) == LIST_MAX
    years = [int(i["id"][len("paper/q"):]) % 20 for i in papers["items"]]
    assert years == sorted(years, reverse=True) and years[0] == 19  # newest first


def test_every_referenced_node_has_a_name(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.export.html_views as mod

    monkeypatch.setattr(mod, "SEARCH_MAX", 2)
    for view in ("papers", "entities"):
        data = build_payload(make_graph(), view=view, max_nodes=3)
        records = {r["id"] for r in data["nodes"] + data["extra"] + data["papers"]}
        referenced = {i["id"] for r in data["nodes"] + data["extra"] + data["papers"]
                      for s in r["relations"] for i in s["items"]}
        assert referenced and referenced <= records | set(data["names"])
        assert all(kind and name for kind, name in data["names"].values())


def test_large_graph_default_view_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default page of a graph far larger than its budgets draws, lists and carries bounded amounts."""
    import kg.export.html_views as mod

    g = nx.MultiDiGraph()
    for m in range(40):
        _entity(g, f"method/m{m:02d}", "Method", f"M{m:02d}", [f"M{m:02d}"], 0)
    for p in range(120):
        node = _paper(g, f"p{p:03d}", f"Paper {p}", "Uses M00 and M01.", "2020-01-01")
        for m in {0, 1, p % 40}:
            _edge(g, node, f"method/m{m:02d}", "usesMethod", [("Uses M00 and M01.", "M00")])
    monkeypatch.setattr(mod, "AUTO_PAPERS_MAX", 100)
    monkeypatch.setattr(mod, "DEFAULT_MAX_NODES", {"papers": 50, "entities": 10})
    monkeypatch.setattr(mod, "SEARCH_MAX", 7)
    monkeypatch.setattr(mod, "PAPERS_MAX", 30)
    monkeypatch.setattr(mod, "FULL_PAPERS_MAX", 20)
    data = build_payload(g)
    assert data["view"] == "entities"
    assert [n["id"] for n in data["nodes"]][:2] == ["method/m00", "method/m01"]  # the most used are drawn
    assert len(data["nodes"]) == 10 and len(data["extra"]) == 7 and len(data["papers"]) == 30
    assert all("abstract" not in p["attrs"] for p in data["papers"])  # too many for abstracts
    assert all(len(e["examples"]) <= 3 for e in data["edges"])


def test_cli_export_html_view(tmp_path: pathlib.Path) -> None:
    from click.testing import CliRunner

    from kg.cli import main
    from kg.export.json_graph import write_json

    write_json(make_graph(), tmp_path / "graph.json")
    out = tmp_path / "entities.html"
    result = CliRunner().invoke(main, ["export", "--graph", str(tmp_path), "--format", "html",
                                       "--view", "entities", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = embedded_data(out.read_text(encoding="utf-8"))
    assert data["view"] == "entities" and len(data["nodes"]) == 7
    bad = CliRunner().invoke(main, ["export", "--graph", str(tmp_path), "--format", "html", "--view", "x", "-o", str(out)])
    assert bad.exit_code == 2 and "'x' is not one of" in bad.output


def test_byte_identical_across_hash_seeds(tmp_path: pathlib.Path) -> None:
    import os
    import subprocess
    import sys

    script = ("import pathlib, sys; sys.path.insert(0, sys.argv[1]); from test_export_html import make_graph; "
              "from kg.export.html import write_html; "
              "[write_html(make_graph(), pathlib.Path(sys.argv[2]) / f'{v}.html', view=v) for v in ('papers', 'entities')]")
    pages = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        out.mkdir()
        subprocess.run([sys.executable, "-c", script, str(pathlib.Path(__file__).parent), str(out)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        pages.append([(out / f"{v}.html").read_bytes() for v in ("papers", "entities")])
    assert pages[0] == pages[1]


# --------------------------------------------------------------------------------------------
# authors (Person nodes, Paper -hasAuthor-> Person)
# --------------------------------------------------------------------------------------------
def make_authored_graph(papers: int, authors: int) -> nx.MultiDiGraph:
    """``papers`` papers using one method, each with ``authors`` Person nodes of its own, plus one
    person (Ada Lovelace) who is last author of the first two papers (as kg.graph.assemble builds them)."""
    g = nx.MultiDiGraph()
    _entity(g, "method/cnn", "Method", "CNN", ["CNN"], papers)
    for i in range(papers):
        names = [f"Author {i}-{j}" for j in range(authors)] + (["Ada Lovelace"] if i < 2 else [])
        node = f"paper/p{i:04d}"
        g.add_node(node, type="Paper", label=f"Paper {i}", title=f"Paper {i}", abstract="", date=f"{2000 + i % 20}",
                   year=2000 + i % 20, url="", identifier=node, authors=names, author_count=len(names))
        _edge(g, node, "method/cnn", "usesMethod", [])
        for order, name in enumerate(names, start=1):
            person = "person/" + name.lower().replace(" ", "-")
            if person not in g:
                g.add_node(person, type="Person", label=name, name=name, papers=0)
            g.nodes[person]["papers"] += 1
            g.add_edge(node, person, key="hasAuthor", type="hasAuthor", order=order, confidence=1.0,
                       extractor="ingest", evidence=[])
    return g


def test_authors_do_not_switch_auto_to_the_entities_view(tmp_path: pathlib.Path) -> None:
    g = make_authored_graph(300, 8)  # 2,401 authors, 301 other nodes
    assert g.number_of_nodes() > 2000
    assert resolve_view(g) == ("papers", 2000)
    page = write_html(g, tmp_path / "g.html").read_text(encoding="utf-8")
    data = embedded_data(page)
    assert data["view"] == "papers"
    # every paper and the method drawn, no author: they do not use up the budget
    assert sorted(n["id"] for n in data["nodes"]) == sorted(n for n, t in g.nodes(data="type") if t != "Person")
    assert {e["type"] for e in data["edges"]} == {"usesMethod"}
    # every author searchable, and the note says where they are
    assert sorted(n["id"] for n in data["extra"]) == sorted(n for n, t in g.nodes(data="type") if t == "Person")
    assert "301 nodes, 300 edges; 2401 authors not drawn (search by name, or open a paper)" in page


def test_budget_ranks_papers_and_entities_not_authors(monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.export.html_views as mod

    monkeypatch.setattr(mod, "PEOPLE_SEARCH_MAX", 20)  # "author-10-…" sorts before "author-2-…"
    g = make_authored_graph(30, 8)
    data = build_payload(g, view="papers", max_nodes=10)
    drawn = {n["id"] for n in data["nodes"]}
    assert "method/cnn" in drawn and len(drawn) == 10
    assert {g.nodes[n]["type"] for n in drawn} == {"Method", "Paper"}  # papers outrank their many authors
    # when not every author fits, search keeps those of drawn papers (most drawn papers first)
    people = [n["id"] for n in data["extra"] if n["type"] == "Person"]
    assert len(people) == 20 and "person/ada-lovelace" in people
    assert all(set(g.predecessors(p)) & drawn for p in people)


def test_paper_panel_lists_authors_in_byline_order_and_author_panel_their_papers() -> None:
    g = make_authored_graph(3, 3)
    data = build_payload(g)
    records = {r["id"]: r for r in data["nodes"] + data["extra"]}
    authors = next(s for s in records["paper/p0000"]["relations"] if s["name"] == "Authors")
    assert [it["id"] for it in authors["items"]] == [
        "person/author-0-0", "person/author-0-1", "person/author-0-2", "person/ada-lovelace"]
    assert [it["order"] for it in authors["items"]] == [1, 2, 3, 4]
    ada = records["person/ada-lovelace"]
    assert ada["type"] == "Person" and ada["attrs"] == {"name": "Ada Lovelace", "papers": 2}
    papers = next(s for s in ada["relations"] if s["name"] == "Papers")
    assert [it["id"] for it in papers["items"]] == ["paper/p0001", "paper/p0000"]  # newest first
    assert ada["years"] == [2000, 2001]
    # the entities view draws no papers, but its search reaches the authors too
    assert "person/ada-lovelace" in {r["id"] for r in build_payload(g, view="entities")["extra"]}


def test_person_style_legend_and_hasauthor_colour(tmp_path: pathlib.Path) -> None:
    g = make_authored_graph(3, 2)
    page = write_html(g, tmp_path / "full.html", view="full").read_text(encoding="utf-8")
    data = embedded_data(page)
    person = next(t for t in data["types"] if t["name"] == "Person")
    assert (person["color"], person["shape"], person["glyph"]) == NODE_STYLES["Person"]
    assert NODE_STYLES["Person"] != ("#8c8c8c", "hexagon", "\u2b22")  # not the grey "Other" style
    assert person["count"] == person["shown"] == 7  # the full view draws the authors
    legend = re.search(r'<nav id="legend".*?</nav>', page, re.S).group(0)
    assert 'data-type="Person"' in legend and NODE_STYLES["Person"][0] in legend
    assert data["edge_colors"]["hasAuthor"] in legend and "hasAuthor" in legend
    assert sum(e["type"] == "hasAuthor" for e in data["edges"]) == 8
    # a graph without authors shows no empty Person row
    assert "Person" not in {t["name"] for t in build_payload(make_graph())["types"]}


def test_papers_listed_in_bulk_match_the_one_by_one_listing() -> None:
    """An entity's or author's papers are counted and ranked from the page's index; a panel lists
    the same papers, in the same order and with the same totals, as reading every edge would
    give, including a paper with two edges to the entity, an odd hasClaim edge, and an out-edge
    from the entity to a paper (a hand-made graph)."""
    from kg.export.html_views import _Index, _relations

    g = nx.MultiDiGraph()
    _entity(g, "method/popular", "Method", "Popular", ["Popular"], 40)
    _entity(g, "dataset/odd", "Dataset", "Odd", ["Odd"], 3)
    _entity(g, "method/citing", "Method", "Citing", ["Citing"], 1)
    g.add_node("person/ada", type="Person", label="Ada", name="Ada", papers=40)
    for i in range(40):
        node = _paper(g, f"q{i:02d}", f"Paper {i:02d}", "Uses Popular.", f"{2000 + i % 7}-01-01")
        _edge(g, node, "method/popular", "usesMethod", [("Uses Popular.", "Popular")])
        if i % 3 == 0:  # proposes it too: two rows for one paper
            _edge(g, node, "method/popular", "proposesMethod", [("Uses Popular.", "Popular")])
        g.add_edge(node, "person/ada", key="hasAuthor", type="hasAuthor", order=1, evidence=[])
    g.add_edge("paper/q01", "dataset/odd", key="hasClaim", type="hasClaim", evidence=[])
    g.add_edge("paper/q02", "dataset/odd", key="usesDataset", type="usesDataset", evidence=[])
    _edge(g, "paper/q04", "method/citing", "usesMethod", [("Uses Popular.", "Popular")])
    g.add_edge("method/citing", "paper/q03", key="cites", type="cites", evidence=[])
    ix = _Index.of(g)
    for node in ("method/popular", "dataset/odd", "method/citing", "person/ada"):
        for limit in (5, 25, 100):
            assert _relations(ix, node, limit) == _relations(ix, node, limit, bulk=False)
    papers = next(s for s in _relations(ix, "person/ada") if s["name"] == "Papers")
    assert papers["total"] == 40 and len(papers["items"]) == 25


def test_an_entity_panel_says_the_same_in_both_views() -> None:
    """The entities view takes an entity's co-occurring entities from the pairs it counted for its
    links, and every view reads an entity's years and modalities from arrays in the papers' order:
    a panel must still list what counting over the entity's own papers gives, in either view."""
    g = nx.MultiDiGraph()
    entities = [("method/m0", "Method"), ("method/m1", "Method"), ("dataset/d0", "Dataset"),
                ("modality/eeg", "Modality"), ("modality/fmri", "Modality"), ("modality/spikes", "Modality")]
    for node, kind in entities:
        _entity(g, node, kind, node.split("/")[1].upper(), [node.split("/")[1]], 0)
    for i in range(30):
        node = _paper(g, f"r{i:02d}", f"Paper {i:02d}", "Text.", f"{2015 + i % 4}-03-01" if i % 5 else "")
        for j, (entity, kind) in enumerate(entities):
            if (i * (j + 3)) % 7 < 3:
                _edge(g, node, entity, "hasModality" if kind == "Modality" else "usesMethod", [("Text.", "Text")])
    papers_view = {n["id"]: n for n in build_payload(g, view="papers")["nodes"]}
    entities_payload = build_payload(g, view="entities")
    entities_view = {n["id"]: n for n in entities_payload["nodes"]}
    modalities = [m["id"] for m in entities_payload["modalities"]]
    assert sorted(entities_view) == sorted(node for node, _ in entities)
    for node, _ in entities:
        own = list(g.predecessors(node))
        together: dict[str, int] = {}
        for paper in own:
            for other in g.successors(paper):
                if other != node:
                    together[other] = together.get(other, 0) + 1
        listed = {s["name"]: s for s in entities_view[node]["relations"]}["Co-occurs most with"]["items"]
        assert {item["id"]: item["n"] for item in listed} == together
        assert entities_view[node]["relations"] == papers_view[node]["relations"]
        years = sorted({g.nodes[p]["year"] for p in own} - {0})
        mods = sorted({modalities.index(m) for p in own for m in g.successors(p) if m.startswith("modality/")}
                      | ({modalities.index(node)} if node.startswith("modality/") else set()))
        for view in (entities_view, papers_view):
            assert (view[node]["years"], view[node]["mods"]) == (years, mods)


def test_co_occurring_entities_are_the_top_ten_by_papers_then_name() -> None:
    """The panel's "Co-occurs most with" names only the entities whose counts can still be listed:
    with ties at the tenth count, the listed ten are still the first ten of the full order (most
    papers, then name, then id), whichever counting path the view takes."""
    g = nx.MultiDiGraph()
    _entity(g, "method/hub", "Method", "Hub", ["Hub"], 0)
    # 14 partners: m00-m03 share 3 papers with the hub, m04-m13 one each (a tie across the cut)
    partners = [(f"method/m{i:02d}", f"Zeta {20 - i}" if i % 2 else f"Alpha {i}") for i in range(14)]
    for node, label in partners:
        _entity(g, node, "Method", label, [label], 0)
    for i, (node, _) in enumerate(partners):
        for copy in range(3 if i < 4 else 1):
            paper = _paper(g, f"c{i:02d}{copy}", f"Paper {i} {copy}", "Text.", "2020-01-01")
            _edge(g, paper, "method/hub", "usesMethod", [("Text.", "Hub")])
            _edge(g, paper, node, "usesMethod", [("Text.", "x")])
    names = dict(partners)
    counts = {node: 3 if i < 4 else 1 for i, (node, _) in enumerate(partners)}
    expected = sorted(counts, key=lambda n: (-counts[n], names[n].lower(), n))[:10]
    for view in ("papers", "entities"):
        data = build_payload(g, view=view)
        hub = next(r for r in data["nodes"] + data["extra"] if r["id"] == "method/hub")
        listed = next(s for s in hub["relations"] if s["name"] == "Co-occurs most with")["items"]
        assert [it["id"] for it in listed] == expected
        assert [it["n"] for it in listed] == [3, 3, 3, 3, 1, 1, 1, 1, 1, 1]


@pytest.mark.parametrize("view", ["papers", "entities", "full"])
def test_page_data_is_the_payload_with_records_written_one_by_one(tmp_path: pathlib.Path, view: str) -> None:
    """The page writes each node record's JSON as soon as it is finished (a big graph's records are
    never all held as dicts): the data must be exactly the JSON of the payload built as dicts, text
    escapes included (a hostile title in records, edges and names)."""
    from kg.export.html import _script_safe

    g = make_graph(hostile=True)
    page = write_html(g, tmp_path / "g.html", view=view, title=HOSTILE_TITLE).read_text(encoding="utf-8")
    text = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S).group(1)
    payload = build_payload(g, view=view, title=HOSTILE_TITLE)
    expected = _script_safe(json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode())
    assert text.encode() == expected
    assert payload["nodes"] and (view != "entities" or payload["papers"])


def test_a_value_orjson_refuses_still_makes_the_page(tmp_path: pathlib.Path) -> None:
    """An integer beyond 64 bits in a node's attributes: orjson refuses it, so the page's data is
    made by json from a payload of dicts, with the number as it is."""
    g = make_graph()
    g.nodes["method/cnn"]["papers"] = 2**70
    data = embedded_data(write_html(g, tmp_path / "g.html", view="papers").read_text(encoding="utf-8"))
    assert {n["id"]: n for n in data["nodes"]}["method/cnn"]["attrs"]["papers"] == 2**70


def test_spread_finds_every_close_pair_and_parts_them() -> None:
    """The overlap pass looks only at pairs in neighbouring grid cells: it must still see every pair
    closer than the reach (else two nodes stay drawn on top of each other)."""
    import kg.export.html_layout as mod

    rng = np.random.RandomState(3)
    xy = rng.rand(400, 2) * 2000.0
    first, second = mod._close_pairs(xy, 150.0)
    found = {(min(a, b), max(a, b)) for a, b in zip(first.tolist(), second.tolist())}
    assert len(found) == len(first)  # each pair once
    gaps = np.linalg.norm(xy[:, None] - xy[None], axis=-1)
    assert {(a, b) for a, b in zip(*np.nonzero(np.triu(gaps < 150.0, 1)))} <= found
    sizes = rng.choice([8.0, 12.0, 20.0], 400)
    placed = mod.spread(xy, sizes, gap=10.0, aspect=2.0)
    squeezed = placed / [2.0, 1.0]
    gaps = np.linalg.norm(squeezed[:, None] - squeezed[None], axis=-1)
    np.fill_diagonal(gaps, np.inf)
    assert (gaps >= sizes[:, None] + sizes[None] + 10.0 - 0.5).all()  # nobody overlaps (by half a pixel at most)
    assert np.abs(placed - xy).max() < 200.0  # and nodes stay where the layout put them, near enough
