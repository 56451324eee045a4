"""The mechanisms the talk's cases need (issue 15): each is off by default, does what docs/ODD.md §7.12-7.19 says,
and each test here fails if its mechanism is removed (the quantity it checks would not move, or not exist)."""

import numpy as np
import pytest

from sim import Scenario, run
from sim.alliance import Alliance
from sim.capacity import Capacity
from sim.formats import seat, voice, working_groups
from sim.mechanisms import form_tables
from sim.quality import MeetingLog, comaster, gini
from sim.readiness import apply_readiness, coserve_screen, readiness_score
from sim.runner import build_model
from sim.scenario import AllianceParams, CapacityParams, ScenarioError

SMALL = Scenario().with_overrides({"population.size": 1000, "process.horizon_weeks": 80})
ORGS = SMALL.with_overrides({"engagement.panel": "organisations"})


# ------------------------------------------------------------------------------------------------ defaults
def test_every_new_mechanism_is_off_by_default():
    sc = Scenario()
    assert not sc.alliance.enabled and not sc.capacity.enabled and not sc.readiness.enabled
    assert sc.users.share == 0 and sc.users.seats == 0
    assert sc.engagement.panel == "citizens" and sc.engagement.leaders_first == 0
    assert sc.deliberation.format == "world_cafe" and sc.deliberation.working_groups == 1
    assert sc.institution.deciders == 1
    assert apply_readiness(sc) is sc
    keys = run(SMALL, "cocreate_sortition", 0).summary
    assert not {"signatories_final", "capacity_final", "service_users_trust_change", "alignment_final",
                "readiness_score"} & set(keys)


def test_recommendations_go_up_to_the_conventions_149_and_beyond():
    sc = SMALL.with_overrides({"process.recommendations": 149})
    m = build_model(sc, "cocreate_sortition", 0)
    assert m.decision_uniforms.shape == (sc.process.horizon_weeks + 2, 149)
    assert Scenario().with_overrides({"process.recommendations": 1000}).process.recommendations == 1000
    with pytest.raises(ScenarioError, match="recommendations"):
        Scenario().with_overrides({"process.recommendations": 1001})


# ------------------------------------------------------------------------------------------------ alliance
def test_alliance_signatories_grow_faster_with_trust_and_stay_below_the_potential():
    p = AllianceParams(enabled=True, potential=300, founders=5)
    low, high = Alliance.start(p), Alliance.start(p)
    counts = []
    for _ in range(400):
        low.step(trust=0.2, obstruction=0.0)
        high.step(trust=0.9, obstruction=0.0)
        counts.append(high.signatories)
    assert np.all(np.diff(counts) >= 0) and counts[-1] <= 300
    assert high.signatories > low.signatories
    # the gap between pledge and outcome: only follow_through of the pledge is ever delivered, and late
    assert high.pledged == pytest.approx(p.target - p.baseline, rel=0.01)
    assert high.delivered < p.follow_through * high.pledged + 1e-9
    assert high.gap > 0
    full = Alliance.start(AllianceParams(enabled=True, follow_through=1.0, founders=320))
    for _ in range(3000):
        full.step(trust=1.0, obstruction=0.0)
    assert full.gap == pytest.approx(0.0, abs=1e-3)


def test_obstruction_slows_delivery():
    p = AllianceParams(enabled=True, founders=320)
    free, blocked = Alliance.start(p), Alliance.start(p)
    for _ in range(100):
        free.step(1.0, 0.0)
        blocked.step(1.0, 0.6)
    assert free.delivered > blocked.delivered > 0


def test_alliance_forms_only_where_organisations_are_at_the_table():
    sc = ORGS.with_overrides({"alliance.enabled": True})
    co, inform = run(sc, "cocreate_sortition", 0), run(sc, "inform", 0)
    assert co.summary["signatories_final"] > 10 and inform.summary["signatories_final"] == 0
    assert co.series["signatories"].is_monotonic_increasing
    assert co.summary["alliance_outcome_final"] > sc.alliance.baseline == inform.summary["alliance_outcome_final"]


