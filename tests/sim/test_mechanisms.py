"""Mechanisms in isolation: trust asymmetry, deliberation, representativeness, spillover, lobbying, obstruction,
the network."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim import mechanisms as mech
from sim.population import homophilous_network

unit = st.floats(0.0, 1.0, allow_nan=False)


@settings(deadline=None)
@given(arrays(float, 20, elements=unit), st.floats(-1, 1), st.floats(1, 5))
def test_asymmetric_update_stays_in_unit_interval(trust, signal, loss):
    out = mech.asymmetric_update(trust, signal, loss)
    assert np.all((out >= 0) & (out <= 1))
    if signal >= 0:
        assert np.all(out >= trust - 1e-12)
    else:
        assert np.all(out <= trust + 1e-12)


@settings(deadline=None)
@given(st.floats(0.01, 0.3), st.floats(1.01, 5))
def test_losses_weigh_more_than_gains(s, loss):
    t = np.array([0.5])
    gain = mech.asymmetric_update(t, s, loss)[0] - 0.5
    drop = 0.5 - mech.asymmetric_update(t, -s, loss)[0]
    assert drop > gain > 0


@settings(max_examples=50, deadline=None)
@given(arrays(float, st.integers(2, 40), elements=unit), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1),
       st.integers(2, 8), st.integers(0, 10_000))
def test_deliberation_contracts_spread_within_each_table(op, eps, rate, pooling, table_size, seed):
    kn = np.random.default_rng(seed).random((len(op), 3))
    new_op, new_kn, table = mech.deliberate(op, kn, np.random.default_rng(seed), table_size=table_size,
                                            epsilon=eps, rate=rate, pooling=pooling)
    for t in np.unique(table):
        idx = table == t
        assert np.ptp(new_op[idx]) <= np.ptp(op[idx]) + 1e-12
        assert new_op[idx].min() >= op[idx].min() - 1e-12 and new_op[idx].max() <= op[idx].max() + 1e-12
        assert np.all(new_kn[idx] >= kn[idx] - 1e-12)
        assert np.all(new_kn[idx] <= kn[idx].max(axis=0) + 1e-12)


def test_open_minded_table_reaches_consensus_and_closed_one_does_not_move():
    x = np.array([0.1, 0.3, 0.6, 0.9])
    assert np.ptp(mech.bounded_confidence_table(x, 1.0, 1.0)) < 1e-12
    assert np.allclose(mech.bounded_confidence_table(x, 0.05, 1.0), x)  # nobody within the bound


def test_wider_openness_contracts_more():
    rng = np.random.default_rng(1)
    x = rng.random(6)
    narrow = np.ptp(mech.bounded_confidence_table(x, 0.1, 0.5))
    wide = np.ptp(mech.bounded_confidence_table(x, 0.6, 0.5))
    assert wide < narrow <= np.ptp(x)


def test_representativeness_and_like_me():
    codes = {"sex": np.array([0, 0, 1, 1]), "edu": np.array([0, 1, 0, 1])}
    sizes = {"sex": 2, "edu": 2}
    pop = mech.composition(codes, np.arange(4), sizes)
    same = mech.composition(codes, np.array([0, 3]), sizes)
    skew = mech.composition(codes, np.array([0, 1]), sizes)
    assert mech.representativeness(same, pop) == 1.0
    assert mech.representativeness(skew, pop) == 0.75
    like = mech.like_me(codes, skew, pop)
    assert np.all((like >= 0) & (like <= 1))
    assert like[0] > like[3]  # person 0 (sex 0) is like the all-sex-0 panel, person 3 is not
    assert np.allclose(mech.like_me(codes, same, pop), 1.0)


@settings(deadline=None)
@given(arrays(float, 10, elements=unit), arrays(float, 10, elements=unit), st.floats(0, 1), unit)
def test_spillover_is_zero_without_transparency_and_awareness(like, wom, rep, honour):
    zero = np.zeros(10)
    for aw, tr in ((zero, 0.0), (zero, 0.7)):
        signal, legit = mech.spillover(aw, tr, like, rep, promise=1.0, honour_share=honour, gain=0.1, backfire=0.1,
                                       bias_sensitivity=3.0, word_of_mouth=wom)
        assert np.all(signal == 0) and np.all(legit == 0)
    signal, legit = mech.spillover(np.ones(10), 0.0, like, rep, promise=1.0, honour_share=honour, gain=0.1,
                                   backfire=0.1, bias_sensitivity=3.0)
    assert np.all(signal == 0) and np.all(legit == 0)


def test_spillover_falls_with_bias_and_backfires_when_ignored():
    aw, like = np.ones(3), np.ones(3)
    kw = dict(promise=1.0, gain=0.1, backfire=0.1, bias_sensitivity=3.0)
    fair, _ = mech.spillover(aw, 0.8, like, 1.0, honour_share=1.0, **kw)
    biased, _ = mech.spillover(aw, 0.8, like, 0.8, honour_share=1.0, **kw)
    ignored, _ = mech.spillover(aw, 0.8, like, 1.0, honour_share=0.0, **kw)
    assert np.all(fair > biased) and np.all(biased > 0) and np.all(ignored < 0)


@settings(deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0.01, 1), st.floats(1, 5))
def test_transparency_blunts_lobby_pressure(t1, t2, blunting, access):
    lo, hi = sorted((t1, t2))
    b = np.array([1.0, 0.5])
    assert mech.lobby_pressure(b, hi, blunting, access) <= mech.lobby_pressure(b, lo, blunting, access)
    assert 0 <= mech.lobby_capture(mech.lobby_pressure(b, lo, blunting, access), 0.5) < 1


def test_left_out_stakeholders_obstruct_more():
    power, pos = np.array([0.8, 0.4]), np.array([0.1, 0.9])
    out = mech.obstruction(power, pos, np.array([False, False]), 0.5, tolerance=0.1, included_factor=0.3)
    inside = mech.obstruction(power, pos, np.array([True, True]), 0.5, tolerance=0.1, included_factor=0.3)
    assert np.all(out > inside) and np.all(inside > 0)
    near = mech.obstruction(power, pos, np.array([False, False]), 0.1, tolerance=0.1, included_factor=0.3)
    assert near[0] == 0.0


def test_social_smoothing_keeps_baselines_and_spreads_changes():
    w = homophilous_network(np.zeros(50, dtype=int), 4, 0.0, 1.0, np.random.default_rng(0))
    anchor = np.random.default_rng(1).random(50)
    assert np.allclose(mech.social_smoothing(anchor, anchor, w, 0.5), anchor)  # no collapse to consensus
    bumped = anchor.copy()
    bumped[0] += 0.1
    out = mech.social_smoothing(bumped, anchor, w, 0.5)
    neighbours = w[0].indices
    assert np.all(out[neighbours] > anchor[neighbours])


def test_network_is_row_stochastic_symmetric_and_homophilous():
    rng = np.random.default_rng(3)
    group = rng.integers(0, 5, 3000)
    w = homophilous_network(group, 8, 0.1, 0.9, np.random.default_rng(4))
    assert np.allclose(np.asarray(w.sum(axis=1)).ravel(), 1.0)
    pattern = (w > 0).astype(int)
    assert (pattern != pattern.T).nnz == 0 and w.diagonal().sum() == 0
    coo = w.tocoo()
    same = np.mean(group[coo.row] == group[coo.col])
    rnd = homophilous_network(group, 8, 0.1, 0.0, np.random.default_rng(4)).tocoo()
    assert same > 0.6 > np.mean(group[rnd.row] == group[rnd.col])


@settings(max_examples=30, deadline=None)
@given(st.floats(-0.5, 0.5), st.booleans(), st.integers(0, 1000))
def test_weekly_update_equals_its_parts(signal, per_citizen, seed):
    rng = np.random.default_rng(seed)
    n = 200
    w = homophilous_network(rng.integers(0, 3, n), 6, 0.2, 0.5, rng)
    trust, anchor, aw = rng.random(n), rng.random(n), rng.random(n)
    s = signal * rng.random(n) if per_citizen else signal
    t, a = mech.weekly_update(trust, anchor, aw, s, w, loss_aversion=2.0, social_weight=0.3, media=0.05,
                              word_of_mouth=0.2, decay=0.01)
    expected_t = mech.social_smoothing(mech.asymmetric_update(trust, s, 2.0), anchor, w, 0.3)
    hazard = 0.05 + 0.2 * (w @ aw)
    expected_a = np.clip(aw + (1 - aw) * (1 - np.exp(-hazard)) - 0.01 * aw, 0, 1)
    assert np.allclose(t, expected_t, atol=1e-12) and np.allclose(a, expected_a, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(arrays(float, st.tuples(st.integers(1, 12), st.integers(1, 5)), elements=unit), unit)
def test_pooled_quality_weighs_breadth_against_depth(knowledge, weight):
    q = mech.pooled_quality(knowledge, weight)
    breadth, depth = knowledge.max(axis=0).mean(), knowledge.mean()
    assert min(breadth, depth) - 1e-12 <= q <= max(breadth, depth) + 1e-12
    assert mech.pooled_quality(knowledge, 1.0) == breadth and mech.pooled_quality(knowledge, 0.0) == depth
    assert mech.pooled_quality(knowledge[:0], weight) == 0.0
