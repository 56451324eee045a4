"""Verify a draw in the browser: a bundle drawn by `cocreate select`, its inputs and published files give OK; an edited
published file gives a mismatch naming it."""

import json
import subprocess
import sys

from tests.web.conftest import DATA, shoot

SEED = "EuroMillions 2026-12-01: 4 17 23 38 45 * 2 9"
POOL, QUOTAS = DATA / "example_pool.csv", DATA / "example_quotas.csv"


def test_verify_ok_then_a_mismatch(page, server, tmp_path):
    out = tmp_path / "draw"  # drawn by the command line, in a fresh process like the server's
    subprocess.run([sys.executable, "-m", "cocreate.cli", "select", str(POOL), str(QUOTAS), "--size", "30", "--out",
                    str(out), "--seed", SEED, "--compare-draws", "0"], check=True, capture_output=True)
    sealed = json.loads((out / "audit.json").read_text(encoding="utf-8"))

    page.goto(server.url + "/verify")
    page.wait_for_selector("text=Verify a draw")
    chooser = page.locator(".verify-page input[type=file]")
    chooser.nth(0).set_input_files(str(out / "audit.json"))
    chooser.nth(1).set_input_files(str(POOL))
    chooser.nth(2).set_input_files(str(QUOTAS))
    page.locator(".verify-page .cocreate-upload", has_text="panel.csv").locator("input").set_input_files(
        str(out / "panel.csv"))
    page.wait_for_selector(".uploaded-quotas")
    page.wait_for_selector(".uploaded-panel-csv")
    page.get_by_label("Public seed as announced (optional)").fill(SEED)
    page.get_by_label("Commitment announced before the draw (optional)").fill(sealed["lottery"]["sha256"])
    page.wait_for_timeout(500)
    page.click(".run-verify")
    page.wait_for_selector(".verified, .mismatch, .verify-page .problems", timeout=120_000)
    assert page.locator(".verified").count() == 1, page.inner_text(".verify-page")
    text = page.inner_text(".verified")
    assert text.startswith("OK: lottery of 1000 quota-exact panels")
    assert f"follows from seed '{SEED}'" in text and "the lottery is the one committed to" in text
    assert "panel.csv" in text
    shoot(page, tmp_path, "verify-page.png")

    edited = tmp_path / "edited" / "panel.csv"
    edited.parent.mkdir()
    lines = (out / "panel.csv").read_text(encoding="utf-8-sig").splitlines()
    edited.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    page.locator(".verify-page .cocreate-upload", has_text="panel.csv").locator("input").set_input_files(str(edited))
    page.wait_for_selector(".verified", state="detached")
    page.get_by_label("Run the selection again", exact=False).uncheck(force=True)  # --quick: the files are enough
    page.click(".run-verify")
    page.wait_for_selector(".mismatch", timeout=120_000)
    assert "panel.csv" in page.inner_text(".verify-page")
    shoot(page, tmp_path, "verify-page-mismatch.png")


def test_verify_names_an_unusable_bundle(page, server, tmp_path):
    bad = tmp_path / "audit.json"
    bad.write_text("{not json", encoding="utf-8")
    page.goto(server.url + "/verify")
    chooser = page.locator(".verify-page input[type=file]")
    chooser.nth(0).set_input_files(str(bad))
    chooser.nth(1).set_input_files(str(POOL))
    chooser.nth(2).set_input_files(str(QUOTAS))
    page.wait_for_selector(".uploaded-quotas")
    page.click(".run-verify")
    page.wait_for_selector(".verify-page .problems")
    assert "audit.json" in page.inner_text(".verify-page .problems")
