"""Ctrl-C and SIGTERM end a long command within seconds, with one line, exit 130 and nothing written.

The commands run as real processes (``python -m cocreate.cli``) and the signal is sent once the computation has
started (the command's worker process exists), as a user pressing Ctrl-C mid-solve would.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.selection.test_cli import write_inputs

LONG = 10_000_000  # legacy draws: hours of work, so the signal surely lands mid-computation


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def descendants(pid: int) -> list[int]:
    out, todo = [], children(pid)
    while todo:
        c = todo.pop()
        out.append(c)
        todo += children(c)
    return out


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cocreate.cli", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for_worker(proc: subprocess.Popen, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert proc.poll() is None, proc.communicate()
        if len(descendants(proc.pid)) > len(children(proc.pid)):  # the worker, under the worker server, runs
            time.sleep(1.0)  # let it get into its computation
            return
        time.sleep(0.1)
    raise AssertionError("the computation never started")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_select_stops_cleanly_mid_computation(tmp_path, sig):
    write_inputs(tmp_path)
    proc = start(["select", "pool.csv", "q.csv", "--size", "10", "--out", "out", "--algorithm", "legacy",
                  "--draws", str(LONG)], tmp_path)
    wait_for_worker(proc)
    workers = descendants(proc.pid)
    sent = time.monotonic()
    os.kill(proc.pid, sig)
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 10
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "interrupted; nothing was written" and "Traceback" not in err
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pool.csv", "q.csv"]
    time.sleep(0.5)
    assert not [w for w in workers if Path(f"/proc/{w}").exists() and "zombie" not in
                Path(f"/proc/{w}/status").read_text().lower()]


def test_verify_stops_cleanly_and_keeps_the_folder_as_it_was(tmp_path):
    write_inputs(tmp_path)
    done = subprocess.run([sys.executable, "-m", "cocreate.cli", "select", "pool.csv", "q.csv", "--size", "10",
                           "--out", "out", "--algorithm", "legacy", "--draws", "50", "--seed", "s",
                           "--compare-draws", "0"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # make the recomputation long: the bundle says 10^7 legacy draws (re-sealed, so it loads)
    import json

    from selection.lottery import bundle as bundles

    path = tmp_path / "out" / "audit.json"
    data = json.loads(path.read_text())
    data["options"]["legacy_draws"] = LONG
    path.write_text(json.dumps(bundles.seal(data)))
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*")}
    proc = start(["verify", "out/audit.json", "--pool", "pool.csv", "--quotas", "q.csv"], tmp_path)
    wait_for_worker(proc)
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*")} == before


def test_simulate_stops_cleanly(tmp_path):
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
    proc = start(["simulate", str(scenario), "--seeds", "200", "--population", "20000", "--out", "sim"], tmp_path)
    time.sleep(8)
    assert proc.poll() is None
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and err.strip().splitlines()[-1] == "interrupted; nothing was written", err
    assert not (tmp_path / "sim").exists()


def test_panel_tables_are_not_half_written(tmp_path):
    """The normal path writes the full set (the control for the tests above)."""
    write_inputs(tmp_path)
    done = subprocess.run([sys.executable, "-m", "cocreate.cli", "select", "pool.csv", "q.csv", "--size", "10",
                           "--out", "out", "--seed", "s", "--compare-draws", "0"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(tmp_path / "out" / "panel.csv")) == 10
