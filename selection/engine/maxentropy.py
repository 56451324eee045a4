"""Maximum-entropy panels with given selection probabilities, and uniform sampling among all feasible panels.

``maxentropy`` (FairMaxEntropy in de Azevedo and Gölz, "Maximally Random Sortition", arXiv 2604.02712; the
mathematics is in shared/reference/sortition-evidence.md, section 3): among all distributions over feasible panels
whose selection probabilities equal a target (default: leximin's, :func:`selection.engine.leximin.solve`), the one
of largest entropy. By convex duality it is a Gibbs distribution ``P(S) ~ exp(sum_{i in S} theta_i)``; people of one
type get one theta (the target and the constraints treat them alike), so theta has one entry per type. It spreads
the draw over as many panels as the target allows, which protects constraints nobody wrote down (intersections of
features) better than leximin's few panels. ``uniform`` (MaxEntropy in the paper) is theta = 0: every feasible
panel equally likely, whatever the resulting chances.

How the distribution is built (``stats["method"]`` says which way):

- *tiny problems*: every feasible type-count vector is listed (:func:`maxentropy_dp.enumerate_panels`) and the dual
  ``log Z(theta) - theta . target_seats`` is minimised with L-BFGS: the exact max-entropy distribution;
- *otherwise*, in two steps. (1) theta is fitted by stochastic iterative scaling (``theta += 0.7 (logit(target) -
  logit(estimate))`` on sampled marginals, the sample doubling when a round stalls, until every estimate is within
  :data:`FIT_GAP`) and a *support* of panels is sampled from the Gibbs distribution: exactly by the DP + rejection
  sampler (:class:`maxentropy_dp.GibbsSampler`) when a pilot keeps at least :data:`MIN_ACCEPTANCE` of its
  proposals, else by Metropolis swap chains (:class:`maxentropy_mcmc.SwapChains`; on real pools with four or more
  features the exact sampler keeps almost nothing). (2) The same dual is solved exactly on this finite support,
  with each sampled panel's multiplicity as its base weight: the I-projection of the sample onto the target
  probabilities. Its probabilities equal the target to the optimiser's precision (``stats["fit_gap"]``, measured),
  and it converges to the max-entropy distribution as the support grows, because the I-projection of a Gibbs
  distribution onto marginal constraints is again a Gibbs distribution, the max-entropy one. When the sample's
  hull misses the target (checked by a phase-one linear programme, :func:`hull_miss`), batches sampled at theta
  tilted along the missed direction are added (:func:`_reach`); only if they do not reach it either are leximin's
  own panels added, and they then take the mass the sample lacks (``stats["method"]`` says which). Before this
  rule they were always added, and on a 400-person pool they took 99.8% of the mass: the "max-entropy" lottery
  was leximin's.

With ``pair_weight`` beta > 0 the Gibbs weight gains ``- beta misfit(S)`` (:mod:`maxentropy_pairs`): the
maximum entropy under a bound on the expected distance of single panels from the expected panel on feature pairs.
Only the listing and the swap chains handle it.

``maxentropy`` returns a distribution over type panels that the lottery rounds to m panels like leximin's;
``uniform`` returns ``draws`` sampled person panels with weight 1/draws, like legacy. Every random step uses
``numpy.random.default_rng`` seeded from ``seed``, so the same inputs give the same lottery (``cocreate verify``).
"""

import numpy as np
from scipy import sparse
from scipy.optimize import linprog, minimize
from scipy.special import logsumexp

from selection.engine import leximin
from selection.engine.maxentropy_dp import best_sampler, enumerate_panels, log_multiplicity
from selection.engine.maxentropy_mcmc import SwapChains
from selection.engine.maxentropy_pairs import PairMisfit
from selection.engine.pricing import Pricer
from selection.problem import SelectionProblem

