"""MINIMAX and GOLDILOCKS over types, by column generation (a master LP over the panels found, pricing by
:class:`selection.engine.pricing.Pricer`).

With ``pi_t = sum_j lam_j a_tj`` the (weighted) selection probability of a member of type t (``a_tj = w_t x_tj /
c_t``, seats per type ``x_tj`` of panel j) and ``f = k/n`` the equal share:

- **minimax** minimises ``max_t pi_t`` (Flanigan, Liang, Procaccia, Wang, AAAI 2024: the l-infinity objective, whose
  manipulability falls at the optimal rate O(1/n)); ties are broken by then maximising ``min pi`` among the
  lotteries whose largest probability is within ``tol`` of the minimum;
- **goldilocks** minimises ``GL_gamma = max_t pi_t / f + gamma * f / min_t pi_t`` (Baharav and Flanigan, "Fair,
  Manipulation-Robust, and Transparent Sortition", EC 2024; ``sortition-evidence.md`` 1.6). The minimum is taken
  over the types some feasible panel can hold (the paper's "covered agents"); the others have probability 0 under
  every lottery.

Column generation starts from the panels of the leximin engine's maximin lottery (:func:`leximin.solve`), which
already hold the largest floor.

Method. ``g(L) = min max pi s.t. min pi >= L`` is an LP in (lam, U) for each floor ``L``, convex and nondecreasing in
``L`` on ``[0, L_max]`` (``L_max`` = the maximin level), so ``h(L) = g(L)/f + gamma f / L`` is convex. Each ``g(L)``
is solved by column generation to a reduced-cost certificate (no panel prices below ``-tol``: then the LP over all
panels is within ``tol`` of the master's); the floor's dual is a subgradient of ``g``, which drives a safeguarded
search for the minimiser of ``h`` (bisection on the sign of the subgradient, with the exact minimiser of ``h`` on the
current linear piece of ``g`` as the trial point). Every solved ``L`` gives a tangent below ``g``; the lower bound
``stats["lower_bound"]`` is the minimum of ``h`` over the final bracket with ``g`` replaced by those tangents, so
``stats["certified_gap"] = objective - lower_bound`` bounds how far the lottery is from the Goldilocks optimum.

Units: probabilities in [0, 1]; ``objective`` is dimensionless (1 + gamma when everyone has exactly k/n).
"""

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from selection.engine import leximin
from selection.engine.leximin import Budget, Progress
from selection.engine.pricing import LinearPricer, Pricer
from selection.engine.swaps import SwapSearch
from selection.problem import SelectionProblem

BATCH = 8
"""Columns added per round from the swap heuristic (an improved panel and its improving neighbours)."""
MAX_SEARCH = 80
"""Trial floors of the Goldilocks search before it stops (the bracket halves at least every other trial)."""
SEARCH_TOL = 1e-7
"""The search stops when ``objective - lower_bound`` is below this (dimensionless, like the objective)."""


class Stopped(Exception):
    """The budget ran out in the middle of a column generation."""


@dataclass
class _Solution:
    lam: np.ndarray
    upper: float  # U, largest pi over all types
    lower: float  # L, smallest pi over the covered types
    value: float  # master objective
    omega: np.ndarray  # (T,) pricing weight per seat: reduced cost of panel x is omega @ x - mu
    mu: float
    floor_dual: float  # d value / d L when L is fixed (a subgradient of g)
    gap: float = 0.0  # certified: the LP over all panels is at most this much better than ``value``


