"""Emergent directions over 20+ seeds, as paired comparisons (common random numbers: each seed gives every
arm the same population, network, news and honour draws). Small populations keep this fast."""

import numpy as np
import pytest
from scipy import stats

from sim import Scenario, run

SEEDS = range(20)
BASE = Scenario().with_overrides({"population.size": 2000})


def paired(metric, arm_a, arm_b):
    """Per-seed differences a - b of `metric`; each arm is (scenario, strategy)."""
    a = np.array([run(arm_a[0], arm_a[1], s).summary[metric] for s in SEEDS])
    b = np.array([run(arm_b[0], arm_b[1], s).summary[metric] for s in SEEDS])
    return a - b


def assert_positive(d, min_share=0.8):
    """Mean paired difference > 0 with one-sided p < 0.01, and positive in at least `min_share` of seeds."""
    assert d.mean() > 0, d
    if np.ptp(d) > 0:
        assert stats.ttest_1samp(d, 0.0, alternative="greater").pvalue < 0.01, d
    assert np.mean(d > 0) >= min_share, d


def test_honoured_cocreation_raises_trust_more_than_inform():
    honoured = BASE.with_overrides({"engagement.authenticity": 1.0})
    assert_positive(paired("trust_change", (honoured, "cocreate_sortition"), (honoured, "inform")))


def test_consult_ignore_ends_below_inform():
    assert_positive(paired("trust_change", (BASE, "inform"), (BASE, "consult_ignore")), min_share=1.0)


def test_self_selected_panel_gives_less_spillover_legitimacy_than_sortition():
    d = paired("spillover_legitimacy", (BASE, "cocreate_sortition"), (BASE, "cocreate_volunteers"))
    assert_positive(d)
    rep = paired("panel_representativeness", (BASE, "cocreate_sortition"), (BASE, "cocreate_volunteers"))
    assert_positive(rep)


@pytest.mark.parametrize("strategy", ["inform", "cocreate_sortition"])
def test_transparency_lowers_lobby_influence(strategy):
    opaque = BASE.with_overrides({"engagement.transparency": 0.1})
    open_ = BASE.with_overrides({"engagement.transparency": 0.9})
    assert_positive(paired("lobby_influence", (opaque, strategy), (open_, strategy)), min_share=1.0)


def test_excluding_a_powerful_stakeholder_delays_implementation():
    powerful = max(BASE.stakeholders, key=lambda s: s.power).name
    excluded = BASE.with_overrides({f"stakeholders.{powerful}.included": False})
    d = paired("time_to_implementation", (excluded, "cocreate_sortition"), (BASE, "cocreate_sortition"))
    assert_positive(d, min_share=0.9)
