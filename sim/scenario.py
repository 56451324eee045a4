"""Scenario schema: every model parameter with its unit, range, default and source.

A scenario is a YAML file whose sections mirror the classes below (`population`, `process`, `engagement`,
`deliberation`, `problem`, `trust`, `exposure`, `awareness`, `institution`, `stakeholders`, `stakeholder_rules`,
`lobby`, `cost`, `crisis`, `selection`, `alliance`, `capacity`, `readiness`, `users`, `strategies`). Missing keys take the defaults documented here; unknown
keys are an error. Sources are short keys explained in `docs/ODD.md` (OECD2024 = OECD Trust Survey 2024 results;
others are author-year). A source that starts with "calibrated" marks a parameter whose default is the median of
the parameter sets accepted by the pattern-oriented calibration (`cocreate calibrate`; the accepted ranges are in
`scenarios/calibration/ranges.yaml`).
"""

from __future__ import annotations

import copy
import difflib
import os
import re
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from selection.errors import UserError
from sim.strategies import STRATEGIES


class ScenarioError(UserError):
    """A scenario file or override the user can fix; str() is one line naming file, field and what to do."""


def P(default: Any, lo: float | None, hi: float | None, unit: str, source: str, doc: str) -> Any:
    """A documented parameter: default, closed range [lo, hi], unit and source ("assumption" if none)."""
    return Field(
        default,
        ge=lo,
        le=hi,
        description=f"{doc} [{unit}; range {lo}..{hi}; source: {source}]",
        json_schema_extra={"unit": unit, "source": source},
    )


def B(default: bool, source: str, doc: str) -> Any:
    """A documented switch."""
    return Field(default, description=f"{doc} [bool; source: {source}]",
                 json_schema_extra={"unit": "bool", "source": source})


CAL = "calibrated (scenarios/calibration/ranges.yaml)"

#: OECD Trust Survey 2023 (published 2024): share with high or moderately high trust by level of government
#: (local government 45%, national government 39%; regional: assumption, midway).
LEVEL_TRUST = {"local": 0.45, "regional": 0.42, "national": 0.39}
#: Share who feel they have a say: national "the political system lets people like me have a say" 30%; local
#: "could voice an opinion on a decision affecting their community" 41% (OECD2024); regional: assumption, midway.
LEVEL_HEARD = {"local": 0.41, "regional": 0.355, "national": 0.30}


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PopulationParams(Section):
    size: int = P(2000, 100, 20_000_000, "citizens", "assumption", "number of simulated citizens")
    network_degree: int = P(8, 2, 50, "ties per citizen", "assumption (Watts-Strogatz k as in modelling-evidence §2)",
                            "mean number of social ties")
    rewire_prob: float = P(0.1, 0.0, 1.0, "probability", "Watts & Strogatz 1998 (small-world regime)",
                           "share of ties rewired to a random citizen")
    homophily: float = P(0.8, 0.0, 1.0, "share", "assumption",
                         "share of citizens placed on the ring next to people of their own group")
    baseline_trust: float | None = P(None, 0.0, 1.0, "share with trust > 0.5",
                                     "OECD2024 (45% trust local government, 39% national)",
                                     "share of citizens who trust the institution at the start; empty: the OECD "
                                     "figure for institution.level (local 0.45, regional 0.42, national 0.39)")
    feels_heard_share: float | None = P(None, 0.0, 1.0, "share",
                                        "OECD2024 (30% say the system lets them have a say; 41% could voice an "
                                        "opinion on a local decision)",
                                        "share who feel heard at the start; empty: by institution.level (local "
                                        "0.41, regional 0.355, national 0.30)")
    heard_trust_ratio: float = P(3.2, 1.0, 10.0, "ratio of trust shares", "OECD2024 (>3x as likely to trust)",
                                 "P(trust | feels heard) / P(trust | does not)")
    trust_spread: float = P(1.0, 0.1, 3.0, "logit sd", "assumption", "spread of initial trust on the logit scale")
    trust_propensity_link: float = P(0.3, 0.0, 2.0, "logit per sd of log-propensity",
                                     "OECD2024 direction; Boulianne 2019, Gronlund et al. 2010 (volunteers start "
                                     "with higher trust)",
                                     "how much lower initial trust is in low-propensity groups")
    opinion_group_link: float = P(0.5, 0.0, 2.0, "logit per sd of log-propensity", "assumption",
                                  "how much further from the draft (higher on the policy scale) the views of the "
                                  "groups that volunteer less are: the draft sits nearer the usual voices")
    opinion_spread: float = P(1.0, 0.1, 3.0, "logit sd", "assumption", "spread of opinions on the policy")
    knowledge_dims: int = P(12, 1, 40, "dimensions", "assumption (one per category of the four features)",
                            "K, number of dimensions of the problem")
    knowledge_mean: float = P(0.1, 0.0, 1.0, "share of a dimension known", "assumption",
                              "mean knowledge of a dimension")
    lived_experience: float = P(0.5, 0.0, 1.0, "share of a dimension", "assumption",
                                "extra knowledge of the dimension tied to each of a citizen's categories (age band, "
                                "education, ...)")


