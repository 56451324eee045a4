"""Analysis of sweep results: paired strategy differences with bootstrap intervals and win rates, Sobol indices
with intervals, and PRIM scenario discovery of the region where a strategy backfires.

All functions take the tidy results frame of `sim.sweep.store.read_results` (one row per run: `point`,
`replication`, `strategy`, parameter columns, outputs, `error`). Failed runs (non-null `error`) and NaN outcomes
are left out of paired comparisons (pairs need both members) and make Sobol analysis refuse (it needs every
point). What "better" means for each outcome is the model's to say, in an `OutcomeSpec` (the engagement model's
is `sim.sweep_model.ENGAGEMENT_OUTCOMES`); without one, higher is better for every outcome.

References: Efron & Tibshirani 1993 (percentile bootstrap); Saltelli et al. 2010 and SALib (Herman & Usher 2017)
for the Sobol estimators; Friedman & Fisher 1999 (PRIM); Bryant & Lempert 2010 (scenario discovery).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.analyze import morris as salib_morris
from SALib.analyze import sobol as salib_sobol
from scipy import stats

from sim.sweep.designs import MORRIS_LEVELS, PLAN_COLUMNS, Param, salib_problem
from sim.sweep.store import TRAILING_COLUMNS


@dataclass(frozen=True)
class OutcomeSpec:
    """What the analysis needs to know of a model's outcomes and strategies, and nothing else of the model.

    `lower_is_better`: outcomes where less is better (every other outcome is better when higher);
    `neutral`: outcomes with no better direction (such as a policy position: a "win" then only means "higher");
    `key`: the headline outcomes, the main one first (plots show them first; the default main outcome);
    `baseline`: the strategy every other is compared with by default, when it was swept;
    `reference`: the "do no more" strategy whose outcome defines backfiring, when it was swept.
    """

    lower_is_better: frozenset[str] = frozenset()
    neutral: frozenset[str] = frozenset()
    key: tuple[str, ...] = ()
    baseline: str | None = None
    reference: str | None = None

    def direction(self, outcome: str) -> int:
        """+1 if a higher value of `outcome` is better (or the outcome is neutral), -1 if a lower one is."""
        return -1 if outcome in self.lower_is_better else 1

    def better(self, outcome: str) -> str:
        """``"higher"``, ``"lower"`` or ``"neutral"``."""
        return "neutral" if outcome in self.neutral else "higher" if self.direction(outcome) > 0 else "lower"


#: Every outcome is better when higher, no headline outcomes, no default strategies.
ANY_MODEL = OutcomeSpec()


def ok_runs(results: pd.DataFrame) -> pd.DataFrame:
    """The rows of runs that did not raise."""
    return results[results["error"].isna()] if "error" in results else results


def paired_table(results: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """`outcome` with one row per future (point, replication) and one column per strategy (NaN if missing)."""
    if outcome not in results:
        raise ValueError(f"no outcome {outcome!r} in the results; columns are: {', '.join(results.columns)}")
    runs = ok_runs(results)
    return runs.pivot_table(index=["point", "replication"], columns="strategy", values=outcome, aggfunc="first",
                            dropna=False)


def _interval(sample: np.ndarray, conf: float, rng: np.random.Generator, n_boot: int) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of `sample` (degenerate samples give a zero-width interval)."""
    if len(sample) < 2 or np.ptp(sample) == 0:
        m = float(np.mean(sample)) if len(sample) else float("nan")
        return m, m
    res = stats.bootstrap((sample,), np.mean, n_resamples=n_boot, confidence_level=conf, method="percentile",
                          rng=rng, vectorized=True)
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def paired_bootstrap_intervals(
    results: pd.DataFrame, outcome: str, baseline: str, *, conf: float = 0.95, n_boot: int = 2000, seed: int = 0,
    spec: OutcomeSpec = ANY_MODEL,
) -> pd.DataFrame:
    """Each strategy against `baseline` on `outcome`, paired by future (same point and replication, so the same
    world under common random numbers).

    Columns: strategy, baseline, outcome, n_pairs, mean_diff (strategy minus baseline, outcome units) with
    ci_low/ci_high, win_rate (share of futures where the strategy does better, in [0, 1]; ties count one half)
    with win_low/win_high, better ("higher", "lower", or "neutral": then a win only means a higher value; from
    `spec`). Intervals: percentile bootstrap over futures.
    """
    table = paired_table(results, outcome)
    if baseline not in table:
        raise ValueError(f"no runs of baseline strategy {baseline!r}; strategies are: {', '.join(table.columns)}")
    rng = np.random.default_rng(seed)
    sign = spec.direction(outcome)
    rows = []
    for strategy in table.columns:
        if strategy == baseline:
            continue
        pair = table[[strategy, baseline]].dropna()
        diff = (pair[strategy] - pair[baseline]).to_numpy(float)
        wins = np.where(sign * diff > 0, 1.0, np.where(diff == 0, 0.5, 0.0))
        lo, hi = _interval(diff, conf, rng, n_boot)
        wlo, whi = _interval(wins, conf, rng, n_boot)
        rows.append({
            "strategy": strategy, "baseline": baseline, "outcome": outcome, "n_pairs": len(diff),
            "mean_diff": float(diff.mean()) if len(diff) else float("nan"), "ci_low": lo, "ci_high": hi,
            "win_rate": float(wins.mean()) if len(wins) else float("nan"), "win_low": wlo, "win_high": whi,
            "better": spec.better(outcome),
        })
    return pd.DataFrame(rows)


