"""Brute-force leximin for tiny pools: enumerate every feasible panel, then the textbook LP sequence."""

from itertools import combinations

import numpy as np
from scipy.optimize import linprog


def feasible_panels(problem) -> list[tuple[int, ...]]:
    return [c for c in combinations(range(problem.n), problem.k) if problem.is_feasible_panel(np.array(c))]


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
