"""The peel (Carathéodory decomposition of the relaxed leximin point into panels).

Properties: every peeled panel is feasible; the lottery's expected seats reproduce the target to round-off whenever
the peel ends with no mass left; it uses at most ``T + 1`` panels; it is deterministic; a budget stops it with the
panels found so far; and where the target lies outside the panel hull (the loose instances), it leaves mass it cannot
place, so the cut loop takes over and leximin still equals brute force (tests/selection/test_hull.py).
"""

import numpy as np
import pandas as pd
import pytest

from selection import Pool, Quota, Quotas, build_problem
from selection.engine import leximin
from selection.engine.hull import Relaxation
from selection.engine.leximin import Budget, solve
from selection.engine.peel import Peeler
from tests.selection import brute
from tests.selection.test_hull import LOOSE, make


def pool_problem(seed: int, n: int = 120, k: int = 15, features: int = 3, households: bool = True):
    """A random pool over ``features`` features (3 values each), about a fifth sharing an address, with quotas of
    population share +-20%."""
    return build_problem(*pool_and_quotas(seed, n, features, households, k), k)


def pool_and_quotas(seed: int, n: int, features: int, households: bool, k: int) -> tuple[Pool, Quotas]:
    rng = np.random.default_rng(seed)
    rows = {"id": [f"p{i}" for i in range(n)], "home": [f"h{i}" for i in range(n)]}
    quotas = []
    for f in range(features):
        vals = rng.choice(3, size=n, p=rng.dirichlet(np.ones(3) * 3))
        rows[f"f{f}"] = [f"v{v}" for v in vals]
        for v in range(3):
            share = k * (vals == v).mean()
            quotas.append(Quota(f"f{f}", f"v{v}", int(np.floor(share * 0.8)), int(np.ceil(share * 1.2))))
    for i in rng.choice(n, size=n // 5, replace=False):
        rows["home"][i] = rows["home"][(i + 1) % n]
    pool = Pool.from_frame(pd.DataFrame(rows), id_column="id", household_columns=["home"] if households else None)
    return pool, Quotas.from_rows(quotas)


def relaxed_point(problem):
    coef = problem.type_weight / problem.counts / problem.type_weight.max()
    relax = Relaxation(problem, coef)
    relax.leximin()
    return relax.point


def feasible(problem, x) -> bool:
    """``x`` (seats per type) is a panel: integral, size k, counts, quotas, households."""
    seats = problem.type_matrix() @ x
    hh = all(x[g].sum() <= 1 for g in problem.households)
    return bool(x.sum() == problem.k and np.all((x >= 0) & (x <= problem.counts)) and
                np.all((seats >= problem.lo) & (seats <= problem.hi)) and hh)


@pytest.mark.parametrize("seed,features,households", [(1, 2, False), (2, 3, True), (3, 4, True), (4, 3, False)])
def test_peel_reproduces_the_point_with_feasible_panels(seed, features, households):
    problem = pool_problem(seed, features=features, households=households)
    point = relaxed_point(problem)
    peel = Peeler(problem).run(point)
    panels, mass = np.array(peel.panels), np.array(peel.mass)
    assert all(feasible(problem, x) for x in panels)
    assert len(panels) <= problem.n_types + 1
    assert np.all(mass > 0)
    assert mass.sum() + peel.rest_mass == pytest.approx(1.0, abs=1e-12)
    if features == 2 and not households:  # two partitions: P is integral, so the whole point is peeled
        assert peel.rest_mass <= 1e-9
    if peel.rest_mass <= 1e-9:
        assert np.abs(mass @ panels - point).max() <= 1e-8


def test_peel_is_deterministic():
    problem = pool_problem(5)
    point = relaxed_point(problem)
    a, b = Peeler(problem).run(point), Peeler(problem).run(point)
    assert np.array_equal(np.array(a.panels), np.array(b.panels))
    assert a.mass == b.mass


def test_a_budget_stops_the_peel_with_its_panels():
    problem = pool_problem(6)
    point = relaxed_point(problem)
    full = Peeler(problem).run(point)
    assert len(full.panels) > 4
    calls = []
    peel = Peeler(problem).run(point, spend=lambda: calls.append(1) or len(calls) > 3)
    assert peel.stopped and len(peel.panels) <= 4
    assert np.array_equal(np.array(peel.panels), np.array(full.panels[: len(peel.panels)]))


@pytest.mark.parametrize("case", range(len(LOOSE)))
def test_a_point_outside_the_panel_hull_is_not_peeled(case):
    pool, quotas, k = make(*LOOSE[case])
    problem = build_problem(pool, quotas, k)
    point = relaxed_point(problem)
    hull = brute.leximin(problem)
    coef = problem.type_weight / problem.counts / problem.type_weight.max()
    if np.abs(np.sort((coef * point)[problem.type_of]) - np.sort(hull)).max() > 1e-6:  # the point is outside Q
        assert Peeler(problem).run(point).rest_mass > 1e-6


@pytest.mark.parametrize("kind", ["leximin", "maximin"])
def test_solve_takes_the_peel_and_certifies_it(kind, monkeypatch):
    monkeypatch.setattr(leximin, "PEEL_FROM_TYPES", 0)  # this pool is small enough for column generation first
    problem = pool_problem(7, n=60, k=8)
    panels, lam, stats = solve(problem, kind=kind)
    assert stats["method"].endswith("peel") and stats["peel_panels"] >= len(lam)
    assert all(feasible(problem, x) for x in panels)
    assert lam.sum() == pytest.approx(1.0) and np.all(lam > 0)
    assert stats["certified_tolerance"] <= 1e-6
    # the same budget gives the same partial lottery (a stop is repeatable, so verify can recompute it)
    first = solve(problem, kind=kind, budget=Budget(rounds=5))
    again = solve(problem, kind=kind, budget=Budget(rounds=first[2]["rounds"]))
    assert first[2]["partial"]["bound"] >= 0
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])


