"""The pricing problem shared by every column-generation method: the feasible panel of largest total weight.

A panel is an integer vector ``x`` of seats per type with ``0 <= x_t <= counts_t``, ``sum(x) = k``, every quota row
within ``[lo, hi]`` and at most one seat per household group. Solved with CBC (bundled with OR-Tools),
single-threaded, so the same weights always give the same panel. An LP-based branch and bound proves optimality in
milliseconds where CP-SAT can stall on the near-ties that dual weights produce (measured: CBC 6-46 ms per call on
the 273- and 2,854-type instances, SCIP 37-97 ms, HiGHS 23-400 ms, CP-SAT 26-406 ms). Besides the best panel, every call returns a proven
upper bound on the optimum, which the column-generation certificates use.
"""

import numpy as np

from selection.engine.constraints import SOLVED, add_relaxed_rows, exact_params, panel_model
from selection.problem import SelectionProblem


class Pricer:
    """Builds the panel model once (:func:`selection.engine.constraints.panel_model`, one variable per type); each
    call changes only the objective."""

    def __init__(self, problem: SelectionProblem):
        self.problem = problem
        self.model = panel_model(problem)
        self.solver, self.x = self.model.solver, self.model.x
        self.params = exact_params(1e-10)
        self.calls = 0

    def restrict(self, lo: np.ndarray, hi: np.ndarray, type_lo: np.ndarray, type_hi: np.ndarray) -> None:
        """Only panels with quota seats within ``[lo, hi]`` and seats per type within ``[type_lo, type_hi]`` (a face
        of the panel polytope; the constraints are added, so build a new pricer for another face)."""
        for f, (expr, a, b) in enumerate(zip(self.model.seats, lo, hi, strict=True)):
            if a > self.problem.lo[f]:
                self.solver.Add(expr >= int(a))
            if b < self.problem.hi[f]:
                self.solver.Add(expr <= int(b))
        for v, a, b in zip(self.x, type_lo, type_hi, strict=True):
            v.SetBounds(int(a), int(b))

    def feasible(self) -> np.ndarray | None:
        """Any feasible panel, or None when the quotas admit none."""
        return self.best(np.ones(self.problem.n_types))[0]

    def best(self, weights: np.ndarray, hint: np.ndarray | None = None) -> tuple[np.ndarray | None, float]:
        """Maximise ``weights @ x`` over feasible panels (weights >= 0), x in seats per type.

        Returns (best panel or None if no panel exists, a proven upper bound on the optimum). ``hint``: a panel to
        start from.
        """
        self.calls += 1
        w = np.asarray(weights, dtype=float)
        obj = self.solver.Objective()
        for v, c in zip(self.x, w, strict=True):
            obj.SetCoefficient(v, float(c))
        obj.SetMaximization()
        if hint is not None:
            self.solver.SetHint(self.x, [float(v) for v in hint])
        if self.solver.Solve(self.params) not in SOLVED:
            return None, float("nan")
        best = self.model.values()
        return best, max(float(obj.BestBound()), float(w @ best))


class LinearPricer:
    """The same panel constraints as an LP (HiGHS, one persistent model, warm-started between calls): a proven upper
    bound on the best panel's weight in about a millisecond, and the best panel itself whenever the LP optimum is
    integral (a vertex of the relaxation that is a panel), which it mostly is on quota constraints. Optional
    restriction to a face: quota rows held at one bound, types held at a value (``restrict``)."""

    def __init__(self, problem: SelectionProblem):
        import highspy

        self.problem, self.T = problem, problem.n_types
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        T = self.T
        h.addVars(T, np.zeros(T), problem.counts.astype(float))
        add_relaxed_rows(h, problem)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h, self.calls, self.integral = h, 0, 0

    def restrict(self, lo: np.ndarray, hi: np.ndarray, type_lo: np.ndarray, type_hi: np.ndarray) -> None:
        """Quota rows within ``[lo, hi]`` and types within ``[type_lo, type_hi]`` (a face of the relaxation)."""
        F = len(lo)
        self.h.changeRowsBounds(F, np.arange(1, F + 1, dtype=np.int32), lo.astype(float), hi.astype(float))
        self.h.changeColsBounds(self.T, np.arange(self.T, dtype=np.int32), type_lo.astype(float),
                                type_hi.astype(float))

    def best(self, weights: np.ndarray) -> tuple[np.ndarray | None, float]:
        """(the LP optimum rounded to a panel when it is integral, else None; the LP optimum, an upper bound)."""
        import highspy

        self.calls += 1
        h = self.h
        h.changeColsCost(self.T, np.arange(self.T, dtype=np.int32), np.asarray(weights, dtype=float))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None, float("inf")
        x = np.array(h.getSolution().col_value)
        bound = float(h.getInfo().objective_function_value)
        r = np.rint(x)
        if np.abs(x - r).max() > 1e-7:
            return None, bound
        self.integral += 1
        return r.astype(np.int64), bound
