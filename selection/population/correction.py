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
