"""Who takes part: recruitment, quotas cut to the pool, the sortition and self-selected panels."""

import numpy as np
import pytest

from sim import Scenario
from sim.panel import consultation_respondents, quotas_for, recruit_pool, sortition_panel, volunteer_panel
from sim.runner import population_for

SC = Scenario().with_overrides({"population.size": 3000})


@pytest.mark.parametrize("seed", range(4))
def test_quotas_cut_to_the_pool_are_feasible_per_feature(seed):
    pop = population_for(SC, seed)
    pool = recruit_pool(pop, 4000, np.random.default_rng(seed))
    k = 40
    rows = quotas_for(pop, SC.selection.features, k, 0.1, pool)
    for f in SC.selection.features:
        mine = [(v, lo, hi) for g, v, lo, hi in rows if g == f]
        avail = dict(zip(pop.labels[f], np.bincount(pop.codes[f][pool], minlength=len(pop.labels[f])), strict=True))
        assert sum(lo for _, lo, _ in mine) <= k <= sum(hi for _, _, hi in mine)
        assert all(0 <= lo <= hi <= avail[v] for v, lo, hi in mine)


def test_uncut_quotas_follow_population_shares():
    pop = population_for(SC, 0)
    for f, v, lo, hi in quotas_for(pop, SC.selection.features, 50, 0.2):
        share = np.mean(pop.labels[f][pop.codes[f]] == v)
        assert lo <= 50 * share <= hi


@pytest.mark.parametrize("seed", range(3))
def test_sortition_panel_is_k_distinct_volunteers(seed):
    pop = population_for(SC, seed)
    panel, note = sortition_panel(pop, SC, np.random.default_rng(seed))
    assert len(panel) == len(set(panel)) == SC.engagement.panel_size
    assert note.startswith(("selection:", "volunteers"))
    again, _ = sortition_panel(pop, SC, np.random.default_rng(seed))
    assert np.array_equal(panel, again)  # same stream, same panel


def test_self_selection_favours_high_propensity():
    pop = population_for(SC, 1)
    rng = np.random.default_rng(0)
    picks = np.concatenate([volunteer_panel(pop, 40, rng) for _ in range(20)])
    assert pop.propensity[picks].mean() > pop.propensity.mean()
    resp = consultation_respondents(pop, np.ones(pop.n), 0.2, rng)
    assert pop.propensity[resp].mean() > pop.propensity.mean()
    assert len(consultation_respondents(pop, np.zeros(pop.n), 0.2, rng)) == 0  # nobody unaware answers


@pytest.mark.parametrize("algorithm", ["leximin", "legacy"])
def test_sortition_uses_the_selection_engine_and_meets_quotas(algorithm):
    selection = pytest.importorskip("selection")
    if not hasattr(selection, "select"):
        pytest.skip("selection.select not available")
    sc = SC.with_overrides({"selection.algorithm": algorithm})
    pop = population_for(sc, 2)
    panel, note = sortition_panel(pop, sc, np.random.default_rng(2))
    assert note.startswith(f"selection:{algorithm}")
    pool = recruit_pool(pop, int(sc.engagement.letters_per_seat * sc.engagement.panel_size), np.random.default_rng(2))
    assert set(panel) <= set(pool)
    tol = sc.selection.quota_tolerance if not note.endswith("relaxed") else None
    if tol is not None:
        for f, v, lo, hi in quotas_for(pop, sc.selection.features, sc.engagement.panel_size, tol, pool):
            seats = int(np.sum(pop.labels[f][pop.codes[f][panel]] == v))
            assert lo <= seats <= hi, (f, v, lo, seats, hi)
