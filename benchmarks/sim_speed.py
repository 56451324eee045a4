"""Speed of the engagement model: citizen-steps per second, against idiomatic Mesa measured in the same run.

    .venv/bin/python benchmarks/sim_speed.py            # 1e4, 1e5, 1e6 citizens + the 1e6 x 52-week check
    .venv/bin/python benchmarks/sim_speed.py --quick    # 1e4 and 1e5 only

What is compared (the same weekly update of the public, on the same network and the same news):
  * vectorised: `sim.EngagementModel`, NumPy state and a SciPy CSR network inside `Model.step()`; both the
    bare weekly update (no events) and the full model (events: panel draw, deliberation, decision, data
    collection) are timed;
  * idiomatic Mesa: one `FixedAgent` per citizen on a `mesa.discrete_space.Network` (layout=None), staged
    activation (`agents.do`) computing the same asymmetric trust update, Friedkin-Johnsen smoothing over
    neighbours and word-of-mouth awareness. The benchmark checks that both give the same trust (max abs diff).

Targets (issue 5): >= 1e7 citizen-steps/s at 1e5 citizens; >= 50x the idiomatic baseline; a 1e6-citizen,
52-week run (population build included) in < 60 s and < 4 GiB peak RSS (measured in a fresh subprocess).
No data from ../shared is needed.
"""

from __future__ import annotations

import argparse
import json
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
    """One citizen as a Python object (the idiomatic Mesa way)."""

    def __init__(self, model, cell, trust, anchor, awareness):
        super().__init__(model)
        self.cell = cell
        self.trust, self.anchor, self.awareness = trust, anchor, awareness
        self._t1 = self._d = self._aw = 0.0

    def _neighbours(self):
        return list(self.cell.neighborhood.agents)

    def react(self):  # stage 1: asymmetric response to this week's signal
        s, t = self.model.signal, self.trust
        t1 = t + (s * (1.0 - t) if s >= 0 else self.model.loss * s * t)
        self._t1 = min(1.0, max(0.0, t1))

    def influence(self):  # stage 2: neighbours' changes and awareness (read only)
        nbs = self._neighbours()
        d = self._t1 - self.anchor
        mean_d = sum(a._t1 - a.anchor for a in nbs) / len(nbs)
        self._d = d + self.model.social * (mean_d - d)
        mean_aw = sum(a.awareness for a in nbs) / len(nbs)
        hazard = self.model.media + self.model.wom * mean_aw
        aw = self.awareness
        self._aw = aw + (1.0 - aw) * (1.0 - np.exp(-hazard)) - self.model.decay * aw

    def commit(self):  # stage 3: synchronous update
        self.trust = min(1.0, max(0.0, self.anchor + self._d))
        self.awareness = min(1.0, max(0.0, self._aw))


class IdiomaticModel(mesa.Model):
    """The same weekly update with one agent per citizen, staged activation."""

    def __init__(self, weights, trust, anchor, news, sc: Scenario, rng=0):
        super().__init__(rng=rng)
        graph = nx.Graph()
        graph.add_nodes_from(range(len(trust)))
        coo = weights.tocoo()
        graph.add_edges_from(zip(coo.row.tolist(), coo.col.tolist(), strict=True))
        self.grid = Network(graph, capacity=1, random=self.random, layout=None)
        cells = self.grid.all_cells.cells
        for i, cell in enumerate(cells):
            Citizen(self, cell, float(trust[i]), float(anchor[i]), 0.0)
        self.news, self.loss = news, sc.trust.loss_aversion
        self.social, self.wom, self.decay = sc.trust.social_weight, sc.awareness.word_of_mouth, sc.awareness.decay
        self.media, self.signal = 0.0, 0.0

    def step(self):
        self.signal = float(self.news[int(round(self.time))])
        for stage in ("react", "influence", "commit"):
            self.agents.do(stage)


def vectorised_core(model, weeks: int) -> float:
    """The bare weekly update the model runs in `step()` (`sim.mechanisms.weekly_update`, same equations as the
    idiomatic agents), on the model's arrays; returns seconds."""
    sc = model.cfg
    w, anchor = model.pop.weights, model.pop.trust
    trust, aw = model.trust.copy(), model.awareness.copy()
    start = time.perf_counter()
    for week in range(1, weeks + 1):
        trust, aw = weekly_update(trust, anchor, aw, model.news[week], w, loss_aversion=sc.trust.loss_aversion,
                                  social_weight=sc.trust.social_weight, media=0.0,
                                  word_of_mouth=sc.awareness.word_of_mouth, decay=sc.awareness.decay)
    elapsed = time.perf_counter() - start
    model._core_trust = trust
    return elapsed


