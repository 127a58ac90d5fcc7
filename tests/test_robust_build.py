"""A whole build under stress: documented exit codes; SIGKILL at several moments of a build leaves
every output either the previous build's or the new one's, never half-written; a build over hostile
input writes outputs in which all input text is data (HTML, RDF in rdflib/serdi/rapper, XML, CSV)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from rdflib import Graph
from robust_inputs import ABSTRACT, HOSTILE_TITLES, jsonl

import kg.build
from kg.build import SNAPSHOT_NAME, STATE_NAME, build
from kg.build_state import BuildState
from kg.cli import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_NO_INPUT,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_USAGE,
    EXIT_WARNINGS,
    main,
)
from kg.export.json_graph import read_json
from kg.export.registry import EXPORTERS
from kg.graph import snapshot
from kg.ingest.base import clean_text

ROOT = Path(__file__).resolve().parents[1]
METHODS = ["transformer", "sparse autoencoder", "k-means", "MCMC", "CORnet-S", "LSTM", "ResNet-50", "VAE"]
DATASETS = ["ImageNet", "CIFAR-10", "MS-MARCO", "Natural Scenes Dataset", "Brain-Score", "MNIST"]
MODALITIES = ["EEG", "fMRI", "MEG", "calcium imaging", "spikes", "video", "speech", "ECoG"]


def synthetic(count: int, start: int = 0) -> list[tuple[str, str]]:
    """Varied, plausible papers: each uses a method on a dataset and a modality and makes a claim."""
    records = []
    for i in range(start, start + count):
        m, d, x = METHODS[i % len(METHODS)], DATASETS[i // 3 % len(DATASETS)], MODALITIES[i // 7 % len(MODALITIES)]
        records.append((f"Study {i}: a {m} for {x} decoding",
                        f"We propose a {m} trained on {d} with {x} recordings from {i % 50 + 2} subjects. "
                        f"Our results suggest that it outperforms {METHODS[(i + 1) % len(METHODS)]} on {d}. "
                        f"Code for study {i} is released."))
    return records


def invoke(*args: str):
    return CliRunner().invoke(main, ["build", *args])


# -- exit codes ---------------------------------------------------------------------------------

def test_exit_codes(tmp_path, monkeypatch):
    good = tmp_path / "good.jsonl"
    good.write_text(jsonl([("A paper", ABSTRACT)]), encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(jsonl([("A paper", ABSTRACT)]) + "{broken\n", encoding="utf-8")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    out = str(tmp_path / "out")
    assert invoke(str(good), "-o", out, "--no-html", "--strict").exit_code == EXIT_OK == 0
    strict = invoke(str(bad), str(empty), "-o", out, "--no-html", "--strict")
    assert strict.exit_code == EXIT_WARNINGS == 1
    assert f"warning: {bad}:2: invalid JSON" in strict.output and f"warning: {empty}:0: empty file" in strict.output
    assert invoke(str(good), "-o", out, "--format", "docx").exit_code == EXIT_USAGE == 2
    assert invoke(str(empty), "-o", out).exit_code == EXIT_NO_INPUT == 3
    blocked = invoke(str(good), "-o", str(good / "out"))  # a file where the output folder should be
    assert blocked.exit_code == EXIT_OUTPUT == 4 and f"error: cannot write {good / 'out'}" in blocked.output

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(kg.build, "read_papers", crash)
    failed = invoke(str(good), "-o", out, "--no-html")
    assert failed.exit_code == EXIT_INTERNAL == 70 and "internal error" in failed.output

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(kg.build, "read_papers", interrupt)
    interrupted = invoke(str(good), "-o", out, "--no-html")
    assert interrupted.exit_code == EXIT_INTERRUPTED == 130 and "interrupted" in interrupted.output


# -- SIGKILL during a build ----------------------------------------------------------------------

def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def _temp_files(folder: Path) -> set[str]:
    found = set()
    for directory in (folder, folder / "neo4j", folder / "csv"):
        try:
            found.update(f"{directory.name}/{n}" for n in os.listdir(directory) if n.endswith(".tmp"))
        except FileNotFoundError:
            pass
    return found


def _parses(name: str, data: bytes) -> None:
    """Each output kind read by what consumes it (enough to show the file is whole)."""
    if name in (STATE_NAME, SNAPSHOT_NAME):  # the build's own binary records, read as a rebuild reads them
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / name).write_bytes(data)
            assert BuildState.load(Path(folder) / name) if name == STATE_NAME else snapshot.load(Path(folder) / name)
        return
    text = data.decode("utf-8")
    if name.endswith(".jsonl"):
        assert all(json.loads(line) for line in text.splitlines())
    elif name.endswith((".json", ".cyjs")):
        json.loads(text)
    elif name.endswith((".ttl", ".nt")):
        assert len(Graph().parse(data=text, format="turtle" if name.endswith(".ttl") else "nt")) > 100
    elif name.endswith((".graphml", ".gexf")):
        ET.fromstring(data)
    elif name.endswith(".html"):
        assert text.rstrip().endswith("</html>")
    elif name.endswith(".csv"):
        assert len(list(csv.reader(io.StringIO(text, newline="")))) > 1


FORMATS = ["json", "turtle", "ntriples", "html", "graphml", "csv"]  # one of each kind, including a folder format


def test_sigkill_at_any_moment_leaves_old_or_new_outputs_whole(tmp_path):
    """Build A, then build B (more papers) into the same folder and SIGKILL it: at start-up, and
    when the 1st and 4th temporary output files have appeared. After each kill every output must
    be byte-identical to A's or (once B finishes uninterrupted) B's; both parse. The build that
    finishes removes the temporary files the last kill left."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(jsonl(synthetic(60)), encoding="utf-8")
    second.write_text(jsonl(synthetic(90)), encoding="utf-8")
    out = tmp_path / "out"
    build([first], out, formats=FORMATS)
    old = _snapshot(out)
    command = [sys.executable, "-m", "kg.cli", "build", str(second), "-o", str(out), "--formats", ",".join(FORMATS), "-q"]
    after_kill, landed_mid_write = [], 0
    for moment in ("start-up", 1, 4):
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seen: set[str] = set()
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            if moment == "start-up":
                time.sleep(0.3)
                break
            seen |= _temp_files(out)
            if len(seen) >= moment:
                break
        process.send_signal(signal.SIGKILL)
        process.wait()
        leftovers = _temp_files(out)  # a killed process cannot remove its temporary file (hidden: .NAME.*.tmp)
        landed_mid_write += bool(leftovers)
        if moment != 4:  # (the next kill waits for new ones to appear)
            for name in leftovers:
                folder, _, file = name.partition("/")
                (out / file if folder == out.name else out / folder / file).unlink()
        after_kill.append((moment, _snapshot(out)))
    assert landed_mid_write >= 1  # a kill did interrupt a write, not only land between two
    finished = subprocess.run(command, cwd=ROOT, capture_output=True)
    assert finished.returncode == 0, finished.stderr
    assert not _temp_files(out)
    new = _snapshot(out)
    assert old.keys() == new.keys()
    for name in old:
        _parses(name, old[name])
        _parses(name, new[name])
    for moment, files in after_kill:
        assert files.keys() == old.keys(), moment
        for name, data in files.items():
            if name in ("extractions.jsonl", STATE_NAME, SNAPSHOT_NAME):  # the build's own records: whole
                # (the cache's records keep the source they came from)
                _parses(name, data)
            else:
                assert data in (old[name], new[name]), f"{name} is neither the old nor the new file after kill at {moment}"


