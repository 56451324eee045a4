"""`cocreate report DIR`: the simulation report of a real `simulate` run and of a real analysed sweep, rendered
in Debian's headless Chromium (as tests/cocreate/test_report.py does): no network request, the plots load, no
`nan` anywhere, the findings, assumptions and reproduction command are there; bad directories are one line.

Set COCREATE_SCREENSHOT_DIR to keep the screenshot (docs/img/simulation-report.png in the README)."""

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import sync_playwright
from typer.testing import CliRunner

from cocreate.cli import app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCENARIO = Path(__file__).parents[2] / "scenarios" / "consultation_ignored.yaml"
TINY = "name: tiny\npopulation: {size: 1200}\nprocess: {horizon_weeks: 30}\nengagement: {panel_size: 24}\n"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def sim_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim")
    done = invoke("simulate", SCENARIO, "--seeds", 3, "--population", 20000, "--out", out)
    assert done.exit_code == 0, done.output
    made = invoke("report", out)
    assert made.exit_code == 0, made.output
    return out / "simulation-report.html"


@pytest.fixture(scope="module")
def sweep_report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweep")
    (tmp / "tiny.yaml").write_text(TINY)
    out = tmp / "sw"
    done = invoke("sweep", tmp / "tiny.yaml", "--design", "lhs", "--samples", 3, "-p",
                  "engagement.authenticity=0.2:0.9", "--seeds", 2, "-s", "status_quo", "-s", "inform", "-s",
                  "consult", "-s", "cocreate_sortition", "--executor", "sequential", "--out", out)
    assert done.exit_code == 0, done.output
    refused = invoke("report", out)  # not analysed yet
    assert refused.exit_code == 2 and "cocreate analyse" in refused.output
    assert invoke("analyse", out, "--boot", 200).exit_code == 0
    made = invoke("report", out)
    assert made.exit_code == 0, made.output
    return out / "sweep-report.html"


def render(path: Path, tmp_path: Path):
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    requests = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1300})
            page.on("request", lambda r: requests.append(r.url))
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.as_uri(), wait_until="load")
            images = page.eval_on_selector_all(
                "img.plot", "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight, e.src.slice(0, 22)])")
            text = page.inner_text("body")
            shot = tmp_path / f"{path.stem}.png"
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert not errors, errors
    assert all(u == path.as_uri() or u.startswith("data:") for u in requests), requests
    assert images and all(done and w > 200 and h > 100 and src == "data:image/png;base64,"
                          for done, w, h, src in images), images
    return text, images, shot


def no_nan(text: str) -> None:
    """No 'nan' in what a reader sees: inline images' base64 can spell it by chance ('+naN/'), so they are left out."""
    visible = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", text)
    assert not re.search(r"\bnan\b", visible, re.IGNORECASE)


def test_simulation_report_reads_without_a_browser_request_and_says_what_it_found(sim_report, tmp_path):
    html = sim_report.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", html), "the report must reference no file or URL"
    no_nan(html)
    text, images, shot = render(sim_report, tmp_path)
    assert len(images) == 3  # trust over the weeks, implementation over the weeks, the paired differences
    # plain strategy names, findings in percentage points against inform, from the run's own numbers
    assert "co-creation, lottery panel" in text and "cocreate_sortition:" not in text
    run = json.loads((sim_report.parent / "run.json").read_text())
    assert run["seeds"] == 3 and run["population"] == 20000 and run["scenario"] == "consultation_ignored"
    assert re.search(r"Co-creation, lottery panel: (fewer|more) people trust|no clear difference", text)
    assert " pp" in text and "95% interval" in text
    # the speed finding names the strategy that, by the run's own summary, implements first
    summary = pd.read_csv(sim_report.parent / "summary.csv", encoding="utf-8-sig")
    means = summary.groupby("strategy")["time_to_implementation"].mean()
    first = {"inform": "Inform only", "consult_ignore": "Consultation, input ignored",
             "cocreate_sortition": "Co-creation, lottery panel"}[means.idxmin()]
    assert f"{first} implements its decision first (about {means.min():.0f} weeks" in text
    # the scenario's own account of its record, and the assumptions with the values it sets itself
    assert "What this reproduces of the record" in text and "engagement.authenticity" not in text.split("Assumptions")[0]
    assert "set here" in text and "deliberation.convergence" in text
    assert "cocreate simulate" in text and "--seeds 3 --population 20000" in text
    if os.environ.get("COCREATE_SCREENSHOT_DIR"):
        shutil.copy(shot, Path(os.environ["COCREATE_SCREENSHOT_DIR"]) / "simulation-report.png")


def test_sweep_report_has_no_nan_row_and_the_sweep_plots(sweep_report, tmp_path):
    html = sweep_report.read_text(encoding="utf-8")
    no_nan(html)
    text, images, _ = render(sweep_report, tmp_path)
    analysed = sorted((sweep_report.parent / "analysis").glob("*.png"))
    assert len(images) == len(analysed) >= 1
    assert "co-creation, lottery panel" in text and "engagement.authenticity" in text
    assert "cocreate sweep" in text and "-p engagement.authenticity=0.2:0.9" in text and "git commit" in text


def test_a_directory_with_nothing_to_report_is_one_line(tmp_path):
    empty = invoke("report", tmp_path)
    assert empty.exit_code == 2 and len(empty.output.strip().splitlines()) == 1 and "cocreate simulate" in empty.output
    missing = invoke("report", tmp_path / "nope")
    assert missing.exit_code == 2 and "not a directory" in missing.output
    assert "Traceback" not in empty.output + missing.output