class ProcessParams(Section):
    horizon_weeks: int = P(104, 4, 520, "weeks", "assumption (two years: a co-created decision and its "
                           "implementation; CAUK and Scotland took 9-13 months to report and respond)",
                           "length of the simulated period")
    framing_weeks: int = P(4, 0, 52, "weeks", "assumption", "problem framing phase (from week 1)")
    design_weeks: int = P(8, 1, 104, "weeks", "Wabo regular permit procedure: 8-week decision period",
                          "the institution's own drafting time after framing (inform, captured)")
    consultation_weeks: int = P(18, 0, 104, "weeks", "Wabo extended procedure with public comment: 26 vs 8 weeks",
                                "weeks a public consultation adds to the institution's drafting time")
    recruitment_weeks: int = P(8, 0, 52, "weeks", "DemNext assembly guide (about 2 months for the lottery)",
                               "weeks from the first letters to the panel's first session (sortition or open call)")
    weeks_per_session: float = P(2.5, 0.5, 8.0, "weeks", "CAUK (6 weekends, Jan-May 2020); Scotland (7 weekends, "
                                 "Nov 2020-Mar 2021)", "weeks between deliberation sessions")
    response_weeks: int = P(6, 0, 52, "weeks", "assumption (Scotland's statutory limit of 6 months is the upper end)",
                            "weeks from the panel's report to the institution's decision")
    implementation_weeks: float = P(20.0, 1.0, 260.0, "weeks", "assumption",
                                    "implementation time without obstruction when base_speed + political buy-in "
                                    "is 1 (buy-in 0.5 at the default base_speed)")
    base_speed: float = P(0.5, 0.05, 2.0, "multiple of 1 / implementation_weeks", "assumption",
                          "implementation speed at political buy-in 0; speed = (base_speed + political buy-in) / "
                          "implementation_weeks per week, slowed by obstruction")
    expected_weeks: int = P(52, 4, 520, "weeks", "assumption",
                            "weeks from the start of the process by which the public expects delivery; aware "
                            "citizens lose trust each week it is overdue")
    coverage_after_weeks: int = P(4, 0, 52, "weeks", "assumption",
                                  "weeks after the last decision during which the media still cover the process")
    cycle_weeks: int = P(13, 4, 52, "weeks", "assumption", "length of one cycle of the `continuous` strategy")
    recommendations: int = P(10, 1, 1000, "count", "assumption; CCC 2021 had 149 proposals",
                             "number of recommendations the panel makes (two arrays of horizon x this many floats "
                             "are drawn per run: 1000 x 522 weeks is 8 MB)")


class EngagementParams(Section):
    authenticity: float = P(0.8, 0.0, 1.0, "probability", "assumption; OECD2024 (32% expect input adopted); CCC "
                            "2021 (about half of 149 proposals taken up)",
                            "probability a recommendation is honoured before lobbying, cost and challenge")
    transparency: float = P(0.7, 0.0, 1.0, "share", "assumption",
                            "share of the proceedings and of what became of the input that is published")
    facilitation: float = P(0.7, 0.0, 1.0, "quality 0..1", "assumption", "facilitation quality")
    political_buy_in: float = P(0.6, 0.0, 1.0, "share", "Font et al. 2018 (officials' support raises uptake)",
                                "political buy-in: speeds implementation and resists lobbying")
    early_engagement: bool = B(False, "assumption", "the panel frames the problem with the institution")
    panel_size: int = P(48, 6, 1000, "members", "Herefordshire 2021-22 (48 seats); cases-and-data §2.3",
                        "seats on the panel")
    sessions: int = P(6, 1, 50, "sessions", "CAUK (6 weekends), Scotland (7); DemNext (>= 4 full days)",
                      "number of deliberation sessions")
    online: bool = B(False, "assumption", "sessions held online")
    letters_per_seat: float = P(200.0, 10.0, 2000.0, "letters", "cases-and-data §6 (100-275; 200 common)",
                                "invitations sent per seat for the sortition pool")
    consultation_rate: float = P(0.05, 0.0, 1.0, "share of aware citizens", "assumption",
                                 "share of aware citizens (at mean propensity) who answer a consultation")
    consultation_quality: float = P(0.5, 0.0, 1.0, "quality per unit of knowledge", "assumption",
                                    "solution quality of consultation input per unit of the respondents' mean "
                                    "knowledge (written input, not pooled at tables)")
    early_framing_gain: float = P(0.2, 0.0, 1.0, "share of the quality gap", "assumption",
                                  "with early_engagement: share of the panel's remaining solution-quality gap "
                                  "closed by framing the problem with the panel")
    promise_consult: float = P(0.4, 0.0, 1.0, "promise level", "IAP2 spectrum (consult below collaborate)",
                               "influence promised by a consultation")
    promise_cocreate: float = P(1.0, 0.0, 1.0, "promise level", "IAP2 spectrum", "influence promised by co-creation")
    panel: Literal["citizens", "organisations"] = Field(
        "citizens", description="who sits on the co-creation panel: citizens (drawn or self-selected) or the "
        "stakeholder organisations at the table (an alliance; talk 00:09:56, Circular Plastics Alliance) [name; "
        "source: talk 00:09:56]", json_schema_extra={"unit": "name", "source": "talk 00:09:56"})
    leaders_first: int = P(0, 0, 20, "sessions", "talk 00:10:16 (CPA started with CEOs); count assumption",
                           "sequencing: sessions held with the leading organisations alone (power >= leader_power) "
                           "during framing, before anyone else is engaged; 0 = everyone together")
    leader_power: float = P(0.7, 0.0, 1.0, "share", "assumption",
                            "power from which a stakeholder counts as a leader for `leaders_first`")


