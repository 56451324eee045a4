"""The engagement model: a Mesa model whose public is NumPy state updated in vectorised weekly steps.

Clock: one step = one week; `model.time` is the week number (step w runs with time == w). Discrete events
(opening the process, deliberation sessions, the decision, a crisis) are Mesa events scheduled half a week before
the step they affect. Phases: framing (weeks 1..F), design (F+1..D), decision (D = F + design_weeks),
implementation (until progress reaches 1), feedback (after). The `continuous` strategy repeats design and decision
every `cycle_weeks`.

Randomness: `numpy.random.SeedSequence(seed).spawn(6)` gives separate streams for the world (population and
network), exogenous news, recruitment, deliberation, the honour decision and Mesa's own rng. Every strategy run
with the same seed therefore faces the same population, network, news and honour draws (common random numbers).
"""

from __future__ import annotations

import time

import mesa
import numpy as np

from sim import mechanisms as mech
from sim.agents import Institution, Lobbyist, PanelMember, Stakeholder
from sim.panel import consultation_respondents, sortition_panel, volunteer_panel
from sim.population import Population
from sim.scenario import Scenario
from sim.strategies import SPECS, STRATEGIES

STREAMS = ("world", "news", "recruitment", "deliberation", "decision", "mesa")


def streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators per purpose, all derived from one seed."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(STREAMS, children, strict=True)}


def _group_trust(code: int):
    """DataCollector reporter: mean trust of one group of the gap feature."""

    def report(model: EngagementModel) -> float:
        return float(model.group_trust[code])

    return report


