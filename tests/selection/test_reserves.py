"""Reserves and replacements: exact repair (against brute force), preference order, households, reserve lists,
held-out simulation and drop-out columns."""

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from selection import InputError, Pool, Quota, Quotas, build_problem
from selection.lottery.repair import repair
from selection.lottery.reserves import (
    dropout_aware_reserves,
    dropout_from_stay,
    plain_reserves,
    read_dropout,
    simulate_dropouts,
)


def problem_from(people, addresses, quotas, k):
    """people: list of dicts feature -> value; quotas: list of (feature, value, min, max)."""
    rows = [{"id": f"p{i}", "addr": a, **v} for i, (v, a) in enumerate(zip(people, addresses, strict=True))]
    pool = Pool.from_frame(pd.DataFrame(rows), id_column="id", household_columns=["addr"], source="pool.csv")
    return build_problem(pool, Quotas.from_rows([Quota(*q) for q in quotas], source="quotas.csv"), k)


@st.composite
def instances(draw):
    """A small pool (2-3 features of 2-3 values, some shared addresses), a feasible panel and quotas built around
    it (so the panel meets them), drop-outs, exclusions and a preference order."""
    n_values = draw(st.lists(st.integers(2, 3), min_size=2, max_size=3))
    n = draw(st.integers(6, 10))
    people = [{f"f{j}": f"v{draw(st.integers(0, m - 1))}" for j, m in enumerate(n_values)} for _ in range(n)]
    addresses = [f"a{draw(st.integers(0, 2 * n))}" for _ in range(n)]
    k = draw(st.integers(2, 5))
    panel, seen = [], set()
    for i in draw(st.permutations(range(n))):
        if len(panel) < k and addresses[i] not in seen:
            panel.append(i)
            seen.add(addresses[i])
    assume(len(panel) == k)
    quotas = []
    for j, m in enumerate(n_values):
        for v in range(m):
            seats = sum(people[i][f"f{j}"] == f"v{v}" for i in panel)
            lo = max(seats - draw(st.integers(0, 1)), 0)
            quotas.append((f"f{j}", f"v{v}", lo, seats + draw(st.integers(0, 1))))
    problem = problem_from(people, addresses, quotas, k)
    dropped = sorted(draw(st.sets(st.sampled_from(panel), min_size=1)))
    others = [i for i in range(n) if i not in panel]
    exclude = sorted(draw(st.sets(st.sampled_from(others), max_size=2))) if others else []
    preference = draw(st.permutations(range(n)))[: draw(st.integers(0, n))]
    return problem, np.array(sorted(panel)), np.array(dropped), np.array(exclude, dtype=np.int64), \
        np.array(preference, dtype=np.int64), addresses


def brute_force(problem, panel, dropped, exclude, preference, addresses):
    """(least total deviation, the lexicographically earliest best set by rank) by enumeration."""
    remaining = [i for i in panel if i not in set(dropped)]
    rank = {int(p): r for r, p in reversed(list(enumerate(preference)))}
    key = {i: rank.get(i, len(preference) + i) for i in range(problem.n)}
    used = {addresses[i] for i in remaining}
    cands = [i for i in range(problem.n) if i not in set(panel) | set(exclude) and addresses[i] not in used]
    need = problem.k - len(remaining)
    fill = min(need, len({addresses[i] for i in cands}))
    best = None
    for combo in combinations(cands, fill):
        if len({addresses[i] for i in combo}) < fill:
            continue
        seats = np.bincount(problem.person_values[remaining + list(combo)].ravel(), minlength=len(problem.lo))
        dev = int(np.maximum(problem.lo - seats, 0).sum() + np.maximum(seats - problem.hi, 0).sum()) + need - fill
        cand = (dev, sorted(key[i] for i in combo))
        if best is None or cand < best[0]:
            best = (cand, combo)
    (dev, _), combo = best
    return dev, sorted(combo, key=lambda i: key[i])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(instances())
def test_repair_is_the_exact_lexicographic_optimum(case):
    problem, panel, dropped, exclude, preference, addresses = case
    result = repair(problem, panel, dropped, preference=preference, exclude=exclude)
    dev, added = brute_force(problem, panel, dropped, exclude, preference, addresses)
    event("exact repair exists" if dev == 0 else "no exact repair")
    assert result.total_deviation == dev
    assert result.added.tolist() == added  # same people, in preference order
    assert result.exact
    if dev == 0:
        assert problem.is_feasible_panel(result.panel)
    assert len({addresses[i] for i in result.panel}) == len(result.panel)  # one per household
    assert not set(result.added.tolist()) & (set(panel.tolist()) | set(exclude.tolist()))
    recount = sum(d.below + d.above for d in result.deviation) + result.empty_seats
    assert recount == result.total_deviation
    seats = np.bincount(problem.person_values[result.panel].ravel(), minlength=len(problem.lo))
    assert [d.seats for d in result.deviation] == seats.tolist()


