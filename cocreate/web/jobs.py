"""Long computations of the web app, each in its own worker process so that the cancel button stops it at once, even
inside a solver's C code (the approach of :func:`cocreate.cli.common.stoppable`, without its signal handling: the
web server's callbacks run in threads, where signal handlers cannot be set).

A :class:`Job` runs a module-level function with picklable arguments in a process forked from a quiet forkserver;
its progress calls come back through a queue. :func:`start` runs a job from a page: a thread waits for it and keeps
a reactive :class:`JobState` up to date (status, progress line, result or the problems to show). Every job of a
browser session is cancelled when the session ends (:func:`cancel_all`).
"""

import multiprocessing
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from queue import Empty

from cocreate.worker import child
from selection.errors import UserError

PRELOAD = ["cocreate.worker", "cocreate.web.work", "selection.lottery.workflow", "selection.lottery.verify", "selection.check", "sim"]
"""What the worker server imports once, so each job starts at once."""


def warm_up() -> None:
    """Start the worker server now (in the background), so that the first job does not wait for its imports."""
    import multiprocessing.forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    threading.Thread(target=multiprocessing.forkserver.ensure_running, name="cocreate-warm-up", daemon=True).start()


class Cancelled(Exception):
    """The job was cancelled (by the user, or because the session ended)."""


class JobFailed(RuntimeError):
    """The computation crashed (a bug, not bad input): ``details`` holds the worker's traceback."""

    def __init__(self, details: str):
        self.details = details
        super().__init__("the computation failed")


class Job:
    """``fn(**kwargs)`` in a worker process. :meth:`run` waits for it (in a thread); :meth:`cancel` stops it from
    any thread within a fraction of a second."""

    def __init__(self, fn: Callable, kwargs: dict, wants_progress: bool = False):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        self._queue = ctx.Queue()
        self._process = ctx.Process(target=child, args=(self._queue, fn, kwargs, wants_progress), daemon=True)
        self._stop = threading.Event()

    def run(self, progress: Callable | None = None, poll: float = 0.1, tick: Callable | None = None):
        """The function's result; raises its :class:`UserError`, :class:`Cancelled` or :class:`JobFailed`.
        ``tick()`` (optional) is called about once a second while waiting, so a page can show the time elapsed."""
        last = time.monotonic()
        try:
            if self._stop.is_set():
                raise Cancelled()
            self._process.start()
            while True:
                if self._stop.is_set():
                    raise Cancelled()
                try:
                    kind, value = self._queue.get(timeout=poll)
                except Empty:
                    if tick is not None and time.monotonic() - last >= 1.0:
                        last = time.monotonic()
                        tick()
                    if not self._process.is_alive() and self._queue.empty():
                        if self._stop.is_set():
                            raise Cancelled() from None
                        raise JobFailed(f"the worker ended without a result (exit code {self._process.exitcode})"
                                        ) from None
                    continue
                if kind == "progress":
                    if progress is not None:
                        progress(*value)
                elif kind == "ok":
                    return value
                elif kind == "user":
                    raise value
                else:
                    raise JobFailed(value)
        finally:
            self._end()

    def cancel(self) -> None:
        """Stop the job: the worker is terminated (then killed); nothing it computed is kept."""
        self._stop.set()
        self._end()

    def _end(self) -> None:
        p = self._process
        if p.pid is not None and p.is_alive():
            p.terminate()
            p.join(2)
            if p.is_alive():
                p.kill()
                p.join(1)


@dataclass(frozen=True)
class JobState:
    """What a page shows of a job: ``status`` is idle, running, done, cancelled, failed (bad input: ``problems``)
    or crashed (``problems`` holds the traceback's last line); ``progress`` a line of text and ``fraction`` in
    [0, 1] (None while unknown); ``result`` once done; ``seconds`` the elapsed wall time."""

    status: str = "idle"
    progress: str = ""
    fraction: float | None = None
    result: object = None
    problems: tuple = ()
    error: UserError | None = None
    seconds: float = 0.0
    job: Job | None = field(default=None, compare=False, repr=False)

    @property
    def running(self) -> bool:
        return self.status == "running"


_SESSIONS: dict[str, set[Job]] = {}
_LOCK = threading.Lock()


def _context():
    from solara.server import kernel_context

    return kernel_context.get_current_context() if kernel_context.has_current_context() else None


def start(state, fn: Callable, kwargs: dict, *, describe: Callable | None = None,
          on_done: Callable | None = None) -> Job:
    """Run ``fn(**kwargs)`` as a :class:`Job` and keep ``state`` (a ``solara.Reactive[JobState]``) up to date from
    a thread bound to the current browser session. ``describe(stage, done, total, value) -> (text, fraction)``
    turns the worker's progress calls into the progress line; without it the job gets no progress callback.
    ``on_done(result)`` runs in that thread once the job succeeded, before the state says done."""
    job = Job(fn, kwargs, wants_progress=describe is not None)
    context = _context()
    key = context.id if context is not None else ""
    with _LOCK:
        first = key not in _SESSIONS
        _SESSIONS.setdefault(key, set()).add(job)
    if first and context is not None:
        context.on_close(lambda: cancel_all(key))  # the session ends: its jobs stop
    began = time.monotonic()
    state.set(JobState("running", "starting", None, job=job))

    def progress(*args) -> None:
        text, fraction = describe(*args)
        state.set(replace(state.value, progress=text, fraction=fraction, seconds=time.monotonic() - began))

    def tick() -> None:
        if state.value.job is job and state.value.running:
            state.set(replace(state.value, seconds=time.monotonic() - began))

    def runner() -> None:
        try:
            result = job.run(progress if describe is not None else None, tick=tick)
            if on_done is not None:
                on_done(result)
            state.set(JobState("done", "", 1.0, result, seconds=time.monotonic() - began))
        except Cancelled:
            state.set(JobState("cancelled", "cancelled: nothing was kept", seconds=time.monotonic() - began))
        except UserError as err:
            state.set(JobState("failed", "", problems=tuple(err.problems) or tuple(err.lines()), error=err,
                               seconds=time.monotonic() - began))
        except JobFailed as err:
            last = err.details.strip().splitlines()[-1] if err.details.strip() else "unknown error"
            state.set(JobState("crashed", "", problems=(f"the computation failed: {last}",),
                               seconds=time.monotonic() - began))
        finally:
            with _LOCK:
                _SESSIONS.get(key, set()).discard(job)

    thread = threading.Thread(target=runner, name="cocreate-job", daemon=True)
    if context is not None:
        from solara.server import kernel_context

        kernel_context.set_context_for_thread(context, thread)
    thread.start()
    return job


def cancel(state) -> None:
    """The cancel button: stop the state's running job (its thread then reports ``cancelled``)."""
    job = state.value.job
    if job is not None and state.value.running:
        job.cancel()


def cancel_all(session_key: str) -> None:
    """Stop every job of a browser session (when it ends)."""
    with _LOCK:
        jobs = list(_SESSIONS.pop(session_key, set()))
    for job in jobs:
        job.cancel()
