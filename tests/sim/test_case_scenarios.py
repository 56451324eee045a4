"""The talk's cases as scenario files (scenarios/*.yaml, issue 15): each loads, runs every strategy it lists at its
(small) default size, says what it reproduces of its record and what it cannot, and gives every value it sets a
source or marks it an assumption; the directions the files claim hold over a few seeds; and each case's
record-facing behaviour (the figures in its header: signatories and the delivery gap, staff trained and capacity
learning and forgetting, ...) holds over a Latin hypercube of the parameters the file marks as assumptions, not
only at its values."""

import re
from pathlib import Path

import numpy as np
import pytest

from sim import load_scenario
from sim.runner import run

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
CASES = ["antwerp_participatory_budget", "consultation_ignored", "circular_plastics_alliance", "inovativen_si",
         "mental_health_mindshift", "readiness_example"]
SMALL = 20000  # the largest default size a case file may ship (the tests run every file at it)


@pytest.mark.parametrize("name", CASES)
def test_case_file_runs_every_strategy_it_lists(name):
    sc = load_scenario(SCENARIOS / f"{name}.yaml")
    assert sc.name == name and sc.description
    assert sc.population.size <= SMALL
    for strategy in sc.strategies:
        summary = run(sc, strategy, 0).summary
        assert np.isfinite(summary["trust_change"]), (name, strategy)


