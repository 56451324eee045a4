"""The pricing problem shared by every column-generation method: the feasible panel of largest total weight.

A panel is an integer vector ``x`` of seats per type with ``0 <= x_t <= counts_t``, ``sum(x) = k``, every quota row
within ``[lo, hi]`` and at most one seat per household group. Solved with SCIP (bundled with OR-Tools),
single-threaded, so the same weights always give the same panel. SCIP's LP bound proves optimality in milliseconds
where CP-SAT can stall on the near-ties that dual weights produce. Besides the best panel, every call returns a proven
upper bound on the optimum, which the column-generation certificates use.
"""

import numpy as np
from ortools.linear_solver import pywraplp

from selection.problem import SelectionProblem


class Pricer:
    """Builds the panel model once; each call changes only the objective."""

    def __init__(self, problem: SelectionProblem, seed: int = 0):
        self.problem = problem
        s = pywraplp.Solver.CreateSolver("SCIP")
        s.SetNumThreads(1)
        s.SetSolverSpecificParametersAsString(f"randomization/randomseedshift = {int(seed) % 2**31}\n")
        self.x = [s.IntVar(0, int(c), f"x{t}") for t, c in enumerate(problem.counts)]
        s.Add(s.Sum(self.x) == problem.k)
        membership = problem.type_matrix()
        for f in range(len(problem.lo)):
            expr = s.Sum([self.x[t] for t in np.flatnonzero(membership[f])])
            s.Add(expr >= int(problem.lo[f]))
            s.Add(expr <= int(problem.hi[f]))
        for h in problem.households:
            s.Add(s.Sum([self.x[t] for t in h]) <= 1)
        self.solver = s
        self.params = pywraplp.MPSolverParameters()
        self.params.SetDoubleParam(self.params.RELATIVE_MIP_GAP, 1e-10)
        self.calls = 0

    def feasible(self) -> np.ndarray | None:
        """Any feasible panel, or None when the quotas admit none."""
        return self.best(np.ones(self.problem.n_types))[0]

    def best(self, weights: np.ndarray, hint: np.ndarray | None = None,
             keep: int = 1) -> tuple[np.ndarray | None, list[np.ndarray], float]:
        """Maximise ``weights @ x`` over feasible panels (weights >= 0).

        Returns (best panel or None if no panel exists, up to ``keep - 1`` other good panels from the solver's
        pool, a proven upper bound on the optimum).
        """
        self.calls += 1
        w = np.asarray(weights, dtype=float)
        obj = self.solver.Objective()
        for v, c in zip(self.x, w, strict=True):
            obj.SetCoefficient(v, float(c))
        obj.SetMaximization()
        if hint is not None:
            self.solver.SetHint(self.x, [float(v) for v in hint])
        status = self.solver.Solve(self.params)
        if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            return None, [], float("nan")
        best = np.rint([v.solution_value() for v in self.x]).astype(np.int64)
        bound = max(float(obj.BestBound()), float(w @ best))
        others = []
        while len(others) < keep - 1 and self.solver.NextSolution():
            x = np.rint([v.solution_value() for v in self.x]).astype(np.int64)
            if not np.array_equal(x, best):
                others.append(x)
        return best, others, bound
