"""Properties of the algorithms: quota-exact panels, marginals summing to k, leximin = brute force."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from selection import Pool, Quota, Quotas, build_problem, select
from tests.selection import brute


def check_distribution(result):
    problem = result.distribution.problem
    dist = result.distribution
    assert abs(dist.weights.sum() - 1) < 1e-9
    p = dist.marginals()
    assert abs(p.sum() - problem.k) < 1e-6
    assert np.all(p >= -1e-9) and np.all(p <= 1 + 1e-9)
    if dist.person_panels is not None:
        for panel in dist.person_panels:
            assert problem.is_feasible_panel(panel)
    else:
        for x in dist.type_panels:  # every type panel, expanded in any way, meets quotas and households
            assert x.sum() == problem.k and np.all(x <= problem.counts)
            seats = problem.type_matrix() @ x
            assert np.all(seats >= problem.lo) and np.all(seats <= problem.hi)
            assert all(x[h].sum() <= 1 for h in problem.households)
    assert problem.is_feasible_panel(result.panel_index)


@st.composite
def instances(draw):
    n = draw(st.integers(5, 9))
    k = draw(st.integers(2, min(4, n - 1)))
    sex = draw(st.lists(st.sampled_from("fm"), min_size=n, max_size=n))
    age = draw(st.lists(st.sampled_from("yo"), min_size=n, max_size=n))
    home = draw(st.lists(st.integers(0, n + 2), min_size=n, max_size=n))
    rows = [{"id": f"p{i}", "sex": sex[i], "age": age[i], "home": f"h{home[i]}"} for i in range(n)]
    quotas = []
    for feat, vals in (("sex", sex), ("age", age)):
        for v in sorted(set(vals)):
            have = vals.count(v)
            lo = draw(st.integers(0, min(have, k)))
            hi = draw(st.integers(lo, k))
            quotas.append(Quota(feat, v, lo, hi))
    use_households = draw(st.booleans())
    pool = Pool.from_frame(pd.DataFrame(rows), id_column="id", household_columns=["home"] if use_households else None)
    return pool, Quotas.from_rows(quotas), k


def feasible(pool, quotas, k):
    try:
        problem = build_problem(pool, quotas, k)
    except Exception:
        return None
    return problem if brute.feasible_panels(problem) else None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(instances())
def test_leximin_equals_brute_force(inst):
    pool, quotas, k = inst
    problem = feasible(pool, quotas, k)
    assume(problem is not None)
    result = select(pool, quotas, k)
    check_distribution(result)
    expected = brute.leximin(problem)
    assert np.allclose(np.sort(result.probabilities.to_numpy()), np.sort(expected), atol=1e-6)
    assert np.allclose(result.probabilities.to_numpy(), expected, atol=1e-6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(instances())
def test_maximin_and_nash_are_valid_and_maximin_matches_leximin_minimum(inst):
    pool, quotas, k = inst
    assume(feasible(pool, quotas, k) is not None)
    lex = select(pool, quotas, k)
    mm = select(pool, quotas, k, algorithm="maximin")
    check_distribution(mm)
    assert abs(mm.probabilities.min() - lex.probabilities.min()) < 1e-6
    nash = select(pool, quotas, k, algorithm="nash")
    check_distribution(nash)
    assert nash.probabilities.min() <= lex.probabilities.min() + 1e-6  # leximin maximises the minimum


def test_legacy_meets_quotas_and_states_its_draws(small):
    pool, quotas = small
    result = select(pool, quotas, 4, algorithm="legacy", legacy_draws=200, seed=1)
    check_distribution(result)
    assert result.stats["draws"] == 200
    assert len(result.distribution.person_panels) == 200 - result.stats["failed_draws"]


def test_same_seed_same_panel_and_seed_changes_panel(small):
    pool, quotas = small
    a = select(pool, quotas, 4, seed=7)
    b = select(pool, quotas, 4, seed=7)
    assert a.panel == b.panel
    assert np.array_equal(a.probabilities.to_numpy(), b.probabilities.to_numpy())
    panels = {select(pool, quotas, 4, seed=s).panel for s in range(12)}
    assert len(panels) > 1


def test_interchangeable_people_share_a_type_and_households_split_them():
    rows = [{"id": str(i), "sex": "f" if i % 2 else "m", "home": f"h{i // 2 if i < 4 else i}"} for i in range(10)]
    pool = Pool.from_frame(pd.DataFrame(rows), household_columns=["home"])
    quotas = Quotas.from_rows([Quota("sex", "f", 2, 2), Quota("sex", "m", 2, 2)])
    problem = build_problem(pool, quotas, 4)
    assert problem.n_types == 4 + 2  # four housemates alone, then one type per sex
    assert len(problem.households) == 2
    result = select(pool, quotas, 4)
    check_distribution(result)
    p = result.probabilities.to_numpy()
    assert p[0] + p[1] <= 1 + 1e-9  # housemates 0 and 1 are never both selected


def test_weights_equalise_weighted_probabilities():
    rows = [{"id": str(i), "g": "a" if i < 6 else "b"} for i in range(12)]
    pool = Pool.from_frame(pd.DataFrame(rows))
    quotas = Quotas.from_rows([Quota("g", "a", 0, 4), Quota("g", "b", 0, 4)])
    w = np.where(np.arange(12) < 6, 1.0, 0.5)
    result = select(pool, quotas, 4, weights=w)
    p = result.probabilities.to_numpy()
    # b members count half, so they get twice the probability: w * p equal for all
    assert np.allclose(w * p, (w * p)[0], atol=1e-6)


def test_large_pool_quotas_met_and_probabilities_equal_within_type():
    rng = np.random.default_rng(3)
    n = 600
    df = pd.DataFrame({"id": [f"x{i}" for i in range(n)], "a": rng.choice(list("pqr"), n, p=[.6, .3, .1]),
                       "b": rng.choice(list("uv"), n, p=[.7, .3]), "c": rng.choice(list("xyz"), n)})
    pool = Pool.from_frame(df)
    quotas = Quotas.from_rows([Quota("a", "p", 8, 12), Quota("a", "q", 8, 12), Quota("a", "r", 6, 12),
                               Quota("b", "u", 14, 18), Quota("b", "v", 12, 16),
                               Quota("c", "x", 8, 12), Quota("c", "y", 8, 12), Quota("c", "z", 8, 12)])
    result = select(pool, quotas, 30)
    check_distribution(result)
    problem = result.distribution.problem
    p = result.probabilities.to_numpy()
    for t in range(problem.n_types):
        members = p[problem.type_of == t]
        assert np.ptp(members) < 1e-12
    assert all(q["met"] for q in result.metrics["quotas"])
