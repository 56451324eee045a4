"""Where a result comes from: the channel decomposition of a run.

The model's trust signals come through five channels (`sim.mechanisms.CHANNELS`):

- ``outcome``: favourability of the decision against the published draft (everyone);
- ``procedure``: voice (participants honoured or ignored, sessions), feeling heard feeding trust, the public's
  "people like me" legitimacy spillover, backfire, word of mouth, lobbyists seen shaping the decision;
- ``exposure``: hidden capture or ignored input coming out (leaks, media, the panel speaking out);
- ``delivery``: solution quality at delivery, delay while overdue;
- ``news``: exogenous news (and a crisis shock).

A run with only channel c switched on, minus the run with every channel off, under the same seed (common random
numbers: same population, network, news, draws), is c's contribution. Everything that does not go through trust
(who takes part, deliberation, the decision, implementation) runs identically in all of them, so with every
channel off trust does not move at all. Each channel's signal passes the asymmetric update separately
(`sim.mechanisms.weekly_update`), so within a week the channels add exactly; what remains, reported as
`interaction`, comes from later weeks' updates depending on the trust earlier channels left (headroom) and from
clipping at 0 and 1. The contributions add up to the total effect within Monte Carlo error - tested in
tests/sim/test_channels.py.

Output keys are ``"<metric>@<channel>"`` (and ``@interaction``), the convention `sim.sweep.analysis.decomposition`
reads: a sweep of `sim.sweep_model.ScenarioModel(decompose=True)` shows them in `cocreate analyse`.
"""

from __future__ import annotations

from sim.mechanisms import CHANNELS
from sim.runner import run
from sim.scenario import Scenario

#: The outcomes decomposed by default (those that move with trust).
DECOMPOSED = ("trust_change", "trust_share_change", "trust_change_low_prior", "trust_change_high_prior",
              "support_final")

#: How `cocreate analyse` and the notebook group the channels (the issue's four, exposure apart).
GROUPS = {"outcome": ("outcome",), "procedure": ("procedure",), "exposure": ("exposure",),
          "delivery": ("delivery",), "news": ("news",)}


def decompose(scenario: Scenario, strategy: str, seed: int, *, population: int | None = None,
              metrics: tuple[str, ...] = DECOMPOSED) -> dict[str, float]:
    """The full run's summary plus, for every metric, each channel's contribution ``metric@channel`` (only that
    channel on, minus all off) and ``metric@interaction`` (full - all off - sum of the contributions)."""
    full = run(scenario, strategy, seed, population=population).summary
    none = run(scenario, strategy, seed, population=population, channels=()).summary
    out = dict(full)
    total = {m: 0.0 for m in metrics}
    for channel in CHANNELS:
        only = run(scenario, strategy, seed, population=population, channels=(channel,)).summary
        for m in metrics:
            out[f"{m}@{channel}"] = only[m] - none[m]
            total[m] += only[m] - none[m]
    for m in metrics:
        out[f"{m}@interaction"] = full[m] - none[m] - total[m]
    return out


def contributions(summary: dict[str, float], metric: str = "trust_change") -> dict[str, float]:
    """The ``metric@channel`` entries of a decomposed summary, by channel (interaction last)."""
    return {c: summary[f"{metric}@{c}"] for c in (*CHANNELS, "interaction") if f"{metric}@{c}" in summary}


__all__ = ["CHANNELS", "DECOMPOSED", "GROUPS", "contributions", "decompose"]
