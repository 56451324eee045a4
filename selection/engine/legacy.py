"""The greedy one-person-at-a-time draw most practitioners used until 2021 (Sortition Foundation's original code).

At each step the quota value with the largest "still needed / still available" ratio is chosen, a random remaining
person with that value is selected, their housemates are removed, and values that reached their maximum remove
everyone else who has them. A draw that ends short of a minimum restarts. Its selection probabilities are unknown in
closed form, so :func:`solve` estimates them from repeated draws.

Intersectional rows are rows like the others: a pair value still short of its minimum can be the value chosen, and
one at its maximum removes everyone having both its values. Soft targets reach legacy as they reach every objective,
as the tightened bounds of :func:`selection.engine.targets.apply`.
"""

import numpy as np

from selection.problem import SelectionProblem


def draw(problem: SelectionProblem, rng: np.random.Generator, max_attempts: int = 100) -> np.ndarray | None:
    """One legacy panel as sorted person indices, or None after ``max_attempts`` failed attempts."""
    n, F = problem.n, len(problem.lo)
    hh = problem.household_of
    has = problem.person_rows  # (n, F): every quota row, intersectional ones too
    for _ in range(max_attempts):
        alive = np.ones(n, dtype=bool)
        seats = np.zeros(F, dtype=np.int64)
        chosen = []
        for _step in range(problem.k):
            avail = has[alive].sum(axis=0)
            need = problem.lo - seats
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where((need > 0) & (avail > 0), need / avail, -1.0)
            if np.any((need > 0) & (avail == 0)) or not alive.any():
                break
            if ratio.max() > 0:
                f = int(np.argmax(ratio))
                candidates = np.flatnonzero(alive & has[:, f])
            else:
                candidates = np.flatnonzero(alive)
            i = int(rng.choice(candidates))
            chosen.append(i)
            alive[i] = False
            if hh[i] >= 0:
                alive[hh == hh[i]] = False
            rows = np.flatnonzero(has[i])
            seats[rows] += 1
            for f in rows:
                if seats[f] >= problem.hi[f]:
                    alive &= ~has[:, f]
        if len(chosen) == problem.k and np.all(seats >= problem.lo) and np.all(seats <= problem.hi):
            return np.sort(np.array(chosen))
    return None


def solve(problem: SelectionProblem, draws: int = 1000, seed: int = 0,
          progress=None) -> tuple[list[np.ndarray], np.ndarray, dict]:
    """Estimate legacy's distribution from ``draws`` independent draws: (person panels, equal probabilities, stats).

    Each person's estimated probability has standard error at most ``0.5 / sqrt(draws)``."""
    rng = np.random.default_rng(seed)
    panels, failed = [], 0
    for d in range(draws):
        p = draw(problem, rng)
        if p is None:
            failed += 1
        else:
            panels.append(p)
        if progress and d % 50 == 0:
            progress("legacy", d, draws, 0.0)
    if not panels:
        raise RuntimeError("the legacy draw failed on every attempt; its greedy order cannot meet these quotas")
    return panels, np.full(len(panels), 1.0 / len(panels)), {"draws": draws, "failed_draws": failed}
