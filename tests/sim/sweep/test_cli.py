"""`cocreate sweep` and `cocreate analyse`: a tiny real sweep of the engagement model, and one-line errors."""

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from cocreate.cli import app
from sim.sweep.store import TIMING_COLUMNS, read_results

runner = CliRunner()
TINY = """
name: tiny
population: {size: 1200}
process: {horizon_weeks: 30}
engagement: {panel_size: 24}
"""


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


def sweep(*args):
    return runner.invoke(app, ["sweep", *map(str, args)])


def test_tiny_real_sweep_is_the_same_on_every_executor_and_shares_worlds(tmp_path, scenario):
    common = [scenario, "--design", "factorial", "--samples", "2", "-p", "engagement.authenticity=0.2:0.9",
              "--seeds", "2", "-s", "inform", "-s", "cocreate_sortition", "--workers", "2"]
    for ex in ("sequential", "local"):
        result = sweep(*common, "--executor", ex, "--out", tmp_path / ex)
        assert result.exit_code == 0, result.output
    rows = read_results(tmp_path / "local")
    assert len(rows) == 8 and rows["error"].isna().all()
    pd.testing.assert_frame_equal(rows.drop(columns=TIMING_COLUMNS),
                                  read_results(tmp_path / "sequential").drop(columns=TIMING_COLUMNS))
    # common random numbers: within a replication every strategy and point starts from the same world
    assert (rows.groupby("replication")["trust_initial"].nunique() == 1).all()
    assert rows.groupby("replication")["trust_initial"].first().nunique() == 2
    # the swept parameter reaches the model: honouring depends on authenticity for co-creation
    cocreate = rows[rows["strategy"] == "cocreate_sortition"]
    assert cocreate.groupby("engagement.authenticity")["honour_share"].mean().is_monotonic_increasing
    result = runner.invoke(app, ["analyse", str(tmp_path / "local"), "--boot", "200"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "local" / "analysis" / "paired_differences.png").stat().st_size > 0
    assert (tmp_path / "local" / "analysis" / "summary.md").read_text().count("cocreate_sortition") >= 2


def test_sweep_of_a_user_model_then_resume(tmp_path):
    args = ["--model", "tests.sim.sweep.models:toy", "--design", "lhs", "--samples", "5", "-p", "a=0:1",
            "--seeds", "2", "-s", "consult", "-s", "cocreate", "--executor", "sequential", "--out", tmp_path]
    assert sweep(*args).exit_code == 0
    assert len(read_results(tmp_path)) == 20
    again = sweep(*args, "--resume")
    assert again.exit_code == 0 and "0 runs done" in again.output.replace("\n", " ")
    refused = sweep(*args)
    assert refused.exit_code == 2 and "--resume" in refused.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-p", "engagement.authenticity"], "--param"),
        (["-p", "engagement.nonsense=0:1"], "nonsense"),
        (["-p", "engagement.authenticity=0:2"], "engagement.authenticity"),
        (["--design", "grid"], "--design"),
        (["--executor", "ray"], "--executor"),
        (["-s", "shout"], "shout"),
        (["--design", "sobol", "--samples", "6", "-p", "engagement.authenticity=0:1"], "power of 2"),
        (["--seeds", "0"], "--seeds"),
    ],
)
def test_bad_sweep_input_is_one_line_and_exit_2(tmp_path, scenario, extra, message):
    result = sweep(scenario, "--out", tmp_path / "o", "--executor", "sequential", *extra)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output


def test_bad_files_are_one_line_and_exit_2(tmp_path, scenario):
    missing = sweep(tmp_path / "nope.yaml", "--out", tmp_path / "o")
    assert missing.exit_code == 2 and "nope.yaml" in missing.output
    ranges = tmp_path / "ranges.yaml"
    ranges.write_text("engagement.authenticity: [0.1]\n")
    bad = sweep(scenario, "--ranges", ranges, "--out", tmp_path / "o")
    assert bad.exit_code == 2 and "engagement.authenticity" in bad.output
    empty = runner.invoke(app, ["analyse", str(tmp_path)])
    assert empty.exit_code == 2 and "no sweep" in empty.output


@pytest.mark.parametrize("design", ["lhs", "factorial", "sobol", "morris"])
def test_a_design_with_nothing_to_vary_is_refused_in_one_line(tmp_path, scenario, design):
    result = sweep(scenario, "--design", design, "--samples", "16", "--out", tmp_path / "o")
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert "no parameter to vary" in lines[0] and "--ranges" in lines[0] and "--param" in lines[0]
    assert not (tmp_path / "o").exists()


def test_replicating_one_point_is_still_possible_and_the_manifest_says_what_ran_it(tmp_path, scenario):
    import json

    from sim.sweep.runner import PACKAGES

    out = tmp_path / "o"
    args = [scenario, "--design", "factorial", "--samples", "1", "--seeds", "2", "-s", "inform", "-s", "consult",
            "--executor", "sequential", "--out", out]
    assert sweep(*args).exit_code == 0
    assert len(read_results(out)) == 4
    prov = json.loads((out / "sweep.json").read_text())["provenance"]
    assert set(PACKAGES) | {"python"} <= set(prov["versions"])
    assert prov["versions"]["numpy"] and prov["versions"]["pandas"] and prov["platform"]
    assert prov["git_commit"] is None or len(prov["git_commit"]) == 40
    # the provenance is a record, not part of the sweep's identity: a resume on another day is the same sweep
    manifest = json.loads((out / "sweep.json").read_text())
    manifest["provenance"]["started"] = "1999-01-01T00:00:00Z"
    (out / "sweep.json").write_text(json.dumps(manifest))
    again = sweep(*args, "--resume")
    assert again.exit_code == 0 and "0 runs done" in again.output.replace("\n", " ")


def test_analyse_writes_no_nan_row_for_an_outcome_a_strategy_does_not_define(tmp_path, scenario):
    out = tmp_path / "o"
    args = [scenario, "--design", "lhs", "--samples", "2", "-p", "engagement.authenticity=0.2:0.9", "--seeds", "2",
            "-s", "status_quo", "-s", "inform", "-s", "consult", "-s", "cocreate_sortition", "--executor",
            "sequential", "--out", out]
    assert sweep(*args).exit_code == 0
    result = runner.invoke(app, ["analyse", str(out), "--boot", "200"])
    assert result.exit_code == 0, result.output
    assert not re.search(r"\bnan\b", result.output, re.IGNORECASE), result.output
    summary = (out / "analysis" / "summary.md").read_text()
    assert not re.search(r"\bnan\b", summary, re.IGNORECASE), summary
    paired = pd.read_csv(out / "analysis" / "paired_differences.csv")
    assert not paired[["mean_diff", "ci_low", "ci_high", "win_rate"]].isna().any().any()
    assert (paired["n_pairs"] > 0).all()
    # inform has no panel: its panel outcomes are said once in a note, not tabled
    assert not ((paired["strategy"] == "inform") & (paired["outcome"] == "panel_quality")).any()
    assert "panel_quality" in summary and "undefined" in summary
    # and a defined comparison is still there
    assert ((paired["strategy"] == "cocreate_sortition") & (paired["outcome"] == "trust_change")).any()
