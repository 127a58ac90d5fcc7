"""Turtle from sorted N-Triples: each subject's lines become one Turtle block (prefixed names, ``a``,
``xsd:`` datatypes). ``python -m kg.export.turtle`` is the process that makes graph.ttl from the
N-Triples while the build writes graph.nt (:class:`TurtleWriter`), so that the Turtle costs the
build's own process nothing but handing over bytes it has made anyway: it needs no graph.

The writer and its process talk through pipes: the build sends, in file order, "these N-Triples
come next, and these owners begin at these offsets" and "copy owners ``i…i+n`` from the old
Turtle file"; at the end the process answers where each owner begins in the Turtle file."""

from __future__ import annotations

import contextlib
import marshal
import os
import queue
import re
import struct
import subprocess
import sys
import tempfile
import threading
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Self

from kg.atomic import BackgroundWriter, copy_range, open_streamed

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"  # Turtle's "a"
_FRAME = struct.Struct("<I")


class TurtleTerms:
    """Abbreviates N-Triples terms to Turtle: prefixed names where the local part is plainly safe
    in every parser, ``a`` for rdf:type, ``xsd:`` datatypes (when ``prefixes`` declares ``xsd``);
    everything else stays as it is (N-Triples terms are valid Turtle). ``prefixes``: prefix →
    namespace; ``mention_predicates``: the predicates of every kg:Mention block, in order (see
    :meth:`mention`)."""

    _SAFE_LOCAL = re.compile(r"[A-Za-z_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")

    def __init__(self, prefixes: dict[str, str], mention_predicates: Sequence[str]) -> None:
        self.prefix_of = {str(namespace): prefix for prefix, namespace in prefixes.items()}
        xsd = prefixes.get("xsd")
        self._datatyped = "^^<" + str(xsd) if xsd else None  # how a literal with an xsd: datatype ends
        self.mention_predicates = list(mention_predicates)
        self.cache: dict[str, str] = {RDF_TYPE: "a"}  # predicates, classes, entities and common values repeat
        # a kg:Mention block: what comes before each object (the predicates in mention_predicates
        # order), filled in by slices and joined once (four times as fast as str.format on a template)
        self._mention_heads = [(" " if i == 0 else " ;\n    ") + self.term(predicate) + " "
                               for i, predicate in enumerate(mention_predicates)]
        # each N-Triples line of a mention block, after its subject: the predicate and a space
        self._mention_lines = [predicate + " " for predicate in mention_predicates]
        # a mention's IRI (<paper IRI>/mention/<digest>) has a prefixed name only if some prefix's
        # namespace ends in "/mention/": else it is written as it is, without trying (a million times)
        self._mention_iris_stay = not any(namespace.endswith("/mention/") for namespace in self.prefix_of)

    def _short(self, term: str) -> str:
        if term[0] == "<":
            value = term[1:-1]
            cut = max(value.rfind("/"), value.rfind("#")) + 1  # every namespace ends in / or #
            prefix = self.prefix_of.get(value[:cut])
            if prefix is not None and self._SAFE_LOCAL.fullmatch(value[cut:]):
                return f"{prefix}:{value[cut:]}"
        elif term[-1] == ">" and self._datatyped is not None and self._datatyped in term:
            lexical, _, datatype = term.rpartition(self._datatyped)
            return f"{lexical}^^xsd:{datatype[:-1]}"
        return term

    def term(self, term: str) -> str:
        """The Turtle form of an N-Triples term."""
        found = self.cache.get(term)
        if found is None:
            found = self._short(term)
            if len(self.cache) >= 50_000:  # start afresh rather than keep terms that never came back
                self.cache = {RDF_TYPE: "a"}
            self.cache[term] = found
        return found

    def mention(self, subject: str, objects: Sequence[str]) -> str:
        """:meth:`block` of a kg:Mention block (``subject`` a mention's IRI, ``objects`` those of
        the mention predicates, in their order): the same text, made without sorting out the pairs."""
        get, short = self.cache.get, self.term
        parts = [" .\n\n"] * (2 * len(self._mention_heads) + 2)
        parts[0] = subject if self._mention_iris_stay else self._short(subject)
        parts[1:-1:2] = self._mention_heads
        parts[2:-1:2] = [obj if obj[-1] == '"' else (get(obj) or short(obj)) for obj in objects]
        return "".join(parts)

    def block(self, subject: str, pairs: Sequence[tuple[str, str]]) -> str:
        """One subject's statements: ``s p o1, o2 ; p2 o3 .`` and a blank line."""
        get, short = self.cache.get, self.term
        out = [self._short(subject)]  # a subject comes once: not worth caching
        previous = None
        for predicate, obj in pairs:
            value = obj if obj[-1] == '"' else (get(obj) or short(obj))  # a plain literal stays as it is
            if predicate == previous:
                out.append(", " + value)
            else:
                out.append((" " if previous is None else " ;\n    ") + (get(predicate) or short(predicate)) + " " + value)
                previous = predicate
        out.append(" .\n\n")
        return "".join(out)

    def from_ntriples(self, text: str) -> str:
        """The Turtle blocks of N-Triples lines grouped by subject (each subject's lines together, as
        in a sorted file; ``text`` ends with a newline and holds whole subjects)."""
        lines = text.split("\n")
        lines.pop()  # what follows the last newline
        out: list[str] = []
        size = len(self.mention_predicates)
        mention_lines = self._mention_lines
        index, count = 0, len(lines)
        while index < count:
            cut = lines[index].index(" ") + 1  # subjects and predicates hold no space
            subject, prefix = lines[index][: cut - 1], lines[index][:cut]
            end = index + 1
            while end < count and lines[end].startswith(prefix):
                end += 1
            if end - index == size and "/mention/" in subject:  # most blocks: read by the known predicates
                objects = [line[cut + len(head):-2] for line, head in zip(lines[index:end], mention_lines)
                           if line.startswith(head, cut)]
                if len(objects) == size:
                    out.append(self.mention(subject, objects))
                    index = end
                    continue
            # subject, predicate, object and " ."
            parts = [line.split(" ", 2) for line in lines[index:end]]
            out.append(self.block(subject, [(part[1], part[2][:-2]) for part in parts]))
            index = end
        return "".join(out)