class EngagementModel(mesa.Model):
    """One policy process under one strategy. Build with a Population drawn from the same seed's world stream."""

    def __init__(self, scenario: Scenario, strategy: str, seed: int, population: Population):
        if strategy not in SPECS:
            raise ValueError(f"unknown strategy '{strategy}'; use one of {', '.join(STRATEGIES)}")
        rngs = streams(seed)
        super().__init__(rng=rngs["mesa"])
        self.cfg, self.strategy, self.spec, self.pop = scenario, strategy, SPECS[strategy], population
        self.rngs = rngs
        sc, pop = scenario, population
        n, horizon = pop.n, sc.process.horizon_weeks
        self.horizon = horizon
        # exogenous world: same for every strategy of a seed
        self.news = rngs["news"].normal(0.0, sc.trust.news_sd, size=horizon + 2)
        self.decision_uniforms = rngs["decision"].random((horizon + 2, sc.process.recommendations))
        # public state (mutable copies)
        self.trust = pop.trust.copy()
        self.feels_heard = pop.feels_heard.astype(float)
        self.awareness = np.zeros(n)
        self.participant = np.zeros(n, dtype=bool)
        self.legitimacy = np.zeros(n)  # accumulated spillover legitimacy gain of each citizen
        self._pending = np.zeros(n)  # per-citizen trust signals from events, applied in the next step
        self._pending_active = False
        self._pending_scalar = 0.0
        gap = sc.selection.gap_feature
        if gap not in pop.codes:
            raise ValueError(f"selection.gap_feature '{gap}' is not a population feature; use one of {list(pop.codes)}")
        self.gap_codes = pop.codes[gap]
        self.gap_counts = np.bincount(self.gap_codes).astype(float)
        self.pop_share = {f: np.bincount(c, minlength=len(pop.labels[f])) / n for f, c in pop.codes.items()}
        self.sizes = {f: len(pop.labels[f]) for f in pop.codes}
        # actors
        eng = sc.engagement
        self.institution = Institution(self, sc.institution.position, sc.institution.expertise, eng.authenticity,
                                       eng.political_buy_in)
        self.stakeholders = [Stakeholder(self, s.name, s.kind, s.power, s.position,
                                         s.included and self.spec.stakeholders_at_table) for s in sc.stakeholders]
        self.lobbyists = [Lobbyist(self, sc.lobby.budget, sc.lobby.position) for _ in range(sc.lobby.count)]
        self.panel_members: list[PanelMember] = []
        # process bookkeeping
        self.policy = sc.institution.position
        self._fav_draft = 1.0 - np.abs(pop.opinion - sc.institution.position)
        self._mean_fav = float(self._fav_draft.mean())
        self.quality = sc.institution.expertise
        self.qualities: list[float] = []
        self.honour_shares: list[float] = []
        self.lobby_shares: list[float] = []
        self.lobby_influence = 0.0
        self.representativeness = float("nan")
        self.support_at_decision = float("nan")
        self.members = np.zeros(0, dtype=np.int64)
        self.panel_opinion = np.zeros(0)
        self.panel_knowledge = np.zeros((0, pop.knowledge.shape[1]))
        self.like = np.zeros(n)
        self.selection_note = ""
        self.draw_seconds = 0.0
        self.cycle = 0
        self.online = eng.online
        self.last_rate = 0.0
        self._schedule()
        self.phase = "framing"
        self._update_means()
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self.datacollector.collect(self)

    # ---------------------------------------------------------------- schedule
    def _schedule(self) -> None:
        p, eng = self.cfg.process, self.cfg.engagement
        self.decision_week = p.framing_weeks + p.design_weeks
        if self.decision_week > self.horizon:
            raise ValueError("process.framing_weeks + process.design_weeks exceeds process.horizon_weeks; shorten them")
        start = 1 if eng.early_engagement else p.framing_weeks + 1
        self.decision_weeks = [self.decision_week]
        if self.spec.cycles:
            w = self.decision_week + p.cycle_weeks
            while w <= self.horizon:
                self.decision_weeks.append(w)
                w += p.cycle_weeks
        starts = [start] + [d + 1 for d in self.decision_weeks[:-1]]
        self.process_end = self.decision_weeks[-1] + p.coverage_after_weeks
        for s, d in zip(starts, self.decision_weeks, strict=True):
            if self.spec.participation in ("sortition", "volunteers"):
                self.schedule_event(self._open_panel, at=s - 0.75)
                for w in np.linspace(s, max(s, d - 1), eng.sessions):
                    self.schedule_event(self._session, at=float(w) - 0.5)
            elif self.spec.participation == "consultation":
                self.schedule_event(self._open_consultation, at=(s + d) / 2 - 0.5)
            self.schedule_event(self._decide, at=d - 0.25)
        self.process_start = start
        if self.cfg.crisis.enabled:
            self.schedule_event(self._crisis, at=self.cfg.crisis.week - 0.5)

    # ---------------------------------------------------------------- events
    def _set_participants(self, members: np.ndarray) -> None:
        self.members = members
        self.participant[members] = True
        self.awareness[members] = 1.0
        share = mech.composition(self.pop.codes, members, self.sizes)
        self.representativeness = mech.representativeness(share, self.pop_share)
        self.like = mech.like_me(self.pop.codes, share, self.pop_share)

    def _open_panel(self) -> None:
        k = self.cfg.engagement.panel_size
        rng = self.rngs["recruitment"]
        start = time.perf_counter()
        if self.spec.participation == "sortition":
            members, self.selection_note = sortition_panel(self.pop, self.cfg, rng)
        else:
            members, self.selection_note = volunteer_panel(self.pop, k, rng), "self-selected"
        self.draw_seconds += time.perf_counter() - start  # wall time of recruitment + draw (for benchmarks)
        self._set_participants(members)
        self.panel_members = [PanelMember(self, i) for i in members]
        self.panel_opinion = self.pop.opinion[members].astype(float)
        self.panel_knowledge = self.pop.knowledge[members].astype(float)

    def _open_consultation(self) -> None:
        eng = self.cfg.engagement
        members = consultation_respondents(self.pop, self.awareness, eng.consultation_rate, self.rngs["recruitment"])
        self.selection_note = f"{len(members)} respondents"
        self._set_participants(members)

    def _deliberation_settings(self) -> tuple[float, float]:
        d, eng = self.cfg.deliberation, self.cfg.engagement
        epsilon = d.confidence + eng.facilitation * d.facilitation_widening
        pooling = d.pooling * eng.facilitation
        if self.online:
            epsilon, pooling = epsilon * d.online_exchange, pooling * d.online_exchange
        return epsilon, pooling

    def _session(self) -> None:
        if len(self.members) == 0:
            return
        d = self.cfg.deliberation
        epsilon, pooling = self._deliberation_settings()
        self.panel_opinion, self.panel_knowledge, tables = mech.deliberate(
            self.panel_opinion, self.panel_knowledge, self.rngs["deliberation"], table_size=d.table_size,
            epsilon=epsilon, rate=d.convergence, pooling=pooling)
        for agent, t in zip(self.panel_members, tables, strict=True):
            agent.table = int(t)
        self._pending[self.members] += self.cfg.trust.session_gain * self.cfg.engagement.facilitation
        self._pending_active = True

    def _crisis(self) -> None:
        self._pending_scalar += self.cfg.crisis.trust_shock
        self.online = True

    def _recommendation(self) -> tuple[float | None, float]:
        """The participants' recommendation (their mean opinion) and the quality of the joint solution."""
        expertise, eng = self.institution.expertise, self.cfg.engagement
        if self.spec.participation in ("sortition", "volunteers") and len(self.members):
            q = mech.pooled_quality(self.panel_knowledge, self.cfg.deliberation.breadth_weight)
            if eng.early_engagement:  # framing with the panel closes part of the remaining gap
                q = 1.0 - (1.0 - q) * (1.0 - eng.early_framing_gain)
            return float(self.panel_opinion.mean()), 1.0 - (1.0 - q) * (1.0 - expertise)
        if self.spec.participation == "consultation" and len(self.members):
            q = eng.consultation_quality * float(self.pop.knowledge[self.members].mean())  # unpooled written input
            return float(self.pop.opinion[self.members].mean()), 1.0 - (1.0 - q) * (1.0 - expertise)
        return None, expertise

    def _decide(self) -> None:
        sc, eng, tp = self.cfg, self.cfg.engagement, self.cfg.trust
        rec, joint_quality = self._recommendation()
        closed = self.spec.closed
        budgets = np.array([lob.budget for lob in self.lobbyists])
        pressure = mech.lobby_pressure(budgets, 0.0 if closed else eng.transparency, sc.lobby.transparency_blunting,
                                       sc.lobby.closed_access if closed else 1.0)
        self.institution.lobby_pressure = pressure
        capture = mech.lobby_capture(pressure, self.institution.buy_in)
        h, policy = self.institution.decide(rec, capture, sc.lobby.position, self.decision_uniforms[self.cycle],
                                            self.spec.force_ignore)
        at_table = [s for s in self.stakeholders if s.included]
        if at_table:
            pull = sum(s.power * (s.position - policy) for s in at_table) / len(self.stakeholders)
            policy = float(np.clip(policy + sc.stakeholder_rules.voice * pull, 0.0, 1.0))
        self.policy = policy
        self.lobby_influence = (1.0 - h) * capture
        quality = (h * joint_quality + (1.0 - h) * self.institution.expertise)
        quality *= 1.0 - sc.institution.lobby_quality_penalty * self.lobby_influence
        self.qualities.append(quality)
        self.quality = float(np.mean(self.qualities))
        self.honour_shares.append(h)
        self.lobby_shares.append(self.lobby_influence)
        # outcome signal: the decision against the published draft, for everyone (expectancy-disconfirmation)
        fav = 1.0 - np.abs(self.pop.opinion - policy)
        self._mean_fav = float(fav.mean())
        signal = tp.outcome_scale * tp.outcome_weight * (fav - self._fav_draft)
        if self.spec.promise is not None and len(self.members):
            promise = getattr(eng, self.spec.promise)
            part = promise * (tp.participant_gain * h - tp.ignore_penalty * (1.0 - h))
            part_delta = np.zeros(self.pop.n)
            part_delta[self.members] = part
            wom = tp.word_of_mouth * (self.pop.weights @ part_delta)
            spill, legit = mech.spillover(self.awareness, eng.transparency, self.like, self.representativeness,
                                          promise=promise, honour_share=h, gain=tp.spillover_gain,
                                          backfire=tp.backfire, bias_sensitivity=tp.bias_sensitivity,
                                          word_of_mouth=wom)
            spill[self.members] = part
            legit[self.members] = 0.0
            self.legitimacy += legit
            signal += spill
            heard = self.feels_heard
            m = self.members
            public = spill.copy()
            public[m] = 0.0
            heard += tp.heard_gain * np.where(public >= 0, public * (1.0 - heard), public * heard)
            heard[m] += promise * (h * (1.0 - heard[m]) - (1.0 - h) * tp.ignored_heard_loss * heard[m])
            np.clip(heard, 0.0, 1.0, out=heard)
        self._pending += signal
        self._pending_active = True
        if self.institution.decided_at is None:
            self.institution.decided_at = self.time
        for agent in self.panel_members:
            agent.remove()
        self.panel_members = []
        self.cycle += 1

    # ---------------------------------------------------------------- weekly step
    def _phase(self, week: int) -> str:
        p = self.cfg.process
        if week <= p.framing_weeks:
            return "framing"
        if week < self.decision_week:
            return "design"
        if week == self.decision_week:
            return "decision"
        if self.institution.completed_at is None:
            return "implementation"
        return "feedback"

    def _implementation_rate(self) -> float:
        sc = self.cfg
        rules = sc.stakeholder_rules
        early = rules.early_engagement_factor if sc.engagement.early_engagement else 1.0
        factor = rules.included_factor * early
        obstruct = mech.obstruction(np.array([s.power for s in self.stakeholders]),
                                    np.array([s.position for s in self.stakeholders]),
                                    np.array([s.included for s in self.stakeholders]), self.policy,
                                    tolerance=rules.tolerance, included_factor=factor)
        slow = min(rules.max_obstruction, float(obstruct.sum()))
        return (sc.process.base_speed + self.institution.buy_in) / sc.process.implementation_weeks * (1.0 - slow)

    def step(self) -> None:
        week = int(round(self.time))
        sc, tp = self.cfg, self.cfg.trust
        inst = self.institution
        scalar = self.news[week] + self._pending_scalar
        self._pending_scalar = 0.0
        delay = None
        if inst.decided_at is not None and inst.completed_at is None:
            self.last_rate = self._implementation_rate()
            inst.implement(self.last_rate)
            if inst.completed_at is not None:
                scalar += tp.delivery_gain * (self.quality - self.institution.expertise)
            elif week > inst.decided_at + sc.process.implementation_weeks:
                delay = -tp.delay_penalty * self.awareness
        # awareness (media for visible processes, word of mouth, forgetting) and trust (asymmetric response to
        # this week's signals, changes spreading to neighbours), fused so the network is read once
        media = 0.0
        if self.process_start <= week <= self.process_end and not self.spec.closed:
            visibility = 1.0 if self.spec.participation is None else sc.engagement.transparency
            media = sc.awareness.media_reach * visibility * (sc.crisis.online_reach if self.online else 1.0)
        signal = self._pending + scalar if self._pending_active else scalar
        if delay is not None:
            signal = signal + delay
        self.trust, self.awareness = mech.weekly_update(
            self.trust, self.pop.trust, self.awareness, signal, self.pop.weights, loss_aversion=tp.loss_aversion,
            social_weight=tp.social_weight, media=media, word_of_mouth=sc.awareness.word_of_mouth,
            decay=sc.awareness.decay)
        self.awareness[self.members] = 1.0
        if self._pending_active:
            self._pending[:] = 0.0
            self._pending_active = False
        self.phase = self._phase(week)
        self._update_means()
        if week == self.decision_week:
            self.support_at_decision = self.support
        self.datacollector.collect(self)

    # ---------------------------------------------------------------- outputs
    def _update_means(self) -> None:
        ow = self.cfg.trust.outcome_weight
        self.mean_trust = float(self.trust.mean())
        self.trust_share = float(np.mean(self.trust > 0.5))
        self.mean_heard = float(self.feels_heard.mean())
        self.mean_awareness = float(self.awareness.mean())
        self.support = ow * self._mean_fav + (1.0 - ow) * 0.5 * (self.mean_trust + self.mean_heard)
        self.group_trust = np.bincount(self.gap_codes, weights=self.trust) / np.maximum(self.gap_counts, 1.0)
        self.progress = self.institution.progress

    def _reporters(self) -> dict:
        rep = {"phase": "phase", "trust": "mean_trust", "trust_share": "trust_share", "support": "support",
               "feels_heard": "mean_heard", "awareness": "mean_awareness", "lobby_influence": "lobby_influence",
               "implementation": "progress", "policy": "policy"}
        gap = self.cfg.selection.gap_feature
        for code, label in enumerate(self.pop.labels[gap]):
            rep[f"trust_{gap}_{label}"] = _group_trust(code)
        return rep

    def series(self):
        """Tidy per-week DataFrame (week 0 is the initial state)."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "week", np.arange(len(df)))
        return df

    def summary(self) -> dict[str, float]:
        """Flat run summary (see docs/ODD.md, Outputs)."""
        inst = self.institution
        t0 = self.pop.trust
        if inst.decided_at is None:
            tti = float("nan")
        elif inst.completed_at is not None:
            tti = float(inst.completed_at - inst.decided_at)
        else:  # censored at the horizon: extrapolate at the last rate
            rate = max(self.last_rate, 1e-9)
            tti = float(self.time - inst.decided_at + (1.0 - inst.progress) / rate)
        g0 = np.bincount(self.gap_codes, weights=t0) / np.maximum(self.gap_counts, 1.0)
        present = self.gap_counts > 0
        nonpart = ~self.participant
        return {
            "trust_initial": float(t0.mean()),
            "trust_final": self.mean_trust,
            "trust_change": float(self.mean_trust - t0.mean()),
            "trust_share_change": float(self.trust_share - np.mean(t0 > 0.5)),
            "support_at_decision": float(self.support_at_decision),
            "support_final": float(self.support),
            "solution_quality": float(self.quality),
            "time_to_implementation": tti,
            "implemented": float(inst.completed_at is not None),
            "trust_gap": float(np.ptp(self.group_trust[present])),
            "trust_gap_change": float(np.ptp(self.group_trust[present]) - np.ptp(g0[present])),
            "lobby_influence": float(np.mean(self.lobby_shares)) if self.lobby_shares else 0.0,
            "honour_share": float(np.mean(self.honour_shares)) if self.honour_shares else float("nan"),
            "panel_representativeness": float(self.representativeness),
            "spillover_legitimacy": float(self.legitimacy[nonpart].mean()) if nonpart.any() else 0.0,
            "feels_heard_change": float(self.mean_heard - self.pop.feels_heard.mean()),
            "awareness_final": self.mean_awareness,
            "participants": float(self.participant.sum()),
            "policy": float(self.policy),
        }