TOLERANCE = 1e-3
"""Largest accepted gap between a fitted and a target selection probability (probability units)."""
MIN_ACCEPTANCE = 0.02
"""Smallest share of kept proposals at which the exact rejection sampler is used instead of the swap chains."""
FIT_ROUNDS = 40
"""Most rounds of stochastic iterative scaling of the sampling theta (:func:`_fit_theta`)."""
FIT_GAP = 0.05
"""Largest gap (probability) between the sampler's estimated and the target probabilities that ends the fit."""
MIN_FIT_ROUNDS = 6
"""Fewest rounds: chains start at the target's own lottery, so their first estimates are close to the target
before the chains have moved (on newdemocracy_300 the first round's gap was 0.049 and the sample then drifted off)."""
STEP = 0.7
"""Damping of the iterative-scaling step (1 is the full logit difference)."""
ROUGH_SAMPLES = 1000
"""Samples of the first fitting round with the rejection sampler (chains: :data:`ROUGH_SWEEPS` sweeps of every
chain); doubled when a round does not lower the gap, up to :data:`MAX_FIT_SAMPLES`."""
ROUGH_SWEEPS = 3
MAX_FIT_SAMPLES = 64_000
SUPPORT_CELLS = 4_000_000
"""Sampled support size times the number of types (bounds the memory of the fit and of the lottery rounding)."""
SUPPORT_RANGE = (500, 20_000)
"""Fewest and most sampled support panels."""
SUPPORT_GAP = 1e-4
"""Largest gap (probability) the fit on the sampled support alone may leave; above it leximin's panels are added."""
SUPPORT_ITERATIONS = 3000
"""L-BFGS iterations of the fit on the sampled support alone (a target outside its hull would take many more)."""
REPAIR_ROUNDS = 4
"""Most batches of tilted samples added when the sampled support's hull misses the target (:func:`_reach`)."""
REPAIR_TILT = 0.5
"""Nats per unit of the hull's separating direction by which a repair batch's theta is tilted."""
REPAIR_RESIDUAL = 1e-7
"""Smallest L1 distance (seats) from the support's hull to the target that counts as a miss."""
BURN_IN_SWEEPS = 10
"""Sweeps (k / acceptance steps, about one swap per seat) every chain runs before its first panel is taken, 2 after
each change of theta, 1 between two panels taken from one chain."""


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p) - np.log1p(-p)


def type_target(problem: SelectionProblem, target: np.ndarray) -> np.ndarray:
    """Per-type target (T,) from per-person probabilities (n,), which must be equal within each type."""
    target = np.asarray(target, dtype=float)
    if target.shape != (problem.n,):
        raise ValueError("the target must give one probability per person")
    per_type = np.bincount(problem.type_of, weights=target, minlength=problem.n_types) / problem.counts
    if np.max(np.abs(per_type[problem.type_of] - target)) > 1e-9:
        raise ValueError("the target must give people of one type the same probability")
    return per_type


def fit_dual(x: np.ndarray, base: np.ndarray, seats: np.ndarray, start: np.ndarray,
             maxiter: int = 20000) -> tuple[np.ndarray, np.ndarray]:
    """(theta (T,), probabilities (J,)) of the max-entropy distribution ``p_j ~ exp(base_j + x_j . theta)`` over the
    rows of ``x`` (J, T) whose expected seats per type are ``seats`` (T,): L-BFGS on the convex dual
    ``logsumexp(base + x theta) - theta . seats``, from ``start``."""
    xf = x.astype(float)

    def dual(theta):
        lw = base + xf @ theta
        z = logsumexp(lw)
        return z - theta @ seats, xf.T @ np.exp(lw - z) - seats

    res = minimize(dual, start, jac=True, method="L-BFGS-B", options={"maxiter": maxiter, "gtol": 1e-12, "ftol": 1e-16})
    lw = base + xf @ res.x
    return res.x, np.exp(lw - logsumexp(lw))


def entropy(problem: SelectionProblem, x: np.ndarray, lam: np.ndarray) -> float:
    """Entropy (nats) over person panels of the distribution ``lam`` over distinct type panels ``x`` whose members
    are drawn uniformly within each type: ``-sum lam log lam + sum lam log prod_t C(counts_t, x_t)``."""
    keep = lam > 0
    return float(-lam[keep] @ np.log(lam[keep]) + lam[keep] @ log_multiplicity(problem, x[keep]))


