"""Completing a panel around people already confirmed (the peers' top-up and replacement workflow).

The confirmed people take their seats first: they leave the pool with everyone sharing their household, their
seats come off every quota (``min`` down to no less than 0, ``max`` down, and a max they already exceed is an
error), and the rest of the panel is chosen fairly from the people left, with the usual algorithms. Every panel of
the resulting lottery is the confirmed people plus a fair completion, so it meets every original quota and the
household rule; the confirmed people have probability 1, their housemates 0.
"""

from dataclasses import dataclass, replace

import numpy as np

from selection.errors import InputError, Problem
from selection.lottery.rounding import UniformLottery
from selection.problem import SelectionProblem, build_problem
from selection.records import Pool, Quotas


@dataclass(frozen=True, eq=False)
class Completion:
    """The reduced selection to solve (``pool``, ``quotas``, ``k``), and how to put its panels back (``keep``: full
    person index of each reduced person; ``fixed``: full indices of the confirmed people); ``problem`` is the full
    problem."""

    pool: Pool
    quotas: Quotas
    k: int
    keep: np.ndarray
    fixed: np.ndarray
    problem: SelectionProblem


def reduce(pool: Pool, quotas: Quotas, k: int, confirmed: list[str], source: str = "already selected") -> Completion:
    """The selection left once ``confirmed`` (ids) sit; raises :class:`InputError` naming ids or quotas at fault."""
    problem = build_problem(pool, quotas, k)
    index = {pid: i for i, pid in enumerate(pool.ids)}
    unknown = [c for c in confirmed if c not in index]
    if unknown:
        raise InputError(Problem(source, 0, "", f"{', '.join(unknown[:5])} not in {pool.source}",
                                 "list ids of the pool"))
    fixed = np.array(sorted({index[c] for c in confirmed}), dtype=np.int64)
    hh = problem.household_of[fixed]
    if len(set(hh[hh >= 0].tolist())) < int((hh >= 0).sum()):
        raise InputError(Problem(source, 0, "", "two confirmed people share a household", "keep one of them"))
    if len(fixed) >= k:
        raise InputError(Problem(source, 0, "", f"{len(fixed)} confirmed people already fill the panel of {k}",
                                 "confirm fewer people or enlarge the panel"))
    seats = problem.seats_of(fixed)
    over = [f"{q.feature}={q.value} ({s} confirmed, max {q.max})"
            for q, s in zip(problem.quota_rows, seats, strict=True) if s > q.max]
    if over:
        raise InputError(Problem(source, 0, "", f"the confirmed people exceed quotas: {'; '.join(over)}",
                                 "check the list or the quotas"))
    keep = np.ones(problem.n, dtype=bool)
    keep[fixed] = False
    keep &= ~np.isin(problem.household_of, hh[hh >= 0])
    keep_idx = np.flatnonzero(keep)
    reduced_pool = replace(pool, table=pool.table.iloc[keep_idx].reset_index(drop=True),
                           ids=tuple(pool.ids[i] for i in keep_idx), rows=tuple(pool.rows[i] for i in keep_idx))
    reduced_quotas = Quotas.from_rows([replace(q, min=max(0, q.min - int(s)), max=q.max - int(s),
                                               target=None if q.target_seats(k) is None else
                                               max(0.0, q.target_seats(k) - int(s)), target_share=None)
                                       for q, s in zip(problem.quota_rows, seats, strict=True)], quotas.source)
    return Completion(reduced_pool, reduced_quotas, k - len(fixed), keep_idx, fixed, problem)


def expand(c: Completion, lottery: UniformLottery) -> UniformLottery:
    """The reduced lottery as a lottery of full panels: the confirmed people added to every panel."""
    n = c.problem.n
    panels = np.sort(np.hstack([c.keep[lottery.panels], np.tile(c.fixed, (lottery.m, 1))]), axis=1)
    target, probs = np.zeros(n), np.zeros(n)
    target[c.keep], probs[c.keep] = lottery.target, lottery.probabilities
    target[c.fixed], probs[c.fixed] = 1.0, 1.0
    return UniformLottery(lottery.m, panels, target, probs, lottery.copies, lottery.moves)
