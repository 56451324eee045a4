"""`cocreate simulate`: outputs written, bad input gives one line and exit code 2."""

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from cocreate.cli import sim as cli_sim

SCENARIO = """
name: tiny
population: {size: 800}
process: {horizon_weeks: 24, framing_weeks: 2, design_weeks: 6, implementation_weeks: 8, consultation_weeks: 6,
          recruitment_weeks: 4, response_weeks: 2}
engagement: {panel_size: 12, sessions: 3}
"""


@pytest.fixture()
def app():
    app = typer.Typer(pretty_exceptions_enable=False)

    @app.callback()
    def main():  # keeps `simulate` a sub-command, as in the real app
        pass

    cli_sim.register(app)
    return app


def test_simulate_writes_series_summaries_and_plots(app, tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO)
    before = path.read_bytes()
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["simulate", str(path), "-s", "inform", "-s", "cocreate_sortition",
                                   "--seeds", "3", "--out", str(out)])
    assert res.exit_code == 0, res.output
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 6 and set(summary["strategy"]) == {"inform", "cocreate_sortition"}
    series = pd.read_parquet(out / "series.parquet")
    assert len(series) == 6 * 25 and {"trust", "support", "week", "seed"} <= set(series.columns)
    for png in ("trust.png", "support.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "paired_vs_inform.csv").exists()
    assert path.read_bytes() == before
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("args, expected", [
    (["missing.yaml"], "missing.yaml: file not found"),
    (["BAD", "-s", "nope"], "unknown strategy 'nope'"),
    (["BAD", "--seeds", "0"], "--seeds"),
    (["RANGE"], "field 'engagement.transparency'"),
])
def test_bad_input_is_one_line_and_exit_2(app, tmp_path, args, expected):
    good = tmp_path / "good.yaml"
    good.write_text(SCENARIO)
    bad = tmp_path / "range.yaml"
    bad.write_text("engagement: {transparency: 3}\n")
    args = [str(good) if a == "BAD" else str(bad) if a == "RANGE" else a for a in args]
    res = CliRunner().invoke(app, ["simulate", *args, "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert expected in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_too_few_volunteers_is_one_line_and_exit_2(app, tmp_path):
    path = tmp_path / "big_panel.yaml"
    path.write_text(SCENARIO.replace("panel_size: 12", "panel_size: 400"))
    res = CliRunner().invoke(app, ["simulate", str(path), "-s", "cocreate_sortition", "--seeds", "1",
                                   "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "volunteers for 400 seats" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_parallel_jobs_give_the_same_results(app, tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO)
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        res = CliRunner().invoke(app, ["simulate", str(path), "-s", "consult", "--seeds", "2", "--jobs", jobs,
                                       "--out", str(out)])
        assert res.exit_code == 0, res.output
        outs.append(pd.read_csv(out / "summary.csv"))
    pd.testing.assert_frame_equal(outs[0], outs[1])


def test_simulate_channels_splits_each_effect_by_channel(app, tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["simulate", str(path), "-s", "inform", "-s", "captured", "--seeds", "2",
                                   "--channels", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "by channel" in res.output
    long = pd.read_csv(out / "channels.csv")
    summary = pd.read_csv(out / "summary.csv")
    assert len(long) == len(summary) * 6  # five channels and the interaction, per run
    # per run, the contributions and the interaction make up the run's trust change (with no channel on, trust
    # does not move)
    total = long.groupby(["strategy", "seed"])["contribution"].sum()
    own = summary.set_index(["strategy", "seed"])["trust_change"]
    assert (total - own.loc[total.index]).abs().max() < 1e-9
    paired = pd.read_csv(out / "channels_vs_inform.csv").set_index("channel")
    assert set(paired["strategy"]) == {"captured"}
    assert paired.loc["exposure", "mean_diff"] <= 0 and paired.loc["total", "mean_diff"] < 0
