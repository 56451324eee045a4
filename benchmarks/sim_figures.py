"""The engagement model's headline figures at the baseline scenario, paired over seeds (common random numbers).

    .venv/bin/python benchmarks/sim_figures.py [--seeds 10] [--population 2000]

Prints, as mean paired differences with a 95% t interval over the seeds (trust on the 0-1 scale, shown in
percentage points = x100):
- the channel decomposition (sim/channels.py) vs inform of co-creation (sortition) at the default authenticity and
  honoured (authenticity 1), and of captured;
- consult-and-ignore vs inform under an opaque (transparency 0.2) and a transparent (0.8) process;
- captured vs inform; honoured co-creation (authenticity 1) vs inform;
- the drift of a world with no process (status_quo, news only) over 52 weeks;
- the change of the education trust gap under co-creation vs inform, and the gain among low- vs high-trust citizens.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim import Scenario, run  # noqa: E402
from sim.channels import CHANNELS, contributions, decompose  # noqa: E402


def interval(x) -> str:
    x = np.asarray(x, dtype=float) * 100
    m = x.mean()
    h = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)) if len(x) > 1 else float("nan")
    return f"{m:+.2f} pp [{m - h:+.2f}, {m + h:+.2f}]"


def paired(sc: Scenario, a: str, b: str, seeds, metric: str = "trust_change", sb: Scenario | None = None):
    return [run(sc, a, s).summary[metric] - run(sb or sc, b, s).summary[metric] for s in seeds]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--population", type=int, default=2000)
    args = ap.parse_args()
    start = time.perf_counter()
    sc = Scenario().with_overrides({"population.size": args.population})
    seeds = range(args.seeds)
    print(f"baseline scenario, {args.population} citizens, {sc.process.horizon_weeks} weeks, seeds 0..{args.seeds - 1}")
    honoured = sc.with_overrides({"engagement.authenticity": 1.0})
    for label, strategy, world in (("cocreate_sortition", "cocreate_sortition", sc),
                                   ("honoured cocreate_sortition (authenticity 1)", "cocreate_sortition", honoured),
                                   ("captured", "captured", sc)):
        rows = [(decompose(world, strategy, s), decompose(world, "inform", s)) for s in seeds]
        total = [a["trust_change"] - b["trust_change"] for a, b in rows]
        print(f"\n{label} vs inform, mean trust change: {interval(total)}; honour share "
              f"{np.mean([a['honour_share'] for a, _ in rows]):.2f}")
        parts = {c: [contributions(a)[c] - contributions(b)[c] for a, b in rows] for c in (*CHANNELS, "interaction")}
        for c, v in parts.items():
            print(f"  {c:12s} {interval(v)}")
    print()
    for t in (0.2, 0.8):
        s = sc.with_overrides({"engagement.transparency": t})
        print(f"consult_ignore vs inform, transparency {t}: {interval(paired(s, 'consult_ignore', 'inform', seeds))}")
    print(f"captured vs inform: {interval(paired(sc, 'captured', 'inform', seeds))}")
    h = sc.with_overrides({"engagement.authenticity": 1.0})
    print(f"honoured cocreate_sortition vs inform: {interval(paired(h, 'cocreate_sortition', 'inform', seeds))}")
    print(f"cocreate_sortition vs inform (authenticity {sc.engagement.authenticity}): "
          f"{interval(paired(sc, 'cocreate_sortition', 'inform', seeds))}")
    quiet = sc.with_overrides({"process.horizon_weeks": 52})
    drift = [run(quiet, "status_quo", s).summary for s in seeds]
    print(f"status_quo (news only) over 52 weeks: mean trust {interval([d['trust_change'] for d in drift])}, "
          f"share trusting {interval([d['trust_share_change'] for d in drift])}")
    gap = sc.selection.gap_feature
    print(f"{gap} trust gap change, cocreate_sortition - inform: "
          f"{interval(paired(sc, 'cocreate_sortition', 'inform', seeds, 'trust_gap_change'))}")
    lo = paired(h, "cocreate_sortition", "inform", seeds, "trust_change_low_prior")
    hi = paired(h, "cocreate_sortition", "inform", seeds, "trust_change_high_prior")
    print(f"honoured co-creation's gain over inform, low prior trust: {interval(lo)}; high: {interval(hi)}")
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
