"""A test selection in seconds (``cocreate check``): can these quotas be met from this pool, and how much room is
there on each quota value?

For a pool, quotas and a panel size k, one row per quota row (a feature value, or a pair of feature values for an
intersectional row, whose ``feature`` and ``value`` read ``age x education``, ``18-29 x degree``) with

- ``min``, ``max``: the target, in seats;
- ``pool_count``, ``pool_share``: people in the pool with that value, and their share of the pool (in [0, 1]);
- ``population_share``: the value's share of the population (in [0, 1]) when margins are given, else NaN;
- ``fewest``, ``most``: the fewest and the most seats the value can have on any panel of k that meets every quota
  and the household rule (exact integer programs over types, on the engine's panel model via
  :class:`selection.engine.pricing.Pricer`); ``-1`` when no panel exists.

Invariants when a panel exists: ``min <= fewest <= most <= max`` and ``most <= pool_count``. When none exists,
``suggestions`` is the smallest relaxation (:func:`selection.engine.relax.suggest`): tuples (feature, value,
old_min, old_max, new_min, new_max). A pool that cannot fill a minimum (``pool_count < min``) or mins that add up to
more than k are reported this way too, as infeasible quotas, not as bad input; bad input (a missing column, a value
with no quota, k larger than the pool) raises :class:`selection.errors.InputError` as everywhere else.
"""

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from selection.engine.pricing import Pricer
from selection.engine.relax import suggest
from selection.problem import SelectionProblem, build_problem
from selection.records import Pool, Quotas, norm

COLUMNS = ("feature", "value", "min", "max", "pool_count", "pool_share", "population_share", "fewest", "most")


@dataclass(frozen=True, eq=False)
class Check:
    """The outcome of :func:`check`: ``table`` has :data:`COLUMNS`, one row per quota value in quota-row order;
    ``households``: household groups of two or more pool members; ``seconds``: wall time of the check."""

    k: int
    n: int
    feasible: bool
    table: pd.DataFrame
    suggestions: list[tuple[str, str, int, int, int, int]]
    notes: tuple[str, ...]
    households: int
    seconds: float


def problem_for_check(pool: Pool, quotas: Quotas, k: int) -> SelectionProblem:
    """The selection problem of ``pool``, ``quotas`` and ``k`` built even when the quotas cannot be met: the
    problem's checks run on quotas opened to ``[0, k]``, then the real bounds are put back."""
    opened = Quotas.from_rows([dataclasses.replace(q, min=0, max=max(q.max, k)) for q in quotas.quotas],
                              quotas.source)
    loose = build_problem(pool, opened, k)
    real = dataclasses.replace(loose, quotas=quotas)
    lo = np.array([q.min for q in real.quota_rows], dtype=np.int64)
    hi = np.array([q.max for q in real.quota_rows], dtype=np.int64)
    return dataclasses.replace(real, lo=lo, hi=hi)


def seat_range(problem: SelectionProblem) -> tuple[np.ndarray, np.ndarray] | None:
    """(fewest, most) seats per quota row (F,) over all feasible panels, or None when there is none. The fewest of
    a row is k minus the most the people outside it can hold (for a plain row: the other values of its feature;
    for an intersectional row: everyone without both its values)."""
    pricer = Pricer(problem)
    if pricer.feasible() is None:
        return None
    member = problem.type_matrix()
    most = np.zeros(len(problem.lo), dtype=np.int64)
    fewest = np.zeros(len(problem.lo), dtype=np.int64)
    for f in range(len(problem.lo)):
        panel, _ = pricer.best(member[f].astype(float))
        most[f] = int(member[f] @ panel)
        others = 1 - member[f]
        panel, _ = pricer.best(others.astype(float))
        fewest[f] = problem.k - int(others @ panel)
    return fewest, most


def check(pool: Pool, quotas: Quotas, k: int, margins: pd.DataFrame | None = None) -> Check:
    """Check ``quotas`` for a panel of ``k`` from ``pool`` (see the module docstring). ``margins``: a frame with
    ``feature, value, share`` (as :func:`selection.population.margins.read_margins` returns), matched to quota
    values ignoring case and spacing."""
    start = time.perf_counter()
    problem = problem_for_check(pool, quotas, k)
    counts = problem.person_rows.sum(axis=0, dtype=np.int64)
    share = {}
    if margins is not None:
        share = {(norm(f), norm(v)): float(s) for f, v, s in zip(margins["feature"], margins["value"],
                                                                 margins["share"], strict=True)}
    found = seat_range(problem)
    fewest, most = found if found is not None else (np.full(len(counts), -1), np.full(len(counts), -1))
    table = pd.DataFrame([{
        "feature": q.feature, "value": q.value, "min": q.min, "max": q.max, "pool_count": int(counts[f]),
        "pool_share": counts[f] / problem.n, "population_share": share.get((norm(q.feature), norm(q.value)), np.nan),
        "fewest": int(fewest[f]), "most": int(most[f])} for f, q in enumerate(problem.quota_rows)],
        columns=list(COLUMNS))
    suggestions = [] if found is not None else suggest(problem)
    return Check(k, problem.n, found is not None, table, suggestions, (*pool.notes, *quotas.notes),
                 len(problem.households), time.perf_counter() - start)
