"""The relaxation-and-decomposition leximin: exact against brute force where the LP relaxation is loose too.

Three binary features with tight quotas and shared households give instances whose relaxed leximin point lies
outside the panel hull (odd cycles across the features): there the cut loop must still reach the brute-force leximin,
every cut must hold for every feasible panel, and the certified bound must hold against brute force.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from selection import Pool, Quota, Quotas, build_problem, select
from selection.engine.decompose import Decomposer
from selection.engine.hull import Relaxation
from tests.selection import brute

# (k, people as (features abc, household), quotas): relaxed leximin differs from the true one by 0.5 and 0.25
LOOSE = [
    (3, [("001", "h6"), ("100", "h6"), ("100", "h2"), ("010", "h3"), ("111", "h7"), ("111", "h0")],
     [("a", "0", 0, 3), ("a", "1", 1, 2), ("b", "0", 2, 3), ("b", "1", 0, 2), ("c", "0", 2, 3), ("c", "1", 0, 3)]),
    (3, [("011", "h3"), ("011", "h3"), ("000", "h5"), ("000", "h2"), ("111", "h5"), ("111", "h10"), ("101", "h6"),
         ("110", "h4")],
     [("a", "0", 1, 1), ("a", "1", 2, 3), ("b", "0", 1, 3), ("b", "1", 2, 3), ("c", "0", 1, 3), ("c", "1", 1, 2)]),
    # an odd cycle: pairs must differ on exactly... every quota one seat each, no complementary pair but via 3 people
    (2, [("110", "h0"), ("011", "h1"), ("101", "h2"), ("001", "h3"), ("100", "h4"), ("010", "h5")],
     [("a", "0", 1, 1), ("a", "1", 1, 1), ("b", "0", 1, 1), ("b", "1", 1, 1), ("c", "0", 1, 1), ("c", "1", 1, 1)]),
]


def make(k, people, quotas, households=True):
    rows = [{"id": f"p{i}", "a": f[0], "b": f[1], "c": f[2], "home": h} for i, (f, h) in enumerate(people)]
    pool = Pool.from_frame(pd.DataFrame(rows), id_column="id", household_columns=["home"] if households else None)
    return pool, Quotas.from_rows([Quota(*q) for q in quotas]), k


def relaxed_leximin(problem):
    coef = problem.type_weight / problem.counts / problem.type_weight.max()
    values, _ = Relaxation(problem, coef).leximin()
    return values[problem.type_of]


def panel_vectors(problem):
    return np.array([np.bincount(problem.type_of[list(c)], minlength=problem.n_types)
                     for c in brute.feasible_panels(problem)])


@pytest.mark.parametrize("case", range(len(LOOSE)))
def test_cut_loop_reaches_brute_force_where_the_relaxation_is_loose(case):
    pool, quotas, k = make(*LOOSE[case])
    problem = build_problem(pool, quotas, k)
    expected = brute.leximin(problem)
    loose = np.abs(np.sort(relaxed_leximin(problem)) - np.sort(expected)).max()
    result = select(pool, quotas, k)
    p = result.probabilities.to_numpy()
    assert np.abs(p - expected).max() <= result.stats["certified_tolerance"] + 1e-7
    assert result.stats["certified_tolerance"] <= 1e-6
    if loose > 1e-6:  # the relaxation alone is wrong here, so the cuts did the work
        assert result.stats["cut_rounds"] >= 1


@st.composite
def three_features(draw):
    n = draw(st.integers(5, 9))
    k = draw(st.integers(2, min(4, n - 1)))
    feats = [draw(st.lists(st.sampled_from("01"), min_size=n, max_size=n)) for _ in range(3)]
    home = draw(st.lists(st.integers(0, n + 1), min_size=n, max_size=n))
    people = [("".join(f[i] for f in feats), f"h{home[i]}") for i in range(n)]
    quotas = []
    for name, vals in zip("abc", feats, strict=True):
        for v in sorted(set(vals)):
            lo = draw(st.integers(0, min(vals.count(v), k)))
            quotas.append((name, v, lo, draw(st.integers(lo, k))))
    return k, people, quotas, draw(st.booleans())


def feasible_problem(k, people, quotas, households):
    pool, q, k = make(k, people, quotas, households)
    try:
        problem = build_problem(pool, q, k)
    except Exception:
        return None
    return (pool, q, problem) if brute.feasible_panels(problem) else None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(three_features())
def test_leximin_equals_brute_force_with_three_features_and_households(inst):
    k, people, quotas, households = inst
    found = feasible_problem(k, people, quotas, households)
    assume(found is not None)
    pool, q, problem = found
    result = select(pool, q, k)
    expected = brute.leximin(problem)
    bound = result.stats["certified_tolerance"]
    assert bound <= 1e-6
    assert np.abs(result.probabilities.to_numpy() - expected).max() <= bound + 1e-7  # the stated bound holds


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(three_features())
def test_every_cut_holds_for_every_feasible_panel_and_cuts_the_point_off(inst):
    found = feasible_problem(*inst)
    assume(found is not None)
    _, _, problem = found
    panels = panel_vectors(problem)
    coef = problem.type_weight / problem.counts / problem.type_weight.max()
    relax, decomposer = Relaxation(problem, coef), Decomposer(problem)
    for _ in range(20):
        values, _ = relax.leximin()
        target = values / coef
        outcome = decomposer.run(target)
        if outcome.cut is None:
            assert np.abs(outcome.lam @ outcome.panels - target).max() < 1e-6  # decomposed: the lottery hits it
            return
        a, b = outcome.cut
        assert (panels @ a).max() <= b + 1e-9
        assert a @ target > b + 1e-9
        relax.add_cut(a, b)
    pytest.fail("no convergence in 20 cut rounds")


@pytest.mark.parametrize("case", range(len(LOOSE)))
def test_maximin_reaches_the_brute_force_minimum_where_the_relaxation_is_loose(case):
    pool, quotas, k = make(*LOOSE[case])
    expected = brute.leximin(build_problem(pool, quotas, k))
    result = select(pool, quotas, k, algorithm="maximin")
    assert abs(result.probabilities.min() - expected.min()) <= result.stats["certified_tolerance"] + 1e-7