# ------------------------------------------------------------------------------------------------ organisations
def test_an_organisations_panel_draws_no_citizens_and_decides_by_the_organisations():
    co = build_model(ORGS, "cocreate_sortition", 0)
    co.run_for(80)
    assert co.summary()["participants"] == 0 and co.org_panel
    citizens = build_model(SMALL, "cocreate_sortition", 0)
    citizens.run_for(80)
    assert citizens.summary()["participants"] > 0
    # the panel's quality is the value chain's pooled knowledge
    k = np.array([s.knowledge for s in ORGS.stakeholders])
    assert co.panel_qualities[0] == pytest.approx(1 - np.prod(1 - k))
    # organisations at the table converge (their positions' spread shrinks)
    start = np.std([s.position for s in ORGS.stakeholders])
    assert np.std([s.position for s in co.stakeholders]) < start


def test_working_groups_keep_organisations_apart():
    spreads = {}
    for groups in (1, 4):
        m = build_model(ORGS.with_overrides({"deliberation.working_groups": groups}), "cocreate_sortition", 0)
        m.run_for(80)
        spreads[groups] = np.std([s.position for s in m.stakeholders])
    assert spreads[4] > spreads[1]


def test_working_groups_split_citizens_evenly_and_seat_them_within_their_group():
    rng = np.random.default_rng(0)
    g = working_groups(50, 6, rng)
    assert set(g) == set(range(6)) and np.ptp(np.bincount(g)) <= 1
    tables = seat(rng.random(50), g, 6, "world_cafe", rng)
    for t in np.unique(tables):
        assert len(set(g[tables == t])) == 1  # a table never mixes working groups


# ------------------------------------------------------------------------------------------------ sequencing
def test_leaders_first_builds_the_leaders_trust_before_the_others_are_engaged():
    sc = SMALL.with_overrides({"engagement.leaders_first": 3, "process.framing_weeks": 6})
    first, together = build_model(sc, "cocreate_sortition", 0), build_model(SMALL, "cocreate_sortition", 0)
    first.run_for(6)
    together.run_for(6)
    leaders = [s.name for s in first.leaders]
    assert leaders == [s.name for s in sc.stakeholders if s.power >= sc.engagement.leader_power]
    for a, b in zip(first.stakeholders, together.stakeholders, strict=True):
        if a.name in leaders:
            assert a.trust > b.trust
        else:
            assert a.trust == b.trust
    # under a strategy with nobody at the table, there is no sequencing
    assert not build_model(sc, "inform", 0).leaders_first_scheduled


# ------------------------------------------------------------------------------------------------ capacity
def test_capacity_rises_with_training_and_decays_without():
    p = CapacityParams(enabled=True, training_weeks=100, forgetting=0.01)
    c = Capacity.start(p)
    index = []
    for week in range(1, 301):
        c.step(week)
        index.append(c.index)
    assert index[99] > index[49] > index[0] > 0
    assert index[299] < index[149] < index[99]
    assert c.ever_trained == pytest.approx(100 * p.trained_per_week)
    # ambassadors in every body slow the forgetting
    kept = Capacity.start(p.model_copy(update={"ambassadors": p.units}))
    for week in range(1, 301):
        kept.step(week)
    assert kept.index > c.index


def test_capacity_raises_the_facilitation_sessions_get():
    sc = SMALL.with_overrides({"capacity.enabled": True, "engagement.facilitation": 0.3,
                               "capacity.trained_per_week": 50.0})
    m = build_model(sc, "cocreate_sortition", 0)
    m.run_for(40)
    assert m.facilitation > 0.3 + 0.1
    plain = build_model(SMALL.with_overrides({"engagement.facilitation": 0.3}), "cocreate_sortition", 0)
    plain.run_for(40)
    assert plain.facilitation == 0.3
    assert m.summary()["panel_quality"] > plain.summary()["panel_quality"]


