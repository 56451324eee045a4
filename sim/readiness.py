"""COGOV-style tools on a scenario (cases-and-data §4.3): a Co-Ready readiness profile that sets parameters, and a
Co-Serve-style screen saying whether a problem suits co-creation.

Co-Ready mapping (an assumption of this project, documented in docs/ODD.md §7.13), scores in [0, 1]:
    organisational capacity    engagement.facilitation        = facilitation
    internal drivers/barriers  engagement.political_buy_in    = political_buy_in
                               engagement.authenticity        = autonomy * (1 - silo_weight * silos)
                               institution.challenge_sensitivity = c0 + (1 - c0) * silo_weight * silos
    context drivers/barriers   engagement.transparency        = transparency_habits
(c0 is the scenario's own challenge_sensitivity). The readiness score is the mean of the five scores with silos
counted as 1 - silos.

Co-Serve screen: Vrbek et al. 2022 score 13 yes/no criteria; the model can judge the problem-side ones it
represents: (1) not a purely expert matter (problem.complexity >= 0.3), (2) no pre-set solution (the institution
can still be moved: engagement.authenticity >= 0.5), (3) co-created knowledge adds quality: the quality of an
honoured joint solution with a typical panel's knowledge exceeds what the institution reaches alone
(mechanisms.joint_quality vs institution_quality). A typical panel knows, per dimension, the population's mean
knowledge plus the lived experience of the members who bring it: knowledge_mean + lived_experience, capped at 1.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim import mechanisms as mech
from sim.scenario import Scenario

EXPERT_MATTER = 0.3  # complexity below which a problem is a purely expert matter (assumption)
PRESET = 0.5  # authenticity below which the solution is in effect pre-set (assumption)


def readiness_score(scenario: Scenario) -> float:
    """Mean of the five Co-Ready-style scores (silos as 1 - silos), in [0, 1]."""
    r = scenario.readiness
    return (r.facilitation + r.political_buy_in + r.autonomy + (1.0 - r.silos) + r.transparency_habits) / 5.0


def apply_readiness(scenario: Scenario) -> Scenario:
    """The scenario with the readiness profile's mapped parameters set (unchanged when readiness is off)."""
    r = scenario.readiness
    if not r.enabled:
        return scenario
    c0 = scenario.institution.challenge_sensitivity
    return scenario.with_overrides({
        "engagement.facilitation": r.facilitation,
        "engagement.political_buy_in": r.political_buy_in,
        "engagement.authenticity": r.autonomy * (1.0 - r.silo_weight * r.silos),
        "engagement.transparency": r.transparency_habits,
        "institution.challenge_sensitivity": c0 + (1.0 - c0) * r.silo_weight * r.silos,
    })


@dataclass(frozen=True)
class Screen:
    """Co-Serve-style verdict: each criterion met or not, the expected quality gain, and whether it suits."""

    criteria: dict[str, bool]
    quality_gain: float

    @property
    def suits(self) -> bool:
        return all(self.criteria.values())

    def line(self) -> str:
        unmet = [k for k, v in self.criteria.items() if not v]
        verdict = "suits co-creation" if self.suits else "does not suit co-creation (" + ", ".join(unmet) + ")"
        return f"{verdict}; expected quality gain of an honoured panel {self.quality_gain:+.3f}"


def coserve_screen(scenario: Scenario) -> Screen:
    """Screen the scenario's problem (after its readiness profile, if any)."""
    sc = apply_readiness(scenario)
    prob, pop = sc.problem, sc.population
    panel_q = min(1.0, pop.knowledge_mean + pop.lived_experience)
    gain = (mech.joint_quality(panel_q, prob.complexity, sc.institution.expertise, prob.lay_error)
            - mech.institution_quality(prob.complexity, sc.institution.expertise))
    return Screen({"not_purely_expert": prob.complexity >= EXPERT_MATTER,
                   "no_preset_solution": sc.engagement.authenticity >= PRESET,
                   "knowledge_adds_quality": gain > 0.0}, float(gain))
