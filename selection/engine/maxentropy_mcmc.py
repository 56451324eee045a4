"""Markov chains over feasible person panels whose stationary law is the Gibbs distribution of
:mod:`selection.engine.maxentropy_dp` (for pools where its exact rejection sampler keeps too few proposals).

State: one panel per chain (k person indices). A step proposes, in every chain at once, to swap a uniformly chosen
member for a person drawn uniformly from the whole pool (every other step) or from the pool members who share the
leaving member's value on one feature chosen at random (so that feature's quotas hold by construction); no move when
that person is already a member. The swap is allowed only when the new panel still meets every quota and the
household rule, and is then accepted with the Metropolis probability ``min(1, exp(theta_in - theta_out))``. Both
proposals are symmetric (who shares the leaving member's value also shares the entering one's), so the chain is
reversible with respect to ``P(S) ~ exp(sum_{i in S} theta_i)`` on the feasible panels it can reach by swaps. This is not
an exact sampler: a chain's panel follows P only approximately after its burn-in, and single swaps may not connect
every pair of feasible panels when a quota is tight (min = max). Independent chains give independent panels.
"""

import numpy as np

from selection.engine.maxentropy_pairs import PairMisfit
from selection.problem import SelectionProblem


class SwapChains:
    """``chains`` Metropolis swap chains started at the person panels ``start`` (chains, k), all feasible.

    ``theta`` (n,): per-person log weights. ``moves``/``proposals`` count accepted and proposed swaps."""

    def __init__(self, problem: SelectionProblem, theta_person: np.ndarray, start: np.ndarray,
                 misfit: PairMisfit | None = None, beta: float = 0.0):
        self.problem, self.misfit, self.beta = problem, misfit, float(beta)
        self.theta = np.asarray(theta_person, dtype=float)
        self.panel = np.array(start, dtype=np.int64)
        c, n = len(self.panel), problem.n
        self.rows = np.arange(c)
        self.member = np.zeros((c, n), dtype=bool)
        self.member[self.rows[:, None], self.panel] = True
        pv = problem.person_values
        self.seats = np.zeros((c, len(problem.lo)), dtype=np.int64)
        for j in range(pv.shape[1]):
            np.add.at(self.seats, (self.rows[:, None], pv[self.panel, j]), 1)
        # intersectional rows (after the plain ones) are counted from person_rows: a swap changes them too
        self.pairs = np.arange(problem.n_plain, len(problem.lo))
        self.pair_member = problem.person_rows[:, self.pairs].astype(np.int64)
        if len(self.pairs):
            self.seats[:, self.pairs] = self.pair_member[self.panel].sum(axis=1)
        self.hh = problem.household_of
        groups = max(len(problem.households), 1)
        self.in_group = np.zeros((c, groups), dtype=np.int64)
        inside = self.hh[self.panel]
        np.add.at(self.in_group, (self.rows[:, None].repeat(problem.k, 1)[inside >= 0], inside[inside >= 0]), 1)
        self.moves = self.proposals = 0
        self.by_value = []  # per feature: people sorted by quota row, start and size of each row's block
        for j in range(pv.shape[1]):
            order = np.argsort(pv[:, j], kind="stable")
            size = np.bincount(pv[:, j], minlength=len(problem.lo))
            self.by_value.append((order, np.concatenate([[0], np.cumsum(size)[:-1]]), size))
        self.turn = 0
        if misfit is not None:  # seats per feature-pair cell of every chain, for the misfit's change
            self.cell_seats = np.zeros((c, misfit.size), dtype=np.int64)
            for q in range(misfit.pairs):
                np.add.at(self.cell_seats, (self.rows[:, None], misfit.cells[self.panel, q]), 1)

    def step(self, rng: np.random.Generator) -> None:
        """One proposed swap in every chain."""
        p, rows = self.problem, self.rows
        c = len(rows)
        pos = rng.integers(p.k, size=c)
        out = self.panel[rows, pos]
        self.turn += 1
        if self.turn % 2:
            inn = rng.integers(p.n, size=c)
        else:
            f = int(rng.integers(len(self.by_value)))
            order, start, size = self.by_value[f]
            row = p.person_values[out, f]
            inn = order[start[row] + (rng.random(c) * size[row]).astype(np.int64)]
        u = rng.random(c)
        ok = ~self.member[rows, inn]
        pv = p.person_values
        for j in range(pv.shape[1]):
            a, b = pv[out, j], pv[inn, j]
            differ = a != b
            ok &= ~differ | ((self.seats[rows, b] + 1 <= p.hi[b]) & (self.seats[rows, a] - 1 >= p.lo[a]))
        if len(self.pairs):
            moved = self.seats[rows][:, self.pairs] + self.pair_member[inn] - self.pair_member[out]
            ok &= np.all((moved >= p.lo[self.pairs]) & (moved <= p.hi[self.pairs]), axis=1)
        g_in, g_out = self.hh[inn], self.hh[out]
        clash = (g_in >= 0) & (self.in_group[rows, np.maximum(g_in, 0)] - (g_out == g_in) > 0)
        ok &= ~clash
        gain = self.theta[inn] - self.theta[out]
        if self.misfit is not None and self.beta:
            gain = gain - self.beta * self.misfit.change(self.cell_seats, rows, out, inn)
        ok &= u < np.exp(np.minimum(gain, 0.0))
        self.proposals += c
        idx = np.flatnonzero(ok)
        if not len(idx):
            return
        self.moves += len(idx)
        o, i = out[idx], inn[idx]
        self.member[idx, o] = False
        self.member[idx, i] = True
        self.panel[idx, pos[idx]] = i
        for j in range(pv.shape[1]):
            np.subtract.at(self.seats, (idx, pv[o, j]), 1)
            np.add.at(self.seats, (idx, pv[i, j]), 1)
        if len(self.pairs):
            self.seats[np.ix_(idx, self.pairs)] += self.pair_member[i] - self.pair_member[o]
        if self.misfit is not None:
            np.subtract.at(self.cell_seats, (idx[:, None], self.misfit.cells[o]), 1)
            np.add.at(self.cell_seats, (idx[:, None], self.misfit.cells[i]), 1)
        go, gi = g_out[idx], g_in[idx]
        np.subtract.at(self.in_group, (idx[go >= 0], go[go >= 0]), 1)
        np.add.at(self.in_group, (idx[gi >= 0], gi[gi >= 0]), 1)

    def run(self, steps: int, rng: np.random.Generator, every: int = 0) -> np.ndarray | None:
        """Run ``steps`` steps; with ``every`` > 0 return the (chains, T) seats per type summed over the states seen
        every ``every`` steps (for averages), else None."""
        p = self.problem
        total = np.zeros((len(self.rows), p.n_types)) if every else None
        for s in range(1, steps + 1):
            self.step(rng)
            if every and s % every == 0:
                total += self.type_counts()
        return total

    def type_counts(self) -> np.ndarray:
        """(chains, T) seats per type of the current panels."""
        p = self.problem
        out = np.zeros((len(self.rows), p.n_types), dtype=np.int64)
        np.add.at(out, (self.rows[:, None].repeat(p.k, 1), p.type_of[self.panel]), 1)
        return out

    @property
    def acceptance(self) -> float:
        """Share of proposed swaps made so far (0 before any)."""
        return self.moves / self.proposals if self.proposals else 0.0
