"""Replacing drop-outs so that the quotas hold again: the exact, quota-keeping repair of a drawn panel.

Real panels lose members (2 of 110 at Climate Assembly UK; 31 of 150 by the final vote of France's climate
convention; Ireland's 2016-18 assembly replaced 53 of its 99; shared/reference/cases-and-data.md).
:func:`repair` finds the replacement with the smallest total quota deviation, preferring people earlier on a
reserve list among equally good repairs (integer program on the panel model of
:mod:`selection.engine.constraints`, CBC).

Units and conventions. People are person indices into ``problem`` (0..n-1, pool order). *Total quota deviation* is
``sum_f max(lo_f - seats_f, 0) + sum_f max(seats_f - hi_f, 0) + empty seats`` over quota rows f, in seats (an
integer >= 0; 0 means every quota is met and all k seats are filled).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from selection.engine.constraints import SOLVED, exact_params, panel_model
from selection.problem import SelectionProblem


@dataclass(frozen=True)
class QuotaDeviation:
    """One quota row of a panel: ``seats`` held, bounds ``min``/``max``, ``below = max(min - seats, 0)``,
    ``above = max(seats - max, 0)`` (all in seats)."""

    feature: str
    value: str
    seats: int
    min: int
    max: int
    below: int
    above: int


@dataclass(frozen=True, eq=False)
class Repair:
    """A repaired panel.

    ``panel``: sorted person indices (at most k; fewer only when the candidates ran out). ``added``: the replacements
    in preference order. ``deviation``: one :class:`QuotaDeviation` per quota row. ``empty_seats``: seats left empty.
    ``total_deviation = sum(below + above) + empty_seats`` (0: every quota met, k seats). ``exact``: every solve
    proved optimal (False only if the time limit cut a solve short).
    """

    panel: np.ndarray
    added: np.ndarray
    deviation: tuple[QuotaDeviation, ...]
    total_deviation: int
    exact: bool
    empty_seats: int = 0


def person_indices(problem: SelectionProblem, idx, what: str) -> np.ndarray:
    """Unique sorted person indices; ValueError for anything outside 0..n-1."""
    arr = np.asarray([] if idx is None else idx).ravel()
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{what} must be person indices (integers), got {arr.dtype}")
    arr = arr.astype(np.int64)
    bad = arr[(arr < 0) | (arr >= problem.n)]
    if bad.size:
        raise ValueError(f"{what}: person indices out of range 0..{problem.n - 1}: {bad[:10].tolist()}")
    return np.unique(arr)


def _names(problem: SelectionProblem, idx: np.ndarray) -> str:
    ids = problem.pool.ids
    return ", ".join(f"{ids[i]} (index {i})" for i in idx[:20]) + (" ..." if len(idx) > 20 else "")


def _ranks(problem: SelectionProblem, preference) -> np.ndarray:
    """(n,) rank of each person: position in ``preference`` (first occurrence), then the rest in pool order."""
    rank = np.full(problem.n, -1, dtype=np.int64)
    pref = np.asarray([] if preference is None else preference).ravel().astype(np.int64)
    if ((pref < 0) | (pref >= problem.n)).any():
        raise ValueError(f"preference: person indices out of range 0..{problem.n - 1}")
    _, first = np.unique(pref, return_index=True)
    rank[pref[first]] = first
    rest = np.flatnonzero(rank < 0)
    rank[rest] = len(pref) + rest
    return rank


def _units(households: np.ndarray) -> int:
    """How many of these people can sit together: everyone outside a household, plus one per household."""
    return int((households < 0).sum() + len(np.unique(households[households >= 0])))


def _deviation(problem: SelectionProblem, seats: np.ndarray, empty: int) -> tuple[tuple[QuotaDeviation, ...], int]:
    below = np.maximum(problem.lo - seats, 0)
    above = np.maximum(seats - problem.hi, 0)
    rows = tuple(QuotaDeviation(q.feature, q.value, int(s), int(lo), int(hi), int(b), int(a)) for q, s, lo, hi, b, a
                 in zip(problem.quota_rows, seats, problem.lo, problem.hi, below, above, strict=True))
    return rows, int(below.sum() + above.sum() + empty)


def repair(problem: SelectionProblem, panel: Sequence[int] | np.ndarray, dropped: Sequence[int] | np.ndarray,
           preference: Sequence[int] | np.ndarray | None = None, exclude: Sequence[int] | np.ndarray | None = None,
           time_limit: float = 60.0) -> Repair:
    """Replace the ``dropped`` members of ``panel`` so that the quotas hold again.

    Candidates are people not on the panel, not dropped, not in ``exclude`` and not sharing a household with anyone
    who stays; at most one per household is added. As many seats as possible are filled (all of them unless the
    candidates run out; empty seats count as deviation). Lexicographic optimum, exact (CBC, single-threaded): first
    the smallest total quota deviation; then, among repairs with that deviation, the earliest candidates in
    ``preference`` (a reserve list: the first listed person is taken if any best repair includes them, then the
    next...); people not listed rank after it, in pool order. ``time_limit`` (seconds) bounds each solve.

    Raises ValueError when a dropped person is not on the panel (naming them) or the panel has more than k people.
    Deterministic: the same inputs give the same repair.
    """
    panel = person_indices(problem, panel, "panel")
    dropped = person_indices(problem, dropped, "dropped")
    if len(panel) > problem.k:
        raise ValueError(f"the panel has {len(panel)} people, more than the panel size {problem.k}")
    stray = np.setdiff1d(dropped, panel)
    if stray.size:
        raise ValueError(f"dropped people are not on the panel: {_names(problem, stray)}")
    remaining = np.setdiff1d(panel, dropped)
    rank = _ranks(problem, preference)
    cands = _repair_candidates(problem, panel, dropped, remaining, person_indices(problem, exclude, "exclude"))
    need = problem.k - len(remaining)
    cands = _prune(problem, cands[np.argsort(rank[cands], kind="stable")], need)
    fill = min(need, _units(problem.household_of[cands]))
    chosen, exact = (np.zeros(0, dtype=np.int64), True)
    if fill:
        chosen, exact = _solve_repair(problem, problem.seats_of(remaining), cands, fill, time_limit)
    rows, total = _deviation(problem, problem.seats_of(np.concatenate([remaining, chosen])), need - fill)
    return Repair(np.sort(np.concatenate([remaining, chosen])), chosen, rows, total, exact, need - fill)


def _repair_candidates(problem, panel, dropped, remaining, exclude) -> np.ndarray:
    hh = problem.household_of
    ok = np.ones(problem.n, dtype=bool)
    ok[panel] = False
    ok[dropped] = False
    ok[exclude] = False
    taken = np.unique(hh[remaining])
    ok &= ~np.isin(hh, taken[taken >= 0])
    return np.flatnonzero(ok)


def _prune(problem: SelectionProblem, ordered: np.ndarray, need: int) -> np.ndarray:
    """Keep, per type, only the ``need`` best-ranked candidates: no repair can use more (order kept)."""
    types = problem.type_of[ordered]
    seen: dict[int, int] = {}
    keep = np.zeros(len(ordered), dtype=bool)
    for j, t in enumerate(types.tolist()):
        seen[t] = seen.get(t, 0) + 1
        keep[j] = seen[t] <= need
    return ordered[keep]


class _RepairModel:
    """Binary x_j per candidate (in rank order) on the panel model, seats = base + added, soft quotas."""

    def __init__(self, problem: SelectionProblem, base: np.ndarray, cands: np.ndarray, fill: int, time_limit: float):
        inf = np.full(len(problem.lo), np.inf)
        model = panel_model(problem, people=cands, size=fill, base=base, slack_caps=(inf, inf), time_limit=time_limit)
        self.solver, self.x, self.exact = model.solver, model.x, True
        self.dev = model.deviation()
        self.params = exact_params()

    def solve(self) -> np.ndarray | None:
        """0/1 vector of the best solution, or None when infeasible (or no solution within the time limit)."""
        status = self.solver.Solve(self.params)
        if status not in SOLVED:
            self.exact &= status == pywraplp.Solver.INFEASIBLE
            return None
        self.exact &= status == pywraplp.Solver.OPTIMAL
        return np.rint([v.solution_value() for v in self.x]).astype(np.int64)


def _solve_repair(problem, base, cands, fill, time_limit) -> tuple[np.ndarray, bool]:
    """Stage 1: least deviation D. Stage 2: fix deviation <= D, then take candidates in rank order whenever some
    D-repair with everyone taken so far includes them (lexicographically earliest set). The incumbent (least sum of
    ranks) answers most of these questions without a solve."""
    m = _RepairModel(problem, base, cands, fill, time_limit)
    m.solver.Minimize(m.dev)
    if m.solve() is None:
        raise RuntimeError("repair: no solution found within the time limit")
    m.solver.Add(m.dev <= round(m.solver.Objective().Value()))
    m.solver.Minimize(m.solver.Sum([j * v for j, v in enumerate(m.x)]))
    best = m.solve()
    if best is None:
        raise RuntimeError("repair: no solution found within the time limit")
    types, in_hh = problem.type_of[cands], problem.household_of[cands] >= 0
    taken = 0
    for j in range(len(cands)):
        if taken == fill:
            break
        if m.x[j].ub() == 0:
            continue
        m.x[j].SetLb(1)
        trial = best if best[j] == 1 else m.solve()
        if trial is not None:
            best, taken = trial, taken + 1
            continue
        m.x[j].SetLb(0)
        later = [j] if in_hh[j] else [i for i in range(j, len(cands)) if types[i] == types[j]]
        for i in later:  # same type: interchangeable, so just as impossible
            m.x[i].SetUb(0)
        if best[later].any():  # cannot happen at an optimum; re-solve rather than trust it
            best = m.solve()
    return cands[np.flatnonzero(best)], m.exact


