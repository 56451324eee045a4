import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cocreate.cli import app
from selection.errors import InputError
from selection.population.margins import (
    antwerp_margins_path,
    check_feasible,
    check_margins,
    quotas_from_margins,
    read_margins,
)

runner = CliRunner()


@st.composite
def margins_and_k(draw):
    rows = []
    for f in range(draw(st.integers(1, 4))):
        raw = draw(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=7).filter(lambda v: sum(v) > 0.01))
        total = sum(raw)
        rows += [{"feature": f"f{f}", "value": f"v{i}", "share": x / total} for i, x in enumerate(raw)]
    return check_margins(pd.DataFrame(rows)), draw(st.integers(1, 300)), draw(st.floats(0.0, 0.3))


@settings(max_examples=200, deadline=None)
@given(margins_and_k())
def test_quotas_sum_to_k_and_include_the_proportional_target(case):
    margins, k, tolerance = case
    quotas = quotas_from_margins(margins, k, tolerance)
    for _, g in quotas.groupby("feature"):
        assert g["target"].sum() == k
        assert g["min"].sum() <= k <= g["max"].sum()
    assert (quotas["min"] >= 0).all() and (quotas["max"] <= k).all()
    assert (quotas["min"] <= quotas["target"]).all() and (quotas["target"] <= quotas["max"]).all()
    assert (quotas["min"] <= quotas["exact"] + 1e-9).all() and (quotas["exact"] <= quotas["max"] + 1e-9).all()
    # rounding moves each target by less than one seat
    assert (np.abs(quotas["target"] - quotas["exact"]) < 1).all()
    # the tolerance widens the band by at least floor(t*k) on each side, where the bounds allow it
    slack = math.floor(tolerance * k + 1e-9)
    assert (quotas["max"] >= np.minimum(k, np.ceil(quotas["exact"] - 1e-9) + slack)).all()


def test_shipped_margins_read_and_sum():
    margins = read_margins(antwerp_margins_path())
    assert np.allclose(margins.groupby("feature")["share"].sum(), 1.0)
    quotas = quotas_from_margins(margins, 50, 0.0, ["education"])
    assert list(quotas["target"]) == [12, 19, 19]  # 11.5/19.5/19 rounded by largest remainder, file order on ties


@pytest.mark.parametrize("text, pattern", [
    ("feature,value,share\nsex,female,0.6\nsex,male,0.6\n", r"m\.csv, row 2, column 'share': shares of 'sex' sum to 1\.2"),
    ("feature,value,count\nsex,female,50\nsex,male,-5\n", r"row 3, column 'count': negative count"),
    ("feature,value,count\nsex,female,50\nsex,male,50\nage,young,10\nage,old,10\n", r"counts of 'age' sum to 20"),
    ("feature,value,share\nsex,female,abc\nsex,male,0.5\n", r"row 2, column 'share': 'abc' is not a number"),
    ("feature,value,share\nsex,female,0.5\nsex,female,0.5\n", r"row 3, column 'value': sex=female appears twice"),
    ("feature,value\nsex,female\n", r"no 'share' or 'count' column"),
    ("# a source line\nfeature,value,share\n\nsex,female,0.5\nsex,male,0.7\n", r"row 4, column 'share'"),
])
def test_bad_margins_give_one_clear_line(write, text, pattern):
    with pytest.raises(InputError, match=pattern) as info:
        read_margins(write("m.csv", text))
    assert "\n" not in str(info.value)


def test_counts_with_a_total_row_and_percent_shares(write):
    counts = read_margins(write("c.csv", "feature,value,count\ntotal,all,530630\nsex,male,266100\n"
                                         "sex,female,264530\nage,0-17,119762\nage,18-64,324378\nage,65+,86490\n"))
    assert "total" not in set(counts["feature"])
    assert np.isclose(counts.set_index("value").loc["male", "share"], 266100 / 530630)
    percent = read_margins(write("p.csv", "feature,value,share\nedu,low,10%\nedu,mid,54%\nedu,high,37%\n"))
    assert np.isclose(percent["share"].sum(), 1.0)  # 101% of rounded percentages is accepted and rescaled