def two_by_two(n_each=3, k=4):
    """n_each people of each (sex, age) cell, everyone at their own address; quotas exact 2/2 on both."""
    cells = [("f", "young"), ("f", "old"), ("m", "young"), ("m", "old")]
    people = [{"sex": s, "age": a} for s, a in cells for _ in range(n_each)]
    quotas = [("sex", "f", k // 2, k // 2), ("sex", "m", k // 2, k // 2),
              ("age", "young", k // 2, k // 2), ("age", "old", k // 2, k // 2)]
    return problem_from(people, [f"a{i}" for i in range(len(people))], quotas, k), people


def test_preference_breaks_ties_and_unlisted_follow_in_pool_order():
    problem, _ = two_by_two()
    panel = np.array([0, 3, 6, 9])  # f-young, f-old, m-young, m-old
    assert repair(problem, panel, [0]).added.tolist() == [1]  # pool order among the f-young
    assert repair(problem, panel, [0], preference=[2, 1]).added.tolist() == [2]
    assert repair(problem, panel, [0], preference=[7, 2]).added.tolist() == [2]  # 7 (m-young) breaks a quota
    both = repair(problem, panel, [0, 9], preference=[11, 10, 2])
    assert both.added.tolist() == [11, 2] and both.total_deviation == 0
    # the first reserve is used whenever some best repair uses it, even if the ranks then add up to more:
    # {10 (m-old), 1 (f-young)} at ranks 0 and 5, not {4 (f-old), 7 (m-young)} at ranks 1 and 2
    assert repair(problem, panel, [0, 9], preference=[10, 4, 7, 5, 8, 1]).added.tolist() == [10, 1]


def test_no_exact_repair_reports_smallest_deviation_and_empty_seats():
    problem, _ = two_by_two()
    panel = np.array([0, 3, 6, 9])
    result = repair(problem, panel, [0], exclude=[1, 2])  # no f-young left: the best breaks two quotas
    assert result.total_deviation == 2 and not problem.is_feasible_panel(result.panel)
    assert len(result.panel) == 4
    everyone_else = [i for i in range(12) if i not in panel]
    result = repair(problem, panel, [0, 3], exclude=everyone_else[:-1])
    assert result.empty_seats == 1 and len(result.panel) == 3 and result.total_deviation >= 1


def test_dropped_must_be_on_the_panel():
    problem, _ = two_by_two()
    with pytest.raises(ValueError, match=r"p1 \(index 1\)"):
        repair(problem, [0, 3, 6, 9], [0, 1])


def test_household_of_those_who_stay_is_never_added():
    people = [{"sex": s} for s in "ffmmf"]
    # person 4 (f) shares an address with 1, who stays; person 3 shares with 0, who drops out
    problem = problem_from(people, ["h0", "h1", "h2", "h0", "h1"], [("sex", "f", 1, 1), ("sex", "m", 1, 1)], 2)
    result = repair(problem, [0, 2], [2], preference=[3])  # 3, the only other m, lives with 0, who stays
    assert result.added.tolist() == [1] and result.total_deviation == 2  # the seat is filled; one of 1 and 4
    result = repair(problem, [1, 2], [2], preference=[4, 3])  # 4 is 1's housemate: skipped; 3 is fine
    assert result.added.tolist() == [3] and result.total_deviation == 0


def test_repair_is_deterministic():
    problem, _ = two_by_two(n_each=5, k=8)
    panel = np.array([0, 1, 5, 6, 10, 11, 15, 16])
    a, b = (repair(problem, panel, [0, 10, 16], preference=[19, 2, 3]) for _ in range(2))
    assert a.added.tolist() == b.added.tolist() and a.total_deviation == b.total_deviation == 0


def skewed_instance():
    """40 young and 40 old, half women; exact quotas on age and sex; the young drop out half the time."""
    people = [{"sex": "fm"[i % 2], "age": "young" if i < 40 else "old"} for i in range(80)]
    quotas = [("sex", "f", 8, 8), ("sex", "m", 8, 8), ("age", "young", 8, 8), ("age", "old", 8, 8)]
    problem = problem_from(people, [f"a{i}" for i in range(80)], quotas, 16)
    panel = np.array(list(range(8)) + list(range(40, 48)))
    dropout = np.where(np.arange(80) < 40, 0.5, 0.02)
    return problem, panel, dropout


def test_dropout_aware_beats_plain_reserves_held_out():
    problem, panel, dropout = skewed_instance()
    aware = dropout_aware_reserves(problem, panel, 6, dropout, seed=1, scenarios=300)
    plain = plain_reserves(problem, panel, 6, seed=1)
    a = simulate_dropouts(problem, panel, aware, dropout, scenarios=3000, seed=99)
    p = simulate_dropouts(problem, panel, plain, dropout, scenarios=3000, seed=99)  # same fates: paired
    assert a["mean_deviation"] + 3 * (a["sem_deviation"] + p["sem_deviation"]) < p["mean_deviation"]
    assert a["share_all_met"] > p["share_all_met"]
    assert (problem.person_values[aware][:, 1] == problem.person_values[0, 1]).sum() >= 4  # mostly young


def test_reserve_lists_are_valid_and_deterministic():
    problem, panel, dropout = skewed_instance()
    for make in (lambda s: plain_reserves(problem, panel, 10, s),
                 lambda s: dropout_aware_reserves(problem, panel, 10, dropout, s, scenarios=100)):
        lst = make(3)
        assert len(lst) == 10 and len(set(lst.tolist())) == 10 and not set(lst.tolist()) & set(panel.tolist())
        assert make(3).tolist() == lst.tolist()
    assert len(plain_reserves(problem, panel, 500, 0)) == 80 - 16  # the pool runs out


def test_plain_reserves_match_members_and_avoid_households():
    people = [{"sex": s} for s in "fmfmfm"]
    problem = problem_from(people, ["h0", "h1", "h0", "h3", "h4", "h5"], [("sex", "f", 1, 1), ("sex", "m", 1, 1)], 2)
    lst = plain_reserves(problem, [0, 1], 2, seed=0)
    assert sorted(lst.tolist()) == [3, 4] or sorted(lst.tolist()) == [4, 5]  # 2 shares 0's household


def test_simulation_without_dropouts_meets_every_quota():
    problem, panel, _ = skewed_instance()
    out = simulate_dropouts(problem, panel, [], np.zeros(80), scenarios=50, seed=0)
    assert out["mean_deviation"] == 0 and out["share_all_met"] == 1 and out["mean_empty_seats"] == 0
    everyone = simulate_dropouts(problem, panel, [], np.ones(80), scenarios=5, seed=0)
    assert everyone["mean_empty_seats"] == 16


def test_dropout_aware_reserves_are_outside_panel_households():
    people = [{"sex": s} for s in "fmfmfmfm"]
    addresses = ["h0", "h1", "h0", "h1", "h4", "h5", "h6", "h7"]
    problem = problem_from(people, addresses, [("sex", "f", 1, 1), ("sex", "m", 1, 1)], 2)
    lst = dropout_aware_reserves(problem, [0, 1], 4, np.full(8, 0.3), seed=0, scenarios=50)
    assert sorted(lst.tolist()) == [4, 5, 6, 7]


def pool_with(values):
    df = pd.DataFrame({"id": [f"p{i}" for i in range(len(values))], "sex": "f", "dropout": values})
    return Pool.from_frame(df, id_column="id", source="pool.csv")


def test_read_dropout_accepts_probabilities():
    assert read_dropout(pool_with(["0", "0.25", " 1 "]), "Dropout").tolist() == [0.0, 0.25, 1.0]


def test_read_dropout_names_file_row_and_column():
    with pytest.raises(InputError) as err:
        read_dropout(pool_with(["0.1", "abc", "15", "", "25%"]), "dropout")
    lines = err.value.lines()  # one line per kind of problem, naming every row of that kind
    assert lines[0].startswith("pool.csv: rows 3, 6, column 'dropout': 'abc' is not a number")
    assert lines[1].startswith("pool.csv, row 4, column 'dropout': 15 is outside [0, 1]")
    assert "percentages are not accepted" in lines[1]
    assert lines[2].startswith("pool.csv, row 5, column 'dropout': empty cell") and len(lines) == 3
    with pytest.raises(InputError) as err:
        read_dropout(pool_with([f"0,{i}" for i in range(1, 10)]), "dropout")
    assert err.value.lines() == ["pool.csv: rows 2-10, column 'dropout': uses decimal commas ('0,1'); use a point "
                                 "('0.15')"]
    with pytest.raises(InputError) as err:
        read_dropout(pool_with(["0.1"]), "drop")
    assert err.value.problems[0].column == "drop" and "not found" in err.value.problems[0].message


def test_dropout_from_stay_multiplies_factors():
    problem, _ = two_by_two()
    p = dropout_from_stay(problem, {("Sex", "M"): 0.5, ("age", "old"): 0.8}, baseline=1.0)
    assert np.allclose(p[[0, 3, 6, 9]], [0.0, 0.2, 0.5, 0.6])