class DeliberationParams(Section):
    table_size: int = P(6, 2, 20, "members", "assumption (World Cafe tables of 4-8)", "seats per table")
    confidence: float = P(0.15, 0.0, 1.0, "opinion distance", "Hegselmann & Krause 2002 (bounded confidence)",
                          "confidence bound at facilitation 0")
    facilitation_widening: float = P(0.25, 0.0, 1.0, "opinion distance", "Barrett et al. 2024 (open-mindedness)",
                                     "extra confidence bound at facilitation 1")
    convergence: float = P(0.5, 0.0, 1.0, "share per session", "assumption",
                           "share of the gap to the in-bound table mean closed per session")
    pooling: float = P(0.3, 0.0, 1.0, "share per session", "assumption",
                       "share of the gap to the table's best knowledge closed per session at facilitation 1")
    online_exchange: float = P(0.6, 0.0, 1.0, "factor", "cases-and-data §4.5 (direction only)",
                               "online sessions: multiplier on pooling and openness (less informal exchange)")
    breadth_weight: float = P(0.5, 0.0, 1.0, "weight", "assumption",
                              "weight of breadth (per dimension, the mean knowledge of the table_size members "
                              "who know it best) against depth (mean member's knowledge) in the panel's solution "
                              "quality")
    learning_pull: float = P(0.845, 0.0, 1.0, "share", CAL + "; CAUK members 46% -> 56% 'very concerned'; Ingham & "
                             "Levin 2018", "how far a member's view moves toward the informed position per unit "
                             "of their remaining ignorance resolved at the tables")
    dominance: float = P(0.5, 0.0, 3.0, "log weight per sd of log-propensity",
                         "Antwerp PB (Demos: young members pressured into consensus); direction only",
                         "extra weight of the views of members from groups that volunteer more, at facilitation 0 "
                         "(facilitation removes it)")
    format: Literal["world_cafe", "open_space", "circle"] = Field(
        "world_cafe", description="deliberation format: world_cafe (random tables reshuffled each session: high "
        "mixing), open_space (members join the table of the topic they care about, i.e. sort by view: low mixing), "
        "circle (the whole panel in one circle with a talking piece: full mixing, equal voice, less exchange per "
        "member) [name; source: talk 00:11:42 (methods used by the CPA); the differences are assumptions]",
        json_schema_extra={"unit": "name", "source": "talk 00:11:42; assumption"})
    circle_exchange: float = P(0.5, 0.0, 1.0, "factor", "assumption (one conversation: less airtime each)",
                               "circle format: multiplier on knowledge pooling per session")
    open_space_noise: float = P(0.05, 0.0, 1.0, "opinion sd", "assumption",
                                "open_space format: noise in choosing a table by view (0 = strictly by view)")
    working_groups: int = P(1, 1, 50, "groups", "C&D §4.1 (the CPA had 6 working groups)",
                            "parallel working groups: members (citizens or organisations) are split into groups "
                            "that meet separately; tables and the working position form within a group")
    dropout: float = P(0.02, 0.0, 0.3, "probability per session",
                       "panel_attrition.csv: CAUK 108 of 110 stayed; Scotland 73 of 106 at weekend 8",
                       "probability a member misses a session (and every later one)")


class ProblemParams(Section):
    complexity: float = P(0.6, 0.0, 1.0, "share of the problem",
                          "Co-Serve criteria (Vrbek et al. 2022: not a purely expert matter, no pre-set solution); "
                          "size assumption",
                          "share of the problem that needs distributed (lived, local) knowledge rather than a known "
                          "expert answer; 0 = a simple problem with a known answer")
    lay_error: float = P(0.15, 0.0, 1.0, "share of the known part", "assumption",
                         "share of the known (expert) part of the problem an honoured lay recommendation gets wrong")
    informed_position: float = P(0.6, 0.0, 1.0, "opinion scale 0..1", "assumption",
                                 "the policy the evidence on every dimension of the problem points to")


class TrustParams(Section):
    loss_aversion: float = P(3.17, 1.0, 5.0, "ratio", CAL + "; Slovic 1993, Bytzek et al. 2024 (broken pledges "
                             "weigh more)", "weight of losses relative to gains in evaluative signals (the "
                             "process, the decision, delivery); exogenous news is symmetric")
    social_weight: float = P(0.1, 0.0, 1.0, "share per week", "Friedkin & Johnsen 1990; size assumption",
                             "share of the gap to neighbours' mean trust change closed each week")
    news_sd: float = P(0.002, 0.0, 0.2, "trust per week", "assumption", "sd of weekly exogenous news shocks")
    news_persistence: float = P(0.9, 0.0, 0.999, "share per week", "assumption",
                                "share of last week's news level still felt this week (news is a zero-mean "
                                "autoregressive process: no drift)")
    outcome_weight: float = P(0.6, 0.0, 1.0, "share", "Esaiasson et al. 2019 (outcome dominates)",
                              "weight of outcome favourability in support, and of the outcome in trust")
    outcome_scale: float = P(0.593, 0.0, 2.0, "trust signal per unit favourability",
                             CAL + "; Van Ryzin 2004; Esaiasson et al. 2019",
                             "trust signal per unit of outcome better than the published draft")
    participant_gain: float = P(0.114, 0.0, 1.0, "trust signal", CAL + "; Gronlund et al. 2010; Boulianne 2019",
                                "trust signal to participants whose input is fully honoured")
    session_gain: float = P(0.01, 0.0, 0.2, "trust signal per session", "Gronlund et al. 2010 (direction)",
                            "trust signal to panel members per well-facilitated session")
    ignore_penalty: float = P(0.177, 0.0, 1.0, "trust signal", CAL + "; Ulbig 2008; van Dijk & Lefevere 2023",
                              "trust loss of participants whose input is fully ignored")
    honoured_heard_gain: float = P(0.504, 0.0, 1.0, "share of the gap to 1", CAL + "; CCC 2021 grades",
                                   "share of the gap to fully feeling heard that participants close when their "
                                   "input is fully honoured (per unit of promise)")
    ignored_heard_loss: float = P(0.626, 0.0, 1.0, "share of feels-heard", CAL + "; Ulbig 2008; CCC 2021 grades",
                                  "share of their feels-heard that participants lose when their input is fully "
                                  "ignored (per unit of promise)")
    heard_trust_weight: float = P(0.596, 0.0, 1.0, "share of the cross-sectional gap", CAL + "; OECD2024 (>3x)",
                                  "causal share of the trust gap between those who feel heard and those who do "
                                  "not: a citizen's trust moves by this share of the gap per unit of feels-heard")
    vicarious_heard_gain: float = P(0.118, 0.0, 1.0, "share of the gap to 1", CAL + "; Boulianne 2018; Pow et al. "
                                    "2020", "feels-heard gain of an aware non-participant who sees a fully "
                                    "representative panel like them honoured")
    vicarious_heard_loss: float = P(0.1, 0.0, 1.0, "share of feels-heard", "assumption (mirror of the gain)",
                                    "feels-heard loss of an aware non-participant who sees promised input ignored")
    spillover_gain: float = P(0.0431, 0.0, 1.0, "trust signal", CAL + "; Germann et al. 2024",
                              "trust signal to an aware non-participant when a fully representative panel is honoured")
    backfire: float = P(0.133, 0.0, 1.0, "trust signal", CAL + "; van Dijk & Lefevere 2023 (sign)",
                        "trust loss of an aware non-participant who sees promised input ignored")
    capture_penalty: float = P(0.0538, 0.0, 1.0, "trust signal per unit of lobby influence",
                               CAL + "; OECD2024 (43% expect capture)",
                               "trust loss of an aware citizen who sees lobbyists shape the decision")
    word_of_mouth: float = P(0.3, 0.0, 1.0, "share", "assumption",
                             "share of neighbours' participant trust change passed on to aware contacts")
    bias_sensitivity: float = P(8.33, 0.0, 20.0, "exponent", CAL + "; Germann 2025",
                                "legitimacy gain is scaled by representativeness to this power")
    low_trust_focus: float = P(1.94, 0.0, 5.0, "exponent", CAL + "; Germann et al. 2024 (gains driven by low-trust "
                               "citizens)", "legitimacy and efficacy gains scale with (1 - prior trust) to this "
                               "power (normalised to mean 1)")
    habituation: float = P(0.7, 0.0, 1.0, "share per cycle", "assumption",
                           "share of the public's legitimacy and efficacy gain that a repeated cycle still brings "
                           "(1 = no habituation)")
    delivery_gain: float = P(0.048, 0.0, 1.0, "trust signal", CAL + "; Van Ryzin 2004 (expectancy-disconfirmation)",
                             "trust signal at delivery per unit of solution quality above what the institution "
                             "would deliver alone")
    delay_penalty: float = P(0.002, 0.0, 0.1, "trust signal per week", "assumption",
                             "weekly trust loss of aware citizens while delivery is overdue")


