"""One call from (pool, quotas, k) to a drawn panel with its distribution, probabilities and metrics."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from selection.engine import legacy, leximin, maxentropy, metrics, nash, relax, targets
from selection.engine.pricing import Pricer
from selection.errors import InputError, Problem
from selection.problem import SelectionProblem, build_problem
from selection.records import Pool, Quotas

ALGORITHMS = ("leximin", "maximin", "nash", "legacy", "maxentropy", "uniform")
TOLERANCE = 1e-6
"""Default certification tolerance of the optimising algorithms, in probability units."""
PROGRESS_WORDS = {"relaxation": ("types at their level", "lowest probability at most"),
                  "decomposition": ("rounds", "share of the fair probabilities reached"),
                  "nash": ("rounds", "gap to the optimum"), "legacy": ("draws", ""),
                  "maxentropy": ("fitting rounds", "largest gap to the target"), "uniform": ("draws", "")}
"""What each stage of ``progress(stage, done, total, value)`` counts in ``done`` and what ``value`` is (``total`` is 0
when not known in advance)."""
ALGORITHMS = ALGORITHMS + ("minimax", "goldilocks")  # selection.engine.goldilocks
PROGRESS_WORDS["goldilocks"] = ("rounds", "objective of the panels found so far")


@dataclass(frozen=True, eq=False)
class PanelDistribution:
    """A lottery over panels given as seats per type: ``type_panels`` (m, T) with probabilities ``weights`` (m,).

    Drawing a panel means drawing a row, then the given number of members of each type uniformly at random, so every
    member of type t has probability ``sum_j weights_j * type_panels[j, t] / counts[t]``. For ``legacy`` the rows are
    the observed draws, each with weight 1/m (``person_panels`` keeps the exact people drawn).
    """

    problem: SelectionProblem
    type_panels: np.ndarray
    weights: np.ndarray
    person_panels: tuple[np.ndarray, ...] | None = None

    def marginals(self) -> np.ndarray:
        """Selection probability of every person (n,), in pool order; sums to k."""
        if self.person_panels is not None:
            p = np.zeros(self.problem.n)
            for w, panel in zip(self.weights, self.person_panels, strict=True):
                p[panel] += w
            return p
        per_type = (self.weights @ self.type_panels) / self.problem.counts
        return per_type[self.problem.type_of]

    def draw(self, seed: int) -> np.ndarray:
        """Sorted person indices of one panel drawn with ``numpy.random.default_rng(seed)``: the same seed and inputs
        always give the same panel."""
        rng = np.random.default_rng(seed)
        j = int(rng.choice(len(self.weights), p=self.weights / self.weights.sum()))
        if self.person_panels is not None:
            return np.sort(self.person_panels[j])
        members = self.problem.type_members
        chosen = [rng.choice(members[t], size=int(c), replace=False) for t, c in enumerate(self.type_panels[j]) if c]
        return np.sort(np.concatenate(chosen))


@dataclass(frozen=True, eq=False)
class SelectionResult:
    """The drawn panel, the distribution it came from, every person's probability and the metrics."""

    algorithm: str
    k: int
    seed: int
    panel_index: np.ndarray
    distribution: PanelDistribution
    probabilities: pd.Series
    metrics: dict
    solver_seconds: float
    stats: dict = field(default_factory=dict)

    @property
    def panel(self) -> tuple[str, ...]:
        ids = self.distribution.problem.pool.ids
        return tuple(ids[i] for i in self.panel_index)


