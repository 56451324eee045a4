"""Population margins (shares of each value of each feature) and quotas derived from them.

A *margins* table has one row per feature value: ``feature,value,share`` (shares of one feature sum to 1) or
``feature,value,count`` (counts of every feature sum to the same total: that of a ``total`` row if there is one,
else that of the first feature). Shares are fractions in [0, 1] or written with a % sign. Lines starting with
``#`` are comments (sources). The shipped Antwerp margins are in ``selection/data/antwerp_margins.csv``.

Quotas from margins (``quotas_from_margins``): for a panel of ``k`` seats the proportional target of a value with
population share ``s`` is ``k * s`` seats; targets are rounded per feature by largest remainders (Hamilton) so they
sum to exactly ``k``; ``min = max(0, floor(k*s - t*k))`` and ``max = min(k, ceil(k*s + t*k))`` for tolerance ``t``
(a fraction of the panel size, 0 <= t <= 1). Hence ``min <= floor(k*s) <= target <= ceil(k*s) <= max``.
"""

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from selection.engine.pricing import Pricer
from selection.errors import InputError, Problem
from selection.inputs import read_table
from selection.outputs import write_csv
from selection.problem import build_problem
from selection.records import Pool, Quota, Quotas

SUM_TOLERANCE = 0.01  # shares of a feature may sum to 1 +- this (published percentages are rounded); then rescaled
COUNT_TOLERANCE = 0.01  # relative disagreement allowed between the totals of different features


def antwerp_margins_path() -> Path:
    """Path of the shipped Antwerp (city, adults 18+) margins file."""
    return Path(str(resources.files("selection") / "data" / "antwerp_margins.csv"))


def read_margins(path: str | Path) -> pd.DataFrame:
    """Read and check a margins file; returns ``feature, value, share, row`` (shares rescaled to sum to 1 per
    feature, ``row`` = line in the file). Raises ``InputError`` naming file, row and column."""
    path = Path(path)
    df = read_table(path, comment="#")
    df["row"] = df.index
    return check_margins(df, path.name)


def check_margins(df: pd.DataFrame, source: str = "margins") -> pd.DataFrame:
    """Validate a margins frame (columns ``feature, value`` and ``share`` or ``count``; optional ``row``).

    Returns a new frame ``feature, value, share, row`` with shares rescaled to sum exactly to 1 per feature.
    Rejects: missing columns, empty names, duplicates, non-numeric or negative numbers, shares of a feature not
    summing to 1 (within 0.01), counts whose totals differ between features (by more than 1%).
    """
    df = df.copy()
    df.columns = [str(c).strip().lower() for c in df.columns]
    if "row" not in df.columns:
        df["row"] = range(2, len(df) + 2)
    kind = "share" if "share" in df.columns else "count" if "count" in df.columns else None
    for col in ("feature", "value"):
        if col not in df.columns:
            raise InputError(Problem(source, 1, col, f"no '{col}' column (columns: {', '.join(df.columns[:8])})",
                                     "use the header 'feature,value,share' or 'feature,value,count'"))
    if kind is None:
        raise InputError(Problem(source, 1, "share", "no 'share' or 'count' column",
                                 "add shares in [0, 1] (column 'share') or head counts (column 'count')"))
    if df.empty:
        raise InputError(Problem(source, 0, "", "no margin rows", "add rows 'feature,value,share'"))
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    numbers = []
    for feature, value, raw, row in zip(df["feature"], df["value"], df[kind], df["row"], strict=True):
        feature, value = str(feature).strip(), str(value).strip()
        if not feature or not value or feature == "nan" or value == "nan":
            problems.append(Problem(source, row, "feature" if not feature else "value", "empty feature or value",
                                    "fill it in or delete the row"))
        key = (feature.casefold(), value.casefold())
        if key in seen:
            problems.append(Problem(source, row, "value", f"{feature}={value} appears twice (also row {seen[key]})",
                                    "keep one of the two rows"))
        seen[key] = row
        try:
            x = float(str(raw).strip().rstrip("%")) / (100 if str(raw).strip().endswith("%") else 1)
        except ValueError:
            x = np.nan
        if not np.isfinite(x):
            problems.append(Problem(source, row, kind, f"'{raw}' is not a number", f"write the {kind} as a number"))
        elif x < 0:
            problems.append(Problem(source, row, kind, f"negative {kind} {raw}", f"a {kind} must be 0 or more"))
        numbers.append(x)
    if problems:
        raise InputError(problems)
    out = pd.DataFrame({"feature": df["feature"].astype(str).str.strip(), "value": df["value"].astype(str).str.strip(),
                        "x": numbers, "row": df["row"].astype(int)})
    totals = out.groupby("feature", sort=False)["x"].sum()
    first_rows = out.groupby("feature", sort=False)["row"].min()
    if kind == "share":
        for feature, total in totals.items():
            if abs(total - 1) > SUM_TOLERANCE + 1e-9:
                problems.append(Problem(source, int(first_rows[feature]), "share", f"shares of '{feature}' sum to "
                                        f"{total:.4g}, not 1", "correct them (use fractions: 0.25, not 25)"))
    else:
        first = "total" if "total" in totals.index else totals.index[0]
        reference = float(totals[first])
        for feature, total in totals.items():
            if reference <= 0 or abs(total - reference) > COUNT_TOLERANCE * reference:
                problems.append(Problem(source, int(first_rows[feature]), "count", f"counts of '{feature}' sum to "
                                        f"{total:g} but '{first}' to {reference:g}",
                                        "every feature must count the same population"))
        out = out[out["feature"] != "total"]
    if problems:
        raise InputError(problems)
    out["share"] = out["x"] / out.groupby("feature", sort=False)["x"].transform("sum")
    return out[["feature", "value", "share", "row"]].reset_index(drop=True)


