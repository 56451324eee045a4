"""End-to-end fairness: each population member's probability of reaching the panel.

``P(i on panel) = P(i invited) x P(i volunteers | invited) x P(i selected | i in pool)``. Quotas only equalise the
last factor among volunteers; self-selection makes the middle factor differ by an order of magnitude between
groups. Flanigan, Goelz, Gupta and Procaccia, "Neutralizing Self-Selection Bias in Sampling for Sortition",
NeurIPS 2020, estimate each pool member's probability of being in the pool, ``w_i = P(invited) x q_i``, from the
pool against the population, and select with marginals ``p_i`` such that ``w_i * p_i`` is as equal as possible,
ideally ``k / N`` for everyone. Here the selection engine does that: ``select(..., weights=w)`` makes ``w_i * p_i``
leximin-fair under the quotas.

Estimating ``w`` (``estimate_inclusion``): *raking* (calibration) of the pool to the population's one-way
margins, starting from the known design weights ``1 / P(invited)``: the calibrated weight ``1 / w_i`` is the number of
population members a pool member stands for, and is a product of one factor per feature value, i.e. the fit of a
log-linear response model with main effects (Deville and Saerndal 1992). So ``w`` is a function of the features
and people of equal features stay interchangeable for the engine.

Measuring (``EndToEnd``): in a simulation the funnel probabilities ``f_c = P(invited) q_c`` of each population cell
``c`` (people with equal features) are known. Over many simulated funnels and selections,
``e2e_c = f_c x mean(p_i over pool members i of cell c)``; cells never seen in a pool are reported as not covered.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from selection.funnel import (
    ResponseModel,
    funnel_stages,
    invitation_probability,
    open_call,
    response_propensity,
)
from selection.margins import quotas_from_margins
from selection.representativeness import shares, summary

METHODS = ("open", "legacy", "leximin", "end_to_end")
"""(a) open self-selection, (b) legacy greedy stratified, (c) leximin stratified, (d) end-to-end fair leximin."""


def estimate_inclusion(pool: pd.DataFrame, margins: pd.DataFrame, population_size: int,
                       design_probability: np.ndarray | None = None, tol: float = 1e-9,
                       max_iter: int = 500) -> np.ndarray:
    """Estimated probability that each pool member is in the pool, in (0, 1].

    ``margins``: ``feature, value, share`` of the population (only features that are pool columns are used);
    ``design_probability``: P(invited) per pool member (default: 1). Raking makes the weighted pool reproduce
    ``population_size * share`` on every used margin; values absent from the pool are skipped.
    """
    base = np.ones(len(pool)) if design_probability is None else 1.0 / np.asarray(design_probability, float)
    weight = base.copy()
    used = [(f, g) for f, g in margins.groupby("feature", sort=False) if f in pool.columns]
    codes = []
    for feature, group in used:
        values = list(group["value"])
        code = pd.Categorical(pool[feature], categories=values).codes
        target = population_size * group["share"].to_numpy(float)
        present = np.bincount(code[code >= 0], minlength=len(values)) > 0
        target = target * (target.sum() / target[present].sum()) if present.any() else target
        codes.append((code, target, present))
    for _ in range(max_iter):
        worst = 0.0
        for code, target, present in codes:
            current = np.bincount(code[code >= 0], weights=weight[code >= 0], minlength=len(target))
            factor = np.where(present, target / np.where(current > 0, current, 1), 1.0)
            worst = max(worst, float(np.abs(factor - 1)[present].max()))
            weight = weight * np.where(code >= 0, factor[code.clip(min=0)], 1.0)
        if worst < tol:
            break
    return np.minimum(1.0, 1.0 / weight)


def cell_codes(people: pd.DataFrame, features: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Cell number per person (people with equal ``features``) and the table of cells (features, ``size``)."""
    index = pd.MultiIndex.from_frame(people[features].astype(str))
    code, uniques = pd.factorize(index)
    cells = uniques.to_frame(index=False)
    cells["size"] = np.bincount(code, minlength=len(cells))
    return code, cells


