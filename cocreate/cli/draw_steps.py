"""The steps a verifiable draw goes through, shared by `select`, `draw`, `verify` and `replace`.

1. commit: the fair distribution is rounded to m equally likely panels, written as ``lottery.csv`` (its SHA-256 is
   the commitment to publish) with a printable ``lottery.html`` and the audit bundle ``audit.json`` (no draw yet);
2. draw: a public seed (or a number rolled with dice) picks one panel; ``panel.csv``, ``reserves.csv`` and the
   completed ``audit.json`` are written;
3. replace: drop-outs are replaced from the reserves and the rest of the pool into a new folder
   ``replacement-N`` with its own bundle; nothing earlier is changed.
"""

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from cocreate.cli.common import atomic_write, contact_columns, write_csv, write_json
from selection.lottery import bundle as audit
from selection.lottery.seeds import DERIVATION, canonical_seed, derived_seed, draw_number, number_width
from selection.errors import InputError

COMPARISON_SCENARIOS = 2000  # held-out drop-out scenarios for the reserve-list comparison


def fail(message: str, code: int = 2) -> None:
    """Print each line of a user-facing problem and exit (status 2 = bad input; no traceback)."""
    for line in str(message).splitlines():
        typer.echo(f"error: {line}", err=True)
    raise typer.Exit(code)


def split(text: str | None) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()] if text else []


def default_reserves(k: int) -> int:
    """Reserve list length when not given: a fifth of the panel, rounded up. Real attrition ranged from 2 of 110
    (Climate Assembly UK) to 31 of 150 (France's climate convention) (shared/reference/cases-and-data.md)."""
    return max(1, math.ceil(k / 5))


def inputs_for(bundle: dict, pool_path: Path | None, quotas_path: Path | None):
    """Pool, quotas and problem for a bundle: from the given files, else from the recorded paths; the files must
    still be the ones recorded (same SHA-256)."""
    loaded = {}
    for key, given in (("pool", pool_path), ("quotas", quotas_path)):
        rec = bundle["inputs"][key]
        path = Path(given) if given else Path(rec["path"])
        if not path.is_file():
            fail(f"{path}: {key} file not found; pass --{key} with the file used for this draw")
        if audit.file_record(path)["sha256"] != rec["sha256"]:
            fail(f"{path}: this {key} file is not the one the draw used (SHA-256 differs from the bundle's); "
                 f"pass --{key} with the original file")
        loaded[key] = path
    try:
        return audit.read_inputs(bundle["options"], loaded["pool"], loaded["quotas"])
    except InputError as err:
        fail(str(err))


def panel_frame(pool, problem, idx, keep: list[str]) -> pd.DataFrame:
    """Rows of the people ``idx``: id, quota features, other non-contact columns, and contact columns in ``keep``."""
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


def write_commitment(out: Path, bundle: dict) -> None:
    atomic_write(out / "lottery.csv", audit.lottery_csv(bundle["lottery"]["panels"]))
    atomic_write(out / "lottery.html", lottery_html(bundle))


def choose_reserves(problem, panel_idx: np.ndarray, size: int, dropout: np.ndarray | None, seed: int):
    """(ordered reserve list as person indices, comparison dict or None). With drop-out probabilities the list
    minimises the expected quota shortfall, and a held-out simulation (another seed, common random numbers) says how
    it compares with the plain like-for-like list of the same length."""
    from selection.lottery import reserves

    if size <= 0:
        return np.array([], dtype=np.int64), None
    if dropout is None:
        return reserves.plain_reserves(problem, panel_idx, size, seed), None
    aware = reserves.dropout_aware_reserves(problem, panel_idx, size, dropout, seed)
    plain = reserves.plain_reserves(problem, panel_idx, size, seed)
    test_seed = seed ^ 0x5EED
    a = reserves.simulate_dropouts(problem, panel_idx, aware, dropout, COMPARISON_SCENARIOS, test_seed)
    b = reserves.simulate_dropouts(problem, panel_idx, plain, dropout, COMPARISON_SCENARIOS, test_seed)
    return aware, {"scenarios": COMPARISON_SCENARIOS, "dropout_aware": a, "plain": b}


