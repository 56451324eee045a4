"""The pricing problem shared by every column-generation method: the feasible panel of largest total weight.

A panel is an integer vector ``x`` of seats per type with ``0 <= x_t <= counts_t``, ``sum(x) = k``, every quota row
within ``[lo, hi]`` and at most one seat per household group. Solved with CBC (bundled with OR-Tools),
single-threaded, so the same weights always give the same panel. An LP-based branch and bound proves optimality in
milliseconds where CP-SAT can stall on the near-ties that dual weights produce (measured: CBC 6-46 ms per call on
the 273- and 2,854-type instances, SCIP 37-97 ms, HiGHS 23-400 ms, CP-SAT 26-406 ms). Besides the best panel, every call returns a proven
upper bound on the optimum, which the column-generation certificates use.
"""

import numpy as np

from selection.engine.constraints import SOLVED, exact_params, panel_model
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
