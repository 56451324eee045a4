"""The sweep runner: every (design point x replication x strategy) run of a sweep on any
`concurrent.futures.Executor` (see `sim.sweep.executors`), results streamed to a Parquet dataset, resumable.

The model is any picklable callable ``model(params: dict, strategy: str, seed: int) -> Mapping[str, scalar]``
(a top-level function, or an object such as `sim.sweep_model.ScenarioModel`, the engagement model's adapter).

Guarantees: a run's result depends only on (params, strategy, seed), so every executor gives the same rows;
a run that raises becomes a row with `error` and `traceback` set (the sweep goes on); finished rows reach disk
at least every `flush_seconds`; ``resume=True`` runs only the run_ids missing from the dataset.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.sweep import SweepError
from sim.sweep.designs import PLAN_COLUMNS, Param, design_points, plan_runs
from sim.sweep.executors import open_executor
from sim.sweep.store import (
    TRAILING_COLUMNS,
    PartWriter,
    part_files,
    read_manifest,
    read_results,
    remove_temporaries,
    write_manifest,
)

RESERVED = frozenset(PLAN_COLUMNS) | frozenset(TRAILING_COLUMNS)
#: The packages whose versions a sweep's manifest records (those a run's numbers depend on).
PACKAGES = ("cocreate", "numpy", "scipy", "pandas", "networkx", "pydantic", "SALib", "pyarrow", "dask")
#: The manifest key of where and with what a sweep was started: recorded, never compared on --resume.
PROVENANCE = "provenance"

ModelFn = Callable[[dict, str, int], Mapping]
#: Called as ``progress(done, failed, total)``: runs finished (stored or lost) and failed so far, of `total` to do.
ProgressFn = Callable[[int, int, int], None]


# --------------------------------------------------------------------------------------------- one run


def _plain(value):
    """numpy scalars -> Python scalars, so models and pydantic see int/float/str."""
    return value.item() if isinstance(value, np.generic) else value


def run_one(model: ModelFn, params: dict, strategy: str, seed: int) -> dict:
    """Run the model once, never raising for the model's own errors.

    Returns the model's outputs (names colliding with plan/parameter columns get an ``out_`` prefix) plus
    `error` (None, or ``"Type: message"``), `traceback`, `duration_s` (wall-clock seconds of this run) and
    `cpu_s` (CPU seconds of this process during the run: below `duration_s` when the cores are shared).
    """
    start, cpu = time.perf_counter(), time.process_time()
    try:
        outputs = model(dict(params), strategy, seed)
        if not isinstance(outputs, Mapping):
            raise TypeError(f"the model returned {type(outputs).__name__}, not a mapping of outputs")
        row = {}
        for key, value in outputs.items():
            value = _plain(value)
            if not isinstance(value, int | float | str | bool | None):
                raise TypeError(f"output {key!r} is a {type(value).__name__}; outputs must be scalars")
            name = f"out_{key}" if key in RESERVED or key in params else str(key)
            row[name] = value
        row.update(error=None, traceback=None)
    except Exception as exc:
        row = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(limit=-8)}
    row["duration_s"] = time.perf_counter() - start
    row["cpu_s"] = time.process_time() - cpu
    return row


# --------------------------------------------------------------------------------------------- the sweep


@dataclass
class SweepReport:
    """What one call of `run_sweep` did. `failed` counts runs whose model raised (stored as error rows);
    `lost` counts runs whose worker died (not stored: `resume` runs them again)."""

    out: Path
    total: int
    skipped: int
    completed: int = 0
    failed: int = 0
    lost: int = 0
    elapsed_s: float = 0.0
    lost_errors: list[str] = field(default_factory=list)


def sweep_manifest(
    design: str, params: list[Param], samples: int, strategies: list[str], replications: int, seed: int, model: str
) -> dict:
    """The definition of a sweep as stored in ``sweep.json``; two sweeps with equal manifests have equal plans."""
    return {
        "design": design,
        "params": [p.to_json() for p in params],
        "samples": samples,
        "strategies": list(strategies),
        "replications": replications,
        "seed": seed,
        "model": model,
    }


def provenance() -> dict:
    """Where and with what a sweep runs: Python and package versions (None when not installed), the platform,
    and the git commit of the code (with ``dirty`` when it has uncommitted changes; None outside a checkout)."""
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    here = Path(__file__).resolve().parent
    commit = dirty = None
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip() or None
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                                    capture_output=True, text=True, timeout=10, check=True).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return {"versions": versions, "platform": platform.platform(), "machine": platform.machine(),
            "git_commit": commit, "git_dirty": dirty, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def prepare_sweep(out: Path, manifest: dict, resume: bool) -> pd.DataFrame:
    """Check `out` against `manifest`, write the manifest, and return the full run plan."""
    out = Path(out)
    params = [Param.from_mapping(p["name"], p) for p in manifest["params"]]
    bad = [p.name for p in params if p.name in RESERVED]
    if bad:
        raise SweepError(f"parameter name {bad[0]!r} is reserved; rename it")
    try:
        points = design_points(manifest["design"], params, manifest["samples"], manifest["seed"])
        plan = plan_runs(points, manifest["strategies"], manifest["replications"], manifest["seed"])
    except ValueError as exc:
        raise SweepError(str(exc)) from None
    if (out / "sweep.json").exists():
        stored = read_manifest(out)
        stored.pop(PROVENANCE, None)
        if not resume and not (stored == manifest and not part_files(out)):
            raise SweepError(f"{out} already holds a sweep; pass --resume to finish it, or choose another --out")
        if stored != manifest:
            diff = next(k for k in manifest if stored.get(k) != manifest[k])
            raise SweepError(
                f"{out} holds a different sweep ({diff}: {stored.get(diff)!r} there, {manifest[diff]!r} now); "
                "resume with the same options, or choose another --out"
            )
    else:
        write_manifest(out, {**manifest, PROVENANCE: provenance()})
    return plan


def run_sweep(
    model: ModelFn,
    out: str | Path,
    *,
    design: str,
    params: list[Param],
    samples: int,
    strategies: list[str],
    replications: int,
    seed: int = 0,
    executor: str | Executor = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    retry_errors: bool = False,
    progress: ProgressFn | None = None,
    flush_seconds: float = 2.0,
    flush_rows: int = 1000,
    model_label: str | None = None,
    max_in_flight: int | None = None,
) -> SweepReport:
    """Run every (design point x replication x strategy) of a sweep and stream the rows to ``out/results``.

    `samples`: levels per range (factorial), points (lhs) or base size N (sobol, N*(D+2) points).
    `replications`: seeds per point; `seed`: the base seed the replication seeds are spawned from.
    `executor`: ``"local" | "dask" | "sequential"`` or any Executor (then `workers`/`scheduler` are unused).
    `model_label` identifies the model in the manifest (resume refuses a different one); default: its name.
    `max_in_flight`: futures (batches of one point and replication) submitted ahead; default 4 per worker
    (at least 250 on Dask or a given Executor, whose size is not known: a remote cluster may be large).
    Finished rows reach ``out/results`` every `flush_seconds` (or `flush_rows` rows), whichever comes first.
    `progress`: called as ``progress(done, failed, total)`` when the sweep starts and after every wait (at most
    `flush_seconds` apart); None for no progress reports.
    Returns a `SweepReport`; read the rows with `sim.sweep.store.read_results(out)`.
    """
    out = Path(out)
    label = model_label if model_label is not None else _describe(model)
    manifest = sweep_manifest(design, params, samples, strategies, replications, seed, label)
    plan = prepare_sweep(out, manifest, resume)
    remove_temporaries(out)
    done = read_results(out)
    if retry_errors and "error" in done:
        done = done[done["error"].isna()]
    todo = plan[~plan["run_id"].isin(done["run_id"])]
    report = SweepReport(out=out, total=len(plan), skipped=len(plan) - len(todo))
    if len(todo) == 0:
        return report
    param_names = [c for c in plan.columns if c not in PLAN_COLUMNS]
    start = time.perf_counter()
    if isinstance(executor, Executor):
        window = max_in_flight or max(250, 4 * (os.cpu_count() or 1))
        _drive(executor, window, model, todo, param_names, out, report, progress, flush_seconds, flush_rows)
    else:
        with open_executor(executor, workers, scheduler) as (ex, slots):
            window = max_in_flight or (max(250, 4 * slots) if executor == "dask" else 4 * slots)
            _drive(ex, window, model, todo, param_names, out, report, progress, flush_seconds, flush_rows)
    report.elapsed_s = time.perf_counter() - start
    return report


def _describe(model) -> str:
    name = getattr(model, "__qualname__", None) or type(model).__qualname__
    return f"{getattr(model, '__module__', '?')}.{name}"


def run_batch(model: ModelFn, runs: list[tuple[dict, str, int]]) -> list[dict]:
    """`run_one` for each (params, strategy, seed) in order. A sweep sends the strategies of one future (design
    point and replication) as one batch, so a worker builds that future's world once (the model may cache it)."""
    return [run_one(model, params, strategy, seed) for params, strategy, seed in runs]


