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
    and per quota: bounds, seats on the drawn panel and expected seats."""
    p = np.asarray(probabilities, dtype=float)
    fair = problem.k / problem.n
    seats = problem.seats_of(panel)
    expected = np.zeros(len(problem.lo))
    for j in range(problem.person_values.shape[1]):
        np.add.at(expected, problem.person_values[:, j], p)
    return {
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
