"""Write a point of the panel hull as a lottery over panels, or prove it lies outside and return a separating cut.

Given a target ``x*`` (seats per type, ``sum x* = k``), the master LP of :mod:`selection.engine.master` with weights
``1 / x*_t`` finds, over the panels found so far, the lottery that maximises ``z = min_t E[x_t] / x*_t``. Since every
panel has k seats, ``z <= 1``, with equality exactly when the lottery's expected panel *is* ``x*``: ``z = 1`` means
``x*`` is decomposed. Its dual ``y >= 0`` (``sum y = 1``) prices new panels: a panel with ``sum_t y_t x_t / x*_t > z``
raises z. Panels come first from the swap heuristic (cheap, several per round); only when it finds none is the exact
integer pricing called, which also proves ``D(y) >= max over ALL panels of sum_t y_t x_t / x*_t``, so that the true
optimum lies in ``[z, D(y)]``. A proven ``D(y) < 1`` means ``x*`` is outside the hull of all panels, and
``sum_t (y_t / x*_t) x_t <= D(y)`` is a valid inequality that ``x*`` violates (``x*`` gives 1): the cut.

Dual stabilisation (Wentges): exact pricing uses a mix of the LP dual and the dual with the best proven bound so far.
Types with ``x*_t = 0`` are held at 0 (every panel then has 0 seats there, since the target comes from a relaxation
that forces it). Types are in the master's weight units: ``a_tj = x_tj / x*_t``.
"""

from dataclasses import dataclass

import numpy as np

from selection.engine.master import DualMaster
from selection.engine.pricing import LinearPricer, Pricer
from selection.engine.swaps import SwapSearch
from selection.problem import SelectionProblem

EXACT = 1e-9
VIOLATION = 1e-10
"""A panel raises the master's ratio only if it beats the current one by more than this (the LP's own tolerance)."""
ZERO = 1e-9
"""Target seats at or below this count as 0 (their type is held at 0)."""
"""``z >= 1 - EXACT`` counts as decomposed (the lottery's expected seats are within ``EXACT * x*_t`` of ``x*``)."""


@dataclass
class Outcome:
    """``z``: the lowest ratio ``E[x_t] / x*_t`` reached (1 = decomposed); ``panels`` (m, T), ``lam`` (m,): the
    master's lottery; ``cut``: (a, b) with ``a . x <= b`` for every panel and ``a . x* > b``, when ``x*`` was proved
    outside the hull; ``stopped``: the budget ran out first."""

    z: float
    panels: np.ndarray
    lam: np.ndarray
    cut: tuple[np.ndarray, float] | None
    stopped: bool = False


