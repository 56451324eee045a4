"""The model as a whole: determinism, common random numbers, outputs, the timeline, Mesa agents and events."""

import numpy as np
import pandas as pd
import pytest

import sim.runner as run_module
from sim import STRATEGIES, Scenario, run
from sim.agents import Institution, Lobbyist, PanelMember, Stakeholder
from sim.runner import build_model

SMALL = Scenario().with_overrides({"population.size": 1500, "process.horizon_weeks": 60})


def test_same_seed_same_result_even_after_cache_is_cleared():
    a = run(SMALL, "cocreate_sortition", 3)
    run_module._CACHE.clear()
    b = run(SMALL, "cocreate_sortition", 3)
    pd.testing.assert_frame_equal(a.series, b.series)
    assert a.summary == pytest.approx(b.summary, nan_ok=True)
    c = run(SMALL, "cocreate_sortition", 4)
    assert c.summary["trust_final"] != a.summary["trust_final"]


def test_strategies_share_world_and_initial_state():
    first = {s: run(SMALL, s, 7) for s in STRATEGIES if s != "continuous"}
    week0 = pd.DataFrame([r.series.iloc[0].drop(["strategy", "policy", "phase"]) for r in first.values()])
    assert (week0.nunique() == 1).all()  # identical initial state for every strategy
    models = [build_model(SMALL, s, 7) for s in ("inform", "captured", "cocreate_sortition")]
    for other in models[1:]:
        assert np.array_equal(models[0].news, other.news)
        assert np.array_equal(models[0].decision_uniforms, other.decision_uniforms)
        assert np.array_equal(models[0].exposure_uniforms, other.exposure_uniforms)


def test_series_and_summary_shapes_and_ranges():
    sc = SMALL.with_overrides({"process.horizon_weeks": 80})
    r = run(sc, "continuous", 1)
    s = r.series
    assert len(s) == 81 and list(s["week"]) == list(range(81))
    for col in ("trust", "support", "feels_heard", "awareness", "lobby_influence", "implementation"):
        assert s[col].between(0, 1).all(), col
    assert any(c.startswith("trust_education_") for c in s.columns)
    assert set(s["phase"]) >= {"framing", "design", "decision", "implementation"}
    for key in ("trust_change", "support_at_decision", "solution_quality", "time_to_implementation", "trust_gap",
                "lobby_influence", "spillover_legitimacy", "panel_representativeness", "delivered_value",
                "process_cost", "decision_week", "recommendation_shift", "heard_trust_ratio"):
        assert np.isfinite(r.summary[key]), key
    assert r.summary["participants"] > sc.engagement.panel_size  # several cycles, new panels


def test_decision_time_depends_on_the_strategy_and_the_number_of_sessions():
    weeks = {s: build_model(SMALL, s, 0).decision_week for s in ("inform", "consult", "cocreate_sortition")}
    p = SMALL.process
    assert weeks["inform"] == p.framing_weeks + p.design_weeks
    assert weeks["consult"] == weeks["inform"] + p.consultation_weeks
    assert weeks["cocreate_sortition"] > weeks["inform"]
    more = build_model(SMALL.with_overrides({"engagement.sessions": 10}), "cocreate_sortition", 0).decision_week
    assert more - weeks["cocreate_sortition"] == pytest.approx(4 * p.weeks_per_session, abs=1)
    # implementation time is counted from the start of the process, so the longer process takes longer in total
    fast, slow = (run(SMALL, s, 0).summary for s in ("inform", "consult"))
    assert slow["time_to_implementation"] > fast["time_to_implementation"]
    assert fast["time_to_implementation"] > fast["decision_week"]
    # and money: letters, honoraria and sessions cost more than a consultation, which costs more than a campaign
    cost = {s: run(SMALL, s, 0).summary["process_cost"] for s in ("inform", "consult", "cocreate_sortition")}
    assert cost["cocreate_sortition"] > cost["consult"] > cost["inform"] > 0
    longer = run(SMALL.with_overrides({"engagement.sessions": 10}), "cocreate_sortition", 0).summary["process_cost"]
    assert longer - cost["cocreate_sortition"] == pytest.approx(4 * SMALL.cost.session / 1000)


def test_panel_members_are_mesa_agents_only_while_deliberating():
    m = build_model(SMALL, "cocreate_sortition", 2)
    assert len(m.agents_by_type[Stakeholder]) == len(SMALL.stakeholders)
    m.run_until(SMALL.process.recruitment_weeks + 2)
    members = m.agents_by_type[PanelMember]
    assert len(members) == SMALL.engagement.panel_size
    assert all(m.participant[a.citizen] for a in members)
    m.run_until(m.decision_week + 1)
    assert PanelMember not in m.agents_by_type or len(m.agents_by_type[PanelMember]) == 0
    assert m.institution.decided_at is not None


