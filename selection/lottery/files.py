"""The files of a public draw, in one folder: what is written where, atomically (:mod:`selection.outputs`).

- after publishing: ``lottery.csv`` (its SHA-256 is the commitment), ``lottery.html`` (a printable sheet),
  ``probabilities.csv`` and ``audit.json`` (undrawn);
- after the draw: ``panel.csv``, ``reserves.csv`` and the completed ``audit.json``;
- after replacement N: ``replacement-N/`` with ``panel.csv``, ``changes.csv``, ``reserves.csv`` (those still left)
  and ``audit.json`` with the step appended; nothing earlier is changed.
"""

import hashlib
import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from selection.lottery import bundle as bundles
from selection.lottery.seeds import DERIVATION, number_width
from selection.lottery.workflow import Inputs
from selection.outputs import atomic_write, write_csv

PUBLISHED = ("lottery.csv", "lottery.html", "probabilities.csv", "tickets.csv", "audit.json")
DRAWN = ("panel.csv", "reserves.csv", "remaining.csv")
STEP = ("panel.csv", "reserves.csv", "changes.csv")
LOCAL = ".cocreate-local.json"
"""Private to the planner's machine: where the inputs of this folder are (never published, never in a bundle)."""


def panel_frame(inputs: Inputs, idx, keep: list[str]) -> pd.DataFrame:
    """Rows of the people ``idx``: id, the quota features, the household columns, and the columns in ``keep``
    (nothing else of the pool leaves it: privacy by default)."""
    pool, problem = inputs.pool, inputs.problem
    features = [c for c in problem.feature_columns if c]
    id_col = pool.id_column or "id"
    extra = [c for c in (*pool.household_columns, *keep) if c not in (id_col, *features)]
    rows = pool.table.iloc[list(idx)]
    out = pd.DataFrame({"id": [pool.ids[i] for i in idx]})
    for c in dict.fromkeys(features + extra):
        out[c] = rows[c].to_numpy()
    return out


def lottery_html(bundle: dict) -> str:
    """A printable sheet of the numbered panels, with the commitment and how to draw with dice."""
    lot = bundle["lottery"]
    m, width = lot["m"], number_width(lot["m"])
    dice = (f"Roll {width} ten-sided dice (hundreds, tens, units, ...): the digits read in order give the number."
            if m == 10**width else f"Draw one of {m} numbered balls, or use `cocreate draw --seed` with a public seed.")
    rows = "\n".join(f"<tr><td>{str(j).zfill(width)}</td><td>{html.escape(' '.join(map(str, p)))}</td></tr>"
                     for j, p in enumerate(lot["panels"]))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cocreate lottery: {m} panels</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse;font-size:10pt}}
