"""What every command shares: one way to fail on a user's error, list options, and the safe writers.

The writers themselves belong to the library (:mod:`selection.outputs`); this module re-exports them so commands
import their output helpers from one place.
"""

import multiprocessing
import os
import signal
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from queue import Empty

import typer

from cocreate.worker import child
from selection.errors import UserError
from selection.outputs import atomic_write, contact_columns, write_csv, write_json

__all__ = ["FLAGS", "INTERRUPTED", "Interrupted", "atomic_write", "check_writable", "contact_columns", "deferred_interrupts", "fail",
           "split", "stoppable", "write_csv", "write_json"]

FLAGS = {"size": "--size", "tolerance": "--tolerance", "id_column": "--id-column", "seed": "--seed",
         "number": "--number", "dropped": "--dropped", "exclude": "--exclude", "pool": "--pool", "quotas": "--quotas",
         "keep_columns": "--keep-columns", "dropout_column": "--dropout-column", "m": "--lottery-size",
         "algorithm": "--algorithm", "time_limit": "--time-limit", "public_ids": "--public-ids", "reserves": "--reserves", "already_selected": "--already-selected",
         "target_slack": "--target-slack", "pair_weight": "--pair-weight", "gamma": "--gamma"}
"""Library parameter names -> the flags a user types, so library messages can name the flag."""


def fail(message: str | UserError, code: int = 2) -> None:
    """Print a user-facing problem, one ``error:`` line each, and exit (status 2 = bad input; no traceback)."""
    lines = message.lines(FLAGS) if isinstance(message, UserError) else str(message).splitlines()
    for line in lines:
        typer.echo(f"error: {line}", err=True)
    raise typer.Exit(code)


def split(text: str | None) -> list[str]:
    """A comma-separated option as a list of non-empty, stripped items."""
    return [c.strip() for c in text.split(",") if c.strip()] if text else []


# ------------------------------------------------------------------------------------------ interruptions

INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C
PRELOAD = ["cocreate.worker", "cocreate.cli.reporting", "selection.lottery.workflow", "selection.lottery.verify"]
"""What the worker server imports once, so each stoppable worker starts at once (every function run in one)."""


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM arrived; ``kept`` names the outputs that were already complete. A BaseException, like
    KeyboardInterrupt, so that no ``except Exception`` swallows it (and the CLI framework does not turn it into
    its own "Aborted!")."""

    def __init__(self, kept: list[str] | None = None):
        self.kept = kept or []
        super().__init__("interrupted")


def raise_interrupted(signum, frame) -> None:
    """Signal handler: Ctrl-C and SIGTERM become :class:`Interrupted`."""
    raise Interrupted()


def stoppable(fn: Callable, kwargs: dict, progress: Callable | None = None, poll: float = 0.2):
    """``fn(**kwargs)`` (a module-level function, picklable arguments) run in a worker process, so that Ctrl-C and SIGTERM stop it within about a second
    even inside a solver's C code (which Python cannot interrupt). ``progress`` (optional) receives the worker's
    progress calls. Returns fn's result; re-raises its :class:`UserError`; raises :class:`Interrupted` when
    stopped (the worker is terminated, then killed; nothing it computed is kept)."""
    ctx = multiprocessing.get_context("forkserver")  # forks from a quiet, single-purpose server: no other thread
    ctx.set_forkserver_preload(PRELOAD)
    queue = ctx.Queue()
    worker = ctx.Process(target=child, args=(queue, fn, kwargs, progress is not None, True), daemon=True)
    previous = signal.signal(signal.SIGTERM, raise_interrupted)
    try:
        arrived: list[int] = []  # a signal while the worker starts is held until it runs, so stopping it is clean
        held = {s: signal.signal(s, lambda signum, frame: arrived.append(signum))
                for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            worker.start()
            try:
                queue.get(timeout=300)  # "ready"
            except Empty:
                raise RuntimeError(f"the worker did not start (exit code {worker.exitcode})") from None
        finally:
            for s, h in held.items():
                signal.signal(s, h)
        if arrived:
            raise Interrupted()
        while True:
            try:
                kind, value = queue.get(timeout=poll)
            except Empty:
                if not worker.is_alive() and queue.empty():
                    raise RuntimeError(f"the computation ended without a result (exit code {worker.exitcode})") from None
                continue
            if kind == "progress":
                progress(*value)
            elif kind == "ok":
                return value
            elif kind == "user":
                raise value
            else:
                raise RuntimeError(f"the computation failed:\n{value}")
    except KeyboardInterrupt:
        raise Interrupted() from None  # Interrupted itself passes through
    finally:
        if worker.pid is not None:
            if worker.is_alive():
                worker.terminate()
                worker.join(2)
                if worker.is_alive():
                    worker.kill()
            worker.join(1)
        queue.close()
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def deferred_interrupts(kept: list[str]):
    """Hold Ctrl-C and SIGTERM while outputs are written (each write is atomic; this keeps the set whole), then
    raise :class:`Interrupted` naming what was written if one arrived. ``kept`` is filled by the caller."""
    arrived = []
    handlers = {s: signal.signal(s, lambda signum, frame: arrived.append(signum))
                for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)
    if arrived:
        raise Interrupted(kept)


def check_writable(path: Path, flag: str = "--out", folder: bool = True) -> None:
    """Before any computation: ``path`` (a folder, or a file with ``folder=False``) can be created or written.
    Fails with one line otherwise."""
    path = Path(path)
    if path.exists() and folder and not path.is_dir():
        fail(f"{flag} {path}: is a file; give a folder")
    if path.exists() and not folder and path.is_dir():
        fail(f"{flag} {path}: is a folder; give a file name")
    probe = path if (path.exists() and folder) else path.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        fail(f"{flag} {path}: {probe} is a file, so nothing can be written below it; choose another place")
    if not os.access(probe, os.W_OK | os.X_OK):
        fail(f"{flag} {path}: {probe} is not writable (permission denied); choose another place")
