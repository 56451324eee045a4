"""Write a point of the relaxed panel hull as a lottery over panels by peeling panels off it (Carathéodory).

Given a target ``x*`` of P (seats per type, :mod:`selection.engine.hull`), keep a remainder ``R`` (seats) with mass
``M`` (probability), starting at ``R = x*``, ``M = 1``, so that ``x* = sum_j alpha_j v_j + R`` and ``R / M`` is a
point of P. Each step finds a panel ``v`` on the smallest face of P holding ``R / M`` and takes the largest
``alpha <= M`` that keeps ``(R - alpha v) / (M - alpha)`` in P (a ratio test). The constraint that stops ``alpha``
becomes tight, so the face loses a dimension: at most ``dim P + 1`` steps, each one or two LPs (when an LP optimum on
the face is a panel) or, when both are fractional, one MIP (CBC). When the remainder's face has no panel
(P is larger than the panel hull there) the peel stops with the remainder left: the caller finishes it another way
(:func:`selection.engine.leximin._finish`: column generation on an earlier remainder, kept in ``trail``).

Faces only shrink: a constraint tight at the remainder is tight at every later panel and remainder, so the tight set
is kept and grown by the ratio tests, not re-detected with a tolerance (only the target's own face is detected, with
``DETECT``). Deterministic: the same problem and target give the same panels.
"""

from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy import sparse

from selection.engine.constraints import SOLVED, add_relaxed_rows, exact_params
from selection.problem import SelectionProblem

DETECT = 1e-8
"""A constraint of the target within this many seats of its bound is tight (the target comes from an LP solved to
1e-10 in probability, so about 1e-10 * count seats off)."""
DONE = 1e-13
"""A remainder of at most this mass is absorbed into the last panel (probability units)."""


@dataclass
class Peel:
    """``panels`` (m, T) and ``mass`` (m,) peeled so far; ``rest``/``rest_mass``: the remainder ``R`` and ``M``
    (``x* = mass @ panels + rest``); ``trail``: (remainder, mass, number of panels) before each step, for
    backtracking; ``lps``, ``mips``: solves used; ``stopped``: the
    budget ran out; ``redone``: the last steps replaced by column generation (0: none;
    :func:`selection.engine.leximin._finish`)."""

    panels: list = field(default_factory=list)
    mass: list = field(default_factory=list)
    rest: np.ndarray | None = None
    rest_mass: float = 1.0
    trail: list = field(default_factory=list)
    lps: int = 0
    mips: int = 0
    stopped: bool = False
    redone: int = 0