def outputs(results: pd.DataFrame, params=()) -> list[str]:
    """Names of the numeric model outputs in `results` (not plan, bookkeeping, the `params` columns or the
    components of a decomposed output, ``"<output>@<component>"``)."""
    skip = {*PLAN_COLUMNS, *TRAILING_COLUMNS, *params}
    return [c for c in results.columns if c not in skip and "@" not in c
            and pd.api.types.is_numeric_dtype(results[c])]


def sobol_indices(
    results: pd.DataFrame,
    params: list[Param],
    outcome: str,
    strategy: str,
    *,
    versus: str | None = None,
    conf: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices of `outcome` under `strategy` (or of the paired difference
    `strategy - versus`) for a sweep run with the ``sobol`` design.

    The outcome is averaged over replications per design point first (so seed noise shrinks with more
    replications but still inflates ST a little). Indices are shares of variance in [0, 1] up to estimation
    error; S1_low/S1_high and ST_low/ST_high are SALib's bootstrap intervals at level `conf`.
    Raises ValueError when a design point has no successful run, or when the outcome does not vary.
    """
    table = paired_table(results, outcome)
    for s in (strategy, versus):
        if s is not None and s not in table:
            raise ValueError(f"no runs of strategy {s!r}; strategies are: {', '.join(table.columns)}")
    value = table[strategy] - table[versus] if versus else table[strategy]
    per_point = value.groupby(level="point").mean()
    n_points = int(results["point"].max()) + 1
    y = per_point.reindex(range(n_points)).to_numpy(float)
    missing = int(np.isnan(y).sum())
    if missing:
        raise ValueError(f"{missing} of {n_points} design points have no successful run of {strategy!r}; "
                         "Sobol indices need every point (fix the failing runs, then --resume --retry-errors)")
    if np.ptp(y) == 0:
        raise ValueError(f"{outcome} under {strategy} is the same at every point: it does not depend on the "
                         "swept parameters (all indices are 0)")
    problem = salib_problem(params)
    d = len(params)
    if n_points % (d + 2):
        raise ValueError(f"{n_points} points is not a Sobol sample of {d} parameters (expected a multiple of {d + 2})")
    si = salib_sobol.analyze(problem, y, calc_second_order=False, num_resamples=n_boot, conf_level=conf, seed=seed)
    frame = pd.DataFrame({"S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"], "ST_conf": si["ST_conf"]},
                         index=pd.Index(problem["names"], name="parameter"))
    for k in ("S1", "ST"):
        frame[f"{k}_low"] = frame[k] - frame[f"{k}_conf"]
        frame[f"{k}_high"] = frame[k] + frame[f"{k}_conf"]
    return frame.drop(columns=["S1_conf", "ST_conf"]).reset_index()


def morris_indices(
    results: pd.DataFrame, params: list[Param], outcome: str, strategy: str, *, unit: np.ndarray,
    versus: str | None = None, conf: float = 0.95, n_boot: int = 1000, seed: int = 0,
) -> pd.DataFrame:
    """Morris elementary-effects screening of `outcome` under `strategy` (or of `strategy - versus`) for a sweep
    run with the ``morris`` design whose unit-cube sample is `unit` (`designs.morris_unit_sample`).

    Columns: parameter, mu_star (mean absolute elementary effect, outcome units per full range: how much the
    parameter matters), mu (signed mean), sigma (spread: non-linearity or interactions), mu_star_low/high (SALib
    bootstrap interval). Outcome averaged over replications per point first. Raises ValueError when a point has
    no successful run.
    """
    table = paired_table(results, outcome)
    for s in (strategy, versus):
        if s is not None and s not in table:
            raise ValueError(f"no runs of strategy {s!r}; strategies are: {', '.join(table.columns)}")
    value = table[strategy] - table[versus] if versus else table[strategy]
    n_points = len(unit)
    y = value.groupby(level="point").mean().reindex(range(n_points)).to_numpy(float)
    missing = int(np.isnan(y).sum())
    if missing:
        raise ValueError(f"{missing} of {n_points} design points have no successful run of {strategy!r}; "
                         "Morris screening needs every point")
    problem = salib_problem(params)
    si = salib_morris.analyze(problem, unit, y, num_resamples=n_boot, conf_level=conf, num_levels=MORRIS_LEVELS,
                              seed=seed)
    frame = pd.DataFrame({"parameter": problem["names"], "mu_star": si["mu_star"], "mu": si["mu"],
                          "sigma": si["sigma"], "mu_star_conf": si["mu_star_conf"]})
    frame["mu_star_low"] = frame["mu_star"] - frame["mu_star_conf"]
    frame["mu_star_high"] = frame["mu_star"] + frame["mu_star_conf"]
    return frame.drop(columns="mu_star_conf").sort_values("mu_star", ascending=False).reset_index(drop=True)


# --------------------------------------------------------------------------------------------- decomposition


def decomposed_outputs(results: pd.DataFrame) -> dict[str, list[str]]:
    """Outputs decomposed into components by the model: columns named ``"<output>@<component>"`` (for the
    engagement model, trust channels: sim/channels.py). Maps each output to its components, in column order."""
    out: dict[str, list[str]] = {}
    for c in results.columns:
        if "@" in c:
            name, _, comp = c.partition("@")
            out.setdefault(name, []).append(comp)
    return out


def decomposition(results: pd.DataFrame, outcome: str, versus: str, *, conf: float = 0.95, n_boot: int = 2000,
                  seed: int = 0) -> pd.DataFrame:
    """Where each strategy's difference from `versus` on `outcome` comes from: for every strategy and component,
    the mean paired difference (strategy - versus, same future) of ``outcome@component`` with a bootstrap
    interval, plus the total difference of `outcome`. The components add up to the total (the model's
    ``interaction`` component holds what does not)."""
    comps = decomposed_outputs(results).get(outcome, [])
    if not comps:
        raise ValueError(f"no decomposition of {outcome!r} in the results (no '{outcome}@...' columns)")
    rng = np.random.default_rng(seed)
    rows = []
    for comp in [*comps, None]:
        column = f"{outcome}@{comp}" if comp else outcome
        table = paired_table(results, column)
        if versus not in table:
            raise ValueError(f"no runs of {versus!r} to compare with")
        for strategy in table.columns:
            if strategy == versus:
                continue
            diff = (table[strategy] - table[versus]).dropna().to_numpy(float)
            lo, hi = _interval(diff, conf, rng, n_boot)
            rows.append({"strategy": strategy, "versus": versus, "outcome": outcome,
                         "component": comp or "total", "mean_diff": float(diff.mean()) if len(diff) else np.nan,
                         "ci_low": lo, "ci_high": hi, "n_pairs": len(diff)})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------- PRIM

#: PRIM is run only with at least this many design points per swept parameter; with fewer, a box names
#: parameters at random (16 points in 15 dimensions: a box on noise).
PRIM_MIN_POINTS_PER_DIMENSION = 10

#: Family-wise level of the screen that picks the parameters PRIM may restrict (`separating_columns`).
PRIM_SCREEN_ALPHA = 0.05


def separating_columns(x: pd.DataFrame, y, alpha: float = PRIM_SCREEN_ALPHA) -> list[str]:
    """The numeric columns of `x` whose values differ between the cases (`y` true) and the rest: two-sample
    Kolmogorov-Smirnov test at level alpha / (number of columns) (Bonferroni). PRIM is run on these only, so a
    box cannot restrict a parameter that does not separate the cases (one that does not enter the outcome at all
    would otherwise be peeled on noise). Empty when there are fewer than two cases or two non-cases."""
    y = np.asarray(y, dtype=bool)
    x = x.select_dtypes("number")
    if y.sum() < 2 or (~y).sum() < 2 or x.shape[1] == 0:
        return []
    level = alpha / x.shape[1]
    return [c for c in x.columns if x[c].nunique() > 1
            and stats.ks_2samp(x.loc[y, c], x.loc[~y, c]).pvalue < level]


@dataclass
class PrimResult:
    """The peeling trajectory of PRIM and the chosen box.

    `trajectory`: one row per box (step 0 = everything): coverage (share of all cases of interest inside the
    box, in [0, 1]), density (share of the box's rows that are cases, in [0, 1]), mass (share of all rows inside),
    restricted (number of restricted dimensions). `boxes[i]` maps each column to its (low, high) limits,
    inclusive. `chosen` indexes the box reported; `base_density` is the share of cases overall.
    """

    trajectory: pd.DataFrame
    boxes: list[dict[str, tuple[float, float]]]
    chosen: int
    base_density: float
    columns: list[str]

    @property
    def box(self) -> dict[str, tuple[float, float]]:
        return self.boxes[self.chosen]

    def restricted(self, index: int | None = None) -> dict[str, tuple[float, float]]:
        """The limits of the dimensions the box restricts (those that differ from the first box)."""
        box = self.boxes[self.chosen if index is None else index]
        return {c: box[c] for c in self.columns if box[c] != self.boxes[0][c]}

    def describe(self) -> str:
        """The chosen box in words, e.g. ``"a <= 0.42 and b >= 0.3"``."""
        full = self.boxes[0]
        terms = []
        for c, (lo, hi) in self.restricted().items():
            if lo > full[c][0]:
                terms.append(f"{c} >= {lo:.3g}")
            if hi < full[c][1]:
                terms.append(f"{c} <= {hi:.3g}")
        return " and ".join(terms) if terms else "(no restriction)"


def prim(
    x: pd.DataFrame, y, *, peel_alpha: float = 0.05, min_mass: float = 0.05) -> PrimResult:
    """Patient Rule Induction Method (Friedman & Fisher 1999), peeling only: find a box in the space of the
    numeric columns of `x` where the cases (`y` true) are dense.

    Each step removes, from one side of one dimension, the `peel_alpha` share of the box's rows that most
    raises the density of cases in the box; it stops when the box would hold less than `min_mass` of all rows.
    The chosen box maximises the F1 score 2 * coverage * density / (coverage + density): the point on the
    trajectory where peeling stops buying density without losing cases (density is precision, coverage recall).
    """
    y = np.asarray(y, dtype=bool)
    x = x.select_dtypes("number")
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows but y has {len(y)}")
    if x.shape[1] == 0 or len(y) == 0:
        raise ValueError("PRIM needs at least one numeric column and one row")
    values = x.to_numpy(float)
    cols = list(x.columns)
    total_cases = max(int(y.sum()), 1)
    inside = np.ones(len(y), dtype=bool)
    lows, highs = values.min(axis=0), values.max(axis=0)
    boxes = [dict(zip(cols, zip(lows.tolist(), highs.tolist(), strict=True), strict=True))]
    traj = [_box_stats(inside, y, total_cases, 0)]
    while True:
        best = None
        in_vals, in_y = values[inside], y[inside]
        for j in range(len(cols)):
            column = in_vals[:, j]
            for side in ("low", "high"):
                keep = _peel(column, side, peel_alpha)
                if keep is None or keep.sum() < min_mass * len(y) or keep.all():
                    continue
                dens = in_y[keep].mean()
                score = (dens, keep.sum())
                if best is None or score > best[0]:
                    best = (score, j, side, keep)
        if best is None:
            break
        _, j, side, keep = best
        idx = np.flatnonzero(inside)
        inside = np.zeros_like(inside)
        inside[idx[keep]] = True
        lows, highs = lows.copy(), highs.copy()
        kept = values[inside, j]
        if side == "low":
            lows[j] = kept.min()
        else:
            highs[j] = kept.max()
        boxes.append(dict(zip(cols, zip(lows.tolist(), highs.tolist(), strict=True), strict=True)))
        restricted = int(np.sum((lows > values.min(axis=0)) | (highs < values.max(axis=0))))
        traj.append(_box_stats(inside, y, total_cases, restricted))
    trajectory = pd.DataFrame(traj)
    f1 = 2 * trajectory["coverage"] * trajectory["density"] / (trajectory["coverage"] + trajectory["density"])
    chosen = int(f1.fillna(0).idxmax())
    return PrimResult(trajectory, boxes, chosen, float(y.mean()), cols)


def _peel(column: np.ndarray, side: str, alpha: float) -> np.ndarray | None:
    """Rows of the box kept after peeling `alpha` of them off `side` of this column (None if nothing to peel).

    With ties (integer or discrete parameters) the whole extreme value is peeled when the quantile falls on it.
    """
    lo, hi = column.min(), column.max()
    if lo == hi:
        return None
    if side == "low":
        cut = np.quantile(column, alpha)
        keep = column > cut if cut > lo else column > lo
    else:
        cut = np.quantile(column, 1 - alpha)
        keep = column < cut if cut < hi else column < hi
    return keep


def _box_stats(inside: np.ndarray, y: np.ndarray, total_cases: int, restricted: int) -> dict:
    n_in = int(inside.sum())
    cases = int(y[inside].sum())
    return {"coverage": cases / total_cases, "density": cases / n_in if n_in else float("nan"),
            "mass": n_in / len(y), "restricted": restricted}


def backfire_cases(
    results: pd.DataFrame, params: list[str], strategy: str, outcome: str, *,
    versus: str | None = None, threshold: float = 0.0, spec: OutcomeSpec = ANY_MODEL
) -> tuple[pd.DataFrame, np.ndarray]:
    """The futures of `strategy` and whether it backfired in each: `(x, y)` for `prim`.

    Without `versus`, a future backfires when the outcome is worse than `threshold` (for an outcome that is a
    change, with threshold 0: it fell). With `versus`, when the strategy does worse than `versus` in the same
    future (paired). "Worse" follows `spec`.
    `x` holds the `params` columns (the swept parameters) of those futures.
    """
    params = list(params)
    if not params:
        raise ValueError("the sweep varied no parameters, so there is no region to find")
    table = paired_table(results, outcome)
    for s in (strategy, versus):
        if s is not None and s not in table:
            raise ValueError(f"strategy {s!r} has no successful runs")
    value = (table[strategy] - table[versus]) if versus else table[strategy] - threshold
    value = value.dropna()
    x = ok_runs(results).drop_duplicates(["point", "replication"]).set_index(["point", "replication"])[params]
    x = x.loc[value.index].reset_index(drop=True)
    return x, (spec.direction(outcome) * value.to_numpy(float) < 0)
