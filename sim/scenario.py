"""Scenario schema: every model parameter with its unit, range, default and source.

A scenario is a YAML file whose sections mirror the classes below (`population`, `process`, `engagement`,
`deliberation`, `trust`, `awareness`, `institution`, `lobby`, `crisis`, `selection`, plus `stakeholders` and
`strategies`). Missing keys take the defaults documented here; unknown keys are an error. Sources are short keys
explained in `docs/ODD.md` (OECD2024 = OECD Trust Survey 2024 results; others are author-year).
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


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PopulationParams(Section):
    size: int = P(2000, 100, 5_000_000, "citizens", "assumption", "number of simulated citizens")
    network_degree: int = P(8, 2, 50, "ties per citizen", "assumption (Watts-Strogatz k as in modelling-evidence §2)",
                            "mean number of social ties")
    rewire_prob: float = P(0.1, 0.0, 1.0, "probability", "Watts & Strogatz 1998 (small-world regime)",
                           "share of ties rewired to a random citizen")
    homophily: float = P(0.8, 0.0, 1.0, "share", "assumption",
                         "share of citizens placed on the ring next to people of their own group")
    baseline_trust: float = P(0.39, 0.0, 1.0, "share with trust > 0.5", "OECD2024 (39% trust national government)",
                              "share of citizens who trust the institution at the start")
    feels_heard_share: float = P(0.30, 0.0, 1.0, "share", "OECD2024 (30% say the system lets them have a say)",
                                 "share who feel heard at the start")
    heard_trust_ratio: float = P(3.2, 1.0, 10.0, "ratio of trust shares", "OECD2024 (>3x as likely to trust)",
                                 "P(trust | feels heard) / P(trust | does not)")
    trust_spread: float = P(1.0, 0.1, 3.0, "logit sd", "assumption", "spread of initial trust on the logit scale")
    trust_propensity_link: float = P(0.3, 0.0, 2.0, "logit per sd of log-propensity",
                                     "OECD2024 direction (lower trust in groups least likely to volunteer)",
                                     "how much lower initial trust is in low-propensity groups")
    opinion_group_link: float = P(0.5, 0.0, 2.0, "logit per sd of log-propensity", "assumption",
                                  "how much opinion on the policy differs between high- and low-propensity groups")
    opinion_spread: float = P(1.0, 0.1, 3.0, "logit sd", "assumption", "spread of opinions on the policy")
    knowledge_dims: int = P(5, 1, 20, "dimensions", "assumption", "K, number of dimensions of the problem")
    knowledge_mean: float = P(0.2, 0.0, 1.0, "share of a dimension known", "assumption",
                              "mean knowledge of a dimension")
    lived_experience: float = P(0.3, 0.0, 1.0, "share of a dimension", "assumption",
                                "extra knowledge of the dimension tied to a citizen's own group")


class ProcessParams(Section):
    horizon_weeks: int = P(52, 4, 520, "weeks", "assumption", "length of the simulated period")
    framing_weeks: int = P(4, 0, 52, "weeks", "assumption", "problem framing phase")
    design_weeks: int = P(12, 1, 104, "weeks", "assumption", "design phase; the decision is taken at its end")
    implementation_weeks: float = P(20.0, 1.0, 260.0, "weeks", "assumption",
                                    "implementation time without obstruction when base_speed + political buy-in "
                                    "is 1 (buy-in 0.5 at the default base_speed)")
    base_speed: float = P(0.5, 0.05, 2.0, "multiple of 1 / implementation_weeks", "assumption",
                          "implementation speed at political buy-in 0; speed = (base_speed + political buy-in) / "
                          "implementation_weeks per week, slowed by obstruction")
    coverage_after_weeks: int = P(4, 0, 52, "weeks", "assumption",
                                  "weeks after the last decision during which the media still cover the process")
    cycle_weeks: int = P(13, 4, 52, "weeks", "assumption", "length of one cycle of the `continuous` strategy")
    recommendations: int = P(10, 1, 100, "count", "assumption", "number of recommendations the panel makes")


class EngagementParams(Section):
    authenticity: float = P(0.8, 0.0, 1.0, "probability", "assumption; OECD2024 (32% expect input adopted)",
                            "probability each recommendation is honoured before lobbying")
    transparency: float = P(0.7, 0.0, 1.0, "share", "assumption", "share of proceedings published")
    facilitation: float = P(0.7, 0.0, 1.0, "quality 0..1", "assumption", "facilitation quality")
    political_buy_in: float = P(0.6, 0.0, 1.0, "share", "Font et al. 2018 (officials' support raises uptake)",
                                "political buy-in: speeds implementation and resists lobbying")
    early_engagement: bool = Field(False, description="engage from the framing phase [bool; source: assumption]",
                                   json_schema_extra={"unit": "bool", "source": "assumption"})
    panel_size: int = P(48, 6, 1000, "members", "Herefordshire 2021-22 (48 seats); cases-and-data §2.3",
                        "seats on the panel")
    sessions: int = P(6, 1, 50, "sessions", "assumption", "number of deliberation sessions")
    online: bool = Field(False, description="sessions held online [bool; source: assumption]",
                         json_schema_extra={"unit": "bool", "source": "assumption"})
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
                              "weight of breadth (best member's knowledge per dimension) against depth (mean "
                              "member's knowledge) in the panel's solution quality")


class TrustParams(Section):
    loss_aversion: float = P(2.0, 1.0, 5.0, "ratio", "Slovic 1993 (direction); size assumption",
                             "weight of losses relative to gains")
    social_weight: float = P(0.1, 0.0, 1.0, "share per week", "Friedkin & Johnsen 1990; size assumption",
                             "share of the gap to neighbours' mean trust change closed each week")
    news_sd: float = P(0.002, 0.0, 0.2, "trust per week", "assumption", "sd of weekly exogenous news shocks")
    outcome_weight: float = P(0.6, 0.0, 1.0, "share", "Esaiasson et al. 2019 (outcome dominates)",
                              "weight of outcome favourability in support, and of the outcome in trust")
    participant_gain: float = P(0.15, 0.0, 1.0, "trust signal", "Gronlund et al. 2010 (direction)",
                                "trust signal to participants whose input is fully honoured")
    session_gain: float = P(0.01, 0.0, 0.2, "trust signal per session", "Gronlund et al. 2010 (direction)",
                            "trust signal to panel members per well-facilitated session")
    ignore_penalty: float = P(0.2, 0.0, 1.0, "trust signal", "Ulbig 2008; van Dijk & Lefevere 2023 (direction)",
                              "trust loss of participants whose input is fully ignored")
    ignored_heard_loss: float = P(0.5, 0.0, 1.0, "share of feels-heard per unit of promise",
                                  "Ulbig 2008 (direction); size assumption",
                                  "share of their feels-heard that participants lose when their input is fully "
                                  "ignored (honoured input closes the whole gap to 1)")
    spillover_gain: float = P(0.08, 0.0, 1.0, "trust signal", "Germann et al. 2024 (direction); size assumption",
                              "trust signal to an aware non-participant when a fully representative panel is honoured")
    backfire: float = P(0.06, 0.0, 1.0, "trust signal", "van Dijk & Lefevere 2023 (sign only)",
                        "trust loss of an aware non-participant when the promised input is ignored")
    word_of_mouth: float = P(0.3, 0.0, 1.0, "share", "assumption",
                             "share of neighbours' participant trust change passed on to aware contacts")
    bias_sensitivity: float = P(3.0, 0.0, 20.0, "exponent", "Germann 2025 (minor bias substantially reduces gains)",
                                "legitimacy gain is scaled by representativeness to this power")
    outcome_scale: float = P(0.3, 0.0, 2.0, "trust signal per unit favourability", "Van Ryzin 2004 (direction)",
                             "trust signal per unit of outcome better than the published draft")
    heard_gain: float = P(0.5, 0.0, 1.0, "share", "OECD2024 (direction)",
                          "feels-heard change per unit of process signal")
    delivery_gain: float = P(0.1, 0.0, 1.0, "trust signal", "Van Ryzin 2004 (expectancy-disconfirmation)",
                             "trust signal at delivery per unit of solution quality above the institution's "
                             "usual quality (institution.expertise)")
    delay_penalty: float = P(0.002, 0.0, 0.1, "trust signal per week", "assumption",
                             "weekly trust loss of aware citizens while implementation is overdue")


class AwarenessParams(Section):
    media_reach: float = P(0.05, 0.0, 1.0, "hazard per week", "assumption", "weekly media reach of a visible process")
    word_of_mouth: float = P(0.1, 0.0, 1.0, "hazard per aware neighbour share", "assumption",
                             "weekly chance of hearing about the process, per share of aware neighbours")
    decay: float = P(0.01, 0.0, 1.0, "share per week", "assumption", "weekly forgetting")


class InstitutionParams(Section):
    position: float = P(0.35, 0.0, 1.0, "opinion scale 0..1", "assumption", "the institution's draft position")
    expertise: float = P(0.4, 0.0, 1.0, "coverage 0..1", "assumption",
                         "solution quality the institution reaches alone")
    lobby_quality_penalty: float = P(0.5, 0.0, 1.0, "share", "assumption",
                                     "quality lost per unit of lobby influence on the decision")


class StakeholderParams(Section):
    name: str
    kind: Literal["industry", "ngo", "union", "public_authority", "other"] = "other"
    power: float = P(0.5, 0.0, 1.0, "share", "assumption", "ability to obstruct implementation")
    position: float = P(0.5, 0.0, 1.0, "opinion scale 0..1", "assumption", "preferred policy")
    included: bool = Field(True, description="at the table when the strategy includes stakeholders [bool]",
                           json_schema_extra={"unit": "bool", "source": "assumption"})


def _default_stakeholders() -> list[StakeholderParams]:
    return [
        StakeholderParams(name="industry", kind="industry", power=0.8, position=0.2),
        StakeholderParams(name="ngo", kind="ngo", power=0.4, position=0.8),
        StakeholderParams(name="union", kind="union", power=0.5, position=0.5),
        StakeholderParams(name="public_authority", kind="public_authority", power=0.6, position=0.5),
    ]


class StakeholderRules(Section):
    tolerance: float = P(0.1, 0.0, 1.0, "opinion distance", "assumption",
                         "distance from its position a stakeholder accepts without obstruction")
    included_factor: float = P(0.3, 0.0, 1.0, "share", "assumption",
                               "obstruction of an included stakeholder relative to an excluded one")
    voice: float = P(0.3, 0.0, 1.0, "share", "assumption",
                     "pull of included stakeholders on the decision, per unit of power")
    max_obstruction: float = P(0.9, 0.0, 0.99, "share", "assumption", "cap on the slow-down of implementation")
    early_engagement_factor: float = P(0.5, 0.0, 1.0, "multiplier", "assumption",
                                       "with early_engagement: multiplier on included_factor (stakeholders at the "
                                       "table from framing obstruct less)")


class LobbyParams(Section):
    count: int = P(3, 0, 50, "lobbyists", "assumption", "number of lobbyists")
    budget: float = P(1.0, 0.0, 10.0, "pressure per design phase", "assumption", "pressure each lobbyist can apply")
    position: float = P(0.15, 0.0, 1.0, "opinion scale 0..1", "assumption", "policy the lobbyists push for")
    transparency_blunting: float = P(0.8, 0.0, 1.0, "share", "OECD2024 (43% capture perception); size assumption",
                                     "share of lobby pressure removed by full transparency")
    closed_access: float = P(3.0, 1.0, 10.0, "multiplier", "assumption",
                             "lobby pressure multiplier in a closed (captured) process")


class CrisisParams(Section):
    enabled: bool = Field(False, description="a crisis happens [bool; source: assumption]",
                          json_schema_extra={"unit": "bool", "source": "assumption"})
    week: int = P(20, 0, 520, "week", "cases-and-data §4.5 (COVID-19 move online)", "week the crisis starts")
    trust_shock: float = P(-0.05, -1.0, 1.0, "trust signal", "assumption", "one-off trust signal to everyone")
    online_reach: float = P(1.5, 1.0, 5.0, "multiplier", "cases-and-data §4.5 (Antwerp PB >1,000 per step online)",
                            "media reach multiplier once everything is online")


class SelectionParams(Section):
    algorithm: Literal["leximin", "maximin", "nash", "legacy"] = Field(
        "leximin", description="selection algorithm [name; source: Flanigan et al. 2021]",
        json_schema_extra={"unit": "name", "source": "Flanigan et al. 2021"})
    features: tuple[str, ...] = Field(("sex", "age_band", "origin", "education"),
                                      description="features with quotas [names; source: cases-and-data §2.3]",
                                      json_schema_extra={"unit": "names", "source": "cases-and-data §2.3"})
    end_to_end: bool = Field(False, description="weight the draw by P(in pool) so that weight * selection "
                             "probability is fair (end-to-end fairness from population to panel) [bool; source: "
                             "Flanigan et al. 2021; selection.population.correction]",
                             json_schema_extra={"unit": "bool", "source": "Flanigan et al. 2021"})
    quota_tolerance: float = P(0.15, 0.0, 1.0, "share of target", "assumption",
                               "quotas are target*(1 -/+ tolerance), target = panel size * population share")
    gap_feature: str = Field("education", description="feature whose groups define the trust gap [name]",
                             json_schema_extra={"unit": "name", "source": "OECD2024 (trust gaps by education)"})


class Scenario(Section):
    """A whole scenario. `Scenario()` is the baseline; `scenarios/baseline.yaml` spells it out with sources."""

    name: str = "baseline"
    description: str = ""
    population: PopulationParams = PopulationParams()
    process: ProcessParams = ProcessParams()
    engagement: EngagementParams = EngagementParams()
    deliberation: DeliberationParams = DeliberationParams()
    trust: TrustParams = TrustParams()
    awareness: AwarenessParams = AwarenessParams()
    institution: InstitutionParams = InstitutionParams()
    stakeholders: tuple[StakeholderParams, ...] = Field(default_factory=lambda: tuple(_default_stakeholders()))
    stakeholder_rules: StakeholderRules = StakeholderRules()
    lobby: LobbyParams = LobbyParams()
    crisis: CrisisParams = CrisisParams()
    selection: SelectionParams = SelectionParams()
    strategies: tuple[Literal[STRATEGIES], ...] = STRATEGIES  # type: ignore[valid-type]

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
    """Validate a mapping as a Scenario; raise ScenarioError with one line naming the field."""
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
