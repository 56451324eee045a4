import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cocreate.studies.antwerp import compare_methods, method_table
from selection.population.correction import (
    EndToEnd,
    estimate_inclusion,
    population_margins,
    spread,
    weighted_gini,
)
from selection.population.funnel import ResponseModel, invitation_probability, recruit, response_propensity
from selection.population.synthesis import synthesize_population

MARGINS = pd.DataFrame({"feature": ["sex", "sex", "age", "age", "age", "edu", "edu"],
                        "value": ["f", "m", "young", "mid", "old", "low", "high"],
                        "share": [0.5, 0.5, 0.3, 0.4, 0.3, 0.6, 0.4]})
# known truth: the low educated and the young answer far less often
MODEL = ResponseModel(np.log(0.3 / 0.7), {("edu", "low"): -1.6, ("age", "young"): -1.0, ("sex", "m"): 0.2},
                      registration=1.0)


@pytest.fixture(scope="module")
def people():
    return synthesize_population(4_000, np.random.default_rng(99), margins=MARGINS)


def test_raking_recovers_the_known_propensities(people):
    pool = recruit(people, 2_000, np.random.default_rng(1), model=MODEL)
    pi = invitation_probability(people, 2_000)
    assert np.allclose(pi, 0.5)
    margins = population_margins(people, ["sex", "age", "edu"])
    estimate = estimate_inclusion(pool, margins, len(people), np.full(len(pool), 0.5))
    truth = 0.5 * response_propensity(pool, MODEL)
    assert np.corrcoef(np.log(estimate), np.log(truth))[0, 1] > 0.95
    assert np.median(np.abs(estimate / truth - 1)) < 0.2
    # calibrated: the pool weighted by 1/estimate reproduces the population counts on every margin
    for f in ("sex", "age", "edu"):
        weighted = pd.Series(1 / estimate).groupby(pool[f].to_numpy()).sum()
        expected = people[f].value_counts()
        assert np.allclose(weighted.reindex(expected.index), expected, rtol=1e-6)
    # a function of the features: equal features, equal estimate
    assert (pd.Series(estimate).groupby([pool[f].to_numpy() for f in ("sex", "age", "edu")]).nunique() == 1).all()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.001, 10.0), min_size=2, max_size=20), st.integers(0, 1000))
def test_gini_properties(values, seed):
    x = np.array(values)
    w = np.random.default_rng(seed).integers(1, 50, size=len(x)).astype(float)
    g = weighted_gini(x, w)
    assert -1e-12 <= g < 1
    assert np.isclose(weighted_gini(np.full(len(x), 3.0), w), 0.0)
    assert np.isclose(weighted_gini(5 * x, w), g)  # scale-free
    # weights are head counts: repeating rows is the same as weighting them
    assert np.isclose(weighted_gini(np.repeat(x, w.astype(int)), np.ones(int(w.sum()))), g)


def test_spread_of_equal_probabilities_is_perfect():
    sizes = np.array([100, 300, 600])
    s = spread(np.full(3, 5 / 1000), sizes, k=5)
    assert np.isclose(s["gini"], 0) and np.isclose(s["min_ratio"], 1) and np.isclose(s["max_ratio"], 1)
    assert s["share_below_half"] == 0 and s["coverage"] == 1


def test_tally_uses_the_funnel_times_mean_selection_probability():
    tally = EndToEnd(funnel=np.array([0.1, 0.2, 0.3]), sizes=np.array([10, 10, 10]), k=2)
    tally.add(np.array([0, 0, 1]), np.array([0.5, 1.0, 0.5]))
    tally.add(np.array([1]), np.array([0.0]))
    e2e = tally.probabilities()
    assert np.allclose(e2e[:2], [0.1 * 0.75, 0.2 * 0.25]) and np.isnan(e2e[2])


def test_end_to_end_equalises_better_than_leximin_alone(people):
    """Where the truth is known, the end-to-end method spreads the chance to reach the panel more evenly."""
    runs, cells = compare_methods(people, k=12, seeds=3, letters_per_seat=160, deprived_share=0.0,
                                  tolerance=0.1, quota_features=("sex", "age"), cell_features=("sex", "age", "edu"),
                                  methods=("leximin", "end_to_end"), model=MODEL)
    assert (runs["error"] == "").all(), runs["error"].tolist()
    table = method_table(runs, cells, 12).set_index("method")
    assert table.loc["end_to_end", "e2e_gini"] < 0.5 * table.loc["leximin", "e2e_gini"]
    assert table.loc["end_to_end", "e2e_min_ratio"] > table.loc["leximin", "e2e_min_ratio"]
    # bookkeeping: the expected panel size over the population is k (every cell was seen)
    for _, g in cells.groupby("method"):
        assert g["end_to_end"].notna().all()
        assert abs((g["end_to_end"] * g["size"]).sum() - 12) < 12 * 0.25
