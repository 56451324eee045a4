"""maxentropy with a pair weight: the maximum-entropy distribution under a bound on the expected pair misfit, against
brute force over person panels; the misfit falls as the weight grows on several pools; the swap chains sample the
tilted law; and the weight is recorded in the bundle so that verify repeats it."""

import json
from itertools import combinations

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import logsumexp
from scipy.stats import chisquare

from selection.engine import leximin, maxentropy
from selection.engine.maxentropy_dp import enumerate_panels, log_multiplicity
from selection.engine.maxentropy_mcmc import SwapChains
from selection.engine.maxentropy_pairs import PairMisfit
from selection.problem import build_problem
from tests.selection import brute
from tests.selection.conftest import make
from tests.selection.test_cli import write_inputs
from tests.selection.test_maxentropy import medium, tiny
from tests.selection.test_verify import run


def misfit_by_hand(problem, panel, target):
    """Mean over feature pairs of half the summed |seats - expected seats| over the pair's cells (written apart
    from PairMisfit: expected seats are the target probabilities summed over the cell's people)."""
    pv = problem.person_values
    total = []
    for a, b in combinations(range(pv.shape[1]), 2):
        cells = {(pv[i, a], pv[i, b]) for i in range(problem.n)}
        dev = 0.0
        for c in cells:
            inside = [i for i in range(problem.n) if (pv[i, a], pv[i, b]) == c]
            dev += abs(sum(i in panel for i in inside) - sum(target[i] for i in inside))
        total.append(dev / 2)
    return float(np.mean(total))


def brute_entropy_under_bound(problem, target, bound):
    """Largest entropy over person panels with the target marginals and expected misfit <= bound: the convex dual
    ``min_{theta, beta >= 0} log sum_S exp(theta . 1_S - beta misfit(S)) - theta . target + beta bound``."""
    panels = brute.feasible_panels(problem)
    a = np.zeros((len(panels), problem.n))
    for j, c in enumerate(panels):
        a[j, list(c)] = 1
    mis = np.array([misfit_by_hand(problem, set(c), target) for c in panels])

    def dual(z):
        theta, beta = z[:-1], z[-1]
        lw = a @ theta - beta * mis
        lam = np.exp(lw - logsumexp(lw))
        return (logsumexp(lw) - theta @ target + beta * bound,
                np.concatenate([a.T @ lam - target, [bound - lam @ mis]]))

    res = minimize(dual, np.zeros(problem.n + 1), jac=True, method="L-BFGS-B",
                   bounds=[(None, None)] * problem.n + [(0, None)], options={"gtol": 1e-11, "maxiter": 20000})
    lw = a @ res.x[:-1] - res.x[-1] * mis
    lam = np.exp(lw - logsumexp(lw))
    assert np.max(np.abs(lam @ a - target)) < 1e-5 and lam @ mis <= bound + 1e-5
    return float(-lam @ np.log(lam))


def test_misfit_matches_a_count_by_hand():
    problem = medium()
    panels, lam, _ = leximin.solve(problem)
    tgt = (lam @ panels) / problem.counts
    misfit = PairMisfit(problem, tgt)
    rng = np.random.default_rng(2)
    for x in panels[:5]:
        people = set(np.concatenate([rng.choice(problem.type_members[t], x[t], replace=False)
                                     for t in np.flatnonzero(x)]).tolist())
        assert misfit.of_types(x[None])[0] == pytest.approx(misfit_by_hand(problem, people, tgt[problem.type_of]))


@pytest.mark.parametrize("beta", [0.5, 2.0])
def test_pair_weight_gives_the_max_entropy_under_its_misfit(beta):
    _, _, problem = tiny()
    target = brute.leximin(problem)
    x, lam, _, stats = maxentropy.solve(problem, target=target, pair_weight=beta)
    assert stats["entropy_exact"] and stats["fit_gap"] < 1e-6
    plain = maxentropy.solve(problem, target=target)[3]
    assert stats["pair_misfit"] < plain["pair_misfit"] - 1e-3  # the weight bites
    assert stats["entropy"] == pytest.approx(brute_entropy_under_bound(problem, target, stats["pair_misfit"]),
                                             abs=1e-4)


