"""Rounding a fair distribution to a uniform lottery of m = 1000 panels: time and quality, against the peer's
rounding in the same run.

For each instance of ../shared/instances (the script says so when the folder is missing) it computes the leximin
distribution in a subprocess with a time budget (maximin when leximin does not finish; when neither does, a random
mixture of as many feasible panels, labelled ``mixture``, so the rounding is still timed at that size), then times
``selection.lottery.rounding.uniform_lottery`` and checks every one of the m panels against the quotas. Baseline: the
randomised pipage rounding that `sortition-algorithms` ships (``core.lottery_rounding``), applied to the same
distribution and expanded to people the same way, so the two differ only in how copies are chosen.

    python benchmarks/rounding_speed.py [--budget 300] [--m 1000] [--only NAME ...]
"""

import argparse
import multiprocessing as mp
import random
import sys
import time
from pathlib import Path
from queue import Empty

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.selection_vs_peer import INSTANCES, TABLE  # noqa: E402


def load(name: str):
    from selection import read_pool, read_quotas
    pool_file, quota_file, k, id_col, hh = TABLE[name]
    d = INSTANCES / name
    return read_pool(d / pool_file, id_column=id_col, household_columns=hh or None), read_quotas(d / quota_file), k


def solve(name: str, algorithm: str, queue) -> None:
    from selection import select
    pool, quotas, k = load(name)
    t = time.perf_counter()
    res = select(pool, quotas, k, algorithm=algorithm)
    queue.put((res.distribution.type_panels, res.distribution.weights, time.perf_counter() - t))


def mixture(name: str, panels: int, queue) -> None:
    """Stand-in when no fair distribution finishes: ``panels`` distinct feasible panels (pricing with random type
    weights, seed 0) with random weights. It has the size of a real one, so it times the rounding at that scale."""
    import numpy as np

    from selection.engine.pricing import Pricer
    from selection.problem import build_problem
    pool, quotas, k = load(name)
    problem = build_problem(pool, quotas, k)
    pricer, rng = Pricer(problem), np.random.default_rng(0)
    t = time.perf_counter()
    found = {tuple(pricer.best(rng.random(problem.n_types))[0]) for _ in range(panels)}
    weights = rng.random(len(found))
    queue.put((np.array(sorted(found)), weights / weights.sum(), time.perf_counter() - t))


def distribution(name: str, budget: float, mix: int):
    for algorithm in ("leximin", "maximin", "mixture"):
        queue = mp.get_context("spawn").Queue()
        target, args = (mixture, (name, mix, queue)) if algorithm == "mixture" else (solve, (name, algorithm, queue))
        proc = mp.get_context("spawn").Process(target=target, args=args)
        proc.start()
        try:  # read before joining: a child blocks on exit until its queued result is read
            got = queue.get(timeout=budget)
        except Empty:
            got = None
        proc.kill()
        proc.join()
        if got is None:
            print(f"  {name}: {algorithm} did not finish in {budget:.0f} s", flush=True)
            continue
        return (algorithm, *got)
    return None


def peer_counts(weights: np.ndarray, m: int) -> np.ndarray | None:
    try:
        from sortition_algorithms.core import lottery_rounding
    except ImportError:
        return None
    random.seed(0)
    committees = [frozenset({str(j)}) for j in range(len(weights))]
    chosen = lottery_rounding(committees, list(weights / weights.sum()), m)
    return np.bincount([int(next(iter(c))) for c in chosen], minlength=len(weights))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=300, help="seconds for computing each distribution")
    ap.add_argument("--m", type=int, default=1000)
    ap.add_argument("--only", nargs="*", help="instance names")
    ap.add_argument("--mixture", type=int, default=600, help="panels of the stand-in distribution used when "
                    "neither leximin nor maximin finishes in the budget")
    args = ap.parse_args()
    if not INSTANCES.is_dir():
        print(f"instances folder {INSTANCES} is missing: this benchmark needs ../shared/instances")
        return
    from selection.engine.api import PanelDistribution
    from selection.lottery.rounding import _expand, _units, uniform_lottery
    from selection.problem import build_problem

    print(f"{'instance':24} {'n':>5} {'k':>4} {'dist':>8} {'panels':>6} {'round s':>8} {'max chg':>8} "
          f"{'peer s':>7} {'peer chg':>8} {'ratio':>6}  all quota-exact")
    for name in args.only or list(TABLE):
        got = distribution(name, args.budget, args.mixture)
        if got is None:
            continue
        algorithm, type_panels, weights, solve_s = got
        pool, quotas, k = load(name)
        problem = build_problem(pool, quotas, k)
        dist = PanelDistribution(problem, type_panels, weights)
        t = time.perf_counter()
        lot = uniform_lottery(dist, args.m)
        ours = time.perf_counter() - t
        exact = all(problem.is_feasible_panel(p) for p in lot.panels)
        t = time.perf_counter()
        counts = peer_counts(np.asarray(weights, dtype=float), args.m)
        peer_s = time.perf_counter() - t
        if counts is None:
            peer = "peer not installed (pip install -e '.[bench]')"
        else:
            a, _, members = _units(dist)
            panels = _expand(a, counts, members, np.random.default_rng(0))
            change = np.abs(np.bincount(panels.ravel(), minlength=problem.n) / args.m - lot.target).max()
            peer = f"{peer_s:7.2f} {change:8.5f} {change / max(lot.max_change, 1e-12):6.2f}"
        print(f"{name:24} {problem.n:5d} {k:4d} {algorithm:>8} {len(weights):6d} {ours:8.2f} {lot.max_change:8.5f} "
              f"{peer}  {exact}  (distribution took {solve_s:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
