"""Brute-force leximin for tiny pools: enumerate every feasible panel, then the textbook LP sequence."""

import weakref
from itertools import combinations

import numpy as np
from scipy.optimize import linprog

#: per problem (frozen, so its panels never change): its feasible panels, enumerated once; the brute-force LPs below
#: ask for them once per LP (hundreds of times per Goldilocks optimum)
_PANELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def feasible_panels(problem) -> list[tuple[int, ...]]:
    if problem not in _PANELS:
        _PANELS[problem] = tuple(c for c in combinations(range(problem.n), problem.k)
                                 if problem.is_feasible_panel(np.array(c)))
    return list(_PANELS[problem])


def leximin(problem) -> np.ndarray:
    """Leximin probabilities per person by the standard fixing procedure over explicit panels."""
    panels = feasible_panels(problem)
    n, m = problem.n, len(panels)
    a = np.zeros((n, m))
    for j, c in enumerate(panels):
        a[list(c), j] = 1
    fixed = np.full(n, np.nan)
    while np.isnan(fixed).any():
        free = np.isnan(fixed)
        # max z: A lam >= z (free), A lam >= fixed (fixed), sum lam = 1
        c = np.zeros(m + 1)
        c[-1] = -1
        a_ub = np.hstack([-a, np.where(free, 1.0, 0.0)[:, None]])
        b_ub = np.where(free, 0.0, -np.nan_to_num(fixed))
        a_eq = np.append(np.ones(m), 0)[None, :]
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1], bounds=[(0, None)] * m + [(None, None)])
        z = -res.fun
        for i in np.flatnonzero(free):  # can i rise above z while everyone free keeps z?
            ci = np.zeros(m)
            ci -= a[i]
            b2 = np.where(free, -z + 1e-9, -np.nan_to_num(fixed) + 1e-9)
            r2 = linprog(ci, A_ub=-a, b_ub=b2, A_eq=np.ones((1, m)), b_eq=[1], bounds=[(0, None)] * m)
            if -r2.fun <= z + 1e-7:
                fixed[i] = z
    return fixed


def _matrix(problem):
    panels = feasible_panels(problem)
    a = np.zeros((problem.n, len(panels)))
    for j, c in enumerate(panels):
        a[list(c), j] = 1
    return a


def band(problem, floor: float = 0.0, cap: float | None = None, maximise_floor: bool = False):
    """Over every feasible panel, with person-level probabilities ``A lam``: min over lotteries of the largest
    probability given every covered person at least ``floor`` (or, with ``maximise_floor``, the largest smallest
    probability among covered people given all at most ``cap``). Returns (value, probabilities)."""
    a = _matrix(problem)
    n, m = a.shape
    covered = a.sum(axis=1) > 0
    c = np.zeros(m + 1)
    c[-1] = -1.0 if maximise_floor else 1.0
    if maximise_floor:  # z <= A lam (covered), A lam <= cap
        rows = [np.hstack([-a[covered], np.ones((covered.sum(), 1))])]
        rhs = [np.zeros(covered.sum())]
        if cap is not None:
            rows.append(np.hstack([a, np.zeros((n, 1))]))
            rhs.append(np.full(n, cap))
    else:  # A lam <= z, A lam >= floor (covered)
        rows = [np.hstack([a, -np.ones((n, 1))]), np.hstack([-a[covered], np.zeros((covered.sum(), 1))])]
        rhs = [np.zeros(n), np.full(covered.sum(), -floor)]
    res = linprog(c, A_ub=np.vstack(rows), b_ub=np.concatenate(rhs), A_eq=np.append(np.ones(m), 0)[None, :],
                  b_eq=[1], bounds=[(0, None)] * (m + 1))
    return (-res.fun if maximise_floor else res.fun), a @ res.x[:m]


def goldilocks(problem, gamma: float) -> float:
    """Brute-force Goldilocks optimum ``max p / f + gamma f / min p`` (f = k/n; min over covered people): a grid of
    floors in (0, maximin], each an explicit-panel LP, then a bounded scalar refinement of the convex function."""
    from scipy.optimize import minimize_scalar

    f = problem.k / problem.n
    top, _ = band(problem, maximise_floor=True)

    def h(level):
        return band(problem, floor=level)[0] / f + gamma * f / level

    # h is convex (an LP's value in its right-hand side plus gamma f / level), so the grid only has to bracket the
    # minimum: it lies between the neighbours of the grid's best point, where the scalar search refines it
    grid = np.linspace(top / 200, top, 50)
    values = [h(x) for x in grid]
    i = int(np.argmin(values))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    res = minimize_scalar(h, bounds=(a, b), method="bounded", options={"xatol": 1e-10})
    return float(min(res.fun, min(values)))
