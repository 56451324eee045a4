"""Benchmark: a 500,000-person synthetic Antwerp and its recruitment funnel (target: < 30 s and < 2 GiB).

Run: .venv/bin/python benchmarks/population_speed.py [--n 500000]

Baseline, measured in the same run: drawing the same columns independently with ``rng.choice`` (no IPF, no
associations, no households): the least any generator of this size must do. Printed: seconds, ratio to the
baseline, and the peak resident memory of the process (``ru_maxrss``). Needs no files from ../shared.
"""

import argparse
import resource
import time

import numpy as np

from selection.population.funnel import invitation_probability, open_call, recruit, response_propensity
from selection.population.synthesis import antwerp_margins, synthesize_population


def baseline(n: int, rng: np.random.Generator) -> dict:
    margins = antwerp_margins()
    return {f: rng.choice(g["value"].to_numpy(), size=n, p=g["share"].to_numpy())
            for f, g in margins.groupby("feature", sort=False)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500_000)
    parser.add_argument("--letters", type=int, default=10_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    t = time.perf_counter()
    baseline(args.n, rng)
    t_base = time.perf_counter() - t

    t = time.perf_counter()
    people = synthesize_population(args.n, rng)
    t_pop = time.perf_counter() - t

    t = time.perf_counter()
    q = response_propensity(people)
    pi = invitation_probability(people, args.letters, 0.2)
    pool = recruit(people, args.letters, rng, deprived_share=0.2)
    crowd = open_call(people, 1_000, rng)
    t_funnel = time.perf_counter() - t

    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    total = t_pop + t_funnel
    print(f"population n={args.n:,}: synthesis {t_pop:.2f} s, funnel {t_funnel:.2f} s "
          f"({args.letters:,} letters -> pool {len(pool):,}; open call {len(crowd):,}; "
          f"mean propensity {q.mean():.3f}, sum of invitation probabilities {pi.sum():,.0f} people)")
    print(f"baseline (independent rng.choice per column): {t_base:.2f} s; "
          f"synthesis / baseline = {t_pop / t_base:.1f}x; total {total:.2f} s = {total / 30:.0%} of the 30 s budget")
    print(f"peak resident memory {peak_gib:.2f} GiB = {peak_gib / 2:.0%} of the 2 GiB budget")


if __name__ == "__main__":
    main()
