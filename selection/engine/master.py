"""The master LP of column generation, in its dual form (new panels are new rows), solved with HiGHS.

Notation (per type t; ``a_tj = w_t * x_tj / c_t`` is the weighted selection probability a member of type t gets from
panel j): the maximin stage with some types fixed at values ``v_t`` is

    primal  max z  s.t.  sum_j lam_j a_tj >= z (t unfixed),  >= v_t (t fixed),  sum_j lam_j = 1,  lam >= 0
    dual    min yhat - sum_F v_t y_t  s.t.  sum_t a_tj y_t <= yhat (every panel j),  sum_U y_t = 1,  y >= 0.

The lottery ``lam`` is read back as the duals of the panel rows. The stage LP lives in one persistent HiGHS model
(``highspy``) so that each new panel row is a warm-started dual simplex step; HiGHS is used rather than OR-Tools'
GLOP because GLOP stalled or returned ABNORMAL on these highly degenerate LPs in our runs. The once-per-stage
support LP is built from arrays and solved by HiGHS' interior point method (through SciPy).
"""

import highspy
import numpy as np
from scipy import sparse
from scipy.optimize import linprog


class DualMaster:
    """Dual master LP over the panels found so far, for one problem with T types."""

    def __init__(self, weight_per_seat: np.ndarray):
        self.coef = np.asarray(weight_per_seat, dtype=float)  # a_tj = coef_t * x_tj
        self.T = len(self.coef)
        self.panels: list[np.ndarray] = []
        self._seen: set[bytes] = set()
        self.fixed = np.full(self.T, np.nan)
        self._lam = np.zeros(0)
        self._a = np.zeros((64, self.T))  # a_tj of the panels, one row each (grown by doubling)
        self.support_time = 5.0  # seconds; the support LP is an optional speed-up, never needed for correctness
        self._h = self._model()

    def _model(self) -> highspy.Highs:
        """A fresh HiGHS model with the current fixings and no panel rows."""
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("primal_feasibility_tolerance", 1e-9)
        h.setOptionValue("dual_feasibility_tolerance", 1e-9)
        h.setOptionValue("simplex_dual_edge_weight_strategy", 1)  # devex: 25-33% faster than the default on these masters
        inf = highspy.kHighsInf
        for _ in range(self.T):
            h.addVar(0.0, inf)
        h.addVar(-inf, inf)
        h.changeColCost(self.T, 1.0)
        unfixed = np.isnan(self.fixed)
        h.addRow(1.0, 1.0, self.T, np.arange(self.T, dtype=np.int32), unfixed.astype(float))
        for t in np.flatnonzero(~unfixed):
            h.changeColCost(int(t), -float(self.fixed[t]))
        return h

    @property
    def a(self) -> np.ndarray:
        """(m, T) weighted seats ``a_tj`` of the panels, in order."""
        return self._a[: len(self.panels)]

    def has(self, x: np.ndarray) -> bool:
        return np.asarray(x, dtype=np.int64).tobytes() in self._seen

    def add_panel(self, x: np.ndarray) -> None:
        x = np.asarray(x, dtype=np.int64)
        if self.has(x):
            return
        self._seen.add(x.tobytes())
        m = len(self.panels)
        if m == len(self._a):
            self._a = np.vstack([self._a, np.zeros_like(self._a)])
        self._a[m] = self.coef * x
        self.panels.append(x)
        nz = np.flatnonzero(x)
        idx = np.append(nz, self.T).astype(np.int32)
        val = np.append(self.coef[nz] * x[nz], -1.0)
        self._h.addRow(-highspy.kHighsInf, 0.0, len(idx), idx, val)

    def fix(self, types: np.ndarray, value: float) -> None:
        """Fix the weighted probability of these types at ``value`` (they leave the normalisation)."""
        for t in np.asarray(types, dtype=np.int64):
            self.fixed[t] = value
            self._h.changeCoeff(0, int(t), 0.0)
            self._h.changeColCost(int(t), -float(value))

    def _rows(self) -> sparse.csr_matrix:
        """Panel rows ``[a_j, -1]`` over the variables (y_0..y_{T-1}, yhat)."""
        a = sparse.csr_matrix(self.a)
        return sparse.hstack([a, -np.ones((a.shape[0], 1))], format="csr")

    def solve_maximin(self) -> tuple[float, np.ndarray, float]:
        """Solve the stage LP (warm start). Returns (z, y, yhat): z is the best minimum over the current panels."""
        h = self._h
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            h.clearSolver()  # a cold start resolves the rare warm-start failure
            h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                raise RuntimeError(f"master LP failed: {h.modelStatusToString(h.getModelStatus())}")
        sol = h.getSolution()
        x = np.array(sol.col_value)
        self._lam = np.maximum(-np.array(sol.row_dual)[1:], 0.0)
        return float(h.getInfo().objective_function_value), np.maximum(x[: self.T], 0.0), float(x[self.T])

    def solve_support(self, z: float, slack: float) -> tuple[np.ndarray, float]:
        """Among the duals within ``slack`` of the stage optimum ``z`` (normalised, sum_U y = 1), spread weight over
        as many unfixed types as possible: maximise sum_U min(y_t, 1/|U|). Returns (y, yhat)."""
        unfixed = np.isnan(self.fixed)
        U = np.flatnonzero(unfixed)
        cap = 1.0 / max(1, len(U))
        T, nu = self.T, len(U)
        rows = self._rows()
        panel_rows = sparse.hstack([rows, sparse.csr_matrix((rows.shape[0], nu))])
        # s_u - y_u <= 0
        link = sparse.hstack([-sparse.csr_matrix((np.ones(nu), (np.arange(nu), U)), shape=(nu, T)),
                              sparse.csr_matrix((nu, 1)), sparse.identity(nu)])
        opt = np.concatenate([np.where(unfixed, 0.0, -np.nan_to_num(self.fixed)), [1.0], np.zeros(nu)])[None, :]
        a_ub = sparse.vstack([panel_rows, link, sparse.csr_matrix(opt)], format="csr")
        b_ub = np.concatenate([np.zeros(rows.shape[0] + nu), [z + slack]])
        a_eq = np.concatenate([unfixed.astype(float), [0.0], np.zeros(nu)])[None, :]
        c = np.concatenate([np.zeros(T + 1), -np.ones(nu)])
        bounds = [(0, None)] * T + [(None, None)] + [(0, cap)] * nu
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs-ipm",
                      options={"time_limit": self.support_time})
        _check(res)
        return np.maximum(res.x[:T], 0.0), float(res.x[T])

    def lottery(self) -> np.ndarray:
        """Panel probabilities ``lam`` from the last maximin solve, cleaned to sum to 1."""
        lam = self._lam.copy()
        lam[lam < 1e-12] = 0.0
        return lam / lam.sum()


def _check(res) -> None:
    if res.status != 0:
        raise RuntimeError(f"master LP failed: {res.message}")
