"""Runs a build's exporters side by side: each export is a task on the finished graph, and up to N
tasks run at once in forked processes that share the graph copy-on-write (nothing is pickled).

Where processes cannot fork (Windows) or N is 1, the tasks run one after another in this process.
Files are written atomically by the exporters themselves, so a failed task leaves no partial output.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx


@dataclass(frozen=True)
class ExportTask:
    """One unit of export work: ``run(graph)`` writes files and returns their paths."""

    name: str  # shown in the stage timings, e.g. "export:graph.json"
    run: Callable[[nx.MultiDiGraph], list[Path]]


@dataclass
class TaskResult:
    name: str
    files: list[Path]
    seconds: float


class ExportError(RuntimeError):
    """An export task failed; the message carries the task's name and its traceback."""


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _child(task: ExportTask, graph: nx.MultiDiGraph, connection: multiprocessing.connection.Connection) -> None:
    started = time.perf_counter()
    try:
        files = task.run(graph)
        connection.send(("ok", [str(f) for f in files], time.perf_counter() - started))
    except BaseException:  # noqa: BLE001 -- reported to the parent, which raises it there
        connection.send(("error", traceback.format_exc(), 0.0))
    finally:
        connection.close()


def run_tasks(graph: nx.MultiDiGraph, tasks: Sequence[ExportTask], processes: int = 1) -> list[TaskResult]:
    """Run ``tasks`` (longest first is best) with at most ``processes`` at a time; results in task order.
    Raises :class:`ExportError` for the first task that failed, after every task has ended."""
    if processes <= 1 or len(tasks) <= 1 or not can_fork():
        results = []
        for task in tasks:
            started = time.perf_counter()
            results.append(TaskResult(task.name, task.run(graph), time.perf_counter() - started))
        return results
    gc.collect()
    gc.freeze()  # the children's collector then never walks (and so never copies) the graph's pages
    context = multiprocessing.get_context("fork")
    todo = list(enumerate(tasks))
    running: dict[multiprocessing.connection.Connection, tuple[int, multiprocessing.process.BaseProcess]] = {}
    outcome: dict[int, tuple] = {}
    try:
        while todo or running:
            while todo and len(running) < processes:
                index, task = todo.pop(0)
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(task, graph, send), name=f"kg-{task.name}", daemon=True)
                process.start()
                send.close()
                running[receive] = (index, process)
            for receive in multiprocessing.connection.wait(list(running)):  # a result, or EOF if a child died
                index, process = running.pop(receive)  # type: ignore[index]
                try:
                    outcome[index] = receive.recv()
                except EOFError:
                    outcome[index] = None
                receive.close()
                process.join()
                if outcome[index] is None:
                    outcome[index] = ("error", f"the process exited with code {process.exitcode}", 0.0)
    finally:
        for _, process in running.values():
            process.kill()
        gc.unfreeze()
    results = []
    for index, task in enumerate(tasks):
        status, payload, seconds = outcome[index]
        if status != "ok":
            raise ExportError(f"{task.name} failed:\n{payload}")
        results.append(TaskResult(task.name, [Path(p) for p in payload], seconds))
    return results