def reserve_length(k: int, lottery_probabilities: np.ndarray, dropout: np.ndarray | None) -> int:
    """Default reserve list length: a fifth of k, or 1.3 times the expected drop-outs of the drawn panel (sum of
    lottery probability x drop-out probability) when that is larger."""
    base = default_reserves(k)
    if dropout is None:
        return base
    return max(base, math.ceil(1.3 * float(lottery_probabilities @ dropout)))


DROPOUT_NAMES = ("dropout", "dropout_probability", "dropout_prob", "drop_out_probability", "p_dropout")


def dropout_column_of(pool, given: str | None) -> str | None:
    """The drop-out column: the one given (``""`` means none), else a column with a usual name, else None."""
    if given is not None:
        return given or None
    found = [c for c in pool.table.columns if str(c).strip().casefold() in DROPOUT_NAMES]
    return found[0] if found else None


def read_dropout(pool, column: str | None) -> np.ndarray | None:
    if not column:
        return None
    from selection.lottery import reserves

    try:
        return reserves.read_dropout(pool, column)
    except InputError as err:
        fail(str(err))


def perform_draw(bundle: dict, pool, problem, seed: str | None, number: int | None) -> dict:
    """The bundle with its draw and reserves filled in (not yet sealed). Exactly one of seed/number is given."""
    lot = bundle["lottery"]
    if seed is not None:
        try:
            text = canonical_seed(seed)
        except ValueError as err:
            fail(f"--seed: {err}; give the public seed text as announced")
        number = draw_number(text, lot["sha256"], lot["m"])
        draw = {"method": "seed", "derivation": DERIVATION, "seed": text, "number": number}
    else:
        if not 0 <= number < lot["m"]:
            fail(f"--number: {number} is outside 0..{lot['m'] - 1}")
        text = f"manual:{number}"
        draw = {"method": "manual", "derivation": None, "seed": None, "number": number}
    ids = lot["panels"][number]
    index = {pid: i for i, pid in enumerate(pool.ids)}
    panel_idx = np.array([index[i] for i in ids], dtype=np.int64)
    opts = bundle["options"]
    dropout = read_dropout(pool, opts.get("dropout_column"))
    reserve_seed = derived_seed(text, lot["sha256"], "reserves")
    reserve_idx, comparison = choose_reserves(problem, panel_idx, int(opts["reserves"]), dropout, reserve_seed)
    draw["panel"] = list(ids)
    draw["reserve_seed"] = reserve_seed
    return {**bundle, "draw": draw, "reserves": [pool.ids[i] for i in reserve_idx],
            "reserves_method": "dropout-aware" if dropout is not None else "plain",
            "reserves_comparison": comparison}


def describe_reserves(bundle: dict) -> str:
    """One line on the reserve list, with the drop-out simulation when there is one."""
    n = len(bundle["reserves"])
    cmp = bundle.get("reserves_comparison")
    if not cmp:
        return f"{n} reserves, like-for-like (no drop-out probabilities given)"
    a, b = cmp["dropout_aware"], cmp["plain"]
    ratio = b["mean_deviation"] / a["mean_deviation"] if a["mean_deviation"] > 0 else float("inf")
    return (f"{n} drop-out-aware reserves: in {cmp['scenarios']} simulated drop-out scenarios the refilled panel "
            f"misses the quotas by {a['mean_deviation']:.2f} seats on average (all quotas met in "
            f"{a['share_all_met']:.0%}), against {b['mean_deviation']:.2f} ({b['share_all_met']:.0%}) with a plain "
            f"like-for-like list of the same length ({ratio:.1f}x less)")


def write_draw(out: Path, bundle: dict, pool, problem) -> None:
    """panel.csv, reserves.csv and the sealed audit.json of a drawn bundle."""
    keep = bundle["options"].get("keep_columns", [])
    index = {pid: i for i, pid in enumerate(pool.ids)}
    panel = [index[i] for i in bundle["draw"]["panel"]]
    write_csv(out / "panel.csv", panel_frame(pool, problem, panel, keep))
    reserves = [index[i] for i in bundle["reserves"]]
    frame = panel_frame(pool, problem, reserves, keep)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    write_csv(out / "reserves.csv", frame)
    write_json(out / "audit.json", audit.seal(bundle))
