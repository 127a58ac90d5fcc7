"""Refresh the README's screenshots of the interactive page from a built graph (headless Chromium).

Usage: .venv/bin/kg build examples/corpus -o outputs && .venv/bin/python docs/make_screenshot.py [outputs]
Writes docs/graph-page.png (default view, a paper's side panel open) and docs/graph-entities.png.
"""

from __future__ import annotations

import pathlib
import sys
import tempfile

from playwright.sync_api import sync_playwright

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.export.html import write_html  # noqa: E402
from kg.export.json_graph import read_json  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    built = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "outputs")
    graph = read_json(built / "graph.json")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 860})
        page.goto(write_html(graph, pathlib.Path(tmp) / "papers.html").as_uri())
        page.wait_for_function("window.kgTimings && window.kgTimings.settled !== null")
        # click (no zoom) the best-connected dated paper: its side panel opens
        paper = max((n for n, a in graph.nodes(data=True) if a["type"] == "Paper" and a["date"]),
                    key=lambda n: (graph.degree(n), n))
        box = page.locator("#network canvas").bounding_box()
        at = page.evaluate("id => window.kgNetwork.canvasToDOM(window.kgNetwork.getPosition(id))", paper)
        page.mouse.click(box["x"] + at["x"], box["y"] + at["y"])
        page.mouse.move(box["x"] + 20, box["y"] + box["height"] - 20)  # no tooltip over the panel
        page.wait_for_timeout(300)
        page.screenshot(path=str(ROOT / "docs" / "graph-page.png"))
        page.goto(write_html(graph, pathlib.Path(tmp) / "entities.html", view="entities").as_uri())
        page.wait_for_function("window.kgTimings && window.kgTimings.settled !== null")
        page.select_option("#filter-modality", label=next(
            o for o in page.locator("#filter-modality option").all_inner_texts() if o.startswith("fMRI")))
        page.wait_for_timeout(300)
        page.screenshot(path=str(ROOT / "docs" / "graph-entities.png"))
        browser.close()


if __name__ == "__main__":
    main()
