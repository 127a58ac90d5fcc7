"""The ``kg`` command line: ``build`` (the main job), ``eval`` (extraction quality against a gold
file), ``export`` (other formats from a built graph), ``query`` and ``serve`` (SPARQL)."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import NoReturn

import click

from kg import __version__
from kg.export.registry import DEFAULT_BUILD_FORMATS, EXPORTERS

#: ``kg build`` exit statuses (README "Guarantees and exit codes"): 1 only under --strict; 2 is click's
#: usage error; 4 an output that could not be written; 70 (EX_SOFTWARE) a bug; 130 interrupted (Ctrl-C).
EXIT_OK, EXIT_WARNINGS, EXIT_USAGE, EXIT_NO_INPUT, EXIT_OUTPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 70, 130
#: ``kg build`` without ``-j`` extracts in one process per CPU core, at most this many (each holds a
#: pipeline and its growing vocabulary: 200-500 MB).
MAX_DEFAULT_JOBS = 8


def default_jobs(limit: int = MAX_DEFAULT_JOBS, cgroup: Path = Path("/sys/fs/cgroup")) -> int:
    """Extraction processes when ``-j`` is not given: one per CPU core this process may run on (its
    affinity, where the system tells it: ``taskset``'s share; and a container's CPU quota, from
    ``cgroup``), at most ``limit``."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    quota = _cgroup_cpus(cgroup)
    if quota is not None:
        cores = min(cores, quota)
    return max(1, min(cores, limit))


