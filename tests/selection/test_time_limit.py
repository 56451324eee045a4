"""A time-limited solve returns the best distribution so far, labelled, and its stated bound holds."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from cocreate.cli import app
from selection import read_pool, read_quotas, select
from tests.selection.test_cli import write_inputs


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tl")
    write_inputs(folder, n=200)
    return folder, read_pool(folder / "pool.csv", household_columns=["street"]), read_quotas(folder / "q.csv")


@pytest.mark.parametrize("rounds", [1, 5, 40, 120])
def test_the_stated_bound_holds_against_the_exact_solve(inputs, rounds):
    _, pool, quotas = inputs
    exact = select(pool, quotas, 10)
    part = select(pool, quotas, 10, max_rounds=rounds)
    p, q = part.probabilities.to_numpy(), exact.probabilities.to_numpy()
    assert abs(p.sum() - 10) < 1e-6  # still a distribution over panels of 10
    if "partial" not in part.stats:  # finished within the rounds: then it is the exact result
        assert np.allclose(p, q, atol=1e-6)
        return
    info = part.stats["partial"]
    assert info["min_probability"] == pytest.approx(p.min())
    # the fairest possible minimum lies between what was reached and the stated bound above it
    assert p.min() - 1e-9 <= q.min() <= info["min_probability"] + info["bound"] + 1e-6
    again = select(pool, quotas, 10, max_rounds=info["rounds"])  # the same stop, repeated exactly
    assert np.array_equal(again.probabilities.to_numpy(), p)


def test_cli_time_limit_labels_the_result_everywhere_and_verify_repeats_it(tmp_path):
    write_inputs(tmp_path, n=200)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["select", str(tmp_path / "pool.csv"), str(tmp_path / "q.csv"), "--size", "10",
                                   "--household", "street", "--out", str(out), "--time-limit", "0.000001",
                                   "--seed", "s", "--compare-draws", "0", "-m", "50"])
    assert res.exit_code == 0, res.output
    assert "STOPPED BY THE TIME LIMIT" in res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["partial"]["bound"] is not None and "STOPPED BY THE TIME LIMIT" in summary["partial_label"]
    assert "STOPPED BY THE TIME LIMIT" in (out / "report.html").read_text()
    bundle = json.loads((out / "audit.json").read_text())
    assert bundle["options"]["max_rounds"] is not None  # the rounds it ran, so verify can repeat the stop
    check = CliRunner().invoke(app, ["verify", str(out / "audit.json"), "--pool", str(tmp_path / "pool.csv"),
                                     "--quotas", str(tmp_path / "q.csv")])
    assert check.exit_code == 0, check.output


def test_time_limit_is_refused_for_the_legacy_draw(tmp_path):
    write_inputs(tmp_path)
    res = CliRunner().invoke(app, ["select", str(tmp_path / "pool.csv"), str(tmp_path / "q.csv"), "--size", "10",
                                   "--out", str(tmp_path / "o"), "--algorithm", "legacy", "--time-limit", "5"])
    assert res.exit_code == 2 and "--time-limit" in res.output and not (tmp_path / "o").exists()