@dataclass
class EndToEnd:
    """Accumulates, per population cell, the selection probabilities of pool members over simulated runs.

    ``funnel``: P(in pool) per cell (known in simulation), ``sizes``: people per cell, ``k``: seats.
    """

    funnel: np.ndarray
    sizes: np.ndarray
    k: int
    total_p: np.ndarray = field(init=False)
    count: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.total_p = np.zeros(len(self.sizes))
        self.count = np.zeros(len(self.sizes))

    def add(self, pool_cells: np.ndarray, probabilities: np.ndarray) -> None:
        """One run: cell of every pool member and their selection probabilities (sum k)."""
        self.total_p += np.bincount(pool_cells, weights=probabilities, minlength=len(self.sizes))
        self.count += np.bincount(pool_cells, minlength=len(self.sizes))

    def probabilities(self) -> np.ndarray:
        """End-to-end probability per cell; NaN where no run had a pool member of the cell."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.count > 0, self.funnel * self.total_p / self.count, np.nan)


def weighted_gini(x: np.ndarray, w: np.ndarray) -> float:
    """Gini coefficient of values ``x >= 0`` held by ``w`` people each; 0 = all equal, towards 1 = concentrated."""
    order = np.argsort(x)
    x, w = x[order], w[order]
    diff = np.abs(x[:, None] - x[None, :])
    return float((w[:, None] * w[None, :] * diff).sum() / (2 * w.sum() ** 2 * np.average(x, weights=w)))


def spread(e2e: np.ndarray, sizes: np.ndarray, k: int) -> dict[str, float]:
    """How equal the end-to-end probabilities are over the population (cells weighted by size).

    Ratios are to the ideal ``k / N``: ``min_ratio``/``max_ratio`` over covered cells, ``p05_ratio``/``p95_ratio``
    population percentiles, ``share_below_half`` (share of covered people with less than half the ideal chance),
    ``gini`` (0 = everyone equal), ``coverage`` (share of people in cells seen in some pool).
    """
    ideal = k / sizes.sum()
    seen = np.isfinite(e2e)
    x, w = e2e[seen] / ideal, sizes[seen].astype(float)
    order = np.argsort(x)
    cum = np.cumsum(w[order]) / w.sum()
    pct = lambda q: float(x[order][np.searchsorted(cum, q)])  # noqa: E731
    below = float(w[x < 0.5].sum() / w.sum())
    return {"ideal": ideal, "min_ratio": float(x.min()), "p05_ratio": pct(0.05), "median_ratio": pct(0.5),
            "p95_ratio": pct(0.95), "max_ratio": float(x.max()), "share_below_half": below,
            "gini": weighted_gini(x, w), "coverage": float(w.sum() / sizes.sum())}


def population_margins(population: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """One-way shares ``feature, value, share`` of ``population`` (values in sorted order)."""
    parts = [population[f].value_counts(normalize=True).sort_index().rename_axis("value").reset_index()
             .rename(columns={"proportion": "share"}).assign(feature=f) for f in features]
    return pd.concat(parts, ignore_index=True)[["feature", "value", "share"]]


def compare_methods(population: pd.DataFrame, k: int = 50, seeds: int = 20, *, first_seed: int = 0,
                    letters_per_seat: int = 200, deprived_share: float = 0.2, tolerance: float = 0.02,
                    quota_features: tuple[str, ...] = ("sex", "age_band", "origin", "education"),
                    cell_features: tuple[str, ...] = ("sex", "age_band", "origin", "education", "area"),
                    open_expected: int = 1000, methods: tuple[str, ...] = METHODS,
                    model: ResponseModel | None = None, progress=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the four ways to a ``k``-seat panel on ``seeds`` simulated funnels of the same population.

    Methods (b)-(d) share each seed's letters and pool (common random numbers). Returns ``(runs, cells)``: one row
    per (seed, method) with pool size and representativeness (mean TVD, see ``selection.representativeness``) of
    the drawn panel and (``expected_*``) of the panel in expectation (pool weighted by selection probability), or
    an ``error`` (infeasible quotas, solver failure: the run is left out of the tallies), and
    one row per (method, population cell) with ``size``, ``end_to_end`` and ``ratio`` (to ``k / N``).
    """
    from selection import InfeasibleQuotasError, Pool, Quota, Quotas, select  # the engine (lead's API)

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
