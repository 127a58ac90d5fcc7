"""The interactive page in a real browser: Debian's Chromium, headless, driven by Playwright (never
`playwright install`). On the sample build: offline load, node count, search, filters, panel, XSS."""

from __future__ import annotations

import json
import os
import pathlib
import shutil

import pytest

from kg.build import build
from kg.export.html import write_html
from kg.export.json_graph import read_json

CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
XSS_TITLE = "<img src=x onerror=alert(1)>"

if not shutil.which(CHROMIUM):
    pytest.skip(f"Chromium not found at {CHROMIUM} (Debian: apt install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, corpus_dir: pathlib.Path) -> pathlib.Path:
    """The sample corpus built once (graph.json + graph.html in the default view)."""
    out = tmp_path_factory.mktemp("sample")
    build([corpus_dir], out, use_cache=False)
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        # a persistent context is how Playwright takes a fresh --user-data-dir of our own
        context = pw.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, headless=True,
                                                        args=ARGS, viewport={"width": 1400, "height": 850})
        yield context
        context.close()


class Session:
    """One page with every console message, page error, dialog and request recorded."""

    def __init__(self, context, path: pathlib.Path) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                        else route.abort())
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.kgTimings && window.kgTimings.settled !== null", timeout=20_000)

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def hidden_ids(self) -> set[str]:
        return set(self.js("window.kgNetwork.body.data.nodes.get({filter: n => n.hidden}).map(n => n.id)"))

    def close(self) -> None:
        self.page.close()


@pytest.fixture()
def session(browser, sample: pathlib.Path):
    s = Session(browser, sample / "graph.html")
    yield s
    s.close()


def test_loads_offline_without_errors_and_draws_every_node(session: Session, sample: pathlib.Path) -> None:
    graph = read_json(sample / "graph.json")
    assert session.errors == []
    assert session.requests == [(sample / "graph.html").as_uri()]  # nothing but the page itself
    drawn = session.js("[window.kgNetwork.body.data.nodes.length, window.kgNetwork.body.data.edges.length]")
    assert drawn == [graph.number_of_nodes(), graph.number_of_edges()]
    assert session.js("Object.keys(window.kgNetwork.body.nodes).length") == graph.number_of_nodes()
    assert session.js("document.getElementById('loading').style.display") == "none"
    # physics is off once the page is shown (positions come precomputed): dragging moves one node
    assert session.js("window.kgNetwork.physics.physicsEnabled") is False


def test_search_finds_a_method_by_alias_and_focuses_it(session: Session) -> None:
    page = session.page
    page.fill("#search", "CNN")
    first = page.locator("#search-results li").first
    assert "convolutional neural network" in first.inner_text()
    page.press("#search", "Enter")
    assert session.js("window.kgNetwork.getSelectedNodes()") == ["method/convolutional-neural-network"]
    assert page.locator("#panel h2").inner_text() == "convolutional neural network"
    # the view ends centred on it (after the focus animation)
    page.wait_for_function("""id => { const c = window.kgNetwork.getViewPosition(), p = window.kgNetwork.getPosition(id);
                                      return Math.hypot(c.x - p.x, c.y - p.y) < 5; }""",
                           arg="method/convolutional-neural-network", timeout=5000)


def test_type_and_modality_filters_hide_nodes(session: Session, sample: pathlib.Path) -> None:
    graph = read_json(sample / "graph.json")
    claims = {n for n, a in graph.nodes(data=True) if a["type"] == "Claim"}
    session.page.uncheck("input.type-filter[value=Claim]")
    assert session.hidden_ids() == claims
    assert "drawn nodes match" in session.page.locator("#filter-status").inner_text()
    session.page.check("input.type-filter[value=Claim]")
    assert session.hidden_ids() == set()

    eeg_papers = {n for n in graph.predecessors("modality/eeg") if graph.nodes[n]["type"] == "Paper"}
    option = f'{graph.nodes["modality/eeg"]["label"]} ({len(eeg_papers)})'
    session.page.select_option("#filter-modality", label=option)
    hidden = session.hidden_ids()
    papers = {n for n, a in graph.nodes(data=True) if a["type"] == "Paper"}
    assert papers - hidden == eeg_papers
    session.page.click("#filter-reset")
    assert session.hidden_ids() == set()