class ExposureParams(Section):
    leak_hazard: float = P(0.02, 0.0, 1.0, "probability per week", "assumption",
                           "weekly chance that hidden capture or ignored input comes out (media, leaks) in a fully "
                           "opaque process; times (1 - transparency)")
    panel_voice: float = P(0.05, 0.0, 1.0, "probability per week", "CCC 2021 (members publicly graded the "
                           "government's uptake 3.7/10); size assumption",
                           "extra weekly chance of exposure per unit of broken promise, from participants "
                           "speaking out; times (1 - transparency)")
    reach: float = P(0.6, 0.0, 1.0, "share", "assumption", "share of the unaware who hear of an exposure")
    scandal: float = P(0.152, 0.0, 1.0, "trust signal per unit of misconduct", CAL,
                       "trust loss of an aware citizen per unit of exposed hidden misconduct (lobby influence plus "
                       "broken promise)")


class AwarenessParams(Section):
    media_reach: float = P(0.05, 0.0, 1.0, "hazard per week", "assumption",
                           "weekly media reach of an announced (not closed) process")
    word_of_mouth: float = P(0.1, 0.0, 1.0, "hazard per aware neighbour share", "assumption",
                             "weekly chance of hearing about the process, per share of aware neighbours")
    decay: float = P(0.01, 0.0, 1.0, "share per week", "assumption", "weekly forgetting")


class InstitutionParams(Section):
    level: Literal["local", "regional", "national"] = Field(
        "local", description="level of government; sets the baseline trust and feels-heard shares [name; source: "
        "OECD2024]", json_schema_extra={"unit": "name", "source": "OECD2024"})
    position: float = P(0.35, 0.0, 1.0, "opinion scale 0..1", "assumption", "the institution's draft position")
    expertise: float = P(0.4, 0.0, 1.0, "coverage 0..1", "assumption",
                         "solution quality the institution reaches alone on the complex part of the problem")
    lobby_quality_penalty: float = P(0.3, 0.0, 1.0, "share", "assumption",
                                     "quality lost per unit of lobby influence on the decision")
    challenge_sensitivity: float = P(0.5, 0.0, 1.0, "share per unit distance", "Font et al. 2018 (direction)",
                                     "honour probability lost per unit distance of the recommendation from the "
                                     "draft (challenge to existing policy)")
    cost_sensitivity: float = P(0.3, 0.0, 1.0, "share", "Font et al. 2018 (direction)",
                                "honour probability lost by the most expensive recommendation")
    deciders: int = P(1, 1, 50, "decision makers", "talk 00:33:11 (MIND//SHIFT: no single central agency)",
                      "independent decision makers sharing the decision and its implementation; 1 = one central "
                      "agency. Each owns an equal share of the recommendations and lobbyists split their pressure")
    decider_spread: float = P(0.0, 0.0, 1.0, "share", "assumption",
                              "range of authenticity and buy-in across deciders (evenly spaced around the "
                              "engagement values)")
    alignment: float = P(1.0, 0.05, 1.0, "share", "assumption",
                         "with several deciders: share of full implementation speed they reach while acting apart "
                         "(no central agency aligns them)")
    alignment_gain: float = P(0.0, 0.0, 1.0, "share of the gap to 1 per session", "talk 00:33:24 (awareness of "
                              "interdependencies); size assumption",
                              "with several deciders: share of their remaining misalignment closed by each shared "
                              "co-creation session")


