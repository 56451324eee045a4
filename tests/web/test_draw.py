"""Draw a panel in the browser: upload the example pool, quotas and a settings file, check, compute, publish, draw
with a public seed, replace a drop-out, download; the downloaded panel meets every quota and is the one the library
draws from the same inputs and seed. A bad quota file shows its problem inline, naming the row and the column."""

import io
import json
import subprocess
import sys
import zipfile

import pandas as pd
import pytest

from selection.inputs import read_quotas
from selection.lottery import files, workflow
from tests.web.conftest import DATA, shoot, upload

SEED = "Lotto 2026-12-05: 3 11 19 28 35 42"
MARGINS = """feature,value,share
gender,female,0.51
gender,male,0.48
gender,non-binary,0.01
age,16-29,0.2
age,30-44,0.25
age,45-64,0.33
age,65+,0.22
education,higher,0.35
education,secondary,0.4
education,primary,0.25
origin,native,0.7
origin,migrant background,0.3
"""
POOL, QUOTAS = DATA / "example_pool.csv", DATA / "example_quotas.csv"


FORMULA = "=HYPERLINK(\"http://example.invalid\",\"click\")"


def test_upload_check_draw_download(page, server, tmp_path):
    # the example pool, one address a spreadsheet would run as a formula: the downloads must neutralise it
    pool = tmp_path / "example_pool.csv"
    lines = POOL.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace("4 Example Street", '"' + FORMULA.replace('"', '""') + '"')
    pool.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert FORMULA in pd.read_csv(pool, dtype=str)["address"].tolist()
    settings = tmp_path / "cocreate.toml"
    settings.write_text('size = 30\nhousehold = ["address", "postcode"]\n', encoding="utf-8")
    margins = tmp_path / "margins.csv"
    margins.write_text(MARGINS, encoding="utf-8")
    page.goto(server.url + "/")
    page.wait_for_selector("text=Upload the pool and the quotas")
    upload(page, "upload-pool", pool)
    upload(page, "upload-quotas", QUOTAS)
    upload(page, "upload-settings", settings)
    upload(page, "upload-margins", margins)
    page.wait_for_selector(".uploaded-margins >> text=margins.csv")
    page.wait_for_selector(".uploaded-pool >> text=example_pool.csv")
    page.wait_for_selector(".uploaded-quotas >> text=example_quotas.csv")
    page.wait_for_selector(".settings-said >> text=size 30")
    page.wait_for_selector("text=households by address, postcode")

    page.click(".run-check")
    page.wait_for_selector(".feasible")
    check = page.inner_text(".check-table")
    assert "female" in check and "12-18" in check  # target vs pool, one row per quota value

    page.click(".run-compute")
    page.wait_for_selector(".quota-table", timeout=120_000)
    assert page.locator("img.by-group").count() == 1
    assert page.locator("img.representativeness").count() == 4  # one per feature
    assert "population" in page.inner_text(".step-3")  # against the population margins too
    page.click(".publish")
    page.wait_for_selector(".commitment")
    commitment = page.inner_text(".commitment").strip()
    shoot(page, tmp_path, "web-draw.png", readme=True, readme_height=3000)

    page.get_by_label("Public seed").fill(SEED)
    page.click(".draw")
    page.wait_for_selector(".drawn")
    assert page.locator("input[type=file]").first.is_disabled()  # the earlier steps are locked after the draw
    panel_ids = page.locator(".panel tbody tr td:first-child").all_inner_texts()
    assert len(panel_ids) == 30
    page.get_by_label("Dropped out").fill(panel_ids[0])
    page.click(".replace")
    page.wait_for_selector(".replaced >> text=every quota is met")
    shoot(page, tmp_path, "draw-page-drawn.png")

    with page.expect_download() as info:
        page.get_by_role("button", name="panel.csv", exact=True).click()
    panel = pd.read_csv(info.value.path(), encoding="utf-8-sig", dtype=str)
    with page.expect_download() as info:
        page.get_by_role("button", name="all files (zip)").click()
    archive = zipfile.ZipFile(info.value.path())
    names = set(archive.namelist())

    # the downloaded panel meets every quota, at most one per household
    assert len(panel) == 30
    for q in read_quotas(QUOTAS).quotas:
        seats = int((panel[q.feature].str.casefold() == q.value.casefold()).sum())
        assert q.min <= seats <= q.max, (q.feature, q.value, seats)
    assert not panel.duplicated(["address", "postcode"]).any()
    # and it is the command line's draw (same library functions, a fresh process): same commitment, same panel
    cli = tmp_path / "cli"
    subprocess.run([sys.executable, "-m", "cocreate.cli", "select", str(pool), str(QUOTAS), "--out", str(cli),
                    "--seed", SEED, "--compare-draws", "0"], check=True, capture_output=True)  # settings: size, household
    assert json.loads((cli / "audit.json").read_text(encoding="utf-8"))["lottery"]["sha256"] == commitment
    assert sorted(panel["id"]) == sorted(pd.read_csv(cli / "panel.csv", encoding="utf-8-sig", dtype=str)["id"])
    # every file, the report and the replacement step; never the private record of local paths
    assert {"lottery.csv", "lottery.html", "probabilities.csv", "tickets.csv", "audit.json", "panel.csv",
            "reserves.csv", "remaining.csv", "report.html", "replacement-1/panel.csv",
            "replacement-1/changes.csv"} <= names
    assert not any(".cocreate-local" in n for n in names)
    assert "Selection report" in archive.read("report.html").decode("utf-8")
    # formula-safe: the address is in the panel or the rest of the pool, neutralised, never as a live formula
    people = "".join(archive.read(n).decode("utf-8-sig") for n in ("panel.csv", "remaining.csv"))
    assert "'=HYPERLINK" in people
    assert not any(cell.startswith("=") for n in ("panel.csv", "reserves.csv", "remaining.csv")
                   for cell in pd.read_csv(io.BytesIO(archive.read(n)), dtype=str, encoding="utf-8-sig")
                   .fillna("").to_numpy().ravel())
    assert all(u.startswith(server.url) or u.startswith(("data:", "blob:")) for u in page.requests), \
        [u for u in page.requests if not u.startswith(server.url)][:5]