def select(pool: Pool, quotas: Quotas, k: int, algorithm: str = "leximin", seed: int = 0,
           weights: np.ndarray | None = None, tol: float = TOLERANCE, legacy_draws: int = 1000,
           progress: Callable[[str, int, int, float], None] | None = None, time_limit: float | None = None,
           max_rounds: int | None = None, target_slack: float = 0.0, gamma: float = 1.0,
           pair_weight: float = 0.0) -> SelectionResult:
    """Select a panel of ``k`` from ``pool`` meeting ``quotas``.

    ``algorithm``: leximin (default), maximin, nash, or legacy (greedy; probabilities estimated from
    ``legacy_draws`` draws); maxentropy (the maximum-entropy distribution with leximin's probabilities) or uniform
    (``legacy_draws`` panels sampled uniformly among the feasible ones): :mod:`selection.engine.maxentropy`;
    ``pair_weight`` (maxentropy only, nats per seat out of place, >= 0) trades entropy for single panels closer to
    the expected panel on every pair of features (:mod:`selection.engine.maxentropy_pairs`).
    ``weights`` (optional, positive, one per person) makes ``weights_i * p_i`` the fair quantity instead of ``p_i``.
    Raises InputError for bad input and InfeasibleQuotasError (with the smallest relaxation) when no panel exists.
    ``time_limit`` (seconds) or ``max_rounds`` (column-generation rounds, the repeatable form of the same stop)
    end leximin or maximin early with the best distribution found so far, its
    ``stats["partial"]`` saying how far from optimal it may be (see :func:`selection.engine.leximin.solve`).
    minimax (lowest largest probability, then highest smallest) and goldilocks (``max p / (k/n) + gamma (k/n) /
    min p``, ``gamma`` >= 0) are :mod:`selection.engine.goldilocks`; the time limit applies to them too.
    Soft targets in the quotas narrow the bounds every algorithm sees, within ``target_slack`` weighted seats of
    the closest the hard quotas allow (:func:`selection.engine.targets.apply`; the bands are in ``stats``).
    """
    if algorithm not in ALGORITHMS:
        raise InputError(Problem("", 0, "", f"unknown algorithm '{algorithm}'", f"choose one of {', '.join(ALGORITHMS)}",
                                 parameter="algorithm"))
    problem = build_problem(pool, quotas, k, weights)
    start = time.perf_counter()
    if Pricer(problem).feasible() is None:
        relax.raise_infeasible(problem)
    problem, target_stats = targets.apply(problem, target_slack)
    if (time_limit is not None or max_rounds is not None) and algorithm not in ("leximin", "maximin", "minimax", "goldilocks"):
        raise InputError(Problem("", 0, "", f"a time limit applies to leximin and maximin, not {algorithm}",
                                 "choose leximin or maximin, or leave out the time limit", parameter="time_limit"))
    if pair_weight and algorithm != "maxentropy":
        raise InputError(Problem("", 0, "", f"a pair weight applies to maxentropy, not {algorithm}",
                                 "choose maxentropy, or leave out the pair weight", parameter="pair_weight"))
    if not (np.isfinite(pair_weight) and pair_weight >= 0):
        raise InputError(Problem("", 0, "", f"pair weight {pair_weight} must be a number >= 0",
                                 "0 is plain max entropy; 3 made single panels match pairs as well as legacy "
                                 "draws on our benchmarks", parameter="pair_weight"))
    if pair_weight and problem.person_values.shape[1] < 2:
        raise InputError(Problem("", 0, "", "a pair weight needs at least two quota features",
                                 "add a second feature to the quotas, or leave out the pair weight",
                                 parameter="pair_weight"))
    if algorithm == "legacy":
        panels, lam, stats = legacy.solve(problem, draws=legacy_draws, seed=seed, progress=progress)
        type_panels = np.array([np.bincount(problem.type_of[p], minlength=problem.n_types) for p in panels])
        dist = PanelDistribution(problem, type_panels, lam, tuple(panels))
    elif algorithm in ("maxentropy", "uniform"):  # uniform: legacy_draws sampled person panels, weight 1/draws each
        type_panels, lam, panels, stats = maxentropy.solve(problem, kind=algorithm, draws=legacy_draws, seed=seed,
                                                           progress=progress, pair_weight=pair_weight)
        dist = PanelDistribution(problem, type_panels, lam, None if panels is None else tuple(panels))
    elif algorithm in ("minimax", "goldilocks"):
        from selection.engine import goldilocks

        if not (np.isfinite(gamma) and gamma >= 0):
            raise InputError(Problem("", 0, "", f"gamma {gamma} must be a number >= 0",
                                     "1 weighs too-high and too-low chances alike", parameter="gamma"))
        budget = None if time_limit is None and max_rounds is None else leximin.Budget(
            deadline=None if time_limit is None else time.monotonic() + time_limit - (time.perf_counter() - start),
            rounds=max_rounds)
        type_panels, lam, stats = goldilocks.solve(problem, kind=algorithm, gamma=gamma, tol=tol, seed=seed,
                                                   progress=progress, budget=budget)
        dist = PanelDistribution(problem, type_panels, lam)
    else:
        solver = nash.solve if algorithm == "nash" else leximin.solve
        kwargs = {} if algorithm == "nash" else {"kind": algorithm, "tol": tol}
        if time_limit is not None or max_rounds is not None:
            kwargs["budget"] = leximin.Budget(deadline=None if time_limit is None else
                                              time.monotonic() + time_limit - (time.perf_counter() - start),
                                              rounds=max_rounds)
        type_panels, lam, stats = solver(problem, seed=seed, progress=progress, **kwargs)
        dist = PanelDistribution(problem, type_panels, lam)
    seconds = time.perf_counter() - start
    p = dist.marginals()
    panel = dist.draw(seed)
    stats = {**stats, **target_stats, "types": problem.n_types, "panels_in_distribution": len(lam)}
    if "partial" in stats:
        stats["partial"] = {**stats["partial"], "min_probability": float(p.min())}
    return SelectionResult(algorithm, k, seed, panel, dist, pd.Series(p, index=list(pool.ids), name="probability"),
                           metrics.summary(problem, p, panel), seconds, stats)