@dataclass
class ColumnGeneration:
    """Panels found so far, the master LPs over them, and pricing. ``covered``: (T,) bool, types some panel holds."""

    problem: SelectionProblem
    tol: float = 1e-7
    budget: Budget | None = None
    progress: Progress | None = None
    panels: list = field(default_factory=list)
    rounds: int = 0

    def __post_init__(self):
        p = self.problem
        self.coef = p.type_weight / p.counts
        self.pricer, self.linear, self.swaps = Pricer(p), LinearPricer(p), SwapSearch(p)
        self._seen: set[bytes] = set()
        self.covered = self._cover()

    def add(self, x: np.ndarray) -> bool:
        x = np.asarray(x, dtype=np.int64)
        key = x.tobytes()
        if key in self._seen:
            return False
        self._seen.add(key)
        self.panels.append(x)
        return True

    def _cover(self) -> np.ndarray:
        """Find panels until every type is on one or proved on none: maximise the seats of the types not yet
        covered; an optimum of 0 proves that no feasible panel holds any of them (exact, one call per step)."""
        T = self.problem.n_types
        covered = np.zeros(T, dtype=bool)
        while not covered.all():
            x, bound = self.pricer.best((~covered).astype(float))
            if x is None or bound < 0.5:
                break
            self.add(x)
            covered |= x > 0
        return covered

    def master(self, minimise_upper: bool, floor: float | None = None, cap: float | None = None) -> _Solution:
        """Solve over the panels found. ``minimise_upper``: min U with L fixed at ``floor`` (0 when None);
        otherwise max L with U at most ``cap`` (no cap when None). One persistent HiGHS model, warm-started as
        panels (columns) are added; a fresh SciPy/HiGHS solve when the warm model does not report an optimum."""
        sol = self._warm(minimise_upper, floor, cap)
        return sol if sol is not None else self._cold(minimise_upper, floor, cap)

    def _warm(self, minimise_upper: bool, floor: float | None, cap: float | None) -> _Solution | None:
        """Columns: U, L, then lam_j; rows: a_t lam - U <= 0 (every t), L - a_t lam <= 0 (covered t), sum lam = 1."""
        import highspy

        inf, T = highspy.kHighsInf, self.problem.n_types
        C = np.flatnonzero(self.covered)
        if getattr(self, "_h", None) is None:
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            h.setOptionValue("threads", 1)
            h.setOptionValue("primal_feasibility_tolerance", 1e-9)
            h.setOptionValue("dual_feasibility_tolerance", 1e-9)
            h.addVars(2, np.zeros(2), np.full(2, inf))
            nr = T + len(C)
            starts = np.arange(nr + 1, dtype=np.int32)[:-1]
            idx = np.concatenate([np.zeros(T), np.ones(len(C))]).astype(np.int32)
            vals = np.concatenate([-np.ones(T), np.ones(len(C))])
            h.addRows(nr, np.full(nr, -inf), np.zeros(nr), nr, starts, idx, vals)
            h.addRow(1.0, 1.0, 0, np.zeros(0, dtype=np.int32), np.zeros(0))
            self._h, self._cols, self._lowrow = h, 0, np.full(T, -1)
            self._lowrow[C] = T + np.arange(len(C))
        h = self._h
        for x in self.panels[self._cols:]:
            a = self.coef * x
            t = np.flatnonzero(a)
            lt = t[self._lowrow[t] >= 0]
            rows = np.concatenate([t, self._lowrow[lt], [T + len(C)]]).astype(np.int32)
            vals = np.concatenate([a[t], -a[lt], [1.0]])
            h.addCol(0.0, 0.0, inf, len(rows), rows, vals)
        self._cols = len(self.panels)
        if minimise_upper:
            fl = 0.0 if floor is None else float(floor)
            h.changeColsCost(2, np.arange(2, dtype=np.int32), np.array([1.0, 0.0]))
            h.changeColsBounds(2, np.arange(2, dtype=np.int32), np.array([0.0, fl]), np.array([inf, fl]))
        else:
            h.changeColsCost(2, np.arange(2, dtype=np.int32), np.array([0.0, -1.0]))
            h.changeColsBounds(2, np.arange(2, dtype=np.int32), np.zeros(2),
                               np.array([inf if cap is None else float(cap), inf]))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            h.clearSolver()
            h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None
        sol = h.getSolution()
        x, y = np.array(sol.col_value), np.array(sol.row_dual)
        y_up, y_lo = y[:T], np.zeros(T)
        y_lo[C] = y[T:T + len(C)]
        lam = np.maximum(x[2:], 0.0)
        return _Solution(lam / lam.sum(), float(x[0]), float(x[1]), float(h.getInfo().objective_function_value),
                         self.coef * (y_lo - y_up), float(y[T + len(C)]), float(-y_lo.sum()))

    def _cold(self, minimise_upper: bool, floor: float | None, cap: float | None) -> _Solution:
        A = np.array(self.panels, dtype=float) * self.coef  # (m, T) a_tj
        m, T = A.shape
        C = np.flatnonzero(self.covered)
        row_of = np.full(T, -1)
        row_of[C] = T + np.arange(len(C))
        j, t = np.nonzero(A)
        low = row_of[t] >= 0
        rows = np.concatenate([t, row_of[t[low]], np.arange(T), T + np.arange(len(C))])
        cols = np.concatenate([j, j[low], np.full(T, m), np.full(len(C), m + 1)])
        vals = np.concatenate([A[j, t], -A[j[low], t[low]], -np.ones(T), np.ones(len(C))])
        a_ub = sparse.csr_matrix((vals, (rows, cols)), shape=(T + len(C), m + 2))
        c = np.zeros(m + 2)
        if minimise_upper:
            c[m] = 1.0
            fl = 0.0 if floor is None else float(floor)
            bounds = [(0, None)] * m + [(0, None), (fl, fl)]
        else:
            c[m + 1] = -1.0
            bounds = [(0, None)] * m + [(0, None if cap is None else float(cap)), (0, None)]
        res = linprog(c, A_ub=a_ub, b_ub=np.zeros(T + len(C)), A_eq=np.concatenate([np.ones(m), [0, 0]])[None, :],
                      b_eq=[1.0], bounds=bounds, method="highs")
        if res.status != 0:
            raise RuntimeError(f"goldilocks master LP failed: {res.message}")
        y = res.ineqlin.marginals
        y_up, y_lo = y[:T], np.zeros(T)
        y_lo[C] = y[T:]
        lam = np.maximum(res.x[:m], 0.0)
        return _Solution(lam / lam.sum(), float(res.x[m]), float(res.x[m + 1]), float(res.fun),
                         self.coef * (y_lo - y_up), float(res.eqlin.marginals[0]), float(-y_lo.sum()))

    def solve(self, minimise_upper: bool, floor: float | None = None, cap: float | None = None) -> _Solution:
        """Column generation for :meth:`master` until no panel has reduced cost below ``-tol`` (certified by the
        LP relaxation's or CBC's proven bound); raises :class:`Stopped` when the budget runs out."""
        k = self.problem.k
        while True:
            sol = self.master(minimise_upper, floor, cap)
            shift = max(float(sol.omega.max()), 0.0)
            w = shift - sol.omega  # >= 0; maximising w @ x minimises omega @ x (every panel has k seats)
            x, bound = self.linear.best(w)
            if x is not None and shift * k - float(w @ x) - sol.mu < -self.tol and self.add(x):
                self._spend(sol)
                continue
            gap = -(shift * k - bound - sol.mu)
            if gap > self.tol and self._swapped(sol, w, shift * k - sol.mu + self.tol):
                self._spend(sol)
                continue
            if gap > self.tol:
                x, bound = self.pricer.best(w)
                gap = -(shift * k - bound - sol.mu)
                if gap > self.tol and x is not None and self.add(x):
                    self._spend(sol)
                    continue
            sol.gap = max(gap, 0.0)
            return sol

    def _swapped(self, sol: _Solution, w: np.ndarray, floor: float) -> bool:
        """Add panels with ``w @ x > floor`` (negative reduced cost) found by swaps from the three heaviest panels of
        the master's lottery, and their improving neighbours; True when any was new."""
        added = False
        for j in np.argsort(-sol.lam, kind="stable")[:3]:
            x = self.swaps.improve(self.panels[j], w)
            if float(w @ x) > floor:
                for y in [x, *self.swaps.neighbours(x, w, floor, BATCH)]:
                    added |= self.add(y)
            if added:
                return True
        return added

    def _spend(self, sol: _Solution) -> None:
        self.rounds += 1
        if self.progress:
            self.progress("goldilocks", self.rounds, 0, sol.value)
        if self.budget is not None and self.budget.spend():
            raise Stopped


