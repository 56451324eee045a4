"""`analyse_sweep(DIR)`: every analysis of a finished (or partly finished) sweep, written to ``DIR/analysis/``.

Files written (each atomically):

- ``paired_differences.csv`` / ``.png``: every strategy against the baseline on every outcome (mean paired
  difference, 95% bootstrap interval, win rate with interval);
- ``sobol_indices.csv`` and ``sobol_<strategy>.png`` (Sobol designs only): S1 and ST of the main outcome;
- ``morris_indices.csv`` (Morris designs only): elementary-effects screening (mu*, mu, sigma) of the main
  outcome under each strategy;
- ``decomposition.csv`` (when the model reports components ``"<outcome>@<component>"``, e.g. the engagement
  model's trust channels): where each strategy's difference from the reference strategy comes from;
- ``backfire_boxes.csv`` and ``backfire_<strategy>.png`` (when parameters were swept): the PRIM box where the
  strategy backfires: the main outcome is worse than under the reference strategy (`OutcomeSpec.reference`,
  for the engagement model ``inform``: doing no more than informing) in the same future; for the reference
  itself (or the baseline when the reference was not swept), worse than zero. PRIM runs only with at least
  `analysis.PRIM_MIN_POINTS_PER_DIMENSION` design points per swept parameter; with fewer the row says so;
- ``failures.csv`` when runs raised; ``summary.md``: all of the above in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from selection.outputs import atomic_write
from sim.sweep import analysis, plots
from sim.sweep.analysis import ANY_MODEL, OutcomeSpec
from sim.sweep.designs import design_points, morris_unit_sample
from sim.sweep.store import load_sweep

#: Every file `analyse_sweep` writes (it clears these first, so no stale plot survives a re-analysis).
OUTPUT_PATTERNS = ("paired_differences.*", "sobol_*", "morris_*", "decomposition.*", "backfire_*", "failures.csv",
                   "summary.md")


@dataclass
class SweepAnalysis:
    """What `analyse_sweep` found; the frames are also written as CSV."""

    out: Path
    runs: int
    failed: int
    expected: int
    outcome: str
    baseline: str
    paired: pd.DataFrame
    sobol: pd.DataFrame | None = None
    morris: pd.DataFrame | None = None
    decomposition: pd.DataFrame | None = None
    backfire: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    spec: OutcomeSpec = ANY_MODEL


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))
    return path


def analyse_sweep(
    out: str | Path, *, outcome: str | None = None, baseline: str | None = None, n_boot: int = 2000, seed: int = 0,
    spec: OutcomeSpec = ANY_MODEL,
) -> SweepAnalysis:
    """Analyse the sweep in `out`. `outcome` (default: the first of `spec.key` if present, else the first output)
    drives the Sobol and backfire analyses; `baseline` (default `spec.baseline` if swept, else the first strategy)
    is what every strategy is compared with. `spec` says which outcomes are better lower (for the engagement
    model pass `sim.sweep_model.ENGAGEMENT_OUTCOMES`). Raises FileNotFoundError when `out` holds no sweep,
    ValueError when it has no successful run or an unknown outcome/baseline is asked for.
    """
    out = Path(out)
    results, manifest, params = load_sweep(out)
    names = [p.name for p in params]
    strategies = manifest["strategies"]
    n_points = len(results["point"].unique()) if len(results) else 0
    ok = analysis.ok_runs(results) if len(results) else results
    if len(ok) == 0:
        raise ValueError(f"{out}: no successful runs to analyse (see failures with `error` in the results)")
    outs = analysis.outputs(ok, names)
    outcome = outcome or (spec.key[0] if spec.key and spec.key[0] in outs else outs[0])
    if outcome not in outs:
        raise ValueError(f"{out}: no outcome {outcome!r}; outcomes are: {', '.join(outs)}")
    baseline = baseline or (spec.baseline if spec.baseline in strategies else strategies[0])
    if baseline not in strategies:
        raise ValueError(f"{out}: baseline {baseline!r} was not swept; strategies are: {', '.join(strategies)}")
    dest = out / "analysis"
    dest.mkdir(exist_ok=True)
    for pattern in OUTPUT_PATTERNS:  # outputs of an earlier analysis that this one may not rewrite
        for stale in dest.glob(pattern):
            stale.unlink()
    failed = int(results["error"].notna().sum()) if "error" in results else 0
    expected = _expected_runs(manifest, params)
    report = SweepAnalysis(out, len(results), failed, expected, outcome, baseline, pd.DataFrame(), spec=spec)
    if len(results) < expected:
        report.notes.append(f"{expected - len(results)} of {expected} runs are missing: finish with --resume")
    if failed:
        fails = results.loc[results["error"].notna(), ["run_id", "point", "replication", "strategy", "error"]]
        report.files.append(_write_csv(fails, dest / "failures.csv"))
        report.notes.append(f"{failed} runs raised; they are listed in failures.csv and left out below")

    silent = [s for s in strategies if s not in set(ok["strategy"])]
    if silent:
        report.notes.append(f"no successful run of {', '.join(silent)}: left out of every comparison")
    if len(strategies) > 1 and baseline in silent:
        report.notes.append(f"baseline {baseline} has no successful run: no paired differences")
    elif len(strategies) > 1:
        paired = pd.concat(
            [analysis.paired_bootstrap_intervals(results, o, baseline, n_boot=n_boot, seed=seed, spec=spec)
             for o in outs],
            ignore_index=True,
        )
        # an outcome a strategy does not define (no panel under inform, no decision under status_quo) has no
        # pair: said once per outcome, never written as a row of NaN
        undefined = paired[(paired["n_pairs"] == 0) | paired["mean_diff"].isna()]
        if len(undefined):
            parts = "; ".join(f"{o} ({', '.join(frame['strategy'])})"
                              for o, frame in undefined.groupby("outcome", sort=False))
            report.notes.append(f"no paired difference where an outcome is undefined for the strategy or for "
                                f"{baseline} (no panel, no decision): {parts}")
        report.paired = paired.drop(index=undefined.index).reset_index(drop=True)
        report.files.append(_write_csv(report.paired, dest / "paired_differences.csv"))
        report.files.append(plots.plot_paired(report.paired, dest / "paired_differences.png",
                                              first=(outcome, *spec.key)))

    if manifest["design"] == "sobol":
        frames = []
        for strategy in strategies:
            try:
                si = analysis.sobol_indices(results, params, outcome, strategy, seed=seed)
            except ValueError as exc:
                report.notes.append(f"Sobol indices of {strategy}: {exc}")
                continue
            frames.append(si.assign(strategy=strategy, outcome=outcome))
            report.files.append(plots.plot_sobol(
                si, dest / f"sobol_{strategy}.png", f"Sobol indices of {outcome} under {strategy} "
                f"({n_points} points)"))
        if frames:
            report.sobol = pd.concat(frames, ignore_index=True)
            report.files.append(_write_csv(report.sobol, dest / "sobol_indices.csv"))

    if manifest["design"] == "morris":
        unit = morris_unit_sample(params, manifest["samples"], manifest["seed"])
        frames = []
        for strategy in strategies:
            try:
                frames.append(analysis.morris_indices(results, params, outcome, strategy, unit=unit, seed=seed)
                              .assign(strategy=strategy, outcome=outcome))
            except ValueError as exc:
                report.notes.append(f"Morris screening of {strategy}: {exc}")
        if frames:
            report.morris = pd.concat(frames, ignore_index=True)
            report.files.append(_write_csv(report.morris, dest / "morris_indices.csv"))

    versus = spec.reference if spec.reference in strategies else baseline
    if outcome in analysis.decomposed_outputs(ok) and len(strategies) > 1 and versus not in silent:
        report.decomposition = analysis.decomposition(results, outcome, versus, n_boot=n_boot, seed=seed)
        report.files.append(_write_csv(report.decomposition, dest / "decomposition.csv"))

    if names:
        report.backfire = _backfire(report, results, names, strategies, dest)
        report.files.append(_write_csv(report.backfire, dest / "backfire_boxes.csv"))

    report.files.append(_write_summary(report, dest / "summary.md"))
    return report


def _backfire(report: SweepAnalysis, results, names, strategies, dest: Path) -> pd.DataFrame:
    """PRIM box per strategy of the futures where it backfires: its outcome is worse than under `versus`
    (the spec's reference strategy if swept, else the baseline) in the same future; for `versus` itself, worse
    than zero."""
    outcome, spec = report.outcome, report.spec
    versus = spec.reference if spec.reference in strategies else report.baseline
    worse = "< 0" if spec.direction(outcome) > 0 else "> 0"
    rows = []
    n_points = int(results["point"].nunique())
    need = analysis.PRIM_MIN_POINTS_PER_DIMENSION * len(names)
    too_few = n_points < need
    if too_few:
        report.notes.append(f"PRIM not run: {n_points} design points for {len(names)} swept parameters (it needs "
                            f"{analysis.PRIM_MIN_POINTS_PER_DIMENSION} per parameter, {need}); a box found in so few "
                            "points would name parameters at random. Sweep more points or fewer parameters")
    for strategy in strategies:
        against = None if strategy == versus else versus
        meaning = f"{outcome} worse than under {against}" if against else f"{outcome} {worse}"
        try:
            x, y = analysis.backfire_cases(results, names, strategy, outcome, versus=against, spec=spec)
        except ValueError as exc:
            report.notes.append(f"backfire region of {strategy}: {exc}")
            continue
        numeric = x.select_dtypes("number")
        row = {"strategy": strategy, "backfire_if": meaning, "backfire_share": float(y.mean()) if len(y) else 0.0}
        if too_few and 0 < y.sum() < len(y):
            rows.append({**row, "box": f"(not run: {n_points} points for {len(names)} parameters)"})
            continue
        if numeric.shape[1] == 0 or y.sum() == 0 or y.all():
            rows.append({**row, "box": "(none: never backfires)" if y.sum() == 0 else "(none: backfires everywhere)"})
            continue
        screened = analysis.separating_columns(numeric, y)
        if not screened:
            rows.append({**row, "box": "(none: no swept parameter separates the backfires from the rest, "
                                       "Kolmogorov-Smirnov with Bonferroni; noise, not a region)"})
            continue
        numeric = numeric[screened]
        box = analysis.prim(numeric, y)
        t = box.trajectory.iloc[box.chosen]
        rows.append({**row, "box": box.describe(), "coverage": t["coverage"], "density": t["density"],
                     "mass": t["mass"]})
        report.files.append(plots.plot_prim(
            box, numeric, y, dest / f"backfire_{strategy}.png", f"Where {strategy} backfires ({meaning})"))
    return pd.DataFrame(rows)


def _expected_runs(manifest: dict, params) -> int:
    points = design_points(manifest["design"], params, manifest["samples"], manifest["seed"])
    return len(points) * len(manifest["strategies"]) * manifest["replications"]


def _write_summary(report: SweepAnalysis, path: Path) -> Path:
    lines = [f"# Sweep analysis of {report.out.name}", "",
             f"{report.runs} of {report.expected} runs stored, {report.failed} failed. "
             f"Main outcome: `{report.outcome}`; baseline strategy: `{report.baseline}`.", ""]
    lines += [f"- {n}" for n in report.notes]
    if len(report.paired):
        lines += ["", "## Paired differences against the baseline", ""]
        for _, r in report.paired.iterrows():
            lines.append(f"- {r['strategy']} vs {r['baseline']}, {r['outcome']}: {r['mean_diff']:+.4g} "
                         f"[{r['ci_low']:+.4g}, {r['ci_high']:+.4g}]; better in {r['win_rate']:.0%} of "
                         f"{r['n_pairs']} futures [{r['win_low']:.0%}, {r['win_high']:.0%}]")
    if report.sobol is not None:
        lines += ["", f"## Sobol indices of {report.outcome}", "", report.sobol.round(3).to_markdown(index=False)
                  if _has_tabulate() else report.sobol.round(3).to_string(index=False)]
    if report.morris is not None:
        lines += ["", f"## Morris screening of {report.outcome} (mu*: mean absolute elementary effect)", ""]
        for strategy, frame in report.morris.groupby("strategy", sort=False):
            top = ", ".join(f"{r['parameter']} {r['mu_star']:.3g}" for _, r in frame.head(5).iterrows())
            lines.append(f"- {strategy}: {top}")
    if report.decomposition is not None:
        d = report.decomposition
        lines += ["", f"## Where the difference in {report.outcome} comes from (vs {d['versus'].iloc[0]})", ""]
        for strategy, frame in d.groupby("strategy", sort=False):
            parts = ", ".join(f"{r['component']} {r['mean_diff']:+.4f}" for _, r in frame.iterrows())
            lines.append(f"- {strategy}: {parts}")
    if report.backfire is not None:
        lines += ["", f"## Where each strategy backfires ({report.outcome})", ""]
        for _, r in report.backfire.iterrows():
            extra = (f" (coverage {r['coverage']:.0%}, density {r['density']:.0%})"
                     if "coverage" in r and pd.notna(r.get("coverage")) else "")
            lines.append(f"- {r['strategy']} ({r['backfire_if']}): {r['backfire_share']:.0%} of futures; "
                         f"region: {r['box']}{extra}")
    atomic_write(path, "\n".join(lines) + "\n")
    return path


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True
