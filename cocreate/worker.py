"""The body of a worker process that runs one computation for the CLI (`cli/common.stoppable`) or the web app
(`web/jobs.Job`): it dies with its parent, leaves signals to the parent, and reports through a queue.

Messages: ``("ready", None)`` once running (only when ``ready``), ``("progress", args)``, then exactly one of
``("ok", result)``, ``("user", UserError)`` or ``("crash", traceback text)``.
"""

import signal
import traceback
from collections.abc import Callable

from selection.errors import UserError


def die_with_parent() -> None:
    """Linux: the worker is killed when the process that started it ends, so no computation outlives its command
    or server."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def child(queue, fn: Callable, kwargs: dict, wants_progress: bool, ready: bool = False) -> None:
    """Run ``fn(**kwargs)`` in the worker; everything it reports goes through ``queue``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides and terminates the worker
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()
    if ready:
        queue.put(("ready", None))
    if wants_progress:
        kwargs = {**kwargs, "progress": lambda *a: queue.put(("progress", a))}
    try:
        queue.put(("ok", fn(**kwargs)))
    except UserError as err:
        queue.put(("user", err))
    except BaseException:  # noqa: BLE001 - a crash is reported by the parent with its traceback
        queue.put(("crash", traceback.format_exc()))
