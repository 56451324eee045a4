import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from selection.population.representativeness import compare, distance, distances, plot, summary

POP = pd.DataFrame({"sex": ["f", "f", "m", "m"] * 25, "age": ["young", "old"] * 50, "edu": ["hi"] * 30 + ["lo"] * 70})


def test_identical_composition_has_distance_zero():
    table = compare(POP.sample(frac=1.0, random_state=1), POP, ["sex", "age", "edu"])
    assert distance(table) < 1e-12
    assert set(table["margin"]) == {"sex", "age", "edu", "sex x age", "sex x edu", "age x edu"}


def test_disjoint_composition_has_distance_one():
    panel = pd.DataFrame({"sex": ["x"] * 5, "age": ["y"] * 5, "edu": ["z"] * 5})
    assert np.isclose(distance(compare(panel, POP, ["sex", "age", "edu"])), 1.0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 99), min_size=1, max_size=60))
def test_distances_are_in_unit_interval_and_shares_sum_to_one(rows):
    table = compare(POP.iloc[rows], POP, ["sex", "age", "edu"])
    tvd = distances(table)
    assert ((tvd >= -1e-12) & (tvd <= 1 + 1e-12)).all()
    sums = table.groupby("margin")[["population_share", "panel_share"]].sum()
    assert np.allclose(sums, 1.0)


def test_pairs_see_what_one_way_margins_miss():
    # panel matches every one-way margin of sex and age, but pairs them wrongly (all women young)
    pop = pd.DataFrame({"sex": ["f", "f", "m", "m"], "age": ["young", "old", "young", "old"]})
    panel = pd.DataFrame({"sex": ["f", "m"], "age": ["young", "old"]})
    s = summary(panel, pop, ["sex", "age"], quota_features=["sex"])
    assert s["tvd_quota_features"] == 0 and s["tvd_other_features"] == 0
    assert np.isclose(s["tvd_pairs"], 0.5)


def test_weighted_expected_composition():
    pool = pd.DataFrame({"sex": ["f", "m", "m"]})
    table = compare(pool, pd.DataFrame({"sex": ["f", "m"]}), ["sex"], pairs=False, panel_weights=[1.0, 0.5, 0.5])
    assert distance(table) < 1e-12


def test_plot_writes_a_png(tmp_path):
    path = tmp_path / "rep.png"
    plot(compare(POP.iloc[:10], POP, ["sex", "age", "edu"]), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*"))
