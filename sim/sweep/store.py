"""Where a sweep keeps its results: a directory with a manifest and a Parquet dataset written in parts.

Layout of a sweep directory::

    sweep.json                  the manifest: design, parameters, strategies, replications, seeds, model
    results/part-000000.parquet one file per flush; every row is one finished run (result or error)
    results/part-000001.parquet ...

Every file is written to a temporary name and moved into place (`selection.outputs.atomic_write`, the project's
one atomic writer), so a sweep killed at any moment leaves only whole parts (a stray ``*.tmp`` is ignored and
removed on resume). Rows are never rewritten: reading concatenates the parts in order and keeps the last row per
`run_id`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from selection.outputs import atomic_write

MANIFEST = "sweep.json"
RESULTS = "results"
#: Bookkeeping columns of every row, kept last so the column order does not depend on which runs failed first.
TRAILING_COLUMNS = ("error", "traceback", "duration_s", "cpu_s")
#: The columns that depend on the machine and its load, not on the run (leave them out to compare results).
TIMING_COLUMNS = ["duration_s", "cpu_s"]


def write_manifest(out: Path, manifest: dict) -> None:
    Path(out).mkdir(parents=True, exist_ok=True)
    atomic_write(Path(out) / MANIFEST, json.dumps(manifest, indent=1))


def read_manifest(out: Path) -> dict:
    """The manifest of the sweep in `out` (raises FileNotFoundError when there is none)."""
    return json.loads((Path(out) / MANIFEST).read_text())


def part_files(out: Path) -> list[Path]:
    """The finished result parts in write order."""
    return sorted((Path(out) / RESULTS).glob("part-*.parquet"))


def remove_temporaries(out: Path) -> None:
    """Delete half-written parts left by a killed sweep."""
    for tmp in (Path(out) / RESULTS).glob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def read_results(out: Path) -> pd.DataFrame:
    """All finished runs of the sweep in `out`, one row per `run_id`, sorted by `run_id`.

    Parts may carry different output columns (a part of only failed runs has none); missing values are NaN.
    Columns: plan (run_id, point, replication, seed, strategy), parameters, outputs, then error, traceback,
    duration_s and cpu_s (seconds).
    """
    parts = [pd.read_parquet(f) for f in part_files(out)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=["run_id"])
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.drop_duplicates("run_id", keep="last").sort_values("run_id", kind="stable")
    last = [c for c in TRAILING_COLUMNS if c in frame]
    frame = frame[[c for c in frame.columns if c not in last] + last]
    return frame.reset_index(drop=True)


class PartWriter:
    """Appends rows to a sweep's Parquet dataset, one new part per `flush()`."""

    def __init__(self, out: Path):
        self.dir = Path(out) / RESULTS
        self.dir.mkdir(parents=True, exist_ok=True)
        existing = part_files(out)
        self.next_index = int(existing[-1].stem.split("-")[1]) + 1 if existing else 0
        self.rows: list[dict] = []

    def add(self, row: dict) -> None:
        self.rows.append(row)

    def flush(self) -> None:
        """Write the buffered rows (if any) as one new part file, atomically."""
        if not self.rows:
            return
        frame = pd.DataFrame(self.rows)
        for col in ("error", "traceback"):
            if col in frame:
                frame[col] = frame[col].astype("string")
        path = self.dir / f"part-{self.next_index:06d}.parquet"
        atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))
        self.next_index += 1
        self.rows = []


def load_sweep(out: Path):
    """``(results, manifest, params)``: the finished rows, the manifest and the swept `Param`s of the sweep in
    `out`. Raises FileNotFoundError when `out` holds no sweep."""
    from sim.sweep.designs import Param

    manifest = read_manifest(out)
    params = [Param.from_mapping(p["name"], p) for p in manifest["params"]]
    return read_results(out), manifest, params