def measure(n: int, idiomatic_weeks: int, full_weeks: int = 52) -> dict:
    sc = Scenario().with_overrides({"population.size": n})
    t0 = time.perf_counter()
    model = build_model(sc, "cocreate_sortition", 0)
    build = time.perf_counter() - t0
    core_weeks = 10
    core = min(vectorised_core(model, core_weeks) for _ in range(3))
    t0 = time.perf_counter()
    model.run_for(full_weeks)
    full = time.perf_counter() - t0
    row = {"citizens": n, "build_s": build, "core_rate": n * core_weeks / core,
           "full_rate": n * full_weeks / (full - model.draw_seconds), "draw_s": model.draw_seconds,
           "full_52w_s": full, "note": model.selection_note}
    if idiomatic_weeks:
        ref = build_model(sc, "cocreate_sortition", 0)
        t0 = time.perf_counter()
        mesa_model = IdiomaticModel(ref.pop.weights, ref.pop.trust, ref.pop.trust, ref.news, sc)
        row["mesa_build_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        mesa_model.run_for(idiomatic_weeks)
        row["mesa_rate"] = n * idiomatic_weeks / (time.perf_counter() - t0)
        vectorised_core(ref, idiomatic_weeks)
        trust_mesa = np.array([a.trust for a in mesa_model.agents])
        row["max_abs_diff"] = float(np.abs(trust_mesa - ref._core_trust).max())
        row["core_vs_mesa"] = row["core_rate"] / row["mesa_rate"]
        row["full_vs_mesa"] = row["full_rate"] / row["mesa_rate"]
    return row


def one_million_child() -> None:
    """Fresh process: build and run 1e6 citizens x 52 weeks; print wall time and peak RSS as JSON."""
    t0 = time.perf_counter()
    sc = Scenario().with_overrides({"population.size": 1_000_000})
    model = build_model(sc, "cocreate_sortition", 0)
    model.run_for(52)
    model.series()
    model.summary()
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux -> MiB
    print(json.dumps({"wall_s": wall, "peak_rss_mib": rss}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip 1e6")
    parser.add_argument("--child-1e6", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_1e6:
        one_million_child()
        return
    plan = [(10_000, 4), (100_000, 2)] + ([] if args.quick else [(1_000_000, 0)])
    print(f"{'citizens':>9} {'core/s':>10} {'model/s':>10} {'mesa/s':>9} {'core/mesa':>9} {'model/mesa':>10}"
          f" {'same?':>9} {'draw s':>7} {'52 wk s':>8}")
    for n, mesa_weeks in plan:
        r = measure(n, mesa_weeks)
        print(f"{n:>9} {r['core_rate']:>10.3g} {r['full_rate']:>10.3g} {r.get('mesa_rate', float('nan')):>9.3g} "
              f"{r.get('core_vs_mesa', float('nan')):>9.0f}x {r.get('full_vs_mesa', float('nan')):>9.0f}x "
              f"{r.get('max_abs_diff', float('nan')):>9.1e} {r['draw_s']:>7.2f} {r['full_52w_s']:>8.2f}", flush=True)
    print("core = bare weekly update of the public; model = full EngagementModel (cocreate_sortition) incl. events")
    print("  and data collection, excluding the one-off recruitment + selection.select draw ('draw s', leximin on")
    print("  the volunteer pool; a fixed cost per run whatever the population); '52 wk s' = whole run incl. the draw;")
    print("mesa = one Agent per citizen on discrete_space.Network (idiomatic), same update; same? = max |trust diff|")
    if not args.quick:
        out = subprocess.run([sys.executable, __file__, "--child-1e6"], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        ok = r["wall_s"] < 60 and r["peak_rss_mib"] < 4096
        print(f"1e6 citizens x 52 weeks (fresh process, incl. population build): {r['wall_s']:.1f} s, "
              f"peak RSS {r['peak_rss_mib']:.0f} MiB -> {'meets' if ok else 'MISSES'} the < 60 s, < 4 GiB target")


if __name__ == "__main__":
    main()
