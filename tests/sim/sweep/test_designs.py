"""Designs and run plans: sizes, ranges, Latin hypercube strata, common random numbers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.sweep.designs import Param, design_points, plan_runs, replication_seeds


def test_parse_range_levels_and_integers():
    assert Param.parse("trust.backfire=0.01:0.3") == Param("trust.backfire", 0.01, 0.3)
    assert Param.parse("lobby.count=0:10:int").integer
    assert Param.parse("engagement.online=true,false").levels == ("true", "false")
    assert Param.parse("x=1,2.5").levels == (1, 2.5)
    for bad in ("x", "x=", "x=1:a", "x=2:1", "x=0.5:2:int", "x=1:2:3"):
        with pytest.raises(ValueError, match="x"):
            Param.parse(bad)


def test_factorial_is_every_combination():
    pts = design_points("factorial", [Param.parse("a=0:1"), Param.parse("b=x,y")], 3, seed=0)
    assert len(pts) == 6
    assert set(map(tuple, pts.to_numpy().tolist())) == {(a, b) for a in (0.0, 0.5, 1.0) for b in "xy"}


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 60), d=st.integers(1, 4), seed=st.integers(0, 2**31))
def test_lhs_has_one_point_per_stratum(n, d, seed):
    params = [Param(f"p{j}", -1.0 - j, 2.0 + j) for j in range(d)]
    pts = design_points("lhs", params, n, seed)
    assert len(pts) == n
    for p in params:
        unit = (pts[p.name].to_numpy() - p.low) / (p.high - p.low)
        assert np.array_equal(np.sort(np.floor(unit * n).astype(int)), np.arange(n))


@settings(max_examples=20, deadline=None)
@given(lo=st.integers(-5, 5), span=st.integers(1, 8), n=st.integers(1, 40), seed=st.integers(0, 1000))
def test_integer_ranges_cover_their_ends_only(lo, span, n, seed):
    pts = design_points("lhs", [Param("k", lo, lo + span, integer=True)], n, seed)["k"]
    assert pts.dtype.kind == "i" and pts.min() >= lo and pts.max() <= lo + span


def test_sobol_size_and_power_of_two():
    params = [Param.parse(f"p{j}=0:1") for j in range(3)]
    assert len(design_points("sobol", params, 16, seed=1)) == 16 * (3 + 2)
    with pytest.raises(ValueError, match="power of 2"):
        design_points("sobol", params, 10, seed=1)
    with pytest.raises(ValueError, match="factorial"):
        design_points("lhs", [Param.parse("m=a,b")], 4, seed=1)


def test_designs_are_reproducible():
    params = [Param.parse("a=0:1"), Param.parse("b=5:9")]
    for kind in ("lhs", "sobol"):
        assert design_points(kind, params, 8, 3).equals(design_points(kind, params, 8, 3))
        assert not design_points(kind, params, 8, 3).equals(design_points(kind, params, 8, 4))


@settings(max_examples=25, deadline=None)
@given(n_points=st.integers(1, 6), n_strat=st.integers(1, 4), reps=st.integers(1, 5), seed=st.integers(0, 99))
def test_plan_crosses_everything_with_common_random_numbers(n_points, n_strat, reps, seed):
    points = design_points("lhs", [Param.parse("a=0:1")], n_points, seed)
    strategies = [f"s{i}" for i in range(n_strat)]
    plan = plan_runs(points, strategies, reps, seed)
    assert len(plan) == n_points * n_strat * reps
    assert plan["run_id"].tolist() == list(range(len(plan)))
    assert not plan.duplicated(["point", "replication", "strategy"]).any()
    # one seed per replication, shared by every strategy and point; distinct across replications
    per_rep = plan.groupby("replication")["seed"].nunique()
    assert (per_rep == 1).all()
    assert plan.drop_duplicates("replication")["seed"].is_unique
    # each row carries its point's parameter values
    assert np.allclose(plan["a"].to_numpy(), points["a"].to_numpy()[plan["point"].to_numpy()])


def test_replication_seeds_do_not_depend_on_count():
    assert replication_seeds(7, 3) == replication_seeds(7, 10)[:3]
