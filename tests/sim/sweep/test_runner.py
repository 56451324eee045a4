"""The sweep runner: same rows on every executor, failures as rows, resume after a kill, manifests guarded."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep import SweepError
from sim.sweep.designs import Param
from sim.sweep.runner import run_one, run_sweep
from sim.sweep.store import TIMING_COLUMNS, part_files, read_results
from tests.sim.sweep import models

ROOT = Path(__file__).resolve().parents[3]
PARAMS = [Param.parse("a=0:1"), Param.parse("b=1:5:int")]
STRATS = list(models.STRATEGIES)


def sweep(out, model=models.toy, **kw):
    options = dict(design="lhs", params=PARAMS, samples=6, strategies=STRATS, replications=3, seed=11,
                   executor="sequential")
    options.update(kw)
    return run_sweep(model, out, **options)


def outcomes(out):
    return read_results(out).drop(columns=TIMING_COLUMNS)


def test_sequential_process_pool_and_dask_give_identical_rows(tmp_path):
    reports = {ex: sweep(tmp_path / ex, models.flaky, executor=ex, workers=2) for ex in ("sequential", "local", "dask")}
    assert all(r.completed == r.total == 36 and r.lost == 0 for r in reports.values())
    reference = outcomes(tmp_path / "sequential")
    assert reference["error"].notna().any() and reference["error"].isna().any()
    for ex in ("local", "dask"):
        pd.testing.assert_frame_equal(outcomes(tmp_path / ex), reference)


def test_a_run_that_raises_becomes_a_row_and_the_rest_complete(tmp_path):
    report = sweep(tmp_path, models.flaky, samples=20)
    rows = read_results(tmp_path)
    bad = (rows["strategy"] == "cocreate") & (rows["a"] > 0.8)
    assert bad.any() and report.failed == bad.sum() and len(rows) == report.total == 120
    assert rows.loc[bad, "error"].str.startswith("RuntimeError: model blew up").all()
    assert rows.loc[bad, "trust_change"].isna().all()
    assert rows.loc[bad, "traceback"].str.contains("flaky").all()
    assert rows.loc[~bad, "error"].isna().all() and rows.loc[~bad, "trust_change"].notna().all()


def test_run_one_never_raises_for_model_errors():
    assert run_one(lambda p, s, seed: 1.0, {}, "x", 0)["error"].startswith("TypeError")
    assert run_one(lambda p, s, seed: {"v": [1]}, {}, "x", 0)["error"].startswith("TypeError")
    row = run_one(lambda p, s, seed: {"seed": 3, "v": 1.0}, {"a": 1}, "x", 0)
    assert row["out_seed"] == 3 and row["v"] == 1.0 and row["error"] is None and row["duration_s"] >= 0
    assert row["cpu_s"] >= 0


def test_killed_sweep_resumes_to_the_same_dataset(tmp_path):
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    script = textwrap.dedent(f"""
        from sim.sweep.designs import Param
        from sim.sweep.runner import run_sweep
        from tests.sim.sweep import models
        run_sweep(models.slow, {str(killed)!r}, design="factorial", params=[Param.parse("a=0:1")], samples=5,
                  strategies=list(models.STRATEGIES), replications=12, executor="sequential",
                  flush_seconds=0.05, model_label="toy")
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while len(part_files(killed)) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the sweep finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    partial = read_results(killed)
    assert 0 < len(partial) < 120
    options = dict(design="factorial", params=[Param.parse("a=0:1")], samples=5, strategies=STRATS,
                   replications=12, executor="sequential", model_label="toy")
    report = run_sweep(models.toy, killed, resume=True, **options)
    assert report.skipped == len(partial) and report.completed == 120 - len(partial)
    run_sweep(models.toy, whole, **options)
    pd.testing.assert_frame_equal(outcomes(killed), outcomes(whole))


def test_resume_runs_nothing_when_done_and_refuses_another_sweep(tmp_path):
    sweep(tmp_path)
    assert sweep(tmp_path, resume=True).completed == 0
    with pytest.raises(SweepError, match="--resume"):
        sweep(tmp_path)
    with pytest.raises(SweepError, match="samples"):
        sweep(tmp_path, samples=7, resume=True)
    with pytest.raises(SweepError, match="model"):
        sweep(tmp_path, model=models.slow, resume=True)


def test_retry_errors_reruns_failed_runs_only(tmp_path):
    first = sweep(tmp_path, models.flaky, model_label="m")
    again = sweep(tmp_path, models.toy, model_label="m", resume=True, retry_errors=True)
    assert first.failed > 0 and again.completed == first.failed and again.failed == 0
    assert read_results(tmp_path)["error"].isna().all()


def test_half_written_parts_are_ignored_and_removed(tmp_path):
    sweep(tmp_path)
    stray = tmp_path / "results" / ".part-000099.parquet.x.tmp"
    stray.write_bytes(b"garbage")
    assert len(read_results(tmp_path)) == 36
    sweep(tmp_path, resume=True)
    assert not stray.exists()


def test_bad_design_is_a_sweep_error_and_leaves_no_manifest(tmp_path):
    with pytest.raises(SweepError, match="power of 2"):
        sweep(tmp_path, design="sobol", samples=6)
    with pytest.raises(SweepError, match="reserved"):
        sweep(tmp_path, params=[Param.parse("seed=0:1")])
    assert not (tmp_path / "sweep.json").exists()


def test_sweep_on_a_running_dask_scheduler(tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        report = sweep(tmp_path / "remote", executor="dask", scheduler=cluster.scheduler_address)
    sweep(tmp_path / "here")
    assert report.completed == 36 and report.lost == 0
    pd.testing.assert_frame_equal(outcomes(tmp_path / "remote"), outcomes(tmp_path / "here"))
