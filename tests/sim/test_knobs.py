"""Each engagement knob moves its outputs in the documented direction, paired, in every future tried: the defaults
and two parameter sets accepted by the calibration (points of the calibrated region), two seeds each."""

import numpy as np
import pytest

from sim import Scenario, run
from sim.calibration import load_accepted
from sim.runner import build_model

BASE = Scenario().with_overrides({"population.size": 1500})
REGION = [BASE] + [BASE.with_overrides({k: float(v) for k, v in row.items()})
                   for _, row in load_accepted().head(2).iterrows()]
SEEDS = range(2)


def mean_diff(metric, strategy, high: dict, low: dict):
    """Paired differences high - low over REGION x SEEDS (one per future)."""
    return np.array([run(base.with_overrides(high), strategy, s).summary[metric]
                     - run(base.with_overrides(low), strategy, s).summary[metric] for base in REGION for s in SEEDS])


@pytest.mark.parametrize("metric, high, low, sign", [
    ("solution_quality", {"engagement.facilitation": 1.0}, {"engagement.facilitation": 0.2}, 1),
    ("solution_quality", {"engagement.sessions": 12}, {"engagement.sessions": 2}, 1),
    ("solution_quality", {"engagement.online": True}, {"engagement.online": False}, -1),
    ("solution_quality", {"engagement.early_engagement": True}, {"engagement.early_engagement": False}, 1),
    ("time_to_implementation", {"engagement.political_buy_in": 0.9}, {"engagement.political_buy_in": 0.2}, -1),
    ("honour_share", {"engagement.authenticity": 1.0}, {"engagement.authenticity": 0.3}, 1),
    ("spillover_legitimacy", {"engagement.transparency": 0.9}, {"engagement.transparency": 0.2}, 1),
])
def test_knob_direction(metric, high, low, sign):
    d = sign * mean_diff(metric, "cocreate_sortition", high, low)
    assert d.mean() > 0 and np.all(d >= 0), d


def test_larger_panels_are_more_representative_and_know_more():
    big, small = {"population.size": 3000, "engagement.panel_size": 60}, {"population.size": 3000,
                                                                          "engagement.panel_size": 12}
    d_rep = mean_diff("panel_representativeness", "cocreate_volunteers", big, small)
    d_q = mean_diff("solution_quality", "cocreate_sortition", big, small)
    assert d_rep.mean() > 0 and d_q.mean() > 0


def test_crisis_shock_hits_every_strategy_alike_and_moves_online():
    crisis = BASE.with_overrides({"crisis.enabled": True, "crisis.week": 10, "crisis.trust_shock": -0.1})
    for strategy in ("inform", "cocreate_sortition"):
        calm = build_model(BASE, strategy, 1)
        hit = build_model(crisis, strategy, 1)
        calm.run_until(10)
        hit.run_until(10)
        drop = hit.trust.mean() - calm.trust.mean()
        assert drop < -0.03
        assert hit.online and not calm.online
    a = run(crisis, "cocreate_sortition", 1).summary
    b = run(BASE, "cocreate_sortition", 1).summary
    assert a["awareness_final"] > b["awareness_final"]  # wider reach online


@pytest.mark.parametrize("metric, high, low, sign", [
    ("panel_quality", {"deliberation.dropout": 0.25}, {"deliberation.dropout": 0.0}, -1),
    ("panel_learning", {"deliberation.learning_pull": 0.9}, {"deliberation.learning_pull": 0.1}, 1),
    ("exposures", {"engagement.transparency": 0.9}, {"engagement.transparency": 0.1}, -1),
])
def test_new_knob_direction(metric, high, low, sign):
    d = sign * mean_diff(metric, "cocreate_sortition", high, low)
    assert d.mean() > 0 and np.all(d >= 0), d


def test_the_institution_level_sets_the_baseline():
    for level, share in (("local", 0.45), ("national", 0.39)):
        sc = BASE.with_overrides({"institution.level": level})
        first = run(sc, "status_quo", 0).series.iloc[0]
        assert abs(first["trust_share"] - share) < 0.03, (level, first["trust_share"])
    own = BASE.with_overrides({"institution.level": "national", "population.baseline_trust": 0.6})
    assert abs(run(own, "status_quo", 0).series.iloc[0]["trust_share"] - 0.6) < 0.03


@pytest.mark.parametrize("point", range(len(REGION)))
def test_habituation_dampens_repeated_cycles(point):
    sc = REGION[point].with_overrides({"population.size": 1000, "engagement.panel_size": 12,
                                       "engagement.authenticity": 1.0, "process.horizon_weeks": 70})
    fresh, used = sc.with_overrides({"trust.habituation": 1.0}), sc.with_overrides({"trust.habituation": 0.2})
    d = np.array([run(fresh, "continuous", s).summary["spillover_legitimacy"]
                  - run(used, "continuous", s).summary["spillover_legitimacy"] for s in range(2)])
    assert np.all(d > 0), d


def test_a_more_representative_panel_pools_more_knowledge():
    """Lived experience differs by group: a sortition panel (quotas) covers every group's dimension of the problem
    with enough voices, a self-selected one under-covers the groups that volunteer less."""
    sc = BASE.with_overrides({"population.size": 5000})
    rows = [(run(sc, "cocreate_sortition", s).summary, run(sc, "cocreate_volunteers", s).summary) for s in range(4)]
    rep = np.array([a["panel_representativeness"] - b["panel_representativeness"] for a, b in rows])
    pooled = np.array([a["panel_quality"] - b["panel_quality"] for a, b in rows])
    assert np.all(rep > 0) and np.all(pooled > 0), (rep, pooled)