class StakeholderParams(Section):
    name: str
    kind: Literal["industry", "ngo", "union", "public_authority", "other"] = "other"
    power: float = P(0.5, 0.0, 1.0, "share", "assumption", "ability to obstruct implementation")
    position: float = P(0.5, 0.0, 1.0, "opinion scale 0..1", "assumption", "preferred policy at the start")
    trust: float = P(0.5, 0.0, 1.0, "trust 0..1", "assumption", "trust in the institution's process at the start")
    included: bool = B(True, "assumption", "at the table when the strategy includes stakeholders")
    knowledge: float = P(0.3, 0.0, 1.0, "share of the complex part", "assumption",
                         "share of the complex part of the problem the organisation knows (with engagement.panel "
                         "organisations the table pools it)")


def _default_stakeholders() -> list[StakeholderParams]:
    return [
        StakeholderParams(name="industry", kind="industry", power=0.8, position=0.2, trust=0.4),
        StakeholderParams(name="ngo", kind="ngo", power=0.4, position=0.8, trust=0.4),
        StakeholderParams(name="union", kind="union", power=0.5, position=0.5, trust=0.5),
        StakeholderParams(name="public_authority", kind="public_authority", power=0.6, position=0.5, trust=0.6),
    ]


class StakeholderRules(Section):
    tolerance: float = P(0.1, 0.0, 1.0, "opinion distance", "assumption",
                         "distance from its position a stakeholder accepts without obstruction")
    included_factor: float = P(0.3, 0.0, 1.0, "share", "assumption",
                               "obstruction of a collaborating stakeholder relative to a competing one")
    voice: float = P(0.3, 0.0, 1.0, "share", "assumption",
                     "pull of collaborating stakeholders on the decision, per unit of power")
    max_obstruction: float = P(0.9, 0.0, 0.99, "share", "assumption", "cap on the slow-down of implementation")
    early_engagement_factor: float = P(0.5, 0.0, 1.0, "multiplier", "assumption",
                                       "with early_engagement: multiplier on included_factor (stakeholders at the "
                                       "table from framing obstruct less)")
    convergence: float = P(0.15, 0.0, 1.0, "share per session at trust 1", "Circular Plastics Alliance "
                           "(competitors converged on a shared 10 Mt pledge); size assumption",
                           "share of the gap to the table's working position a stakeholder closes per session, "
                           "times its trust")
    table_trust_gain: float = P(0.06, 0.0, 0.5, "trust per session", "assumption",
                                "trust a stakeholder at the table gains per session")
    exclusion_trust_loss: float = P(0.005, 0.0, 0.1, "trust per week", "assumption",
                                    "trust a stakeholder left out loses each week the process runs without it")
    collaboration_threshold: float = P(0.6, 0.0, 1.0, "trust", "assumption",
                                       "trust above which a stakeholder at the table collaborates (stops lobbying, "
                                       "obstructs at included_factor)")
    lobby_share: float = P(0.2, 0.0, 5.0, "pressure per unit power", "assumption",
                           "lobby pressure a competing stakeholder applies toward its own position")
    decision_trust: float = P(0.3, 0.0, 1.0, "trust per unit", "assumption",
                              "stakeholder trust change at the decision: + for a decision within tolerance, - for "
                              "one at the far end of the scale")


class LobbyParams(Section):
    count: int = P(3, 0, 50, "lobbyists", "assumption", "number of lobbyists")
    budget: float = P(0.199, 0.0, 10.0, "pressure per process", CAL, "pressure each lobbyist can apply")
    position: float = P(0.15, 0.0, 1.0, "opinion scale 0..1", "assumption", "mean policy the lobbyists push for")
    position_spread: float = P(0.1, 0.0, 0.5, "opinion distance", "assumption",
                               "range of the lobbyists' positions around `position`")
    transparency_blunting: float = P(0.8, 0.0, 1.0, "share", "OECD2024 (43% capture perception); size assumption",
                                     "share of lobby pressure removed by full transparency")
    closed_access: float = P(3.0, 1.0, 10.0, "multiplier", "assumption",
                             "lobby pressure multiplier in a closed (captured) process")
    panel_access: float = P(0.1, 0.0, 1.0, "multiplier", "assumption",
                            "effectiveness of lobbying panel members relative to officials (members are many, "
                            "anonymous until the end, facilitated)")


class CostParams(Section):
    letter: float = P(1.5, 0.0, 20.0, "EUR per letter", "assumption", "cost of one invitation letter")
    honorarium: float = P(350.0, 0.0, 5000.0, "EUR per member", "Herefordshire 2021-22 (GBP 300 per member)",
                          "honorarium per panel member")
    session: float = P(4000.0, 0.0, 100_000.0, "EUR per session", "assumption", "facilitation and venue per session")
    consultation: float = P(15000.0, 0.0, 1_000_000.0, "EUR", "assumption", "running a public consultation")
    campaign: float = P(10000.0, 0.0, 1_000_000.0, "EUR", "assumption", "an information campaign (every open "
                        "process announces itself)")


class CrisisParams(Section):
    enabled: bool = B(False, "assumption", "a crisis happens")
    week: int = P(20, 0, 520, "week", "cases-and-data §4.5 (COVID-19 move online)", "week the crisis starts")
    trust_shock: float = P(-0.05, -1.0, 1.0, "trust signal", "assumption (Bol et al. 2021 found a +2-3 point rally "
                           "in spring 2020: the sign depends on the crisis)", "one-off trust signal to everyone")
    online_reach: float = P(1.5, 1.0, 5.0, "multiplier", "cases-and-data §4.5 (Antwerp PB >1,000 per step online)",
                            "media reach multiplier once everything is online")


