"""The channel decomposition: with every channel off trust does not move; the channels' contributions add up
to the total effect of a strategy (against inform) within Monte Carlo error; and a world with no process and only
news has no drift (the stationary baseline)."""

import numpy as np
import pytest

from sim import Scenario, run
from sim.channels import CHANNELS, contributions, decompose

SMALL = Scenario().with_overrides({"population.size": 800, "engagement.panel_size": 24,
                                   "process.horizon_weeks": 60})
SEEDS = range(4)


@pytest.mark.parametrize("strategy", ["cocreate_sortition", "captured"])
def test_with_every_channel_off_trust_does_not_move(strategy):
    r = run(SMALL, strategy, 0, channels=())
    assert r.summary["trust_change"] == 0.0 and (r.series["trust"] == r.series["trust"].iloc[0]).all()
    assert r.summary["decision_week"] == run(SMALL, strategy, 0).summary["decision_week"]  # same process


@pytest.mark.parametrize("strategy", ["cocreate_sortition", "consult_ignore", "captured"])
def test_channel_contributions_add_up_to_the_total_effect_against_inform(strategy):
    """Per seed: effect = trust change(strategy) - trust change(inform); contribution of channel c = the same
    difference with only c on (minus all off). Sum over channels vs the effect: the residual (interaction) must be
    within Monte Carlo error of zero (3 standard errors of the effect over seeds) and small beside the channels'
    gross flows (the sum of their absolute contributions), which must be real (not a decomposition of nothing)."""
    effects, sums, gross = [], [], []
    for seed in SEEDS:
        a, b = decompose(SMALL, strategy, seed), decompose(SMALL, "inform", seed)
        effects.append(a["trust_change"] - b["trust_change"])
        ca, cb = contributions(a), contributions(b)
        sums.append(sum(ca[c] - cb[c] for c in CHANNELS))
        gross.append(sum(abs(ca[c] - cb[c]) for c in CHANNELS))
    effects, sums, gross = np.array(effects), np.array(sums), np.array(gross)
    residual = effects - sums
    se = effects.std(ddof=1) / np.sqrt(len(effects))
    assert abs(residual.mean()) <= 3 * se + 1e-4, (effects, sums)
    assert np.abs(residual).max() <= 0.1 * gross.mean(), (effects, sums, gross)
    assert gross.min() > 0.005  # every seed decomposes channels that really moved trust


def test_a_world_with_news_and_no_process_has_no_drift():
    sc = SMALL.with_overrides({"trust.news_sd": 0.01, "process.horizon_weeks": 52})
    drift = np.array([run(sc, "status_quo", s).summary["trust_change"] for s in range(24)])
    se = drift.std(ddof=1) / np.sqrt(len(drift))
    assert se > 0 and abs(drift.mean()) < 3 * se  # zero-mean news moves trust both ways, no downward drift
    quiet = run(sc.with_overrides({"trust.news_sd": 0.0}), "status_quo", 0).series["trust"]
    assert np.allclose(quiet, quiet.iloc[0], atol=1e-15)  # nothing happens: nothing changes


def test_news_alone_moves_every_strategy_alike():
    """The news channel is exogenous: with only news on, every strategy's trust path is the same."""
    paths = [run(SMALL, s, 2, channels=("news",)).series["trust"].to_numpy()
             for s in ("inform", "cocreate_sortition", "captured")]
    assert np.allclose(paths[0], paths[1]) and np.allclose(paths[0], paths[2])
    assert np.ptp(paths[0]) > 0