# -- one build per output folder; what a killed one left -----------------------------------------

def _leftover(folder: Path, name: str) -> Path:
    """A temporary file named as kg.atomic names them, as a killed build leaves it."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, path = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.write(handle, b"half a file" * 1000)
    os.close(handle)
    return Path(path)


def test_a_build_removes_what_a_killed_build_left_and_nothing_else(tmp_path):
    source = tmp_path / "papers.jsonl"
    source.write_text(jsonl(synthetic(5)), encoding="utf-8")
    out = tmp_path / "out"
    left = [_leftover(out, "graph.nt"), _leftover(out, "build.state"), _leftover(out / "csv", "nodes.csv")]
    kept = [out / ".notes.tmp", out / "graph.json.tmp", out / ".graph.nt.ABCDEFGH.tmp", out / "mine" / ".graph.nt.abcdefgh.tmp"]
    for path in kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("not ours to remove", encoding="utf-8")
    result = invoke(str(source), "-o", str(out), "--formats", "json,csv")
    assert result.exit_code == EXIT_OK, result.output
    assert f"removed 3 temporary file(s) (0.0 MB) that a stopped build had left in {out}" in result.output
    assert not any(path.exists() for path in left)
    assert all(path.read_text(encoding="utf-8") == "not ours to remove" for path in kept)
    again = invoke(str(source), "-o", str(out), "--formats", "json,csv")
    assert again.exit_code == EXIT_OK and "temporary file" not in again.output


_HOLD_LOCK = ("import sys; from pathlib import Path; from kg.output_lock import output_lock\n"
              "with output_lock(Path(sys.argv[1])):\n    print('locked', flush=True); sys.stdin.read()")


def test_a_second_build_into_the_same_folder_is_refused_while_one_runs(tmp_path):
    source = tmp_path / "papers.jsonl"
    source.write_text(jsonl(synthetic(5)), encoding="utf-8")
    out = tmp_path / "out"
    assert invoke(str(source), "-o", str(out), "--no-html").exit_code == EXIT_OK
    before = _snapshot(out)
    # another process holds the folder's lock, as a running build does
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(out)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        left = _leftover(out, "graph.ttl")  # the running build's file, or one a killed build left
        refused = invoke(str(source), "-o", str(out), "--no-html", "--no-cache")
        assert refused.exit_code == EXIT_OUTPUT
        assert f"error: cannot write {out}: another kg build (process {holder.pid}) is writing to this folder" in refused.output
        assert _snapshot(out) == before and left.exists()  # nothing touched, not even what may be the other build's
    finally:
        holder.communicate("")
    assert invoke(str(source), "-o", str(out), "--no-html").exit_code == EXIT_OK
    assert not left.exists()


def test_a_killed_build_leaves_no_process_and_no_lock_behind(tmp_path):
    """SIGKILL a build while its two extraction workers run: the workers end by themselves (they
    held about 200 MB each and waited for work that never came), and the next build into the folder
    is not refused."""
    psutil = pytest.importorskip("psutil")
    source = tmp_path / "papers.jsonl"
    source.write_text(jsonl(synthetic(6000)), encoding="utf-8")
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "build", str(source), "-o", str(out), "-j", "2", "-q"],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list = []
    deadline = time.monotonic() + 60
    while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
        workers = psutil.Process(process.pid).children()
    time.sleep(0.5)  # into their work
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert len(workers) == 2
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, "extraction workers outlived the killed build"
    finished = invoke(str(source), "-o", str(out), "--formats", "json")
    assert finished.exit_code == EXIT_OK, finished.output
    assert not _temp_files(out)


# -- hostile input, every output -----------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, tuple[str, ...]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, tuple(sorted(name for name, _ in attrs))))


def _tags(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory) -> tuple[Path, Path, list[str]]:
    """The same build over benign and over hostile titles (with control characters too)."""
    folder = tmp_path_factory.mktemp("hostile")
    titles = [t + " \x00\x1b\x7f\u0085" for t in HOSTILE_TITLES]
    for name, names in (("benign", [f"Benign title {i}" for i in range(len(titles))]), ("hostile", titles)):
        source = folder / f"{name}.jsonl"
        source.write_text(jsonl([(t, f"{t}. {ABSTRACT}") for t in names]), encoding="utf-8")
        build([source], folder / name, formats=list(EXPORTERS))
    return folder / "benign", folder / "hostile", [clean_text(t) for t in titles]


def test_hostile_titles_are_never_live_markup_in_the_page(hostile_build):
    benign, hostile, titles = hostile_build
    page = (hostile / "graph.html").read_text(encoding="utf-8")
    # the same kinds of elements with the same attributes (how many filter options there are depends on
    # which modalities the titles mention; the script count is checked below)
    assert set(_tags(hostile / "graph.html")) == set(_tags(benign / "graph.html"))
    for needle in ("<script", "<img", "<b>", "]]>", "-->", "<!--"):  # no raw markup came in with the input
        assert page.count(needle) == (benign / "graph.html").read_text(encoding="utf-8").count(needle), needle
    embedded = json.loads(page.split('<script type="application/json" id="kg-data">')[1].split("</script>")[0])
    assert {n["name"] for n in embedded["nodes"] if n["type"] == "Paper"} == set(titles)  # all there, as data


def test_hostile_titles_survive_every_rdf_serialisation(hostile_build):
    _, hostile, titles = hostile_build
    graphs = {name: Graph().parse(hostile / name, format=fmt)
              for name, fmt in (("graph.ttl", "turtle"), ("graph.nt", "nt"), ("graph.jsonld", "json-ld"))}
    for name, graph in graphs.items():
        found = {str(o) for _, p, o in graph if str(p) == "http://purl.org/dc/terms/title"}
        assert found == set(titles), name
    for tool, args in (("serdi", ["-i", "turtle", "-o", "ntriples"]), ("rapper", ["-i", "turtle", "-c"])):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is installed by .ci/run")
        for name, syntax in (("graph.ttl", "turtle"), ("graph.nt", "ntriples")):
            run = subprocess.run([tool, *[syntax if a == "turtle" else a for a in args], str(hostile / name)],
                                 capture_output=True, text=True)
            assert run.returncode == 0 and "error" not in run.stderr.lower(), (tool, name, run.stderr[-500:])


def test_hostile_titles_survive_xml_csv_and_json_exports(hostile_build):
    _, hostile, titles = hostile_build
    graphml = nx.read_graphml(hostile / "graph.graphml", force_multigraph=True)
    gexf = nx.read_gexf(hostile / "graph.gexf", version="1.3")
    with (hostile / "csv" / "nodes.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    built = read_json(hostile / "graph.json")
    cytoscape = json.loads((hostile / "graph.cyjs").read_text(encoding="utf-8"))["elements"]["nodes"]
    for found, name in (({d.get("title") for _, d in graphml.nodes(data=True)}, "graphml"),
                        ({d.get("title") for _, d in gexf.nodes(data=True)}, "gexf"),
                        ({r["title"] for r in rows}, "csv"),
                        ({d.get("title") for _, d in built.nodes(data=True)}, "json"),
                        ({n["data"].get("title") for n in cytoscape}, "cytoscape")):
        assert set(titles) <= found, name