class SelectionParams(Section):
    algorithm: Literal["leximin", "maximin", "nash", "legacy"] = Field(
        "leximin", description="selection algorithm [name; source: Flanigan et al. 2021]",
        json_schema_extra={"unit": "name", "source": "Flanigan et al. 2021"})
    features: tuple[str, ...] = Field(("sex", "age_band", "origin", "education"),
                                      description="features with quotas [names; source: cases-and-data §2.3]",
                                      json_schema_extra={"unit": "names", "source": "cases-and-data §2.3"})
    end_to_end: bool = B(False, "Flanigan et al. 2021; selection.population.correction",
                         "weight the draw by P(in pool) so that weight * selection probability is fair (end-to-end "
                         "fairness from population to panel)")
    quota_tolerance: float = P(0.15, 0.0, 1.0, "share of target", "assumption",
                               "quotas are target*(1 -/+ tolerance), target = panel size * population share")
    gap_feature: str = Field("education", description="feature whose groups define the trust gap [name]",
                             json_schema_extra={"unit": "name", "source": "OECD2024 (trust gaps by education)"})


class AllianceParams(Section):
    """Organisations signing voluntary commitments over time (Bass 1969 diffusion), and the delivery of what they
    pledged. Active only under strategies that put stakeholders at the table (co-creation); C&D = cases-and-data."""

    enabled: bool = B(False, "C&D §4.1 (Circular Plastics Alliance)", "an alliance of signatories runs")
    potential: int = P(320, 1, 1_000_000, "organisations", "assumption; C&D §4.1 (almost 300 by Oct 2021)",
                       "organisations that could sign (the saturation level M)")
    founders: int = P(0, 0, 1_000_000, "organisations", "assumption",
                      "signatories at the start; `engagement.leaders_first` adds the leading stakeholders")
    innovation: float = P(0.005, 0.0, 1.0, "share of non-members per week", "Bass 1969 (coefficient p); size "
                          "assumption fitted by eye to C&D §4.1 counts", "weekly share of non-members who sign on "
                          "their own")
    imitation: float = P(0.03, 0.0, 2.0, "per week per unit of trust", "Bass 1969 (coefficient q); size "
                         "assumption fitted by eye to C&D §4.1 counts",
                         "weekly joining per share already signed, times the mean trust of the organisations at "
                         "the table (trust built at the table draws others in)")
    baseline: float = P(5.0, 0.0, 1e9, "outcome units per year", "C&D §4.1 (just over 5 Mt/yr recyclate, 2016-2019)",
                        "the outcome before the alliance")
    target: float = P(10.0, 0.0, 1e9, "outcome units per year", "C&D §4.1 (10 Mt/yr by 2025)",
                      "the outcome the full membership pledges")
    follow_through: float = P(0.6, 0.0, 1.0, "share", "assumption (voluntary commitments are not enforced)",
                              "share of the pledged uplift that is eventually delivered")
    delivery_weeks: float = P(150.0, 1.0, 2000.0, "weeks", "assumption (investment in sorting and recycling "
                              "capacity; C&D §4.1 investment gap)", "mean lag between a pledge and its delivery")


class CapacityParams(Section):
    """An institution's co-creation capacity that learns (training, a community, ambassadors) and forgets (staff
    turnover, fading skills); it raises the facilitation its sessions get (C&D §4.2, Inovativen.si)."""

    enabled: bool = B(False, "C&D §4.2 (Inovativen.si)", "capacity learns and forgets")
    staff: int = P(15_000, 1, 10_000_000, "staff", "C&D §4.2 (15,000 staff targeted)", "staff of the administration")
    trained_initial: int = P(0, 0, 10_000_000, "staff", "assumption", "staff trained at the start")
    trained_per_week: float = P(6.0, 0.0, 10_000.0, "staff per week", "C&D §4.2 (1,300+ trained, Dec 2017 to about "
                                "Feb 2022: about 220 weeks)", "staff trained each week while the programme runs")
    training_weeks: int = P(260, 0, 1040, "weeks", "C&D §4.2 (ESF-funded programme 2017-2022)",
                            "weeks the training programme runs (from week 1)")
    forgetting: float = P(0.003, 0.0, 1.0, "share per week", "assumption (turnover and fading skills, about 15% "
                          "a year)", "share of trained staff whose skills are lost each week")
    ambassadors: int = P(0, 0, 100_000, "staff", "talk 00:18:35 (70; C&D §4.2: count not confirmed)",
                         "innovation ambassadors (entry points in their institutions)")
    units: int = P(22, 1, 10_000, "bodies", "C&D §4.2 (22 bodies in the 2019 maturity survey)",
                   "bodies of the administration an ambassador network has to cover")
    ambassador_retention: float = P(0.5, 0.0, 1.0, "share", "assumption",
                                    "share of forgetting prevented when every body has an ambassador")
    community_join: float = P(0.3, 0.0, 1.0, "share", "assumption (430+ members per 1,300+ trained, C&D §4.2)",
                              "share of newly trained staff who join the community of practice")
    community_churn: float = P(0.002, 0.0, 1.0, "share per week", "assumption",
                               "share of community members who leave each week")
    community_weight: float = P(0.5, 0.0, 5.0, "trained-staff equivalents", "assumption",
                                "capacity one community member adds, relative to one trained staff member")
    half_capacity: float = P(1000.0, 1.0, 1e7, "trained-staff equivalents", "assumption",
                             "capacity units at which the capacity index is 0.5 (index = E / (E + half))")
    facilitation_max: float = P(0.9, 0.0, 1.0, "quality 0..1", "assumption (professional facilitation)",
                                "facilitation at capacity index 1; at index c sessions get "
                                "facilitation + (facilitation_max - facilitation) * c")