class _Chains:
    """Swap chains with the step count of a *sweep* measured in a short warm-up. Each chain starts at a panel of
    ``starts`` = (type panels (J, T), weights (J,)) drawn by weight, its seats given to random members of each type,
    or (no ``starts``) all at one feasible panel. Starting at the target's own lottery matters: single swaps can
    leave a chain stuck near its start (a person whom no single swap can replace), and started from one panel such
    a chain over-samples that panel's members (on newdemocracy_300 the fit began 0.85 off the target)."""

    def __init__(self, problem: SelectionProblem, theta: np.ndarray, chains: int, rng: np.random.Generator,
                 misfit: PairMisfit | None = None, beta: float = 0.0, starts: tuple | None = None):
        if starts is None:
            x = Pricer(problem).feasible()
            start = np.sort(np.concatenate([problem.type_members[t][: x[t]] for t in np.flatnonzero(x)]))
            panels = np.tile(start, (chains, 1))
        else:
            rows = rng.choice(len(starts[1]), size=chains, p=starts[1] / starts[1].sum())
            panels = np.array([np.sort(np.concatenate([rng.choice(problem.type_members[t], int(x[t]), replace=False)
                                                       for t in np.flatnonzero(x)])) for x in starts[0][rows]])
        self.problem = problem
        self.chains = SwapChains(problem, theta[problem.type_of], panels, misfit, beta)
        self.chains.run(200, rng)
        self.sweep = int(np.ceil(problem.k / max(self.chains.acceptance, 1e-3)))
        self.steps = 200

    def run(self, sweeps: float, rng: np.random.Generator, theta: np.ndarray | None = None, every: int = 0):
        if theta is not None:
            self.chains.theta = theta[self.problem.type_of]
        steps = int(sweeps * self.sweep)
        self.steps += steps
        moves, proposals = self.chains.moves, self.chains.proposals
        out = self.chains.run(steps, rng, every)
        if self.chains.proposals - proposals >= 100 * len(self.chains.rows):  # the sweep follows the acceptance
            recent = (self.chains.moves - moves) / (self.chains.proposals - proposals)
            self.sweep = int(np.ceil(self.problem.k / max(recent, 1e-3)))
        return out


