"""The LP relaxation of the panel hull, and the leximin over it.

Write Q for the convex hull of the feasible panels' seat-per-type vectors (the marginals any lottery over panels can
reach) and P for its LP relaxation: ``0 <= x_t <= c_t``, ``sum x = k``, ``lo_f <= sum_{t in f} x_t <= hi_f``,
``sum_{t in g} x_t <= 1`` per household group, plus any valid cuts ``a . x <= b`` added later. Q lies inside P, so the
leximin over P is lexicographically at least the leximin over Q, and when the leximin point of P lies in Q it *is*
the leximin of Q. P has T variables and a few dozen rows, so its leximin is a sequence of small LPs with no pricing.

Values are weighted selection probabilities ``v_t = coef_t * x_t`` with ``coef_t = w_t / c_t``; the caller scales
``coef`` so that the largest weight is 1 (values are then probabilities, in [0, 1]).
"""

import highspy
import numpy as np

from selection.engine.constraints import add_relaxed_rows
from selection.problem import SelectionProblem

LIFT = 1e-8
"""A type whose value can rise by more than this (probability units) above its level is not stuck there."""
SLACK = 1e-10
RETRIES = ((1e-10, "simplex"), (1e-9, "simplex"), (1e-8, "simplex"), (1e-9, "ipm"))
"""(tolerance, method) tried in turn, cold, when HiGHS does not report an optimum."""
"""Fixed types are held at their level minus this, so that rounding in the LP never makes a stage infeasible."""


