"""Maximum-entropy and uniform sampling of panels: marginals, entropy against brute force, uniformity, households,
and a maxentropy draw that verify recomputes."""

import json
from collections import Counter
from itertools import combinations

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import logsumexp
from scipy.stats import chisquare

from selection import select
from selection.engine import leximin, maxentropy
from selection.engine.api import PanelDistribution
from selection.engine.maxentropy_dp import GibbsSampler, enumerate_panels, log_multiplicity
from selection.lottery.rounding import uniform_lottery
from selection.problem import build_problem
from tests.selection import brute
from tests.selection.conftest import make
from tests.selection.test_cli import write_inputs
from tests.selection.test_verify import run


def tiny(households: bool = True):
    """9 people, sex x age, panels of 4; p0 and p1 share an address when ``households``."""
    people = [("f", "y"), ("f", "y"), ("f", "o"), ("f", "o"), ("m", "y"), ("m", "o"), ("m", "o"), ("m", "o"),
              ("f", "o")]
    rows = [{"id": f"p{i}", "sex": s, "age": a, "addr": "A" if households and i < 2 else f"a{i}"}
            for i, (s, a) in enumerate(people)]
    quotas = [("sex", "f", 2, 3), ("sex", "m", 1, 2), ("age", "y", 1, 2), ("age", "o", 2, 3)]
    pool, q = make(rows, quotas, household=["addr"])
    return pool, q, build_problem(pool, q, 4)


def medium():
    """40 people, three features, panels of 8 (and three households): 4,516 feasible type panels."""
    rng = np.random.default_rng(5)
    rows = [{"id": f"p{i}", "sex": "fm"[int(rng.random() < 0.35)], "age": "yom"[rng.integers(3)],
             "edu": "lh"[int(rng.random() < 0.3)], "addr": f"a{i // 2 if i < 6 else i}"} for i in range(40)]
    quotas = [("sex", "f", 3, 5), ("sex", "m", 3, 5), ("age", "y", 2, 3), ("age", "o", 2, 3), ("age", "m", 2, 3),
              ("edu", "l", 4, 5), ("edu", "h", 3, 4)]
    pool, q = make(rows, quotas, household=["addr"])
    return build_problem(pool, q, 8)


def brute_max_entropy(problem, target):
    """Largest entropy of a distribution over the enumerated person panels with the given marginals: the convex
    dual ``min_theta log sum_S exp(theta . 1_S) - theta . target`` over one theta per *person* (BFGS), whose optimum
    equals the largest entropy; its distribution is checked to have the target marginals."""
    panels = brute.feasible_panels(problem)
    a = np.zeros((len(panels), problem.n))
    for j, c in enumerate(panels):
        a[j, list(c)] = 1

    def dual(theta):
        lw = a @ theta
        z = logsumexp(lw)
        return z - theta @ target, a.T @ np.exp(lw - z) - target

    res = minimize(dual, np.zeros(problem.n), jac=True, method="BFGS", options={"gtol": 1e-10, "maxiter": 5000})
    lam = np.exp(a @ res.x - logsumexp(a @ res.x))
    assert np.max(np.abs(lam @ a - target)) < 1e-6
    return float(-lam @ np.log(lam))


def test_entropy_and_marginals_match_brute_force_on_a_tiny_pool():
    _, _, problem = tiny()
    target = brute.leximin(problem)
    x, lam, _, stats = maxentropy.solve(problem, target=target)
    assert stats["entropy_exact"] and stats["method"].startswith("exact")
    assert np.max(np.abs((lam @ x / problem.counts)[problem.type_of] - target)) < 1e-6
    assert stats["entropy"] == pytest.approx(brute_max_entropy(problem, target), abs=1e-4)
    # and the entropy is larger than that of any other distribution with these marginals, e.g. leximin's own
    panels, lex_lam, _ = leximin.solve(problem)
    assert stats["entropy"] >= maxentropy.entropy(problem, panels, lex_lam) - 1e-9


