"""--already-selected: a panel completed around confirmed people keeps every quota and the household rule."""

import itertools

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from cocreate.cli import app
from selection import read_pool, read_quotas
from selection.lottery import workflow
from tests.selection.test_cli import write_inputs


def test_every_panel_holds_the_confirmed_and_meets_the_quotas(tmp_path):
    write_inputs(tmp_path)
    confirmed = ["p2", "p7", "p9"]
    pub = workflow.publish(tmp_path / "pool.csv", tmp_path / "q.csv", 10, household=["street"], m=40,
                           already_selected=confirmed)
    problem, ids = pub.inputs.problem, pub.inputs.pool.ids
    index = {pid: i for i, pid in enumerate(ids)}
    for panel in pub.bundle["lottery"]["panels"]:
        assert set(confirmed) <= set(panel)
        assert problem.is_feasible_panel([index[i] for i in panel])
    p = np.array(pub.bundle["probabilities"]["target"])
    assert np.allclose(p[[index[c] for c in confirmed]], 1) and abs(p.sum() - 10) < 1e-6
    housemates = [i for i in range(problem.n) if problem.household_of[i] >= 0 and ids[i] not in confirmed and
                  problem.household_of[i] in {problem.household_of[index[c]] for c in confirmed}]
    assert housemates and np.allclose(p[housemates], 0)


def test_completion_is_as_fair_as_possible_among_the_rest(tmp_path):
    """Brute force on a tiny pool: the completed lottery's lowest chance among the others is the best possible."""
    rows = [{"id": f"p{i}", "sex": "fm"[i % 2], "age": ["y", "o", "o"][i % 3]} for i in range(9)]
    pd.DataFrame(rows).to_csv(tmp_path / "pool.csv", index=False)
    (tmp_path / "q.csv").write_text("feature,value,min,max\nsex,f,2,2\nsex,m,2,2\nage,y,1,2\nage,o,2,3\n")
    pub = workflow.publish(tmp_path / "pool.csv", tmp_path / "q.csv", 4, m=60, already_selected=["p0"])
    problem = pub.inputs.problem
    p = np.array(pub.bundle["probabilities"]["target"])
    others = [i for i in range(9) if i != 0]
    feasible = [c for c in itertools.combinations(range(9), 4) if 0 in c and problem.is_feasible_panel(list(c))]
    reachable = {i for c in feasible for i in c}
    # the maximin over the others can be no higher than an even spread over the reachable ones
    best = max(min(sum(1 for c in feasible if i in c) / len(feasible) for i in reachable - {0}), 0)
    assert min(p[i] for i in reachable - {0}) >= best - 1e-6
    assert all(p[i] == 0 for i in set(others) - reachable)


def test_cli_already_selected_and_bad_lists(tmp_path):
    write_inputs(tmp_path)
    (tmp_path / "confirmed.csv").write_text("id\np2\np7\n")
    run = CliRunner().invoke
    res = run(app, ["select", str(tmp_path / "pool.csv"), str(tmp_path / "q.csv"), "--size", "10", "--household",
                    "street", "--out", str(tmp_path / "o"), "--already-selected", str(tmp_path / "confirmed.csv"),
                    "--seed", "s", "--compare-draws", "0", "-m", "30"])
    assert res.exit_code == 0, res.output
    panel = pd.read_csv(tmp_path / "o" / "panel.csv", dtype=str, encoding="utf-8-sig")
    assert {"p2", "p7"} <= set(panel["id"])
    check = run(app, ["verify", str(tmp_path / "o" / "audit.json"), "--pool", str(tmp_path / "pool.csv"),
                      "--quotas", str(tmp_path / "q.csv")])
    assert check.exit_code == 0, check.output
    (tmp_path / "bad.csv").write_text("id\np2\nnobody\n")
    res = run(app, ["select", str(tmp_path / "pool.csv"), str(tmp_path / "q.csv"), "--size", "10", "--household",
                    "street", "--out", str(tmp_path / "o2"), "--already-selected", str(tmp_path / "bad.csv")])
    assert res.exit_code == 2 and "nobody not in pool.csv" in res.output and not (tmp_path / "o2").exists()
    (tmp_path / "mates.csv").write_text("id\np2\np3\n")  # street = i // 2: p2 and p3 share a household
    res = run(app, ["select", str(tmp_path / "pool.csv"), str(tmp_path / "q.csv"), "--size", "10", "--household",
                    "street", "--out", str(tmp_path / "o3"), "--already-selected", str(tmp_path / "mates.csv")])
    assert res.exit_code == 2 and "share a household" in res.output
    pool = read_pool(tmp_path / "pool.csv")
    assert pool.size == 60 and read_quotas(tmp_path / "q.csv")  # the inputs are untouched