# ------------------------------------------------------------------------------------------------ deciders
def test_several_deciders_without_a_central_agency():
    many = SMALL.with_overrides({"institution.deciders": 4, "institution.alignment": 0.5,
                                 "institution.alignment_gain": 0.2})
    co, inform = run(many, "cocreate_sortition", 0).summary, run(many, "inform", 0).summary
    assert co["alignment_final"] > 0.5 == inform["alignment_final"]  # shared sessions align them
    one = run(SMALL, "inform", 0).summary
    assert inform["time_to_implementation"] > one["time_to_implementation"]  # acting apart is slower
    # lobbyists must split their pressure: less of the decision is captured
    assert run(many, "captured", 0).summary["lobby_influence"] < run(SMALL, "captured", 0).summary["lobby_influence"]


# ------------------------------------------------------------------------------------------------ formats
def test_world_cafe_seating_is_what_the_model_always_drew():
    ops = np.random.default_rng(9).random(40)
    assert np.array_equal(seat(ops, np.zeros(40, int), 6, "world_cafe", np.random.default_rng(3)),
                          form_tables(40, 6, np.random.default_rng(3)))


def test_formats_differ_in_mixing_and_voice():
    sc = SMALL.with_overrides({"deliberation.dominance": 1.0})
    out = {f: run(sc.with_overrides({"deliberation.format": f}), "cocreate_sortition", 0).summary
           for f in ("world_cafe", "open_space", "circle")}
    assert out["open_space"]["comaster_mixing"] < out["world_cafe"]["comaster_mixing"] < out["circle"][
        "comaster_mixing"]
    assert out["circle"]["comaster_voice"] == pytest.approx(1.0)
    assert out["world_cafe"]["comaster_voice"] < 1.0
    assert voice(np.array([1.0, 3.0]), "circle").tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="format"):
        seat(np.zeros(3), np.zeros(3, int), 2, "fishbowl", np.random.default_rng(0))


def test_open_space_seats_people_who_think_alike():
    rng = np.random.default_rng(1)
    ops = rng.random(60)
    spread = {}
    for fmt in ("world_cafe", "open_space"):
        tables = seat(ops, np.zeros(60, int), 6, fmt, np.random.default_rng(2), noise=0.02)
        spread[fmt] = np.mean([np.std(ops[tables == t]) for t in np.unique(tables)])
    assert spread["open_space"] < spread["world_cafe"] / 2


# ------------------------------------------------------------------------------------------------ readiness
def test_readiness_profile_sets_the_parameters_it_maps_onto():
    sc = SMALL.with_overrides({"readiness.enabled": True, "readiness.facilitation": 0.2, "readiness.autonomy": 0.8,
                               "readiness.silos": 0.5, "readiness.transparency_habits": 0.1,
                               "readiness.political_buy_in": 0.25})
    eff = apply_readiness(sc)
    assert eff.engagement.facilitation == 0.2 and eff.engagement.transparency == 0.1
    assert eff.engagement.political_buy_in == 0.25
    assert eff.engagement.authenticity == pytest.approx(0.8 * (1 - 0.5 * 0.5))
    assert eff.institution.challenge_sensitivity > sc.institution.challenge_sensitivity
    assert readiness_score(sc) == pytest.approx((0.2 + 0.25 + 0.8 + 0.5 + 0.1) / 5)
    # the model runs on the mapped values
    assert build_model(sc, "cocreate_sortition", 0).facilitation == 0.2
    low = run(sc, "cocreate_sortition", 0).summary
    assert low["readiness_score"] == pytest.approx(readiness_score(sc))
    assert low["comaster_openness"] == pytest.approx(0.1)


