"""Manipulation diagnostics: how high a single respondent's selection probability can go if they misreport their
features (Flanigan, Liang, Procaccia, Wang, "Manipulation-Robust Selection of Citizens' Assemblies", AAAI 2024:
leximin and Nash are arbitrarily manipulable, a misreport can lift a probability from 0 to 1 however large the
pool, while minimax's manipulability falls as O(1/n); Goldilocks bounds both sides, Baharav and Flanigan, EC 2024).

A *report* is one value per quota feature (every combination of the quota file's values). Misreporting changes only
the respondent's quota features; the household rule keeps their address. For each objective the diagnostic solves
the selection again with the report in place and reads the respondent's probability under the objective's lottery:

- **exact** (``mode="exact"``, or ``"auto"`` when it fits ``max_solves``): every respondent *type* (people with the
  same features and no housemate are interchangeable, so one stands for all; a person sharing a household is a type
  of their own) times every report. The result is the largest probability any respondent can reach;
- **search** (otherwise, labelled as such): the ``respondents`` respondents with the lowest truthful probability,
  each trying the most under-represented report (per feature the value whose seats-to-pool ratio is highest, the
  strategy of the paper's experiments) and every single-feature change; the result is a lower bound on the true
  manipulability, and ``tried`` says exactly which respondents and reports were tried.

Probabilities are those of the lottery the engine computes. Leximin's probabilities are unique; for maximin (only
the lowest level is optimised), minimax and Goldilocks other optimal lotteries can give a respondent a different
probability, so the figure is that of this implementation, deterministic for given inputs.
"""

from dataclasses import dataclass
from itertools import product

import numpy as np
import pandas as pd

from selection.engine import goldilocks, leximin, nash
from selection.engine.pricing import Pricer
from selection.problem import SelectionProblem, _with_types, build_problem
from selection.records import Pool, Quotas

OBJECTIVES = ("leximin", "maximin", "nash", "minimax", "goldilocks")
MAX_SOLVES = 400
"""Solves per objective above which ``mode="auto"`` searches instead of enumerating."""


@dataclass(frozen=True, eq=False)
class Manipulability:
    """One objective's figures. ``reached``: the largest probability a respondent reached by some report (truthful
    reports included, so never below the truthful maximum among those tried), by ``respondent`` with ``report``
    (feature -> value), whose truthful probability is ``truthful``; ``gain``: the largest rise over one's own
    truthful probability, by ``gain_respondent`` with ``gain_report`` (``gain_changes``: only the features whose
    reported value differs from the truth). ``tried``: every (respondent id, report as
    text, probability or NaN for a report no panel can meet) row; ``exact``: every type times every report."""

    objective: str
    exact: bool
    method: str
    reached: float
    respondent: str
    report: dict
    truthful: float
    gain: float
    gain_respondent: str
    gain_report: dict
    gain_changes: dict
    tried: pd.DataFrame
    solves: int
    infeasible_reports: int


def probabilities(problem: SelectionProblem, objective: str, gamma: float = 1.0) -> np.ndarray:
    """Per-type selection probability (T,) under ``objective`` (one of :data:`OBJECTIVES`)."""
    if objective in ("leximin", "maximin"):
        panels, lam, _ = leximin.solve(problem, kind=objective)
    elif objective == "nash":
        panels, lam, _ = nash.solve(problem)
    elif objective in ("minimax", "goldilocks"):
        panels, lam, _ = goldilocks.solve(problem, kind=objective, gamma=gamma)
    else:
        raise ValueError(f"unknown objective {objective}; choose one of {', '.join(OBJECTIVES)}")
    return (lam @ np.asarray(panels, dtype=float)) / problem.counts


def _feature_rows(problem: SelectionProblem) -> list[np.ndarray]:
    """Quota row indices of each feature's values, features in ``type_values`` column order."""
    rows = problem.quota_rows
    return [np.array([f for f, q in enumerate(rows) if q.feature == feature]) for feature in problem.quotas.features]


def misreported(problem: SelectionProblem, person: int, report: tuple[int, ...]) -> SelectionProblem:
    """The problem with ``person``'s quota rows replaced by ``report`` (one quota row per feature)."""
    values = problem.person_values.copy()
    values[person] = report
    return _with_types(problem.pool, problem.quotas, problem.k, problem.feature_columns, problem.lo, problem.hi,
                       values, problem.weights)


def _text(problem: SelectionProblem, report: tuple[int, ...]) -> dict:
    rows = problem.quota_rows
    return {rows[r].feature: rows[r].value for r in report}


