"""Minimax and Goldilocks (selection.engine.goldilocks) against brute force over every feasible panel."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from cocreate.cli import app
from selection import select
from selection.engine import goldilocks
from selection.engine.leximin import Budget
from selection.problem import build_problem
from tests.selection import brute
from tests.selection.conftest import make

runner = CliRunner()


def random_instance(seed: int):
    """9 people, 2 features, a few sharing an address (one per household), k = 4."""
    rng = np.random.default_rng(seed)
    rows = [{"id": f"p{i}", "sex": rng.choice(["f", "m"], p=[.3, .7]), "age": rng.choice(["y", "o", "m"], p=[.2, .5, .3]),
             "addr": f"a{i if rng.random() < .75 else 0}"} for i in range(9)]
    quotas = [("sex", "f", 1, 2), ("sex", "m", 1, 3), ("age", "y", 1, 2), ("age", "o", 0, 2), ("age", "m", 0, 2)]
    return build_problem(*make(rows, quotas, household=["addr"]), 4)


def tradeoff_instance():
    """k = 2 with at least one x and one u: one person is both, so leximin leans on them and minimax avoids them;
    Goldilocks sits in between, moving with gamma."""
    kinds = ["xv"] * 2 + ["yu"] * 2 + ["xu"] + ["yv"] * 3
    rows = [{"id": f"p{i}", "a": t[0], "b": t[1]} for i, t in enumerate(kinds)]
    quotas = [("a", "x", 1, 2), ("a", "y", 0, 2), ("b", "u", 1, 2), ("b", "v", 0, 2)]
    return build_problem(*make(rows, quotas), 2)


def person_probabilities(problem, panels, lam):
    assert np.all(lam > 0) and abs(lam.sum() - 1) < 1e-9
    for x in panels:  # every panel of the lottery meets size, quotas and households
        people = np.concatenate([problem.type_members[t][:c] for t, c in enumerate(x) if c])
        assert problem.is_feasible_panel(people)
    return ((lam @ panels) / problem.counts)[problem.type_of]


def problems():
    out = []
    for seed in range(9):
        try:
            p = random_instance(seed)
        except Exception:  # a random pool that misses a quota's minimum
            continue
        if brute.feasible_panels(p):
            out.append(p)
    assert any(p.households for p in out)
    return out + [tradeoff_instance()]


@pytest.mark.parametrize("gamma", [0.25, 1.0, 4.0])
def test_goldilocks_equals_brute_force_and_its_certificate_holds(gamma):
    for problem in problems():
        panels, lam, stats = goldilocks.solve(problem, gamma=gamma)
        p = person_probabilities(problem, panels, lam)
        f = problem.k / problem.n
        covered = brute._matrix(problem).sum(axis=1) > 0
        value = p.max() / f + gamma * f / p[covered].min()
        best = brute.goldilocks(problem, gamma)
        assert value == pytest.approx(stats["objective"], abs=1e-9)
        assert value <= best + 1e-5  # as good as the optimum over every panel
        assert stats["lower_bound"] <= best + 1e-7  # the certified lower bound is below the true optimum
        assert stats["certified_gap"] <= 1e-6


def test_minimax_equals_brute_force_then_raises_the_smallest():
    for problem in problems():
        panels, lam, stats = goldilocks.solve(problem, kind="minimax")
        p = person_probabilities(problem, panels, lam)
        top, _ = brute.band(problem)
        low, _ = brute.band(problem, cap=top + 1e-9, maximise_floor=True)
        covered = brute._matrix(problem).sum(axis=1) > 0
        assert p.max() == pytest.approx(top, abs=1e-7)
        assert p[covered].min() == pytest.approx(low, abs=1e-6)
        assert stats["lower_bound"] <= top + 1e-9 and stats["tie_break"]


def test_goldilocks_moves_from_minimax_towards_maximin_as_gamma_grows():
    problem = tradeoff_instance()
    lows, highs = [], []
    for gamma in (0.0, 0.25, 1.0, 4.0, 100.0):
        panels, lam, _ = goldilocks.solve(problem, gamma=gamma)
        p = person_probabilities(problem, panels, lam)
        lows.append(p.min())
        highs.append(p.max())
    top, _ = brute.band(problem)
    floor, _ = brute.band(problem, maximise_floor=True)
    assert highs[0] == pytest.approx(top, abs=1e-7)  # gamma 0 is minimax
    assert np.all(np.diff(lows) >= -1e-9) and np.all(np.diff(highs) >= -1e-9)
    assert lows[0] < lows[2] < floor - 1e-3 and lows[-1] == pytest.approx(floor, abs=1e-3)


def medium_instance():
    """60 people, 3 features, k = 10: large enough that column generation takes many rounds."""
    rng = np.random.default_rng(7)
    rows = [{"id": f"p{i}", "sex": rng.choice(["f", "m"], p=[.35, .65]), "age": rng.choice(["y", "m", "o"], p=[.2, .3, .5]),
             "edu": rng.choice(["low", "high"], p=[.3, .7])} for i in range(60)]
    quotas = [("sex", "f", 4, 6), ("sex", "m", 4, 6), ("age", "y", 2, 4), ("age", "m", 2, 4), ("age", "o", 3, 5),
              ("edu", "low", 3, 5), ("edu", "high", 5, 7)]
    return build_problem(*make(rows, quotas), 10)


def test_a_stopped_solve_is_labelled_and_its_bound_is_honest():
    problem = medium_instance()
    _, _, full = goldilocks.solve(problem, gamma=1.0)
    assert full["rounds"] > 3 and "partial" not in full
    _, _, stats = goldilocks.solve(problem, gamma=1.0, budget=Budget(rounds=2))
    part = stats["partial"]
    assert part["rounds"] == 2 and part["level"] == stats["objective"]
    assert stats["objective"] >= full["objective"] - 1e-9
    assert stats["objective"] - full["lower_bound"] <= part["bound"] + 1e-9
    again = goldilocks.solve(problem, gamma=1.0, budget=Budget(rounds=2))[2]
    assert again["objective"] == stats["objective"]  # the same stop, repeated


def test_select_and_the_cli_record_gamma_so_verify_recomputes_it(tmp_path):
    problem = tradeoff_instance()
    pool, quotas = problem.pool, problem.quotas
    res = select(pool, quotas, 2, algorithm="goldilocks", gamma=0.25)
    assert res.stats["gamma"] == 0.25 and abs(res.probabilities.sum() - 2) < 1e-9
    pool.table.to_csv(tmp_path / "pool.csv", index=False)
    (tmp_path / "quotas.csv").write_text("feature,value,min,max\na,x,1,2\na,y,0,2\nb,u,1,2\nb,v,0,2\n")
    out = tmp_path / "run"
    args = ["select", str(tmp_path / "pool.csv"), str(tmp_path / "quotas.csv"), "--size", "2", "--out", str(out),
            "--compare-draws", "0"]
    result = runner.invoke(app, [*args, "--algorithm", "goldilocks", "--gamma", "0.25"])
    assert result.exit_code == 0, result.output
    bundle = json.loads((out / "audit.json").read_text())
    assert bundle["options"]["gamma"] == 0.25
    assert json.loads((out / "summary.json").read_text())["stats"]["gamma"] == 0.25
    check = ["verify", str(out / "audit.json"), "--pool", str(tmp_path / "pool.csv"), "--quotas",
             str(tmp_path / "quotas.csv")]
    ok = runner.invoke(app, check)
    assert ok.exit_code == 0 and "a fresh computation gives the same lottery" in ok.output, ok.output
    bundle["options"]["gamma"] = 4.0  # another gamma gives other probabilities: verify must notice
    (out / "audit.json").write_text(json.dumps(bundle))
    assert runner.invoke(app, check).exit_code != 0
    wrong = runner.invoke(app, [*args, "--gamma", "2", "--force"])
    assert wrong.exit_code == 2 and "--gamma" in wrong.output and "Traceback" not in wrong.output