@pytest.mark.parametrize("name", CASES)
def test_case_file_says_what_it_reproduces_and_sources_each_value(name):
    text = (SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert re.search(r"What (this|it) reproduces", header), name
    assert re.search(r"cannot", header), name
    assert "cases-and-data.md" in header, name
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith((" ", "\t")) and re.match(r"\s+[a-z_]+: [^{\[]", line):
            comment = line.partition("#")[2]
            assert comment and re.search(r"assumption|source|C&D|talk", comment), f"{name}.yaml line {number}"


def _mean(sc, strategy, key, seeds=(0, 2, 3, 4)):
    return float(np.mean([run(sc, strategy, s).summary[key] for s in seeds]))


def test_antwerp_open_call_seats_a_less_representative_panel_than_the_lottery():
    # (seed 1 is left out: its pool makes selection's relaxed leximin LP raise "Infeasible", reported to the
    # selection owner; not a property of this scenario)
    sc = load_scenario(SCENARIOS / "antwerp_participatory_budget.yaml")
    assert (_mean(sc, "cocreate_volunteers", "panel_representativeness")
            < _mean(sc, "cocreate_sortition", "panel_representativeness"))


def test_the_convention_honours_about_what_its_members_graded_and_costs_trust():
    sc = load_scenario(SCENARIOS / "consultation_ignored.yaml")
    honoured = _mean(sc, "cocreate_sortition", "honour_share")
    assert 0.2 <= honoured <= 0.5  # members graded the uptake 3.4-4.1 of 10 (cases-and-data §5.4)
    assert _mean(sc, "cocreate_sortition", "trust_change") < _mean(sc, "inform", "trust_change")


# ------------------------------------------------------------------------------------------------ record-facing
# Each case's claimed behaviour, checked over a Latin hypercube of the parameters its file marks as assumptions
# (not only at the file's values): the figures the record gives, side by side in each file's header.


def _region(ranges: dict[str, tuple[float, float]], n: int, seed: int = 0) -> list[dict[str, float]]:
    from scipy.stats import qmc

    u = qmc.LatinHypercube(d=len(ranges), seed=seed).random(n)
    return [{k: float(lo + (hi - lo) * x) for (k, (lo, hi)), x in zip(ranges.items(), row, strict=True)}
            for row in u]


CPA_REGION = {"alliance.innovation": (0.003, 0.008), "alliance.imitation": (0.02, 0.045),
              "alliance.potential": (300, 380), "alliance.follow_through": (0.4, 0.8),
              "alliance.delivery_weeks": (100.0, 200.0)}


@pytest.mark.parametrize("point", range(5))
def test_cpa_signatories_grow_as_recorded_and_a_delivery_gap_remains(point):
    theta = _region(CPA_REGION, 5)[point]
    theta["alliance.potential"] = int(round(theta["alliance.potential"]))
    sc = load_scenario(SCENARIOS / "circular_plastics_alliance.yaml").with_overrides(
        {**theta, "population.size": 1000})
    r = run(sc, "cocreate_sortition", point)
    s = r.series.set_index("week")
    at = {w: float(s.loc[w, "signatories"]) for w in (40, 100, 147)}
    # record: >100 at the Declaration (week 40), 245 in Nov 2020 (week 100), almost 300 in Oct 2021 (week 147)
    assert at[40] < at[100] < at[147], at
    assert 50 <= at[40] <= 200 and 150 <= at[100] <= 400 and 200 <= at[147] <= 450, (theta, at)
    # record: about 6.8 Mt used in 2022 (mid-2022 is week 186) against 10 Mt pledged for 2025 (week 367)
    assert 5.5 <= float(s.loc[186, "alliance_outcome"]) <= 8.5, theta
    assert 0.05 <= r.summary["delivery_gap"] <= 0.45, theta
    assert r.summary["decision_week"] == 40  # the Declaration
    assert r.summary["participants"] == 0  # organisations, not citizens, are the panel
    legislated = run(sc, "inform", point).summary
    assert legislated["signatories_final"] == 0 and legislated["delivery_gap"] > r.summary["delivery_gap"]


INOVATIVEN_REGION = {"capacity.trained_per_week": (5.5, 7.0), "capacity.forgetting": (0.001, 0.006),
                     "capacity.community_join": (0.3, 0.5), "capacity.community_churn": (0.001, 0.004),
                     "capacity.ambassador_retention": (0.2, 0.8)}


@pytest.mark.parametrize("point", range(5))
def test_inovativen_capacity_rises_with_training_and_decays_without(point):
    theta = _region(INOVATIVEN_REGION, 5, seed=1)[point]
    sc = load_scenario(SCENARIOS / "inovativen_si.yaml").with_overrides({**theta, "population.size": 1000})
    r = run(sc, "continuous", point)
    s = r.series.set_index("week")
    # record (Feb 2022, week 218): 1,300+ staff trained, a community of 430+
    assert 1100 <= s.loc[218, "trained_cumulative"] <= 1600, theta
    assert 250 <= s.loc[218, "community"] <= 650, theta
    cap = s["capacity"]
    assert cap[218] > cap[104] > cap[26] > cap[0], theta  # learns while the programme runs
    assert cap[312] < cap[260], theta  # forgets once it ends (week 260)
    assert s.loc[312, "facilitation"] > sc.engagement.facilitation  # sessions are better facilitated than at start
    # without the programme an administration that starts trained only forgets
    idle = run(sc.with_overrides({"capacity.training_weeks": 0, "capacity.trained_initial": 1300}), "inform", point)
    assert idle.series["capacity"].iloc[1:].is_monotonic_decreasing


MINDSHIFT_REGION = {"institution.alignment": (0.3, 0.7), "institution.alignment_gain": (0.05, 0.2),
                    "institution.decider_spread": (0.0, 0.5)}


@pytest.mark.parametrize("point", range(4))
def test_mindshift_without_a_central_agency_co_creation_implements_sooner(point):
    theta = _region(MINDSHIFT_REGION, 4, seed=2)[point]
    sc = load_scenario(SCENARIOS / "mental_health_mindshift.yaml").with_overrides({**theta, "population.size": 1000})
    out = {st: run(sc, st, point).summary for st in ("inform", "continuous")}
    # "no single central agency could drive change" (talk 00:33:11): acting apart, the deciders implement the
    # informed decision slowly; continuous co-creation aligns them (talk 00:33:24) and finishes first
    assert out["continuous"]["alignment_final"] > out["inform"]["alignment_final"] == pytest.approx(
        theta["institution.alignment"])
    assert out["continuous"]["time_to_implementation"] < out["inform"]["time_to_implementation"], theta
    # with one central agency the order reverses: informing decides and implements sooner
    one = sc.with_overrides({"institution.deciders": 1})
    assert (run(one, "inform", point).summary["time_to_implementation"]
            < run(one, "continuous", point).summary["time_to_implementation"])


@pytest.mark.parametrize("panel_size", [40, 120, 300])
def test_antwerp_open_call_is_mostly_highly_educated_as_recorded(panel_size):
    sc = load_scenario(SCENARIOS / "antwerp_participatory_budget.yaml").with_overrides(
        {"engagement.panel_size": panel_size})
    from sim.runner import build_model

    for seed in (0, 2):
        m = build_model(sc, "cocreate_volunteers", seed)
        m.run_for(20)
        edu = m.pop.people["education"].to_numpy()
        high = float(np.mean(edu[m.members] == "high"))
        # record, 2014 round: "about 8 in 10 participants were highly educated" (C&D §1.1)
        assert 0.65 <= high <= 0.92, (panel_size, seed, high)
        assert high > float(np.mean(edu == "high")) + 0.2


@pytest.mark.parametrize("authenticity", [0.34, 0.41])
def test_the_convention_pattern_over_the_range_of_the_grades(authenticity):
    from sim.runner import build_model

    sc = load_scenario(SCENARIOS / "consultation_ignored.yaml").with_overrides(
        {"engagement.authenticity": authenticity, "population.size": 6000})
    assert sc.process.recommendations == 149
    for seed in (0, 2):
        m = build_model(sc, "cocreate_sortition", seed)
        m.run_for(sc.process.horizon_weeks)
        s = m.summary()
        before = float(m.pop.feels_heard[m.members].mean())  # the members' feeling heard when drawn
        assert 0.2 <= s["honour_share"] <= 0.5  # members graded the uptake 3.4-4.1 of 10 (C&D §5.4)
        assert s["comaster_responsiveness"] == s["honour_share"]
        assert s["participants_feels_heard"] < before  # the broken "no filter" promise
        assert s["trust_change"] < run(sc, "inform", seed).summary["trust_change"]


def test_readiness_co_creation_costs_less_and_pays_more_the_readier_the_organisation():
    from scipy.stats import spearmanr

    from sim.readiness import readiness_score

    sc = load_scenario(SCENARIOS / "readiness_example.yaml").with_overrides({"population.size": 1000})
    scores, gains = [], []
    for i, level in enumerate(np.linspace(0.1, 0.9, 6)):
        jitter = _region({k: (-0.1, 0.1) for k in "abcd"}, 6, seed=3)[i]
        theta = {name: float(np.clip(level + d, 0, 1)) for name, d in zip(
            ["readiness.facilitation", "readiness.political_buy_in", "readiness.autonomy",
             "readiness.transparency_habits"], jitter.values(), strict=True)}
        s = sc.with_overrides({**theta, "readiness.silos": float(1 - level)})
        scores.append(readiness_score(s))
        gains.append(np.mean([run(s, "cocreate_sortition", k).summary["trust_change"]
                              - run(s, "inform", k).summary["trust_change"] for k in (0, 1)]))
    rho = spearmanr(scores, gains).statistic
    print("readiness scores", np.round(scores, 2), "co-creation minus inform", np.round(gains, 4), "rho", rho)
    assert rho >= 0.7
    assert np.mean(gains[3:]) > np.mean(gains[:3])


def test_the_coserve_screen_agrees_with_the_model_where_it_is_clear():
    from sim import Scenario
    from sim.readiness import coserve_screen

    base = Scenario().with_overrides({"population.size": 1000})
    agree, clear = [], []
    for c in (0.1, 0.3, 0.5, 0.8):
        for e in (0.2, 0.6, 0.9):
            for lay in (0.1, 0.4):
                s = base.with_overrides({"problem.complexity": c, "institution.expertise": e,
                                         "problem.lay_error": lay})
                screen = coserve_screen(s)
                dq = (run(s, "cocreate_sortition", 0).summary["solution_quality"]
                      - run(s, "inform", 0).summary["solution_quality"])
                agree.append(screen.suits == (dq > 0))
                if abs(screen.quality_gain) >= 0.07:
                    clear.append(screen.suits == (dq > 0))
    assert np.mean(agree) >= 0.75 and all(clear) and len(clear) >= 12
