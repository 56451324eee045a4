"""`cocreate report DIR` on a `select` folder: the selection report rebuilt from the folder's audit bundle and the
inputs it records, rendered in Debian's headless Chromium (no error, no network request, every plot loads, no
`nan`); it says what it found, its assumptions and how to reproduce, and the reproduction command it prints
really gives the same lottery. A moved or edited input is one line naming the file."""

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cocreate.cli import app
from selection.lottery import files
from tests.cocreate.test_sim_report import no_nan, render

DATA = Path(__file__).parents[2] / "selection" / "data"
SEED = "Lotto 2026-12-05: 3 11 19 28 35 42"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("select")
    for name in ("example_pool.csv", "example_quotas.csv"):
        shutil.copy(DATA / name, tmp / name)
    out = tmp / "run1"
    done = invoke("select", tmp / "example_pool.csv", tmp / "example_quotas.csv", "--size", 30, "--household",
                  "address,postcode", "--seed", SEED, "--compare-draws", 100, "--out", out)
    assert done.exit_code == 0, done.output
    (out / "report.html").unlink()  # the report command must rebuild it from the folder alone
    return out


def test_select_folder_report_renders_and_says_what_it_found(folder, tmp_path):
    made = invoke("report", folder)
    assert made.exit_code == 0, made.output
    path = folder / "report.html"
    assert f"wrote {path}" in made.output.replace("\n", "")
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", html), "the report must reference no file or URL"
    no_nan(html)
    text, images, _ = render(path, tmp_path)
    quotas = (DATA / "example_quotas.csv").read_text(encoding="utf-8").splitlines()[1:]
    features = {line.split(",")[0] for line in quotas if line.strip()}
    assert len(images) == len(features) + 2  # one per feature, the histogram, the chances by group
    bundle = json.loads((folder / "audit.json").read_text())
    summary = json.loads((folder / "summary.json").read_text())
    lowest = f"{summary['metrics']['min_probability']:.1%}"
    assert "What this shows" in text and f"chance of at least {lowest}" in text
    assert f"meets all {len(quotas)} quotas" in text
    assert str(bundle["draw"]["number"]) in text and bundle["lottery"]["sha256"] in text
    assert "Assumptions" in text and "At most one person per household (people with the same address, postcode)" in text
    assert "How to reproduce" in text and "cocreate draw OUT --seed" in text


def test_the_printed_reproduction_gives_the_same_lottery_and_panel(folder, tmp_path):
    text = re.sub(r"<[^>]+>", "\n", (folder / "report.html").read_text(encoding="utf-8"))
    lines = [line.strip().replace("&#39;", "'") for line in text.splitlines()]
    select = shlex.split(next(line for line in lines if line.startswith("cocreate select ")))
    draw = shlex.split(next(line for line in lines if line.startswith("cocreate draw ")))
    assert select[:2] == ["cocreate", "select"] and "--out" in select
    args = [str(folder.parent / a) if a.endswith(".csv") else a for a in select[1:]]
    args[args.index("--out") + 1] = str(tmp_path / "again")
    assert invoke(*args).exit_code == 0
    assert invoke("draw", tmp_path / "again", *draw[3:]).exit_code == 0
    first = json.loads((folder / "audit.json").read_text())
    again = json.loads((tmp_path / "again" / "audit.json").read_text())
    assert again["lottery"]["sha256"] == first["lottery"]["sha256"]
    assert again["draw"]["panel"] == first["draw"]["panel"]


def test_report_before_the_draw_and_in_french(tmp_path):
    out = tmp_path / "undrawn"
    assert invoke("select", DATA / "example_pool.csv", DATA / "example_quotas.csv", "--size", 30,
                  "--compare-draws", 0, "--out", out).exit_code == 0
    made = invoke("report", out, "--lang", "fr", "--out", tmp_path / "fr.html")
    assert made.exit_code == 0, made.output
    html = (tmp_path / "fr.html").read_text(encoding="utf-8")
    no_nan(html)
    assert "Ce que montre ce rapport" in html and "Hypothèses" in html
    assert "cocreate draw" not in html and "Pas de règle par foyer" in html


def test_moved_or_changed_inputs_are_one_line(folder, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(folder, moved)
    (moved / files.LOCAL).unlink()  # the private record of where the inputs are
    (moved / "report.html").unlink()
    lost = invoke("report", moved)
    assert lost.exit_code == 2 and "Traceback" not in lost.output
    assert len(lost.output.strip().splitlines()) == 1 and "pool" in lost.output
    wrong = tmp_path / "wrong.csv"
    wrong.write_text((folder.parent / "example_pool.csv").read_text(encoding="utf-8") + "\n")
    edited = invoke("report", moved, "--pool", wrong, "--quotas", folder.parent / "example_quotas.csv")
    assert edited.exit_code == 2 and "not the one the draw used" in edited.output
    fixed = invoke("report", moved, "--pool", folder.parent / "example_pool.csv", "--quotas",
                   folder.parent / "example_quotas.csv")
    assert fixed.exit_code == 0 and (moved / "report.html").is_file()


def test_a_replacement_folder_reports_the_panel_after_the_replacement(folder, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(folder, copy)
    dropped = json.loads((copy / "audit.json").read_text())["draw"]["panel"][0]
    assert invoke("replace", copy, "--dropped", dropped).exit_code == 0
    made = invoke("report", copy / "replacement-1")
    assert made.exit_code == 0, made.output
    html = (copy / "replacement-1" / "report.html").read_text(encoding="utf-8")
    no_nan(html)
    assert "1 replacement(s) of members who dropped out are recorded here" in html
    assert "The drawn panel meets all" in html
