"""The files of a public draw, in one folder: what is written where, atomically (:mod:`selection.outputs`).

- after publishing: ``lottery.csv`` (its SHA-256 is the commitment), ``lottery.html`` (a printable sheet),
  ``probabilities.csv`` and ``audit.json`` (undrawn);
- after the draw: ``panel.csv``, ``reserves.csv`` and the completed ``audit.json``;
- after replacement N: ``replacement-N/`` with ``panel.csv``, ``changes.csv``, ``reserves.csv`` (those still left)
  and ``audit.json`` with the step appended; nothing earlier is changed.
"""

import html
import re
from pathlib import Path

import numpy as np
import pandas as pd

from selection.lottery import bundle as bundles
from selection.lottery.seeds import DERIVATION, number_width
from selection.lottery.workflow import Inputs
from selection.outputs import atomic_write, contact_columns, write_csv

PUBLISHED = ("lottery.csv", "lottery.html", "probabilities.csv", "audit.json")
DRAWN = ("panel.csv", "reserves.csv")


def panel_frame(inputs: Inputs, idx, keep: list[str]) -> pd.DataFrame:
    """Rows of the people ``idx``: id, quota features, other non-contact columns, and contact columns in ``keep``."""
    pool, problem = inputs.pool, inputs.problem
    features = [c for c in problem.feature_columns if c]
    id_col = pool.id_column or "id"
    hidden = set(contact_columns(pool.table.columns, exclude=[id_col, *features])) | set(pool.household_columns)
    rows = pool.table.iloc[list(idx)]
    others = [c for c in pool.table.columns if c not in (id_col, *features) and (c not in hidden or c in keep)]
    out = pd.DataFrame({"id": [pool.ids[i] for i in idx]})
    for c in features + others:
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


def write_publication(out: Path, bundle: dict, lottery) -> dict:
    """``lottery.csv``, ``lottery.html``, ``probabilities.csv`` and the sealed undrawn ``audit.json``; returns the
    sealed bundle. ``lottery``: the :class:`~selection.lottery.rounding.UniformLottery` of the bundle."""
    out = Path(out)
    atomic_write(out / "lottery.csv", bundles.lottery_csv(bundle["lottery"]["panels"]))
    atomic_write(out / "lottery.html", lottery_html(bundle))
    ids = bundle["probabilities"]["ids"]
    write_csv(out / "probabilities.csv", pd.DataFrame({"id": ids, "probability": np.round(lottery.target, 9),
                                                       "lottery_probability": np.round(lottery.probabilities, 9)}))
    return bundles.write(out / "audit.json", bundle)


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame


def write_draw(out: Path, bundle: dict, inputs: Inputs) -> dict:
    """``panel.csv``, ``reserves.csv`` and the sealed ``audit.json`` of a drawn bundle; returns the sealed bundle."""
    out = Path(out)
    keep = bundle["options"].get("keep_columns", [])
    write_csv(out / "panel.csv", panel_frame(inputs, inputs.indices(bundle["draw"]["panel"]), keep))
    write_csv(out / "reserves.csv", _ranked(panel_frame(inputs, inputs.indices(bundle["reserves"]), keep)))
    return bundles.write(out / "audit.json", bundle)


def latest(folder: Path) -> tuple[Path, int]:
    """The newest bundle in a selection folder: ``replacement-N/audit.json`` with the largest N, else
    ``audit.json``; with N (0 for the original)."""
    found = [(int(m.group(1)), p) for p in Path(folder).glob("replacement-*/audit.json")
             if (m := re.fullmatch(r"replacement-(\d+)", p.parent.name))]
    if found:
        n, path = max(found)
        return path, n
    return Path(folder) / "audit.json", 0


def write_replacement(folder: Path, bundle: dict, step: dict, inputs: Inputs, panel_idx: np.ndarray) -> Path:
    """``folder/replacement-N`` (N = the step number) with its panel, changes, reserves left and sealed bundle;
    refuses to write into an existing folder. Returns the new folder."""
    out = Path(folder) / f"replacement-{step['step']}"
    out.mkdir(parents=False, exist_ok=False)
    keep = bundle["options"].get("keep_columns", [])
    write_csv(out / "panel.csv", panel_frame(inputs, panel_idx, keep))
    write_csv(out / "reserves.csv", _ranked(panel_frame(inputs, inputs.indices(step["reserves_left"]), keep)))
    changes = panel_frame(inputs, inputs.indices(step["dropped"] + step["added"]), keep)
    changes.insert(1, "change", ["dropped"] * len(step["dropped"]) + ["added"] * len(step["added"]))
    write_csv(out / "changes.csv", changes)
    bundles.write(out / "audit.json", bundle)
    return out
