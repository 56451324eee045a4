"""Speed of the engagement model: citizen-steps per second, against a fair idiomatic Mesa baseline measured in the
same run, and a national population (10^7 citizens x 52 weeks) in a fresh process.

    .venv/bin/python benchmarks/sim_speed.py             # 1e4 and 1e5 citizens, then the 1e7 x 52-week run
    .venv/bin/python benchmarks/sim_speed.py --quick     # 1e4 and 1e5 only
    .venv/bin/python benchmarks/sim_speed.py --national 1000000   # a smaller "national" run

What is compared (the same weekly update of the public, on the same network and the same signals):
  * vectorised: `sim.mechanisms.weekly_update` (NumPy state, SciPy CSR network) - the bare weekly update
    ("core") - and the full `sim.EngagementModel` (cocreate_sortition, 52 weeks: agents, events, deliberation,
    the decision, data collection) excluding the one-off recruitment + `selection.select` draw;
  * idiomatic Mesa, made fair: one `FixedAgent` per citizen on a `mesa.discrete_space.Network` (layout=None),
    staged activation (`agents.do`), each agent's neighbour list cached once (not rebuilt from the cell every
    step), scalar arithmetic with `math` (no NumPy scalars). It computes the same asymmetric own-experience
    update, Friedkin-Johnsen mixing of the deviations, news level and word-of-mouth awareness; the benchmark
    checks both give the same trust (max abs difference).

Targets (issue 14): >= 1e7 citizen-steps/s at 1e5 citizens for the full model; >= 50x the idiomatic baseline in
the same run; a 1e7-citizen national run (population build included) reported with its wall time and peak RSS
(goal: < 180 s and < 12 GiB on 2 cores). Ratios are the robust part: the machine is shared, so absolute rates vary
between runs. No data from ../shared is needed.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import FixedAgent, Network

from sim import Scenario
from sim.mechanisms import weekly_update
from sim.runner import build_model


class Citizen(FixedAgent):
    """One citizen as a Python object (the idiomatic Mesa way), with its neighbour list cached."""

    def __init__(self, model, cell, anchor: float):
        super().__init__(model)
        self.cell = cell
        self.anchor = anchor
        self.own = self.dev = self.awareness = 0.0
        self.trust = anchor
        self._own = self._dev = self._aw = 0.0
        self.neighbours: list[Citizen] = []
        self.inv_degree = 0.0

    def cache_neighbours(self) -> None:
        self.neighbours = list(self.cell.neighborhood.agents)
        self.inv_degree = 1.0 / len(self.neighbours) if self.neighbours else 0.0

    def react(self) -> None:  # stage 1: this week's signal through the asymmetric update of own experience
        m = self.model
        s = m.signal
        t = min(1.0, max(0.0, self.anchor + self.dev + m.news_level))
        change = s * (1.0 - t) if s >= 0 else m.loss * s * t
        self._own = min(1.0, max(0.0, self.anchor + self.own + change)) - self.anchor

    def influence(self) -> None:  # stage 2: neighbours' deviations and awareness (read only)
        m = self.model
        nbs, inv = self.neighbours, self.inv_degree
        mean_dev = sum(a.dev for a in nbs) * inv
        self._dev = m.social * mean_dev + (1.0 - m.social) * self._own
        mean_aw = sum(a.awareness for a in nbs) * inv
        aw = self.awareness
        self._aw = aw + (1.0 - aw) * (1.0 - math.exp(-(m.media + m.wom * mean_aw))) - m.decay * aw

    def commit(self) -> None:  # stage 3: synchronous update
        self.own, self.dev = self._own, self._dev
        self.awareness = min(1.0, max(0.0, self._aw))
        self.trust = min(1.0, max(0.0, self.anchor + self.dev + self.model.news_level))


class IdiomaticModel(mesa.Model):
    """The same weekly update with one agent per citizen, staged activation."""

    def __init__(self, weights, anchor, signals, news, sc: Scenario, media: float, rng=0):
        super().__init__(rng=rng)
        graph = nx.Graph()
        graph.add_nodes_from(range(len(anchor)))
        coo = weights.tocoo()
        graph.add_edges_from(zip(coo.row.tolist(), coo.col.tolist(), strict=True))
        self.grid = Network(graph, capacity=1, random=self.random, layout=None)
        cells = self.grid.all_cells.cells
        self.citizens = [Citizen(self, cell, float(anchor[i])) for i, cell in enumerate(cells)]
        for c in self.citizens:
            c.cache_neighbours()
        self.signals, self.news = signals, news
        self.loss, self.social = sc.trust.loss_aversion, sc.trust.social_weight
        self.wom, self.decay, self.media = sc.awareness.word_of_mouth, sc.awareness.decay, media
        self.signal = self.news_level = 0.0

    def step(self):
        week = int(round(self.time))
        self.signal, self.news_level = float(self.signals[week]), float(self.news[week])
        for stage in ("react", "influence", "commit"):
            self.agents.do(stage)


def vectorised_core(model, signals, weeks: int, media: float) -> tuple[float, np.ndarray]:
    """The bare weekly update the model runs in `step()` (`sim.mechanisms.weekly_update`) on the model's arrays,
    with a signal every week; returns (seconds, final trust)."""
    sc = model.cfg
    w, anchor = model.pop.weights, model.pop.trust
    own, dev, aw = np.zeros(model.pop.n), np.zeros(model.pop.n), np.zeros(model.pop.n)
    trust = anchor.copy()
    start = time.perf_counter()
    for week in range(1, weeks + 1):
        own, dev, aw, trust = weekly_update(own, dev, anchor, float(model.news[week]), aw, float(signals[week]), w,
                                            loss_aversion=sc.trust.loss_aversion,
                                            social_weight=sc.trust.social_weight, media=media,
                                            word_of_mouth=sc.awareness.word_of_mouth, decay=sc.awareness.decay)
    return time.perf_counter() - start, trust


def measure(n: int, idiomatic_weeks: int, full_weeks: int = 52) -> dict:
    sc = Scenario().with_overrides({"population.size": n, "process.horizon_weeks": full_weeks})
    t0 = time.perf_counter()
    model = build_model(sc, "cocreate_sortition", 0)
    build = time.perf_counter() - t0
    signals = np.random.default_rng(1).normal(0.0, 0.01, size=full_weeks + 2)
    media = sc.awareness.media_reach
    core_weeks = 10
    core = min(vectorised_core(model, signals, core_weeks, media)[0] for _ in range(3))
    t0 = time.perf_counter()
    model.run_for(full_weeks)
    full = time.perf_counter() - t0
    row = {"citizens": n, "build_s": build, "core_rate": n * core_weeks / core,
           "full_rate": n * full_weeks / (full - model.draw_seconds), "draw_s": model.draw_seconds,
           "full_52w_s": full, "note": model.selection_note}
    if idiomatic_weeks:
        ref = build_model(sc, "cocreate_sortition", 0)
        t0 = time.perf_counter()
        mesa_model = IdiomaticModel(ref.pop.weights, ref.pop.trust, signals, ref.news, sc, media)
        row["mesa_build_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        mesa_model.run_for(idiomatic_weeks)
        row["mesa_rate"] = n * idiomatic_weeks / (time.perf_counter() - t0)
        _, trust = vectorised_core(ref, signals, idiomatic_weeks, media)
        trust_mesa = np.array([c.trust for c in mesa_model.citizens])
        row["max_abs_diff"] = float(np.abs(trust_mesa - trust).max())
        row["core_vs_mesa"] = row["core_rate"] / row["mesa_rate"]
        row["full_vs_mesa"] = row["full_rate"] / row["mesa_rate"]
    return row


def national_child(n: int) -> None:
    """Fresh process: build and run n citizens (a national institution) x 52 weeks; print timings and peak RSS."""
    t0 = time.perf_counter()
    sc = Scenario().with_overrides({"population.size": n, "process.horizon_weeks": 52,
                                    "institution.level": "national"})
    model = build_model(sc, "cocreate_sortition", 0)
    built = time.perf_counter() - t0
    model.run_for(52)
    model.series()
    model.summary()
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux -> MiB
    print(json.dumps({"wall_s": wall, "build_s": built, "run_s": wall - built, "draw_s": model.draw_seconds,
                      "peak_rss_mib": rss, "rate": n * 52 / max(1e-9, wall - built - model.draw_seconds)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the national run")
    parser.add_argument("--national", type=int, default=10_000_000, help="citizens in the national run")
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        national_child(args.child)
        return
    plan = [(10_000, 4), (100_000, 2)]
    print(f"{'citizens':>9} {'core/s':>10} {'model/s':>10} {'mesa/s':>9} {'core/mesa':>9} {'model/mesa':>10}"
          f" {'same?':>9} {'draw s':>7} {'52 wk s':>8}")
    rows = []
    for n, mesa_weeks in plan:
        r = measure(n, mesa_weeks)
        rows.append(r)
        print(f"{n:>9} {r['core_rate']:>10.3g} {r['full_rate']:>10.3g} {r.get('mesa_rate', float('nan')):>9.3g} "
              f"{r.get('core_vs_mesa', float('nan')):>9.0f}x {r.get('full_vs_mesa', float('nan')):>9.0f}x "
              f"{r.get('max_abs_diff', float('nan')):>9.1e} {r['draw_s']:>7.2f} {r['full_52w_s']:>8.2f}", flush=True)
    print("core = bare weekly update of the public; model = full EngagementModel (cocreate_sortition) incl. agents,")
    print("  events and data collection, excluding the one-off recruitment + selection.select draw ('draw s'); '52 wk")
    print("  s' = whole run incl. the draw; mesa = one FixedAgent per citizen on discrete_space.Network, cached")
    print("  neighbour lists, math scalars, staged activation; same? = max |trust difference| after the same weeks")
    big = rows[-1]
    print(f"targets at 1e5: model {big['full_rate']:.3g} citizen-steps/s (>= 1e7: "
          f"{'meets' if big['full_rate'] >= 1e7 else 'MISSES'}); model/mesa {big['full_vs_mesa']:.0f}x (>= 50x: "
          f"{'meets' if big['full_vs_mesa'] >= 50 else 'MISSES'})")
    if not args.quick:
        out = subprocess.run([sys.executable, __file__, "--child", str(args.national)], capture_output=True,
                             text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        ok = r["wall_s"] < 180 and r["peak_rss_mib"] < 12 * 1024
        print(f"national run, {args.national:.0e} citizens x 52 weeks (fresh process): {r['wall_s']:.1f} s in all "
              f"(build {r['build_s']:.1f} s, 52 weeks {r['run_s']:.1f} s of which draw {r['draw_s']:.1f} s; "
              f"{r['rate']:.3g} citizen-steps/s), peak RSS {r['peak_rss_mib'] / 1024:.2f} GiB -> "
              f"{'meets' if ok else 'MISSES'} the < 180 s, < 12 GiB goal")


if __name__ == "__main__":
    main()
