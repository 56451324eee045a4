"""`cocreate demo` at a small size: an Antwerp panel with its audit bundle that verifies, the strategies compared on
the Antwerp case, and the two reports it names at the end exist and are self-contained."""

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from cocreate.cli import app
from selection.lottery.verify import verify


def test_demo_draws_an_antwerp_panel_compares_strategies_and_names_both_reports(tmp_path):
    out = tmp_path / "demo"
    done = CliRunner().invoke(app, ["demo", "--out", str(out), "--adults", "60000", "--seats", "30", "--seeds", "2"])
    assert done.exit_code == 0, done.output
    text = done.output
    assert "verify: OK" in text and "co-creation, lottery panel" in text
    panel_report = re.search(r"panel report:\s+(\S+)", text).group(1)
    sim_report = re.search(r"simulation report:\s+(\S+)", text).group(1)
    assert Path(panel_report) == out / "panel" / "report.html"
    assert Path(sim_report) == out / "simulation" / "simulation-report.html"
    bundle = json.loads((out / "panel" / "audit.json").read_text())
    assert bundle["options"]["k"] == 30 and bundle["draw"] is not None
    assert bundle["inputs"]["pool"]["name"] == "antwerp_pool.csv"
    _, mismatches, _ = verify(out / "panel" / "audit.json", out / "inputs" / "antwerp_pool.csv",
                              out / "inputs" / "antwerp_quotas.csv", recompute=False)
    assert mismatches == []
    for report in (panel_report, sim_report):
        html = Path(report).read_text(encoding="utf-8")
        assert "data:image/png;base64," in html
        assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", html)
    summary = (out / "simulation" / "summary.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(summary) == 1 + 2 * 5  # two worlds x five strategies
