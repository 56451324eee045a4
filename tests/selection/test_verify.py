"""Publish, draw, verify and replace through the command line: what a planner and a sceptical citizen would do."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from cocreate.cli import app
from selection.lottery import bundle as audit
from selection.lottery.seeds import draw_number
from tests.selection.test_cli import write_inputs

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def drawn(tmp_path):
    """A published and drawn lottery of m = 40 panels of 10 from 60 (households by street)."""
    write_inputs(tmp_path)
    out = tmp_path / "draw"
    res = run("select", tmp_path / "pool.csv", tmp_path / "q.csv", "--size", 10, "--out", out, "--household",
              "street", "-m", 40)
    assert res.exit_code == 0, res.output
    assert not (out / "panel.csv").exists()  # nothing is drawn before the seed is announced
    res = run("draw", out, "--seed", "lotto 2026-11-28: 1 2 3")
    assert res.exit_code == 0, res.output
    return tmp_path, out


def verify(tmp_path, bundle, *extra):
    return run("verify", bundle, "--pool", tmp_path / "pool.csv", "--quotas", tmp_path / "q.csv", *extra)


def reseal(path, change):
    bundle = json.loads(path.read_text())
    change(bundle)
    path.write_text(json.dumps(audit.seal(bundle)))


def test_a_clean_draw_verifies(drawn):
    tmp_path, out = drawn
    bundle = json.loads((out / "audit.json").read_text())
    lot = bundle["lottery"]
    assert audit.file_record(out / "lottery.csv")["sha256"] == lot["sha256"] == audit.commitment(lot["panels"])
    assert bundle["draw"]["number"] == draw_number("lotto 2026-11-28: 1 2 3", lot["sha256"], 40)
    panel = pd.read_csv(out / "panel.csv", dtype=str)
    assert sorted(i.lstrip("'") for i in panel["id"]) == sorted(lot["panels"][bundle["draw"]["number"]])
    reserves = pd.read_csv(out / "reserves.csv", dtype=str)
    assert len(reserves) == 2 and not set(reserves["id"]) & set(panel["id"])
    res = verify(tmp_path, out / "audit.json", "--seed", "lotto  2026-11-28: 1 2 3", "--commitment", lot["sha256"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("OK")
    assert "@x.org" not in (out / "audit.json").read_text() and "Road" not in (out / "audit.json").read_text()


def test_one_byte_change_to_the_pool_is_caught(drawn):
    tmp_path, out = drawn
    data = bytearray((tmp_path / "pool.csv").read_bytes())
    data[-2] = ord("x") if data[-2] != ord("x") else ord("y")
    (tmp_path / "pool.csv").write_bytes(bytes(data))
    res = verify(tmp_path, out / "audit.json", "--quick")
    assert res.exit_code == 1 and "pool file changed" in res.output


def test_a_swapped_panel_is_caught_even_with_a_fresh_checksum(drawn):
    tmp_path, out = drawn
    published = json.loads((out / "audit.json").read_text())["lottery"]["sha256"]

    def swap(bundle):  # exchange a member of panel 3 for someone of the same sex and age not on it
        panels = bundle["lottery"]["panels"]
        pool = pd.read_csv(tmp_path / "pool.csv", dtype=str).set_index("id")
        first = panels[3][0]
        twin = next(i for i in pool.index if i not in panels[3] and i != "=p0" and
                    (pool.loc[i, ["sex", "age"]] == pool.loc[first, ["sex", "age"]]).all() and
                    pool.loc[i, "street"] not in set(pool.loc[panels[3], "street"]))
        panels[3] = sorted([twin, *panels[3][1:]])
        bundle["lottery"]["sha256"] = audit.commitment(panels)

    reseal(out / "audit.json", swap)
    res = verify(tmp_path, out / "audit.json")
    assert res.exit_code == 1
    assert "panels 3" in res.output and "lottery.csv differs" in res.output
    (out / "lottery.csv").unlink()  # even without the published file, the published hash catches it
    res = verify(tmp_path, out / "audit.json", "--quick", "--commitment", published)
    assert res.exit_code == 1 and "not the published one" in res.output


def test_a_wrong_number_and_a_different_seed_are_caught(drawn):
    tmp_path, out = drawn

    def shift(bundle):
        n = (bundle["draw"]["number"] + 1) % bundle["lottery"]["m"]
        bundle["draw"]["number"] = n
        bundle["draw"]["panel"] = bundle["lottery"]["panels"][n]

    reseal(out / "audit.json", shift)
    res = verify(tmp_path, out / "audit.json", "--quick")
    assert res.exit_code == 1 and "wrong number" in res.output
    res = verify(tmp_path, out / "audit.json", "--quick", "--seed", "another seed")
    assert res.exit_code == 1 and "seed differs" in res.output


def test_a_panel_that_breaks_a_quota_is_caught(drawn):
    tmp_path, out = drawn

    def break_quota(bundle):
        panels = bundle["lottery"]["panels"]
        women = [f"p{i}" for i in range(2, 60, 2)]
        panels[0] = women[:10]
        bundle["lottery"]["sha256"] = audit.commitment(panels)

    reseal(out / "audit.json", break_quota)
    res = verify(tmp_path, out / "audit.json", "--quick")
    assert res.exit_code == 1 and "panel 0 is not quota-exact" in res.output and "sex=m has 0 seats" in res.output


def newer(path):
    """A well-formed bundle of a future format version (checksum valid)."""
    bundle = json.loads(path.read_text())
    bundle["version"] = audit.VERSION + 1
    bundle["checksum"] = audit.checksum(bundle)
    path.write_text(json.dumps(bundle))


@pytest.mark.parametrize("damage, message", [
    (lambda p: p.write_text(p.read_text().replace('"m": 40', '"m": 41', 1)), "tampered"),
    (lambda p: newer(p), "newer than this cocreate"),
    (lambda p: p.write_text("{not json"), "not a JSON audit bundle"),
    (lambda p: p.write_text(json.dumps({"format": "cocreate-audit", "version": 1})), "incomplete bundle"),
])
def test_unusable_bundles_give_one_line_and_exit_2(drawn, damage, message):
    tmp_path, out = drawn
    damage(out / "audit.json")
    res = verify(tmp_path, out / "audit.json")
    assert res.exit_code == 2 and message in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_replace_keeps_quotas_and_never_edits_the_original(drawn):
    tmp_path, out = drawn
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    panel = [i.lstrip("'") for i in pd.read_csv(out / "panel.csv", dtype=str)["id"]]
    reserves = [i.lstrip("'") for i in pd.read_csv(out / "reserves.csv", dtype=str)["id"]]
    # drop a member whom a reserve can stand in for: same sex and age (i mod 6) and no housemate (street i // 2)
    # on the panel, so the reserve list can keep the quotas; and one other member
    num = {i: int(i.lstrip("=p")) for i in panel + reserves}
    fits = [(d, r) for d in panel for r in reserves if num[d] % 6 == num[r] % 6
            and not any(num[o] // 2 == num[r] // 2 for o in panel if o != d)]
    assert fits, "this draw has no reserve that can stand in for a member; choose another seed for the fixture"
    dropped = [fits[0][0], next(i for i in panel if i != fits[0][0])]
    res = run("replace", out, "--dropped", ",".join(dropped))
    assert res.exit_code == 0, res.output
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    new = out / "replacement-1"
    changes = pd.read_csv(new / "changes.csv", dtype=str)
    assert list(changes["change"]) == ["dropped", "dropped", "added", "added"]
    added = [i.lstrip("'") for i in changes.loc[changes["change"] == "added", "id"]]
    assert set(added) & set(reserves)  # the reserve list comes first when it can keep the quotas
    step = json.loads((new / "audit.json").read_text())["steps"][0]
    assert step["total_deviation"] == 0 and set(step["panel"]) == (set(panel) - set(dropped)) | set(added)
    res = verify(tmp_path, new / "audit.json")
    assert res.exit_code == 0, res.output
    again = run("replace", out, "--dropped", added[0])
    assert again.exit_code == 0 and (out / "replacement-2" / "audit.json").exists()
    res = verify(tmp_path, out / "replacement-2", "--quick")
    assert res.exit_code == 0 and "2 replacement(s)" in res.output


def test_replace_rejects_ids_not_on_the_panel(drawn):
    tmp_path, out = drawn
    res = run("replace", out, "--dropped", "nobody-42")
    assert res.exit_code == 2 and "nobody-42 is not on the current panel" in res.output
    assert not (out / "replacement-1").exists()


def test_replace_reports_when_quotas_cannot_be_kept(drawn):
    tmp_path, out = drawn
    panel = [i.lstrip("'") for i in pd.read_csv(out / "panel.csv", dtype=str)["id"]]
    pool = pd.read_csv(tmp_path / "pool.csv", dtype=str)
    women_off_panel = [i for i, s in zip(pool["id"], pool["sex"], strict=True) if s == "f" and i not in panel]
    women_on = [i for i in panel if pool.set_index("id").loc[i, "sex"] == "f"]
    # every woman on the panel drops out and no other woman can be asked: the 4-6 seats for women stay empty
    res = run("replace", out, "--dropped", ",".join(women_on), "--exclude", ",".join(women_off_panel))
    assert res.exit_code == 0, res.output
    assert "no replacement meets every quota" in res.output and "sex=f" in res.output
    step = json.loads((out / "replacement-1" / "audit.json").read_text())["steps"][0]
    assert step["total_deviation"] >= 4
    assert verify(tmp_path, out / "replacement-1", "--quick").exit_code == 0


def test_draw_once_and_seed_or_number(tmp_path):
    write_inputs(tmp_path)
    out = tmp_path / "d"
    assert run("select", tmp_path / "pool.csv", tmp_path / "q.csv", "-k", 10, "--out", out, "-m", 10,
               "--household", "street").exit_code == 0
    assert run("draw", out).exit_code == 2
    res = run("draw", out, "--number", 7)
    assert res.exit_code == 0, res.output
    bundle = json.loads((out / "audit.json").read_text())
    assert bundle["draw"]["method"] == "manual" and bundle["draw"]["panel"] == bundle["lottery"]["panels"][7]
    again = run("draw", out, "--seed", "x")
    assert again.exit_code == 2 and "already drawn" in again.output


def test_dropout_column_is_found_and_checked(tmp_path):
    write_inputs(tmp_path)
    pool = pd.read_csv(tmp_path / "pool.csv", dtype=str)
    pool["dropout"] = [f"{0.05 + 0.3 * (i % 3 == 0):.2f}" for i in range(len(pool))]
    pool.to_csv(tmp_path / "pool.csv", index=False)
    out = tmp_path / "d"
    res = run("select", tmp_path / "pool.csv", tmp_path / "q.csv", "-k", 10, "--out", out, "-m", 20,
              "--household", "street", "--seed", "s")
    assert res.exit_code == 0, res.output
    bundle = json.loads((out / "audit.json").read_text())
    assert bundle["options"]["dropout_column"] == "dropout" and bundle["reserves_method"] == "dropout-aware"
    cmp = bundle["reserves_comparison"]  # held out: on a pool this small either list may come out ahead
    assert cmp["scenarios"] == 2000 and cmp["plain"]["mean_deviation"] >= 0
    assert 0 <= cmp["dropout_aware"]["share_all_met"] <= 1 and cmp["dropout_aware"]["mean_dropouts"] > 0
    assert "drop-out-aware reserves" in res.output
    assert verify(tmp_path, out / "audit.json").exit_code == 0
    pool.loc[4, "dropout"] = "35%"
    pool.to_csv(tmp_path / "pool.csv", index=False)
    bad = run("select", tmp_path / "pool.csv", tmp_path / "q.csv", "-k", 10, "--out", tmp_path / "e")
    assert bad.exit_code == 2 and "pool.csv" in bad.output and "row 6" in bad.output and "dropout" in bad.output


def _swap_member(path):
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    pool_ids = [f"p{i}" for i in range(60)]
    first = lines[1].split(",")[0]
    outsider = next(i for i in pool_ids if i not in path.read_text())
    lines[1] = lines[1].replace(first, outsider, 1)
    path.write_text("".join(lines), encoding="utf-8")


def _delete_row(path):
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    path.write_text("".join(lines[:2] + lines[3:]), encoding="utf-8")


def _edit_probability(path):
    text = path.read_text(encoding="utf-8-sig")
    path.write_text(text.replace("0.", "0.9", 1), encoding="utf-8")


@pytest.mark.parametrize(("name", "damage"), [
    ("panel.csv", _swap_member), ("panel.csv", _delete_row), ("reserves.csv", _delete_row),
    ("reserves.csv", _swap_member), ("probabilities.csv", _edit_probability), ("lottery.html", _delete_row),
    ("lottery.csv", _delete_row), ("replacement-1/panel.csv", _swap_member),
    ("replacement-1/changes.csv", _delete_row), ("replacement-1/reserves.csv", _delete_row),
])
def test_every_published_file_is_checked(drawn, name, damage):
    """Editing any file handed to recruiters or published is caught and the file is named."""
    tmp_path, out = drawn
    panel = pd.read_csv(out / "panel.csv", dtype=str)
    assert run("replace", out, "--dropped", panel["id"].iloc[0]).exit_code == 0
    bundle = out / "replacement-1" / "audit.json"
    assert verify(tmp_path, bundle, "--quick").exit_code == 0
    damage(out / name)
    res = verify(tmp_path, bundle, "--quick")
    assert res.exit_code == 1, res.output
    assert f"MISMATCH: {name}" in res.output or (name == "lottery.csv" and "lottery" in res.output)


def test_same_content_other_line_ends_is_not_a_mismatch_but_a_deleted_file_is_reported(drawn):
    tmp_path, out = drawn
    text = (out / "panel.csv").read_bytes()
    other = text.replace(b"\r\n", b"\n") if b"\r\n" in text else text.replace(b"\n", b"\r\n")
    (out / "panel.csv").write_bytes(other)
    res = verify(tmp_path, out / "audit.json", "--quick")
    assert res.exit_code == 1 and "same lines as a fresh rendering" in res.output
    (out / "panel.csv").unlink()
    res = verify(tmp_path, out / "audit.json", "--quick")
    assert res.exit_code == 0 and "not checked: panel.csv" in res.output


def test_bundle_holds_names_not_paths(drawn):
    tmp_path, out = drawn
    text = (out / "audit.json").read_text()
    assert str(tmp_path) not in text and str(tmp_path) not in (out / "summary.json").read_text()
    assert str(tmp_path) in (out / ".cocreate-local.json").read_text()  # the private record of where inputs are


def test_another_pool_file_is_one_mismatch_not_a_cascade(drawn):
    tmp_path, out = drawn
    text = (tmp_path / "pool.csv").read_text()
    (tmp_path / "other.csv").write_text(text.replace("p5,", "p99,", 1))
    res = run("verify", out / "audit.json", "--pool", tmp_path / "other.csv", "--quotas", tmp_path / "q.csv")
    assert res.exit_code == 1 and res.output.count("MISMATCH") == 1 and "pool file changed" in res.output
    res = run("verify", out / "audit.json", "--pool", tmp_path / "gone.csv", "--quotas", tmp_path / "q.csv")
    assert res.exit_code == 2 and "gone.csv" in res.output and "not found" in res.output
