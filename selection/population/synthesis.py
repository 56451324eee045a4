"""Synthetic populations by iterative proportional fitting (IPF).

The population is a joint table over the features' values. IPF starts from a *seed* table that encodes how
features go together (odds ratios; ``selection/data/antwerp_associations.csv``, sizes assumed, directions sourced)
and rescales it, margin by margin, until every given margin (one-way, or joint where known) is met; IPF keeps the
seed's odds ratios, so the result is the table closest to the seed (in Kullback-Leibler divergence) with those
margins (Deming and Stephan 1940; Bishop, Fienberg and Holland 1975, ch. 3).

The fitted shares are turned into ``n`` people by *truncate, replicate, sample* (Lovelace and Ballas 2013): each
cell gets ``floor(n * share)`` people and the remaining people are drawn without replacement with probability
proportional to the fractional parts; so every cell count is within 1 of ``n * share``.

Default: adults (18+) of the city of Antwerp, margins in ``selection/data/antwerp_margins.csv`` with sources.
"""

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from selection.population.margins import check_margins, read_margins

ADULTS_PER_HOUSEHOLD = {"1": 1, "2": 2, "3": 2, "4+": 2}
"""Adults sharing one letter, by household size (persons incl. children). ASSUMPTION: multi-person households hold
two adults; single parents and adult children are ignored. Average household size in Antwerp 2.22 (Statbel 2019)."""


def data_path(name: str) -> Path:
    return Path(str(resources.files("selection") / "data" / name))


def antwerp_margins() -> pd.DataFrame:
    """Shipped Antwerp margins: ``feature, value, share, row`` (adults 18+, sources in the file)."""
    return read_margins(data_path("antwerp_margins.csv"))


def antwerp_associations() -> pd.DataFrame:
    """Shipped seed factors ``feature_a, value_a, feature_b, value_b, factor`` (sizes assumed)."""
    return pd.read_csv(data_path("antwerp_associations.csv"), comment="#", dtype={"value_a": str, "value_b": str})


def ipf(seed: np.ndarray, targets: list[tuple[tuple[int, ...], np.ndarray]], tol: float = 1e-10,
        max_iter: int = 2000) -> np.ndarray:
    """Scale ``seed`` (non-negative, any shape) until its sums over every ``axes`` tuple equal the target arrays.

    ``targets``: list of ``(axes, table)``; ``table`` has the shape of ``seed`` reduced to ``axes`` (in order) and
    every table must have the same total. Stops when the largest absolute margin error is below ``tol`` (in units
    of the targets). Raises ``ValueError`` if it does not converge (inconsistent margins or zero-seed cells).
    """
    table = np.asarray(seed, float).copy()
    if (table < 0).any():
        raise ValueError("the seed must be non-negative")
    prepared = []
    for axes, target in targets:
        order = np.argsort(axes)
        target = np.asarray(target, float)
        prepared.append((tuple(sorted(axes)), np.transpose(target, order) if len(axes) > 1 else target))
    error = np.inf
    for _ in range(max_iter):
        for axes, target in prepared:
            current = _margin(table, axes)
            factor = np.divide(target, current, out=np.zeros_like(current), where=current > 0)
            table *= factor.reshape([table.shape[a] if a in axes else 1 for a in range(table.ndim)])
        error = max(float(np.abs(_margin(table, axes) - target).max()) for axes, target in prepared)
        if error < tol:
            return table
    raise ValueError(f"IPF did not converge (largest margin error {error:.3g}); margins may be inconsistent")