def test_a_bad_file_shows_its_problem_inline(page, server, tmp_path):
    lines = QUOTAS.read_text(encoding="utf-8").splitlines()
    lines[2] = "gender,male,12,lots"
    bad = tmp_path / "quotas.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.goto(server.url + "/")
    workbook = tmp_path / "example_pool.xlsx"
    pd.read_csv(POOL, dtype=str).to_excel(workbook, index=False)
    upload(page, "upload-pool", workbook)  # a workbook is read like a CSV
    page.wait_for_selector(".uploaded-pool >> text=example_pool.xlsx")
    page.wait_for_selector(".uploaded-pool >> text=read")
    upload(page, "upload-quotas", bad)
    problems = page.locator(".upload-quotas .problems")
    problems.wait_for()
    text = problems.inner_text()
    assert "quotas.csv" in text and "3" in text and "max" in text and "'lots' is not a whole number" in text
    row = problems.locator("tbody tr").first.locator("td").all_inner_texts()
    assert row[:3] == ["quotas.csv", "3", "max"]  # file, row, column
    assert page.locator(".run-check").is_disabled()
    shoot(page, tmp_path, "draw-page-bad-file.png")

    # a file over the upload cap is refused before it is read, with a clear message
    lines[2] = "gender,male,12,17"
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (51 * 1024 * 1024))
    upload(page, "upload-pool", big)
    page.wait_for_selector(".upload-pool >> text=uploads are limited to 50 MB")

    # fixing the file clears the problem
    good = tmp_path / "fixed.csv"
    good.write_text("\n".join(lines) + "\n", encoding="utf-8")
    upload(page, "upload-quotas", good)
    page.wait_for_selector(".uploaded-quotas >> text=fixed.csv")
    page.wait_for_selector(".upload-quotas .problems", state="detached", timeout=10_000)


