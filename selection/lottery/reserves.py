"""Reserve lists for a drawn panel, and drop-out probabilities.

Real panels lose members (2 of 110 at Climate Assembly UK; 31 of 150 by the final vote of France's climate convention;
Ireland's 2016-18 assembly replaced 53 of its 99). This module chooses who is asked when that happens (the exact replacement itself is
:func:`selection.lottery.repair.repair`):

- :func:`plain_reserves`: the usual practice, one look-alike reserve per member, as the baseline to beat.
- :func:`dropout_aware_reserves`: a reserve list chosen for the expected quota deviation after drop-outs, given each
  person's drop-out probability (in the spirit of Assos, Baharav, Flanigan, Procaccia, "Alternates, Assemble!",
  2025, which picks alternates to minimise expected quota deviation; the algorithm here is our own).
- :func:`simulate_dropouts`: held-out comparison of reserve lists under one refill rule.
- :func:`read_dropout`, :func:`dropout_from_stay`: drop-out probabilities from a pool column or from per-value
  "stay" factors.

Units and conventions. People are person indices into ``problem`` (0..n-1, pool order). *Total quota deviation* is
``sum_f max(lo_f - seats_f, 0) + sum_f max(seats_f - hi_f, 0) + empty seats`` over quota rows f, in seats (an
integer >= 0; 0 means every quota is met and all k seats are filled). A drop-out probability is in [0, 1].

**Refill rule** (used by :func:`dropout_aware_reserves` to choose and by :func:`simulate_dropouts` to compare, so
every list is judged alike): after the drop-outs of a scenario (panel members and reserves drop independently, each
with their own probability), empty seats are filled one at a time from the reserves still available (not dropped,
not sharing a household with anyone on the panel); each time the reserve whose addition lowers the total deviation
most is taken, ties going to the one earlier on the list. This greedy rule is what a planner does by hand with a
list; :func:`repair` (exact) restricted to the same reserves is at least as good in any single scenario.

**Calibration** (``dropout`` column of ``selection/data/example_pool.csv``). P(stay) = 0.9999 x the product of
the per-value "stay" factors of a person, the model and the numbers fitted on three Healthy Democracy panels
(Eugene 2020, Petaluma 2022, Deschutes 2024) by Assos et al. and published in
``Cbaharav/alternate_selection_sortition`` (``logging/HD/betas_Age_Hou_Gen_Rac_Edu_Eugene_2020_Petaluma_2022_
Deschutes_2024.csv``; the pooled three-panel fit). Their per-respondent drop-out probabilities
(``*_dropout_probs.csv``) average 0.10-0.12 per panel. Mapped
to the example pool's values (:data:`EXAMPLE_STAY`): male 0.8990 (Male 0.89897); age 16-29 0.9931 (mean of 16-24
0.9999 and 25-34 0.98635), 45-64 0.9565 (45-54 0.91306, 55-64 0.9999), 65+ 0.9377 (65-74 0.87544, 75+ 0.9999);
education primary 0.7475 (Some_schooling 0.74747); every other value 1. The column holds ``1 - 0.9999 x product``
rounded to 4 decimals (mean 0.106, max 0.370 over the 400 people). ASSUMPTIONS: origin and district have no
counterpart in those data and get 1; the US bins are averaged into ours unweighted. The published fit does *not*
show the young dropping out much more; it shows men, people aged 45-74 and people without school qualifications
dropping out more.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from selection.errors import InputError, Problem
from selection.inputs import numeric_column
from selection.lottery.repair import person_indices
from selection.problem import SelectionProblem
from selection.records import Pool, norm

BASELINE_STAY = 0.9999
"""The fitted intercept ("init") of the stay model: P(stay) of a person whose values all have factor 1."""

EXAMPLE_STAY: dict[tuple[str, str], float] = {
    ("gender", "male"): 0.8990, ("age", "16-29"): 0.9931, ("age", "45-64"): 0.9565, ("age", "65+"): 0.9377,
    ("education", "primary"): 0.7475,
}
"""Per-value stay factors for the example pool (see the module docstring for the source and mapping)."""


def plain_reserves(problem: SelectionProblem, panel: Sequence[int] | np.ndarray, size: int, seed: int) -> np.ndarray:
    """The usual practice: an ordered list of ``size`` distinct non-members, one look-alike per member.

    For each panel member in random order (a fresh order for every further round when ``size > k``): a random
    non-member with the same value on every quota feature if one is left, else one differing on the fewest
    features; people sharing a household with a panel member or an earlier reserve only when no one else is left.
    Fewer than ``size`` only when the pool runs out. Deterministic given ``seed``.
    """
    panel = person_indices(problem, panel, "panel")
    if len(panel) == 0:
        raise ValueError("the panel is empty")
    rng = np.random.default_rng(seed)
    hh, pv = problem.household_of, problem.person_values
    free = np.ones(problem.n, dtype=bool)
    free[panel] = False
    used = set(hh[panel].tolist()) - {-1}
    out: list[int] = []
    while len(out) < size and free.any():
        for member in rng.permutation(panel):
            if len(out) == size or not free.any():
                break
            c = np.flatnonzero(free)
            ok = c[~np.isin(hh[c], list(used))]
            c = ok if ok.size else c
            diff = (pv[c] != pv[member]).sum(axis=1)
            pick = int(rng.choice(c[diff == diff.min()]))
            out.append(pick)
            free[pick] = False
            if hh[pick] >= 0:
                used.add(int(hh[pick]))
    return np.array(out, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class _Scenarios:
    """Drop-out scenarios for one panel: ``drop`` (S, n) bool; seats (S, F) and empty seats (S,) after the panel's
    drop-outs; ``alive`` (S, k) panel members who stay."""

    panel: np.ndarray
    drop: np.ndarray
    seats: np.ndarray
    empty: np.ndarray
    alive: np.ndarray


def _scenarios(problem: SelectionProblem, panel: np.ndarray, dropout: np.ndarray, count: int,
               rng: np.random.Generator) -> _Scenarios:
    """``count`` scenarios; person i drops in scenario s iff u[s, i] < dropout[i], u uniform from ``rng`` (so the
    same generator state gives every reserve list the same fates: common random numbers)."""
    drop = np.concatenate([rng.random((min(512, count - s), problem.n)) < dropout
                           for s in range(0, count, 512)]) if count else np.zeros((0, problem.n), dtype=bool)
    alive = ~drop[:, panel]
    member = problem.person_rows[panel].astype(np.int64)  # (k, F): every quota row, intersectional ones too
    return _Scenarios(panel, drop, alive.astype(np.int64) @ member, problem.k - alive.sum(axis=1), alive)


def _refill(problem: SelectionProblem, sc: _Scenarios, reserves: np.ndarray) -> tuple[np.ndarray, ...]:
    """Apply the refill rule (module docstring) in every scenario at once.

    Returns total deviation (S,), empty seats (S,), reserves used (S,), seats after refilling (S, F).
    """
    seats, empty = sc.seats.copy(), sc.empty.copy()
    used = np.zeros(len(empty), dtype=np.int64)
    r = len(reserves)
    if r:
        hh = problem.household_of
        hr = hh[reserves]
        same = (hr[:, None] == hr[None, :]) & (hr[:, None] >= 0) | np.eye(r, dtype=bool)
        shares = ((hh[sc.panel][:, None] == hr[None, :]) & (hr >= 0)).astype(np.int64)
        blocked = (sc.alive.astype(np.int64) @ shares) > 0
        avail = ~sc.drop[:, reserves] & ~blocked
        rows_r = problem.person_rows[reserves].astype(np.int64)  # (r, F)
        for _ in range(r):
            active = np.flatnonzero((empty > 0) & avail.any(axis=1))
            if not active.size:
                break
            g = (seats[active] >= problem.hi).astype(np.int64) - (seats[active] < problem.lo)
            score = np.where(avail[active], g @ rows_r.T, np.iinfo(np.int64).max)
            pick = score.argmin(axis=1)
            seats[active] += rows_r[pick]
            empty[active] -= 1
            used[active] += 1
            avail[active] &= ~same[pick]
    dev = np.maximum(problem.lo - seats, 0).sum(axis=1) + np.maximum(seats - problem.hi, 0).sum(axis=1) + empty
    return dev, empty, used, seats


def _check_dropout(problem: SelectionProblem, dropout) -> np.ndarray:
    p = np.asarray(dropout, dtype=float)
    if p.shape != (problem.n,) or not np.all((p >= 0) & (p <= 1)):
        raise ValueError(f"dropout must be {problem.n} probabilities in [0, 1], one per person")
    return p


def dropout_aware_reserves(problem: SelectionProblem, panel: Sequence[int] | np.ndarray, size: int,
                           dropout: Sequence[float] | np.ndarray, seed: int, scenarios: int = 1000,
                           shortlist: int = 24) -> np.ndarray:
    """An ordered list of up to ``size`` reserves chosen to minimise the expected total quota deviation after
    drop-outs and refilling by the refill rule (module docstring).

    Sample average approximation over ``scenarios`` seeded scenarios (``dropout`` (n,) in [0, 1]: each person's
    probability of dropping out; panel members and reserves drop independently). Greedy: position by position, the
    candidate that lowers the sample mean deviation most is appended (ties: the higher screening score, then the
    lower drop-out probability). Candidates are non-members outside the panel's households, one per household; of
    interchangeable people (same type) the one least likely to drop out is tried first, ties in a seeded random
    order. Each position scores every candidate type by a cheap proxy (the quota rows still short after refilling)
    and evaluates the ``shortlist`` best exactly on all scenarios. Finally the plain list
    (:func:`plain_reserves` with the same seed) is evaluated on the same scenarios and returned instead if it does
    strictly better, so the result is never worse than the plain list on the training sample. Deterministic given
    ``seed``; evaluate on other scenarios (another seed) with :func:`simulate_dropouts`.
    """
    panel = person_indices(problem, panel, "panel")
    p = _check_dropout(problem, dropout)
    rng = np.random.default_rng(seed)
    queues = _candidate_queues(problem, panel, p, rng)
    sc = _scenarios(problem, panel, p, scenarios, rng)
    chosen: list[int] = []
    while len(chosen) < size and queues:
        heads = np.array([q[0] for q in queues.values()], dtype=np.int64)
        best = _best_next(problem, sc, np.array(chosen, dtype=np.int64), heads, p, shortlist)
        chosen.append(best)
        _take(problem, queues, best)
    chosen_arr = np.array(chosen, dtype=np.int64)
    plain = plain_reserves(problem, panel, size, seed)
    if _refill(problem, sc, plain)[0].sum() < _refill(problem, sc, chosen_arr)[0].sum():
        return plain
    return chosen_arr


def _candidate_queues(problem, panel, p, rng) -> dict[int, list[int]]:
    """Per type, the eligible non-members, least likely to drop out first (ties: random)."""
    hh = problem.household_of
    ok = np.ones(problem.n, dtype=bool)
    ok[panel] = False
    taken = np.unique(hh[panel])
    ok &= ~np.isin(hh, taken[taken >= 0])
    cands = np.flatnonzero(ok)
    cands = cands[np.lexsort((rng.random(len(cands)), p[cands]))]
    queues: dict[int, list[int]] = {}
    for i in cands.tolist():
        queues.setdefault(int(problem.type_of[i]), []).append(i)
    return queues


def _take(problem, queues: dict[int, list[int]], person: int) -> None:
    """Remove ``person`` and anyone sharing their household from the candidate queues."""
    hh = problem.household_of
    t = int(problem.type_of[person])
    queues[t].pop(0)
    drop = [t] if not queues[t] else []
    if hh[person] >= 0:
        drop += [int(u) for u in problem.households[hh[person]] if int(u) in queues]
    for u in set(drop):
        queues.pop(u, None)


def _best_next(problem, sc: _Scenarios, chosen: np.ndarray, heads: np.ndarray, p: np.ndarray,
               shortlist: int) -> int:
    """The head whose appending gives the lowest total deviation over the scenarios (ties as documented)."""
    _, empty, _, seats = _refill(problem, sc, chosen)
    g = (seats < problem.lo).astype(np.int64) - (seats >= problem.hi)
    gain = g @ problem.person_rows[heads].T.astype(np.int64)
    gain = np.where((empty > 0)[:, None], gain + 1, np.maximum(gain, 0))
    proxy = (gain * ~sc.drop[:, heads]).mean(axis=0) if len(empty) else np.zeros(len(heads))
    order = np.lexsort((p[heads], -proxy))[:shortlist]
    totals = [_refill(problem, sc, np.append(chosen, heads[j]))[0].sum() for j in order]
    return int(heads[order[int(np.argmin(totals))]])


def simulate_dropouts(problem: SelectionProblem, panel: Sequence[int] | np.ndarray,
                      reserves: Sequence[int] | np.ndarray, dropout: Sequence[float] | np.ndarray,
                      scenarios: int, seed: int) -> dict:
    """Held-out simulation of a reserve list: ``scenarios`` seeded drop-out scenarios, refill rule as documented.

    The same ``seed`` gives every list the same fates person by person (common random numbers), so lists compared
    with one seed differ only by the lists. Use a seed other than the one the list was chosen with. Returns
    ``scenarios``; ``mean_deviation`` (total quota deviation in seats, after refilling) and its standard error
    ``sem_deviation``; ``share_all_met`` (share of scenarios with deviation 0: every quota met, no empty seat);
    ``mean_empty_seats``; ``mean_reserves_used``; ``mean_dropouts`` (panel members who dropped).
    """
    panel = person_indices(problem, panel, "panel")
    reserves = np.asarray(reserves, dtype=np.int64).ravel()
    if np.isin(reserves, panel).any() or len(np.unique(reserves)) != len(reserves):
        raise ValueError("reserves must be distinct people who are not on the panel")
    p = _check_dropout(problem, dropout)
    sc = _scenarios(problem, panel, p, scenarios, np.random.default_rng(seed))
    dev, empty, used, _ = _refill(problem, sc, reserves)
    return {
        "scenarios": int(scenarios),
        "mean_deviation": float(dev.mean()),
        "sem_deviation": float(dev.std(ddof=1) / np.sqrt(len(dev))) if len(dev) > 1 else 0.0,
        "share_all_met": float((dev == 0).mean()),
        "mean_empty_seats": float(empty.mean()),
        "mean_reserves_used": float(used.mean()),
        "mean_dropouts": float((~sc.alive).sum(axis=1).mean()),
    }


# -------------------------------------------------------------------------------------- drop-out probabilities


def read_dropout(pool: Pool, column: str) -> np.ndarray:
    """(n,) drop-out probabilities from a pool column (exact name, else matched ignoring case and spacing).

    Every value must be a number in [0, 1] (0.15 means 15 %; percentages are not accepted). Raises InputError
    naming file, row and column for a missing column or any empty, non-numeric or out-of-range value.
    """
    col = column if column in pool.table.columns else next(
        (c for c in pool.table.columns if norm(c) == norm(column)), None)
    if col is None:
        raise InputError(Problem(pool.source, 1, column, "drop-out column not found (columns: "
                                 f"{', '.join(pool.table.columns[:12])})",
                                 "add a column of drop-out probabilities between 0 and 1 or name the right one"))
    return numeric_column(pool.source, col, pool.table[col], pool.rows, low=0, high=1, decimal=".",
                          fix="give a probability between 0 and 1 (0.15 for 15 %; percentages are not accepted)")


def dropout_from_stay(problem: SelectionProblem, stay: Mapping[tuple[str, str], float],
                      baseline: float = BASELINE_STAY) -> np.ndarray:
    """(n,) drop-out probabilities ``1 - baseline * prod(stay factors of the person's values)``.

    ``stay`` maps (feature, value) (matched ignoring case and spacing) to a factor in (0, 1]; values not listed
    get 1. This is the multiplicative stay model of Assos et al. (2025); :data:`EXAMPLE_STAY` holds its published
    factors mapped to the example pool.
    """
    factors = {(norm(f), norm(v)): float(b) for (f, v), b in stay.items()}
    row_factor = np.array([factors.get((norm(q.feature), norm(q.value)), 1.0) for q in problem.quota_rows])
    return 1.0 - baseline * row_factor[problem.person_values].prod(axis=1)
