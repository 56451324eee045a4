"""`cocreate antwerp` end to end at a tiny size, and its input errors."""

import pandas as pd
from typer.testing import CliRunner

from cocreate.cli import app

runner = CliRunner()


def test_antwerp_writes_table_plot_and_summary(tmp_path):
    out = tmp_path / "antwerp"
    res = runner.invoke(app, ["antwerp", "--out", str(out), "--seeds", "2", "--population", "6000", "--size", "12",
                              "--letters-per-seat", "60", "--tolerance", "0.1"])
    assert res.exit_code == 0, res.output
    summary = pd.read_csv(out / "antwerp_summary.csv")
    assert list(summary["method"]) == ["open", "legacy", "leximin", "end_to_end"]
    assert (summary["failed_runs"] == 0).all()
    assert (out / "antwerp.png").read_bytes()[:4] == b"\x89PNG"
    text = (out / "antwerp.md").read_text()
    assert "(d) end-to-end fair" in text and "Funnel, mean over seeds" in text
    assert not list(out.glob(".*"))  # no temp files left


def test_antwerp_bad_input_is_one_line_and_exit_2(tmp_path):
    res = runner.invoke(app, ["antwerp", "--out", str(tmp_path / "a"), "--seeds", "1", "--population", "3000",
                              "--size", "10", "--letters-per-seat", "200"])
    assert res.exit_code == 2 and "2000 letters for" in res.output and len(res.output.strip().splitlines()) == 1
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = runner.invoke(app, ["antwerp", "--out", str(blocker), "--seeds", "1"])
    assert res.exit_code == 2 and "is a file; give a folder" in res.output