class ReadinessParams(Section):
    """A COGOV Co-Ready-style profile (C&D §4.3: 26 attributes in 3 categories). When enabled it SETS the
    parameters it maps onto (docs/ODD.md §7.13): organisational capacity -> engagement.facilitation; internal
    drivers/barriers -> engagement.political_buy_in, engagement.authenticity (autonomy, silos),
    institution.challenge_sensitivity (silos); context -> engagement.transparency."""

    enabled: bool = B(False, "C&D §4.3 (Co-Ready)", "the profile sets the parameters it maps onto")
    facilitation: float = P(0.7, 0.0, 1.0, "score 0..1", "talk 00:37:39 (hosting team); assumption",
                            "organisational capacity: a hosting team able to facilitate")
    political_buy_in: float = P(0.6, 0.0, 1.0, "score 0..1", "talk 00:37:07, 00:43:02; assumption",
                                "internal driver: a sponsor with a mandate, political backing")
    autonomy: float = P(0.8, 0.0, 1.0, "score 0..1", "talk 00:47:41 (autonomy, discretion to stakeholders); "
                        "assumption", "internal driver: staff may grant participants real influence")
    silos: float = P(0.2, 0.0, 1.0, "score 0..1 (1 = deeply siloed)", "talk 00:48:19; assumption",
                     "internal barrier: departments that do not work across lines")
    transparency_habits: float = P(0.7, 0.0, 1.0, "score 0..1", "talk 01:11:04; assumption",
                                   "context: the habit of recording and publishing proceedings")
    silo_weight: float = P(0.5, 0.0, 1.0, "share", "assumption",
                           "share of authenticity lost to silos, and of challenge resistance they add")


class UsersParams(Section):
    """Service users as a subgroup of the population (COGOV Co-Renew: users in service renewal, C&D §4.3)."""

    share: float = P(0.0, 0.0, 1.0, "share of citizens", "assumption", "share of citizens who use the service; 0 = "
                     "no subgroup")
    propensity_link: float = P(-0.5, -3.0, 3.0, "logit per sd of log-propensity", "assumption (users of public "
                               "services are often the less heard)", "how much more (+) or less (-) likely the "
                               "groups that volunteer more are to be users")
    knowledge: float = P(0.3, 0.0, 1.0, "share of a dimension", "assumption (lived experience of the service)",
                         "extra knowledge users bring to every dimension of the problem")
    seats: int = P(0, 0, 1000, "members", "talk 00:24:50 (Co-Renew: users in journey mapping); count assumption",
                   "extra panel seats filled by service users recruited through the service")
    delivery_weight: float = P(1.0, 0.0, 10.0, "multiplier", "assumption (users live the delivery)",
                               "extra weight of the delivery signal for users: they get (1 + weight) times it")