class Relaxation:
    """P as a HiGHS model, warm-started level to level. Columns: ``x_t`` (T), the level ``z``, lifts ``s_t`` (T). Rows: one level row
    per type (``coef_t x_t - z - s_t >= 0`` while free; ``coef_t x_t >= v_t`` once fixed), size, quota rows,
    household rows, then cuts."""

    def __init__(self, problem: SelectionProblem, coef: np.ndarray):
        self.problem, self.coef, self.T = problem, np.asarray(coef, dtype=float), problem.n_types
        self.cuts: list[tuple[np.ndarray, float]] = []
        self.lps = self.retries = 0
        self.tolerance = LIFT + 2 * SLACK  # how far a stuck type's level can lie below its true optimum

    def _build(self) -> None:
        """A fresh model of P with the cuts so far. Rebuilt for every leximin: re-using one model across cut rounds
        left HiGHS calling feasible LPs infeasible (seen on newdemocracy_hh_29 after five cuts)."""
        problem, T = self.problem, self.T
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("primal_feasibility_tolerance", 1e-10)
        h.setOptionValue("dual_feasibility_tolerance", 1e-10)
        inf = highspy.kHighsInf
        h.addVars(T, np.zeros(T), problem.counts.astype(float))
        h.addVar(-inf, inf)
        h.addVars(T, np.zeros(T), np.zeros(T))
        z, s = T, np.arange(T + 1, 2 * T + 1, dtype=np.int32)
        for t in range(T):
            h.addRow(0.0, inf, 3, np.array([t, z, s[t]], dtype=np.int32), np.array([self.coef[t], -1.0, -1.0]))
        add_relaxed_rows(h, problem, self.cuts)  # rows T .. : size, quotas, households, cuts
        self.h, self.z, self.s = h, z, s

    def add_cut(self, a: np.ndarray, b: float) -> None:
        """Add the valid inequality ``a . x <= b`` (every feasible panel meets it)."""
        self.cuts.append((np.asarray(a, dtype=float), float(b)))

    def _run(self) -> np.ndarray:
        """Solve. HiGHS' simplex at these tight tolerances sometimes calls a feasible, degenerate LP infeasible
        (seen at 1e-9 on syn_n2000, at 1e-10 on sim panels); then retry cold at other tolerances, then with the
        interior point method. The tolerance used last is what a level is exact to (at most 1e-7, inside LIFT's
        margin only at 1e-10 and 1e-9; looser retries are rare and reported in ``retries``)."""
        h = self.h
        self.lps += 1
        h.run()
        for tol, solver in RETRIES:
            if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                break
            self.retries += 1
            h.clearSolver()
            h.setOptionValue("primal_feasibility_tolerance", tol)
            h.setOptionValue("dual_feasibility_tolerance", tol)
            h.setOptionValue("solver", solver)
            h.run()
        h.setOptionValue("primal_feasibility_tolerance", 1e-10)
        h.setOptionValue("dual_feasibility_tolerance", 1e-10)
        h.setOptionValue("solver", "choose")
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"relaxed leximin LP failed: {h.modelStatusToString(h.getModelStatus())}")
        return np.array(h.getSolution().col_value)

    def leximin(self, progress=None) -> tuple[np.ndarray, np.ndarray]:
        """The leximin point of P: (values v (T,), the level index of each type). ``x* = v / coef``.

        Each level maximises the lowest value among the free types; a type is stuck at that level when it has a
        positive dual there (tight in every optimum) or when a release LP cannot lift it, with every other free type
        kept at or above the level. Stuck types are fixed and the next level starts.

        Also sets ``point`` (seats per type): a point of P to the LP's row tolerance (1e-10) whose values lie as close
        to the returned ones as HiGHS can hold them (:meth:`_polish`); ``v / coef`` meets P's rows only to about
        ``T * 1e-10``, which stalls the peel (:mod:`selection.engine.peel`)."""
        self._build()
        h, T, z = self.h, self.T, self.z
        inf = highspy.kHighsInf
        free = np.ones(T, dtype=bool)
        value, level = np.zeros(T), np.full(T, -1)
        n_levels = 0
        while free.any():
            h.changeColBounds(z, -inf, inf)
            h.changeColCost(z, -1.0)
            h.changeColsBounds(T, self.s, np.zeros(T), np.zeros(T))
            h.changeColsCost(T, self.s, np.zeros(T))
            x = self._run()
            zstar = float(x[z])
            dual = np.array(h.getSolution().row_dual)[:T]
            # stuck: a positive dual (tight in every optimum), or already at the most its count allows
            stuck = free & ((np.abs(dual) > 1e-9) | (self.coef * self.problem.counts <= zstar + LIFT))
            cand = free & ~stuck
            # release: with z held at the level, lift as many candidates as possible by up to `cap`
            h.changeColBounds(z, zstar - SLACK, zstar - SLACK)
            h.changeColCost(z, 0.0)
            cap = max(1e-4, 1e-2 * zstar)
            while cand.any():
                idx = self.s[cand]
                h.changeColsBounds(len(idx), idx, np.zeros(len(idx)), np.full(len(idx), cap))
                h.changeColsCost(len(idx), idx, np.full(len(idx), -1.0))
                try:
                    x = self._run()
                except RuntimeError:  # numerically stuck LP: leave the candidates free (the safe side: a
                    break             # type left free is caught by its dual at the next level if it is stuck)
                lifted = cand & (x[self.s] - SLACK > LIFT)
                h.changeColsBounds(len(idx), idx, np.zeros(len(idx)), np.zeros(len(idx)))
                h.changeColsCost(len(idx), idx, np.zeros(len(idx)))
                if not lifted.any():
                    stuck |= cand
                    break
                cand &= ~lifted
            if not stuck.any():  # numerically flat level: fix the lowest free type so the loop always ends
                stuck[np.flatnonzero(free)[np.argmin(self.coef[free] * x[:T][free])]] = True
            for t in np.flatnonzero(stuck):
                h.changeCoeff(int(t), z, 0.0)
                h.changeRowBounds(int(t), zstar - SLACK, inf)
            value[stuck], level[stuck] = zstar, n_levels
            free &= ~stuck
            n_levels += 1
            if progress:
                progress(T - int(free.sum()), T, zstar)
        self.point = self._polish(value, x[:T])
        return value, level

    def _polish(self, value: np.ndarray, x: np.ndarray) -> np.ndarray:
        """A point of P whose values lie within 1e-9 of ``value`` (1e-8, 1e-7 if that is infeasible to HiGHS; the
        last LP's ``x`` if neither is): a type stuck by a small dual can stand up to ``SLACK / dual`` above its
        level in the last LP, measured 3e-7 on syn_n1000."""
        h, T = self.h, self.T
        rows = np.arange(T, dtype=np.int32)
        h.changeColCost(self.z, 0.0)
        for width in (1e-9, 1e-8, 1e-7):
            h.changeRowsBounds(T, rows, value - SLACK, value + width)
            self.lps += 1
            h.run()
            if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                x = np.array(h.getSolution().col_value)[:T]
                break
        return np.clip(x, 0.0, self.problem.counts)
