"""The model's headline directions, each as a paired comparison under common random numbers, and where they hold.

A `Direction` is a claim ("honoured co-creation raises trust more than informing") and a function of a scenario
and a seed returning a number that is positive when the claim holds in that future (both arms share the seed, so
they face the same population, network, news and draws). `direction_shares` runs every direction over a set of
parameter sets (the calibrated region: `scenarios/calibration/accepted.csv`) and seeds and reports the share of
futures in which each holds and the share of parameter sets in which it holds on average over the seeds; `reversal_region` finds, with PRIM, the part of parameter space where a direction
reverses - only when there are enough futures per parameter (`MIN_POINTS_PER_DIMENSION`) and only over the
parameters that separate the reversals from the rest (`sim.sweep.analysis.separating_columns`), and says so
otherwise.

tests/sim/test_directions.py asserts a high share for each over the calibrated region; `cocreate calibrate
--directions N` writes the shares and reversal regions next to the calibration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.runner import run
from sim.scenario import Scenario

#: PRIM is only run with at least this many futures per swept parameter (a box found in 16 points of 15
#: dimensions names parameters at random).
MIN_POINTS_PER_DIMENSION = 10


@dataclass(frozen=True)
class Direction:
    """A claim and its paired test: `value(scenario, seed) > 0` when the claim holds in that future (>= 0 with
    `ties_hold`: for a claim that can only show where its event happens, such as an exposure)."""

    name: str
    claim: str
    evidence: str
    value: Callable[[Scenario, int], float]
    ties_hold: bool = False

    def holds(self, values) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        return v >= -1e-12 if self.ties_hold else v > 0


def _diff(metric: str, a: tuple[Scenario, str], b: tuple[Scenario, str], seed: int) -> float:
    return run(a[0], a[1], seed).summary[metric] - run(b[0], b[1], seed).summary[metric]


def honoured_cocreation_beats_inform(sc: Scenario, seed: int) -> float:
    h = sc.with_overrides({"engagement.authenticity": 1.0})
    return _diff("trust_change", (h, "cocreate_sortition"), (h, "inform"), seed)


def consult_ignore_below_inform(transparency: float) -> Callable[[Scenario, int], float]:
    def value(sc: Scenario, seed: int) -> float:
        s = sc.with_overrides({"engagement.transparency": transparency})
        return _diff("trust_change", (s, "inform"), (s, "consult_ignore"), seed)

    value.__name__ = f"consult_ignore_below_inform_at_{transparency:g}"
    return value


def capture_costs_trust_once_exposable(sc: Scenario, seed: int) -> float:
    return _diff("trust_change", (sc, "inform"), (sc, "captured"), seed)


def exposure_makes_capture_cost_more(sc: Scenario, seed: int) -> float:
    hidden = sc.with_overrides({"exposure.leak_hazard": 0.0, "exposure.panel_voice": 0.0})
    return (_diff("trust_change", (sc, "inform"), (sc, "captured"), seed)
            - _diff("trust_change", (hidden, "inform"), (hidden, "captured"), seed))


def sortition_gives_more_spillover_than_volunteers(sc: Scenario, seed: int) -> float:
    return _diff("spillover_legitimacy", (sc, "cocreate_sortition"), (sc, "cocreate_volunteers"), seed)


def excluding_powerful_stakeholder_delays(sc: Scenario, seed: int) -> float:
    powerful = max(sc.stakeholders, key=lambda s: s.power).name
    out = sc.with_overrides({f"stakeholders.{powerful}.included": False})
    return _diff("time_to_implementation", (out, "cocreate_sortition"), (sc, "cocreate_sortition"), seed)


def cocreation_loses_on_simple_problem(sc: Scenario, seed: int) -> float:
    simple = sc.with_overrides({"problem.complexity": 0.1})
    return _diff("delivered_value", (simple, "inform"), (simple, "cocreate_sortition"), seed)


def gains_larger_among_low_trust(sc: Scenario, seed: int) -> float:
    h = sc.with_overrides({"engagement.authenticity": 1.0})
    co, inf = run(h, "cocreate_sortition", seed).summary, run(h, "inform", seed).summary
    return ((co["trust_change_low_prior"] - inf["trust_change_low_prior"])
            - (co["trust_change_high_prior"] - inf["trust_change_high_prior"]))


def honoured_cocreation_narrows_the_group_gap(sc: Scenario, seed: int) -> float:
    h = sc.with_overrides({"engagement.authenticity": 1.0})
    return _diff("trust_gap_change", (h, "inform"), (h, "cocreate_sortition"), seed)


DIRECTIONS: tuple[Direction, ...] = (
    Direction("honoured_cocreation_beats_inform", "co-creation whose recommendations are honoured (authenticity 1) "
              "raises trust more than informing", "Germann, Marien & Muradova 2024; van Dijk & Lefevere 2023",
              honoured_cocreation_beats_inform),
    *(Direction(f"consult_ignore_below_inform@{t:g}", f"consult-and-ignore ends below inform (transparency {t:g})",
                "Ulbig 2008; van Dijk & Lefevere 2023", consult_ignore_below_inform(t)) for t in (0.0, 0.3, 0.7, 1.0)),
    Direction("capture_costs_trust", "a captured (closed) process ends below inform once capture can be exposed",
              "OECD2024 (43% expect capture); assumption for exposure", capture_costs_trust_once_exposable),
    Direction("exposure_makes_capture_costly", "capture never costs less when it can be exposed than when it "
              "cannot, and costs more in every future where it is exposed", "assumption (mechanism)",
              exposure_makes_capture_cost_more, ties_hold=True),
    Direction("sortition_spillover_beats_volunteers", "a self-selected panel gives less spillover legitimacy than "
              "a sortition panel of the same size", "Germann 2025; Pow et al. 2020",
              sortition_gives_more_spillover_than_volunteers),
    Direction("excluding_powerful_stakeholder_delays", "leaving the most powerful stakeholder out delays "
              "implementation", "Font et al. 2018; assumption for the mechanism",
              excluding_powerful_stakeholder_delays),
    Direction("cocreation_loses_on_simple_problem", "on a simple problem with a known answer (complexity 0.1) "
              "co-creation delivers less value within the horizon than informing", "the talk's caveat; Co-Serve "
              "criteria (Vrbek et al. 2022)", cocreation_loses_on_simple_problem),
    Direction("gains_larger_among_low_trust", "honoured co-creation's gain over inform is larger among citizens with "
              "low prior trust", "Germann, Marien & Muradova 2024", gains_larger_among_low_trust),
    Direction("honoured_cocreation_narrows_group_gap", "honoured co-creation narrows the trust gap between the groups "
              "of the gap feature (education) more than informing does", "Germann, Marien & Muradova 2024 (gains "
              "from low-trust citizens); OECD2024 (trust gaps by education)",
              honoured_cocreation_narrows_the_group_gap),
)

BY_NAME = {d.name: d for d in DIRECTIONS}


#: Directions are tested on seeds the calibration never saw (it uses 0, 1, ...): held-out futures.
HELD_OUT_SEED = 100


def futures(accepted: pd.DataFrame, n_sets: int, seeds: int, base: Scenario | None = None,
            population: int = 5000, first_seed: int = HELD_OUT_SEED) -> list[tuple[int, dict, Scenario, int]]:
    """(set index, parameter set, scenario, seed) for the first `n_sets` accepted sets x `seeds` seeds from
    `first_seed` on (by default held out from the calibration's seeds)."""
    base = (base or Scenario()).with_overrides({"population.size": population})
    out = []
    for i, row in accepted.head(n_sets).iterrows():
        theta = {k: float(v) for k, v in row.items()}
        sc = base.with_overrides(theta)
        out.extend((int(i), theta, sc, first_seed + s) for s in range(seeds))
    return out


def direction_values(direction: Direction, fut: list[tuple[int, dict, Scenario, int]]) -> pd.DataFrame:
    """One row per future: the parameter set, its index, the seed and the direction's value."""
    return pd.DataFrame([{"set": i, "seed": s, **theta, "value": direction.value(sc, s)} for i, theta, sc, s in fut])


def set_means(direction: Direction, values: pd.DataFrame) -> pd.Series:
    """Per parameter set, the direction's value averaged over its seeds: the expected paired difference at that
    point of the calibrated region, with single-run noise (honour and exposure draws) averaged out."""
    return values.groupby("set")["value"].mean()


def direction_shares(accepted: pd.DataFrame, n_sets: int = 20, seeds: int = 2, population: int = 5000,
                     directions: tuple[Direction, ...] = DIRECTIONS) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Per direction: the share of futures (accepted sets x seeds) in which it holds, with a 95% Wilson interval,
    and the share of parameter sets in which it holds on average over the seeds (`set_means`); and the per-future
    values (for `reversal_region`)."""
    from scipy.stats import binomtest

    fut = futures(accepted, n_sets, seeds, population=population)
    rows, values = [], {}
    for d in directions:
        v = direction_values(d, fut)
        values[d.name] = v
        k, n = int(d.holds(v["value"]).sum()), len(v)
        ci = binomtest(k, n).proportion_ci(method="wilson") if n else None
        rows.append({"direction": d.name, "claim": d.claim, "evidence": d.evidence, "holds": k, "futures": n,
                     "share": k / n if n else float("nan"), "share_low": ci.low if ci else float("nan"),
                     "share_high": ci.high if ci else float("nan"), "mean_value": float(v["value"].mean()),
                     "sets_holding": int(d.holds(set_means(d, v)).sum()), "sets": int(v["set"].nunique())})
    return pd.DataFrame(rows), values


def reversal_region(values: pd.DataFrame, params: list[str], direction: Direction | None = None) -> str:
    """Where the direction reverses (does not hold), as a PRIM box over `params`, or why there is none to report:
    it never reverses, or there are fewer than MIN_POINTS_PER_DIMENSION futures per parameter."""
    from sim.sweep.analysis import PRIM_SCREEN_ALPHA, prim, separating_columns

    y = ~(direction.holds(values["value"]) if direction else values["value"].to_numpy() > 0)
    if not y.any():
        return "never reverses"
    need = MIN_POINTS_PER_DIMENSION * len(params)
    if len(values) < need:
        return (f"reverses in {y.sum()} of {len(values)} futures; too few futures for PRIM over {len(params)} "
                f"parameters (need {need}: {MIN_POINTS_PER_DIMENSION} per parameter)")
    screened = separating_columns(values[params], y)
    if not screened:
        return (f"reverses in {y.sum()} of {len(values)} futures; no parameter separates them from the rest "
                f"(Kolmogorov-Smirnov, p < {PRIM_SCREEN_ALPHA:g}/{len(params)}): single-run noise, not a region")
    box = prim(values[screened], y)
    return (f"reverses in {y.sum()} of {len(values)} futures; PRIM box over the separating parameters "
            f"({', '.join(screened)}): {box.describe()}")


__all__ = ["BY_NAME", "DIRECTIONS", "MIN_POINTS_PER_DIMENSION", "Direction", "direction_shares", "direction_values",
           "HELD_OUT_SEED", "futures", "reversal_region", "set_means"]