def _probabilities(cg: ColumnGeneration, lam: np.ndarray) -> np.ndarray:
    return cg.coef * (lam @ np.array(cg.panels, dtype=float)[: len(lam)])


def goldilocks_value(pi: np.ndarray, covered: np.ndarray, fair: float, gamma: float) -> float:
    """``max pi / fair + gamma * fair / min pi`` (min over ``covered``; inf when one of them has 0)."""
    low = float(pi[covered].min())
    return float(pi.max()) / fair + (gamma * fair / low if low > 0 else (np.inf if gamma > 0 else 0.0))


def _min_h(alpha: float, beta: float, a: float, b: float, fair: float, gamma: float) -> float:
    """Exact minimum over L in [a, b] (0 <= a < b) of ``(alpha + beta L) / fair + gamma fair / L``."""
    star = b if beta <= 0 else min(max(fair * np.sqrt(gamma / beta), a), b)
    star = max(star, 1e-300)
    return (alpha + beta * star) / fair + gamma * fair / star


def solve(problem: SelectionProblem, kind: str = "goldilocks", gamma: float = 1.0, tol: float = 1e-6, seed: int = 0,
          progress: Progress | None = None, budget: Budget | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Minimax (``kind="minimax"``) or Goldilocks with ``gamma`` >= 0 over types.

    Returns (panels as an (m, T) array of seats per type, their probabilities (m,), stats). Every panel is feasible
    and the probabilities sum to 1. ``stats``: ``objective`` (max pi for minimax, GL_gamma for goldilocks),
    ``lower_bound`` and ``certified_gap`` (the optimum is at least ``lower_bound``; probability units for minimax,
    dimensionless for goldilocks), ``max_probability``, ``min_probability`` (over the types a panel can hold),
    ``tie_break`` (minimax), ``rounds`` (columns added), ``pricing_calls``, ``uncovered_types``. With a ``budget`` that
    runs out: the best lottery so far and ``stats["partial"]`` (``level``: its objective, ``bound``: how far from
    optimal it may be, ``rounds``: repeat the stop exactly with ``Budget(rounds=...)``). ``seed`` is unused.
    """
    del seed
    if kind not in ("minimax", "goldilocks"):
        raise ValueError(f"unknown kind {kind}")
    if not (gamma >= 0 and np.isfinite(gamma)):
        raise ValueError("gamma must be a finite number >= 0")
    fair = problem.k / problem.n
    cg = ColumnGeneration(problem, tol=min(tol, 1e-7), budget=budget, progress=progress)
    for x in leximin.solve(problem, kind="maximin", budget=budget)[0]:
        # the leximin engine's maximin lottery (its peel: 1.3 s on syn_n1000) as the first columns; from the covering
        # panels alone, column generation took 1,201 rounds and 398 s to reach the maximin level there, and 7 s from
        # these. Only the start changes: every solve below still ends on its own reduced-cost certificate. It spends
        # the same budget (its rounds count, and a deadline covers it), so a time limit holds and a stop repeats.
        cg.add(x)
    state = {"best": None, "value": np.inf, "bound": 0.0}

    def offer(sol: _Solution, value: float) -> None:
        if value < state["value"]:
            state["best"], state["value"] = sol.lam.copy(), value

    stats: dict = {"method": "column generation (master LP + CBC pricing)", "gamma": gamma if kind == "goldilocks"
                   else None, "uncovered_types": int((~cg.covered).sum())}
    stopped = False
    try:
        if kind == "minimax":
            first = cg.solve(True)
            offer(first, first.value)
            state["bound"] = first.value - first.gap
            tie = cg.solve(False, cap=first.value * (1 + 1e-9) + 1e-12)
            offer(tie, -np.inf)  # same largest probability (within tol), larger smallest: preferred
            stats["tie_break"] = "largest probability minimised, then the smallest maximised"
        else:
            _goldilocks(cg, fair, gamma, state, offer, stats)
    except Stopped:
        stopped = True
        if state["best"] is None:
            lam = np.zeros(len(cg.panels))
            lam[0] = 1.0
            state["best"] = lam
    lam = state["best"]
    pi = _probabilities(cg, lam)
    value = float(pi.max()) if kind == "minimax" else goldilocks_value(pi, cg.covered, fair, gamma)
    gap = max(0.0, value - state["bound"])
    stats.update({"objective": value, "lower_bound": state["bound"], "certified_gap": gap,
                  "max_probability": float(pi.max()), "min_probability": float(pi[cg.covered].min()),
                  "rounds": cg.rounds, "panels_generated": len(cg.panels),
                  "pricing_calls": cg.pricer.calls, "lp_pricing_calls": cg.linear.calls,
                  "certified_tolerance": gap if kind == "minimax" else gap * fair})
    if budget is not None:
        stats["rounds_used"] = budget.used
        if stopped:
            stats["partial"] = {"level": value, "bound": gap, "rounds": budget.used, "stages_completed": 0}
    panels = np.array(cg.panels)[: len(lam)]
    keep = lam > 1e-12
    return panels[keep], lam[keep] / lam[keep].sum(), stats


def _goldilocks(cg: ColumnGeneration, fair: float, gamma: float, state: dict, offer, stats: dict) -> None:
    """The search over the floor L described in the module docstring; fills ``state`` (best lottery, its value and
    the lower bound) and ``stats["search"]``."""

    def h_of(sol: _Solution) -> float:
        return goldilocks_value(_probabilities(cg, sol.lam), cg.covered, fair, gamma)

    top = cg.solve(False)  # maximin: the largest floor
    l_max = top.value * -1.0
    if l_max <= 0:
        raise RuntimeError("goldilocks: a type some panel holds cannot reach a positive probability")
    offer(top, h_of(top))
    tangents = []  # (L, g(L) - gap, subgradient)

    def trial(level: float) -> float:
        sol = cg.solve(True, floor=level)
        offer(sol, h_of(sol))
        tangents.append((level, sol.value - sol.gap, sol.floor_dual))
        return sol.floor_dual / fair - gamma * fair / level ** 2 if level > 0 else -np.inf

    base = cg.solve(True)  # minimax: g(0), with the slope at 0
    tangents.append((0.0, base.value - base.gap, base.floor_dual))
    offer(base, h_of(base))
    lo, hi = 0.0, l_max
    slope_hi = trial(hi)
    trials = 1
    if gamma == 0:
        lo = hi = 0.0
    elif slope_hi <= 0:
        lo = hi
    while hi - lo > 0 and trials < MAX_SEARCH:
        state["bound"] = _bound(tangents, lo, hi, fair, gamma)
        if state["value"] - state["bound"] <= SEARCH_TOL:
            break
        _, _, beta = max((t for t in tangents if t[0] <= lo), key=lambda t: t[0])
        guess = fair * np.sqrt(gamma / beta) if beta > 0 else hi
        mid = guess if lo + 0.05 * (hi - lo) < guess < hi - 0.05 * (hi - lo) and trials % 2 else (lo + hi) / 2
        slope = trial(mid)
        trials += 1
        if slope > 0:
            hi = mid
        elif slope < 0:
            lo = mid
        else:
            lo = hi = mid
    state["bound"] = _bound(tangents, lo, hi, fair, gamma) if hi > lo else \
        min(_bound(tangents, lo, lo * (1 + 1e-12) + 1e-15, fair, gamma), state["value"])
    stats["search"] = {"trials": trials, "floor_bracket": [lo, hi], "maximin_level": l_max,
                       "minimax_level": base.value}


def _bound(tangents: list, lo: float, hi: float, fair: float, gamma: float) -> float:
    """Lower bound on min over L in [lo, hi] of h(L), with g replaced by the upper envelope of its tangents
    (each ``g(L) >= g_i + beta_i (L - L_i)``): split [lo, hi] where the envelope changes line, minimise exactly."""
    lines = [(g - b * level, b) for level, g, b in tangents]
    cuts = {lo, hi}
    for i, (a1, b1) in enumerate(lines):
        for a2, b2 in lines[i + 1:]:
            if b1 != b2:
                x = (a2 - a1) / (b1 - b2)
                if lo < x < hi:
                    cuts.add(x)
    pts = sorted(cuts)
    best = np.inf
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        mid = (a + b) / 2
        alpha, beta = max(lines, key=lambda ln: ln[0] + ln[1] * mid)
        best = min(best, _min_h(alpha, beta, a, b, fair, gamma))
    return float(best)