def test_year_and_role_filters(session: Session, sample: pathlib.Path) -> None:
    graph = read_json(sample / "graph.json")
    papers = {n: a["year"] for n, a in graph.nodes(data=True) if a["type"] == "Paper"}
    session.page.fill("#filter-year-from", "2024")
    session.page.uncheck("#filter-undated")
    visible_papers = {n for n in papers if n not in session.hidden_ids()}
    assert visible_papers == {n for n, y in papers.items() if y >= 2024} and visible_papers
    session.page.click("#filter-reset")
    session.page.select_option("#filter-role", "proposed")
    proposed = {v for _, v, k in graph.edges(keys=True) if k in ("proposesMethod", "proposesDataset")}
    methods = {n for n, a in graph.nodes(data=True) if a["type"] in ("Method", "Dataset")}
    assert methods - session.hidden_ids() == proposed


def test_click_opens_panel_with_highlighted_abstract(session: Session, sample: pathlib.Path) -> None:
    graph = read_json(sample / "graph.json")
    paper = max((n for n, a in graph.nodes(data=True) if a["type"] == "Paper"), key=lambda n: (graph.degree(n), n))
    session.js("id => window.kgNetwork.focus(id, {scale: 1.5})", paper)
    box = session.page.locator("#network canvas").bounding_box()
    at = session.js("id => window.kgNetwork.canvasToDOM(window.kgNetwork.getPosition(id))", paper)
    assert session.page.locator("#panel").is_hidden()
    session.page.mouse.click(box["x"] + at["x"], box["y"] + at["y"])
    panel = session.page.locator("#panel")
    assert panel.is_visible()
    assert panel.locator("h2").inner_text() == graph.nodes[paper]["title"]
    marks = panel.locator("p.abstract mark.mention").all_inner_texts()
    assert marks, "the extracted mentions are highlighted"
    sections = panel.locator("h3").all_text_contents()
    assert "Abstract" in sections and any(s.startswith("Claims (") for s in sections)
    # clicking a highlighted mention opens its entity
    panel.locator("p.abstract mark.mention").first.click()
    assert session.page.locator("#panel .badge").inner_text() in {"Method", "Dataset", "Modality"}


def test_edge_hover_shows_its_evidence_sentence(session: Session, sample: pathlib.Path) -> None:
    graph = read_json(sample / "graph.json")
    # an evidence-bearing paper->method edge whose midpoint touches no node and no other edge, nor
    # does the point the pointer comes from (another edge's tooltip would open there first)
    found = session.js("""() => {
        const net = window.kgNetwork;
        const free = (at, id) => net.getNodeAt(at) === undefined && [id, undefined].includes(net.getEdgeAt(at));
        for (const e of net.body.data.edges.get()) {
            if (!e.id.includes("|usesMethod|")) continue;
            const a = net.getPosition(e.from), b = net.getPosition(e.to);
            const dom = net.canvasToDOM({x: (a.x + b.x) / 2, y: (a.y + b.y) / 2});
            if (net.getEdgeAt(dom) === e.id && free(dom, e.id) && free({x: dom.x - 3, y: dom.y - 3}, e.id)) return [e.id, dom];
        }
        return null; }""")
    assert found, "no edge with a free midpoint"
    edge_id, at = found
    u, key, v = edge_id.split("|")
    sentence = graph.edges[u, v, key]["evidence"][0]["sentence"]
    box = session.page.locator("#network canvas").bounding_box()
    session.page.mouse.move(box["x"] + at["x"] - 3, box["y"] + at["y"] - 3)
    session.page.mouse.move(box["x"] + at["x"], box["y"] + at["y"])
    tip = session.page.locator("div.vis-tooltip")
    tip.wait_for(state="visible", timeout=5000)
    assert sentence[:60] in tip.inner_text().replace("\n", " ")


def test_entities_view_page(browser, sample: pathlib.Path, tmp_path: pathlib.Path) -> None:
    graph = read_json(sample / "graph.json")
    page = Session(browser, write_html(graph, tmp_path / "entities.html", view="entities"))
    try:
        assert page.errors == []
        entities = sum(1 for _, a in graph.nodes(data=True) if a["type"] in ("Method", "Dataset", "Modality"))
        assert page.js("window.kgNetwork.body.data.nodes.length") == entities
        page.page.fill("#search", "transformer")
        page.page.press("#search", "Enter")
        panel = page.page.locator("#panel")
        assert panel.locator("h2").inner_text() == "transformer"
        assert any(s.startswith("Co-occurs most with") for s in panel.locator("h3").all_text_contents())
        panel.locator("ul.rel-list a.nodelink").first.click()  # a paper, not drawn here: its panel opens
        assert panel.locator(".badge").inner_text() == "Paper"
    finally:
        page.close()