@pytest.mark.parametrize("method", ["rejection", "chains"])
def test_sampled_support_meets_the_leximin_target(method):
    problem = medium()
    x, lam, _, stats = maxentropy.solve(problem, method=method, listing=False)
    target = leximin.solve(problem)
    lex = (target[1] @ target[0]) / problem.counts
    assert np.max(np.abs(lam @ x / problem.counts - lex)) < 1e-3
    assert stats["fit_gap"] < 1e-3 and stats["support_panels"] > 50
    seats = x @ problem.type_matrix().T
    assert np.all((seats >= problem.lo) & (seats <= problem.hi)) and np.all(x.sum(axis=1) == problem.k)
    assert np.all(x <= problem.counts)
    # the support spreads: far more distinct panels, and more entropy, than leximin's lottery
    assert stats["support_panels"] > 3 * len(target[1])
    assert stats["entropy"] > maxentropy.entropy(problem, target[0], target[1])
    # close to the exact maximum (over all 4,000-odd type panels, listed), which no distribution can exceed
    _, _, _, exact = maxentropy.solve(problem)
    assert exact["entropy_exact"] and exact["fit_gap"] < 1e-6
    assert 0.99 * exact["entropy"] < stats["entropy"] <= exact["entropy"] + 1e-6  # within 1% (the unsampled panels)


def test_select_maxentropy_probabilities_equal_leximin():
    pool, q, problem = tiny()
    me = select(pool, q, 4, algorithm="maxentropy")
    lex = select(pool, q, 4, algorithm="leximin")
    assert np.max(np.abs(me.probabilities.values - lex.probabilities.values)) < 1e-3
    assert me.stats["fit_gap"] < 1e-3 and me.stats["target"] == "leximin"
    assert problem.is_feasible_panel(me.panel_index)


def test_gibbs_sampler_draws_the_exact_distribution():
    _, _, problem = tiny()
    listed = enumerate_panels(problem)
    theta = np.random.default_rng(3).normal(size=problem.n_types)
    lw = log_multiplicity(problem, listed) + listed @ theta
    exact = np.exp(lw - lw.max())
    exact /= exact.sum()
    rng = np.random.default_rng(4)
    for feature in range(2):
        sampler = GibbsSampler(problem, theta, feature)
        xs = sampler.sample(4000, rng)
        assert np.all(sampler.feasible(xs))
        index = {tuple(v): j for j, v in enumerate(listed)}
        seen = np.bincount([index[tuple(v)] for v in xs], minlength=len(listed))
        assert chisquare(seen, exact * len(xs)).pvalue > 1e-3
        assert sampler.log_z() == pytest.approx(np.log(np.exp(lw).sum()), abs=0.05)


@pytest.mark.parametrize("method", ["rejection", "chains"])
def test_uniform_is_uniform_over_the_feasible_panels(method):
    pool, q, problem = tiny()
    panels = [c for c in combinations(range(problem.n), problem.k) if problem.is_feasible_panel(np.array(c))]
    x, lam, people, stats = maxentropy.solve(problem, kind="uniform", draws=3000, method=method)
    assert len(people) == 3000 and np.allclose(lam, 1 / 3000)
    seen = Counter(tuple(p) for p in people)
    assert set(seen) <= set(panels)  # every draw feasible, households respected
    counts = np.array([seen[p] for p in panels])
    assert chisquare(counts).pvalue > 1e-3
    if stats.get("entropy") is not None:  # exact when listed, an estimate from the rejection sampler's share kept
        assert stats["entropy"] == pytest.approx(np.log(len(panels)), abs=1e-9 if stats["entropy_exact"] else 0.05)


def test_households_are_respected_in_every_lottery_panel():
    problem = medium()
    for kind in ("maxentropy", "uniform"):
        x, lam, people, _ = maxentropy.solve(problem, kind=kind, draws=300, listing=False)
        dist = PanelDistribution(problem, x, lam, None if people is None else tuple(people))
        lottery = uniform_lottery(dist, 200)
        assert all(problem.is_feasible_panel(p) for p in lottery.panels)
        assert all(len({problem.household_of[i] for i in p if problem.household_of[i] >= 0}) ==
                   sum(problem.household_of[i] >= 0 for i in p) for p in lottery.panels)


def test_bad_target_is_refused():
    _, _, problem = tiny()
    with pytest.raises(ValueError, match="one probability per person"):
        maxentropy.solve(problem, target=np.ones(3))


