"""How far a panel's feature pairs are from the target's expected panel: the misfit that ``pair_weight`` penalises.

For every pair of quota features (a, b) a panel fills the cells ``value_a x value_b`` with seats. The target
probabilities pi (one per person) fix the *expected* seats of every cell, ``sum_i pi_i [i in cell]``, for every
distribution that has them; they do not fix how far single panels stray from it. The misfit of a panel S is

    misfit(S) = mean over feature pairs of 1/2 sum_cells |seats_cell(S) - expected_cell|     (seats, >= 0),

k times the mean total variation distance between S's pair shares and the expected panel's: the seats out of
place, averaged over the pairs. ``maxentropy`` with ``pair_weight`` beta > 0 samples ``P(S) ~ exp(theta . 1_S -
beta misfit(S))`` instead of ``exp(theta . 1_S)``: by convex duality, with theta fitted to the target, this is the
maximum-entropy distribution among those with the target probabilities *and* an expected misfit no larger than its
own (the larger beta, the smaller that bound and the entropy). beta is in nats per seat out of place: a panel with
one more seat out of place is e^beta times less likely, other things equal.
"""

from itertools import combinations

import numpy as np
from scipy.sparse import csr_matrix

from selection.problem import SelectionProblem


class PairMisfit:
    """Cells of every pair of plain quota features, with their expected seats under per-type targets ``tgt`` (T,).

    ``cells`` (n, P): each person's cell per pair, as an index into the concatenated cells of all P pairs;
    ``expected`` (C,): expected seats per cell (the cells of one pair sum to k)."""

    def __init__(self, problem: SelectionProblem, tgt: np.ndarray):
        pv, rows = problem.person_values, len(problem.lo)
        pairs = list(combinations(range(pv.shape[1]), 2))
        if not pairs:
            raise ValueError("a pair weight needs at least two quota features")
        self.pairs = len(pairs)
        codes = np.stack([(p * rows + pv[:, a]) * rows + pv[:, b] for p, (a, b) in enumerate(pairs)], 1)
        _, inverse = np.unique(codes, return_inverse=True)  # only the cells someone is in
        self.cells = inverse.reshape(codes.shape)
        self.size = int(self.cells.max()) + 1
        person_target = np.asarray(tgt, dtype=float)[problem.type_of]
        self.expected = np.bincount(self.cells.ravel(), weights=np.repeat(person_target, self.pairs),
                                    minlength=self.size)
        type_cells = self.cells[[m[0] for m in problem.type_members]]  # people of one type share every cell
        t = problem.n_types
        self.type_incidence = csr_matrix((np.ones(t * self.pairs), (np.repeat(np.arange(t), self.pairs),
                                                                   type_cells.ravel())), shape=(t, self.size))

    def seats_of_types(self, x: np.ndarray) -> np.ndarray:
        """(J, C) seats per cell of the type panels ``x`` (J, T)."""
        return np.asarray((self.type_incidence.T @ np.atleast_2d(x).astype(float).T).T)

    def of_types(self, x: np.ndarray) -> np.ndarray:
        """(J,) misfit (seats) of the type panels ``x`` (J, T)."""
        return self.of_seats(self.seats_of_types(x))

    def of_seats(self, seats: np.ndarray) -> np.ndarray:
        """(J,) misfit (seats) from seats per cell (J, C)."""
        return 0.5 * np.abs(seats - self.expected).sum(axis=1) / self.pairs

    def change(self, seats: np.ndarray, rows: np.ndarray, out: np.ndarray, inn: np.ndarray) -> np.ndarray:
        """(c,) change of misfit when, in the panels of ``rows`` with seats per cell ``seats`` (chains, C), person
        ``out`` leaves and person ``inn`` enters (one pair of people per row)."""
        co, ci = self.cells[out], self.cells[inn]  # (c, P)
        so, si = seats[rows[:, None], co], seats[rows[:, None], ci]
        eo, ei = self.expected[co], self.expected[ci]
        d = (np.abs(si + 1 - ei) - np.abs(si - ei)) + (np.abs(so - 1 - eo) - np.abs(so - eo))
        return 0.5 * np.where(co == ci, 0.0, d).sum(axis=1) / self.pairs
