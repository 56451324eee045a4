"""When no panel meets the quotas: the smallest relaxation that makes them feasible, and which quotas conflict.

An integer program over seats per type (CP-SAT) with slack on every min (lowered) and max (raised): minimise the
total number of seats by which bounds move, lowering small minimums reluctantly (cost ``1 + 2 / old_min`` per seat,
as in the Sortition Foundation tool), within ``min_flex``/``max_flex`` where the quota file gives them.
"""

import numpy as np
from ortools.sat.python import cp_model

from selection.errors import InfeasibleQuotasError
from selection.problem import SelectionProblem


def suggest(problem: SelectionProblem) -> list[tuple[str, str, int, int, int, int]]:
    """Quotas to change: (feature, value, old_min, old_max, new_min, new_max); [] if none can help."""
    m = cp_model.CpModel()
    x = [m.new_int_var(0, int(c), f"x{t}") for t, c in enumerate(problem.counts)]
    m.add(sum(x) == problem.k)
    for h in problem.households:
        m.add(sum(x[t] for t in h) <= 1)
    quotas = [q for f in problem.quotas.features for q in problem.quotas.of(f)]
    member = problem.type_matrix()
    cost, slack = [], []
    for f, q in enumerate(quotas):
        low_floor = q.min_flex if q.min_flex is not None else 0
        high_cap = q.max_flex if q.max_flex is not None else problem.k
        down = m.new_int_var(0, max(0, q.min - min(low_floor, q.min)), f"down{f}")
        up = m.new_int_var(0, max(0, max(high_cap, q.max) - q.max), f"up{f}")
        seats = sum(x[t] for t in np.flatnonzero(member[f]))
        m.add(seats >= q.min - down)
        m.add(seats <= q.max + up)
        slack.append((down, up))
        cost += [(down, 100 + 200 // max(q.min, 1)), (up, 100)]
    m.minimize(sum(c * v for v, c in cost))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 60
    if solver.solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return []
    out = []
    for q, (down, up) in zip(quotas, slack, strict=True):
        d, u = solver.value(down), solver.value(up)
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