class TurtleWriter:
    """Makes a Turtle file, atomically, from the N-Triples that the caller writes, in a process of
    its own (``python -m kg.export.turtle``). Tell it, in file order, each part of the N-Triples as
    it is made (:meth:`made`) and what to copy from the previous Turtle file (:meth:`copied`); then
    :meth:`end`; :meth:`result` gives where each owner begins in the Turtle file and its size. The
    messages go to the process through a pipe written by a thread of its own, so the caller waits
    only when the process falls behind. Use it as a context manager: on leaving without an error the
    file is renamed into place; on an error the process is stopped and nothing is left behind.
    :meth:`running` starts it for a block that ends once the file is made, before it is renamed (so
    that the N-Triples file can be renamed first, and only if the Turtle file is whole)."""

    def __init__(self, path: Path, header: bytes, terms: TurtleTerms, owners: int,
                 previous: tuple[int, Sequence[int], int] | None = None) -> None:
        """``previous``: a descriptor of the old Turtle file, where each owner began there, its size."""
        self.path = Path(path)
        self._setup: dict[str, Any] = {
            "header": header, "prefixes": {prefix: namespace for namespace, prefix in terms.prefix_of.items()},
            "mention_predicates": list(terms.mention_predicates), "owners": owners}
        self._previous = previous
        self._process: subprocess.Popen[bytes] | None = None
        self._pipe: BackgroundWriter | None = None
        self._temp: str | None = None
        self._outcome: tuple[array, int] | None = None

    @contextlib.contextmanager
    def running(self) -> Iterator[TurtleWriter]:
        """:meth:`start`; when the block ends without an error, wait for the :meth:`result` (which
        raises the process's error, if any)."""
        self.start()
        yield self
        self.result()

    def start(self) -> None:
        """Start the process."""
        handle, self._temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        fds = [handle]
        setup = dict(self._setup, turtle=handle)
        if self._previous is not None:
            old, starts, size = self._previous
            fds.append(old)
            starts = starts if isinstance(starts, array) and starts.typecode == "q" else array("q", starts)
            setup.update(old=old, old_starts=memoryview(starts), old_size=size)  # marshalled as bytes
        package_root = str(Path(__file__).resolve().parents[2])  # where `kg` is, whatever the caller's path
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (package_root, os.environ.get("PYTHONPATH")))))
        try:
            self._process = subprocess.Popen([sys.executable, "-m", "kg.export.turtle"], stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=fds, env=env)
        finally:
            os.close(handle)  # the process has its own
        assert self._process.stdin is not None
        with contextlib.suppress(AttributeError, OSError):  # Linux: room for a megabyte in the pipe
            fcntl.fcntl(self._process.stdin.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
        self._pipe = BackgroundWriter(self._process.stdin)
        self._send(setup)

    def _send(self, message: Any, data: bytes = b"") -> None:
        frame = marshal.dumps(message)
        assert self._pipe is not None
        try:
            self._pipe.write(_FRAME.pack(len(frame)))
            self._pipe.write(frame)
            if data:
                self._pipe.write(data)
        except OSError:  # the process stopped: say why
            raise self._failure() from None

    def made(self, data: bytes, marks: bytes) -> None:
        """The next N-Triples (whole subjects); ``marks``: pairs of (owner index, offset in ``data``)
        where owners begin, as the bytes of an ``array("q")``."""
        self._send(("made", len(data), marks), data)

    def copied(self, index: int, first: int, count: int) -> None:
        """Owners ``index…index+count-1`` are the previous file's owners ``first…first+count-1``."""
        self._send(("copy", index, first, count))

    def end(self) -> None:
        """Nothing more comes: the process finishes the file."""
        self._send(("end",))
        assert self._pipe is not None and self._process is not None and self._process.stdin is not None
        try:
            self._pipe.close()
            self._process.stdin.close()
        except OSError:
            raise self._failure() from None

    def result(self) -> tuple[array, int]:
        """Where each owner begins in the Turtle file (-1 where it shares a place) and the file's size,
        once the process is done (after :meth:`end`); ``OSError`` naming the file if it failed."""
        if self._outcome is None:
            assert self._process is not None and self._process.stdout is not None
            data = self._process.stdout.read()
            if self._process.wait() != 0 or not data:
                raise self._failure()
            starts, size = marshal.loads(data)
            self._outcome = array("q"), size
            self._outcome[0].frombytes(starts)
        return self._outcome

    def _failure(self) -> OSError:
        assert self._process is not None and self._process.stderr is not None
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        lines = self._process.stderr.read().decode("utf-8", "replace").strip().splitlines()
        return OSError(f"{self.path}: the Turtle writer stopped ({lines[-1] if lines else f'exit status {self._process.returncode}'})")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        try:
            if kind is None and self._process is not None:
                self.result()
                assert self._temp is not None
                os.chmod(self._temp, 0o644)  # mkstemp creates 0600; outputs are meant to be shared
                os.replace(self._temp, self.path)
                self._temp = None
        finally:
            process = self._process
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
            if self._pipe is not None:
                with contextlib.suppress(OSError):  # the pipe's reader is gone: its error is known
                    self._pipe.close()
            for stream in (process.stdin, process.stdout, process.stderr) if process is not None else ():
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            if self._temp is not None:
                Path(self._temp).unlink(missing_ok=True)


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the build stopped before the end of the Turtle file")
    return data


class _Inbox:
    """The messages read from ``incoming`` by a thread of their own, so that the build never waits
    while this process copies a long range of the old file: up to ``limit`` bytes of N-Triples wait
    here (a rebuild sends few; a first build, sending many, waits only if this process falls behind)."""

    def __init__(self, incoming: IO[bytes], limit: int = 64 << 20) -> None:
        self._incoming = incoming
        self._limit = limit
        self._queue: queue.Queue[tuple[Any, bytes] | BaseException] = queue.Queue()
        self._waiting = 0
        self._room = threading.Condition()
        threading.Thread(target=self._read, name="kg-turtle-inbox", daemon=True).start()

    def _message(self) -> tuple[Any, bytes]:
        (length,) = _FRAME.unpack(_read_exactly(self._incoming, _FRAME.size))
        message = marshal.loads(_read_exactly(self._incoming, length))
        data = _read_exactly(self._incoming, message[1]) if type(message) is tuple and message[0] == "made" else b""
        return message, data

    def _read(self) -> None:
        try:
            while True:
                message, data = self._message()
                size = len(data)
                with self._room:
                    self._room.wait_for(lambda: self._waiting == 0 or self._waiting + size <= self._limit)  # noqa: B023
                    self._waiting += size
                self._queue.put((message, data))
                if message == ("end",):
                    return
        except BaseException as error:  # noqa: BLE001  # handed to the converting thread
            self._queue.put(error)

    def get(self) -> tuple[Any, bytes]:
        item = self._queue.get()
        if isinstance(item, BaseException):
            raise item
        with self._room:
            self._waiting -= len(item[1])
            self._room.notify()
        return item


def serve(incoming: IO[bytes], outgoing: IO[bytes]) -> None:
    """The process's work: messages from :class:`TurtleWriter` in, the Turtle file out."""
    inbox = _Inbox(incoming)
    setup, _ = inbox.get()
    terms = TurtleTerms(setup["prefixes"], setup["mention_predicates"])
    starts = array("q", [-1]) * setup["owners"]
    old_starts = array("q")
    old_starts.frombytes(setup.get("old_starts", b""))
    with open_streamed(setup["turtle"], "wb", 1 << 20) as turtle:  # a descriptor of the file's temporary copy
        turtle.write(setup["header"])
        at = len(setup["header"])

        def write(text: str) -> None:
            nonlocal at
            encoded = text.encode("utf-8")
            turtle.write(encoded)
            at += len(encoded)

        while (item := inbox.get())[0] != ("end",):
            message, data = item
            if message[0] == "made":
                marks = array("q")
                marks.frombytes(message[2])
                done = 0  # bytes of data converted
                for owner, offset in zip(marks[::2], marks[1::2]):
                    if offset > done:
                        write(terms.from_ntriples(data[done:offset].decode("utf-8")))
                        done = offset
                    starts[owner] = at
                if done < len(data):
                    write(terms.from_ntriples(data[done:].decode("utf-8")))
            else:  # "copy"
                _, index, first, count = message
                for offset in range(count):
                    starts[index + offset] = at + old_starts[first + offset] - old_starts[first]
                stop = old_starts[first + count] if first + count < len(old_starts) else setup["old_size"]
                copy_range(turtle, setup["old"], old_starts[first], stop - old_starts[first])
                at += stop - old_starts[first]
        turtle.flush()
        os.fsync(turtle.fileno())
    outgoing.write(marshal.dumps((bytes(memoryview(starts)), at)))
    outgoing.flush()


def main() -> None:
    serve(sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()
