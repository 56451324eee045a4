"""LEXIMIN and MAXIMIN by column generation over types (Flanigan, Gölz, Gupta, Hennig, Procaccia, Nature 2021).

Each stage maximises the smallest weighted probability ``w_t * p_t`` among the types not yet fixed (column generation:
the dual master LP in :mod:`selection.engine.master` and integer pricing with CBC in :mod:`selection.engine.pricing`), then fixes every type
that cannot exceed that value in *any* optimal solution. Those types are found in one LP (the optimal dual with the
largest support, verified against all panels by pricing), rather than from an interior-point dual as in the paper.
Stages repeat until every type is fixed; the last stage's lottery is the leximin distribution.

Tolerance: each stage's minimum is within ``tol`` of the true optimum (weak duality bound from pricing).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from selection.engine.master import DualMaster
from selection.engine.pricing import Pricer
from selection.engine.swaps import SwapSearch
from selection.problem import SelectionProblem

Progress = Callable[[str, int, int, float], None]


def _seed_panels(pricer: Pricer, problem: SelectionProblem, rng: np.random.Generator, count: int) -> list[np.ndarray]:
    panels = []
    for _ in range(count):
        x, _ = pricer.best(rng.random(problem.n_types) / problem.counts)
        panels.append(x)
    return panels


class _Stage:
    """Certificates for one stage: normalised duals y >= 0 (sum over unfixed types = 1) and their excess
    ``D(y) - z``, where ``D(y) = max over ALL panels of sum_t a_t y_t - sum_fixed v_t y_t`` is computed exactly by
    pricing. By weak duality the true stage optimum lies in ``[z, z + excess]``, and a type carrying dual weight
    ``y_t`` cannot rise above the optimum by more than ``excess / y_t`` in any optimal solution."""

    def __init__(self, master: DualMaster, pricer: Pricer, swaps: SwapSearch, starts: int = 2):
        self.master, self.pricer, self.swaps, self.starts = master, pricer, swaps, starts

    def heuristic(self, y: np.ndarray, z: float, tol: float, limit: int) -> list[np.ndarray]:
        """Up to ``limit`` new panels that violate the dual by more than ``tol``: swap-improved versions of the best
        current panels and their improving single-swap neighbours, best first."""
        m = self.master
        fixed = ~np.isnan(m.fixed)
        y = np.where(fixed, y, y / y[~fixed].sum())
        w = m.coef * y
        base = float(np.nansum(m.fixed * np.where(fixed, y, 0.0)))
        floor = z + tol + base
        values = m.a @ y
        found: dict[bytes, tuple[float, np.ndarray]] = {}

        def offer(x: np.ndarray) -> None:
            v = float(w @ x)
            if v > floor and not m.has(x):
                found.setdefault(x.tobytes(), (v, x))

        locals_ = []
        for j in np.argsort(-values)[: self.starts]:
            x = self.swaps.improve(m.panels[j], w)
            offer(x)
            locals_.append(x)
        for x in locals_:
            for nb in self.swaps.neighbours(x, w, floor, limit):
                offer(nb)
        return [x for _, x in sorted(found.values(), key=lambda e: -e[0])[: max(limit, self.starts)]]

    def neighbours(self, x: np.ndarray, y: np.ndarray, z: float, tol: float, limit: int) -> list[np.ndarray]:
        """Single-swap neighbours of ``x`` that violate the dual at ``y`` by more than ``tol``."""
        m = self.master
        fixed = ~np.isnan(m.fixed)
        base = float(np.sum(m.fixed[fixed] * y[fixed]))
        return [nb for nb in self.swaps.neighbours(x, m.coef * y, z + tol + base, limit) if not m.has(nb)]

    def value(self, x: np.ndarray, y: np.ndarray) -> float:
        """Dual objective contribution of panel ``x`` at normalised duals ``y``: ``a(x) @ y - sum_F v_t y_t``."""
        m = self.master
        fixed = ~np.isnan(m.fixed)
        return float(m.coef @ (x * y)) - float(np.sum(m.fixed[fixed] * y[fixed]))

    def excess(self, y: np.ndarray, z: float) -> tuple[float, list[np.ndarray]]:
        m = self.master
        fixed = ~np.isnan(m.fixed)
        y = np.where(fixed, y, y / y[~fixed].sum())
        best, bound = self.pricer.best(m.coef * y, hint=m.panels[-1])
        base = float(np.nansum(m.fixed * np.where(fixed, y, 0.0)))
        value = bound - base
        better = [best] if float(m.coef @ (best * y)) - base > z + 1e-12 else []
        return value - z, better


@dataclass
class Budget:
    """When to stop early. ``deadline``: a ``time.monotonic()`` value; ``rounds``: column-generation rounds in all
    (an iteration count, so a stop it causes is repeatable). ``used`` counts the rounds run; ``stopped`` says a
    limit ended the solve, with ``z`` the current level and ``bound`` a proven upper bound on it (weight units)."""

    deadline: float | None = None
    rounds: int | None = None
    used: int = 0
    stopped: bool = False
    z: float = 0.0
    bound: float = np.inf

    def spend(self) -> bool:
        """Count a round; True when a limit is reached."""
        self.used += 1
        over = (self.rounds is not None and self.used > self.rounds) or \
            (self.deadline is not None and time.monotonic() > self.deadline)
        if over:
            self.used -= 1
        return over


class _Stop(Exception):
    pass


def _generate(stage: _Stage, tol: float, batch: int, smoothing: float = 0.7,
              calm: int = 30, budget: Budget | None = None) -> tuple[float, np.ndarray, float]:
    """Column generation until the stage minimum is certified within ``tol``. Returns (z, y, excess).

    Duals are stabilised (Wentges smoothing): pricing uses ``a * center + (1 - a) * y`` where the center is the dual
    with the best proven bound so far, which damps the oscillation that otherwise makes the tail of column generation
    add thousands of weak panels. A pricing that finds nothing violated at the LP dual (mispricing) is retried
    unsmoothed, so the loop always makes progress. Smoothing starts after ``calm`` rounds: short stages do better
    without it (measured: newdemocracy_300 15 s unsmoothed vs 27 s smoothed; syn_n1000 first stage 52 s smoothed vs
    over 150 s unsmoothed)."""
    m = stage.master
    center, center_d, alpha = None, np.inf, 0.0  # center_d = D(center), a proven upper bound
    rounds = 0
    while True:
        rounds += 1
        z, y, _ = m.solve_maximin()
        free = np.isnan(m.fixed)
        y = np.where(free, y / max(y[free].sum(), 1e-300), y)
        if center_d - z <= tol:
            return z, center, center_d - z
        for x in stage.heuristic(y, z, tol, batch):
            m.add_panel(x)
        ys = y if center is None else alpha * center + (1 - alpha) * y
        gap, better = stage.excess(ys, z)
        if gap + z < center_d:
            center, center_d = ys, gap + z
        if center_d - z <= tol:
            return z, center, center_d - z
        if budget is not None and budget.spend():  # after pricing, so a proven bound exists
            budget.stopped, budget.z, budget.bound = True, z, center_d
            raise _Stop
        useful = [x for x in better if stage.value(x, y) > z + tol]
        if useful and batch:
            useful += stage.neighbours(useful[0], y, z, tol, batch)
        for x in useful:
            m.add_panel(x)
        alpha = smoothing if useful and rounds > calm else 0.0


def _stuck(stage: _Stage, z: float, y_a: np.ndarray, gap_a: float, tol: float) -> tuple[np.ndarray, float]:
    """Unfixed types to fix at ``z``, with the bound on how far any of them could still have risen.

    Mixes the stage's optimal dual with a wide-support dual (one extra LP and one pricing call): the mix keeps the
    excess under ``2 * tol`` and spreads weight over as many stuck types as possible."""
    m = stage.master
    unfixed = np.isnan(m.fixed)
    try:
        y_s, _ = m.solve_support(z, 1e-9)
    except RuntimeError:  # GLOP gave up on the support LP: the stage dual alone is still a valid certificate
        y_s = y_a.copy()
    y_s[unfixed] /= max(y_s[unfixed].sum(), 1e-300)
    gap_s, better = stage.excess(y_s, z)
    for x in better:
        m.add_panel(x)
    alpha = 1.0 if gap_s <= tol else max(0.0, (2 * tol - gap_a) / (gap_s - gap_a))
    y = (1 - alpha) * y_a + alpha * y_s
    gap = (1 - alpha) * gap_a + alpha * max(gap_s, 0.0)
    theta = min(0.5 / unfixed.sum(), float(y[unfixed].max()))
    chosen = np.flatnonzero(unfixed & (y >= theta))
    return chosen, gap / theta


def solve(problem: SelectionProblem, kind: str = "leximin", tol: float = 1e-6, seed: int = 0,
          progress: Progress | None = None, budget: Budget | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Leximin (``kind="leximin"``) or maximin (``kind="maximin"``) over types.

    Returns (panels as an (m, T) array of seats per type, their probabilities (m,), stats dict). Every panel is
    feasible; probabilities sum to 1; ``sum_j lam_j x_tj / c_t`` is each member's selection probability.
    With a ``budget`` that runs out, the distribution found so far is returned: every type fixed so far holds its
    certified leximin value, every other type at least the current level ``z``; ``stats["partial"]`` then gives
    ``min_probability`` (the level reached) and ``bound`` (how far the optimum can lie above, both in probability
    units) and ``rounds`` (give them as ``Budget(rounds=...)`` to repeat the same stop exactly).
    """
    rng = np.random.default_rng(seed)
    pricer = Pricer(problem)
    coef = problem.type_weight / problem.counts
    master = DualMaster(coef)
    first = pricer.feasible()
    if first is None:
        raise RuntimeError("quotas are infeasible; check feasibility before solving")
    master.add_panel(first)
    for x in _seed_panels(pricer, problem, rng, 8):
        master.add_panel(x)

    T = problem.n_types
    stage = _Stage(master, pricer, SwapSearch(problem))
    wmax = float(problem.type_weight.max())

    # Extra single-swap neighbours per round and source, for maximin only (measured on syn_n1000: maximin 40 s -> 27 s
    # with 2; 84 s with 19, the master LP grows too fast). In leximin they make every later stage several times slower
    # (stage 3: 36 s without, over 270 s with them in the first stage), the rows they leave behind slow the master.
    batch = 2 if kind == "maximin" else 0
    stages_run, worst = 0, 0.0
    while True:
        stages_run += 1
        n_unfixed = int(np.isnan(master.fixed).sum())
        tol_stage = 0.5 * tol * wmax
        try:
            z, y, gap = _generate(stage, tol_stage, batch, budget=budget)
        except _Stop:
            master.solve_maximin()
            break
        if kind == "maximin":
            worst = gap
            break
        stuck, bound = _stuck(stage, z, y, gap, tol_stage)
        worst = max(worst, bound)
        done = T - n_unfixed + len(stuck)
        if progress:
            progress("leximin", done, T, z)
        if done == T:  # the stage LP's lottery already gives every type its leximin value
            master.solve_maximin()
            break
        master.fix(stuck, z - 1e-10)
    lam = master.lottery()
    panels = np.array(master.panels)
    keep = lam > 0
    stats = {"stages": stages_run, "panels_generated": len(master.panels), "pricing_calls": pricer.calls,
             "certified_tolerance": worst / wmax}
    if budget is not None:
        stats["rounds"] = budget.used
    if budget is not None and budget.stopped:
        bound = max(worst, budget.bound - budget.z) / wmax
        stats["partial"] = {"level": budget.z / wmax, "bound": bound if np.isfinite(bound) else None,
                            "rounds": budget.used, "stages_completed": stages_run - 1}
    return panels[keep], lam[keep], stats