def test_verify_recomputes_a_maxentropy_draw(tmp_path):
    write_inputs(tmp_path)
    out = tmp_path / "me"
    res = run("select", tmp_path / "pool.csv", tmp_path / "q.csv", "--size", 10, "--out", out, "--household",
              "street", "-m", 40, "--algorithm", "maxentropy", "--seed", "lotto 1 2 3", "--compare-draws", 0)
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["algorithm"] == "maxentropy" and summary["stats"]["target"] == "leximin"
    assert summary["stats"]["fit_gap"] < 1e-3 and summary["stats"]["entropy"] > 0
    res = run("verify", out / "audit.json", "--pool", tmp_path / "pool.csv", "--quotas", tmp_path / "q.csv",
              "--seed", "lotto 1 2 3")
    assert res.exit_code == 0, res.output
    assert res.output.startswith("OK") and "a fresh computation gives the same lottery" in res.output


def many_types(seed=3, n=80, k=10):
    """n people with five features of 2-4 values (mostly one person per type), quotas at the pool's shares +-1."""
    rng = np.random.default_rng(seed)
    sizes = {"a": 2, "b": 3, "c": 3, "d": 4, "e": 3}
    rows = [{"id": f"p{i}", **{f: f"{f}{int(rng.integers(v))}" for f, v in sizes.items()}} for i in range(n)]
    quotas = []
    for f, v in sizes.items():
        for j in range(v):
            share = sum(r[f] == f"{f}{j}" for r in rows) / n * k
            quotas.append((f, f"{f}{j}", max(int(share) - 1, 0), int(share) + 2))
    pool, q = make(rows, quotas)
    return build_problem(pool, q, k)


def test_sampled_lottery_spreads_beyond_leximins_panels():
    """Where nearly every person is a type of their own, the sampled support alone must carry the target: leximin's
    few panels may not take the mass (they once took 99.8% of it on a 400-person pool, when theta was fitted only
    roughly, so the 'max-entropy' lottery was leximin's)."""
    problem = many_types()
    assert problem.n_types > 0.7 * problem.n
    lex_panels, lex_lam, _ = leximin.solve(problem)
    x, lam, _, stats = maxentropy.solve(problem, method="chains")
    assert stats["fit_gap"] < 1e-3 and stats["sampler_gap"] < 0.1
    on_lex = {tuple(r) for r in lex_panels}
    assert sum(w for r, w in zip(x, lam, strict=True) if tuple(r) in on_lex) < 0.05
    assert stats["entropy"] > maxentropy.entropy(problem, lex_panels, lex_lam) + 2.0


def test_hull_miss_is_the_l1_distance_to_the_hull_and_separates():
    """Inside the hull of three corners of the unit square the miss is 0; at (1, 1) it is 1 (to (1, 0) or (0, 1)),
    and the direction returned separates the target from every point."""
    x = np.array([[0, 0], [1, 0], [0, 1]])
    assert maxentropy.hull_miss(x, np.array([0.2, 0.3]))[0] < 1e-9
    miss, y = maxentropy.hull_miss(x, np.array([1.0, 1.0]))
    assert miss == pytest.approx(1.0)
    assert y @ np.array([1.0, 1.0]) > (x @ y).max() + 0.5


def test_tilted_batches_reach_the_target_without_leximins_panels(monkeypatch):
    """A support of 80 sampled panels for 69 types misses the target's hull; batches sampled at theta tilted along
    the missed direction reach it, so leximin's panels are not needed and the lottery keeps more entropy than with
    them (without the batches, leximin's panels are added)."""
    problem = many_types()
    monkeypatch.setattr(maxentropy, "SUPPORT_RANGE", (80, 80))
    monkeypatch.setattr(maxentropy, "REPAIR_ROUNDS", 0)
    _, _, _, without = maxentropy.solve(problem, method="chains")
    assert "leximin's panels" in without["method"]
    monkeypatch.setattr(maxentropy, "REPAIR_ROUNDS", 4)
    _, _, _, repaired = maxentropy.solve(problem, method="chains")
    assert "tilted batches" in repaired["method"] and "leximin's panels" not in repaired["method"]
    assert repaired["fit_gap"] < 1e-3 and without["fit_gap"] < 1e-3
    assert repaired["entropy"] > without["entropy"] + 0.5
