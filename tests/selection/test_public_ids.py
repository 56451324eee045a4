"""Ids safe to publish: contact-like ids are refused; pseudonyms are stable, verifiable and kept apart."""

import pandas as pd
from typer.testing import CliRunner

from cocreate.cli import app
from tests.selection.test_cli import write_inputs

runner = CliRunner()


def select(tmp_path, out, *extra):
    return runner.invoke(app, ["select", str(tmp_path / "pool.csv"), str(tmp_path / "q.csv"), "--size", "10",
                               "--household", "street", "--out", str(tmp_path / out), "--compare-draws", "0",
                               "-m", "30", *extra])


def test_email_ids_are_refused_then_published_as_pseudonyms(tmp_path):
    write_inputs(tmp_path)
    res = select(tmp_path, "o", "--id-column", "email")
    assert res.exit_code == 2 and "e-mail addresses" in res.output and "column 'email'" in res.output
    assert not (tmp_path / "o").exists()
    res = select(tmp_path, "o", "--id-column", "email", "--public-ids", "--seed", "s")
    assert res.exit_code == 0, res.output
    out = tmp_path / "o"
    for name in ("lottery.csv", "lottery.html", "tickets.csv", "audit.json", "probabilities.csv", "report.html",
                 "summary.json", "panel.csv"):
        assert "@x.org" not in (out / name).read_text(encoding="utf-8-sig"), name
    mapping = pd.read_csv(out / "private" / "id-map.csv", dtype=str, encoding="utf-8-sig")
    panel = pd.read_csv(out / "panel.csv", dtype=str, encoding="utf-8-sig")
    assert set(panel["id"]) <= set(mapping["public_id"]) and mapping["id"].str.contains("@x.org").all()
    again = select(tmp_path, "o2", "--id-column", "email", "--public-ids", "--seed", "s")
    assert again.exit_code == 0
    assert (tmp_path / "o2" / "lottery.csv").read_bytes() == (out / "lottery.csv").read_bytes()  # stable
    check = runner.invoke(app, ["verify", str(out / "audit.json"), "--pool", str(tmp_path / "pool.csv"),
                                "--quotas", str(tmp_path / "q.csv")])
    assert check.exit_code == 0, check.output


def test_pseudonyms_change_with_the_pool(tmp_path):
    from selection import read_pool
    from selection.lottery.public_ids import pseudonyms

    write_inputs(tmp_path)
    pool = read_pool(tmp_path / "pool.csv", id_column="email")
    first = pseudonyms(pool, tmp_path / "pool.csv")
    (tmp_path / "pool.csv").write_text((tmp_path / "pool.csv").read_text().replace("ok", "ok2"))
    assert set(first).isdisjoint(pseudonyms(pool, tmp_path / "pool.csv")) and len(set(first)) == pool.size
