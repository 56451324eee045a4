"""Parallel efficiency of a sweep of the engagement model: sequential vs a process pool vs a Dask LocalCluster,
all measured in this one run on the same sweep.

    .venv/bin/python benchmarks/sweep_efficiency.py              # 1,000 runs of 10,000 citizens x 52 weeks
    .venv/bin/python benchmarks/sweep_efficiency.py --runs 200   # quicker

The sweep: a Latin hypercube over three uncertain parameters (engagement.authenticity, trust.backfire,
trust.spillover_gain) x 4 strategies x 5 seeds, from scenarios/baseline.yaml with population.size = 10,000 and
process.horizon_weeks = 52. Efficiency = T_sequential / (workers x T_parallel); 1.0 is perfect scaling.
The runs are split into rounds (5 sweeps of 200 runs by default); each round runs on every engine in rotating
order, so that a drifting load on a shared machine hits all engines alike. Each parallel engine is reported twice:
"sweep" (workers already started and warmed: the steady-state cost) and "total" (plus starting the pool or
cluster once). The rows of every engine are checked identical.
To tell engine overhead from shared cores, it also prints "busy" (the share of workers x wall time spent inside
runs), "slowdown" (wall time per run in the engine over time per run sequentially; efficiency ~= busy/slowdown),
"cpu/run" (CPU time per run over sequential) and the efficiency to expect on dedicated cores, busy / (cpu/run).
BLAS/OpenMP threads are pinned to 1 so that the engines do not oversubscribe the cores. The machine may be
shared with other work: the load average before and after is printed; read the ratios, not the seconds.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor, wait  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
STRATEGIES = ["inform", "consult", "cocreate_sortition", "continuous"]
PARAMS = ["engagement.authenticity=0.1:1", "trust.backfire=0:0.3", "trust.spillover_gain=0:0.3"]


def _warm(model, seconds: float = 0.5) -> int:
    """Import everything a run needs in a worker (one small run of every strategy: the selection engine and its
    solvers load on first use), then hold a moment so that every worker gets one of these."""
    import dataclasses

    small = dataclasses.replace(model, population=1000)
    for strategy in STRATEGIES:
        small({}, strategy, 12345)
    time.sleep(seconds)
    return os.getpid()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000, help="runs per engine (rounded to 4 strategies x 5 seeds)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds the runs are split into")
    ap.add_argument("--population", type=int, default=10_000, help="citizens per run")
    ap.add_argument("--weeks", type=int, default=52, help="simulated weeks per run")
    ap.add_argument("--workers", type=int, default=2, help="processes / Dask workers")
    args = ap.parse_args()

    from distributed import Client, LocalCluster

    import sim
    from sim.sweep.designs import Param
    from sim.sweep.runner import run_sweep
    from sim.sweep.store import TIMING_COLUMNS, read_results
    from sim.sweep_model import ScenarioModel

    scenario = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml").with_overrides(
        {"population.size": args.population, "process.horizon_weeks": args.weeks})
    model = ScenarioModel(scenario)
    seeds = 5
    points = max(1, round(args.runs / (len(STRATEGIES) * seeds * args.rounds)))
    n_runs = points * len(STRATEGIES) * seeds * args.rounds
    print(f"sweep: {n_runs} runs per engine = {args.rounds} rounds x {points} LHS points x {len(STRATEGIES)} "
          f"strategies x {seeds} seeds; {args.population:,} citizens x {args.weeks} weeks; {args.workers} workers; "
          f"{os.cpu_count()} cores; load average before {os.getloadavg()[0]:.2f}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    engines = ("sequential", "pool", "dask")
    times = dict.fromkeys(engines, 0.0)
    busy = dict.fromkeys(engines, 0.0)  # wall seconds spent inside runs, summed over workers
    cpu = dict.fromkeys(engines, 0.0)  # CPU seconds spent inside runs, summed over workers
    startup: dict[str, float] = {}
    frames: dict[str, list[pd.DataFrame]] = {e: [] for e in engines}

    try:
        _warm(model, 0.0)
        start = time.perf_counter()
        ctx = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=args.workers, mp_context=ctx) as pool:
            wait([pool.submit(_warm, model) for _ in range(2 * args.workers)])
            startup["pool"] = time.perf_counter() - start
            start = time.perf_counter()
            with (LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None) as cluster, Client(cluster) as client):
                client.run(_warm, model, 0.0)
                startup["dask"] = time.perf_counter() - start
                executors = {"sequential": "sequential", "pool": pool, "dask": client.get_executor(pure=False)}
                for r in range(args.rounds):
                    # rotate the order so that no engine always runs first (the load of a shared machine drifts)
                    for name in engines[r % 3:] + engines[:r % 3]:
                        out = work / f"{name}-{r}"
                        t0 = time.perf_counter()
                        report = run_sweep(model, out, executor=executors[name], design="lhs", samples=points,
                                           params=[Param.parse(p) for p in PARAMS], strategies=STRATEGIES,
                                           replications=seeds, seed=r, model_label="bench")
                        times[name] += time.perf_counter() - t0
                        assert report.completed == report.total and report.lost == 0, report
                        rows = read_results(out)
                        busy[name] += float(rows["duration_s"].sum())
                        cpu[name] += float(rows["cpu_s"].sum())
                        frames[name].append(rows.drop(columns=TIMING_COLUMNS))
                    print(f"  round {r + 1}/{args.rounds}: " + ", ".join(f"{e} {times[e]:.1f} s" for e in engines)
                          + f" (cumulative); load {os.getloadavg()[0]:.2f}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    times["pool sweep"], times["dask sweep"] = times["pool"], times["dask"]
    times["pool total"] = times["pool"] + startup["pool"]
    times["dask total"] = times["dask"] + startup["dask"]
    frames = {e: pd.concat(f, ignore_index=True) for e, f in frames.items()}

    identical = True
    for name in ("pool", "dask"):
        try:
            pd.testing.assert_frame_equal(frames[name], frames["sequential"])
        except AssertionError as exc:
            identical = False
            print(f"{name} differs from sequential: {exc}")
    seq = times["sequential"]
    print(f"\nload average after {os.getloadavg()[0]:.2f}; rows identical on every engine: {identical}; "
          f"start-up: pool {startup['pool']:.1f} s, dask {startup['dask']:.1f} s")
    print(f"sequential: {seq:.1f} s, {seq / n_runs * 1000:.0f} ms per run")
    print(f"CPU share a run got (cpu_s / duration_s): sequential {cpu['sequential'] / busy['sequential']:.2f}, "
          f"pool {cpu['pool'] / busy['pool']:.2f}, dask {cpu['dask'] / busy['dask']:.2f} (1.00 = a core of its own)")
    print(f"{'engine':<12} {'speed-up':>9} {'efficiency':>11} {'busy':>6} {'slowdown':>9} {'cpu/run':>8} "
          f"{'dedicated':>10}")
    results = {"runs": n_runs, "population": args.population, "weeks": args.weeks, "workers": args.workers,
               "rounds": args.rounds, "seconds": times, "startup_seconds": startup, "busy_seconds": busy, "cpu_seconds": cpu, "identical": identical}
    for name in ("pool sweep", "pool total", "dask sweep", "dask total"):
        engine = name.split()[0]
        speedup = seq / times[name]
        eff = speedup / args.workers
        utilisation = busy[engine] / (args.workers * times[name])
        slowdown = busy[engine] / busy["sequential"]
        cpu_ratio = cpu[engine] / cpu["sequential"]
        results[f"efficiency {name}"] = eff
        results[f"efficiency {name} on dedicated cores (estimate)"] = utilisation / cpu_ratio
        print(f"{name:<12} {speedup:9.2f} {eff:11.2f} {utilisation:6.2f} {slowdown:9.2f} {cpu_ratio:8.2f} "
              f"{utilisation / cpu_ratio:10.2f}   {'OK' if eff >= 0.8 else 'below the 0.8 target'}")
    print("efficiency = T_seq / (workers x T), measured; busy = share of workers x T spent inside runs (engine "
          "overhead and idle workers lower it);\nslowdown = wall time per run vs sequential (above 1 when the cores "
          "are shared with other work); cpu/run = CPU time per run vs sequential;\ndedicated = busy / (cpu/run): "
          "the efficiency to expect on cores not shared with other work (an estimate, not a measurement).")
    out = ROOT / "bench-output"
    out.mkdir(exist_ok=True)
    (out / "sweep_efficiency.json").write_text(json.dumps(results, indent=1))
    if not identical:
        raise SystemExit("engines disagree: see the rows above")


if __name__ == "__main__":
    main()
