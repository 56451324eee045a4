"""Warnings that matter about a selection, in words a planner can act on.

- people whose probability is 0, and why: a feasible panel can hold them only without their housemates (the
  one-per-household rule), or no feasible panel holds them at all;
- a share of the pool far below the fair share ``k/n`` (the legacy greedy draw leaves many there);
- quotas the pool cannot reach: a max above the number of such people in the pool is in effect cut to that
  number, and a min equal to it forces every one of them onto every panel.
"""

import numpy as np

from selection.engine.constraints import SOLVED, exact_params, panel_model
from selection.problem import SelectionProblem

ZERO = 1e-9  # probabilities below this count as 0
FAR_BELOW = 0.5  # "far below the fair share": under half of k/n
FAR_BELOW_SHARE = 0.05  # warn when more of the pool than this is far below
MAX_CHECKS = 25  # types of zero-probability people checked one by one for any feasible panel


def _some_panel_holds(problem: SelectionProblem, t: int) -> bool:
    model = panel_model(problem)
    model.x[t].SetLb(1)
    return model.solver.Solve(exact_params(1.0)) in SOLVED


def warnings(problem: SelectionProblem, probabilities: np.ndarray, algorithm: str) -> list[str]:
    """Readable warnings for a selection's ``probabilities`` (n,), [] when there is nothing to say."""
    p = np.asarray(probabilities, dtype=float)
    ids, out = problem.pool.ids, []
    zero = np.flatnonzero(p < ZERO)
    if zero.size:
        in_household = problem.household_of[zero] >= 0
        never = [i for i in zero[:MAX_CHECKS] if not _some_panel_holds(problem, int(problem.type_of[i]))]
        named = ", ".join(ids[i] for i in zero[:8]) + (" ..." if zero.size > 8 else "")
        reasons = []
        if never:
            reasons.append(f"no panel that meets the quotas can hold {len(never)} of them "
                           f"({', '.join(ids[i] for i in never[:5])})")
        if in_household.any():
            reasons.append(f"{int(in_household.sum())} share a household with another respondent "
                           "(at most one per household)")
        if algorithm == "legacy" and not reasons:
            reasons.append("the greedy draw never picked them in its sample")
        out.append(f"{zero.size} volunteer{'s have' if zero.size > 1 else ' has'} probability 0 ({named}): "
                   + "; ".join(reasons or ["the fair distribution leaves them out"]))
    fair = problem.k / problem.n
    below = float(np.mean(p < FAR_BELOW * fair))
    if below > FAR_BELOW_SHARE:
        out.append(f"{below:.0%} of the pool have less than half the fair share k/n = {fair:.4f}"
                   + ("; the leximin algorithm raises the lowest chances as far as the quotas allow"
                      if algorithm == "legacy" else "; the quotas force it: see the probabilities by group"))
    available = problem.seats_of(np.arange(problem.n))
    for q, have in zip(problem.quota_rows, available, strict=True):
        if q.max > have:
            out.append(f"quota {q.feature}={q.value}: max {q.max} but the pool has only {have}, so at most {have} "
                       "can sit")
        elif q.min == have and have > 0:
            out.append(f"quota {q.feature}={q.value}: min {q.min} equals the {have} such people in the pool, so "
                       "every one of them is on every panel")
    return out