@pytest.mark.parametrize("seed", [2, 4, 8])
def test_peel_and_column_generation_give_the_same_probabilities(seed):
    """Where both finish, the peel's lottery and the column-generation lottery of the same relaxed point give every
    type the same selection probability within 1e-6 (the leximin is unique in probabilities)."""
    from selection.engine.decompose import Decomposer

    problem = pool_problem(seed, n=80, k=10)
    point = relaxed_point(problem)
    peel = Peeler(problem).run(point)
    assert peel.rest_mass <= 1e-7  # what leximin.solve accepts (PEEL_GOAL * tol)
    cg = Decomposer(problem).run(point)
    assert cg.cut is None and cg.z >= 1 - 1e-9
    by_peel = (np.array(peel.mass) @ np.array(peel.panels)) / problem.counts
    by_cg = (cg.lam @ cg.panels) / problem.counts
    assert np.abs(by_peel - by_cg).max() <= 1e-6


def test_a_dead_end_peel_is_finished_by_column_generation(monkeypatch):
    """Four features with households: the peel meets a face with no panel, column generation finishes from an
    earlier remainder, and the lottery gives the same probabilities as column generation alone."""
    problem = pool_problem(3, features=4, households=True)
    assert Peeler(problem).run(relaxed_point(problem)).rest_mass > 1e-3  # the peel alone dead-ends here
    monkeypatch.setattr(leximin, "PEEL_FROM_TYPES", 0)
    panels, lam, stats = solve(problem)
    assert stats["method"].endswith("peel + decomposition") and stats["peel_redone"] >= 8
    assert all(feasible(problem, x) for x in panels) and stats["certified_tolerance"] <= 1e-6
    monkeypatch.setattr(leximin, "PEEL_FROM_TYPES", 10**9)
    cg_panels, cg_lam, cg_stats = solve(problem)
    assert cg_stats["method"].endswith("decomposition") and not cg_stats["method"].endswith("peel + decomposition")
    assert np.abs((lam @ panels - cg_lam @ cg_panels) / problem.counts).max() <= 1e-6


def test_a_peeled_lottery_is_published_drawn_and_verified_byte_for_byte(tmp_path):
    """The rest of the pipeline (uniform lottery, reserves, draw, verify) on a peeled distribution: verify recomputes
    the same lottery from the inputs."""
    import json

    from typer.testing import CliRunner

    from cocreate.cli import app

    pool, quotas = pool_and_quotas(9, 300, 4, True, 20)  # 162 types: peeled (the CLI solves in a worker process)
    assert build_problem(pool, quotas, 20).n_types >= leximin.PEEL_FROM_TYPES
    pool.table.to_csv(tmp_path / "pool.csv", index=False)
    pd.DataFrame([(q.feature, q.value, q.min, q.max) for q in quotas.quotas],
                 columns=["feature", "value", "min", "max"]).to_csv(tmp_path / "q.csv", index=False)
    runner, out = CliRunner(), tmp_path / "run"
    res = runner.invoke(app, ["select", str(tmp_path / "pool.csv"), str(tmp_path / "q.csv"), "--size", "20",
                              "--household", "home", "--out", str(out), "-m", "40", "--compare-draws", "0",
                              "--seed", "peel 2026-12-02"])
    assert res.exit_code == 0, res.output
    assert "peel" in json.loads((out / "summary.json").read_text())["stats"]["method"]
    res = runner.invoke(app, ["verify", str(out / "audit.json"), "--pool", str(tmp_path / "pool.csv"), "--quotas",
                              str(tmp_path / "q.csv"), "--seed", "peel 2026-12-02"])
    assert res.exit_code == 0 and "a fresh computation gives the same lottery" in res.output, res.output


def test_the_peel_keeps_an_intersectional_quota_in_every_panel():
    pool, quotas = pool_and_quotas(9, 300, 4, True, 20)
    pair = Quota("f0 x f1", "v0 x v1", 2, 3)  # about 1.3 seats in proportion: at least 2 is binding
    problem = build_problem(pool, Quotas.from_rows([*quotas.quotas, pair]), 20)
    assert problem.n_types >= leximin.PEEL_FROM_TYPES
    panels, lam, stats = solve(problem)
    assert "peel" in stats["method"] and stats["certified_tolerance"] <= 1e-6
    seats = panels @ problem.type_matrix().T
    assert all(feasible(problem, x) for x in panels) and seats[:, -1].min() >= 2 and seats[:, -1].max() <= 3
