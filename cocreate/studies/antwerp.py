"""The Antwerp study: four ways from a population to a panel, compared on simulated recruitment funnels.

(a) an open call (self-selection), (b) legacy greedy stratified selection, (c) leximin stratified selection and
(d) end-to-end fair leximin (``selection.population.correction``), on the same simulated letters and pools
(common random numbers). A study driver of the application, built on the library's public functions; the
population, funnel and correction it uses live in ``selection.population``.
"""

import numpy as np
import pandas as pd

from selection import InfeasibleQuotasError, Pool, Quota, Quotas, select
from selection.population.correction import (
    EndToEnd,
    cell_codes,
    estimate_inclusion,
    population_margins,
    spread,
)
from selection.population.funnel import (
    ResponseModel,
    funnel_stages,
    invitation_probability,
    open_call,
    response_propensity,
)
from selection.population.margins import quotas_from_margins
from selection.population.representativeness import shares, summary

METHODS = ("open", "legacy", "leximin", "end_to_end")
"""(a) open self-selection, (b) legacy greedy stratified, (c) leximin stratified, (d) end-to-end fair leximin."""


def compare_methods(population: pd.DataFrame, k: int = 50, seeds: int = 20, *, first_seed: int = 0,
                    letters_per_seat: int = 200, deprived_share: float = 0.2, tolerance: float = 0.02,
                    quota_features: tuple[str, ...] = ("sex", "age_band", "origin", "education"),
                    cell_features: tuple[str, ...] = ("sex", "age_band", "origin", "education", "area"),
                    open_expected: int = 1000, methods: tuple[str, ...] = METHODS,
                    model: ResponseModel | None = None, progress=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the four ways to a ``k``-seat panel on ``seeds`` simulated funnels of the same population.

    Methods (b)-(d) share each seed's letters and pool (common random numbers). Returns ``(runs, cells)``: one row
    per (seed, method) with pool size and representativeness (mean TVD, see ``selection.population.representativeness``) of
    the drawn panel and (``expected_*``) of the panel in expectation (pool weighted by selection probability), or
    an ``error`` (infeasible quotas, solver failure: the run is left out of the tallies), and
    one row per (method, population cell) with ``size``, ``end_to_end`` and ``ratio`` (to ``k / N``).
    """
    model = model or ResponseModel.default()
    population = population.reset_index(drop=True)
    features = [c for c in population.columns if c not in ("id", "household_id")]
    margins = population_margins(population, features)
    quota_table = quotas_from_margins(margins, k, tolerance, list(quota_features))
    quotas = Quotas.from_rows([Quota(r.feature, str(r.value), int(r.min), int(r.max))
                               for r in quota_table.itertuples()], source="margins")
    codes, cells = cell_codes(population, list(cell_features))
    pi = invitation_probability(population, letters_per_seat * k, deprived_share)
    q = response_propensity(population, model)
    in_letter_pool = np.bincount(codes, weights=pi * q) / cells["size"].to_numpy()
    q_open = np.minimum(1.0, q * open_expected / q.sum())
    in_open_pool = np.bincount(codes, weights=q_open) / cells["size"].to_numpy()
    tallies = {m: EndToEnd(in_open_pool if m == "open" else in_letter_pool, cells["size"].to_numpy(), k)
               for m in methods}
    raking = population_margins(population, list(cell_features))
    pop_shares = shares(population, features)
    rows = []
    for seed in range(first_seed, first_seed + seeds):
        rng = np.random.default_rng([seed, 4])
        stages = funnel_stages(population, letters_per_seat * k, rng, deprived_share=deprived_share, model=model)
        pool_index = population.index[stages["registered"].to_numpy()]
        pool = population.loc[pool_index]
        funnel = {"invited": int(stages["invited"].sum()), "interested": int(stages["interested"].sum())}
        engine_pool = Pool.from_frame(pool[["id", *quota_features]], id_column="id", source="pool")
        for method in methods:
            row = {"seed": seed, "method": method, "pool_size": len(pool), "error": "",
                   **({} if method == "open" else funnel)}
            try:
                if method == "open":
                    chosen = open_call(population, open_expected, rng, model)
                    row["pool_size"] = len(chosen)
                    panel = chosen.iloc[rng.choice(len(chosen), size=k, replace=False)]
                    tallies[method].add(codes[population.index.get_indexer(chosen.index)],
                                        np.full(len(chosen), k / len(chosen)))
                    expected = summary(chosen, pop_shares, features, list(quota_features))
                else:
                    weights = None
                    if method == "end_to_end":
                        weights = estimate_inclusion(pool, raking, len(population),
                                                     pi[population.index.get_indexer(pool_index)])
                    result = select(engine_pool, quotas, k, algorithm="leximin" if method == "end_to_end"
                                    else method, seed=seed, weights=weights)
                    p = result.probabilities.reindex(pool["id"]).to_numpy(float)
                    tallies[method].add(codes[population.index.get_indexer(pool_index)], p)
                    panel = pool.set_index("id").loc[list(result.panel)].reset_index()
                    row["min_probability"] = float(p.min())
                    expected = summary(pool, pop_shares, features, list(quota_features), panel_weights=p)
                row.update(summary(panel, pop_shares, features, list(quota_features)))
                row.update({f"expected_{key}": value for key, value in expected.items()})
            except InfeasibleQuotasError as exc:
                row["error"] = f"infeasible: {str(exc).splitlines()[0]}"
            except Exception as exc:  # noqa: BLE001 - a failed run becomes a row, not a lost comparison
                row["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            rows.append(row)
            if progress is not None:
                progress()
    out_cells = []
    for method, tally in tallies.items():
        e2e = tally.probabilities()
        out_cells.append(cells.assign(method=method, end_to_end=e2e, ratio=e2e * len(population) / k,
                                      pool_members_seen=tally.count))
    return pd.DataFrame(rows), pd.concat(out_cells, ignore_index=True)


def method_table(runs: pd.DataFrame, cells: pd.DataFrame, k: int) -> pd.DataFrame:
    """Per method: mean and sd of the representativeness figures over seeds, and the end-to-end spread."""
    ok = runs[runs["error"] == ""]
    cols = [c for c in ("tvd_all", "tvd_quota_features", "tvd_other_features", "tvd_pairs", "expected_tvd_all",
                        "expected_tvd_other_features", "expected_tvd_pairs") if c in ok.columns]
    rep = ok.groupby("method", sort=False)[cols].agg(["mean", "std"])
    rep.columns = [f"{a}_{b}" for a, b in rep.columns]
    rows = []
    for method, group in cells.groupby("method", sort=False):
        s = spread(group["end_to_end"].to_numpy(), group["size"].to_numpy(), k)
        rows.append({"method": method, "runs": int((ok["method"] == method).sum()),
                     "failed_runs": int(((runs["method"] == method) & (runs["error"] != "")).sum()),
                     **{f"e2e_{key}": value for key, value in s.items()}})
    return pd.DataFrame(rows).set_index("method").join(rep).reset_index()
