"""Exact samples of a Gibbs distribution over quota-feasible panels, by types and counts, without listing panels.

The distribution (de Azevedo and Gölz, "Maximally Random Sortition", arXiv 2604.02712; shared/reference/
sortition-evidence.md, section 3 "Max-entropy"): a person panel S has probability proportional to
``exp(sum_{i in S} theta_type(i))`` over the feasible panels (size k, every quota, at most one per household).
People of one type share theta, so over *type-count vectors* x (``0 <= x_t <= counts_t``) it is

    P(x) = w(x) / Z,   w(x) = prod_t C(counts_t, x_t) exp(theta_t x_t),   x feasible.

``theta = 0`` is the uniform distribution over feasible person panels.

Sampler (exact, the paper's scheme with one tracked feature): a dynamic programme over the seats of one *tracked*
feature counts the proposal ``q(x) = w(x) / Z_q`` over the vectors that have size k and meet that feature's quotas.
Its states are "seats filled so far" (0..k) after each value of the feature; inside a value, the types' generating
polynomials ``(1 + e^theta z)^counts`` are multiplied out. Samples of q are drawn backwards through the tables
(value by value, then type by type), and one is kept iff it meets the other features' quotas and the household rule.
Since P is q restricted to that set and renormalised, the kept samples are exact draws of P (rejection sampling with
bound ``Z / Z_q``), and the share kept estimates ``Z / Z_q``. Tracking more features at once would raise the share
kept but multiplies the state space (a vector of seats per tracked value); one feature keeps every table at k + 1
numbers, which scales to every pool in shared/instances. The tracked feature is chosen by a short pilot run.

:func:`enumerate_panels` lists every feasible type-count vector of a tiny problem instead, for exact expectations.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from selection.problem import SelectionProblem

PILOT = 400
"""Proposals per feature in the pilot run that picks the tracked feature."""


def _normalised(v: np.ndarray) -> tuple[np.ndarray, float]:
    """(v / max(v), log max(v)); (v, 0) when v is all zero."""
    top = float(v.max()) if len(v) else 0.0
    if top <= 0:
        return v, 0.0
    return v / top, float(np.log(top))


def _categorical(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One index per row of a non-negative (B, J) matrix, with probability proportional to the row (rows sum > 0)."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum <= u[:, None]).sum(axis=1), weights.shape[1] - 1)


@dataclass(eq=False)
class _Cell:
    """One value (quota row) of the tracked feature: its types, their coefficient vectors ``coef[i][j]`` (proportional
    to ``C(n, j) e^(theta j)``, j = 0..min(n, hi)), suffix products ``suffix[i]`` (of types i.., degree <= hi) and
    the cell polynomial ``poly`` (seats j of this value, zero outside [lo, hi])."""

    types: np.ndarray
    coef: list
    suffix: list
    poly: np.ndarray
    log_scale: float


class GibbsSampler:
    """The sampler for ``theta`` (T,) with ``feature`` (index into the problem's features) tracked by the DP.

    ``log_zq``: log of the proposal's normaliser ``Z_q`` (person-panel weights summed over the vectors meeting size
    and the tracked feature's quotas). ``proposed``/``kept`` count proposals so far, so ``kept / proposed``
    estimates ``Z / Z_q`` (in (0, 1])."""

    def __init__(self, problem: SelectionProblem, theta: np.ndarray, feature: int):
        self.problem, self.feature = problem, feature
        self.theta = np.asarray(theta, dtype=float)
        k = problem.k
        rows = np.unique(problem.type_values[:, feature])
        self.matrix = problem.type_matrix()
        self.group = np.zeros((problem.n_types, len(problem.households)), dtype=np.int64)
        for g, types in enumerate(problem.households):
            self.group[types, g] = 1
        self.cells, forward, log_zq = [], [np.eye(1, k + 1)[0]], 0.0
        for r in rows:
            cell = self._cell(r)
            self.cells.append(cell)
            nxt, scale = _normalised(np.convolve(forward[-1], cell.poly)[: k + 1])
            forward.append(nxt)
            log_zq += scale + cell.log_scale
        self.forward = forward
        if forward[-1][k] <= 0:
            raise ValueError("no panel meets the size and the tracked feature's quotas")
        self.log_zq = log_zq + float(np.log(forward[-1][k]))
        self.proposed = self.kept = 0

    def _cell(self, r: int) -> _Cell:
        p, th = self.problem, self.theta
        lo, hi = int(p.lo[r]), int(min(p.hi[r], p.k))
        types = np.flatnonzero(p.type_values[:, self.feature] == r)
        coef, log_scale = [], 0.0
        for t in types:
            n = int(p.counts[t])
            j = np.arange(min(n, hi) + 1)
            logc = gammaln(n + 1) - gammaln(j + 1) - gammaln(n - j + 1) + th[t] * j
            top = float(logc.max())
            coef.append(np.exp(logc - top))
            log_scale += top
        suffix = [np.eye(1, hi + 1)[0]]
        for c in reversed(coef):
            s, scale = _normalised(np.convolve(c, suffix[0])[: hi + 1])
            suffix.insert(0, s)
            log_scale += scale
        poly = suffix[0].copy()
        poly[:lo] = 0
        return _Cell(types, coef, suffix, poly, log_scale)

    def propose(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` exact draws of q as an (size, T) integer array of seats per type."""
        x = np.zeros((size, self.problem.n_types), dtype=np.int64)
        left = np.full(size, self.problem.k)
        for c in range(len(self.cells) - 1, -1, -1):
            cell, before = self.cells[c], self.forward[c]
            j = np.arange(len(cell.poly))
            idx = left[:, None] - j[None, :]
            w = np.where(idx >= 0, before[np.clip(idx, 0, None)], 0.0) * cell.poly[None, :]
            seats = _categorical(w, rng)
            left = left - seats
            for i, t in enumerate(cell.types):  # the cell's seats over its types, type by type
                coef, rest = cell.coef[i], cell.suffix[i + 1]
                jj = np.arange(len(coef))
                idx = seats[:, None] - jj[None, :]
                w = np.where(idx >= 0, rest[np.clip(idx, 0, None)], 0.0) * coef[None, :]
                take = _categorical(w, rng)
                x[:, t] = take
                seats = seats - take
        return x

    def feasible(self, x: np.ndarray) -> np.ndarray:
        """(B,) True where a row of seats per type meets every quota and the household rule."""
        p = self.problem
        seats = x @ self.matrix.T
        ok = np.all((seats >= p.lo) & (seats <= p.hi), axis=1) & (x.sum(axis=1) == p.k)
        if self.group.shape[1]:
            ok &= np.all(x @ self.group <= 1, axis=1)
        return ok

    def sample(self, size: int, rng: np.random.Generator, batch: int = 2000,
               max_proposals: int | None = None) -> np.ndarray:
        """``size`` exact draws of P, (size, T) seats per type, in the order drawn. Raises RuntimeError after
        ``max_proposals`` proposals (default: 20,000 per draw asked, at least 10 million)."""
        cap = max_proposals if max_proposals is not None else max(10_000_000, 20_000 * size)
        out, have, spent = [], 0, 0
        while have < size:
            if spent >= cap:
                raise RuntimeError(f"max-entropy sampler: only {have} of {size} panels after {spent:,} proposals "
                                   f"(acceptance {self.acceptance:.2g}); the quotas are too tight for one tracked "
                                   "feature")
            want = size - have
            rate = max(self.acceptance, 1e-4) if self.proposed else 1.0
            b = int(min(batch, max(64, 1.2 * want / rate)))
            x = self.propose(b, rng)
            ok = self.feasible(x)
            self.proposed += b
            self.kept += int(ok.sum())
            spent += b
            out.append(x[ok][:want])
            have += len(out[-1])
        return np.concatenate(out)

    def pilot(self, rng: np.random.Generator) -> float:
        """Propose :data:`PILOT` panels and count those kept; returns the acceptance (the counts start there)."""
        self.proposed, self.kept = PILOT, int(self.feasible(self.propose(PILOT, rng)).sum())
        return self.acceptance

    @property
    def acceptance(self) -> float:
        """Share of proposals kept so far (an estimate of ``Z / Z_q``); 0 before any."""
        return self.kept / self.proposed if self.proposed else 0.0

    def log_z(self) -> float:
        """Estimate of log Z (exact up to the estimate of the share kept)."""
        return self.log_zq + float(np.log(max(self.acceptance, 1e-300)))


def best_sampler(problem: SelectionProblem, theta: np.ndarray, rng: np.random.Generator,
                 feature: int | None = None) -> GibbsSampler:
    """The sampler tracking ``feature``, or (None) the feature whose proposals are kept most often in a pilot of
    :data:`PILOT` proposals each (ties: the feature with more values)."""
    if feature is not None:
        return GibbsSampler(problem, theta, feature)
    best, score = None, None
    for f in range(problem.type_values.shape[1]):
        try:
            s = GibbsSampler(problem, theta, f)
        except ValueError:
            continue
        s.pilot(rng)
        key = (s.kept, len(np.unique(problem.type_values[:, f])))
        if score is None or key > score:
            best, score = s, key
    if best is None:
        raise ValueError("no panel meets the size and any single feature's quotas")
    return best


def log_multiplicity(problem: SelectionProblem, x: np.ndarray) -> np.ndarray:
    """log prod_t C(counts_t, x_t) for each row of x (B, T): the number of person panels with those seats."""
    n = problem.counts[None, :].astype(float)
    return np.sum(gammaln(n + 1) - gammaln(x + 1) - gammaln(n - x + 1), axis=1)


def enumerate_panels(problem: SelectionProblem, limit: int = 20_000, nodes: int = 100_000) -> np.ndarray | None:
    """Every feasible type-count vector as rows of an (J, T) array, or None when there are more than ``limit`` or
    the search visits more than ``nodes`` partial vectors (so only for tiny problems)."""
    p = problem
    T, k = p.n_types, p.k
    m = p.type_matrix()
    counts = p.counts.astype(np.int64)
    hh = p.type_household
    # upper bounds on the seats per quota row and in all that types t.. can still add
    cap = np.zeros((T + 1, len(p.lo)), dtype=np.int64)
    size_cap = np.zeros(T + 1, dtype=np.int64)
    for t in range(T - 1, -1, -1):
        cap[t] = cap[t + 1] + m[:, t] * counts[t]
        size_cap[t] = size_cap[t + 1] + counts[t]
    out: list[np.ndarray] = []
    visited = 0
    x = np.zeros(T, dtype=np.int64)

    def go(t: int, seats: np.ndarray, used: int, groups: frozenset) -> bool:
        nonlocal visited
        visited += 1
        if visited > nodes or len(out) > limit:
            return False
        if used == k:
            if np.all(seats >= p.lo):
                out.append(x.copy())
            return True
        if t == T or used + size_cap[t] < k or np.any(seats + cap[t] < p.lo):
            return True
        g = int(hh[t])
        top = 0 if g >= 0 and g in groups else min(int(counts[t]), k - used)
        for c in range(top, -1, -1):
            s = seats + m[:, t] * c
            if np.any(s > p.hi):
                continue
            x[t] = c
            if not go(t + 1, s, used + c, groups | {g} if c and g >= 0 else groups):
                x[t] = 0
                return False
        x[t] = 0
        return True

    done = go(0, np.zeros(len(p.lo), dtype=np.int64), 0, frozenset())
    if not done or len(out) > limit:
        return None
    return np.array(out, dtype=np.int64).reshape(-1, T)