class _Source:
    """Gibbs samples as seats per type: exact (rejection) when a pilot keeps enough proposals, else swap chains."""

    def __init__(self, problem: SelectionProblem, theta: np.ndarray, chains: int, method: str,
                 rng: np.random.Generator, misfit: PairMisfit | None = None, beta: float = 0.0,
                 starts: tuple | None = None):
        self.problem, self.rejection, self.chains, self.n_chains = problem, None, None, chains
        self.misfit, self.beta, self.starts = misfit, beta, starts
        self.auto, self.theta = method == "auto", np.array(theta, dtype=float)
        if method in ("auto", "rejection"):
            self.rejection = best_sampler(problem, theta, rng)
            if method == "auto" and self.rejection.acceptance < MIN_ACCEPTANCE:
                self.rejection = None
        if self.rejection is None:
            self.chains = _Chains(problem, theta, chains, rng, misfit, beta, starts)
            self.chains.run(BURN_IN_SWEEPS, rng)

    @property
    def method(self) -> str:
        if self.rejection is not None:
            return f"DP over feature '{self.problem.quotas.features[self.rejection.feature]}' + rejection (exact)"
        return "Metropolis swap chains (approximate)"

    def sample(self, theta: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
        """``size`` panels (size, T) from the Gibbs distribution of ``theta`` (chains: ``size / chains`` rounded up
        snapshots of every chain, one sweep apart, after 2 sweeps under the new theta)."""
        if self.rejection is not None and np.array_equal(theta, self.theta):
            return self.rejection.sample(size, rng)
        if self.rejection is not None:
            self.theta = np.array(theta, dtype=float)
            s = best_sampler(self.problem, theta, rng, feature=self.rejection.feature)
            if s.pilot(rng) >= MIN_ACCEPTANCE or not self.auto:
                self.rejection = s
                return s.sample(size, rng)
            # the new theta leaves the tracked feature's proposals mostly infeasible (seen on syn_n200: rounds of
            # minutes): the swap chains take over from here
            self.rejection = None
            self.chains = _Chains(self.problem, theta, self.n_chains, rng, self.misfit, self.beta, self.starts)
            self.chains.run(BURN_IN_SWEEPS, rng)
        ch = self.chains
        ch.run(2, rng, theta)
        out = []
        for _ in range(int(np.ceil(size / len(ch.chains.rows)))):
            ch.run(1, rng)
            out.append(ch.chains.type_counts())
        return np.concatenate(out)[:size]

    def estimate(self, theta: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
        """Expected seats per type (T,) under the Gibbs distribution of ``theta``, from ``size`` samples (chains:
        the states of every chain every half sweep over ``size / chains`` sweeps, after 2 sweeps under the new
        theta; successive states are correlated, so the estimate is as good as roughly ``size`` samples)."""
        if self.rejection is not None:
            return self.sample(theta, size, rng).mean(axis=0)
        ch = self.chains
        ch.run(2, rng, theta)
        every = max(ch.sweep // 2, 1)
        sweeps = int(np.ceil(size / len(ch.chains.rows)))
        snapshots = int(sweeps * ch.sweep) // every
        total = ch.run(sweeps, rng, every=every)
        return total.sum(axis=0) / (len(ch.chains.rows) * snapshots)

    def stats(self) -> dict:
        if self.rejection is not None:
            return {"acceptance": self.rejection.acceptance, "tracked_feature":
                    self.problem.quotas.features[self.rejection.feature]}
        return {"acceptance": self.chains.chains.acceptance, "chain_steps": self.chains.steps,
                "sweep_steps": self.chains.sweep}


def solve(problem: SelectionProblem, kind: str = "maxentropy", target: np.ndarray | None = None, draws: int = 1000,
          seed: int = 0, method: str = "auto", listing: bool = True, pair_weight: float = 0.0,
          progress=None) -> tuple[np.ndarray, np.ndarray, list[np.ndarray] | None, dict]:
    """The max-entropy distribution with the target's probabilities (``kind="maxentropy"``) or ``draws`` uniform
    samples of feasible panels (``"uniform"``).

    ``target``: per-person probabilities (n,) in [0, 1] summing to k, equal within each type (default: leximin's).
    ``method``: "auto", "rejection" or "chains" (the sampler, see the module docstring); ``listing=False`` skips the
    exact listing of tiny problems. ``pair_weight`` (maxentropy only, nats per seat, >= 0): beta of
    :mod:`selection.engine.maxentropy_pairs`, which trades entropy for single panels closer to the expected panel
    on every feature pair (0: plain max entropy; > 0 samples with the swap chains unless the panels are listed).
    Returns (type panels (J, T), their probabilities (J,), person panels (J lists)
    for ``uniform`` or None, stats). ``stats``: ``method``; ``target`` ("leximin", "given" or None) with
    ``target_min``/``target_max``; ``fit_gap`` (largest |probability - target| of the returned distribution,
    measured); ``entropy`` (nats, over person panels) with ``entropy_exact`` (False: an estimate);
    ``support_panels``; the sampler's ``acceptance``; for maxentropy ``pair_weight`` and ``pair_misfit`` (the
    expected misfit in seats of the returned distribution, :class:`maxentropy_pairs.PairMisfit`).
    """
    if kind not in ("maxentropy", "uniform"):
        raise ValueError(f"unknown kind {kind}")
    if not (np.isfinite(pair_weight) and pair_weight >= 0):
        raise ValueError(f"the pair weight {pair_weight} must be a number >= 0")
    if pair_weight and kind != "maxentropy":
        raise ValueError("a pair weight applies to maxentropy only")
    rng = np.random.default_rng([seed, 17])
    counts = problem.counts.astype(float)
    stats: dict = {}
    lex = None
    if kind == "maxentropy":
        if target is None:
            lex_panels, lex_lam, _ = leximin.solve(problem)
            lex, tgt = lex_panels, (lex_lam @ lex_panels) / counts
        else:
            tgt = type_target(problem, target)
        stats.update(target="leximin" if target is None else "given", target_min=float(tgt.min()),
                     target_max=float(tgt.max()))
        theta = _logit(tgt)
    else:
        tgt, theta = None, np.zeros(problem.n_types)
        stats["target"] = None
    misfit = None
    if kind == "maxentropy" and problem.person_values.shape[1] >= 2:
        misfit = PairMisfit(problem, tgt)
    elif pair_weight:
        raise ValueError("a pair weight needs at least two quota features")
    if pair_weight:
        if method == "rejection":
            raise ValueError("the rejection sampler cannot weigh pairs: choose the chains")
        method = "chains"
    listed = enumerate_panels(problem) if listing else None
    if kind == "maxentropy" and listed is not None:
        base = log_multiplicity(problem, listed) - (pair_weight * misfit.of_types(listed) if pair_weight else 0.0)
        theta, lam = fit_dual(listed, base, tgt * counts, theta)
        x, stats["method"], exact = listed, "exact: every feasible panel listed, dual solved", True
    else:
        source = _Source(problem, theta, draws, method, rng, misfit if pair_weight else None, pair_weight,
                         None if lex is None else (lex, lex_lam))
        if kind == "uniform":
            x = source.sample(theta, draws, rng)
            people = [np.sort(np.concatenate([rng.choice(problem.type_members[t], size=int(row[t]), replace=False)
                                              for t in np.flatnonzero(row)])) for row in x]
            stats.update(method=source.method, **source.stats(), draws=draws)
            if listed is not None:
                lw = log_multiplicity(problem, listed)
                stats.update(entropy=float(logsumexp(lw)), entropy_exact=True)
            elif source.rejection is not None:
                stats.update(entropy=source.rejection.log_z(), entropy_exact=False)
            return x, np.full(draws, 1.0 / draws), people, stats
        theta = _fit_theta(problem, tgt, theta, source, rng, stats, progress)
        size = int(np.clip(SUPPORT_CELLS // problem.n_types, *SUPPORT_RANGE))
        sampled, batches = _reach(source, theta, size, tgt * counts, rng)
        x, mult = np.unique(sampled, axis=0, return_counts=True)
        _, lam = fit_dual(x, np.log(mult), tgt * counts, np.zeros(problem.n_types), maxiter=SUPPORT_ITERATIONS)
        added = f" and {batches} tilted batches" if batches else ""
        if lex is not None and np.max(np.abs((lam @ x) / counts - tgt)) > SUPPORT_GAP:
            # the sample's hull misses the target (too few panels for the types, or a theta fit cut short): the
            # target's own panels are added, which put it in the hull; they take the mass the sample lacks
            x, mult = np.unique(np.concatenate([sampled, lex]), axis=0, return_counts=True)
            _, lam = fit_dual(x, np.log(mult), tgt * counts, np.zeros(problem.n_types))
            added += " + leximin's panels"
        stats.update(method=f"{source.method} support of {size} sampled panels{added}, dual solved on it",
                     **source.stats())
        exact = False
    keep = lam > 1e-15
    x, lam = x[keep], lam[keep] / lam[keep].sum()
    fitted = (lam @ x) / counts
    stats.update(fit_gap=float(np.max(np.abs(fitted - tgt))), entropy=entropy(problem, x, lam),
                 entropy_exact=exact, support_panels=len(x), pair_weight=float(pair_weight))
    if misfit is not None:
        stats["pair_misfit"] = float(lam @ misfit.of_types(x))
    if progress:
        progress("maxentropy", FIT_ROUNDS, FIT_ROUNDS, stats["fit_gap"])
    return x, lam, None, stats


def _fit_theta(problem, tgt, theta, source, rng, stats, progress) -> np.ndarray:
    """Stochastic iterative scaling: ``theta += STEP (logit(target) - logit(estimate))`` on marginals estimated
    from the sampler, with the sample doubling whenever a round does not lower the largest gap, until that gap is
    below :data:`FIT_GAP` or :data:`FIT_ROUNDS` have run. Returns the theta of the smallest gap seen; records it as
    ``sampler_gap`` and the rounds as ``fit_rounds``. The finite-support fit after it makes the probabilities
    exact; the closer this theta, the less that fit has to tilt the sample (and the larger the entropy kept)."""
    counts = problem.counts.astype(float)
    goal = _logit(tgt)
    size = ROUGH_SAMPLES if source.rejection is not None else ROUGH_SWEEPS * source.n_chains
    best, best_gap, last = theta, np.inf, np.inf
    for r in range(FIT_ROUNDS):
        est = source.estimate(theta, size, rng) / counts
        gap = float(np.max(np.abs(est - tgt)))
        if progress:
            progress("maxentropy", r, FIT_ROUNDS, gap)
        if gap < best_gap:
            best, best_gap = theta, gap
        if gap < FIT_GAP and r + 1 >= MIN_FIT_ROUNDS:
            break
        if gap >= last and size < MAX_FIT_SAMPLES:
            size *= 2
        last = gap
        theta = theta + STEP * np.clip(goal - _logit(est), -4, 4)
    stats.update(sampler_gap=best_gap, fit_rounds=r + 1)
    return best


def hull_miss(x: np.ndarray, seats: np.ndarray) -> tuple[float, np.ndarray]:
    """(L1 distance in seats from ``seats`` (T,) to the convex hull of the rows of ``x`` (J, T), a direction y (T,)
    in which the target lies beyond the hull when the distance is positive): phase one of the simplex method,
    ``min |r|_1`` subject to ``lam x + r = seats``, ``lam >= 0``, ``sum lam = 1``, solved by HiGHS; y is the dual of
    the seat rows, in [-1, 1]."""
    J, T = x.shape
    eye = sparse.eye(T, format="csr")
    a = sparse.vstack([sparse.hstack([sparse.csr_matrix(x.T.astype(float)), eye, -eye]),
                       sparse.hstack([sparse.csr_matrix(np.ones((1, J))), sparse.csr_matrix((1, 2 * T))])])
    res = linprog(np.concatenate([np.zeros(J), np.ones(2 * T)]), A_eq=a.tocsr(), b_eq=np.append(seats, 1.0),
                  bounds=(0, None), method="highs")
    if res.status != 0:
        return np.inf, np.zeros(T)
    return float(res.fun), np.asarray(res.eqlin.marginals[:T])


def _reach(source, theta, size, seats, rng) -> tuple[np.ndarray, int]:
    """``size`` panels sampled at ``theta``, and, while their hull misses the target seats (beyond
    :data:`REPAIR_RESIDUAL`; on syn_n1000 10,335 panels missed it by 0.19 seats, and adding leximin's panels to
    close that gap gave them nearly all the mass), up to :data:`REPAIR_ROUNDS` batches of ``size / 2`` panels
    sampled at theta tilted by :data:`REPAIR_TILT` along the direction the hull misses in. The tilted panels widen
    the hull where it falls short; the fit on the support then weighs them as it needs. Returns (panels, batches
    added)."""
    sampled = source.sample(theta, size, rng)
    for batch in range(REPAIR_ROUNDS):
        miss, direction = hull_miss(np.unique(sampled, axis=0), seats)
        if miss <= REPAIR_RESIDUAL or not np.isfinite(miss):
            return sampled, batch
        sampled = np.concatenate([sampled, source.sample(theta + REPAIR_TILT * direction, size // 2, rng)])
    return sampled, REPAIR_ROUNDS
