"""Where the runs of a sweep execute: every executor is a `concurrent.futures.Executor`.

- ``sequential``: in this process, one run at a time (`SequentialExecutor`; the reference for the others);
- ``local`` (default): a `ProcessPoolExecutor` with one worker per core (forkserver where available);
- ``dask``: `distributed.Client.get_executor()`, on a LocalCluster when no scheduler address is given, or on a
  running cluster (``tcp://HOST:PORT``; dask-jobqueue clusters on SLURM/PBS expose one). See docs/sweeps.md.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager

from sim.sweep import SweepError

EXECUTORS = ("local", "dask", "sequential")


class SequentialExecutor(Executor):
    """Runs each submitted call at once, in this process. The reference against which parallel runs are checked."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


@contextmanager
def open_executor(kind: str = "local", workers: int | None = None, scheduler: str | None = None):
    """Yield ``(executor, slots)``: an Executor and how many runs it executes at once.

    `workers` defaults to the number of cores (`os.cpu_count()`); it is ignored with a `scheduler` address,
    where the running cluster decides. Dask LocalCluster workers are processes with one thread each.
    """
    if kind not in EXECUTORS:
        raise SweepError(f"unknown executor {kind!r}; choose one of {', '.join(EXECUTORS)}")
    if scheduler and kind != "dask":
        raise SweepError("--scheduler needs --executor dask")
    n = workers or os.cpu_count() or 1
    if kind == "sequential":
        yield SequentialExecutor(), 1
    elif kind == "local":
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context(method)) as pool:
            try:
                yield pool, n
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
    else:
        from distributed import Client, LocalCluster

        if scheduler:
            with Client(scheduler) as client:
                yield client.get_executor(pure=False), max(1, sum(client.nthreads().values()))
        else:
            with (
                LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
                Client(cluster) as client,
            ):
                yield client.get_executor(pure=False), n
