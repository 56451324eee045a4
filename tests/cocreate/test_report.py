"""The selection report: built from a real selection, rendered in real headless Chromium (Debian's, installed by
`make test`), it makes no network request, its plots load, it prints on A4; English, Dutch and French are complete.

Set COCREATE_SCREENSHOT_DIR to keep the screenshot (`make docs-screenshot` refreshes docs/img/selection-report.png).
"""

import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract
from playwright.sync_api import sync_playwright

from cocreate.report import (
    LANGUAGES,
    lottery_html,
    render_selection_report,
    report_data,
    write_selection_report,
)
from cocreate.report.i18n import catalog_path
from selection import select
from selection.engine.metrics import summary
from selection.lottery import workflow

PEERS = Path(__file__).parents[1] / "fixtures" / "peers" / "opendlp"
POOL, QUOTAS = PEERS / "Respondents_csv_example.csv", PEERS / "Categories_csv_example.csv"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SEED = "Lotto 2026-12-05: 3 11 19 28 35 42"
REPORT_DIR = Path(__file__).parents[2] / "cocreate" / "report"


@pytest.fixture(scope="module")
def selection():
    pub = workflow.publish(POOL, QUOTAS, 20)
    drawn = workflow.draw(pub.bundle, pub.inputs, seed=SEED)
    inputs = pub.inputs
    metrics = summary(inputs.problem, pub.lottery.target, inputs.indices(drawn["draw"]["panel"]))
    legacy = select(inputs.pool, inputs.quotas, 20, algorithm="legacy", legacy_draws=200).metrics
    margins = pd.DataFrame({"feature": ["gender"] * 3 + ["disability"] * 2,
                            "value": ["Female", "Male", "Non-binary or other", "Yes", "No"],
                            "share": [0.5, 0.48, 0.02, 0.18, 0.82]})
    return pub, drawn, report_data(drawn, inputs, metrics, legacy, margins)


@pytest.fixture(scope="module")
def report(selection, tmp_path_factory):
    return write_selection_report(tmp_path_factory.mktemp("report"), selection[2], "en")


def test_data_holds_what_the_selection_computed_and_no_personal_data(selection, report):
    pub, drawn, data = selection
    assert data["k"] == 20 and data["n"] == 100 and data["draw"]["number"] == drawn["draw"]["number"]
    assert data["lottery"]["sha256"] == drawn["lottery"]["sha256"] and data["households"] == 0
    assert data["notes"] == ["Categories_csv_example.csv: rows 24-25 have no category name and were skipped"]
    for feature in data["groups"]:
        rows = [q for q in data["quotas"] if q["feature"] == feature]
        assert sum(q["pool_count"] for q in rows) == 100
        assert sum(q["expected_seats"] for q in rows) == pytest.approx(20, abs=1e-6)
        assert sum(q["panel_seats"] for q in rows) == 20
    assert sum(data["probabilities"]["target"]) == pytest.approx(20, abs=1e-6)
    assert data["legacy"]["min_probability"] <= data["metrics"]["min_probability"] + 1e-9
    text = report.read_text(encoding="utf-8")
    assert "@example.org" not in text and "Given3" not in text and "Family3" not in text
    assert drawn["lottery"]["sha256"] in text and SEED in text
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", text), "the report must reference no file or URL"


def test_report_renders_in_headless_chromium_with_no_request_and_prints_on_a4(report, tmp_path):
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    requests = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 1200})
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report.as_uri(), wait_until="load")
            images = page.eval_on_selector_all(
                "img.plot", "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight, e.src.slice(0, 22)])")
            title = page.title()
            shot, full = tmp_path / "selection-report.png", tmp_path / "full.png"
            page.screenshot(path=str(shot))  # the first screen: the picture in the README
            page.screenshot(path=str(full), full_page=True)
            height = page.evaluate("document.documentElement.scrollHeight")
            page.emulate_media(media="print")
            pdf = page.pdf(format="A4")
        finally:
            browser.close()
    assert title == "Selection report: panel of 20 from 100 volunteers"
    assert all(u == report.as_uri() or u.startswith("data:") for u in requests), requests
    assert len(images) == 5 + 2  # one per feature, the histogram and the probabilities by group
    assert all(done and w > 100 and h > 50 and src == "data:image/png;base64," for done, w, h, src in images), images
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    assert height > 3000 and full.stat().st_size > shot.stat().st_size  # every section laid out
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and all(abs(float(w) - 595.92) < 2 and abs(float(h) - 842.88) < 2 for w, h in boxes), boxes[:3]
    assert 2 <= len(boxes) <= 12
    if os.environ.get("COCREATE_SCREENSHOT_DIR"):
        shutil.copy(shot, Path(os.environ["COCREATE_SCREENSHOT_DIR"]) / shot.name)


@pytest.mark.parametrize("lang,heading,verify", [
    ("nl", "Selectierapport", "Hoe controleren"), ("fr", "Rapport de sélection", "Comment vérifier")])
def test_dutch_and_french_reports(selection, lang, heading, verify):
    text = render_selection_report(selection[2], lang)
    assert f'<html lang="{lang}">' in text and heading in text and verify in text
    assert "Selection report" not in text and "How to verify" not in text


def messages() -> list[str]:
    """Every message the templates and the plotting code ask to translate."""
    found = []
    for template in sorted((REPORT_DIR / "templates").glob("*.j2")):
        with template.open("rb") as fh:
            found += [m for _, _, m, _ in babel_extract(fh, ("_", "gettext"), [], {"trim_blocks": "1"})]
    for module in ("plots.py", "render.py"):
        found += [m for _, m, _, _ in extract_from_file("python", REPORT_DIR / module)]
    return list(dict.fromkeys(m if isinstance(m, str) else m[0] for m in found))


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_message_is_translated_with_the_same_placeholders(lang):
    with catalog_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    wanted = messages()
    assert len(wanted) > 50
    for msgid in wanted:
        message = catalog.get(msgid)
        assert message is not None and message.string, f"{lang}: no translation of {msgid!r}"
        assert sorted(re.findall(r"%\(\w+\)s|%%", msgid)) == sorted(re.findall(r"%\(\w+\)s|%%", message.string))
    stale = {m.id for m in catalog if m.id} - set(wanted)
    assert not stale, f"{lang}: translations of messages no longer used: {stale}"


@pytest.mark.parametrize("lang,words", [("en", "equally likely panels"), ("nl", "even waarschijnlijke panels"),
                                        ("fr", "panels équiprobables")])
def test_lottery_sheet_in_three_languages(selection, lang, words):
    bundle = selection[1]
    text = lottery_html(bundle, lang)
    assert words in text and bundle["lottery"]["sha256"] in text and f'<html lang="{lang}">' in text
    assert text.count("<tr><td>") == bundle["lottery"]["m"] + 1
    first = " ".join(bundle["lottery"]["panels"][0])
    assert f"<tr><td>000</td><td>{first}</td></tr>" in text


def test_report_before_the_draw_from_the_publication(selection):
    pub = selection[0]
    metrics = summary(pub.inputs.problem, pub.lottery.target, pub.lottery.panels[0])
    data = report_data(pub, pub.inputs, metrics, notes=["stopped at the time limit: not proven optimal"])
    assert data["draw"] is None and data["legacy"] is None
    assert all(q["panel_seats"] is None for q in data["quotas"])
    text = render_selection_report(data, "en")
    assert "not drawn yet" in text and "No legacy draw was run" in text
    assert "stopped at the time limit: not proven optimal" in text and "--seed" not in text
    assert "Representativeness" not in text  # no margins given