td{{border:1px solid #999;padding:2px 6px;vertical-align:top}} td:first-child{{font-weight:bold;font-family:monospace}}
code{{word-break:break-all}} @media print{{tr{{page-break-inside:avoid}}}}</style></head><body>
<h1>Uniform lottery: {m} equally likely panels of {bundle['options']['k']}</h1>
<p>Commitment (SHA-256 of <code>lottery.csv</code>): <code>{lot['sha256']}</code></p>
<p>Every panel below meets every quota. Each has chance exactly 1/{m}. {html.escape(dice)}
With a public seed, the number is derived as in docs/draw.md ({DERIVATION}).</p>
<table><tr><td>number</td><td>panel members (ids)</td></tr>
{rows}
</table></body></html>
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def publication_files(out: Path, bundle: dict) -> dict[str, str]:
    """Write ``lottery.csv``, ``lottery.html`` and ``probabilities.csv`` from the bundle alone; returns their
    SHA-256 by file name."""
    out = Path(out)
    atomic_write(out / "lottery.csv", bundles.lottery_csv(bundle["lottery"]["panels"]))
    atomic_write(out / "lottery.html", lottery_html(bundle))
    probs = bundle["probabilities"]
    write_csv(out / "probabilities.csv", pd.DataFrame({
        "id": probs["ids"], "probability": np.round(np.asarray(probs["target"], dtype=float), 9),
        "lottery_probability": np.round(np.asarray(probs["lottery"], dtype=float), 9)}))
    write_csv(out / "tickets.csv", tickets_frame(bundle))
    return {name: sha256(out / name) for name in PUBLISHED if name != "audit.json"}


def tickets_frame(bundle: dict) -> pd.DataFrame:
    """Each person's tickets in the lottery: ``id``, ``tickets`` (how many of the m panels hold them, so their chance
    is tickets / m) and ``numbers`` (those panels' numbers, zero-padded, space-separated), so anyone can check their
    own chance against the published lottery."""
    lot = bundle["lottery"]
    width = number_width(lot["m"])
    held: dict[str, list[str]] = {i: [] for i in bundle["probabilities"]["ids"]}
    for j, panel in enumerate(lot["panels"]):
        for pid in panel:
            held.setdefault(pid, []).append(str(j).zfill(width))
    return pd.DataFrame({"id": list(held), "tickets": [len(v) for v in held.values()],
                         "numbers": [" ".join(v) for v in held.values()]})


def remaining_people(inputs: Inputs, panel_idx) -> np.ndarray:
    """Everyone not on the panel, minus the housemates of its members (they cannot be added), in pool order."""
    problem = inputs.problem
    out = np.ones(problem.n, dtype=bool)
    out[np.asarray(panel_idx, dtype=np.int64)] = False
    taken = problem.household_of[np.asarray(panel_idx, dtype=np.int64)]
    out &= ~np.isin(problem.household_of, taken[taken >= 0])
    return np.flatnonzero(out)


def draw_files(out: Path, bundle: dict, inputs: Inputs) -> dict[str, str]:
    """Write ``panel.csv`` and ``reserves.csv`` of a drawn bundle; returns their SHA-256 by file name."""
    out = Path(out)
    keep = bundle["options"].get("keep_columns", [])
    write_csv(out / "panel.csv", panel_frame(inputs, inputs.indices(bundle["draw"]["panel"]), keep))
    write_csv(out / "reserves.csv", _ranked(panel_frame(inputs, inputs.indices(bundle["reserves"]), keep)))
    panel = inputs.indices(bundle["draw"]["panel"])
    write_csv(out / "remaining.csv", panel_frame(inputs, remaining_people(inputs, panel), keep))
    return {name: sha256(out / name) for name in DRAWN}


def step_files(out: Path, bundle: dict, step: dict, inputs: Inputs) -> dict[str, str]:
    """Write a replacement step's ``panel.csv``, ``reserves.csv`` (those left) and ``changes.csv`` into ``out``;
    returns their SHA-256 by file name."""
    out = Path(out)
    keep = bundle["options"].get("keep_columns", [])
    write_csv(out / "panel.csv", panel_frame(inputs, np.sort(inputs.indices(step["panel"])), keep))
    write_csv(out / "reserves.csv", _ranked(panel_frame(inputs, inputs.indices(step["reserves_left"]), keep)))
    changes = panel_frame(inputs, inputs.indices(step["dropped"] + step["added"]), keep)
    changes.insert(1, "change", ["dropped"] * len(step["dropped"]) + ["added"] * len(step["added"]))
    write_csv(out / "changes.csv", changes)
    return {name: sha256(out / name) for name in STEP}


def write_publication(out: Path, bundle: dict) -> dict:
    """The published files and the sealed undrawn ``audit.json`` (recording their SHA-256); returns the sealed
    bundle."""
    return bundles.write(Path(out) / "audit.json", {**bundle, "files": publication_files(out, bundle)})


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame


def write_draw(out: Path, bundle: dict, inputs: Inputs) -> dict:
    """``panel.csv``, ``reserves.csv`` and the sealed ``audit.json`` (recording every file's SHA-256) of a drawn
    bundle; returns the sealed bundle."""
    recorded = {**bundle.get("files", {}), **draw_files(out, bundle, inputs)}
    return bundles.write(Path(out) / "audit.json", {**bundle, "files": recorded})


def write_local(out: Path, pool_path: Path, quotas_path: Path) -> None:
    """Record where the inputs are, for later ``draw`` and ``replace`` in this folder, in the private file
    :data:`LOCAL` (absolute paths of this machine: not part of the bundle, not for publication)."""
    paths = {"pool": str(Path(pool_path).resolve()), "quotas": str(Path(quotas_path).resolve())}
    atomic_write(Path(out) / LOCAL, json.dumps(paths, indent=1) + "\n")


def read_local(folder: Path) -> dict:
    """The paths :func:`write_local` recorded in a selection folder ({} when there are none)."""
    try:
        data = json.loads((Path(folder) / LOCAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if k in ("pool", "quotas") and isinstance(v, str)}


def latest(folder: Path) -> tuple[Path, int]:
    """The newest bundle in a selection folder: ``replacement-N/audit.json`` with the largest N, else
    ``audit.json``; with N (0 for the original)."""
    found = [(int(m.group(1)), p) for p in Path(folder).glob("replacement-*/audit.json")
             if (m := re.fullmatch(r"replacement-(\d+)", p.parent.name))]
    if found:
        n, path = max(found)
        return path, n
    return Path(folder) / "audit.json", 0


def write_replacement(folder: Path, bundle: dict, inputs: Inputs) -> Path:
    """``folder/replacement-N`` for the bundle's last step N, with its panel, changes, reserves left and the
    sealed bundle (the step records its files' SHA-256); refuses to write into an existing folder. Returns the
    new folder."""
    step = bundle["steps"][-1]
    out = Path(folder) / f"replacement-{step['step']}"
    out.mkdir(parents=False, exist_ok=False)
    step = {**step, "files": step_files(out, bundle, step, inputs)}
    bundles.write(out / "audit.json", {**bundle, "steps": [*bundle["steps"][:-1], step]})
    return out
