"""Round a selection distribution to a *uniform lottery*: m panels, each drawn with probability exactly 1/m.

A fair algorithm's output is a distribution over panels that only a computer can sample. Listing m equally likely
panels instead lets anyone draw one in public (three ten-sided dice pick one of 1,000) and check it afterwards
(Flanigan, Kehne, Procaccia, "Fair Sortition Made Transparent", NeurIPS 2021, who use m = 1000 as Panelot does).
The price is that each person's probability moves from pi_i to (number of the m panels containing i) / m; this
module keeps that change small and reports it exactly.

Method (``ROUNDING``, deterministic: the same distribution, m and seed give the same panels on every machine):

1. Units are the solver's types (people who are interchangeable), or people for distributions given as person
   panels (legacy). Panel j of the distribution has weight lambda_j and seats ``A[j, u]`` of unit u.
2. Counts c_j in {floor(m lambda_j), ceil(m lambda_j)} with sum m, by systematic sampling with a seeded offset
   (a dependent rounding: unbiased, every prefix sum of c within 1 of m lambda's).
3. Local search: move one copy from one panel to another while that lowers the largest per-person change of
   probability (then the sum of squared changes); candidates are the panels with the most (fewest) seats of the
   worst unit, ties broken by the first-order change of the squared error; the search stops at a local optimum or
   after ``max_moves``.
   Steps 2-3 restart from up to 32 evenly spread offsets and keep the best result.
4. Each unit's seats over the m panels go to its members round-robin in a seeded order, so within a unit people's
   panel counts differ by at most one: a person's change is at most their unit's change plus 1/m.

Every listed panel is a copy of a panel of the distribution with people of the same type swapped in, so it meets
every quota and the household rule exactly (household members are singleton types); :func:`uniform_lottery`
checks each one.
"""

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

ROUNDING = "systematic-local-search-v2"


@dataclass(frozen=True, eq=False)
class UniformLottery:
    """m equally likely panels. ``panels`` (m, k) sorted person indices per row; ``target`` (n,) the distribution's
    probabilities; ``probabilities`` (n,) = panels containing i / m. ``max_change`` = max_i |probabilities - target|
    (exact, in probability units, >= 0); ``copies`` (J,) how many of the m panels came from each distribution panel.
    """

    m: int
    panels: np.ndarray
    target: np.ndarray
    probabilities: np.ndarray
    copies: np.ndarray
    moves: int

    @property
    def max_change(self) -> float:
        return float(np.max(np.abs(self.probabilities - self.target)))

    @property
    def mean_change(self) -> float:
        return float(np.mean(np.abs(self.probabilities - self.target)))


def _units(dist) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """(A (J, U) seats per unit, size (U,), members per unit)."""
    problem = dist.problem
    if dist.person_panels is not None:
        a = np.zeros((len(dist.person_panels), problem.n))
        for j, panel in enumerate(dist.person_panels):
            a[j, panel] = 1
        return a, np.ones(problem.n), [np.array([i]) for i in range(problem.n)]
    return dist.type_panels.astype(float), problem.counts.astype(float), list(problem.type_members)


def systematic_counts(weights: np.ndarray, m: int, offset: float) -> np.ndarray:
    """Integer copies per panel, each floor or ceil of m * weight, summing to m; ``offset`` in [0, 1)."""
    w = np.clip(np.asarray(weights, dtype=float), 0, None)
    cum = np.concatenate([[0.0], np.cumsum(w / w.sum() * m)])
    cum[-1] = m
    marks = np.floor(cum + offset)
    marks[0], marks[-1] = 0, m
    return np.diff(marks).astype(np.int64)


def person_change(seats: np.ndarray, size: np.ndarray, target: np.ndarray, m: int) -> np.ndarray:
    """Largest change of a member's probability per unit, given the unit's seats over the m panels (last axis =
    units). Members hold floor or ceil of seats / size panels each, so both are checked."""
    lo = np.floor(seats / size) / m - target
    hi = np.ceil(seats / size) / m - target
    return np.maximum(np.abs(lo), np.abs(hi))


