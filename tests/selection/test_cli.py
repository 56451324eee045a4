"""`cocreate select` end to end: outputs, privacy, reproducibility, nothing overwritten."""

import json

import pandas as pd
from typer.testing import CliRunner

from cocreate.cli import app
from selection import read_pool, read_quotas
from selection.problem import build_problem

runner = CliRunner()


def write_inputs(tmp_path, n=60):
    rows = []
    for i in range(n):
        rows.append({"id": f"=p{i}" if i == 0 else f"p{i}", "name": f"N{i}", "email": f"{i}@x.org",
                     "street": f"{i // 2} Road", "sex": "fm"[i % 2], "age": ["y", "m", "o"][i % 3],
                     "note": "-keep" if i == 1 else "ok"})
    pd.DataFrame(rows).to_csv(tmp_path / "pool.csv", index=False)
    (tmp_path / "q.csv").write_text("feature,value,min,max\nsex,f,4,6\nsex,m,4,6\nage,y,3,4\nage,m,3,4\nage,o,3,4\n")


def invoke(tmp_path, out, *extra):
    return runner.invoke(app, ["select", str(tmp_path / "pool.csv"), str(tmp_path / "q.csv"), "--size", "10",
                               "--out", str(out), "--household", "street", *extra])


def test_outputs_meet_quotas_and_keep_contacts_out(tmp_path):
    write_inputs(tmp_path)
    before = (tmp_path / "pool.csv").read_bytes()
    result = invoke(tmp_path, tmp_path / "out", "--seed", "public seed")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    panel = pd.read_csv(out / "panel.csv", dtype=str)
    probs = pd.read_csv(out / "probabilities.csv", dtype={"id": str})
    summary = json.loads((out / "summary.json").read_text())
    assert list(panel.columns[:1]) == ["id"] and len(panel) == 10
    # privacy by default: id, quota features and household columns only (no name, e-mail or free-text note)
    assert list(panel.columns) == ["id", "sex", "age", "street"]
    assert len(probs) == 60 and abs(probs["probability"].sum() - 10) < 1e-6
    assert summary["algorithm"] == "leximin" and summary["metrics"]["min_probability"] > 0
    pool = read_pool(tmp_path / "pool.csv", household_columns=["street"])
    problem = build_problem(pool, read_quotas(tmp_path / "q.csv"), 10)
    ids = [i.lstrip("'") for i in panel["id"]]
    idx = [pool.ids.index(i) for i in ids]
    assert problem.is_feasible_panel(idx)
    for path in (out / "probabilities.csv", out / "summary.json"):
        text = path.read_text()
        assert "@x.org" not in text and "Road" not in text and "N1," not in text
    assert (tmp_path / "pool.csv").read_bytes() == before


def test_keep_columns_only_in_panel_and_formulas_neutralised(tmp_path):
    write_inputs(tmp_path)
    result = invoke(tmp_path, tmp_path / "out", "--keep-columns", "name,email", "--seed", "3")
    assert result.exit_code == 0, result.output
    panel = (tmp_path / "out" / "panel.csv").read_text()
    assert "email" in panel.splitlines()[0]
    probs = (tmp_path / "out" / "probabilities.csv").read_text()
    assert "'=p0" in probs and "\n=p0" not in probs


def test_same_seed_same_files_byte_for_byte_and_no_silent_overwrite(tmp_path):
    write_inputs(tmp_path)
    assert invoke(tmp_path, tmp_path / "a", "--seed", "5").exit_code == 0
    assert invoke(tmp_path, tmp_path / "b", "--seed", "5").exit_code == 0
    for name in ("panel.csv", "probabilities.csv", "lottery.csv", "audit.json", "reserves.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    again = invoke(tmp_path, tmp_path / "a", "--seed", "6")
    assert again.exit_code == 2 and "already holds" in again.output
    assert (tmp_path / "a" / "panel.csv").read_bytes() == (tmp_path / "b" / "panel.csv").read_bytes()