def quotas_from_margins(margins: pd.DataFrame, k: int, tolerance: float = 0.0,
                        features: list[str] | None = None) -> pd.DataFrame:
    """Quotas ``feature, value, min, max`` (plus ``target`` and ``exact`` = k*share) for a panel of ``k`` seats.

    Invariants: per feature the targets sum to ``k``; ``min <= exact <= max`` and ``min <= target <= max``;
    ``0 <= min``, ``max <= k``. ``tolerance`` is a fraction of ``k`` in [0, 1].
    """
    if k < 1:
        raise ValueError("panel size k must be at least 1")
    if not 0 <= tolerance <= 1:
        raise ValueError("tolerance must be a fraction of the panel size between 0 and 1")
    m = margins if features is None else margins[margins["feature"].isin(features)]
    parts = []
    for feature, group in m.groupby("feature", sort=False):
        share = group["share"].to_numpy(float)
        share = share / share.sum()
        exact = k * share
        target = np.floor(exact).astype(int)
        remainder = exact - target
        order = np.lexsort((np.arange(len(share)), -remainder))  # largest remainder first, ties in file order
        target[order[: k - target.sum()]] += 1
        slack = tolerance * k
        low = np.maximum(0, np.floor(exact - slack + 1e-9)).astype(int)
        high = np.minimum(k, np.ceil(exact + slack - 1e-9)).astype(int)
        parts.append(pd.DataFrame({"feature": feature, "value": group["value"].to_numpy(),
                                   "min": np.minimum(low, target), "max": np.maximum(high, target),
                                   "target": target, "exact": exact}))
    return pd.concat(parts, ignore_index=True)


def check_pool_values(margins: pd.DataFrame, pool: pd.DataFrame, source: str = "pool",
                      margins_source: str = "margins") -> None:
    """Every margin feature is a pool column and every pool value appears in the margins (compared without case
    and surrounding blanks). Raises ``InputError`` with the first few offending rows."""
    problems: list[Problem] = []
    for feature, group in margins.groupby("feature", sort=False):
        if feature not in pool.columns:
            problems.append(Problem(source, 1, feature, f"no column '{feature}' (a feature of {margins_source})",
                                    "add the column or remove the feature from the margins"))
            continue
        known = {str(v).strip().casefold() for v in group["value"]}
        values = pool[feature].astype(str).str.strip().str.casefold()
        bad = np.flatnonzero(~values.isin(known).to_numpy())
        for i in bad[:3]:
            problems.append(Problem(source, int(pool.index[i]) if pool.index.dtype.kind == "i" else int(i) + 2, feature, f"value '{pool[feature].iloc[i]}' is not in "
                                    f"{margins_source} (known: {', '.join(map(str, group['value']))})",
                                    "fix the value or add it to the margins"))
    if problems:
        raise InputError(problems)


def check_feasible(quotas: pd.DataFrame, pool: pd.DataFrame, k: int, source: str = "quotas") -> list[str]:
    """Is there a panel of ``k`` pool members meeting every quota? Returns [] if yes, else one-line reasons.

    Works over *types* (people with equal quota features), so it is fast for any pool size: the exact panel model
    of :mod:`selection.engine.constraints` (through the engine's pricer), with integer counts per type.
    """
    features = list(dict.fromkeys(quotas["feature"]))
    keys = pool[features].astype(str).apply(lambda c: c.str.strip().str.casefold())
    reasons = []
    if len(pool) < k:
        return [f"the pool has {len(pool)} people, fewer than the {k} seats"]
    for q in quotas.itertuples(index=False):
        available = int((keys[q.feature] == str(q.value).strip().casefold()).sum())
        if available < q.min:
            reasons.append(f"{source}: {q.feature}={q.value} needs at least {q.min} but the pool has {available}; "
                           f"lower its min or recruit more")
    if reasons:
        return reasons
    rows = Quotas.from_rows([Quota(str(q.feature), str(q.value), int(q.min), int(q.max)) for q in
                             quotas.itertuples(index=False)], source=source)
    try:
        problem = build_problem(Pool.from_frame(pool[features].astype(str), source="pool"), rows, k)
    except InputError as err:
        return err.lines()
    if Pricer(problem).feasible() is None:
        return [f"{source}: no panel of {k} from this pool meets all quotas together; widen the tolerance or "
                "recruit more people in the scarce groups"]
    return []


def write_quotas(quotas: pd.DataFrame, path: str | Path) -> None:
    """Write ``feature,value,min,max`` (Sortition Foundation layout) atomically (:mod:`selection.outputs`)."""
    table = quotas[["feature", "value", "min", "max"]]
    write_csv(Path(path), table, bom=False, guard=False)  # values kept verbatim: it is an input file
