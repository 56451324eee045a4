"""A fast pricing heuristic: improve a panel by best single-seat swaps that keep every quota and household rule.

Used before the exact solver during column generation: a swap-improved panel that already beats the current dual
bound is a valid new column, so the exact integer program is only needed to *prove* that none exists.
"""

import numpy as np

from selection.problem import SelectionProblem


class SwapSearch:
    def __init__(self, problem: SelectionProblem):
        self.p = problem
        self.tv = problem.type_values  # (T, n_features) quota row per feature
        self.group = np.full(problem.n_types, -1)
        for g, types in enumerate(problem.households):
            self.group[types] = g
        self.same = None

    def improve(self, x: np.ndarray, w: np.ndarray, max_steps: int = 200) -> np.ndarray:
        """Best-improvement swaps from panel ``x`` under weights ``w`` until no swap gains; returns a new panel."""
        p, tv = self.p, self.tv
        x = x.copy()
        seats = np.bincount(tv[np.repeat(np.arange(len(x)), x)].ravel(), minlength=len(p.lo))
        for _ in range(max_steps):
            out = np.flatnonzero(x > 0)
            can_rm = seats > p.lo
            can_add = seats < p.hi
            same = tv[out][:, None, :] == tv[None, :, :]
            ok = np.all(same | (can_rm[tv[out]][:, None, :] & can_add[tv][None, :, :]), axis=2)
            ok &= (x < p.counts)[None, :]
            if len(p.households):
                taken = np.zeros(len(p.households) + 1, dtype=bool)
                taken[self.group[out[self.group[out] >= 0]]] = True
                blocked = (self.group >= 0) & taken[self.group]
                # moving within the same household group (u -> v in u's group) frees u's seat
                ok &= ~blocked[None, :] | (self.group[out][:, None] == self.group[None, :])
            gain = np.where(ok, w[None, :] - w[out][:, None], -np.inf)
            i, v = np.unravel_index(np.argmax(gain), gain.shape)
            if gain[i, v] <= 1e-12:
                break
            u = out[i]
            x[u] -= 1
            x[v] += 1
            np.subtract.at(seats, tv[u], 1)
            np.add.at(seats, tv[v], 1)
        return x
