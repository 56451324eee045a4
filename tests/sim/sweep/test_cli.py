"""`cocreate sweep` and `cocreate analyse`: a tiny real sweep of the engagement model, and one-line errors."""

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
