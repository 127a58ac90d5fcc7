"""The ``kg`` command line: ``build`` (the main job), ``eval`` (extraction quality against a gold
file) and ``export`` (other formats from a built graph)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kg import __version__
from kg.export.registry import DEFAULT_BUILD_FORMATS, EXPORTERS

#: ``kg build`` exit statuses (README "Guarantees and exit codes"): 1 only under --strict; 2 is click's
#: usage error; 4 an output that could not be written; 70 (EX_SOFTWARE) a bug; 130 interrupted (Ctrl-C).
EXIT_OK, EXIT_WARNINGS, EXIT_USAGE, EXIT_NO_INPUT, EXIT_OUTPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 70, 130


@click.group()
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """Build a typed knowledge graph (papers, methods, datasets, modalities, claims) from abstracts."""


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", default="outputs", show_default=True, type=click.Path(file_okay=False, path_type=Path), help="Folder for the outputs.")
@click.option("--format", "fmt", type=click.Choice(["daily-papers", "jsonl", "json", "csv", "bibtex", "arxiv", "pubmed", "openalex", "semantic-scholar"]),
              help="Input format for every file (default: by extension; XML and JSON by content).")
@click.option("-j", "--jobs", default=1, show_default=True, type=click.IntRange(1, 64), help="Extraction processes.")
@click.option("--no-cache", is_flag=True, help="Re-extract every paper instead of reusing outputs/extractions.jsonl.")
@click.option("--no-html", is_flag=True, help="Skip the interactive page.")
@click.option("--ontology", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Vocabulary folder (default: the repository's ontology/).")
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")
@click.option("--strict", is_flag=True, help="Exit with status 1 when there was any warning (a record or file skipped or repaired).")
@click.option("--formats", "formats_text", default=",".join(DEFAULT_BUILD_FORMATS), show_default=True,
              help="Comma-separated export formats (see `kg export --help`), or `all`; graph.json is always written.")
def build(inputs: tuple[Path, ...], out_dir: Path, fmt: str | None, jobs: int, no_cache: bool, no_html: bool,
          ontology: Path | None, quiet: bool, strict: bool, formats_text: str) -> None:
    """Read INPUTS (files or folders), extract, assemble and write the graph to OUTPUT."""
    from kg.build import build as run_build
    from kg.export.registry import parse_formats

    try:
        formats = parse_formats(formats_text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--formats") from error

    def progress(count: int) -> None:
        if not quiet and count % 1000 == 0:
            click.echo(f"  extracted {count} papers…", err=True)

    try:
        result = run_build(list(inputs), out_dir, fmt=fmt, ontology=ontology, n_process=jobs,
                           use_cache=not no_cache, html=not no_html, progress=progress, formats=formats)
    except KeyboardInterrupt:
        click.echo("interrupted: every output file is either this build's or the previous one's, never half-written", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except OSError as error:  # readers report unreadable inputs themselves: this is an output
        click.echo(f"error: cannot write {error.filename or out_dir}: {error.strerror or error}", err=True)
        sys.exit(EXIT_OUTPUT)
    except Exception:  # a bug: say so, with the traceback to report, and keep 1 meaning "warnings"
        import traceback

        traceback.print_exc()
        click.echo("error: internal error in kg build (a bug; please report it with the traceback above)", err=True)
        sys.exit(EXIT_INTERNAL)
    for warning in result.log.warnings:
        click.echo(f"warning: {warning}", err=True)
    if result.log.read == 0:
        click.echo("error: no paper could be read from the inputs", err=True)
        sys.exit(EXIT_NO_INPUT)
    if not quiet:
        counts = result.counts()
        edges = result.graph.number_of_edges()
        click.echo(
            f"read {result.log.read} records ({result.log.skipped} skipped, {result.stats.duplicate_papers} duplicates merged, "
            f"{len(result.log.warnings)} warnings) "
            f"→ {counts['Paper']} papers; extracted {result.extracted}, reused {result.cached} from cache"
        )
        click.echo(
            f"entities: {counts['Method']} methods, {counts['Dataset']} datasets, {counts['Modality']} modalities; "
            f"{counts['Claim']} claims; {counts['Person']} people; {edges} edges"
        )
        total = sum(result.timings.values())
        click.echo("time: " + ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items()) + f" (total {total:.2f}s)")
        click.echo("wrote:")
        for path in result.files:
            click.echo(f"  {path}")
    if strict and result.log.warnings:
        sys.exit(EXIT_WARNINGS)


@main.command("eval")
@click.option("--gold", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Gold JSONL file (shared/eval/FORMAT.md).")
@click.option("--corpus", multiple=True, type=click.Path(exists=True, path_type=Path), help="Where the gold papers' abstracts are (default: examples/corpus).")
@click.option("--errors/--no-errors", default=True, show_default=True, help="List misses and false positives.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--predictions", type=click.Path(dir_okay=False, path_type=Path), help="Also write the predictions (gold format) here.")
@click.option("--ontology", type=click.Path(exists=True, file_okay=False, path_type=Path))
def eval_command(gold: Path, corpus: tuple[Path, ...], errors: bool, as_json: bool, predictions: Path | None, ontology: Path | None) -> None:
    """Precision, recall and F1 of the extractors against a gold file."""
    from kg.eval.run import evaluate

    corpus_paths = list(corpus) or [Path(__file__).resolve().parents[1] / "examples" / "corpus"]
    try:
        report, predicted, missing = evaluate(gold, corpus_paths, ontology)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    for title in missing:
        click.echo(f"warning: gold paper not found in the corpus (counted as misses): {title}", err=True)
    if predictions is not None:
        from kg.export.atomic import atomic_write_text

        atomic_write_text(predictions, "".join(json.dumps(p, ensure_ascii=False, sort_keys=True) + "\n" for p in predicted))
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(report.format_table())
    if errors:
        click.echo("\nerrors (paper · type · kind · text):")
        for error in report.errors:
            detail = f" ({error.detail})" if error.detail else ""
            click.echo(f"  [{error.paper_id}] {error.title[:50]} · {error.type} · {error.kind} · {error.text}{detail}")


@main.command(epilog="Formats: " + "; ".join(f"{e.name}: {e.description}" for e in EXPORTERS.values()))
@click.option("--graph", "graph_dir", default="outputs", show_default=True, type=click.Path(exists=True, file_okay=False, path_type=Path), help="A build's output folder.")
@click.option("--format", "fmt", required=True, type=click.Choice(list(EXPORTERS)))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File (a folder for neo4j and csv); default: in the --graph folder, as kg build names it.")
def export(graph_dir: Path, fmt: str, output: Path | None) -> None:
    """Write another format from an already built graph (no re-extraction)."""
    from kg.export.json_graph import read_json
    from kg.export.registry import get_exporter

    source = graph_dir / "graph.json"
    if not source.exists():
        raise click.ClickException(f"{source} not found: run `kg build` first")
    exporter = get_exporter(fmt)
    target = output or exporter.default_path(graph_dir)
    if exporter.folder and target.exists() and not target.is_dir():
        raise click.ClickException(f"{target} is a file; the {fmt} format writes a folder")
    if not exporter.folder and target.is_dir():
        raise click.ClickException(f"{target} is a folder; the {fmt} format writes one file")
    try:
        graph = read_json(source)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{source}:{error.lineno}: not a graph.json written by kg build ({error.msg})") from error
    for path in exporter.write(graph, target):
        click.echo(f"wrote {path}")


if __name__ == "__main__":
    main()
