"""Analysis: paired differences and win rates on a model with a known effect, Sobol indices of the Ishigami
function, PRIM on a planted box, and the whole `analyse_sweep` report."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.sweep import analysis
from sim.sweep.analysis import OutcomeSpec
from sim.sweep.designs import Param
from sim.sweep.report import analyse_sweep
from sim.sweep.runner import run_sweep
from sim.sweep.store import read_results
from tests.sim.sweep import models


def toy_results(tmp_path, model=models.toy, **kw):
    options = dict(design="lhs", params=[Param.parse("a=0:1"), Param.parse("b=0:1")], samples=40,
                   strategies=list(models.STRATEGIES), replications=5, seed=2, executor="sequential")
    options.update(kw)
    run_sweep(model, tmp_path, **options)
    return read_results(tmp_path)


def test_paired_bootstrap_intervals_recover_the_planted_effect(tmp_path):
    rows = toy_results(tmp_path)
    d = analysis.paired_bootstrap_intervals(rows, "trust_change", "consult", n_boot=500).iloc[0]
    a = rows.drop_duplicates(["point", "replication"])["a"].to_numpy()
    # common random numbers: the seed noise cancels exactly in each pair, leaving a - 0.5
    assert d["n_pairs"] == 200
    assert d["mean_diff"] == pytest.approx(np.mean(a - 0.5))
    assert d["ci_low"] <= d["mean_diff"] <= d["ci_high"]
    assert d["win_rate"] == pytest.approx(np.mean(a > 0.5))
    assert d["win_low"] <= d["win_rate"] <= d["win_high"]


def test_win_rate_follows_the_outcome_direction():
    rows = pd.DataFrame({"point": [0, 0, 1, 1], "replication": 0, "strategy": ["x", "y"] * 2,
                         "time_to_implementation": [10.0, 8.0, 10.0, 12.0], "error": None})
    spec = OutcomeSpec(lower_is_better=frozenset({"time_to_implementation"}))
    d = analysis.paired_bootstrap_intervals(rows, "time_to_implementation", "x", n_boot=100, spec=spec).iloc[0]
    assert d["better"] == "lower" and d["win_rate"] == 0.5 and d["mean_diff"] == 0.0
    # without a spec every outcome is better higher
    d = analysis.paired_bootstrap_intervals(rows, "time_to_implementation", "x", n_boot=100).iloc[0]
    assert d["better"] == "higher" and d["win_rate"] == 0.5


def test_failed_runs_are_left_out_of_pairs(tmp_path):
    rows = toy_results(tmp_path / "f", models.flaky)
    d = analysis.paired_bootstrap_intervals(rows, "trust_change", "consult", n_boot=200).iloc[0]
    failed = rows["error"].notna().sum()
    assert failed > 0 and d["n_pairs"] == 200 - failed


def test_sobol_indices_of_ishigami_match_the_analytic_values(tmp_path):
    params = [Param(f"x{i}", -math.pi, math.pi) for i in (1, 2, 3)]
    run_sweep(models.ishigami, tmp_path, design="sobol", params=params, samples=1024, strategies=["any"],
              replications=1, executor="sequential")
    si = analysis.sobol_indices(read_results(tmp_path), params, "y", "any").set_index("parameter")
    # Ishigami & Homma 1990 with A=7, B=0.1 (analytic; Saltelli et al. 2008, table 4.2)
    expected_s1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
    expected_st = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}
    for name in expected_s1:
        assert si.loc[name, "S1"] == pytest.approx(expected_s1[name], abs=0.05)
        assert si.loc[name, "ST"] == pytest.approx(expected_st[name], abs=0.05)
        assert si.loc[name, "ST_low"] - 0.02 <= expected_st[name] <= si.loc[name, "ST_high"] + 0.02
    assert si["S1"].idxmax() == "x2" and si.loc["x3", "ST"] > 0.15 > si.loc["x3", "S1"]


def test_sobol_refuses_incomplete_points(tmp_path):
    params = [Param.parse("a=0:1"), Param.parse("b=0:1")]
    run_sweep(models.flaky, tmp_path, design="sobol", params=params, samples=8, strategies=["cocreate"],
              replications=1, executor="sequential")
    with pytest.raises(ValueError, match="no successful run"):
        analysis.sobol_indices(read_results(tmp_path), params, "trust_change", "cocreate")


def test_prim_finds_a_planted_box():
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.uniform(size=(4000, 4)), columns=["a", "b", "c", "d"])
    y = ((x["a"] > 0.7) & (x["b"] < 0.3)).to_numpy() ^ (rng.uniform(size=4000) < 0.02)
    box = analysis.prim(x, y)
    limits = box.restricted()
    assert set(limits) == {"a", "b"}
    assert limits["a"][0] == pytest.approx(0.7, abs=0.04) and limits["b"][1] == pytest.approx(0.3, abs=0.04)
    chosen = box.trajectory.iloc[box.chosen]
    assert chosen["density"] > 0.9 and chosen["coverage"] > 0.7
    # the trajectory only ever shrinks the box
    assert box.trajectory["mass"].is_monotonic_decreasing


def test_prim_is_screened_to_the_parameters_that_separate_the_cases():
    """175 futures in 17 dimensions (the directions' budget): cases planted on 'a' alone. The screen keeps 'a'
    and drops the 16 parameters that do not enter the outcome (PRIM alone may peel them on noise); with pure
    noise nothing is kept, and the reversal region says so."""
    from sim.directions import reversal_region

    rng = np.random.default_rng(1)
    cols = ["a"] + [f"p{i}" for i in range(16)]
    x = pd.DataFrame(rng.uniform(size=(175, 17)), columns=cols)
    y = (x["a"] < 0.15).to_numpy()
    assert analysis.separating_columns(x, y) == ["a"]
    noise = rng.uniform(size=175) < 0.1
    assert analysis.separating_columns(x, noise) == []
    values = x.assign(value=np.where(noise, -1.0, 1.0))
    assert "no parameter separates" in reversal_region(values, cols)
    found = reversal_region(x.assign(value=np.where(y, -1.0, 1.0)), cols)
    assert "(a)" in found and "a <= 0.1" in found


def test_prim_handles_integer_columns():
    x = pd.DataFrame({"k": np.repeat(np.arange(10), 50), "u": np.linspace(0, 1, 500)})
    box = analysis.prim(x, (x["k"] >= 7).to_numpy())
    assert box.restricted() == {"k": (7.0, 9.0)}


def test_analyse_sweep_writes_every_analysis(tmp_path):
    toy_results(tmp_path, models.flaky, design="sobol", samples=16, replications=2)
    report = analyse_sweep(tmp_path, n_boot=200)
    files = {f.name for f in report.files}
    assert {"paired_differences.csv", "paired_differences.png", "sobol_indices.csv", "sobol_consult.png",
            "backfire_boxes.csv", "backfire_cocreate.png", "failures.csv", "summary.md"} <= files
    assert all((tmp_path / "analysis" / f).stat().st_size > 0 for f in files)
    # cocreate fails on some points, so its Sobol indices are refused, with a note saying why
    assert any("Sobol indices of cocreate" in n for n in report.notes)
    # cocreate backfires (against consult's world) where a < 0.5: the box restricts a from above
    box = report.backfire.set_index("strategy").loc["cocreate", "box"]
    assert box.startswith("a <=")
    with pytest.raises(ValueError, match="baseline"):
        analyse_sweep(tmp_path, baseline="nope")


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(40, 400), d=st.integers(1, 4), rate=st.floats(0.05, 0.95))
def test_prim_boxes_are_nested_and_their_limits_hold_their_rows(seed, n, d, rate):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.integers(0, 6, size=(n, d)) if seed % 2 else rng.normal(size=(n, d)),
                     columns=[f"p{j}" for j in range(d)])
    y = rng.uniform(size=n) < rate
    box = analysis.prim(x, y)
    t = box.trajectory
    assert t["mass"].is_monotonic_decreasing and t["coverage"].is_monotonic_decreasing
    assert t["mass"].iloc[-1] >= 0.05 - 1e-12 and t["density"].between(0, 1).all()
    for i, limits in enumerate(box.boxes):
        inside = np.all([(x[c] >= lo) & (x[c] <= hi) for c, (lo, hi) in limits.items()], axis=0)
        assert inside.sum() == round(t["mass"].iloc[i] * n)
        assert y[inside].sum() == round(t["coverage"].iloc[i] * max(y.sum(), 1))
        if i:
            assert all(lo >= box.boxes[i - 1][c][0] and hi <= box.boxes[i - 1][c][1] for c, (lo, hi) in limits.items())


def test_sobol_says_so_when_the_outcome_does_not_vary(tmp_path):
    params = [Param.parse("x1=0:1"), Param.parse("x2=0:1")]
    run_sweep(models.toy, tmp_path, design="sobol", params=params, samples=8, strategies=["consult"],
              replications=2, executor="sequential")
    with pytest.raises(ValueError, match="does not depend"):
        analysis.sobol_indices(read_results(tmp_path), params, "trust_change", "consult")


def test_morris_screening_ranks_the_parameters_by_their_effect(tmp_path):
    params = [Param.parse(f"x{i}=0:1") for i in (1, 2, 3)]
    run_sweep(models.linear, tmp_path, design="morris", params=params, samples=10, strategies=["consult"],
              replications=1, executor="sequential")
    report = analyse_sweep(tmp_path, outcome="y", n_boot=200)
    m = report.morris.set_index("parameter")
    assert list(m.index) == ["x1", "x2", "x3"]  # sorted by mu*
    assert m.loc["x1", "mu_star"] == pytest.approx(10, rel=0.05) and m.loc["x2", "mu_star"] == pytest.approx(1, rel=0.1)
    assert m.loc["x3", "mu_star"] < 0.05 and m.loc["x1", "sigma"] < 0.1  # linear: no spread of the effects
    assert (tmp_path / "analysis" / "morris_indices.csv").exists()


def test_decomposition_adds_up_and_is_reported(tmp_path):
    toy_results(tmp_path, models.decomposed, samples=24, replications=3)
    report = analyse_sweep(tmp_path, n_boot=200)
    d = report.decomposition.set_index(["strategy", "component"])["mean_diff"]
    assert d.loc[("cocreate", "world")] == pytest.approx(0, abs=1e-12)  # the common world cancels in pairs
    parts = d.loc["cocreate"].drop("total").sum()
    assert parts == pytest.approx(d.loc[("cocreate", "total")])
    assert "trust_change@world" not in analysis.outputs(read_results(tmp_path))
    assert "comes from" in (tmp_path / "analysis" / "summary.md").read_text()


def test_prim_is_not_run_with_too_few_points_per_parameter(tmp_path):
    toy_results(tmp_path, samples=12, replications=4)  # 12 points for 2 parameters: PRIM needs 20
    report = analyse_sweep(tmp_path, n_boot=200)
    assert any("PRIM not run" in n for n in report.notes)
    row = report.backfire.set_index("strategy").loc["cocreate"]
    assert row["box"].startswith("(not run") and 0 < row["backfire_share"] < 1