def pool_problem(seed):
    """30 people with three correlated features, panels of 6, quotas from the pool's shares +-1 seat."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(30):
        a = int(rng.random() < 0.5)
        b = a if rng.random() < 0.7 else 1 - a
        c = int(rng.integers(3)) if rng.random() < 0.5 else 2 * b
        rows.append({"id": f"p{i}", "a": "xy"[a], "b": "uv"[b], "c": "lmh"[c]})
    quotas = []
    for f, values in (("a", "xy"), ("b", "uv"), ("c", "lmh")):
        for v in values:
            share = sum(r[f] == v for r in rows) / 30 * 6
            quotas.append((f, v, max(int(np.floor(share)) - 1, 0), int(np.ceil(share)) + 1))
    pool, q = make(rows, quotas)
    return build_problem(pool, q, 6)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_misfit_and_entropy_fall_as_the_weight_grows(seed):
    """On every pool the exact distribution's expected misfit and entropy both fall with beta (beta is the price
    of misfit in entropy), while the selection probabilities stay leximin's."""
    problem = pool_problem(seed)
    lex = leximin.solve(problem)
    tgt = (lex[1] @ lex[0]) / problem.counts
    runs = [maxentropy.solve(problem, pair_weight=b)[3] for b in (0.0, 1.0, 3.0, 10.0)]
    assert all(r["entropy_exact"] and r["fit_gap"] < 1e-6 for r in runs)
    mis = [r["pair_misfit"] for r in runs]
    ent = [r["entropy"] for r in runs]
    assert all(np.diff(mis) < 0), mis
    assert all(np.diff(ent) < 0), ent
    assert runs[0]["target_max"] == pytest.approx(tgt.max())


def test_chains_sample_the_tilted_law():
    _, _, problem = tiny()
    tgt = np.full(problem.n_types, problem.k / problem.n)
    misfit = PairMisfit(problem, tgt)
    listed = enumerate_panels(problem)
    beta = 1.5
    lw = log_multiplicity(problem, listed) - beta * misfit.of_types(listed)
    exact = np.exp(lw - logsumexp(lw))
    x = listed[0]
    start = np.sort(np.concatenate([problem.type_members[t][: x[t]] for t in np.flatnonzero(x)]))
    chains = SwapChains(problem, np.zeros(problem.n), np.tile(start, (3000, 1)), misfit, beta)
    rng = np.random.default_rng(7)
    chains.run(400, rng)
    index = {tuple(v): j for j, v in enumerate(listed)}
    seen = np.bincount([index[tuple(v)] for v in chains.type_counts()], minlength=len(listed))
    assert chisquare(seen, exact * seen.sum()).pvalue > 1e-3
    # and the seats per cell the chains carry along equal a recount
    recount = misfit.seats_of_types(chains.type_counts())
    assert np.array_equal(chains.cell_seats, recount.astype(np.int64))


def test_sampled_support_with_a_weight_keeps_the_target():
    problem = medium()
    x, lam, _, stats = maxentropy.solve(problem, listing=False, pair_weight=2.0)
    exact = maxentropy.solve(problem, pair_weight=2.0)[3]
    plain = maxentropy.solve(problem, listing=False)[3]
    assert stats["fit_gap"] < 1e-3 and "chains" in stats["method"]
    assert stats["pair_misfit"] < plain["pair_misfit"]
    assert stats["pair_misfit"] == pytest.approx(exact["pair_misfit"], rel=0.05)


def test_bundle_records_the_weight_and_verify_repeats_it(tmp_path):
    write_inputs(tmp_path)
    out = tmp_path / "me"
    res = run("select", tmp_path / "pool.csv", tmp_path / "q.csv", "--size", 10, "--out", out, "--household",
              "street", "-m", 40, "--algorithm", "maxentropy", "--pair-weight", 2, "--seed", "lotto 1 2 3",
              "--compare-draws", 0)
    assert res.exit_code == 0, res.output
    bundle = json.loads((out / "audit.json").read_text())
    assert bundle["options"]["pair_weight"] == 2.0
    res = run("verify", out / "audit.json", "--pool", tmp_path / "pool.csv", "--quotas", tmp_path / "q.csv",
              "--seed", "lotto 1 2 3")
    assert res.exit_code == 0 and res.output.startswith("OK"), res.output


@pytest.mark.parametrize("extra, message", [(["--pair-weight", "1"], "maxentropy only"),
                                            (["--algorithm", "maxentropy", "--pair-weight", "-1"], ">= 0")])
def test_bad_pair_weight_gives_one_line(tmp_path, extra, message):
    write_inputs(tmp_path)
    res = run("select", tmp_path / "pool.csv", tmp_path / "q.csv", "--size", 10, "--out", tmp_path / "o", *extra)
    assert res.exit_code == 2 and message in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