class Decomposer:
    """Keeps every panel found across targets (a new target re-weights the same columns)."""

    def __init__(self, problem: SelectionProblem, batch: int = 8):
        self.problem, self.batch = problem, batch
        self.swaps, self.linear = SwapSearch(problem), LinearPricer(problem)
        self.pricer = Pricer(problem)
        self.panels: list[np.ndarray] = []
        self.rounds = self.exact_calls = 0

    def _master(self, target: np.ndarray, face) -> DualMaster:
        zero = target <= 0.0
        master = DualMaster(np.where(zero, 1.0, 1.0 / np.maximum(target, 1e-300)))
        if zero.any():
            master.fix(np.flatnonzero(zero), 0.0)
        if self.panels and face is None:
            for x in self.panels:
                master.add_panel(x)
        elif self.panels:  # keep the columns on the target's face
            lo, hi, type_lo, type_hi = face
            a = np.array(self.panels)
            seats = a @ self.problem.type_matrix().T
            ok = np.all((a >= type_lo) & (a <= type_hi), axis=1) & np.all((seats >= lo) & (seats <= hi), axis=1)
            for j in np.flatnonzero(ok):
                master.add_panel(self.panels[j])
        return master

    def _add(self, master: DualMaster, x: np.ndarray) -> None:
        if not master.has(x):
            master.add_panel(x)
            self.panels.append(x)

    def _heuristic(self, master: DualMaster, y: np.ndarray, z: float, starts: int = 3) -> list[np.ndarray]:
        """Panels with ``sum_t coef_t y_t x_t > z`` near the best current ones: swap-improved, plus their improving
        single-swap neighbours, best first."""
        w = master.coef * y
        floor = z + VIOLATION
        found: dict[bytes, tuple[float, np.ndarray]] = {}
        for j in np.argsort(-(master.a @ y))[:starts]:
            x = self.swaps.improve(master.panels[j], w)
            for cand in [x, *self.swaps.neighbours(x, w, floor, self.batch)]:
                v = float(w @ cand)
                if v > floor and not master.has(cand):
                    found.setdefault(cand.tobytes(), (v, cand))
        return [x for _, x in sorted(found.values(), key=lambda e: -e[0])[: self.batch]]

    def _restrict(self, face) -> None:
        """Price on ``face`` only (None: every panel)."""
        p = self.problem
        full = (p.lo, p.hi, np.zeros(p.n_types, dtype=np.int64), p.counts)
        self.pricer = Pricer(p)
        if face is not None:
            self.pricer.restrict(*face)
        self.linear.restrict(*(face or full))
        self.swaps.restrict(*(face or full))

    def run(self, target: np.ndarray, spend=None, progress=None, floor_only: bool = False) -> Outcome:
        """Decompose ``target`` or cut it off (see the module docstring). ``spend()``, called once per round, returns
        True to stop early (``stopped`` is then set and ``z`` is the ratio reached). ``progress(rounds, z)`` is
        called every 10 rounds.

        Pricing is first restricted to the smallest face of the relaxation holding the target (a lottery with
        expected seats ``target`` uses only panels there, so nothing is lost when the target is in the hull). If the
        face's panels cannot reach the target, the target is outside the hull; pricing then opens to every panel, so
        that the cut returned is valid for all of them.

        ``floor_only``: ``target`` is a floor to reach, not a point (maximin: every type at least the relaxation's
        lowest level; ``sum target < k``). Then ``z = 1`` means every type reaches its floor, pricing is never
        restricted, and the cut ``a . x <= b`` holds for every panel while every point above the floor breaks it."""
        target = np.where(target > ZERO, np.asarray(target, dtype=float), 0.0)
        face = None if floor_only else _face(self.problem, target)
        self._restrict(face)
        master = self._master(target, face)
        if not master.panels:
            first, _ = self.pricer.best(target)
            if first is None:  # no panel on the face: open up
                face = None
                self._restrict(None)
                first, _ = self.pricer.best(target)
            self._add(master, first)
        while True:
            self.rounds += 1
            z, y, _ = master.solve_maximin()
            free = np.isnan(master.fixed)
            y = np.where(free, y / max(y[free].sum(), 1e-300), 0.0)
            if z >= 1.0 - EXACT:
                return self._outcome(master, z, None)
            if spend is not None and spend():
                return self._outcome(master, z, None, stopped=True)
            if progress is not None and self.rounds % 10 == 0:
                progress(self.rounds, z)
            w = master.coef * y
            floor = z + VIOLATION
            x, _ = self.linear.best(w)
            if x is not None and float(w @ x) > floor and not master.has(x):
                new = [x, *self.swaps.neighbours(x, w, floor, self.batch)]
            else:
                new = self._heuristic(master, y, z)
            new = [x for x in new if not master.has(x)]
            if not new:
                self.exact_calls += 1
                best, bound = self.pricer.best(w, hint=master.panels[-1])
                if best is None or float(w @ best) <= floor or master.has(best):  # the master is optimal
                    if z >= 1.0 - 1e-7:
                        return self._outcome(master, z, None)
                    if face is not None:  # outside the hull: open pricing to every panel for a valid cut
                        face = None
                        self._restrict(None)
                        continue
                    # weights below 1e-9 of the largest are LP noise that only hurts the relaxation's LPs;
                    # dropping them keeps the cut valid (every x >= 0) and still breaks the target
                    a = w / float(w.max())
                    a[a < 1e-9] = 0.0
                    return self._outcome(master, z, (a, max(bound, z) / float(w.max()) + 1e-12))
                new = [best, *self.swaps.neighbours(best, w, floor, self.batch)]
            for x in new:
                self._add(master, x)

    @staticmethod
    def _outcome(master: DualMaster, z: float, cut, stopped: bool = False) -> Outcome:
        lam = master.lottery()
        keep = lam > 0
        return Outcome(z, np.array(master.panels)[keep], lam[keep], cut, stopped)


def _face(problem: SelectionProblem, target: np.ndarray, tol: float = 1e-7):
    """The smallest face of the panel polytope's relaxation holding ``target``: quota rows it meets at a bound are
    held there, types at 0 or at their count are held there. Every panel of a lottery with expected seats ``target``
    lies on that face. Returns (lo, hi, type_lo, type_hi)."""
    seats = problem.type_matrix() @ target
    lo, hi = problem.lo.copy(), problem.hi.copy()
    lo[seats >= problem.hi - tol] = problem.hi[seats >= problem.hi - tol]
    hi[seats <= problem.lo + tol] = problem.lo[seats <= problem.lo + tol]
    full = target >= problem.counts - tol
    type_lo = np.where(full, problem.counts, 0)
    type_hi = np.where(target <= tol, 0, problem.counts)
    return lo, hi, type_lo, type_hi