def test_coserve_screen_names_the_criteria_a_problem_fails():
    simple = coserve_screen(SMALL.with_overrides({"problem.complexity": 0.1}))
    assert not simple.suits and not simple.criteria["not_purely_expert"] and "not_purely_expert" in simple.line()
    assert coserve_screen(SMALL).suits
    preset = coserve_screen(SMALL.with_overrides({"engagement.authenticity": 0.2}))
    assert not preset.suits and not preset.criteria["no_preset_solution"]


# ------------------------------------------------------------------------------------------------ Co-Master
def test_comaster_metrics_are_in_range_and_gini_is_right():
    assert gini(np.ones(5)) == 0.0 and gini(np.array([0, 0, 0, 1.0])) == pytest.approx(0.75)
    log = MeetingLog(4)
    log.seat(np.array([0, 1, 2, 3]), np.array([0, 0, 1, 1]))
    assert log.mixing() == pytest.approx(1 / 3)
    log.seat(np.array([0, 1, 2, 3]), np.array([0, 1, 0, 1]))
    assert log.mixing() == pytest.approx(2 / 3)
    m = comaster(0.9, np.ones(3), 0.5, 1.0, 0.4, 0.7)
    assert m["comaster_quality"] == pytest.approx(np.mean([0.9, 1.0, 0.5, 1.0, 0.4, 0.7]))
    s = run(SMALL, "cocreate_sortition", 0).summary
    for k in ("inclusion", "voice", "mixing", "retention", "responsiveness", "openness", "quality"):
        assert 0.0 <= s[f"comaster_{k}"] <= 1.0
    assert s["comaster_responsiveness"] == s["honour_share"]
    assert np.isnan(run(SMALL, "inform", 0).summary["comaster_quality"])


# ------------------------------------------------------------------------------------------------ service users
def test_service_users_at_the_table_bring_lived_experience():
    users = SMALL.with_overrides({"users.share": 0.2, "users.seats": 8, "users.knowledge": 0.5})
    with_seats = run(users, "cocreate_sortition", 0).summary
    no_seats = run(users.with_overrides({"users.seats": 0}), "cocreate_sortition", 0).summary
    assert with_seats["panel_user_share"] > with_seats["service_users_share"]
    assert with_seats["panel_quality"] > no_seats["panel_quality"]
    assert 0.1 < with_seats["service_users_share"] < 0.3
    # users are the same citizens under every strategy (their own stream), and the others' draws do not move
    a, b = build_model(users, "inform", 0), build_model(users, "cocreate_sortition", 0)
    assert np.array_equal(a.users, b.users)
    assert np.array_equal(a.decision_uniforms, build_model(SMALL, "inform", 0).decision_uniforms)


def test_users_feel_delivery_more():
    sc = SMALL.with_overrides({"users.share": 0.3, "users.delivery_weight": 5.0, "process.horizon_weeks": 104})
    m = build_model(sc, "inform", 0)
    m.run_for(104)
    calm = build_model(sc.with_overrides({"users.delivery_weight": 0.0}), "inform", 0)
    calm.run_for(104)
    u = m.users
    moved = np.abs(m.trust - calm.trust)
    assert moved[u].mean() > 0 and moved[u].mean() > moved[~u].mean()


def test_leaders_first_starts_the_alliance_and_lowers_lobbying():
    sc = ORGS.with_overrides({"alliance.enabled": True, "process.framing_weeks": 6, "engagement.early_engagement": True})
    first = run(sc.with_overrides({"engagement.leaders_first": 2}), "cocreate_sortition", 0)
    together = run(sc, "cocreate_sortition", 0)
    n_leaders = sum(s.power >= sc.engagement.leader_power for s in sc.stakeholders)
    assert first.series["signatories"].iloc[0] == n_leaders > 0 == together.series["signatories"].iloc[0]
    assert first.series["signatories"].iloc[20] > together.series["signatories"].iloc[20]
    assert first.summary["lobby_influence"] < together.summary["lobby_influence"]
