"""Manipulation diagnostics (selection.engine.manipulation) against brute force, and the AAAI 2024 pattern: leximin
manipulable towards probability 1 as the pool grows, minimax not."""

import numpy as np
import pytest
from typer.testing import CliRunner

from cocreate.cli import app
from selection.engine import manipulation
from selection.problem import build_problem
from tests.selection import brute
from tests.selection.conftest import make
from tests.selection.test_goldilocks import random_instance

runner = CliRunner()


def doubly_scarce(copies: int, others: int):
    """k = 2, at least one x and one u. ``2 copies`` people are (x, v), as many (y, u), ``others`` are (y, v): nobody
    is (x, u), so a (y, v) can sit only if they claim to be (x, u). Leximin then gives that liar (others-1) /
    (others-1+2 copies), minimax 1 / (2 copies + 1) (Flanigan, Liang, Procaccia, Wang, AAAI 2024, section 3)."""
    kinds = ["xv"] * (2 * copies) + ["yu"] * (2 * copies) + ["yv"] * others
    rows = [{"id": f"p{i}", "a": t[0], "b": t[1]} for i, t in enumerate(kinds)]
    quotas = [("a", "x", 1, 2), ("a", "y", 0, 2), ("b", "u", 1, 2), ("b", "v", 0, 2)]
    return make(rows, quotas)


def test_exact_diagnostic_equals_brute_force_leximin_over_every_report():
    checked = 0
    for seed in (0, 5):
        problem = random_instance(seed)
        (result,) = manipulation.diagnose(problem.pool, problem.quotas, problem.k, objectives=("leximin",),
                                          mode="exact")
        assert result.exact and len(result.tried) == problem.n_types * 6  # 2 sex values x 3 age values
        for row, report in zip(result.tried.itertuples(), result.tried["report"], strict=True):
            person = problem.pool.ids.index(row.respondent)
            values = dict(part.split("=") for part in report.split(", "))
            rows = tuple(next(f for f, q in enumerate(problem.quota_rows) if q.feature == feat and q.value == val)
                         for feat, val in values.items())
            changed = manipulation.misreported(problem, person, rows)
            if not brute.feasible_panels(changed):
                assert np.isnan(row.probability)
                continue
            assert row.probability == pytest.approx(brute.leximin(changed)[person], abs=1e-6)
            checked += 1
        finite = result.tried.dropna()
        assert result.reached == pytest.approx(finite["probability"].max())
        assert result.gain == pytest.approx(finite["gain"].max())
    assert checked > 40


def test_leximin_is_manipulable_towards_one_where_minimax_is_not():
    pool, quotas = doubly_scarce(1, 11)
    res = {r.objective: r for r in manipulation.diagnose(pool, quotas, 2)}
    lex = res["leximin"]
    assert lex.exact and lex.gain_report == {"a": "x", "b": "u"} and lex.report == {"a": "x", "b": "u"}
    assert lex.gain_changes == {"a": "x", "b": "u"}  # both features misreported
    own = lex.tried[lex.tried["respondent"] == lex.gain_respondent]
    assert own["truthful"].max() == pytest.approx(0.0, abs=1e-9)  # a (y, v) has no chance when truthful
    problem = build_problem(pool, quotas, 2)
    liar = problem.pool.ids.index(lex.gain_respondent)
    lie = tuple(next(f for f, q in enumerate(problem.quota_rows) if q.feature == a and q.value == v)
                for a, v in (("a", "x"), ("b", "u")))
    assert lex.gain == pytest.approx(brute.leximin(manipulation.misreported(problem, liar, lie))[liar], abs=1e-6)
    assert lex.gain > 0.8
    assert res["minimax"].gain < 0.34 and res["minimax"].gain < res["goldilocks"].gain < lex.gain
    reached = {"leximin": [], "minimax": []}
    for copies, others in ((1, 11), (2, 41), (3, 91)):  # the pool grows
        for r in manipulation.diagnose(*doubly_scarce(copies, others), 2, objectives=("leximin", "minimax")):
            reached[r.objective].append(r.gain)
    assert np.all(np.diff(reached["leximin"]) > 0) and reached["leximin"][-1] > 0.9
    assert np.all(np.diff(reached["minimax"]) < 0) and reached["minimax"][-1] < 0.15


def test_search_on_a_larger_pool_says_what_it_tried():
    pool, quotas = doubly_scarce(2, 41)
    (result,) = manipulation.diagnose(pool, quotas, 2, objectives=("minimax",), mode="search", respondents=2)
    assert not result.exact and "search" in result.method and "lower bound" in result.method
    assert result.tried["respondent"].nunique() == 2
    assert len(result.tried) == result.solves + 2  # the truthful report of each costs no solve
    assert "a=x, b=u" in set(result.tried["report"])  # the most under-represented report is among those tried


def test_cli_prints_the_figure_per_objective_and_writes_what_was_tried(tmp_path):
    pool, quotas = doubly_scarce(1, 11)
    pool.table.to_csv(tmp_path / "pool.csv", index=False)
    (tmp_path / "quotas.csv").write_text("feature,value,min,max\na,x,1,2\na,y,0,2\nb,u,1,2\nb,v,0,2\n")
    out = tmp_path / "manip.csv"
    result = runner.invoke(app, ["manipulation", str(tmp_path / "pool.csv"), str(tmp_path / "quotas.csv"),
                                 "--size", "2", "--objectives", "leximin,minimax", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "leximin" in result.output and "exact" in result.output
    assert out.is_file() and "a=x, b=u" in out.read_text()
    bad = runner.invoke(app, ["manipulation", str(tmp_path / "pool.csv"), str(tmp_path / "quotas.csv"),
                              "--size", "2", "--objectives", "leximax"])
    assert bad.exit_code == 2 and "leximax" in bad.output and "Traceback" not in bad.output
