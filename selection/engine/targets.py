"""Soft targets: seats a quota row should have, honoured as well as the hard quotas allow, in every objective.

A quota row may carry a target ``t_f`` (seats, or a share of k; :meth:`selection.records.Quota.target_seats`) and a
weight ``w_f >= 0``. A panel's deviation on row f is ``w_f * |seats_f - t_f|``, in weighted seats.

**Design: targets narrow the bounds, once, before any objective runs.** The rows' targets are met as closely as
any panel can, lexicographically (the worst weighted deviation as small as possible, then the next worst, and so
on: the leximin of deviations, the same principle the fair objectives apply to probabilities):

1. ``z`` = the smallest worst weighted deviation over the targeted rows still free, over all panels meeting the
   hard quotas and the bands already fixed (feasibility checks of the engine's one panel model,
   :func:`selection.engine.constraints.panel_model`, through :class:`selection.engine.pricing.Pricer`).
2. A free row that cannot do better than ``z`` while every other free row stays within ``z`` is fixed: its band
   becomes the seats within ``z / w_f`` of its target. The others go on to step 1 with smaller deviations (when none
   is stuck, as integer programs allow, all are fixed at ``z``).

With ``slack`` (weighted seats, default 0) every band is widened to ``(level_f + slack) / w_f`` around the target,
so that the fair objectives have more panels to choose from; a band never leaves the hard quota ``[min, max]``.

The bands replace ``lo``/``hi`` of the problem handed to the objectives, so every objective (leximin, maximin,
Nash, legacy's greedy choice, and any objective added later) prices, swaps and draws only panels within them,
without code of its own: among all panels meeting the hard quotas, only those whose deviations are
lexicographically smallest (up to ``slack``) are ever drawn. The other option, a secondary objective among each
objective's optimal distributions, would need code inside every objective and can spend no more fairness than the
first choice leaves, so it moves panels towards the targets only where fairness is indifferent; the planner who
writes a target asks for it to be met, and ``slack`` is the dial between the two. The figures a planner sees keep
the hard quotas (``Quota.min``/``max``); :func:`apply`'s stats list the bands.
"""

import dataclasses
import math

import numpy as np

from selection.engine.pricing import Pricer
from selection.problem import SelectionProblem

EPS = 1e-9
"""Tolerance, in weighted seats, of the integer programs' deviation values."""


def targeted(problem: SelectionProblem) -> list[tuple[int, float, float]]:
    """(row, target seats, weight) of every quota row with a target and a positive weight."""
    out = []
    for f, q in enumerate(problem.quota_rows):
        t = q.target_seats(problem.k)
        if t is not None and q.weight > 0:
            out.append((f, float(t), float(q.weight)))
    return out


def band(t: float, w: float, z: float, lo: int, hi: int) -> tuple[int, int]:
    """The seats within ``z / w`` of target ``t`` that lie in ``[lo, hi]`` (may be empty when ``z`` is too small)."""
    return max(lo, math.ceil(t - z / w - EPS)), min(hi, math.floor(t + z / w + EPS))


def _feasible(problem: SelectionProblem, lo: np.ndarray, hi: np.ndarray) -> bool:
    """True iff a panel meets ``problem`` with the quota rows' bounds replaced by ``[lo, hi]``."""
    if np.any(lo > hi):
        return False
    return Pricer(dataclasses.replace(problem, lo=lo, hi=hi)).feasible() is not None


def _within(free: dict[int, tuple[float, float]], z: float, lo: np.ndarray, hi: np.ndarray) -> tuple:
    """``(lo, hi)`` with every free row narrowed to its band at deviation ``z``."""
    lo, hi = lo.copy(), hi.copy()
    for f, (t, w) in free.items():
        lo[f], hi[f] = band(t, w, z, int(lo[f]), int(hi[f]))
    return lo, hi


def levels(problem: SelectionProblem) -> dict[int, float]:
    """Row -> the weighted deviation at which the lexicographic step fixed it (module docstring); {} without
    targets. Each level is reachable by a panel meeting the hard quotas and every other row at its level.

    Deviations take few values (``w_f |s - t_f|`` for whole seats s within the row's bounds), so each step is a
    binary search over them, each probe a feasibility check of the panel model with narrowed bounds (fast: no
    objective to prove)."""
    free = {f: (t, w) for f, t, w in targeted(problem)}
    fixed: dict[int, float] = {}
    lo, hi = problem.lo.copy(), problem.hi.copy()
    while free:
        values = sorted({round(w * abs(s - t), 9) for f, (t, w) in free.items()
                         for s in range(int(lo[f]), int(hi[f]) + 1)})
        top = len(values) - 1  # at the largest value every free row is at its bounds: feasible
        bottom = 0
        while bottom < top:
            mid = (bottom + top) // 2
            if _feasible(problem, *_within(free, values[mid], lo, hi)):
                top = mid
            else:
                bottom = mid + 1
        z = values[top]
        lo, hi = _within(free, z, lo, hi)
        stuck = []
        if len(free) > 1 and z > EPS:
            for f, (t, w) in free.items():
                a, b = band(t, w, z - 1e-7, int(lo[f]), int(hi[f]))
                trial_lo, trial_hi = lo.copy(), hi.copy()
                trial_lo[f], trial_hi[f] = a, b
                if not _feasible(problem, trial_lo, trial_hi):
                    stuck.append(f)
        for f in stuck or list(free):
            free.pop(f)
            fixed[f] = z
    return fixed


def apply(problem: SelectionProblem, slack: float = 0.0) -> tuple[SelectionProblem, dict]:
    """The problem with ``lo``/``hi`` narrowed to the target bands (module docstring), and stats: ``targets`` (per
    targeted row: feature, value, target seats, weight, level, band as [lo, hi]) and ``target_slack``. Without
    targets the problem is returned unchanged with empty stats. ``slack`` >= 0 in weighted seats. Call it on a
    problem that has a feasible panel."""
    if slack < 0 or not math.isfinite(slack):
        raise ValueError(f"target slack must be a number >= 0, not {slack}")
    rows = targeted(problem)
    if not rows:
        return problem, {}
    fixed = levels(problem)
    lo, hi = problem.lo.copy(), problem.hi.copy()
    report = []
    for f, t, w in rows:
        if f in fixed:
            lo[f], hi[f] = band(t, w, fixed[f] + slack, int(problem.lo[f]), int(problem.hi[f]))
        q = problem.quota_rows[f]
        report.append({"feature": q.feature, "value": q.value, "target": round(t, 6), "weight": w,
                       "level": None if f not in fixed else round(fixed[f], 6), "band": [int(lo[f]), int(hi[f])]})
    return dataclasses.replace(problem, lo=lo, hi=hi), {"targets": report, "target_slack": slack}
