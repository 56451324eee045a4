"""Reserve lists for a drawn panel: the plain practice (one look-alike per member) against drop-out-aware reserves.

For each instance: draw a panel with ``selection.select``, build both lists of the same size (chosen with seed 1),
then judge them on held-out drop-out scenarios (seed 2, common random numbers: both lists see the same fates) with
the same refill rule. Prints mean total quota deviation after refilling (seats; 0 = every quota met and every seat
filled), share of scenarios where every quota is met, the plain/aware ratio of mean deviations, and times.

Drop-out probabilities: the ``dropout`` column of ``selection/data/example_pool.csv`` for the example; for the
instances in ../shared/instances (not shipped; the script says so when missing) the same published stay factors
(Assos et al. 2025, Healthy Democracy pooled fit; see ``selection/reserves.py``) mapped to their values here.

    python benchmarks/reserves_dropout.py [--scenarios 5000] [--only example syn_n2000_k110_f6 goelz_large_2000]
"""

import argparse
import time
from pathlib import Path

from selection import read_pool, read_quotas, select
from selection.lottery.reserves import (
    dropout_aware_reserves,
    dropout_from_stay,
    plain_reserves,
    read_dropout,
    simulate_dropouts,
)
from selection.population.synthesis import data_path

INSTANCES = Path(__file__).resolve().parents[1] / ".." / "shared" / "instances"
MALE = 0.8990
SYN_STAY = {("gender", "male"): MALE, ("age", "25-34"): 0.9863, ("age", "45-54"): 0.9131, ("age", "65+"): 0.9377,
            ("education", "none"): 0.7475, ("housing", "rent_private"): 0.9670, ("housing", "rent_social"): 0.9670}
"""HD pooled fit mapped to syn_n2000: 65+ averages 65-74 and 75+; 'none' is Some_schooling; both rents are Rent."""

# name: (pool, quotas, k, id column, household columns, algorithm, stay factors or None for the pool column, sizes)
CASES = {
    "example": (data_path("example_pool.csv"), data_path("example_quotas.csv"), 30, "id", ["address", "postcode"],
                "leximin", None, (5, 10)),
    "goelz_large_2000": (INSTANCES / "goelz_large_2000" / "respondents.csv",
                         INSTANCES / "goelz_large_2000" / "categories.csv", 200, None, None, "leximin",
                         {("gender", "male"): MALE}, (10, 20)),
    # legacy: leximin takes over 10 minutes on this pool on 2 cores; how the panel was drawn does not matter here
    "syn_n2000_k110_f6": (INSTANCES / "syn_n2000_k110_f6" / "people.csv",
                          INSTANCES / "syn_n2000_k110_f6" / "categories.csv", 110, "id", ["address1", "postcode"],
                          "legacy", SYN_STAY, (10, 25)),
}


def run(name: str, scenarios: int) -> None:
    pool_path, quota_path, k, id_col, hh, algorithm, stay, sizes = CASES[name]
    if not Path(pool_path).is_file():
        print(f"{name}: skipped, {pool_path.parent} is missing (instances are not shipped with the project)")
        return
    pool, quotas = read_pool(pool_path, id_column=id_col, household_columns=hh), read_quotas(quota_path)
    t = time.perf_counter()
    result = select(pool, quotas, k, algorithm=algorithm, seed=1, legacy_draws=20)
    problem, panel = result.distribution.problem, result.panel_index
    dropout = read_dropout(pool, "dropout") if stay is None else dropout_from_stay(problem, stay)
    print(f"\n{name}: n={problem.n}, k={k}, {problem.n_types} types, panel by {algorithm} in "
          f"{time.perf_counter() - t:.1f} s; drop-out mean {dropout.mean():.3f} (panel {dropout[panel].mean():.3f}), "
          f"max {dropout.max():.3f}; held-out: {scenarios} scenarios")
    none = simulate_dropouts(problem, panel, [], dropout, scenarios, seed=2)
    print(f"  no reserves: mean deviation {none['mean_deviation']:.3f}, all quotas met {none['share_all_met']:.3f}, "
          f"{none['mean_dropouts']:.2f} drop-outs per panel")
    print(f"  {'size':>4} {'list':<6} {'seconds':>8} {'mean dev':>9} {'+-sem':>6} {'all met':>8} {'empty':>6}")
    for size in sizes:
        rows = {}
        for label, make in (("plain", lambda s=size: plain_reserves(problem, panel, s, seed=1)),
                            ("aware", lambda s=size: dropout_aware_reserves(problem, panel, s, dropout, seed=1))):
            t = time.perf_counter()
            reserves = make()
            seconds = time.perf_counter() - t
            rows[label] = out = simulate_dropouts(problem, panel, reserves, dropout, scenarios, seed=2)
            print(f"  {size:>4} {label:<6} {seconds:>8.2f} {out['mean_deviation']:>9.3f} {out['sem_deviation']:>6.3f} "
                  f"{out['share_all_met']:>8.3f} {out['mean_empty_seats']:>6.3f}")
        ratio = rows["plain"]["mean_deviation"] / max(rows["aware"]["mean_deviation"], 1e-12)
        print(f"  {size:>4} ratio plain/aware mean deviation: {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", type=int, default=5000, help="held-out scenarios per list")
    parser.add_argument("--only", nargs="*", choices=list(CASES), default=list(CASES))
    args = parser.parse_args()
    for name in args.only:
        run(name, args.scenarios)


if __name__ == "__main__":
    main()
