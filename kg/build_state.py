"""What a build leaves in its output folder for the next one: the inputs it read (with their
warnings), the files added since the graph snapshot, the files it wrote (with where each node's part
of graph.nt, graph.ttl and graph.json is) and its summary. ``kg.build`` decides from it whether a
rebuild can add to that build, or has nothing to do."""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Any

from kg.atomic import atomic_open_binary
from kg.ingest import IngestWarning, ReadLog
from kg.model import Paper

#: The build's graph as assembled (plus what assembly knew): ``kg.graph.snapshot`` writes it.
SNAPSHOT_NAME = "graph.snapshot"
#: This module's record, rewritten by every build.
STATE_NAME = "build.state"
_MAGIC = b"kg-build-state 6\n"
#: The program's own files whose change can change what a build writes (besides the ontology's).
_PROGRAM_SUFFIXES = (".py", ".js", ".css", ".html")

Stamp = tuple[int, int]  # a file's size and modification time (ns): changed when either differs


def stamp(path: Path) -> Stamp | None:
    """``path``'s size and modification time, or None when it is not a file."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns)


@dataclass
class InputFile:
    """One input file as a build read it: its stamp, and the warnings and counts of reading it."""

    path: str
    stamp: Stamp
    warnings: list[tuple[str, int, str]]
    read: int
    skipped: int

    @classmethod
    def of(cls, path: Path, log: ReadLog, file_stamp: Stamp) -> InputFile:
        return cls(str(path), file_stamp, warning_data(log.warnings), log.read, log.skipped)

    def log(self) -> ReadLog:
        """The log that reading the file gave."""
        log = ReadLog()
        log.warnings = [IngestWarning(*warning) for warning in self.warnings]
        log.read, log.skipped = self.read, self.skipped
        return log


def program_fingerprint(ontology: Path) -> str:
    """Changes whenever this program's code or any file of the ``ontology`` folder changes: a
    later version may render the same graph differently, so a build adds to no state an earlier
    one left (the extraction cache has its own, narrower fingerprint, and stays in use)."""
    digest = hashlib.sha256(_MAGIC)
    package = Path(__file__).parent
    paths = [path for path in package.rglob("*") if path.suffix in _PROGRAM_SUFFIXES and "__pycache__" not in path.parts]
    for path in sorted(paths):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    for path in sorted(Path(ontology).iterdir()):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def warning_data(warnings: list[IngestWarning]) -> list[tuple[str, int, str]]:
    """Warnings as plain tuples (for ``marshal``); ``IngestWarning(*item)`` makes each again."""
    return [(w.source, w.line, w.message) for w in warnings]


def abstract_digest(paper: Paper) -> bytes:
    return hashlib.blake2b(paper.abstract.encode("utf-8"), digest_size=12).digest()


#: The first record read of each paper key: (source, line, abstract digest, identifiers).
FirstRead = dict[str, tuple[str, int, bytes, dict[str, str]]]


def duplicate_warnings(papers: list[Paper], first: FirstRead) -> list[IngestWarning]:
    """Warnings for records that will merge into one paper (same title, no conflicting identifier)
    although their abstracts differ: the graph keeps one abstract, so say which records met.
    ``first`` (the first record read of each title, updated here) may come from an earlier build."""
    warnings = []
    for paper in papers:
        own = abstract_digest(paper)
        source, line, digest, identifiers = first.setdefault(paper.key, (paper.source, paper.line, own, paper.identifiers))
        conflict = any(identifiers.get(s, v) != v for s, v in paper.identifiers.items())
        if (source, line) != (paper.source, paper.line) and digest != own and not conflict:
            warnings.append(IngestWarning(paper.source, paper.line, f"same title as {source}:{line} but a different "
                                                                    "abstract; merged into one paper"))
    return warnings


@dataclass(frozen=True)
class Packed:
    """A value marshalled ahead of time: a build keeps the record of every paper it read (their
    titles' first records and content hashes, ~35 MB of objects at 100,000 papers) as these few
    megabytes of bytes while it assembles and exports, until :meth:`BuildState.saving` writes them
    as they are (the bytes ``marshal.dump`` would write)."""

    data: bytes

    @classmethod
    def of(cls, value: Any) -> Packed:
        return cls(marshal.dumps(value))


@dataclass
class BuildState:
    """The record of one build (see the module's docstring)."""

    fingerprint: str  # of the extraction pipeline (kg.extract.cache.pipeline_fingerprint)
    fmt: str | None  # the --format the inputs were read with
    inputs: list[InputFile]
    first_read: FirstRead | Packed  # (Packed: while a build holds it, see Packed; a loaded state's is a dict)
    duplicates: list[tuple[str, int, str]]  # the duplicate-record warnings, in reading order
    contents: set[str] | Packed  # the content hash of every paper read (kg.model.Paper.content_hash)
    snapshot: Stamp  # of the graph snapshot this state extends
    #: the input files added since the snapshot was written, build by build (their papers are
    #: added to the snapshot's graph again, in the same batches, to make this build's graph)
    journal: list[list[str]] = field(default_factory=list)
    #: "rdf": kg.export.rdf.RdfIndex.to_data() of graph.nt and graph.ttl, "json": kg.export.json_graph.JsonIndex
    #: of graph.json (each marshalled: read only when used), for the files whose stamps ``outputs`` holds
    indexes: dict[str, bytes] = field(default_factory=dict)
    #: every file the build wrote (its path in the output folder, "/"-separated) → its stamp when the build ended
    outputs: dict[str, Stamp] = field(default_factory=dict)
    program: str = ""  # program_fingerprint() of the version that made the build
    exports: tuple[tuple[str, ...], str] = ((), "")  # the formats written, and the page's view
    #: what the build's summary says: "counts" (nodes by type), "edges", and AssemblyStats' fields
    summary: dict[str, Any] = field(default_factory=dict)

    def unchanged(self, out_dir: Path, names: Iterable[str]) -> bool:
        """Whether this build wrote each of ``names`` (paths in ``out_dir``, "/"-separated) and
        each is still as it left it."""
        return all(name in self.outputs and stamp(Path(out_dir) / name) == self.outputs[name] for name in names)

    def kept_outputs(self, out_dir: Path, exports: tuple[tuple[str, ...], str]) -> list[Path] | None:
        """The files this build wrote into ``out_dir``, when it wrote these ``exports`` and every
        one of them is still as the build left it; else None."""
        if self.exports != exports or not self.outputs or not self.unchanged(out_dir, self.outputs):
            return None
        return [Path(out_dir) / name for name in self.outputs]

    def save(self, path: Path) -> Path:
        """Write the state (see :meth:`saving`)."""
        with self.saving(path):
            pass
        return Path(path)

    @contextlib.contextmanager
    def saving(self, path: Path, outputs: Callable[[], dict[str, Stamp]] | None = None) -> Iterator[None]:
        """Write the state in two steps: all but ``outputs`` when the block begins (its fields
        marshalled one by one, then the index blobs as they are: tens of megabytes at 100,000
        papers, never copied whole), and when it ends, ``outputs`` (set from ``outputs()`` first,
        when given) and the file renamed into place. Nothing is saved if the block raises."""
        blobs = sorted(self.indexes.items())
        head = (self.fingerprint, self.fmt, [astuple(f) for f in self.inputs], self.duplicates, self.snapshot,
                self.journal, [(name, len(blob)) for name, blob in blobs], self.program, self.exports, self.summary)
        with atomic_open_binary(path, sync=False) as stream:  # checked when read, like the snapshot
            stream.write(_MAGIC)
            for part in (head, self.first_read, self.contents):
                if isinstance(part, Packed):
                    stream.write(part.data)
                else:
                    marshal.dump(part, stream)
            for _, blob in blobs:
                stream.write(blob)
            yield
            if outputs is not None:
                self.outputs = outputs()
            marshal.dump(self.outputs, stream)

    @classmethod
    def load(cls, path: Path) -> BuildState:
        """The state saved at ``path``; ``ValueError`` (naming the file) when there is none that this
        version reads."""
        try:
            stream = open(path, "rb")  # noqa: SIM115  # closed below
        except OSError as error:
            raise ValueError(f"{path}: no build state ({error.strerror})") from error
        with stream:
            if stream.read(len(_MAGIC)) != _MAGIC:
                raise ValueError(f"{path}: not a build state of this version")
            try:
                head, first_read, contents = marshal.load(stream), marshal.load(stream), marshal.load(stream)
                fingerprint, fmt, inputs, duplicates, snapshot, journal, sizes, program, exports, summary = head
                indexes = {name: stream.read(size) for name, size in sizes}
                if any(len(indexes[name]) != size for name, size in sizes):
                    raise ValueError("not the length it says")
                outputs = marshal.load(stream)
                if stream.read(1):
                    raise ValueError("longer than it says")
                files = [InputFile(path_, tuple(stamp_), list(warnings), read, skipped)
                         for path_, stamp_, warnings, read, skipped in inputs]
            except (EOFError, ValueError, TypeError) as error:
                raise ValueError(f"{path}: damaged build state ({error})") from error
        return cls(fingerprint, fmt, files, first_read, duplicates, set(contents), tuple(snapshot), journal, indexes,
                   {name: tuple(value) for name, value in outputs.items()}, program, (tuple(exports[0]), exports[1]), summary)