def test_search_draws_a_node_that_was_not_drawn(browser, sample: pathlib.Path, tmp_path: pathlib.Path) -> None:
    graph = read_json(sample / "graph.json")
    page = Session(browser, write_html(graph, tmp_path / "top.html", view="papers", max_nodes=150))
    try:
        assert page.js("window.kgNetwork.body.data.nodes.length") == 150
        drawn = set(page.js("window.kgNetwork.body.data.nodes.getIds()"))
        # a method outside the drawing, with few links (its panel lists them all), one to a drawn paper
        target = min(n for n, a in graph.nodes(data=True) if a["type"] == "Method" and n not in drawn
                     and graph.degree(n) <= 5 and any(p in drawn for p in graph.predecessors(n)))
        page.page.fill("#search", graph.nodes[target]["label"])
        assert "not drawn" in page.page.locator("#search-results li").first.inner_text()
        page.page.press("#search", "Enter")
        assert page.js("window.kgNetwork.getSelectedNodes()") == [target]
        assert page.js("window.kgNetwork.body.data.nodes.length") == 151
        linked = set(page.js("id => window.kgNetwork.getConnectedNodes(id)", target))
        assert linked == {p for p in graph.to_undirected(as_view=True)[target] if p in drawn}
        assert page.errors == []
    finally:
        page.close()


def test_hostile_title_stays_text(browser, tmp_path: pathlib.Path) -> None:
    source = tmp_path / "xss.jsonl"
    source.write_text(json.dumps({"title": XSS_TITLE, "date": "2024-01-02", "abstract":
                                  "We propose a transformer for EEG decoding. It outperforms CNN baselines."}) + "\n",
                      encoding="utf-8")
    build([source], tmp_path / "out", use_cache=False)
    page = Session(browser, tmp_path / "out" / "graph.html")
    try:
        page.page.fill("#search", "img src")
        page.page.press("#search", "Enter")
        page.page.hover("#network")
        assert page.page.locator("#panel h2").inner_text() == XSS_TITLE
        assert page.js("document.querySelectorAll('img').length") == 0
        assert page.dialogs == [] and page.errors == []
        assert page.requests == [(tmp_path / "out" / "graph.html").as_uri()]  # no request for src=x
        assert page.page.title() == "NeuroAI knowledge graph"
    finally:
        page.close()


def test_neighbourhood_view_from_the_panel(session: Session, sample: pathlib.Path) -> None:
    graph = read_json(sample / "graph.json").to_undirected(as_view=True)
    node = "method/convolutional-neural-network"
    session.page.fill("#search", "convolutional neural network")
    session.page.press("#search", "Enter")
    session.page.click("#panel button.ego")
    # it, its neighbours (papers, claims about it, entities it outperforms) and their other non-paper neighbours
    expected = {node} | set(graph[node]) | {m for n in graph[node] for m in graph[n] if graph.nodes[m]["type"] != "Paper"}
    shown = set(graph.nodes) - session.hidden_ids()
    assert shown == expected and len(shown) < graph.number_of_nodes() / 4
    session.page.click("#panel button.ego")  # and back
    assert session.hidden_ids() == set()


def test_an_author_is_found_by_search_drawn_by_their_papers_and_lists_them(
        browser, data_dir: pathlib.Path, tmp_path: pathlib.Path) -> None:
    build([data_dir / "formats"], tmp_path / "out", use_cache=False)  # BibTeX, arXiv, PubMed, ... with authors
    graph = read_json(tmp_path / "out" / "graph.json")
    people = {n for n, t in graph.nodes(data="type") if t == "Person"}
    page = Session(browser, tmp_path / "out" / "graph.html")
    try:
        assert people and not people & set(page.js("window.kgNetwork.body.data.nodes.getIds()"))
        page.page.fill("#search", "lovelace")
        first = page.page.locator("#search-results li").first
        assert "Ada Lovelace" in first.inner_text() and "Person \u00b7 not drawn" in first.inner_text()
        page.page.press("#search", "Enter")
        assert page.js("window.kgNetwork.getSelectedNodes()") == ["person/ada-lovelace"]
        papers = set(graph.predecessors("person/ada-lovelace"))
        assert len(papers) == 2
        assert set(page.js("id => window.kgNetwork.getConnectedNodes(id)", "person/ada-lovelace")) == papers
        panel = page.page.locator("#panel")
        assert panel.locator(".badge").inner_text() == "Person"
        assert panel.locator("h3").first.text_content() == "Papers (2)"
        listed = panel.locator("ul.rel-list a.nodelink").all_inner_texts()
        assert sorted(listed) == sorted(graph.nodes[p]["label"] for p in papers)
        panel.locator("ul.rel-list a.nodelink").first.click()  # a paper's panel links its authors in byline order
        authors = page.page.locator("#panel ul.rel-list").first.locator("a.nodelink").all_inner_texts()
        paper = page.js("window.kgNetwork.getSelectedNodes()")[0]
        assert authors == list(graph.nodes[paper]["authors"])
        assert page.errors == []
    finally:
        page.close()
