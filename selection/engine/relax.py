"""When no panel meets the quotas: the smallest relaxation that makes them feasible, and which quotas conflict.

An integer program over seats per type (the panel model of :mod:`selection.engine.constraints`, CBC) with slack on every min (lowered) and max (raised): minimise the
total number of seats by which bounds move, lowering small minimums reluctantly (cost ``1 + 2 / old_min`` per seat,
as in the Sortition Foundation tool), within ``min_flex``/``max_flex`` where the quota file gives them.
"""

import numpy as np

from selection.engine.constraints import SOLVED, exact_params, panel_model
from selection.errors import InfeasibleQuotasError
from selection.problem import SelectionProblem

TIME_LIMIT = 60.0  # seconds for the relaxation search


def suggest(problem: SelectionProblem) -> list[tuple[str, str, int, int, int, int]]:
    """Quotas to change: (feature, value, old_min, old_max, new_min, new_max); [] if none can help."""
    rows = problem.quota_rows
    down_cap = np.array([max(0, q.min - min(q.min_flex if q.min_flex is not None else 0, q.min)) for q in rows])
    up_cap = np.array([max(0, max(q.max_flex if q.max_flex is not None else problem.k, q.max) - q.max)
                       for q in rows])
    model = panel_model(problem, slack_caps=(down_cap, up_cap), time_limit=TIME_LIMIT)
    s = model.solver
    s.Minimize(s.Sum([(100 + 200 // max(q.min, 1)) * d + 100 * u
                      for q, d, u in zip(rows, model.below, model.above, strict=True)]))
    if s.Solve(exact_params()) not in SOLVED:
        return []
    out = []
    for q, down, up in zip(rows, model.below, model.above, strict=True):
        d, u = round(down.solution_value()), round(up.solution_value())
        if d or u:
            out.append((q.feature, q.value, q.min, q.max, q.min - d, q.max + u))
    return out


def raise_infeasible(problem: SelectionProblem) -> None:
    """Raise :class:`InfeasibleQuotasError` explaining the conflict (called once no panel was found)."""
    changes = suggest(problem)
    src = problem.quotas.source
    if not changes:
        households = len(problem.households)
        msg = (f"{src}: no panel of {problem.k} meets these quotas, and no relaxation within min_flex/max_flex "
               f"helps" + (f" (the household rule leaves too few eligible people: {households} shared households)"
                          if households else "") + "; widen min_flex/max_flex or enlarge the pool")
        raise InfeasibleQuotasError(msg, [])
    parts = [f"{f}={v} [{a},{b}] -> [{c},{d}]" for f, v, a, b, c, d in changes]
    msg = (f"{src}: no panel of {problem.k} meets these quotas; they conflict at "
           f"{', '.join(f'{f}={v}' for f, v, *_ in changes)}. Smallest change that works: "
           + "; ".join(parts) + ". Edit those rows and run again")
    raise InfeasibleQuotasError(msg, changes)
