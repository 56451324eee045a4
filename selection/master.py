"""The master LP of column generation, kept in its dual form so that new panels are new rows (warm re-solves).

Notation (per type t; ``a_tj = w_t * x_tj / c_t`` is the weighted selection probability a member of type t gets from
panel j): the maximin stage with some types fixed at values ``v_t`` is

    primal  max z  s.t.  sum_j lam_j a_tj >= z (t unfixed),  >= v_t (t fixed),  sum_j lam_j = 1,  lam >= 0
    dual    min yhat - sum_F v_t y_t  s.t.  sum_t a_tj y_t <= yhat (every panel j),  sum_U y_t = 1,  y >= 0.

The primal ``lam`` is read back as the duals of the panel rows. Solved with OR-Tools GLOP.
"""

import numpy as np
from ortools.linear_solver import pywraplp

INF = float("inf")


class DualMaster:
    """Dual master LP over the panels found so far (rows), for one problem with T types."""

    def __init__(self, weight_per_seat: np.ndarray):
        self.coef = np.asarray(weight_per_seat, dtype=float)  # a_tj = coef_t * x_tj
        self.T = len(self.coef)
        s = pywraplp.Solver.CreateSolver("GLOP")
        self.solver = s
        self.y = [s.NumVar(0.0, INF, f"y{t}") for t in range(self.T)]
        self.yhat = s.NumVar(-INF, INF, "yhat")
        self.s = [s.NumVar(0.0, 0.0, f"s{t}") for t in range(self.T)]
        self.norm = s.Constraint(1.0, 1.0, "norm")
        for v in self.y:
            self.norm.SetCoefficient(v, 1.0)
        self.opt_row = s.Constraint(-INF, INF, "optimal")
        self.support_rows = []
        for t in range(self.T):
            row = s.Constraint(-INF, 0.0, f"support{t}")
            row.SetCoefficient(self.s[t], 1.0)
            row.SetCoefficient(self.y[t], -1.0)
            self.support_rows.append(row)
        self.rows: list = []
        self.panels: list[np.ndarray] = []
        self.fixed = np.full(self.T, np.nan)

    def add_panel(self, x: np.ndarray) -> None:
        row = self.solver.Constraint(-INF, 0.0, f"p{len(self.rows)}")
        for t in np.flatnonzero(x):
            row.SetCoefficient(self.y[t], float(self.coef[t] * x[t]))
        row.SetCoefficient(self.yhat, -1.0)
        self.rows.append(row)
        self.panels.append(np.asarray(x, dtype=np.int64))

    def fix(self, types: np.ndarray, value: float) -> None:
        """Fix the weighted probability of these types at ``value`` (they leave the normalisation)."""
        for t in types:
            self.fixed[t] = value
            self.norm.SetCoefficient(self.y[t], 0.0)

    def _objective_maximin(self) -> None:
        obj = self.solver.Objective()
        obj.Clear()
        obj.SetCoefficient(self.yhat, 1.0)
        for t in np.flatnonzero(~np.isnan(self.fixed)):
            obj.SetCoefficient(self.y[t], -float(self.fixed[t]))
        obj.SetMinimization()

    def solve_maximin(self) -> tuple[float, np.ndarray, float]:
        """Solve the stage LP. Returns (z, y, yhat): z is the best minimum over the current panels."""
        self.norm.SetBounds(1.0, 1.0)
        self.opt_row.SetBounds(-INF, INF)
        for t in range(self.T):
            self.s[t].SetBounds(0.0, 0.0)
        self._objective_maximin()
        self._solve()
        y = np.array([v.solution_value() for v in self.y])
        return self.solver.Objective().Value(), np.maximum(y, 0.0), self.yhat.solution_value()

    def solve_support(self, z: float, slack: float) -> tuple[np.ndarray, np.ndarray, float]:
        """Among the duals within ``slack`` of the stage optimum ``z`` (normalised, sum_U y = 1), spread weight over
        as many unfixed types as possible: maximise sum_U min(y_t, 1/|U|). Returns (y, yhat).

        A type whose dual weight reaches 1/(2|U|) cannot rise above z by more than about ``2 * slack * |U|`` in any
        optimal solution (complementary slackness); types with smaller weight are left for a later stage, which is
        always safe.
        """
        unfixed = np.isnan(self.fixed)
        cap = 1.0 / max(1, int(unfixed.sum()))
        self.norm.SetBounds(1.0, 1.0)
        for t in range(self.T):
            self.s[t].SetBounds(0.0, cap if unfixed[t] else 0.0)
        self.opt_row.SetCoefficient(self.yhat, 1.0)
        for t in range(self.T):
            self.opt_row.SetCoefficient(self.y[t], 0.0 if unfixed[t] else -float(self.fixed[t]))
        self.opt_row.SetBounds(-INF, z + slack)
        obj = self.solver.Objective()
        obj.Clear()
        for t in np.flatnonzero(unfixed):
            obj.SetCoefficient(self.s[t], 1.0)
        obj.SetMaximization()
        self._solve()
        y = np.array([v.solution_value() for v in self.y])
        return np.maximum(y, 0.0), self.yhat.solution_value()

    def _solve(self) -> None:
        status = self.solver.Solve()
        if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            self._rebuild()  # GLOP's warm start occasionally fails after many edits; a cold solve does not
            status = self.solver.Solve()
        if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            raise RuntimeError(f"master LP failed with status {status} after a cold restart")

    def _rebuild(self) -> None:
        """Copy the model into a fresh GLOP solver (same variable and constraint order)."""
        from ortools.linear_solver import linear_solver_pb2

        proto = linear_solver_pb2.MPModelProto()
        self.solver.ExportModelToProto(proto)
        fresh = pywraplp.Solver.CreateSolver("GLOP")
        fresh.LoadModelFromProto(proto)
        var, con = fresh.variables(), fresh.constraints()
        T = self.T
        self.y, self.yhat, self.s = var[:T], var[T], var[T + 1: 2 * T + 1]
        self.norm, self.opt_row = con[0], con[1]
        self.support_rows = con[2: 2 + T]
        self.rows = con[2 + T:]
        self.solver = fresh

    def lottery(self) -> np.ndarray:
        """Panel probabilities ``lam`` (primal solution of the last maximin solve), cleaned to sum to 1."""
        lam = np.abs(np.array([r.dual_value() for r in self.rows]))
        lam[lam < 1e-12] = 0.0
        return lam / lam.sum()
