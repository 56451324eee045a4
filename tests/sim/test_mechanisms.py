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


def test_competing_stakeholders_obstruct_more_than_collaborating_ones():
    power, pos = np.array([0.8, 0.4]), np.array([0.1, 0.9])
    compete = mech.obstruction(power, pos, np.array([1.0, 1.0]), 0.5, tolerance=0.1)
    collaborate = mech.obstruction(power, pos, np.array([0.3, 0.3]), 0.5, tolerance=0.1)
    assert np.all(compete > collaborate) and np.all(collaborate > 0)
    near = mech.obstruction(power, pos, np.array([1.0, 1.0]), 0.1, tolerance=0.1)
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
@given(st.floats(-0.5, 0.5), st.booleans(), st.floats(-0.05, 0.05), st.integers(0, 1000))
def test_weekly_update_equals_its_parts(signal, per_citizen, news, seed):
    rng = np.random.default_rng(seed)
    n = 200
    w = homophilous_network(rng.integers(0, 3, n), 6, 0.2, 0.5, rng)
    anchor, aw = rng.random(n), rng.random(n)
    own = (rng.random(n) - 0.5) * 0.2
    dev = np.clip(anchor + own, 0, 1) - anchor
    s = signal * rng.random(n) if per_citizen else signal
    e, d, a, t = mech.weekly_update(own, dev, anchor, news, aw, s, w, loss_aversion=2.0, social_weight=0.3,
                                    media=0.05, word_of_mouth=0.2, decay=0.01)
    level = np.clip(anchor + dev + news, 0, 1)
    expected_e = np.clip(anchor + own + mech.asymmetric_change(level, s, 2.0), 0, 1) - anchor
    expected_d = 0.3 * (w @ dev) + 0.7 * expected_e
    hazard = 0.05 + 0.2 * (w @ aw)
    expected_a = np.clip(aw + (1 - aw) * (1 - np.exp(-hazard)) - 0.01 * aw, 0, 1)
    assert np.allclose(e, expected_e, atol=1e-12) and np.allclose(d, expected_d, atol=1e-12)
    assert np.allclose(a, expected_a, atol=1e-12)
    assert np.allclose(t, np.clip(anchor + expected_d + news, 0, 1), atol=1e-12)
    e2, d2, _, _ = mech.weekly_update(own, dev, anchor, news, aw, None, w, loss_aversion=2.0, social_weight=0.3,
                                      media=0.05, word_of_mouth=0.2, decay=0.01)
    assert np.array_equal(e2, own)  # no signal: own experience unchanged


@settings(max_examples=30, deadline=None)
@given(st.floats(0.01, 0.3), st.floats(1.0, 4.0), st.integers(0, 1000))
def test_each_channel_passes_the_asymmetric_update_separately(size, aversion, seed):
    """A list of signals (one per channel) adds their asymmetric changes at the same trust: a gain through one
    channel and an equal loss through another leave a net loss when losses weigh more (loss aversion applies to
    each), where their sum passed as one signal cancels."""
    rng = np.random.default_rng(seed)
    n = 100
    w = homophilous_network(rng.integers(0, 3, n), 6, 0.2, 0.5, rng)
    anchor, aw = 0.2 + 0.6 * rng.random(n), rng.random(n)
    zero = np.zeros(n)
    kw = dict(loss_aversion=aversion, social_weight=0.0, media=0.0, word_of_mouth=0.0, decay=0.0)
    loss = -size * rng.random(n)
    both, _, _, _ = mech.weekly_update(zero, zero, anchor, 0.0, aw, [size, loss], w, **kw)
    expected = (mech.asymmetric_change(anchor, size, aversion) + mech.asymmetric_change(anchor, loss, aversion))
    assert np.allclose(both, np.clip(anchor + expected, 0, 1) - anchor, atol=1e-12)
    cancelled, _, _, _ = mech.weekly_update(zero, zero, anchor, 0.0, aw, [size, -size], w, **kw)
    netted, _, _, _ = mech.weekly_update(zero, zero, anchor, 0.0, aw, 0.0, w, **kw)
    assert np.allclose(netted, 0.0)
    # gain size*(1-T), loss aversion*size*T: a net loss wherever aversion*T > 1-T
    assert np.allclose(cancelled, np.clip(anchor + size * (1 - anchor) - aversion * size * anchor, 0, 1) - anchor)
    lossy = aversion * anchor > 1 - anchor + 0.01
    assert lossy.any() and np.all(cancelled[lossy] < 0)


