"""`run`: one strategy, one seed, one scenario -> a RunResult. Top-level and picklable-friendly for worker
processes (plain arguments: a Scenario or a path, a strategy name, an int seed)."""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.model import EngagementModel, streams
from sim.population import Population, build_population
from sim.scenario import Scenario, load_scenario
from sim.strategies import STRATEGIES

_CACHE: OrderedDict[tuple[int, str], Population] = OrderedDict()
_CACHE_CITIZENS = 2_500_000  # keep recent populations while their total size stays under this (>= 1 kept)


@dataclass(frozen=True)
class RunResult:
    """Outputs of one run. `series`: one row per week (week 0 = initial state); `summary`: flat floats."""

    strategy: str
    seed: int
    series: pd.DataFrame
    summary: dict[str, float]
    notes: dict[str, str] = field(default_factory=dict)


def population_for(scenario: Scenario, seed: int) -> Population:
    """The seed's population (world stream), cached in-process so that strategies of one seed share it."""
    params = scenario.population_params()
    key = (int(seed), params.model_dump_json())
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    pop = build_population(params, streams(seed)["world"])
    _CACHE[key] = pop
    while len(_CACHE) > 1 and sum(p.n for p in _CACHE.values()) > _CACHE_CITIZENS:
        _CACHE.popitem(last=False)
    return pop


def build_model(scenario: Scenario, strategy: str, seed: int, channels=None) -> EngagementModel:
    """A ready-to-run model (the population comes from the cache)."""
    return EngagementModel(scenario, strategy, int(seed), population_for(scenario, seed), channels=channels)


def run(scenario: Scenario | str | os.PathLike[str], strategy: str, seed: int, *,
        population: int | None = None, channels=None) -> RunResult:
    """Simulate `process.horizon_weeks` weeks of one strategy. Same inputs, same result.

    `population` overrides `population.size`; `channels` (a subset of `sim.mechanisms.CHANNELS`, default all)
    switches trust channels off (sim/channels.py). Raises ValueError for an unknown strategy or channel.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy '{strategy}'; use one of {', '.join(STRATEGIES)}")
    if population is not None:
        scenario = scenario.with_overrides({"population.size": int(population)})
    model = build_model(scenario, strategy, seed, channels)
    model.run_for(scenario.process.horizon_weeks)
    series = model.series()
    series.insert(0, "seed", int(seed))
    series.insert(0, "strategy", strategy)
    notes = {"selection": model.selection_note}
    return RunResult(strategy, int(seed), series, model.summary(), notes)


def summaries(results: list[RunResult]) -> pd.DataFrame:
    """One row per run: strategy, seed and the summary columns."""
    return pd.DataFrame([{"strategy": r.strategy, "seed": r.seed, **r.summary} for r in results])


def paired_t_intervals(table: pd.DataFrame, metric: str, baseline: str = "inform") -> pd.DataFrame:
    """Per strategy: mean paired difference of `metric` against `baseline` over seeds (the rows of `summaries`),
    a 95% Student t-interval and the share of seeds where it is higher. (Sweeps: the bootstrap intervals and win
    rates of `sim.sweep.analysis.paired_bootstrap_intervals`.)"""
    from scipy import stats

    wide = table.pivot(index="seed", columns="strategy", values=metric)
    rows = []
    for s in wide.columns:
        if s == baseline or baseline not in wide:
            continue
        d = (wide[s] - wide[baseline]).dropna().to_numpy()
        if len(d) == 0:
            continue
        half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan
        rows.append({"strategy": s, "metric": metric, "baseline": baseline, "mean_diff": d.mean(),
                     "ci_low": d.mean() - half, "ci_high": d.mean() + half, "share_higher": float(np.mean(d > 0)),
                     "seeds": len(d)})
    return pd.DataFrame(rows)
