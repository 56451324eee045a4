"""Who takes part: a sortition panel drawn by the `selection` engine, a self-selected panel, or consultation
respondents. All functions return citizen indices (int arrays) into the population.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.population import Population
from sim.scenario import Scenario


def recruit_pool(pop: Population, n_letters: int, rng: np.random.Generator) -> np.ndarray:
    """Volunteers answering `n_letters` invitations (indices, sorted).

    Uses `selection.population.funnel.recruit` (letters to households; capped at one per household, so small simulated
    populations get every household invited).
    """
    from selection.population.funnel import recruit

    n_letters = min(n_letters, pop.n)
    households = pop.people["household_id"].nunique() if "household_id" in pop.people else pop.n
    pool = recruit(pop.people, max(1, min(n_letters, households)), rng)  # one letter per household at most
    return np.sort(pool.index.to_numpy())  # pop.people has a RangeIndex: labels are positions


def quotas_for(pop: Population, features: tuple[str, ...], k: int, tolerance: float,
               pool: np.ndarray | None = None) -> list[tuple[str, str, int, int]]:
    """Proportional quotas: for each category, target = k * population share, bounds target*(1 -/+ tolerance)
    rounded outward. Returns (feature, value, min, max) rows.

    With `pool` (citizen indices), bounds are cut to what the pool can supply, and if a feature's maxima then
    fall short of k, the shortfall is spread over categories that have volunteers to spare (what a practitioner
    does when a group did not answer): the quotas are feasible feature by feature.
    """
    rows = []
    for f in features:
        n_cat = len(pop.labels[f])
        share = np.bincount(pop.codes[f], minlength=n_cat) / pop.n
        lo = np.floor(k * share * (1 - tolerance)).astype(int)
        hi = np.minimum(k, np.ceil(k * share * (1 + tolerance))).astype(int)
        if pool is not None:
            avail = np.bincount(pop.codes[f][pool], minlength=n_cat)
            lo, hi = np.minimum(lo, avail), np.minimum(hi, avail)
            short = k - hi.sum()
            while short > 0 and (avail > hi).any():
                spare = np.flatnonzero(avail > hi)
                hi[spare[np.argmax((avail - hi)[spare])]] += 1
                short -= 1
        rows += [(f, str(v), int(a), int(b)) for v, a, b in zip(pop.labels[f], lo, hi, strict=True)]
    return rows


# select() is deterministic in (pool, quotas, k, algorithm, seed, weights): arms of a paired comparison that
# differ only in knobs after the draw reuse it (bounded, in-process).
_DRAWS: dict[tuple, tuple[str, ...]] = {}


def sortition_panel(pop: Population, scenario: Scenario, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Draw a panel of `engagement.panel_size` from volunteers with `selection.select` and proportional quotas.

    If the quotas cannot be met by the pool, the tolerance is widened (tol -> 2 tol + 0.05, up to 3 times). Returns the panel indices
    and a note on how it was drawn ("selection:<algorithm>", "...:relaxed", or "volunteers (quotas infeasible)").
    """
    eng, sel = scenario.engagement, scenario.selection
    k = eng.panel_size
    pool = recruit_pool(pop, int(eng.letters_per_seat * k), rng)
    if len(pool) < k:
        raise ValueError(f"only {len(pool)} volunteers for {k} seats; raise engagement.letters_per_seat or "
                         "population.size, or lower engagement.panel_size")
    seed = int(rng.integers(0, 2**31 - 1))
    from selection import InfeasibleQuotasError, Pool, Quota, Quotas, select

    frame = pop.people.iloc[pool][["id", *sel.features]].reset_index(drop=True)
    spool = Pool.from_frame(frame, id_column="id", household_columns=None, source="simulated volunteers")
    tol = sel.quota_tolerance
    for attempt in range(4):
        rows = quotas_for(pop, sel.features, k, tol, pool)
        quotas = Quotas.from_rows([Quota(feature=f, value=v, min=lo, max=hi) for f, v, lo, hi in rows],
                                  source="population margins")
        key = (pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes(), tuple(rows), k,
               sel.algorithm, seed, sel.end_to_end)
        if key not in _DRAWS:
            try:
                # end to end: P(in pool) is proportional to the response propensity (one letter per household,
                # households invited with equal probability), a function of features as select() needs
                weights = pop.propensity[pool] if sel.end_to_end else None
                _DRAWS[key] = select(spool, quotas, k, algorithm=sel.algorithm, seed=seed, weights=weights).panel
            except InfeasibleQuotasError:
                tol = tol * 2 + 0.05
                continue
            while len(_DRAWS) > 256:
                _DRAWS.pop(next(iter(_DRAWS)))
        note = f"selection:{sel.algorithm}" + (":relaxed" if attempt else "")
        return np.sort(pool[pd.Index(frame["id"]).get_indexer(list(_DRAWS[key]))]), note
    return volunteer_panel(pop, k, rng, pool), "volunteers (quotas infeasible)"


def volunteer_panel(pop: Population, k: int, rng: np.random.Generator, pool: np.ndarray | None = None) -> np.ndarray:
    """A self-selected panel: the first k to answer an open call, each citizen answering with their propensity
    (sampling without replacement with probability proportional to propensity)."""
    cand = np.arange(pop.n) if pool is None else pool
    w = pop.propensity[cand]
    return np.sort(rng.choice(cand, size=min(k, len(cand)), replace=False, p=w / w.sum()))


def consultation_respondents(pop: Population, awareness: np.ndarray, rate: float,
                             rng: np.random.Generator) -> np.ndarray:
    """Citizens answering a consultation: each with probability rate * awareness * propensity / mean propensity
    (capped at 1); self-selected like volunteers."""
    p = np.clip(rate * awareness * pop.propensity / pop.propensity.mean(), 0.0, 1.0)
    return np.flatnonzero(rng.random(pop.n) < p)