def test_cli_quotas_writes_sortition_foundation_layout(tmp_path):
    out = tmp_path / "quotas.csv"
    result = runner.invoke(app, ["quotas", str(antwerp_margins_path()), "--size", "50", "--tolerance", "0.02",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    quotas = pd.read_csv(out, dtype={"value": str})
    assert list(quotas.columns) == ["feature", "value", "min", "max"]
    assert set(quotas["feature"]) == {"sex", "age_band", "origin", "education", "household_size", "area"}
    assert not list(tmp_path.glob(".*tmp"))


def _pool_csv(write, rows):
    return write("pool.csv", "id,sex,age\n" + "".join(f"{i},{s},{a}\n" for i, (s, a) in enumerate(rows)))


def test_cli_quotas_checks_the_pool(write, tmp_path):
    margins = write("m.csv", "feature,value,share\nsex,female,0.5\nsex,male,0.5\nage,young,0.5\nage,old,0.5\n")
    out = tmp_path / "q.csv"
    good = _pool_csv(write, [("female", "young"), ("male", "old")] * 5 + [("female", "old"), ("male", "young")] * 5)
    ok = runner.invoke(app, ["quotas", str(margins), "--size", "10", "--pool", str(good), "--out", str(out)])
    assert ok.exit_code == 0 and "feasible" in ok.output
    # unknown category in the pool: one line naming file, row and column, exit 2, nothing written
    out.unlink()
    bad = _pool_csv(write, [("female", "young"), ("x", "old")] * 10)
    res = runner.invoke(app, ["quotas", str(margins), "--size", "10", "--pool", str(bad), "--out", str(out)])
    assert res.exit_code == 2 and not out.exists()
    assert "pool.csv, row 3, column 'sex': value 'x' is not in m.csv" in res.output
    assert "Traceback" not in res.output
    # only 2 women (and 2 young people) in the pool, the quotas ask for 5
    scarce = _pool_csv(write, [("female", "young")] * 2 + [("male", "old")] * 18)
    res = runner.invoke(app, ["quotas", str(margins), "--size", "10", "--pool", str(scarce), "--out", str(out)])
    assert res.exit_code == 2 and "quotas from m.csv: sex=female needs at least 5 but the pool has 2" in res.output


def test_joint_infeasibility_is_detected():
    quotas = pd.DataFrame({"feature": ["sex", "sex", "age", "age"], "value": ["f", "m", "young", "old"],
                           "min": [5, 5, 5, 5], "max": [5, 5, 5, 5]})
    pool = pd.DataFrame({"sex": ["f"] * 10 + ["m"] * 10, "age": ["young"] * 10 + ["old"] * 10})
    assert check_feasible(quotas, pool, 10) == []
    pool_clash = pd.DataFrame({"sex": ["f"] * 10 + ["m"] * 10, "age": ["young"] * 10 + ["old"] * 10})
    quotas_clash = quotas.assign(min=[6, 4, 5, 5], max=[6, 4, 5, 5])  # 6 women need 6 young; only 5 young allowed
    reasons = check_feasible(quotas_clash, pool_clash, 10)
    assert len(reasons) == 1 and "no panel of 10" in reasons[0]


@pytest.mark.parametrize("args, message", [
    (["--size", "0"], "at least 1 seat"),
    (["--size", "10", "--tolerance", "2"], "between 0 and 1"),
])
def test_cli_quotas_bad_options(tmp_path, args, message):
    res = runner.invoke(app, ["quotas", str(antwerp_margins_path()), *args, "--out", str(tmp_path / "q.csv")])
    assert res.exit_code == 2 and message in res.output


def test_cli_quotas_feature_choice(tmp_path):
    out = tmp_path / "q.csv"
    res = runner.invoke(app, ["quotas", str(antwerp_margins_path()), "-k", "50", "--features", "sex, education",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert set(pd.read_csv(out)["feature"]) == {"sex", "education"}
    before = out.read_bytes()
    res = runner.invoke(app, ["quotas", str(antwerp_margins_path()), "-k", "50", "--features", "income",
                              "--out", str(out), "--force"])
    assert res.exit_code == 2 and "'income' is not a feature of antwerp_margins.csv" in res.output
    assert out.read_bytes() == before  # a failed run leaves the earlier file alone
    res = runner.invoke(app, ["quotas", str(antwerp_margins_path()), "-k", "50", "--out", str(out)])
    assert res.exit_code == 2 and "already exists" in res.output and out.read_bytes() == before


def test_cli_quotas_missing_file(tmp_path):
    res = runner.invoke(app, ["quotas", str(tmp_path / "nope.csv"), "--size", "5", "--out", str(tmp_path / "q.csv")])
    assert res.exit_code == 2 and "file not found" in res.output