def _cgroup_cpus(root: Path) -> int | None:
    """The CPUs a cgroup's quota allows, rounded up (cgroup v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``
    over ``cpu.cfs_period_us``), or ``None`` without a quota (or a cgroup file to read)."""
    try:
        if (root / "cpu.max").exists():
            quota, period = (root / "cpu.max").read_text().split()[:2]
        else:
            quota = (root / "cpu" / "cpu.cfs_quota_us").read_text().strip()
            period = (root / "cpu" / "cpu.cfs_period_us").read_text().strip()
        if quota in ("max", "-1") or int(period) <= 0:
            return None
        return max(1, -(-int(quota) // int(period)))
    except (OSError, ValueError):
        return None


@click.group()
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """Build a typed knowledge graph (papers, methods, datasets, modalities, claims) from abstracts."""


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", default="outputs", show_default=True, type=click.Path(file_okay=False, path_type=Path), help="Folder for the outputs.")
@click.option("--format", "fmt", type=click.Choice(["daily-papers", "jsonl", "json", "csv", "bibtex", "arxiv", "pubmed", "openalex", "semantic-scholar"]),
              help="Input format for every file (default: by extension; XML and JSON by content).")
@click.option("-j", "--jobs", type=click.IntRange(1, 64),
              help="Extraction processes, at most one per 300 papers to extract (a process costs a pipeline start-up). "
                   f"Default: one per CPU core this process may use, at most {MAX_DEFAULT_JOBS}.")
@click.option("--scheduler", metavar="ADDRESS", help="Extract on a Dask cluster: a scheduler address (tcp://host:8786) or local:N for N local worker processes (needs the `dask` extra).")
@click.option("--no-cache", is_flag=True, help="Re-extract every paper instead of reusing outputs/extractions.jsonl.")
@click.option("--no-html", is_flag=True, help="Skip the interactive page.")
@click.option("--view", type=click.Choice(["auto", "papers", "entities", "full"]), default="auto", show_default=True, help="What the page draws: papers with their entities and claims, entities linked by co-occurrence, everything, authors included (full); auto = papers up to 2,000 nodes not counting authors, else entities.")
@click.option("--ontology", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Vocabulary folder (default: the repository's ontology/).")
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")
@click.option("--strict", is_flag=True, help="Exit with status 1 when there was any warning (a record or file skipped or repaired).")
@click.option("--formats", "formats_text", default=",".join(DEFAULT_BUILD_FORMATS), show_default=True,
              help="Comma-separated export formats (see `kg export --help`), or `all`; graph.json is always written.")
def build(inputs: tuple[Path, ...], out_dir: Path, fmt: str | None, jobs: int | None, no_cache: bool, no_html: bool,
          view: str, ontology: Path | None, quiet: bool, strict: bool, formats_text: str, scheduler: str | None) -> None:
    """Read INPUTS (files or folders), extract, assemble and write the graph to OUTPUT.

    Run again on the same folder, it extracts only new abstracts, adds new files' papers to the
    last build's graph, and writes nothing when nothing changed."""
    import gc

    from kg.build import build as run_build
    from kg.export.registry import parse_formats

    # A build allocates millions of long-lived records: collect young objects less often (assembly
    # of 10,000 papers takes half the time). Set here, in the command, not in the library.
    gc.set_threshold(100_000, 50, 100)

    if scheduler and scheduler.startswith("local") and not re.fullmatch(r"local(:[1-9][0-9]{0,2})?", scheduler):
        raise click.BadParameter(f"{scheduler!r}: expected local:N (N worker processes) or a scheduler address", param_hint="--scheduler")
    try:
        formats = parse_formats(formats_text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--formats") from error

    bar = None
    big = False  # a build that extracts thousands of papers: its stages are told in logs too
    status = False  # a stage's name is on the terminal's last line

    def progress(count: int, total: int) -> None:
        nonlocal bar, big
        if quiet:
            return
        big = big or total >= 1000
        if sys.stderr.isatty():  # a live bar on a terminal, plain lines in logs and CI
            if bar is None:
                from tqdm import tqdm

                if status:
                    clear_status()
                bar = tqdm(total=total, unit=" papers", desc="extract", file=sys.stderr, leave=False)
            bar.update(count - bar.n)
        elif big and (count % 1000 == 0 or count == total):
            click.echo(f"  extracted {count}/{total} papers…", err=True)

    def clear_status() -> None:
        """Erase the stage's name from the terminal's last line."""
        nonlocal status
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()
        status = False

    def stage(name: str) -> None:
        """Which stage the build is in: on a terminal, in place on its last line (the extraction's
        bar while it runs); in logs, a line per stage of a build that extracts thousands of papers."""
        nonlocal bar, status
        if quiet:
            return
        if sys.stderr.isatty():
            if bar is not None and bar.n >= bar.total:  # a finished extraction's bar gives way
                bar.close()
                bar = None
            if bar is None:
                sys.stderr.write(f"\r\033[K{name}…")
                sys.stderr.flush()
                status = True
        elif big:
            click.echo(f"  {name}…", err=True)

    try:
        result = run_build(list(inputs), out_dir, fmt=fmt, ontology=ontology, n_process=jobs or default_jobs(),
                           use_cache=not no_cache, html=not no_html, progress=progress, formats=formats, view=view,
                           scheduler=scheduler, stage=stage)
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
    finally:
        if bar is not None:
            bar.close()
        if status:
            clear_status()
    for warning in result.log.warnings:
        click.echo(f"warning: {warning}", err=True)
    if result.leftovers and not quiet:
        size = sum(leftover.size for leftover in result.leftovers)
        click.echo(f"removed {len(result.leftovers)} temporary file(s) ({size / 1e6:,.1f} MB) that a stopped build "
                   f"had left in {out_dir}", err=True)
    if result.log.read == 0:
        click.echo("error: no paper could be read from the inputs", err=True)
        sys.exit(EXIT_NO_INPUT)
    if not quiet:
        counts, edges = result.counts(), result.edges
        click.echo(
            f"read {result.log.read} records ({result.log.skipped} skipped, {result.stats.duplicate_papers} duplicates merged, "
            f"{len(result.log.warnings)} warnings) "
            f"→ {counts['Paper']} papers; extracted {result.extracted}, reused {result.cached} from cache"
        )
        click.echo(
            f"entities: {counts['Method']} methods, {counts['Dataset']} datasets, {counts['Modality']} modalities; "
            f"{counts['Claim']} claims; {counts['Person']} people; {edges} edges"
        )
        if result.up_to_date:
            click.echo("up to date: the inputs, the options and every file are the last build's; nothing written")
        elif result.incremental:
            click.echo(f"incremental: {result.incremental}")
        elif result.rebuilt:
            click.echo(f"rebuilt in full: {result.rebuilt}")
        click.echo("time: " + ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items()) + f" (total {result.wall:.2f}s)")
        click.echo("kept:" if result.up_to_date else "wrote:")
        for path in result.files:
            click.echo(f"  {path}")
    # leave through SystemExit, which keeps this frame (and the graph) alive up to run(): the
    # process can then end without freeing millions of objects one by one (seconds on a big graph)
    sys.exit(EXIT_WARNINGS if strict and result.log.warnings else 0)


@main.command("eval")
@click.option("--gold", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Gold JSONL file (shared/eval/FORMAT.md).")
@click.option("--external", type=click.Choice(["scierc", "csabstruct"]), multiple=True, help="Score on an external annotated set instead (kg/eval/external.py has the label mapping).")
@click.option("--external-data", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Folder holding scierc/ and csabstruct/ (default: ../shared/data beside the repository).")
@click.option("--split", default="test", show_default=True, type=click.Choice(["train", "dev", "test"]), help="Split of the external set.")
@click.option("--overlap", is_flag=True, help="SciERC: also credit a name that is a run of words inside a longer gold span.")
@click.option("--corpus", multiple=True, type=click.Path(exists=True, path_type=Path), help="Where the gold papers' abstracts are (default: examples/corpus).")
@click.option("--errors/--no-errors", default=True, show_default=True, help="List misses and false positives.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--predictions", type=click.Path(dir_okay=False, path_type=Path), help="Also write the predictions (gold format) here.")
@click.option("--ontology", type=click.Path(exists=True, file_okay=False, path_type=Path))
def eval_command(gold: Path | None, external: tuple[str, ...], external_data: Path | None, split: str, overlap: bool, corpus: tuple[Path, ...], errors: bool, as_json: bool, predictions: Path | None, ontology: Path | None) -> None:
    """Precision, recall and F1 of the extractors against a gold file (or an external set)."""
    from kg.eval.run import evaluate

    if external:
        from kg.eval.external import report_external

        try:
            click.echo(report_external(external, external_data, split, ontology, errors=errors, as_json=as_json, overlap=overlap))
        except (OSError, ValueError, KeyError) as error:
            raise click.ClickException(f"external set: {error}") from error
        return
    if gold is None:
        raise click.UsageError("give --gold FILE or --external scierc|csabstruct")

    corpus_paths = list(corpus) or [Path(__file__).resolve().parents[1] / "examples" / "corpus"]
    try:
        report, predicted, missing = evaluate(gold, corpus_paths, ontology)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    for title in missing:
        click.echo(f"warning: gold paper not found in the corpus (counted as misses): {title}", err=True)
    if predictions is not None:
        from kg.atomic import atomic_write_text

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
@click.option("--view", type=click.Choice(["auto", "papers", "entities", "full"]), default="auto", show_default=True, help="For --format html: what the page draws (see kg build --help).")
def export(graph_dir: Path, fmt: str, output: Path | None, view: str) -> None:
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
    except (KeyError, TypeError, AttributeError) as error:
        raise click.ClickException(f"{source}: not a graph.json written by kg build (no {error} where nodes and edges should be)") from error
    for path in exporter.write(graph, target, view=view):
        click.echo(f"wrote {path}")


def _params(values: tuple[str, ...]) -> dict[str, str]:
    params = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip().isidentifier():
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE", param_hint="--param")
        params[name.strip()] = value
    return params


@main.command()
@click.argument("query", required=False)
@click.option("--graph", "graph_path", default="outputs", show_default=True, type=click.Path(exists=True, path_type=Path), help="A build's output folder or an RDF file (.nt, .ttl, .nq, .trig, .jsonld, .rdf).")
@click.option("--file", "query_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Read the SPARQL query from this file.")
@click.option("--example", help="Run a named example query (see --list-examples).")
@click.option("--list-examples", is_flag=True, help="List the named example queries and exit.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Bind the query's `VALUES ?NAME { … }` block to VALUE (repeatable).")
@click.option("--format", "fmt", default="table", show_default=True, type=click.Choice(["table", "csv", "tsv", "json"]), help="Result format (SPARQL 1.1 CSV/TSV/JSON); CONSTRUCT/DESCRIBE print Turtle (N-Triples for csv/tsv).")
def query(query: str | None, graph_path: Path, query_file: Path | None, example: str | None, list_examples: bool,
          params: tuple[str, ...], fmt: str) -> None:
    """Run a SPARQL QUERY (or --file F, or --example NAME) against a built graph."""
    from kg.query.engine import bind_params, examples, load_store, run_query
    from kg.query.results import render

    known = examples()
    if list_examples:
        for name, item in known.items():
            defaults = ", ".join(f"{k}={v}" for k, v in item.params.items())
            click.echo(f"{name}\n    {item.title}" + (f"\n    params: {defaults}" if defaults else ""))
        return
    if sum(x is not None for x in (query, query_file, example)) != 1:
        raise click.UsageError("give exactly one of QUERY, --file F or --example NAME")
    if example is not None:
        if example not in known:
            raise click.UsageError(f"no example named {example!r}; known: {', '.join(known)}")
        text = known[example].text
    elif query_file is not None:
        text = query_file.read_text(encoding="utf-8")
    else:
        text = query
    try:
        text = bind_params(text, _params(params))
        store = load_store(graph_path)
    except (ValueError, FileNotFoundError) as error:
        raise click.ClickException(str(error)) from error
    try:
        result = run_query(store, text)
    except SyntaxError as error:
        raise click.ClickException(f"malformed query: {error}") from error
    click.echo(render(result, fmt), nl=False)


@main.command()
@click.option("--graph", "graph_path", default="outputs", show_default=True, type=click.Path(exists=True, path_type=Path), help="A build's output folder or an RDF file.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (keep the default unless you mean to expose it).")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(0.1, 3600), help="Seconds a query may run.")
@click.option("--max-rows", default=10000, show_default=True, type=click.IntRange(1), help="Most rows (or triples) one answer returns.")
def serve(graph_path: Path, host: str, port: int, timeout: float, max_rows: int) -> None:
    """A read-only SPARQL 1.1 Protocol endpoint at http://HOST:PORT/sparql."""
    from kg.query.engine import load_store
    from kg.query.server import make_server

    try:
        store = load_store(graph_path)
    except (ValueError, FileNotFoundError) as error:
        raise click.ClickException(str(error)) from error
    server = make_server(store, host, port, timeout=timeout, max_rows=max_rows)
    click.echo(f"SPARQL endpoint: http://{server.server_address[0]}:{server.server_address[1]}/sparql "
               f"(read-only, {timeout:g}s limit, {max_rows} rows at most; Ctrl-C stops)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

def run() -> None:
    """The ``kg`` command as a process (console script and ``python -m kg.cli``): :func:`main`, then
    exit at once with its status once the output is flushed. Every command has finished its files
    by then (they are written atomically and closed); what is skipped is the interpreter freeing
    every object it still holds, which on a big graph takes seconds."""
    try:
        main()
    except SystemExit as done:
        # the process ends here, inside the handler: leaving it would drop the exception, and with
        # its traceback the frames that hold the graph, freed object by object (3 s at 100,000 papers)
        _exit(done.code)
    _exit(0)


def _exit(code: object) -> NoReturn:
    try:
        if code is not None and not isinstance(code, int):  # sys.exit("message"), as Python shows it
            print(code, file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code if isinstance(code, int) else 0 if code is None else 1)


if __name__ == "__main__":
    run()