def _search_reports(problem: SelectionProblem, person: int, features: list[np.ndarray]) -> list[tuple[int, ...]]:
    """The paper's under-represented report and every single-feature change of ``person``'s truthful report."""
    pool_seats = problem.seats_of(np.arange(problem.n)).astype(float)
    ratio = (problem.lo + problem.hi) / 2 / problem.k / np.maximum(pool_seats / problem.n, 1e-12)
    truth = tuple(int(v) for v in problem.person_values[person])
    out = [truth, tuple(int(rows[np.argmax(ratio[rows])]) for rows in features)]
    for j, rows in enumerate(features):
        for r in rows:
            if r != truth[j]:
                out.append(truth[:j] + (int(r),) + truth[j + 1:])
    return list(dict.fromkeys(out))


def diagnose(pool: Pool, quotas: Quotas, k: int, objectives=OBJECTIVES, gamma: float = 1.0, mode: str = "auto",
             max_solves: int = MAX_SOLVES, respondents: int = 5) -> list[Manipulability]:
    """The manipulation figure of each objective on this pool (see the module docstring). ``mode``: ``"exact"``,
    ``"search"`` or ``"auto"`` (exact when types x reports <= ``max_solves``). Raises InputError for bad input."""
    problem = build_problem(pool, quotas, k)
    features = _feature_rows(problem)
    reports = list(product(*[[int(r) for r in rows] for rows in features]))
    reps = np.array([members[0] for members in problem.type_members])
    exact = mode == "exact" or (mode == "auto" and len(reps) * len(reports) <= max_solves)
    out = []
    for objective in objectives:
        truthful = probabilities(problem, objective, gamma)[problem.type_of]
        if exact:
            plan = [(int(i), reports) for i in reps]
            method = (f"exact: every respondent type ({len(reps)}) x every report ({len(reports)} combinations of "
                      "the quota values)")
        else:
            low = reps[np.argsort(truthful[reps], kind="stable")[:respondents]]
            plan = [(int(i), _search_reports(problem, int(i), features)) for i in low]
            method = (f"search (a lower bound): the {len(low)} respondents with the lowest truthful probability, each "
                      "with the most under-represented report and every single-feature change")
        out.append(_run(problem, objective, gamma, truthful, plan, exact, method))
    return out


def _run(problem, objective, gamma, truthful, plan, exact, method) -> Manipulability:
    ids = problem.pool.ids
    rows, solves, infeasible = [], 0, 0
    for person, person_reports in plan:
        truth = tuple(int(v) for v in problem.person_values[person])
        for report in person_reports:
            if report == truth:
                p = float(truthful[person])
            else:
                changed = misreported(problem, person, report)
                solves += 1
                if Pricer(changed).feasible() is None:
                    infeasible += 1
                    p = float("nan")
                else:
                    p = float(probabilities(changed, objective, gamma)[changed.type_of[person]])
            rows.append({"respondent": ids[person], "person": person, "report": report, "probability": p,
                         "truthful": float(truthful[person]), "truth": truth})
    table = pd.DataFrame(rows)
    table["gain"] = table["probability"] - table["truthful"]
    best = table.loc[table["probability"].idxmax()]
    honest = table["report"] == table["truth"]
    top_gain = table["gain"].max()
    rise = table.loc[(table["gain"] >= top_gain - 1e-9) & (honest | (top_gain > 1e-9))].iloc[0]  # no gain: honest
    tried = table.assign(report=[", ".join(f"{f}={v}" for f, v in _text(problem, r).items()) for r in table["report"]])
    return Manipulability(objective, exact, method, float(best["probability"]), best["respondent"],
                          _text(problem, best["report"]), float(best["truthful"]), float(rise["gain"]),
                          rise["respondent"], _text(problem, rise["report"]),
                          _text(problem, tuple(r for r, t in zip(rise["report"], rise["truth"], strict=True) if r != t)),
                          tried[["respondent", "report", "truthful", "probability", "gain"]], solves, infeasible)


def summary(results: list[Manipulability]) -> pd.DataFrame:
    """One row per objective: reached, truthful, gain, who and with which report, exact or search, solves."""
    return pd.DataFrame([{"objective": r.objective, "reached": r.reached, "respondent": r.respondent,
                          "report": ", ".join(f"{f}={v}" for f, v in r.report.items()), "truthful": r.truthful,
                          "largest_gain": r.gain, "gain_respondent": r.gain_respondent,
                          "gain_changes": ", ".join(f"{f}={v}" for f, v in r.gain_changes.items()),
                          "exact": r.exact, "solves": r.solves, "infeasible_reports": r.infeasible_reports,
                          "method": r.method} for r in results])
