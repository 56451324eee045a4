"""LEXIMIN and MAXIMIN over types: the leximin of the relaxed panel hull, written as a lottery over panels.

The classic method (Flanigan, Gölz, Gupta, Hennig, Procaccia, Nature 2021) runs one column-generation stage per
leximin level, hundreds of them on real pools. Here instead:

1. the leximin over P, the LP relaxation of the panel hull Q (:mod:`selection.engine.hull`): small LPs, no pricing;
2. its point ``x*`` is decomposed into a lottery over panels (:mod:`selection.engine.decompose`, one column
   generation). Since Q lies in P, nothing in Q beats the leximin of P: a decomposed ``x*`` *is* the leximin of Q;
3. when ``x*`` lies outside Q, the decomposition proves it and returns a valid inequality that cuts ``x*`` off; the
   cut is added to P and the loop repeats from 1 (panels found so far are kept).

Exactness: the published lottery's selection probabilities differ from the leximin of P (after the cuts) by at most
``stats["certified_tolerance"]`` (probability units, measured on the result, not assumed), and that leximin is, by
construction, lexicographically at least the true one, which the lottery reaches; every level of the relaxation is
exact to the LP tolerance (1e-10) and every stuck type is proved stuck by a dual or a release LP.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from selection.engine.decompose import Decomposer, Outcome
from selection.engine.hull import Relaxation
from selection.engine.peel import Peel, Peeler
from selection.problem import SelectionProblem

Progress = Callable[[str, int, int, float], None]
PEEL_FROM_TYPES = 150
"""Pools with fewer types go straight to column generation, which is faster there (measured, ``benchmarks/
selection_vs_peer.py``: 0.15 s against 0.6 s on opendlp_monitoring_100, 64 types; 0.36 s against 0.9 s on
sa_fixture_150, 122 types); from a few hundred types up the peel is 5 to 30 times faster."""
PEEL_GOAL = 0.1
"""The peel is accepted when the mass it leaves undecomposed is at most this share of ``tol``: each unit of that
mass moves a selection probability by at most one unit, so the published probabilities stay within ``0.1 * tol`` of
the relaxation's point (``certified_tolerance`` measures the result)."""
MAX_CUT_ROUNDS = 500
"""Cut rounds before giving up (never reached in our tests and benchmarks; each round cuts the current point off)."""


@dataclass
class Budget:
    """When to stop early. ``deadline``: a ``time.monotonic()`` value; ``rounds``: decomposition rounds in all
    (an iteration count, so a stop it causes is repeatable). ``used`` counts the rounds run."""

    deadline: float | None = None
    rounds: int | None = None
    used: int = 0

    def spend(self) -> bool:
        """Count a round; True when a limit is reached."""
        self.used += 1
        over = (self.rounds is not None and self.used > self.rounds) or \
            (self.deadline is not None and time.monotonic() > self.deadline)
        if over:
            self.used -= 1
        return over


