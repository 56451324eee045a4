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


def _app():
    app = typer.Typer(pretty_exceptions_enable=False)

    @app.callback()
    def main():  # keeps `simulate` a sub-command, as in the real app
        pass

    cli_sim.register(app)
    return app


@pytest.fixture()
def app():
    return _app()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """One `simulate` run of two strategies over three seeds: (scenario path, its bytes before, output dir, result)."""
    tmp = tmp_path_factory.mktemp("simulate")
    path = tmp / "tiny.yaml"
    path.write_text(SCENARIO)
    before = path.read_bytes()
    out = tmp / "out"
    res = CliRunner().invoke(_app(), ["simulate", str(path), "-s", "inform", "-s", "cocreate_sortition",
                                      "--seeds", "3", "--out", str(out)])
    return path, before, out, res


def test_simulate_writes_series_summaries_and_plots(simulated):
    path, before, out, res = simulated
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


@pytest.mark.parametrize("column", ["trust", "support"])
def test_band_plots_mark_each_strategys_phases_as_the_reports_do(simulated, column):
    """trust.png and support.png: beneath the measure, one bar per strategy coloured by its process phases (the
    weeks the run spent in each, as the HTML reports draw them), a legend naming the phases, and each strategy's
    decision week dotted in its colour across the measure."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex

    from cocreate.report.style import PHASE_COLOURS, PHASES, colour, name, phase_spans

    _, _, out, res = simulated
    assert res.exit_code == 0, res.output
    series = pd.read_parquet(out / "series.parquet")
    spans = phase_spans(series)
    assert set(spans) == {"inform", "cocreate_sortition"}
    for parts in spans.values():  # each strategy goes through framing, a decision and implementation here
        assert {"framing", "decision", "implementation"} <= {p for p, _, _ in parts}
    fig = cli_sim.band_figure(series, column, f"mean {column}")
    try:
        measure, bar = fig.axes[:2]
        assert bar.get_shared_x_axes().joined(measure, bar)
        rows = sorted(bar.get_yticklabels(), key=lambda t: -t.get_position()[1])  # top to bottom
        assert [t.get_text() for t in rows] == [name(s) for s in spans]
        row = {name(s): t.get_position()[1] for s, t in zip(spans, rows, strict=True)}
        drawn = sorted((round(r.get_y() + r.get_height() / 2, 6), round(r.get_x(), 6), round(r.get_width(), 6),
                        to_hex(r.get_facecolor())) for r in bar.patches)
        wanted = sorted((round(row[name(s)], 6), round(start, 6), round(end - start, 6), PHASE_COLOURS[phase])
                        for s, parts in spans.items() for phase, start, end in parts)
        assert drawn == wanted
        legend = bar.get_legend()
        assert legend.get_title().get_text() == "process phase"
        used = {p for parts in spans.values() for p, _, _ in parts}
        assert {t.get_text() for t in legend.get_texts()} == {PHASES[p] for p in used}
        decisions = sorted((round((start + end) / 2, 6), colour(s)) for s, parts in spans.items()
                           for phase, start, end in parts if phase == "decision")
        dotted = sorted((round(line.get_xdata()[0], 6), to_hex(line.get_color())) for line in measure.lines
                        if line.get_linestyle() == ":")
        assert dotted == decisions
        assert bar.get_xlabel() == "weeks since the process started"
    finally:
        plt.close(fig)


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
