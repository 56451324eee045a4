"""The master LP of column generation, in its dual form (new panels are new rows), solved with HiGHS.

Notation (per type t; ``a_tj = w_t * x_tj / c_t`` is the weighted selection probability a member of type t gets from
panel j): the maximin stage with some types fixed at values ``v_t`` is

    primal  max z  s.t.  sum_j lam_j a_tj >= z (t unfixed),  >= v_t (t fixed),  sum_j lam_j = 1,  lam >= 0
    dual    min yhat - sum_F v_t y_t  s.t.  sum_t a_tj y_t <= yhat (every panel j),  sum_U y_t = 1,  y >= 0.

The lottery ``lam`` is read back as the duals of the panel rows. HiGHS (through SciPy) is used rather than OR-Tools'
GLOP because GLOP stalled or returned ABNORMAL on these highly degenerate LPs in our runs; the LPs are rebuilt from
arrays each time, which costs milliseconds.
"""

import numpy as np
from scipy import sparse
from scipy.optimize import linprog


class DualMaster:
    """Dual master LP over the panels found so far, for one problem with T types."""

    def __init__(self, weight_per_seat: np.ndarray):
        self.coef = np.asarray(weight_per_seat, dtype=float)  # a_tj = coef_t * x_tj
        self.T = len(self.coef)
        self.panels: list[np.ndarray] = []
        self.fixed = np.full(self.T, np.nan)
        self._lam = np.zeros(0)
        self.support_time = 5.0  # seconds; the support LP is an optional speed-up, never needed for correctness

    def add_panel(self, x: np.ndarray) -> None:
        self.panels.append(np.asarray(x, dtype=np.int64))

    def fix(self, types: np.ndarray, value: float) -> None:
        """Fix the weighted probability of these types at ``value`` (they leave the normalisation)."""
        self.fixed[np.asarray(types, dtype=np.int64)] = value

    def _rows(self) -> sparse.csr_matrix:
        """Panel rows ``[a_j, -1]`` over the variables (y_0..y_{T-1}, yhat)."""
        a = sparse.csr_matrix(np.array(self.panels, dtype=float) * self.coef)
        return sparse.hstack([a, -np.ones((a.shape[0], 1))], format="csr")

    def solve_maximin(self) -> tuple[float, np.ndarray, float]:
        """Solve the stage LP. Returns (z, y, yhat): z is the best minimum over the current panels."""
        unfixed = np.isnan(self.fixed)
        c = np.append(np.where(unfixed, 0.0, -np.nan_to_num(self.fixed)), 1.0)
        rows = self._rows()
        a_eq = np.append(unfixed.astype(float), 0.0)[None, :]
        bounds = [(0, None)] * self.T + [(None, None)]
        res = linprog(c, A_ub=rows, b_ub=np.zeros(rows.shape[0]), A_eq=a_eq, b_eq=[1.0], bounds=bounds,
                      method="highs-ds")
        _check(res)
        self._lam = np.maximum(-res.ineqlin.marginals, 0.0)
        y = np.maximum(res.x[: self.T], 0.0)
        return float(res.fun), y, float(res.x[self.T])

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