def solve(problem: SelectionProblem, kind: str = "leximin", tol: float = 1e-6, seed: int = 0,
          progress: Progress | None = None, budget: Budget | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Leximin (``kind="leximin"``) or maximin (``kind="maximin"``: a lottery whose lowest weighted probability is
    the relaxation's lowest level, so the highest possible; others are left wherever the decomposition puts them)
    over types.

    Returns (panels as an (m, T) array of seats per type, their probabilities (m,), stats dict). Every panel is
    feasible; probabilities sum to 1; ``sum_j lam_j x_tj / c_t`` is each member's selection probability.
    ``stats``: ``certified_tolerance`` (the largest gap between a published probability and the relaxation's
    leximin, probability units; at most ``tol`` unless a budget stopped the solve), ``cut_rounds``,
    ``levels`` (of the last relaxation), ``decomposition_rounds``, ``panels_generated``, ``pricing_calls`` (exact
    integer pricing) and ``lp_pricing_calls``. ``seed`` is unused (the method is deterministic).
    With a ``budget`` that runs out, the lottery found so far is returned with ``stats["partial"]``: ``level`` (its
    lowest weighted probability), ``bound`` (how far the optimum's lowest can lie above it) and ``rounds`` (give them
    as ``Budget(rounds=...)`` to repeat the same stop exactly).
    """
    del seed
    wmax = float(problem.type_weight.max())
    coef = problem.type_weight / problem.counts / wmax  # weighted probability per seat, largest weight 1
    relax = Relaxation(problem, coef)
    decomposer = Decomposer(problem)
    spend = None if budget is None else budget.spend
    cuts = peeled = 0
    goal = PEEL_GOAL * tol
    while True:
        values, level = relax.leximin(None if progress is None else
                                      lambda done, total, z: progress("relaxation", done, total, z * wmax))
        if problem.n_types < PEEL_FROM_TYPES:
            peel = Peel(rest_mass=1.0)
        else:
            report = None if progress is None else \
                (lambda steps, share: progress("decomposition", steps, 0, share))
            peel = Peeler(problem, relax.cuts).run(relax.point, spend=spend, enough=goal / 2, progress=report)
        if peel.panels and peel.rest_mass > goal and not peel.stopped:
            peel = _finish(decomposer, peel, spend)
        if peel.rest_mass <= goal or peel.stopped:
            outcome = _peeled(peel)
            peeled = len(peel.panels)
            break
        floor_only = kind == "maximin" and values.min() > 1e-9
        target = (np.full_like(values, values.min()) if floor_only else values) / coef
        if progress:
            progress("decomposition", 0, 0, float(values.min()) * wmax)
        outcome = decomposer.run(target, spend=spend, floor_only=floor_only, progress=None if progress is None else
                                 lambda rounds, z: progress("decomposition", rounds, 0, z))
        if outcome.stopped or outcome.cut is None:
            break
        cuts += 1
        if cuts > MAX_CUT_ROUNDS:
            raise RuntimeError(f"leximin: no convergence after {MAX_CUT_ROUNDS} cut rounds")
        relax.add_cut(*outcome.cut)
    reached = coef * (outcome.lam @ outcome.panels)
    floor_only = kind == "maximin" and not peeled and values.min() > 1e-9
    if floor_only:  # maximin: only the lowest level is claimed
        values, reached = values.min(), reached.min()
    how = ("peel + decomposition" if peel.redone else "peel") if peeled else "decomposition"
    stats = {"method": "relaxation leximin + " + how, "cut_rounds": cuts,
             "levels": int(level.max()) + 1, "peel_panels": peeled, "peel_lps": peel.lps, "peel_mips": peel.mips,
             "peel_redone": peel.redone,
             "decomposition_rounds": decomposer.rounds, "panels_generated": len(decomposer.panels),
             "pricing_calls": decomposer.exact_calls, "lp_pricing_calls": decomposer.linear.calls,
             "relaxation_lps": relax.lps,
             "certified_tolerance": float(np.max(np.abs(reached - values))) + relax.tolerance}
    if budget is not None:
        stats["rounds"] = budget.used
    if outcome.stopped:
        low = float(np.min(reached))
        stats["partial"] = {"level": low * wmax, "bound": max(0.0, float(np.min(values)) - low) * wmax,
                            "rounds": budget.used, "stages_completed": cuts}
    return outcome.panels, outcome.lam, stats


def _peeled(peel: Peel):
    """The peel's panels as a decomposition outcome: masses normalised to a lottery (the undecomposed remainder,
    at most the goal, is spread over them); duplicates merged."""
    panels, inverse = np.unique(np.array(peel.panels, dtype=np.int64), axis=0, return_inverse=True)
    lam = np.bincount(inverse.ravel(), weights=np.array(peel.mass), minlength=len(panels))
    return Outcome(1.0 - peel.rest_mass, panels, lam / lam.sum(), None, stopped=peel.stopped)


def _finish(decomposer: Decomposer, peel: Peel, spend) -> Peel:
    """Finish a peel that met a face with no panel (its remainder left P's panel hull) by column generation on an
    earlier remainder, 8, 32, 128, ... steps back: a remainder lies on a small face (every step tightened a row), so
    its decomposition is quick, and an earlier one is more likely inside the hull. Returns the combined peel
    (``redone``: how many steps back) or ``peel`` unchanged when no earlier remainder could be decomposed."""
    back = 8
    while back < len(peel.trail):
        R, M, n = peel.trail[-back][:3]
        out = decomposer.run(R / M, spend=spend)
        if out.stopped or (out.cut is None and out.z >= 1.0 - 1e-9):
            return Peel(panels=peel.panels[:n] + list(out.panels), mass=peel.mass[:n] + list(M * out.lam),
                        rest=None, rest_mass=M * max(0.0, 1.0 - out.z), lps=peel.lps, mips=peel.mips,
                        stopped=out.stopped, redone=back)
        back *= 4
    return peel
