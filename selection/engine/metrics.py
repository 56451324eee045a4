"""Honest fairness figures for a selection: every person's probability, spread and quota satisfaction."""

import numpy as np

from selection.problem import SelectionProblem


def gini(p: np.ndarray) -> float:
    """Gini coefficient of probabilities in [0, 1]: 0 when all are equal (mean absolute difference / 2 mean)."""
    p = np.sort(np.asarray(p, dtype=float))
    n = len(p)
    if n == 0 or p.sum() == 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ p / (n * p.sum()))


def summary(problem: SelectionProblem, probabilities: np.ndarray, panel: np.ndarray) -> dict:
    """Metrics: min/max/mean/geometric-mean probability, Gini, share of people below half the fair share ``k/n``,
    and per quota row (intersectional rows too): bounds, seats on the drawn panel and expected seats. With soft
    targets, each targeted row also has ``target``, ``weight`` and ``panel_deviation`` (seats), and the summary
    ``target_deviation`` (the drawn panel's :func:`weighted_deviation`) and ``expected_target_deviation``."""
    p = np.asarray(probabilities, dtype=float)
    fair = problem.k / problem.n
    seats = problem.seats_of(panel)
    expected = p @ problem.person_rows
    out = {
        "n": problem.n,
        "k": problem.k,
        "fair_share": fair,
        "min_probability": float(p.min()),
        "max_probability": float(p.max()),
        "mean_probability": float(p.mean()),
        "geometric_mean_probability": float(np.exp(np.mean(np.log(np.maximum(p, 1e-300))))) if p.min() > 0 else 0.0,
        "gini": gini(p),
        "share_below_half_fair_share": float(np.mean(p < 0.5 * fair)),
        "quotas": [
            {"feature": q.feature, "value": q.value, "min": q.min, "max": q.max, "panel_seats": int(seats[f]),
             "expected_seats": round(float(expected[f]), 6), "met": bool(q.min <= seats[f] <= q.max)}
            for f, q in enumerate(problem.quota_rows)
        ],
    }
    targets = [(f, q.target_seats(problem.k), q.weight) for f, q in enumerate(problem.quota_rows)]
    targets = [(f, t, w) for f, t, w in targets if t is not None]
    if targets:
        for f, t, w in targets:
            out["quotas"][f].update(target=round(t, 6), weight=w, panel_deviation=round(abs(seats[f] - t), 6))
        out["target_deviation"] = round(weighted_deviation(problem, seats), 6)
        out["expected_target_deviation"] = round(expected_deviation(problem, p), 6)
    return out


def weighted_deviation(problem: SelectionProblem, seats: np.ndarray) -> float:
    """Weighted deviation of a panel from the soft targets, in weighted seats: ``sum_f w_f |seats_f - target_f|``
    over the rows with a target (0 when there are none). ``seats`` (F,) as :meth:`SelectionProblem.seats_of`."""
    total = 0.0
    for f, q in enumerate(problem.quota_rows):
        t = q.target_seats(problem.k)
        if t is not None:
            total += q.weight * abs(float(seats[f]) - t)
    return total


def expected_deviation(problem: SelectionProblem, probabilities: np.ndarray) -> float:
    """Weighted deviation of the *expected* panel (seats per row = the sum of its people's probabilities) from the
    soft targets, in weighted seats: how far the lottery is from the targets on average over many draws."""
    return weighted_deviation(problem, np.asarray(probabilities, dtype=float) @ problem.person_rows)