def test_news_is_a_zero_mean_autoregressive_level():
    shocks = np.random.default_rng(0).normal(0, 1, size=(4000, 60))
    levels = np.array([mech.news_levels(s, 0.9) for s in shocks])
    assert np.all(levels[:, 0] == 0)
    assert np.allclose(levels[:, 5], sum(0.9 ** (5 - t) * shocks[:, t] for t in range(1, 6)))
    last = levels[:, -1]
    assert abs(last.mean()) < 4 * last.std() / np.sqrt(len(last))  # no drift
    assert abs(last.std() - 1 / np.sqrt(1 - 0.81)) < 0.15  # stationary sd of an AR(1)


def test_low_trust_weights_have_mean_one_and_favour_low_trust():
    prior = np.random.default_rng(2).random(500)
    w = mech.low_trust_weights(prior, 2.0)
    assert abs(w.mean() - 1) < 1e-12
    assert np.corrcoef(prior, w)[0, 1] < -0.8
    assert np.allclose(mech.low_trust_weights(prior, 0.0), 1.0)


@settings(deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_quality_of_co_creation_loses_on_a_simple_problem_and_gains_on_a_complex_one(panel_q, expertise, lay):
    alone = mech.institution_quality(0.0, expertise)
    assert alone == 1.0 and mech.joint_quality(panel_q, 0.0, expertise, lay) == 1.0 - lay
    hard = mech.joint_quality(panel_q, 1.0, expertise, lay)
    assert hard >= mech.institution_quality(1.0, expertise) - 1e-12  # pooled knowledge adds on the complex part
    gain = [mech.joint_quality(panel_q, c, expertise, lay) - mech.institution_quality(c, expertise)
            for c in np.linspace(0, 1, 11)]
    assert np.all(np.diff(gain) >= -1e-12)  # the more complex the problem, the more the panel adds


@settings(deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_honour_probability_falls_with_capture_challenge_and_cost(auth, capture, challenge, sens, cost):
    p = mech.honour_probabilities(auth, capture, challenge, np.array([cost, 1.0]), challenge_sensitivity=sens,
                                  cost_sensitivity=0.5)
    assert np.all((p >= 0) & (p <= auth + 1e-12))
    assert p[1] <= p[0] + 1e-12
    more = mech.honour_probabilities(auth, min(1, capture + 0.1), challenge, np.array([cost]),
                                     challenge_sensitivity=sens, cost_sensitivity=0.5)
    assert more[0] <= p[0] + 1e-12
    committed = mech.honour_probabilities(1.0, capture, challenge, np.array([cost]), challenge_sensitivity=sens,
                                          cost_sensitivity=0.5)
    assert np.isclose(committed[0], 1 - capture)  # a committed institution does not cherry-pick


def test_exposure_hazard_falls_with_transparency_and_rises_with_broken_promises():
    h = [mech.exposure_hazard(t, 0.03, 0.05, 0.5) for t in np.linspace(0, 1, 6)]
    assert np.all(np.diff(h) < 0) and h[-1] == 0.0
    assert mech.exposure_hazard(0.3, 0.03, 0.05, 1.0) > mech.exposure_hazard(0.3, 0.03, 0.05, 0.0) > 0


def test_learning_moves_views_toward_the_informed_position_in_proportion_to_what_was_learned():
    op = np.array([0.2, 0.8, 0.5])
    before = np.full((3, 4), 0.2)
    after = before.copy()
    after[0] = 0.6  # half of the missing knowledge resolved
    new = mech.learn_toward(op, before, after, informed=0.6, pull=0.5)
    assert np.isclose(new[0], 0.2 + 0.5 * 0.4 * 0.5) and np.allclose(new[1:], op[1:])


@settings(max_examples=30, deadline=None)
@given(arrays(float, st.tuples(st.integers(1, 12), st.integers(1, 5)), elements=unit), unit)
def test_pooled_quality_weighs_breadth_against_depth(knowledge, weight):
    q = mech.pooled_quality(knowledge, weight)
    breadth, depth = knowledge.max(axis=0).mean(), knowledge.mean()
    assert min(breadth, depth) - 1e-12 <= q <= max(breadth, depth) + 1e-12
    assert mech.pooled_quality(knowledge, 1.0) == breadth and mech.pooled_quality(knowledge, 0.0) == depth
    assert mech.pooled_quality(knowledge[:0], weight) == 0.0
