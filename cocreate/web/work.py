"""What the web app's jobs compute: module-level functions with plain arguments (they run in a worker process,
:mod:`cocreate.web.jobs`), each a thin composition of the library functions the CLI calls too."""

from pathlib import Path

import pandas as pd

from selection.check import check
from selection.engine.api import select
from selection.inputs import read_pool, read_quotas
from selection.lottery import workflow
from selection.lottery.verify import verify

COMPARISON_DRAWS = 200  # legacy greedy draws for the comparison shown with the result (seeded, repeatable)


def check_inputs(pool_path: str, quotas_path: str, k: int, household: list[str], id_column: str | None):
    """:func:`selection.check.check` of the files (the check table, feasibility, the smallest relaxation)."""
    pool = read_pool(pool_path, id_column=id_column, household_columns=list(household))
    return check(pool, read_quotas(quotas_path), k)


def compute(pool_path: str, quotas_path: str, k: int, algorithm: str, household: list[str], id_column: str | None,
            m: int, reserves: int | None = None, compare_draws: int = COMPARISON_DRAWS, progress=None,
            gamma: float = 1.0, pair_weight: float = 0.0):
    """:func:`selection.lottery.workflow.publish` (the fair distribution and its uniform lottery, undrawn), and the
    legacy greedy draw's metrics on the same inputs for comparison (None for legacy itself). ``gamma``: the
    Goldilocks weight (goldilocks only; recorded in the bundle); ``pair_weight``: maxentropy's (maxentropy only,
    :mod:`selection.engine.maxentropy_pairs`)."""
    pub = workflow.publish(pool_path, quotas_path, k, algorithm=algorithm, household=household,
                           id_column=id_column, m=m, reserves=reserves, progress=progress, gamma=gamma,
                           pair_weight=pair_weight if algorithm == "maxentropy" else 0.0)
    if compare_draws <= 0 or algorithm == "legacy":
        return pub, None
    legacy = select(pub.inputs.pool, pub.inputs.quotas, k, algorithm="legacy", seed=workflow.SOLVER_SEED,
                    legacy_draws=compare_draws)
    return pub, {key: value for key, value in legacy.metrics.items() if key != "quotas"}


def verify_bundle(bundle_path: str, pool_path: str, quotas_path: str, seed: str | None, commitment: str | None,
                  recompute: bool):
    """:func:`selection.lottery.verify.verify`: (bundle, mismatches, files not found so not checked)."""
    return verify(Path(bundle_path), Path(pool_path), Path(quotas_path), seed=seed or None,
                  published=commitment or None, recompute=recompute)


def scenario_runs(scenario, strategies: list[str], seeds: list[int], population: int, progress=None) -> dict:
    """Every strategy over every seed with :func:`sim.run` (common random numbers: seed s is the same world for
    every strategy). Returns ``{"series": weekly frame (strategy, seed, week, trust, support, implementation...),
    "summary": one row per run}``; ``progress(stage, done, total, value)`` after each run."""
    from sim import run

    series, rows = [], []
    total = len(strategies) * len(seeds)
    done = 0
    for seed in seeds:
        for strategy in strategies:
            result = run(scenario, strategy, seed, population=population)
            series.append(result.series)
            rows.append({"strategy": strategy, "seed": seed, **result.summary})
            done += 1
            if progress is not None:
                progress("runs", done, total, 0.0)
    return {"series": pd.concat(series, ignore_index=True), "summary": pd.DataFrame(rows)}


def scenario_channels(scenario, strategies: list[str], seeds: list[int], population: int, progress=None) -> dict:
    """The channel decomposition of each strategy's trust change over the seeds, when :mod:`sim` offers one
    (``sim.decompose``); an empty frame otherwise."""
    import sim

    decompose = getattr(sim, "decompose", None)
    if decompose is None:
        return {"channels": pd.DataFrame()}
    rows = []
    total, done = len(strategies) * len(seeds), 0
    for seed in seeds:
        for strategy in strategies:
            out = decompose(scenario, strategy, seed, population=population)
            rows += [{"strategy": strategy, "seed": seed, "channel": key.split("@", 1)[1], "trust_change": value}
                     for key, value in out.items() if key.startswith("trust_change@")]
            done += 1
            if progress is not None:
                progress("decomposed runs", done, total, 0.0)
    return {"channels": pd.DataFrame(rows)}