def _margin(table: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """Sum of ``table`` over every axis not in ``axes`` (sorted); dimensions stay in increasing axis order."""
    return table.sum(axis=tuple(a for a in range(table.ndim) if a not in axes))


def fit_joint(margins: pd.DataFrame, associations: pd.DataFrame | None = None
              ) -> tuple[list[str], list[list[str]], np.ndarray]:
    """Joint shares over all margin features: ``(features, values per feature, table)``; ``table`` sums to 1 and
    its one-way margins equal the margins' shares (to 1e-10). Associations naming unknown features/values are
    ignored (so custom margins work with the shipped associations)."""
    features = list(dict.fromkeys(margins["feature"]))
    values = [list(margins.loc[margins["feature"] == f, "value"]) for f in features]
    shape = tuple(len(v) for v in values)
    seed = np.ones(shape)
    if associations is not None:
        for a in associations.itertuples(index=False):
            if a.feature_a not in features or a.feature_b not in features or a.feature_a == a.feature_b:
                continue
            ia, ib = features.index(a.feature_a), features.index(a.feature_b)
            if str(a.value_a) not in values[ia] or str(a.value_b) not in values[ib]:
                continue
            index = [slice(None)] * len(shape)
            index[ia] = values[ia].index(str(a.value_a))
            index[ib] = values[ib].index(str(a.value_b))
            seed[tuple(index)] *= float(a.factor)
    targets = [((i,), margins.loc[margins["feature"] == f, "share"].to_numpy(float)) for i, f in enumerate(features)]
    return features, values, ipf(seed / seed.sum(), targets)


def integerize(shares: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Counts per cell summing to ``n``, each within 1 of ``n * share`` (truncate, replicate, sample)."""
    flat = shares.ravel() / shares.sum()
    exact = n * flat
    counts = np.floor(exact).astype(np.int64)
    rest = n - int(counts.sum())
    if rest > 0:
        frac = exact - counts
        chosen = rng.choice(flat.size, size=rest, replace=False, p=frac / frac.sum())
        counts[chosen] += 1
    return counts.reshape(shares.shape)


def synthesize_population(n: int, rng: np.random.Generator, margins: pd.DataFrame | None = None,
                          associations: pd.DataFrame | None = None) -> pd.DataFrame:
    """``n`` synthetic people matching ``margins`` (default: Antwerp adults, with the shipped associations).

    Returns one row per person in random order: ``id`` (str, ``p0000001``...), one string column per margin feature
    (Antwerp: ``sex, age_band, origin, education, household_size, area``) and ``household_id`` (int). Households
    group people with the same ``household_size``, ``area`` and ``origin`` (``ADULTS_PER_HOUSEHOLD`` adults each);
    without a ``household_size`` feature everyone lives alone. Same ``rng`` state, same population.
    """
    if n < 1:
        raise ValueError("population size n must be at least 1")
    if margins is None:
        margins = antwerp_margins()
        if associations is None:
            associations = antwerp_associations()
    elif "row" not in margins.columns or "share" not in margins.columns:
        margins = check_margins(margins)
    features, values, table = fit_joint(margins, associations)
    counts = integerize(table, n, rng)
    cells = np.repeat(np.arange(counts.size), counts.ravel())
    cells = cells[rng.permutation(n)]
    codes = np.unravel_index(cells, counts.shape)
    people = pd.DataFrame({"id": np.char.add("p", np.char.zfill(np.arange(1, n + 1).astype(str), 7))})
    for f, vals, code in zip(features, values, codes, strict=True):
        people[f] = np.asarray(vals, dtype=object)[code]
    people["household_id"] = _households(people, rng)
    return people


def _households(people: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Household number per person (0..H-1): consecutive people of one (household_size, area, origin) group, in a
    random order, share a household of ``ADULTS_PER_HOUSEHOLD`` adults; the last one of a group may be smaller."""
    n = len(people)
    if "household_size" not in people.columns:
        return np.arange(n)
    keys = [c for c in ("household_size", "area", "origin") if c in people.columns]
    order = np.lexsort([rng.random(n)] + [pd.factorize(people[c])[0] for c in keys])
    sorted_people = people.iloc[order]
    group = pd.factorize(pd.MultiIndex.from_frame(sorted_people[keys]))[0]
    rank = pd.Series(group).groupby(group).cumcount().to_numpy()
    size = sorted_people["household_size"].map(ADULTS_PER_HOUSEHOLD).fillna(1).astype(int).to_numpy()
    _, household = np.unique(np.stack([group, rank // size]), axis=1, return_inverse=True)
    out = np.empty(n, dtype=np.int64)
    out[order] = household.ravel()
    return out