def _batches(todo: pd.DataFrame) -> list[list[dict]]:
    """The runs to do, grouped by future (point, replication), in plan order."""
    groups: dict[tuple[int, int], list[dict]] = {}
    for rec in todo.to_dict("records"):
        groups.setdefault((rec["point"], rec["replication"]), []).append(rec)
    return list(groups.values())


def _drive(executor, window, model, todo, param_names, out, report, progress, flush_seconds, flush_rows):
    """Keep up to `window` batches in flight, store each finished run, flush parts as we go."""
    batches = _batches(todo)
    writer = PartWriter(out)
    pending: dict[Future, list[dict]] = {}
    total = len(todo)
    if progress is not None:
        progress(0, 0, total)
    last_flush = time.monotonic()
    nxt = 0
    try:
        while nxt < len(batches) or pending:
            while nxt < len(batches) and len(pending) < window:
                batch = batches[nxt]
                runs = [({k: _plain(r[k]) for k in param_names}, r["strategy"], int(r["seed"])) for r in batch]
                try:
                    future = executor.submit(run_batch, model, runs)
                except BrokenExecutor as exc:
                    raise SweepError(
                        f"the workers died ({exc}); finished runs are saved, run again with --resume"
                    ) from None
                pending[future] = batch
                nxt += 1
            finished, _ = wait(pending, timeout=flush_seconds, return_when=FIRST_COMPLETED)
            for future in finished:
                batch = pending.pop(future)
                exc = future.exception()
                if exc is not None:
                    report.lost += len(batch)
                    report.lost_errors.append(f"runs {batch[0]['run_id']}..: {type(exc).__name__}: {exc}")
                    continue
                for rec, row in zip(batch, future.result(), strict=True):
                    writer.add({**rec, **row})
                    report.completed += 1
                    report.failed += row["error"] is not None
            if progress is not None:
                progress(report.completed + report.lost, report.failed, total)
            if len(writer.rows) >= flush_rows or time.monotonic() - last_flush >= flush_seconds:
                writer.flush()
                last_flush = time.monotonic()
    finally:
        for future in pending:
            future.cancel()
        writer.flush()
