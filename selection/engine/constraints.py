"""The one builder of the panel constraints (size, quotas, households) as an optimisation model.

Every model that needs "a panel" builds it here: integer pricing (:mod:`selection.engine.pricing`), the smallest
relaxation of infeasible quotas (:mod:`selection.engine.relax`), the replacement of drop-outs
(:mod:`selection.lottery.repair`) and the feasibility check of quotas made from margins
(:mod:`selection.population.margins`). A change to what a panel is (a new kind of constraint) is made once, here.

A model has one integer variable per *unit*: per type (``0 <= x_t <= counts_t``) or, when ``people`` is given, per
person (binary). Seats of quota row f are ``base_f + sum of x over units with row f's value`` (both values for an
intersectional row: :meth:`selection.problem.SelectionProblem.type_matrix` is the one definition of which units a
row counts); the constraints are

- size: ``sum(x) == size`` (default k);
- quotas, hard: ``lo_f <= seats_f <= hi_f``; or soft, with slack variables ``below_f, above_f >= 0`` (bounded by
  ``slack_caps``) and ``lo_f - below_f <= seats_f <= hi_f + above_f``;
- households: at most one seat per household group among the units.

Solved by CBC (bundled with OR-Tools), single-threaded, so the same model and objective give the same answer.
"""

from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from selection.problem import SelectionProblem


@dataclass(eq=False)
class PanelModel:
    """A built model. ``x``: unit variables; ``seats``: one linear expression per quota row; ``below``/``above``:
    slack variables per quota row (empty lists when the quotas are hard); ``units``: person indices per variable
    (None for type variables)."""

    solver: pywraplp.Solver
    x: list
    seats: list
    below: list
    above: list
    units: np.ndarray | None

    def values(self) -> np.ndarray:
        """The solved unit values as integers."""
        return np.rint([v.solution_value() for v in self.x]).astype(np.int64)

    def deviation(self):
        """Total slack ``sum(below) + sum(above)`` as a linear expression (0 for hard quotas)."""
        return self.solver.Sum(self.below + self.above)


def panel_model(problem: SelectionProblem, *, people: np.ndarray | None = None, size: int | None = None,
                base: np.ndarray | None = None, slack_caps: tuple[np.ndarray, np.ndarray] | None = None,
                time_limit: float | None = None) -> PanelModel:
    """Build the panel constraints of ``problem`` (see the module docstring).

    ``people``: person indices, one binary variable each (default: one integer variable per type). ``size``: seats
    to fill (default k). ``base`` (F,): seats already held by people outside the model (default 0). ``slack_caps``:
    (caps on below, caps on above), arrays of F non-negative numbers (``np.inf`` for none) to make the quotas soft.
    ``time_limit`` in seconds per solve (default none).
    """
    s = pywraplp.Solver.CreateSolver("CBC")
    if time_limit is not None:
        s.SetTimeLimit(int(time_limit * 1000))
    if people is None:
        x = [s.IntVar(0, int(c), f"x{t}") for t, c in enumerate(problem.counts)]
        member = problem.type_matrix().astype(bool)
        groups = problem.households
    else:
        people = np.asarray(people, dtype=np.int64)
        x = [s.BoolVar(f"x{j}") for j in range(len(people))]
        member = problem.person_rows[people].T
        hh = problem.household_of[people]
        groups = [np.flatnonzero(hh == g) for g in np.unique(hh[hh >= 0])]
    s.Add(s.Sum(x) == (problem.k if size is None else int(size)))
    base = np.zeros(len(problem.lo), dtype=np.int64) if base is None else np.asarray(base)
    seats, below, above = [], [], []
    for f in range(len(problem.lo)):
        expr = s.Sum([x[u] for u in np.flatnonzero(member[f])]) + int(base[f])
        seats.append(expr)
        if slack_caps is None:
            s.Add(expr >= int(problem.lo[f]))
            s.Add(expr <= int(problem.hi[f]))
            continue
        down_cap, up_cap = (float(c[f]) for c in slack_caps)
        b = s.IntVar(0, s.infinity() if np.isinf(down_cap) else down_cap, f"below{f}")
        a = s.IntVar(0, s.infinity() if np.isinf(up_cap) else up_cap, f"above{f}")
        s.Add(expr >= int(problem.lo[f]) - b)
        s.Add(expr <= int(problem.hi[f]) + a)
        below.append(b)
        above.append(a)
    for group in groups:
        s.Add(s.Sum([x[u] for u in group]) <= 1)
    return PanelModel(s, x, seats, below, above, people)


def add_relaxed_rows(h, problem: SelectionProblem, cuts=()) -> None:
    """Add the panel constraints, relaxed to real numbers, as rows of the HiGHS model ``h`` whose first T columns are
    the seats per type: size ``sum x = k``, quotas ``lo_f <= seats_f <= hi_f`` (rows 1..F), households
    ``sum over the group <= 1``, then the valid inequalities ``a . x <= b`` of ``cuts`` (pairs (a, b)). The LP
    relaxation of :func:`panel_model`, for :mod:`selection.engine.hull`, :mod:`selection.engine.peel` and
    :class:`selection.engine.pricing.LinearPricer`."""
    import highspy

    T = problem.n_types
    h.addRow(problem.k, problem.k, T, np.arange(T, dtype=np.int32), np.ones(T))
    member = problem.type_matrix().astype(bool)
    for f in range(len(problem.lo)):
        idx = np.flatnonzero(member[f]).astype(np.int32)
        h.addRow(float(problem.lo[f]), float(problem.hi[f]), len(idx), idx, np.ones(len(idx)))
    for g in problem.households:
        h.addRow(-highspy.kHighsInf, 1.0, len(g), g.astype(np.int32), np.ones(len(g)))
    for a, b in cuts:
        nz = np.flatnonzero(a)
        h.addRow(-highspy.kHighsInf, float(b), len(nz), nz.astype(np.int32), np.asarray(a, dtype=float)[nz])


def exact_params(gap: float = 0.0) -> pywraplp.MPSolverParameters:
    """Solver parameters asking for a proven optimum (relative MIP gap ``gap``)."""
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, gap)
    return params


SOLVED = (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE)
"""Statuses after which the model holds a solution."""
