import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selection.population.synthesis import (
    ADULTS_PER_HOUSEHOLD,
    antwerp_associations,
    antwerp_margins,
    fit_joint,
    integerize,
    ipf,
    synthesize_population,
)


@st.composite
def margin_sets(draw):
    """2-4 features with 2-5 values each, random positive shares, random positive seed."""
    sizes = draw(st.lists(st.integers(2, 5), min_size=2, max_size=4))
    shares = []
    for n in sizes:
        raw = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=n, max_size=n)))
        shares.append(raw / raw.sum())
    seed = np.array(draw(st.lists(st.floats(0.05, 20.0), min_size=int(np.prod(sizes)),
                                  max_size=int(np.prod(sizes))))).reshape(sizes)
    return shares, seed


@settings(max_examples=40, deadline=None)
@given(margin_sets())
def test_ipf_reproduces_one_way_margins(case):
    shares, seed = case
    table = ipf(seed, [((i,), s) for i, s in enumerate(shares)])
    for i, s in enumerate(shares):
        axes = tuple(a for a in range(table.ndim) if a != i)
        assert np.abs(table.sum(axis=axes) - s).max() < 1e-6
    assert (table >= 0).all()


@settings(max_examples=40, deadline=None)
@given(margin_sets())
def test_ipf_keeps_the_seed_odds_ratios(case):
    shares, seed = case
    table = ipf(seed, [((i,), s) for i, s in enumerate(shares)])
    # a 2x2 cross-product ratio on the first two axes (others at index 0) is unchanged by margin scaling
    idx = (slice(0, 2), slice(0, 2)) + (0,) * (seed.ndim - 2)
    s, t = seed[idx], table[idx]
    assert np.isclose(s[0, 0] * s[1, 1] / (s[0, 1] * s[1, 0]), t[0, 0] * t[1, 1] / (t[0, 1] * t[1, 0]), rtol=1e-6)


def test_ipf_fits_a_known_joint_margin_and_axis_order():
    rng = np.random.default_rng(0)
    joint = rng.random((3, 4))
    joint /= joint.sum()
    third = np.array([0.2, 0.8])
    table = ipf(np.ones((3, 4, 2)), [((1, 0), joint.T), ((2,), third)])
    assert np.abs(table.sum(axis=2) - joint).max() < 1e-6
    assert np.abs(table.sum(axis=(0, 1)) - third).max() < 1e-6


def test_ipf_reports_inconsistent_margins():
    with pytest.raises(ValueError, match="did not converge"):
        ipf(np.ones((2, 2)), [((0,), np.array([0.5, 0.5])), ((1,), np.array([0.9, 0.9]))], max_iter=50)


def test_shipped_antwerp_margins_are_fitted_to_1e_6():
    margins = antwerp_margins()
    features, values, table = fit_joint(margins, antwerp_associations())
    assert {"sex", "age_band", "origin", "education", "household_size", "area"} <= set(features)
    for i, f in enumerate(features):
        expected = margins.loc[margins["feature"] == f, "share"].to_numpy()
        got = table.sum(axis=tuple(a for a in range(table.ndim) if a != i))
        assert np.abs(got - expected).max() < 1e-6
    # the seed's association survives: younger adults are more often of foreign origin
    ia, io = features.index("age_band"), features.index("origin")
    by_age = table.sum(axis=tuple(a for a in range(table.ndim) if a not in (ia, io)))
    foreign = by_age[:, values[io].index("foreign")] / by_age.sum(axis=1)
    assert foreign[values[ia].index("18-24")] > foreign[values[ia].index("65+")]


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 5000), st.integers(0, 2**32 - 1))
def test_integerize_is_within_one_of_the_target(n, seed):
    rng = np.random.default_rng(seed)
    shares = rng.random((3, 4)) + 1e-3
    shares /= shares.sum()
    counts = integerize(shares, n, rng)
    assert counts.sum() == n
    assert np.all(np.abs(counts - n * shares) < 1 + 1e-9)


def test_population_contract_and_margins(antwerp_small):
    people = antwerp_small
    assert len(people) == 5000 and people["id"].is_unique
    for col in ("id", "sex", "age_band", "origin", "education"):
        assert people[col].map(type).eq(str).all()
    assert np.issubdtype(people["household_id"].dtype, np.integer)
    margins = antwerp_margins()
    n_cells = 2 * 5 * 2 * 3 * 4 * 2
    for f, group in margins.groupby("feature"):
        got = people[f].value_counts(normalize=True).reindex(group["value"]).fillna(0).to_numpy()
        # truncate-replicate-sample: each cell within 1 person, so each share within n_cells / n
        assert np.abs(got - group["share"].to_numpy()).max() <= n_cells / len(people)


def test_households_share_area_origin_and_size(antwerp_small):
    people = antwerp_small
    grouped = people.groupby("household_id")
    assert (grouped[["area", "origin", "household_size"]].nunique() == 1).all().all()
    biggest = grouped.size().max()
    assert biggest <= max(ADULTS_PER_HOUSEHOLD.values())
    alone = people[people["household_size"] == "1"]
    assert (grouped.size().loc[alone["household_id"]] == 1).all()


def test_same_seed_same_population_and_custom_margins():
    a = synthesize_population(800, np.random.default_rng(7))
    b = synthesize_population(800, np.random.default_rng(7))
    pd.testing.assert_frame_equal(a, b)
    custom = pd.DataFrame({"feature": ["colour", "colour", "size", "size", "size"],
                           "value": ["red", "blue", "s", "m", "l"], "share": [0.3, 0.7, 0.2, 0.3, 0.5]})
    people = synthesize_population(1000, np.random.default_rng(1), margins=custom)
    assert set(people.columns) == {"id", "colour", "size", "household_id"}
    assert people["household_id"].is_unique  # no household_size feature: everyone alone
    assert abs((people["colour"] == "red").mean() - 0.3) < 0.01