def local_search(copies: np.ndarray, a: np.ndarray, size: np.ndarray, target: np.ndarray, m: int, max_moves: int,
                 width: int = 32) -> tuple[np.ndarray, int]:
    """Improve ``copies`` by moving single copies between panels: lexicographically lower (largest person change,
    size-weighted sum of squared person changes). ``a`` (J, U) seats per unit. Returns (copies, moves made)."""
    copies = copies.copy()
    sparse = csr_matrix(a)
    seats = copies @ a
    change = person_change(seats, size, target, m)
    best = (float(change.max()), float(size @ change**2))
    moves = 0
    while moves < max_moves:
        u = int(np.argmax(change))
        sign = 1.0 if seats[u] / size[u] / m > target[u] else -1.0
        have = np.flatnonzero(copies > 0)
        # Removing a copy of a panel with many seats of u lowers u's count; adding one with few raises it least.
        # Ties (many panels hold the same seats of u) are broken by the first-order change of the squared error:
        # add panels whose seats sit where the lottery has too few, drop panels whose seats sit where it has too many.
        slope = sparse @ ((seats / size / m - target) / m)
        drop = have[np.lexsort((-slope[have], -sign * a[have, u]))[:width]]
        add = np.lexsort((slope, sign * a[:, u]))[:width]
        trial = seats[None, None, :] + a[add][None, :, :] - a[drop][:, None, :]
        tc = person_change(trial, size, target, m)
        top = tc.max(axis=2)
        sq = tc**2 @ size
        top[drop[:, None] == add[None, :]] = np.inf
        i, j = np.unravel_index(np.lexsort((sq.ravel(), top.ravel()))[0], top.shape)
        if (top[i, j], sq[i, j]) >= best:
            break
        copies[drop[i]] -= 1
        copies[add[j]] += 1
        seats, change = trial[i, j].copy(), tc[i, j].copy()
        best = (float(top[i, j]), float(sq[i, j]))
        moves += 1
    return copies, moves


def starts_for(panels: int, units: int) -> int:
    """Restarts of the local search from different systematic offsets: 32 for typical pools, fewer when the
    distribution is large (a deterministic rule, so a re-run repeats the same work)."""
    return int(np.clip(2e6 // max(panels * units, 1), 1, 32))


def uniform_lottery(dist, m: int = 1000, seed: int = 0, max_moves: int = 20000,
                    starts: int | None = None) -> UniformLottery:
    """Round ``dist`` (a :class:`selection.engine.api.PanelDistribution`) to ``m`` >= 1 equally likely panels.

    ``starts`` local searches begin from evenly spread systematic offsets (default :func:`starts_for`); the best
    (smallest largest change, then smallest sum of squares) is kept."""
    if m < 1:
        raise ValueError("m must be at least 1")
    problem = dist.problem
    a, size, members = _units(dist)
    lam = np.asarray(dist.weights, dtype=float)
    lam = lam / lam.sum()
    target_unit = (lam @ a) / size
    rng = np.random.default_rng(seed)
    starts = starts or starts_for(*a.shape)
    shift = float(rng.random())
    best = None
    for s in range(starts):
        counts = systematic_counts(lam, m, (s + shift) / starts)
        counts, made = local_search(counts, a, size, target_unit, m, max_moves)
        change = person_change(counts @ a, size, target_unit, m)
        score = (float(change.max()), float(size @ change**2))
        if best is None or score < best[0]:
            best = (score, counts, made)
    _, copies, moves = best
    panels = _expand(a, copies, members, rng)
    target = dist.marginals()
    probs = np.bincount(panels.ravel(), minlength=problem.n) / m
    bad = [i for i, p in enumerate(panels) if not problem.is_feasible_panel(p)]
    if bad:
        raise AssertionError(f"rounded panels {bad[:5]} break a quota; this is a bug, please report it")
    return UniformLottery(m, panels, target, probs, copies, moves)


def _expand(a: np.ndarray, copies: np.ndarray, members: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Person panels (m, k): each unit's seats over the listed panels go to its members round-robin in a seeded
    order, so a block of seats within one panel (at most the unit's size) never repeats a person."""
    seats = np.rint(a).astype(np.int64)
    rows = np.repeat(np.arange(len(copies)), copies)
    order = [rng.permutation(mem) for mem in members]
    cursor = np.zeros(len(members), dtype=np.int64)
    out = []
    for j in rows:
        panel = []
        for u in np.flatnonzero(seats[j]):
            s, c = int(seats[j, u]), len(order[u])
            panel.append(order[u][(cursor[u] + np.arange(s)) % c])
            cursor[u] += s
        out.append(np.sort(np.concatenate(panel)))
    return np.array(out, dtype=np.int64)