def test_draw_later_from_a_published_lottery(page, server, tmp_path):
    """The seed is announced days after publishing: a later session continues from the published audit.json (with
    the same pool and quotas) and draws the same panel the library draws."""
    out = tmp_path / "published"
    out.mkdir()
    pub = workflow.publish(POOL, QUOTAS, 30)
    sealed = files.write_publication(out, pub.bundle)
    page.goto(server.url + "/")
    upload(page, "upload-pool", POOL)
    upload(page, "upload-quotas", QUOTAS)
    page.wait_for_selector(".uploaded-quotas")
    upload(page, "upload-resume", out / "audit.json")
    page.wait_for_selector(".commitment")
    assert page.inner_text(".commitment").strip() == sealed["lottery"]["sha256"]
    page.get_by_label("Public seed").fill(SEED)
    page.click(".draw")
    page.wait_for_selector(".drawn")
    shown = page.locator(".panel tbody tr td:first-child").all_inner_texts()
    assert sorted(shown) == sorted(workflow.draw(sealed, pub.inputs, seed=SEED)["draw"]["panel"])


def test_a_published_lottery_needs_its_own_inputs(page, server, tmp_path):
    out = tmp_path / "published"
    out.mkdir()
    pub = workflow.publish(POOL, QUOTAS, 30)
    files.write_publication(out, pub.bundle)
    other = tmp_path / "other_pool.csv"
    other.write_text(POOL.read_text(encoding="utf-8").replace("R0001,", "R9999,", 1), encoding="utf-8")
    page.goto(server.url + "/")
    upload(page, "upload-pool", other)
    upload(page, "upload-quotas", QUOTAS)
    page.wait_for_selector(".uploaded-quotas")
    upload(page, "upload-resume", out / "audit.json")
    problems = page.locator(".upload-resume .problems")
    problems.wait_for()
    assert "is not the one the draw used" in problems.inner_text()


@pytest.mark.parametrize("algorithm, field, value, said, key", [
    ("goldilocks", "gamma", "0.25", "gamma 0.25", "gamma"),
    ("maxentropy", "pair-weight", "2", "pair weight 2", "pair_weight")])
def test_algorithm_parameter_is_chosen_on_the_page_and_recorded(page, server, tmp_path, algorithm, field, value,
                                                               said, key):
    """Goldilocks' gamma and maxentropy's pair weight: the field appears for its algorithm only; the value typed is
    the one the lottery is computed with (the result line and the published bundle say so), as `cocreate select
    --gamma` / `--pair-weight` would."""
    rows = [(f"p{i:02d}", "xy"[i % 3 == 0], "uv"[i % 2]) for i in range(12)]
    pool = tmp_path / "pool.csv"
    pd.DataFrame(rows, columns=["id", "a", "b"]).to_csv(pool, index=False)
    quotas = tmp_path / "quotas.csv"
    quotas.write_text("feature,value,min,max\na,x,1,3\na,y,1,3\nb,u,1,3\nb,v,1,3\n", encoding="utf-8")
    settings = tmp_path / "cocreate.toml"
    settings.write_text('size = 4\nalgorithm = "leximin"\n', encoding="utf-8")
    page.goto(server.url + "/")
    upload(page, "upload-pool", pool)
    upload(page, "upload-quotas", quotas)
    upload(page, "upload-settings", settings)
    page.wait_for_selector(".settings-said >> text=size 4")
    assert page.locator(f".{field}").count() == 0  # not for leximin
    settings.write_text(f'size = 4\nalgorithm = "{algorithm}"\n', encoding="utf-8")
    upload(page, "upload-settings", settings)
    page.wait_for_selector(f".settings-said >> text=algorithm {algorithm}")  # the re-render after the upload
    page.wait_for_selector(f".{field}")
    box = page.locator(f".{field} input")
    box.fill(value)
    box.press("Enter")
    box.blur()
    page.wait_for_selector(f".{field}-said >> text={said}")  # the page holds the value before computing
    page.click(".run-compute")
    page.wait_for_selector(".result-line", timeout=60_000)
    assert f"{algorithm} ({said})" in page.inner_text(".result-line")
    page.click(".publish")
    page.wait_for_selector(".commitment")
    with page.expect_download() as info:
        page.get_by_role("button", name="audit.json", exact=True).click()
    assert json.loads(open(info.value.path(), encoding="utf-8").read())["options"][key] == float(value)