class Scenario(Section):
    """A whole scenario. `Scenario()` is the baseline; `scenarios/baseline.yaml` spells it out with sources."""

    name: str = "baseline"
    description: str = ""
    population: PopulationParams = PopulationParams()
    process: ProcessParams = ProcessParams()
    engagement: EngagementParams = EngagementParams()
    deliberation: DeliberationParams = DeliberationParams()
    problem: ProblemParams = ProblemParams()
    trust: TrustParams = TrustParams()
    exposure: ExposureParams = ExposureParams()
    awareness: AwarenessParams = AwarenessParams()
    institution: InstitutionParams = InstitutionParams()
    stakeholders: tuple[StakeholderParams, ...] = Field(default_factory=lambda: tuple(_default_stakeholders()))
    stakeholder_rules: StakeholderRules = StakeholderRules()
    lobby: LobbyParams = LobbyParams()
    cost: CostParams = CostParams()
    crisis: CrisisParams = CrisisParams()
    selection: SelectionParams = SelectionParams()
    alliance: AllianceParams = AllianceParams()
    capacity: CapacityParams = CapacityParams()
    readiness: ReadinessParams = ReadinessParams()
    users: UsersParams = UsersParams()
    strategies: tuple[Literal[STRATEGIES], ...] = STRATEGIES  # type: ignore[valid-type]

    def population_params(self) -> PopulationParams:
        """The population section with the level-dependent shares filled in (OECD2024 figures for
        `institution.level` where `baseline_trust` or `feels_heard_share` is empty)."""
        p, level = self.population, self.institution.level
        fill = {}
        if p.baseline_trust is None:
            fill["baseline_trust"] = LEVEL_TRUST[level]
        if p.feels_heard_share is None:
            fill["feels_heard_share"] = LEVEL_HEARD[level]
        return p.model_copy(update=fill) if fill else p

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A validated copy with dotted names set, e.g. {"engagement.transparency": 0.2}.

        Stakeholders are addressed by name: {"stakeholders.industry.included": False}.
        Raises ScenarioError (one line) on an unknown name or a value out of range.
        """
        data = self.model_dump()
        for dotted, value in overrides.items():
            parts = dotted.split(".")
            node: Any = data
            for i, key in enumerate(parts):
                last = i == len(parts) - 1
                if isinstance(node, list | tuple):
                    match = [s for s in node if isinstance(s, dict) and s.get("name") == key]
                    if not match:
                        raise ScenarioError(f"override '{dotted}': no stakeholder named '{key}'; use one of "
                                            f"{[s.get('name') for s in node]}")
                    node = match[0]
                    if last:
                        raise ScenarioError(f"override '{dotted}': name a field of the stakeholder, e.g. '.power'")
                    continue
                if not isinstance(node, dict) or key not in node:
                    near = difflib.get_close_matches(key, list(node) if isinstance(node, dict) else [], n=1)
                    hint = f"did you mean '{'.'.join([*parts[:i], near[0]])}'?" if near else "see docs/ODD.md"
                    raise ScenarioError(f"override '{dotted}': unknown parameter '{key}'; {hint}")
                if last:
                    node[key] = copy.deepcopy(value)
                else:
                    node = node[key]
        return validate(data, where="overrides")


def render_yaml(scenario: Scenario, header: str = "") -> str:
    """The scenario as commented YAML: every parameter on its own line with its description, unit, range and
    source from the schema (how scenarios/baseline.yaml is written)."""

    def value(v: Any) -> str:
        if v is None:
            return "null"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return repr(v)
        if isinstance(v, tuple | list):
            return "[" + ", ".join(str(x) for x in v) + "]"
        return repr(v)

    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += [f"name: {scenario.name}", f"description: {value(scenario.description)}", ""]
    for name, _field in Scenario.model_fields.items():
        section = getattr(scenario, name)
        if not isinstance(section, Section) or name in ("stakeholders",):
            continue
        lines.append(f"{name}:")
        for key, f in type(section).model_fields.items():
            doc = (f.description or "").replace("\n", " ")
            lines.append(f"  {key}: {value(getattr(section, key))}  # {doc}")
        lines.append("")
        if name == "institution":
            lines += ["# Stakeholder organisations: power in [0, 1] to obstruct implementation, preferred position on "
                      "the 0..1", "# policy scale, initial trust in the process, and whether they are at the table "
                      "when the strategy", "# includes stakeholders (co-creation strategies). Values are "
                      "assumptions.", "stakeholders:"]
            for st in scenario.stakeholders:
                items = ", ".join(f"{k}: {value(getattr(st, k)) if not isinstance(getattr(st, k), str) else getattr(st, k)}"
                                  for k in StakeholderParams.model_fields)
                lines.append(f"  - {{{items}}}")
            lines.append("")
    lines += ["# Strategies run by default (`cocreate simulate` without --strategy).",
              f"strategies: [{', '.join(scenario.strategies)}]", ""]
    return "\n".join(lines)


def parameter_table(scenario: Scenario | None = None, ranges: dict | None = None) -> str:
    """The parameter table of docs/ODD.md as Markdown: every parameter with its default, unit, allowed range,
    source and whether it is calibrated (with the accepted 5-95% range from `ranges`, the parsed
    scenarios/calibration/ranges.yaml)."""
    scenario = scenario or Scenario()
    ranges = ranges or {}
    rows = ["| parameter | default | unit | allowed range | source | calibrated (accepted 5-95%) |",
            "|---|---|---|---|---|---|"]

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.4g}"
        if isinstance(v, tuple | list):
            return ", ".join(map(str, v))
        return "empty (by level)" if v is None else str(v)

    def add(name: str, field: Any, value: Any) -> None:
        extra = field.json_schema_extra or {}
        meta = field.metadata
        lo = next((m.ge for m in meta if hasattr(m, "ge")), None)
        hi = next((m.le for m in meta if hasattr(m, "le")), None)
        allowed = f"{fmt(lo)}..{fmt(hi)}" if lo is not None or hi is not None else "-"
        source = str(extra.get("source", "")).replace(CAL + "; ", "").replace(CAL, "-").replace("|", "/")
        if name in ranges:
            r = ranges[name]
            cal = f"yes: {r['low']:.3g}-{r['high']:.3g} (prior {r['prior'][0]:g}-{r['prior'][1]:g})"
        else:
            cal = "no"
        rows.append(f"| `{name}` | {fmt(value)} | {extra.get('unit', '')} | {allowed} | {source} | {cal} |")

    for section, _sfield in Scenario.model_fields.items():
        value = getattr(scenario, section)
        if isinstance(value, Section):
            for key, field in type(value).model_fields.items():
                add(f"{section}.{key}", field, getattr(value, key))
    for key, field in StakeholderParams.model_fields.items():
        if key not in ("name", "kind"):
            vals = ", ".join(f"{s.name} {fmt(getattr(s, key))}" for s in scenario.stakeholders)
            add(f"stakeholders[].{key}", field, vals)
    return "\n".join(rows) + "\n"


def _fields_at(loc: tuple) -> list[str]:
    """The field names valid at a location of the schema (for suggesting the nearest to a misspelt key)."""
    model: Any = Scenario
    for part in loc:
        field = getattr(model, "model_fields", {}).get(part) if isinstance(part, str) else None
        if field is None:
            if isinstance(part, int):
                continue
            return []
        model = field.annotation
        args = getattr(model, "__args__", ())
        model = next((a for a in (model, *args) if hasattr(a, "model_fields")), model)
    return list(getattr(model, "model_fields", {}))


def _one_line(err: ValidationError, where: str, text: str | None = None) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    if first["type"] == "extra_forbidden" and first["loc"]:
        key = str(first["loc"][-1])
        line = next((i for i, row in enumerate((text or "").splitlines(), 1)
                     if re.match(rf"\s*{re.escape(key)}\s*:", row)), 0)
        near = difflib.get_close_matches(key, _fields_at(first["loc"][:-1]), n=1)
        hint = (f"did you mean '{'.'.join([*map(str, first['loc'][:-1]), near[0]])}'?" if near
                else f"use one of {', '.join(_fields_at(first['loc'][:-1]))}")
        return f"{where}{f', line {line}' if line else ''}: unknown key '{loc}'{more}; {hint}"
    return f"{where}: field '{loc}': {first['msg']} (got {first.get('input')!r}){more}; fix the value"


def validate(data: Any, where: str = "scenario", text: str | None = None) -> Scenario:
    """Validate a mapping as a Scenario; raise ScenarioError with one line naming the field (and, for a misspelt
    key, its line in ``text`` and the nearest valid key)."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: expected a mapping of sections at the top level; see scenarios/baseline.yaml")
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_one_line(err, where, text)) from None


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a YAML scenario file. The file is only read, never modified."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        data = yaml.safe_load(text)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found; give the path to a scenario YAML file") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a directory; give the path to a scenario YAML file") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a UTF-8 text file; save the scenario as UTF-8 YAML") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise ScenarioError(f"{path}{line}: invalid YAML ({getattr(err, 'problem', err)}); fix the syntax") from None
    if data is None:
        data = {}
    return validate(data, where=path, text=text)
