"""Time every export format on a built graph and print a Markdown table (seconds, best of N runs,
and output size): ``python benchmarks/export_formats.py [BUILD_DIR] [--runs N]``."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from kg.export.json_graph import read_json
from kg.export.registry import EXPORTERS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("build", nargs="?", default="outputs", type=Path, help="a kg build output folder")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    graph = read_json(args.build / "graph.json")
    print(f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges\n")
    print("| format | seconds (best of %d) | size |" % args.runs)
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for name, exporter in EXPORTERS.items():
            target = exporter.default_path(Path(scratch))
            best = float("inf")
            for _ in range(args.runs):
                started = time.perf_counter()
                files = exporter.write(graph, target)
                best = min(best, time.perf_counter() - started)
            size = sum(path.stat().st_size for path in files)
            print(f"| {name} | {best:.2f} | {size / 1e6:.1f} MB in {len(files)} file{'s' if len(files) > 1 else ''} |")


if __name__ == "__main__":
    main()