class Peeler:
    """P's constraints as rows ``L <= A x <= U`` (types, size, quotas, households, cuts) and one HiGHS LP over them,
    plus a MIP copy for the steps where no LP vertex tried is integral."""

    def __init__(self, problem: SelectionProblem, cuts: list[tuple[np.ndarray, float]] = ()):
        self.problem, self.T = problem, problem.n_types
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.addVars(self.T, np.zeros(self.T), problem.counts.astype(float))
        add_relaxed_rows(h, problem, cuts)  # the one definition of P's rows (constraints.py)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        lp = h.getLp()
        m = lp.a_matrix_
        shape = (lp.num_row_, lp.num_col_)
        parts = (np.array(m.value_), np.array(m.index_), np.array(m.start_))
        rows = sparse.csr_matrix(parts, shape=shape) if m.format_ == highspy.MatrixFormat.kRowwise else \
            sparse.csc_matrix(parts, shape=shape).tocsr()
        # A: one row per type (its bounds), then the LP's rows in order
        self.A = sparse.vstack([sparse.identity(self.T, format="csr"), rows], format="csr")
        self.L = np.concatenate([lp.col_lower_, lp.row_lower_]).astype(float)
        self.U = np.concatenate([lp.col_upper_, lp.row_upper_]).astype(float)
        self.lp, self.mip = h, None
        self.mips, self.spend, self.progress, self.enough = 0, None, None, DONE

    def _bounds(self, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of every row of A on the face: tight rows held at their bound."""
        return np.where(high, self.U, self.L), np.where(low, self.L, self.U)

    def _face(self, h: highspy.Highs, low: np.ndarray, high: np.ndarray) -> None:
        """Hold the tight constraints at their bound in the LP (rows T.. of A are its rows in order)."""
        T = self.T
        lo, hi = self._bounds(low, high)
        h.changeColsBounds(T, np.arange(T, dtype=np.int32), lo[:T], hi[:T])
        n = len(self.L) - T
        inf = highspy.kHighsInf
        h.changeRowsBounds(n, np.arange(n, dtype=np.int32), np.where(np.isinf(lo[T:]), -inf, lo[T:]),
                           np.where(np.isinf(hi[T:]), inf, hi[T:]))

    def _vertex(self, h: highspy.Highs, w: np.ndarray) -> tuple[np.ndarray | None, bool]:
        """Maximise ``w . x`` over the face in the LP: (its optimum when it is a panel, else None; whether the face
        is non-empty)."""
        h.changeColsCost(self.T, np.arange(self.T, dtype=np.int32), w)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None, False
        x = np.array(h.getSolution().col_value)
        r = np.rint(x)
        return (r.astype(np.int64) if np.abs(x - r).max() <= 1e-7 else None), True

    def _panel(self, low: np.ndarray, high: np.ndarray, w: np.ndarray, hint: np.ndarray | None) -> np.ndarray | None:
        """Any panel on the face (CBC, first feasible solution; measured 5x faster than HiGHS' MIP on these faces),
        or None when the face holds none."""
        if self.mip is None:
            self.mip = _FaceMip(self)
        self.mips += 1
        return self.mip.solve(*self._bounds(low, high), w, hint)

    def run(self, target: np.ndarray, seed: int = 0, spend=None, progress=None, enough: float = DONE) -> Peel:
        """Peel ``target`` (seats per type, a point of P) into panels; see the module docstring.

        ``spend()``, called before every step after the first, returns True to stop (``stopped`` is then set; the
        panels so far are returned). ``progress(steps, share)`` every 10 steps, ``share``: the mass peeled.
        ``enough``: stop once at most this mass is left (probability units; the caller spreads it over the panels,
        which moves no selection probability by more than it; the last 15% of the steps peel the last 5e-8)."""
        self.enough = max(float(enough), DONE)
        self.spend, self.progress = spend, progress
        R = np.asarray(target, dtype=float).copy()
        Ax = self.A @ R
        low = np.isfinite(self.L) & (Ax - self.L <= DETECT)
        high = (Ax >= self.U - DETECT) & ~low
        R = self._onto_face(R, low, high)
        out = Peel()
        self._peel(out, R, low, high, np.random.default_rng(seed))
        out.mips = self.mips
        return out

    def _onto_face(self, x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        """``x`` moved onto the affine hull of its face: types held at a bound are set there, and the tight rows are
        met to round-off by the least-norm change of the other types. The target comes from LPs that meet rows to
        about 1e-10 per type, so its size can be off by 1e-7 seats; left there, that error would grow as ``1 / M``
        in the remainder and stop the peel near ``M = 1e-7``."""
        T, x = self.T, x.copy()
        counts = self.problem.counts.astype(float)
        x[low[:T]] = 0.0
        x[high[:T]] = counts[high[:T]]
        free = ~low[:T] & ~high[:T]
        rows = np.flatnonzero((low | high)[T:]) + T
        if rows.size and free.any():
            E = self.A[rows][:, np.flatnonzero(free)].toarray()
            want = np.where(high[rows], self.U[rows], self.L[rows])
            for _ in range(2):  # one refinement step takes the residual to round-off
                x[free] += np.linalg.lstsq(E, want - self.A[rows] @ x, rcond=None)[0]
        return x

    def _peel(self, out: Peel, R: np.ndarray, low: np.ndarray, high: np.ndarray, rng) -> None:
        """Peel the target ``R`` (mass 1) on its face (``low``, ``high``: rows of A held at L, at U) into ``out``."""
        counts = self.problem.counts.astype(float)
        M, prev = 1.0, None
        steps, limit = 0, 2 * len(self.L)  # each step tightens a row, so this is never reached
        while M > self.enough and steps < limit:
            if out.panels and self.spend is not None and self.spend():
                out.stopped = True
                break
            steps += 1
            if self.progress is not None and steps % 10 == 0:
                self.progress(len(out.panels), 1.0 - M)
            self._face(self.lp, low, high)
            r = R / M
            v = None
            tries = [r / counts + rng.uniform(0, 1e-6, self.T)] if prev is None else \
                [(prev + r) / counts + rng.uniform(0, 0.05, self.T), prev / counts + rng.uniform(0, 0.2, self.T)]
            for w in tries:
                out.lps += 1
                v, nonempty = self._vertex(self.lp, w)
                if v is not None or not nonempty:
                    break
            if v is None and nonempty:
                v = self._panel(low, high, r / counts, prev)
            if v is None:  # no panel on this face: the remainder is outside the panel hull
                break
            out.trail.append((R.copy(), M, len(out.panels)))
            Av = self.A @ v
            slack_lo = self.A @ R - M * self.L   # >= 0
            slack_hi = M * self.U - self.A @ R   # >= 0
            with np.errstate(divide="ignore", invalid="ignore"):
                down = np.where(~low & np.isfinite(self.L) & (Av > self.L), slack_lo / (Av - self.L), np.inf)
                up = np.where(~high & np.isfinite(self.U) & (Av < self.U), slack_hi / (self.U - Av), np.inf)
            stop = float(min(down.min(), up.min()))
            alpha = max(0.0, min(stop, M))
            if alpha >= M * (1 - 1e-12):
                alpha = M
            if alpha > 0:
                out.panels.append(v)
                out.mass.append(alpha)
                R, M = R - alpha * v, M - alpha
            if M <= self.enough:
                break
            block = max(stop, 0.0) * (1 + 1e-9) + 1e-300  # round-off can make a slack -1e-16: block it too
            low, high = low | (down <= block), high | (up <= block)
            # types exactly at a bound are snapped there, so round-off never lets them drift out of P
            R[low[: self.T]] = 0.0
            R[high[: self.T]] = M * counts[high[: self.T]]
            prev = v
        out.rest, out.rest_mass = R, M


class _FaceMip:
    """The panel constraints as one CBC model (OR-Tools) whose row and column bounds are set to a face per solve."""

    def __init__(self, peeler: Peeler):
        from ortools.linear_solver import pywraplp

        self.T, s = peeler.T, pywraplp.Solver.CreateSolver("CBC")
        self.x = [s.IntVar(0, int(c), f"x{t}") for t, c in enumerate(peeler.problem.counts)]
        A, self.rows = peeler.A, []
        for i in range(self.T, A.shape[0]):
            c = s.Constraint(-s.infinity(), s.infinity())
            for j, a in zip(A.indices[A.indptr[i]:A.indptr[i + 1]], A.data[A.indptr[i]:A.indptr[i + 1]],
                            strict=True):
                c.SetCoefficient(self.x[j], float(a))
            self.rows.append(c)
        self.solver, self.params = s, exact_params(1.0)

    def solve(self, lo: np.ndarray, hi: np.ndarray, w: np.ndarray, hint: np.ndarray | None) -> np.ndarray | None:
        s, T, inf = self.solver, self.T, self.solver.infinity()
        for v, a, b in zip(self.x, lo[:T], hi[:T], strict=True):
            v.SetBounds(float(a), float(b))
        for c, a, b in zip(self.rows, lo[T:], hi[T:], strict=True):
            c.SetBounds(-inf if np.isinf(a) else float(a), inf if np.isinf(b) else float(b))
        obj = s.Objective()
        for v, c in zip(self.x, w, strict=True):
            obj.SetCoefficient(v, float(c))
        obj.SetMaximization()
        if hint is not None:
            s.SetHint(self.x, [float(v) for v in hint])
        if s.Solve(self.params) not in SOLVED:
            return None
        return np.rint([v.solution_value() for v in self.x]).astype(np.int64)