def test_deliberation_narrows_the_panel_pools_knowledge_and_moves_the_view():
    sc = SMALL.with_overrides({"lobby.count": 0, "deliberation.learning_pull": 0.8})
    m = build_model(sc, "cocreate_sortition", 5)
    m.run_until(sc.process.recruitment_weeks + 1.5)
    op0 = np.array([a.opinion for a in m.panel_members])
    kn0 = np.array([a.knowledge for a in m.panel_members])
    m.run_until(m.decision_week - 0.5)
    op1 = np.array([a.opinion for a in m.panel_members])
    kn1 = np.array([a.knowledge for a in m.panel_members])
    assert op1.std() < op0.std()
    assert kn1.mean() > kn0.mean()
    informed = sc.problem.informed_position
    assert abs(op1.mean() - informed) < abs(op0.mean() - informed)  # pooled knowledge moves the view
    m.run_until(m.decision_week + 1)
    assert m.summary()["recommendation_shift"] == pytest.approx(op1.mean() - op0.mean(), abs=0.05)


def test_every_mesa_agent_acts():
    """Each agent class the model creates has behaviour of its own that the model calls."""
    behaviour = {Institution: ("step", "decide", "receive_pressure"), Stakeholder: ("step", "attend_session",
                 "hear_decision"), Lobbyist: ("step",), PanelMember: ("attend", "discuss", "commit")}
    m = build_model(SMALL, "cocreate_sortition", 1)
    m.run_until(SMALL.process.recruitment_weeks + 2)
    assert set(m.agents_by_type) == set(behaviour)
    for cls, methods in behaviour.items():
        for name in methods:
            assert callable(getattr(cls, name)) and name in cls.__dict__, (cls, name)


def test_stakeholders_at_the_table_move_toward_collaboration_and_left_out_ones_lose_trust():
    sc = SMALL.with_overrides({"stakeholders.industry.included": False})
    m = build_model(sc, "cocreate_sortition", 0)
    start = {s.name: (s.position, s.trust) for s in m.stakeholders}
    assert all(s.mode == "compete" for s in m.stakeholders)
    m.run_until(m.decision_week - 0.5)
    by = {s.name: s for s in m.stakeholders}
    assert by["industry"].trust < start["industry"][1] and by["industry"].mode == "compete"
    assert by["industry"].position == start["industry"][0]  # not at the table: its position cannot move
    ngo = by["ngo"]
    assert ngo.trust > start["ngo"][1] and ngo.mode == "collaborate"  # from competition to collaboration
    assert ngo.position != start["ngo"][0]


def test_lobbyists_choose_whom_to_lobby_and_their_position_is_read():
    def spent(sc, strategy):
        m = build_model(sc, strategy, 0)
        m.run_until(m.decision_week + 1)
        return {k: sum(lob.spent[k] for lob in m.lobbyists) for k in ("institution", "panel")}, m.policy

    honours = SMALL.with_overrides({"engagement.authenticity": 1.0, "lobby.panel_access": 0.5})
    ignores = SMALL.with_overrides({"engagement.authenticity": 0.1, "lobby.panel_access": 0.5})
    a, _ = spent(honours, "cocreate_sortition")
    b, _ = spent(ignores, "cocreate_sortition")
    assert a["panel"] > a["institution"]  # the panel holds the decision: lobby it
    assert b["institution"] > b["panel"]
    assert a["panel"] + a["institution"] == pytest.approx(SMALL.lobby.count * SMALL.lobby.budget)
    _, low = spent(SMALL.with_overrides({"lobby.position": 0.0}), "inform")
    _, high = spent(SMALL.with_overrides({"lobby.position": 0.3}), "inform")
    assert low < high


def test_inform_has_no_participants_captured_is_closed_and_status_quo_has_no_process():
    inform = run(SMALL, "inform", 0).summary
    captured = run(SMALL, "captured", 0).summary
    quo = run(SMALL, "status_quo", 0)
    assert inform["participants"] == 0 and captured["participants"] == 0
    assert captured["lobby_influence"] > inform["lobby_influence"]
    assert captured["process_cost"] == 0 < inform["process_cost"]
    assert np.isnan(quo.summary["decision_week"]) and set(quo.series["phase"]) == {"none"}
    assert quo.summary["awareness_final"] == 0.0


def test_channels_must_be_known():
    with pytest.raises(ValueError, match="unknown channel"):
        build_model(SMALL, "inform", 0, channels=("outcome", "gossip"))


def test_unknown_strategy_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown strategy 'cocreate'"):
        run(SMALL, "cocreate", 0)


def test_a_decision_after_the_horizon_is_a_clear_error():
    sc = SMALL.with_overrides({"process.horizon_weeks": 20})
    with pytest.raises(ValueError, match="after process.horizon_weeks"):
        build_model(sc, "cocreate_sortition", 0)
