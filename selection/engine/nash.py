"""Maximum Nash welfare: maximise the sum of log selection probabilities (Flanigan et al., Nature 2021, Methods).

Column generation again: over the panels found so far, the concave program is solved by multiplicative updates
(the EM / Cover iteration for log-optimal mixtures), and pricing adds the panel with the largest gradient. The
optimality condition is ``max over panels of sum_t c_t a_t(x) / q_t <= n``; we stop at a relative gap of ``tol``.
"""

import numpy as np

from selection.engine import leximin
from selection.engine.pricing import Pricer
from selection.problem import SelectionProblem


def _fit(a: np.ndarray, counts: np.ndarray, lam: np.ndarray, iters: int = 300) -> np.ndarray:
    """Maximise sum_t counts_t log((a @ lam)_t) over the simplex, from ``lam`` (a: T x J)."""
    n = counts.sum()
    for _ in range(iters):
        q = np.maximum(a @ lam, 1e-300)
        lam = lam * (a.T @ (counts / q)) / n
        lam /= lam.sum()
    return lam


def solve(problem: SelectionProblem, tol: float = 1e-4, seed: int = 0, max_rounds: int = 2000,
          progress=None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Nash-optimal lottery over types: (panels (m, T), probabilities (m,), stats)."""
    panels, lam, _ = leximin.solve(problem, kind="maximin", seed=seed)
    panels = list(panels)
    lam = np.asarray(lam, dtype=float)
    coef = problem.type_weight / problem.counts
    pricer = Pricer(problem)
    n = float(problem.counts.sum())
    gap = np.inf
    rounds = 0
    for rounds in range(1, max_rounds + 1):
        a = (np.array(panels, dtype=float) * coef).T
        lam = _fit(a, problem.counts.astype(float), lam)
        q = np.maximum(a @ lam, 1e-9)
        grad_w = problem.counts * coef / q
        x, bound = pricer.best(grad_w)
        gap = bound / n - 1.0
        if progress:
            progress("nash", rounds, max_rounds, gap)
        if gap <= tol:
            break
        panels.append(x)
        lam = np.append(lam * (1 - 1.0 / (rounds + 2)), 1.0 / (rounds + 2))
    lam[lam < 1e-12] = 0
    lam /= lam.sum()
    keep = lam > 0
    return np.array(panels)[keep], lam[keep], {"rounds": rounds, "relative_gap": float(gap)}
