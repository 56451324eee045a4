"""A fast pricing heuristic: improve a panel by best single-seat swaps that keep every quota and household rule.

Used before the exact solver during column generation: a swap-improved panel that already beats the current dual
bound is a valid new column, so the exact integer program is only needed to *prove* that none exists. The single-swap
neighbours of a good panel that also beat the bound are further columns at almost no cost (column generation then
needs far fewer rounds: the optimal lotteries are made of many panels that differ by a few seats).

Only the ``width`` heaviest candidate types are considered for the seat that comes in (a heuristic; the exact pricing
is the proof), which keeps each step at (seated types) x ``width`` x features array operations.
"""

import numpy as np

from selection.problem import SelectionProblem


class SwapSearch:
    def __init__(self, problem: SelectionProblem, width: int = 256):
        self.p = problem
        self.tv = problem.type_values  # (T, n_features) plain quota row per feature
        self.rows = problem.type_matrix()  # (F, T) every quota row, intersectional ones too
        self.pair = self.rows[problem.n_plain:]  # (P, T) the intersectional rows
        self.group = problem.type_household
        self.width = width
        self.restrict(problem.lo, problem.hi, np.zeros(problem.n_types, dtype=np.int64), problem.counts)

    def restrict(self, lo: np.ndarray, hi: np.ndarray, type_lo: np.ndarray, type_hi: np.ndarray) -> None:
        """Swaps keep quota seats within ``[lo, hi]`` and seats per type within ``[type_lo, type_hi]``."""
        self.lo, self.hi, self.type_lo, self.type_hi = lo, hi, type_lo, type_hi

    def _seats(self, x: np.ndarray) -> np.ndarray:
        return self.rows @ x

    def _moves(self, x: np.ndarray, seats: np.ndarray, w: np.ndarray, floor: float):
        """Seated types ``out``, candidate types ``cand`` (room left, ``w`` above ``floor`` plus the lightest seated
        weight, the ``width`` heaviest) and the (out, cand) gain matrix of the feasible swaps (-inf elsewhere)."""
        p, tv = self.p, self.tv
        out = np.flatnonzero(x > self.type_lo)
        if not len(out):
            return out, out, np.zeros((0, 0))
        cand = np.flatnonzero((x < self.type_hi) & (w > floor + w[out].min()))
        if len(cand) > self.width:
            cand = cand[np.argpartition(-w[cand], self.width)[: self.width]]
        if not len(cand):
            return out, cand, np.zeros((len(out), 0))
        can_rm = seats > self.lo
        can_add = seats < self.hi
        to, tc = tv[out], tv[cand]
        ok = np.all((to[:, None, :] == tc[None, :, :]) | (can_rm[to][:, None, :] & can_add[tc][None, :, :]), axis=2)
        if len(p.households):
            g_out, g_c = self.group[out], self.group[cand]
            taken = np.zeros(len(p.households) + 1, dtype=bool)
            taken[g_out[g_out >= 0]] = True
            blocked = (g_c >= 0) & taken[g_c]
            # moving within the same household group (u -> v in u's group) frees u's seat
            ok &= ~blocked[None, :] | (g_out[:, None] == g_c[None, :])
        if len(self.pair):  # intersectional rows: the seats after the swap stay within bounds
            n0 = self.p.n_plain
            after = seats[n0:][None, None, :] + self.pair[:, cand].T[None, :, :] - self.pair[:, out].T[:, None, :]
            ok &= np.all((after >= self.lo[n0:]) & (after <= self.hi[n0:]), axis=2)
        ok &= out[:, None] != cand[None, :]
        return out, cand, np.where(ok, w[cand][None, :] - w[out][:, None], -np.inf)

    def improve(self, x: np.ndarray, w: np.ndarray, max_steps: int = 200) -> np.ndarray:
        """Best-improvement swaps from panel ``x`` under weights ``w`` until no swap gains; returns a new panel."""
        x = x.copy()
        seats = self._seats(x)
        for _ in range(max_steps):
            out, cand, gain = self._moves(x, seats, w, 1e-12)
            if gain.size == 0:
                break
            i, j = np.unravel_index(np.argmax(gain), gain.shape)
            if gain[i, j] <= 1e-12:
                break
            u, v = out[i], cand[j]
            x[u] -= 1
            x[v] += 1
            seats += self.rows[:, v] - self.rows[:, u]
        return x

    def neighbours(self, x: np.ndarray, w: np.ndarray, floor: float, limit: int) -> list[np.ndarray]:
        """Up to ``limit`` panels one feasible swap away from ``x`` whose weight ``w @ x'`` exceeds ``floor``, best
        first, at most two per incoming type (for variety)."""
        value = float(w @ x)
        out, cand, gain = self._moves(x, self._seats(x), w, floor - value)
        if gain.size == 0:
            return []
        flat = np.flatnonzero(value + gain.ravel() > floor)
        flat = flat[np.argsort(-gain.ravel()[flat], kind="stable")]
        found, per_v = [], {}
        for f in flat:
            i, j = divmod(int(f), gain.shape[1])
            if per_v.get(j, 0) >= 2:
                continue
            per_v[j] = per_v.get(j, 0) + 1
            y = x.copy()
            y[out[i]] -= 1
            y[cand[j]] += 1
            found.append(y)
            if len(found) >= limit:
                break
        return found
