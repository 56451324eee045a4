"""The engagement model: a Mesa model whose public is NumPy state updated in vectorised weekly steps, and whose
actors (institution, stakeholders, lobbyists, panel members) are Mesa agents with behaviour (sim/agents.py).

Clock: one step = one week; `model.time` is the week number (step w runs with time == w). The process starts in
week 1 for every strategy; how long it takes to reach a decision depends on the strategy (docs/ODD.md §3):
inform and captured decide after framing + drafting, a consultation adds its comment period, co-creation needs
recruitment, its sessions and the institution's response. Discrete events (opening the process, sessions, the
decision, a crisis) are Mesa events scheduled before the step they affect. `continuous` repeats design and
decision every `cycle_weeks` after the first decision.

Randomness: `numpy.random.SeedSequence(seed).spawn(7)` gives separate streams for the world (population and
network), exogenous news, recruitment, deliberation, the honour decision, Mesa's own rng and exposure. Every
strategy run with the same seed therefore faces the same population, network, news, honour and exposure draws
(common random numbers).

Channels (`channels=`): the trust signals come through five channels (`sim.mechanisms.CHANNELS`): outcome
favourability, procedure (voice, feeling heard, spillover, visible capture), exposure of hidden misconduct,
delivery (quality, delay) and exogenous news (with the crisis shock). A model built with a subset leaves the
others' trust signals out and everything else unchanged, so runs with channels switched off under the same seed
decompose a result (sim/channels.py).
"""

from __future__ import annotations

import math
import time

import mesa
import numpy as np

from sim import formats
from sim import mechanisms as mech
from sim.agents import Institution, Lobbyist, PanelMember, Stakeholder
from sim.alliance import Alliance
from sim.capacity import Capacity
from sim.panel import consultation_respondents, sortition_panel, volunteer_panel
from sim.population import Population
from sim.quality import MeetingLog, comaster
from sim.readiness import apply_readiness
from sim.scenario import Scenario
from sim.strategies import SPECS, STRATEGIES

STREAMS = ("world", "news", "recruitment", "deliberation", "decision", "mesa", "exposure")


def streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators per purpose, all derived from one seed."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(STREAMS, children, strict=True)}


def _group_trust(code: int):
    """DataCollector reporter: mean trust of one group of the gap feature."""

    def report(model: EngagementModel) -> float:
        return float(model.group_trust[code])

    return report


def _alliance(name: str):
    """DataCollector reporter: an alliance quantity (signatories 0 and the baseline outcome where none runs)."""

    def report(model: EngagementModel) -> float:
        if model.alliance is None:
            return {"signatories": 0.0, "pledged": 0.0, "outcome": model.cfg.alliance.baseline}[name]
        return float(getattr(model.alliance, name))

    return report


class EngagementModel(mesa.Model):
    """One policy process under one strategy. Build with a Population drawn from the same seed's world stream."""

    def __init__(self, scenario: Scenario, strategy: str, seed: int, population: Population,
                 channels: frozenset[str] | set[str] | tuple[str, ...] | None = None):
        if strategy not in SPECS:
            raise ValueError(f"unknown strategy '{strategy}'; use one of {', '.join(STRATEGIES)}")
        self.channels = frozenset(mech.CHANNELS if channels is None else channels)
        unknown = self.channels - set(mech.CHANNELS)
        if unknown:
            raise ValueError(f"unknown channel(s) {sorted(unknown)}; use {', '.join(mech.CHANNELS)}")
        rngs = streams(seed)
        super().__init__(rng=rngs["mesa"])
        scenario = apply_readiness(scenario)  # a Co-Ready profile sets the parameters it maps onto (sim/readiness.py)
        self.cfg, self.strategy, self.spec, self.pop = scenario, strategy, SPECS[strategy], population
        self.rngs = rngs
        sc, pop, tp = scenario, population, scenario.trust
        n, horizon = pop.n, sc.process.horizon_weeks
        self.horizon = horizon
        # exogenous world: same for every strategy of a seed (drawn whatever the channels)
        shocks = rngs["news"].normal(0.0, tp.news_sd, size=horizon + 2)
        self.news = mech.news_levels(shocks, tp.news_persistence)
        self._news_on = "news" in self.channels
        self.decision_uniforms = rngs["decision"].random((horizon + 2, sc.process.recommendations))
        self.recommendation_costs = rngs["decision"].random((horizon + 2, sc.process.recommendations))
        self.exposure_uniforms = rngs["exposure"].random(horizon + 2)
        # public state (mutable copies)
        self.anchor = pop.trust
        self.own = np.zeros(n)  # each citizen's own accumulated experience of the process (trust deviation)
        self.dev = np.zeros(n)  # trust deviation after mixing with neighbours (Friedkin-Johnsen)
        self.trust = pop.trust.copy()
        self.feels_heard = pop.feels_heard.astype(float)
        self.awareness = np.zeros(n)
        self.participant = np.zeros(n, dtype=bool)
        self.legitimacy = np.zeros(n)  # accumulated spillover legitimacy gain of each citizen
        self._signals: dict[str, np.ndarray | float] = {}  # trust signals by channel, applied in the next step
        heard0 = pop.feels_heard > 0
        self.heard_gap = (float(pop.trust[heard0].mean() - pop.trust[~heard0].mean())
                          if heard0.any() and (~heard0).any() else 0.0)
        self.focus = mech.low_trust_weights(pop.trust, tp.low_trust_focus)
        gap = sc.selection.gap_feature
        if gap not in pop.codes:
            raise ValueError(f"selection.gap_feature '{gap}' is not a population feature; use one of {list(pop.codes)}")
        self.gap_codes = pop.codes[gap]
        self.gap_counts = np.bincount(self.gap_codes).astype(float)
        self.pop_share = {f: np.bincount(c, minlength=len(pop.labels[f])) / n for f, c in pop.codes.items()}
        self.sizes = {f: len(pop.labels[f]) for f in pop.codes}
        self.low_prior = pop.trust < 0.5
        self._init_extensions(seed)
        # actors
        eng = sc.engagement
        self.institution = Institution(self, sc.institution.position, sc.institution.expertise, eng.authenticity,
                                       eng.political_buy_in)
        self.stakeholders = [Stakeholder(self, s.name, s.kind, s.power, s.position, s.trust,
                                         s.included and self.spec.stakeholders_at_table) for s in sc.stakeholders]
        lob = sc.lobby
        offsets = np.linspace(-0.5, 0.5, lob.count) if lob.count > 1 else np.zeros(lob.count)
        self.lobbyists = [Lobbyist(self, lob.budget, mech.clip01(lob.position + lob.position_spread * o))
                          for o in offsets]
        for agent, params in zip(self.stakeholders, sc.stakeholders, strict=True):
            agent.knowledge, agent.group = params.knowledge, 0
        self.stakeholder_set = self.agents_by_type[Stakeholder] if self.stakeholders else None
        self.lobbyist_set = self.agents_by_type[Lobbyist] if self.lobbyists else None
        self.panel_members: list[PanelMember] = []
        self.tables: dict[int, list[PanelMember]] = {}
        # process bookkeeping
        self.policy = sc.institution.position
        self._fav_draft = 1.0 - np.abs(pop.opinion - sc.institution.position)
        self._mean_fav = float(self._fav_draft.mean())
        self.quality_alone = mech.institution_quality(sc.problem.complexity, sc.institution.expertise)
        self.quality = self.quality_alone
        self.qualities: list[float] = []
        self.honour_shares: list[float] = []
        self.lobby_shares: list[float] = []
        self.lobby_influence = 0.0
        self.panel_lobby = 0.0  # share of the current panel's view moved toward lobbyists
        self.hidden = 0.0  # hidden misconduct not yet exposed (lobby influence + broken promise, unpublished part)
        self.exposures: list[int] = []
        self.representativeness = float("nan")
        self.support_at_decision = float("nan")
        self.members = np.zeros(0, dtype=np.int64)
        self.like = np.zeros(n)
        self.selection_note = ""
        self.draw_seconds = 0.0
        self.cycle = 0
        self.online = eng.online
        self.last_rate = 0.0
        self.recommendation_shifts: list[float] = []
        self.panel_qualities: list[float] = []  # pooled knowledge of each panel at its decision
        self.heard_after_decision = float("nan")
        self.cost = 0.0
        self._broken = 0.0
        self._window: tuple[int, int] | None = None
        self._fav_change: np.ndarray | None = None  # change of each citizen's favourability at the first decision
        self.evidence_side: list[float] = []  # share of the way the panel moved toward the informed position
        self._schedule()
        founders = self._schedule_leaders()
        self.alliance = (Alliance.start(sc.alliance, founders) if sc.alliance.enabled and self.spec.process
                         and self.spec.stakeholders_at_table else None)
        # who signs when: a ninth child of the seed (the seven streams and the users' stay untouched)
        self.alliance_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(len(STREAMS) + 2)[-1])
        self.phase = "framing" if self.spec.process else "none"
        self._update_means()
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self.datacollector.collect(self)

    def _init_extensions(self, seed: int) -> None:
        """State of the mechanisms the cases need (all off by default): capacity, several deciders, the
        organisations' panel, Co-Master bookkeeping, service users."""
        sc = self.cfg
        self.facilitation = sc.engagement.facilitation
        self.capacity = Capacity.start(sc.capacity) if sc.capacity.enabled else None
        if self.capacity is not None:
            self.facilitation = self.capacity.facilitation(sc.engagement.facilitation)
        self.capacity_peak = self.capacity.index if self.capacity is not None else 0.0
        self.alignment = sc.institution.alignment if sc.institution.deciders > 1 else 1.0
        self.org_panel: list | None = None
        self.meetings = MeetingLog(0)
        self._retained = float("nan")
        self.comaster_cycles: list[dict[str, float]] = []
        self.users = None
        self.user_boost = 1.0
        if sc.users.share > 0:  # own stream (an extra child of the seed): the seven streams are untouched
            rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(len(STREAMS) + 1)[-1])
            share = min(max(sc.users.share, 1e-9), 1.0 - 1e-9)
            p = 1.0 / (1.0 + np.exp(-(math.log(share / (1.0 - share)) + sc.users.propensity_link * self.pop.z)))
            self.users = rng.random(self.pop.n) < p
            self.user_boost = 1.0 + sc.users.delivery_weight * self.users

    # ---------------------------------------------------------------- schedule
    def _schedule(self) -> None:
        p, eng, spec = self.cfg.process, self.cfg.engagement, self.spec
        self.process_start = 1
        self.decision_weeks: list[int] = []
        self.windows: list[tuple[int, int]] = []  # design windows (first week, decision week) of each cycle
        if self.cfg.crisis.enabled:
            self.schedule_event(self._crisis, at=self.cfg.crisis.week - 0.5)
        if not spec.process:
            self.decision_week, self.process_end = None, -1
            return
        if not spec.closed:
            self.cost += self.cfg.cost.campaign  # every open process announces itself
        if spec.participation in ("sortition", "volunteers"):
            open_week = 1 + (p.recruitment_weeks if eng.early_engagement else max(p.recruitment_weeks,
                                                                                  p.framing_weeks))
            decision = int(math.ceil(open_week + eng.sessions * p.weeks_per_session)) + p.response_weeks
            self._panel_cycle(open_week, decision, p.weeks_per_session)
            if spec.cycles:
                while decision + p.cycle_weeks <= self.horizon:
                    start, decision = decision + 1, decision + p.cycle_weeks
                    self._panel_cycle(start, decision, (decision - 1 - start) / max(1, eng.sessions))
        else:
            decision = p.framing_weeks + p.design_weeks
            if spec.participation == "consultation":
                decision += p.consultation_weeks
                self.schedule_event(self._open_consultation,
                                    at=p.framing_weeks + p.design_weeks + p.consultation_weeks / 2 - 0.5)
            self.decision_weeks.append(decision)
            self.windows.append((1, decision))
            self.schedule_event(self._decide, at=decision - 0.25)
        self.decision_week = self.decision_weeks[0]
        if self.decision_weeks[-1] > self.horizon:
            raise ValueError(f"the {self.strategy} decision falls in week {self.decision_weeks[-1]}, after "
                             f"process.horizon_weeks ({self.horizon}); lengthen the horizon or shorten the process "
                             "(sessions, weeks_per_session, recruitment, consultation or response weeks)")
        self.process_end = self.decision_weeks[-1] + p.coverage_after_weeks

    def _panel_cycle(self, open_week: int, decision: int, spacing: float) -> None:
        """Events of one panel: open (recruit and draw), sessions every `spacing` weeks, the decision."""
        self.schedule_event(self._open_panel, at=open_week - 0.75)
        for i in range(self.cfg.engagement.sessions):
            self.schedule_event(self._session, at=min(decision - 0.6, open_week + i * spacing) - 0.5)
        self.schedule_event(self._decide, at=decision - 0.25)
        self.decision_weeks.append(decision)
        self.windows.append((open_week if self.windows else 1, decision))

    # ---------------------------------------------------------------- what agents ask of the model
    def in_design(self) -> bool:
        """True while a decision is being prepared (lobbying and stakeholder activity happen now)."""
        return self._window is not None

    def design_length(self) -> float:
        """Weeks of the current design window (budgets are spread over it)."""
        return float(self._window[1] - self._window[0]) if self._window is not None else 1.0

    def _current_window(self, week: int) -> tuple[int, int] | None:
        for a, b in self.windows:
            if a <= week < b:
                return a, b
        return None

    def lobby_access(self) -> float:
        """Effectiveness of a unit of lobby pressure: closed_access in a closed process, else (1 - blunting x
        transparency): working out loud blunts lobbying."""
        lob = self.cfg.lobby
        if self.spec.closed:
            return lob.closed_access
        return 1.0 - lob.transparency_blunting * self.cfg.engagement.transparency

    def expected_honour(self) -> float:
        """The share of the decision lobbyists expect the participants to hold (0 when nobody takes part)."""
        if self.spec.participation is None or self.spec.force_ignore:
            return 0.0
        return self.cfg.engagement.authenticity

    def panel_deliberating(self) -> bool:
        return bool(self.panel_members)

    def panel_view(self) -> float:
        present = [a.opinion for a in self.panel_members if a.present]
        return float(np.mean(present)) if present else float(np.mean([a.opinion for a in self.panel_members]))

    def lobby_panel(self, pressure: float, position: float) -> None:
        """Lobby pressure on panel members: each present member moves pressure / (1 + pressure) of the way toward
        `position`."""
        share = pressure / (1.0 + pressure)
        for a in self.panel_members:
            if a.present:
                a.opinion += share * (position - a.opinion)
        self.panel_lobby = 1.0 - (1.0 - self.panel_lobby) * (1.0 - share)

    def deliberation_settings(self) -> tuple[float, float, float]:
        """(confidence bound, pooling, convergence rate) of this session: facilitation (raised by capacity, when
        modelled) widens openness and pooling; a circle pools less per session; online sessions lose informal
        exchange."""
        d = self.cfg.deliberation
        epsilon = d.confidence + self.facilitation * d.facilitation_widening
        pooling = d.pooling * self.facilitation * formats.exchange(d.format, d.circle_exchange)
        if self.online:
            epsilon, pooling = epsilon * d.online_exchange, pooling * d.online_exchange
        return epsilon, pooling, d.convergence

    def implementation_rate(self) -> float:
        """Weekly implementation progress: (base_speed + buy-in) / implementation_weeks, slowed by the sum of the
        stakeholders' obstruction (capped)."""
        sc = self.cfg
        slow = self.obstruction()
        self.last_rate = (sc.process.base_speed + self.institution.buy_in) / sc.process.implementation_weeks * (
            1.0 - slow) * self.alignment
        return self.last_rate

    def obstruction(self) -> float:
        """Share of implementation (and alliance delivery) speed lost to the stakeholders' obstruction of the current
        policy, in [0, max_obstruction]."""
        rules = self.cfg.stakeholder_rules
        if not self.stakeholders:
            return 0.0
        obstruct = mech.obstruction(np.array([s.power for s in self.stakeholders]),
                                    np.array([s.position for s in self.stakeholders]),
                                    np.array([s.obstruction_factor for s in self.stakeholders]), self.policy,
                                    tolerance=rules.tolerance)
        return min(rules.max_obstruction, float(obstruct.sum()))

    # ---------------------------------------------------------------- events
    def _add_signal(self, channel: str, value, idx: np.ndarray | None = None) -> None:
        """Queue a trust signal (a change on the 0-1 scale, a float or one per citizen; only citizens `idx` when
        given) through `channel` for the next weekly update; nothing when the channel is switched off."""
        if channel not in self.channels:
            return
        if idx is None:
            self._signals[channel] = self._signals.get(channel, 0.0) + value
            return
        acc = self._signals.get(channel, 0.0)
        acc = np.full(self.pop.n, float(acc)) if np.ndim(acc) == 0 else acc
        acc[idx] += value
        self._signals[channel] = acc

    def _set_participants(self, members: np.ndarray) -> None:
        self.members = members
        self.participant[members] = True
        self.awareness[members] = 1.0
        share = mech.composition(self.pop.codes, members, self.sizes)
        self.representativeness = mech.representativeness(share, self.pop_share)
        self.like = mech.like_me(self.pop.codes, share, self.pop_share)

    def _open_panel(self) -> None:
        sc = self.cfg
        k = sc.engagement.panel_size
        rng = self.rngs["recruitment"]
        if sc.engagement.panel == "organisations":
            self._open_organisation_panel()
            return
        start = time.perf_counter()
        if self.spec.participation == "sortition":
            members, self.selection_note = sortition_panel(self.pop, sc, rng)
            self.cost += sc.cost.letter * int(sc.engagement.letters_per_seat * k)
        else:
            members, self.selection_note = volunteer_panel(self.pop, k, rng), "self-selected"
        self.draw_seconds += time.perf_counter() - start  # wall time of recruitment + draw (for benchmarks)
        if self.users is not None and sc.users.seats:  # Co-Renew: users recruited through the service
            outside = np.flatnonzero(self.users & ~np.isin(np.arange(self.pop.n), members))
            extra = rng.choice(outside, size=min(sc.users.seats, len(outside)), replace=False)
            members = np.concatenate([members, np.sort(extra)]).astype(np.int64)
        self.cost += sc.cost.honorarium * len(members) + sc.cost.session * sc.engagement.sessions
        self._set_participants(members)
        d = sc.deliberation
        weight = np.exp(d.dominance * (1.0 - self.facilitation) * self.pop.z[members])
        weight = formats.voice(weight, d.format)
        knowledge = self.pop.knowledge[members].astype(float)
        if self.users is not None:  # lived experience of the service
            u = self.users[members]
            knowledge[u] += sc.users.knowledge * (1.0 - knowledge[u])
        groups = (formats.working_groups(len(members), d.working_groups, self.rngs["deliberation"])
                  if d.working_groups > 1 else np.zeros(len(members), dtype=np.int64))
        self.panel_members = [PanelMember(self, i, self.pop.opinion[i], kn, w)
                              for i, kn, w in zip(members, knowledge, weight, strict=True)]
        for slot, (agent, g) in enumerate(zip(self.panel_members, groups, strict=True)):
            agent.slot, agent.group = slot, int(g)
        self.panel_set = self.agents_by_type[PanelMember]
        self.panel_lobby = 0.0
        self.meetings = MeetingLog(len(members))
        self._retained = 1.0

    def _open_organisation_panel(self) -> None:
        """The stakeholder organisations at the table are the panel (an alliance): no citizens are drawn; the
        organisations are split into working groups by their order in the scenario."""
        sc = self.cfg
        self.cost += sc.cost.session * sc.engagement.sessions
        self.org_panel = [s for s in self.stakeholders if s.included]
        for i, s in enumerate(self.org_panel):
            s.group = i % sc.deliberation.working_groups
        self.selection_note = f"{len(self.org_panel)} organisations"

    def _open_consultation(self) -> None:
        sc = self.cfg
        members = consultation_respondents(self.pop, self.awareness, sc.engagement.consultation_rate,
                                           self.rngs["recruitment"])
        self.selection_note = f"{len(members)} respondents"
        self.cost += sc.cost.consultation
        self._set_participants(members)

    def _session(self) -> None:
        if self.org_panel is not None:
            self._organisation_session()
            return
        if not self.panel_members:
            return
        d = self.cfg.deliberation
        self.panel_set.do("attend")
        present = [a for a in self.panel_members if a.present]
        self._retained = len(present) / len(self.panel_members)
        if not present:
            return
        if d.format == "world_cafe" and d.working_groups == 1:
            tables = mech.form_tables(len(present), d.table_size, self.rngs["deliberation"])
        else:
            tables = formats.seat(np.array([a.opinion for a in present]), np.array([a.group for a in present]),
                                  d.table_size, d.format, self.rngs["deliberation"], d.open_space_noise)
        self.meetings.seat(np.array([a.slot for a in present]), np.asarray(tables))
        self.tables = {}
        for agent, t in zip(present, tables, strict=True):
            agent.table = int(t)
            self.tables.setdefault(int(t), []).append(agent)
        self.panel_set.do("discuss")
        self.panel_set.do("commit")
        at_table = [s for s in self.stakeholders if s.included]
        if at_table:
            groups = d.working_groups
            views = {}
            for g in range(groups):
                ops = [a.opinion for a in present if a.group == g]
                views[g] = float(np.mean(ops)) if ops else float(np.mean([a.opinion for a in present]))
            working = {}  # each group's working position, computed before anyone moves
            for g in range(groups):
                peers = [t for j, t in enumerate(at_table) if j % groups == g]
                working[g] = (views[g] + sum(t.power * t.position for t in peers)) / (1.0 + sum(t.power for t in peers))
            for i, s in enumerate(at_table):
                s.attend_session(working[i % groups])
        self._align()
        idx = np.array([a.citizen for a in present])
        self._add_signal("procedure", self.cfg.trust.session_gain * self.facilitation, idx)

    def _organisation_session(self) -> None:
        """A meeting of the organisations' panel: each working group moves toward its own power-weighted position
        (positions computed before anyone moves)."""
        groups: dict[int, list] = {}
        for s in self.org_panel:
            groups.setdefault(s.group, []).append(s)
        working = {g: sum(t.power * t.position for t in m) / max(1e-9, sum(t.power for t in m))
                   for g, m in groups.items()}
        for s in self.org_panel:
            s.attend_session(working[s.group])
        self._align()

    def _align(self) -> None:
        """Several deciders meeting in a shared session see their interdependence: alignment closes
        `alignment_gain` of its gap to 1."""
        inst = self.cfg.institution
        if inst.deciders > 1:
            self.alignment += inst.alignment_gain * (1.0 - self.alignment)

    def _schedule_leaders(self) -> int:
        """Sequencing: `engagement.leaders_first` sessions of the leading stakeholders alone, spread over the
        framing weeks, under strategies that put stakeholders at the table. Returns how many leaders there are
        (they are the alliance's first signatories)."""
        eng = self.cfg.engagement
        self.leaders: list = []
        self.leaders_first_scheduled = False
        if not (eng.leaders_first and self.spec.process and self.spec.stakeholders_at_table):
            return 0
        leaders = [s for s in self.stakeholders if s.included and s.power >= eng.leader_power]
        if not leaders:
            return 0
        span = max(1, self.cfg.process.framing_weeks)
        self.leaders, self.leaders_first_scheduled = leaders, True
        for i in range(eng.leaders_first):  # Mesa keeps weak references to callbacks: a bound method, no lambda
            self.schedule_event(self._leader_session, at=1 + i * span / eng.leaders_first - 0.5)
        return len(leaders)

    def _leader_session(self) -> None:
        leaders = self.leaders
        working = sum(s.power * s.position for s in leaders) / sum(s.power for s in leaders)
        for s in leaders:
            s.attend_session(working)

    def _crisis(self) -> None:
        self._add_signal("news", self.cfg.crisis.trust_shock)
        self.online = True

    def _recommendation(self) -> tuple[float | None, float]:
        """The participants' recommendation and the quality of the joint solution if it is honoured."""
        sc, eng = self.cfg, self.cfg.engagement
        prob, expertise = sc.problem, self.institution.expertise
        if self.org_panel is not None:
            if not self.org_panel:
                return None, self.quality_alone
            power = np.array([s.power for s in self.org_panel])
            rec = float(np.average([s.position for s in self.org_panel], weights=power + 1e-12))
            q = 1.0 - float(np.prod([1.0 - s.knowledge for s in self.org_panel]))  # the value chain's pooled view
            self.panel_qualities.append(q)
            return rec, mech.joint_quality(q, prob.complexity, expertise, prob.lay_error)
        if self.spec.participation in ("sortition", "volunteers") and self.panel_members:
            stayed = [a for a in self.panel_members if a.present] or self.panel_members
            q = mech.pooled_quality(np.array([a.knowledge for a in stayed]), sc.deliberation.breadth_weight,
                                    top=sc.deliberation.table_size)
            if eng.early_engagement:  # framing with the panel closes part of the remaining gap
                q = 1.0 - (1.0 - q) * (1.0 - eng.early_framing_gain)
            self.panel_qualities.append(q)
            rec = float(np.mean([a.opinion for a in stayed]))
            self.recommendation_shifts.append(rec - float(np.mean([a.initial_opinion for a in self.panel_members])))
            start = float(np.mean([a.initial_opinion for a in self.panel_members]))
            if abs(prob.informed_position - start) > 1e-6:  # share of the way to the informed position
                self.evidence_side.append((rec - start) / (prob.informed_position - start))
            return rec, mech.joint_quality(q, prob.complexity, expertise, prob.lay_error)
        if self.spec.participation == "consultation" and len(self.members):
            q = eng.consultation_quality * float(self.pop.knowledge[self.members].mean())  # unpooled written input
            return float(self.pop.opinion[self.members].mean()), mech.joint_quality(q, prob.complexity, expertise,
                                                                                    prob.lay_error)
        return None, self.quality_alone

    def _decide(self) -> None:
        sc, eng, tp = self.cfg, self.cfg.engagement, self.cfg.trust
        rec, joint = self._recommendation()
        if self.spec.closed:
            transparency = 0.0
        else:
            transparency = eng.transparency
        pressure, lobby_position = self.institution.take_pressure()
        capture = mech.lobby_capture(pressure, self.institution.buy_in)
        inst = self.institution
        each: dict[str, np.ndarray] = {}
        deciders = sc.institution.deciders
        if deciders > 1:  # no central agency: each decider owns every deciders-th recommendation
            offsets = np.linspace(-0.5, 0.5, deciders) * sc.institution.decider_spread
            buy_in = np.clip(inst.buy_in + offsets, 0.0, 1.0)
            captures = np.array([mech.lobby_capture(pressure / deciders, b) for b in buy_in])
            block = np.arange(sc.process.recommendations) % deciders
            each = {"authenticity": np.clip(inst.authenticity + offsets, 0.0, 1.0)[block],
                    "captures": captures[block]}
            capture = float(captures.mean())
        h, policy = inst.decide(rec, capture, lobby_position, self.decision_uniforms[self.cycle],
                                self.recommendation_costs[self.cycle], self.spec.force_ignore,
                                challenge_sensitivity=sc.institution.challenge_sensitivity,
                                cost_sensitivity=sc.institution.cost_sensitivity, **each)
        collab = [s for s in self.stakeholders if s.included and s.collaborating]
        if collab:
            pull = sum(s.power * (s.position - policy) for s in collab) / len(self.stakeholders)
            policy = mech.clip01(policy + sc.stakeholder_rules.voice * pull)
        self.policy = policy
        panel_lobby = self.panel_lobby if rec is not None and self.spec.participation != "consultation" else 0.0
        self.lobby_influence = (1.0 - h) * capture + h * panel_lobby
        quality = h * joint + (1.0 - h) * self.quality_alone
        quality *= 1.0 - sc.institution.lobby_quality_penalty * self.lobby_influence
        self.qualities.append(quality)
        self.quality = float(np.mean(self.qualities))
        self.honour_shares.append(h)
        self.lobby_shares.append(self.lobby_influence)
        for s in self.stakeholders:
            s.hear_decision(policy)
        # outcome: the decision against the published draft, for everyone (expectancy-disconfirmation)
        fav = 1.0 - np.abs(self.pop.opinion - policy)
        self._mean_fav = float(fav.mean())
        if self._fav_change is None:
            self._fav_change = fav - self._fav_draft
        self._add_signal("outcome", tp.outcome_scale * tp.outcome_weight * (fav - self._fav_draft))
        self._fav_draft = fav  # a later cycle is judged against the policy in force
        inst.position = policy
        procedure = "procedure" in self.channels
        aware_seen = self.awareness * transparency
        if procedure and self.lobby_influence > 0:  # lobbyists seen to shape the decision ("working out loud")
            self._add_signal("procedure", -tp.capture_penalty * self.lobby_influence * aware_seen)
        promise = getattr(eng, self.spec.promise) if self.spec.promise is not None else 0.0
        broken = promise * (1.0 - h) if len(self.members) else 0.0
        if self.spec.promise is not None and len(self.members):
            self._participatory_signals(promise, h, transparency, procedure)
        self.hidden += (1.0 - transparency) * (self.lobby_influence + broken)
        self._broken = broken
        if inst.decided_at is None:
            inst.decided_at = self.time
        self._record_quality(h, transparency)
        for agent in self.panel_members:
            agent.remove()
        self.panel_members, self.tables = [], {}
        self.cycle += 1

    def _record_quality(self, honour: float, transparency: float) -> None:
        """Co-Master-style metrics of the panel that just decided (sim/quality.py)."""
        if self.panel_members:
            self.comaster_cycles.append(comaster(
                self.representativeness, np.array([a.weight for a in self.panel_members]), self.meetings.mixing(),
                self._retained, honour, transparency))
        elif self.org_panel:
            power = np.array([s.power for s in self.org_panel])
            total = sum(s.power for s in self.stakeholders)
            groups = np.array([s.group for s in self.org_panel])
            n = len(groups)
            mixing = (float(np.mean([(np.sum(groups == g) - 1) / (n - 1) for g in groups])) if n > 1
                      else float("nan"))
            self.comaster_cycles.append(comaster(float(power.sum() / total) if total > 0 else float("nan"), power,
                                                 mixing, 1.0, honour, transparency))

    def _participatory_signals(self, promise: float, h: float, transparency: float, procedure: bool) -> None:
        """Participants' voice and feels-heard; the public's legitimacy, backfire, word of mouth and vicarious
        efficacy; feels-heard feeding trust (procedure channel)."""
        tp, m = self.cfg.trust, self.members
        n = self.pop.n
        part = promise * (tp.participant_gain * h - tp.ignore_penalty * (1.0 - h))
        part_delta = np.zeros(n)
        part_delta[m] = part
        novelty = tp.habituation ** self.cycle
        wom = tp.word_of_mouth * (self.pop.weights @ part_delta)
        rep_factor = self.representativeness ** tp.bias_sensitivity
        spill, legit = mech.spillover(self.awareness, transparency, self.like, self.representativeness,
                                      promise=promise, honour_share=h, gain=tp.spillover_gain, backfire=tp.backfire,
                                      bias_sensitivity=tp.bias_sensitivity, word_of_mouth=wom, focus=self.focus,
                                      novelty=novelty)
        spill[m] = part
        legit[m] = 0.0
        self.legitimacy += legit
        # feels heard: participants by what became of their input, the aware public by seeing people like them heard
        heard = self.feels_heard
        seen = self.awareness * transparency * promise
        gain = seen * tp.vicarious_heard_gain * self.like * rep_factor * h * self.focus * novelty
        loss = seen * tp.vicarious_heard_loss * (1.0 - h)
        change = mech.heard_change(heard, np.clip(gain, 0.0, 1.0), np.clip(loss, 0.0, 1.0))
        change[m] = mech.heard_change(heard[m], promise * tp.honoured_heard_gain * h,
                                      promise * tp.ignored_heard_loss * (1.0 - h))
        heard += change
        np.clip(heard, 0.0, 1.0, out=heard)
        self.heard_after_decision = float(heard[m].mean())
        if procedure:
            self._add_signal("procedure", spill + tp.heard_trust_weight * self.heard_gap * change)

    def _expose(self, week: int) -> None:
        """Hidden misconduct comes out: the media reach a share of the unaware, and the aware lose trust in
        proportion to what was hidden (exposure channel)."""
        ex = self.cfg.exposure
        self.awareness += (1.0 - self.awareness) * ex.reach
        self._add_signal("exposure", -ex.scandal * self.hidden * self.awareness)
        self.exposures.append(week)
        self.hidden = 0.0

    # ---------------------------------------------------------------- weekly step
    def _phase(self, week: int) -> str:
        if not self.spec.process:
            return "none"
        if week <= self.cfg.process.framing_weeks:
            return "framing"
        if week < self.decision_week:
            return "design"
        if week == self.decision_week:
            return "decision"
        if self.institution.completed_at is None:
            return "implementation"
        return "feedback"

    def step(self) -> None:
        week = int(round(self.time))
        sc, tp = self.cfg, self.cfg.trust
        inst = self.institution
        if self.capacity is not None:  # learning and forgetting; the next sessions get the new facilitation
            self.capacity.step(week)
            self.facilitation = self.capacity.facilitation(sc.engagement.facilitation)
            self.capacity_peak = max(self.capacity_peak, self.capacity.index)
        self._window = self._current_window(week)
        if self.spec.process:
            if self.stakeholder_set is not None:
                self.stakeholder_set.do("step")
            if self.lobbyist_set is not None:
                self.lobbyist_set.do("step")
            inst.step()
            if inst.just_completed:
                self._add_signal("delivery", tp.delivery_gain * (self.quality - self.quality_alone) * self.user_boost)
            elif inst.completed_at is None and week > self.process_start - 1 + sc.process.expected_weeks:
                self._add_signal("delivery", -tp.delay_penalty * self.awareness * self.user_boost)
            if self.alliance is not None:
                at_table = [s.trust for s in self.stakeholders if s.included]
                self.alliance.step(float(np.mean(at_table)) if at_table else 0.0, self.obstruction(),
                                   rng=self.alliance_rng)
            if inst.decided_at is not None and self.hidden > 0:
                p = mech.exposure_hazard(0.0 if self.spec.closed else sc.engagement.transparency,
                                         sc.exposure.leak_hazard, sc.exposure.panel_voice, self._broken)
                if self.exposure_uniforms[week] < p:
                    self._expose(week)
        media = 0.0
        if self.process_start <= week <= self.process_end and not self.spec.closed:
            media = sc.awareness.media_reach * (sc.crisis.online_reach if self.online else 1.0)
        signal = list(self._signals.values()) or None  # one signal per channel (mech.weekly_update)
        self._signals = {}
        news = float(self.news[week]) if self._news_on else 0.0
        self.own, self.dev, self.awareness, self.trust = mech.weekly_update(
            self.own, self.dev, self.anchor, news, self.awareness, signal, self.pop.weights, loss_aversion=tp.loss_aversion,
            social_weight=tp.social_weight, media=media, word_of_mouth=sc.awareness.word_of_mouth,
            decay=sc.awareness.decay)
        self.awareness[self.members] = 1.0
        self.phase = self._phase(week)
        self._update_means()
        if week == self.decision_week:
            self.support_at_decision = self.support
        self.datacollector.collect(self)

    # ---------------------------------------------------------------- outputs
    def _update_means(self) -> None:
        ow, n = self.cfg.trust.outcome_weight, self.pop.n
        self.mean_trust = float(np.add.reduce(self.trust)) / n
        self.trust_share = np.count_nonzero(self.trust > 0.5) / n
        self.mean_heard = float(np.add.reduce(self.feels_heard)) / n
        self.mean_awareness = float(np.add.reduce(self.awareness)) / n
        self.support = ow * self._mean_fav + (1.0 - ow) * 0.5 * (self.mean_trust + self.mean_heard)
        self.group_trust = np.bincount(self.gap_codes, weights=self.trust) / np.maximum(self.gap_counts, 1.0)
        self.progress = self.institution.progress

    def _group_changes(self, initial: np.ndarray) -> dict[str, float]:
        """Mean trust change of each group of the gap feature: ``trust_change_<feature>_<group>`` (whom a strategy
        reaches)."""
        gap = self.cfg.selection.gap_feature
        return {f"trust_change_{gap}_{label}": float(self.group_trust[c] - initial[c]) if self.gap_counts[c] else
                float("nan") for c, label in enumerate(self.pop.labels[gap])}

    def _reporters(self) -> dict:
        rep = {"phase": "phase", "trust": "mean_trust", "trust_share": "trust_share", "support": "support",
               "feels_heard": "mean_heard", "awareness": "mean_awareness", "lobby_influence": "lobby_influence",
               "implementation": "progress", "policy": "policy"}
        gap = self.cfg.selection.gap_feature
        for code, label in enumerate(self.pop.labels[gap]):
            rep[f"trust_{gap}_{label}"] = _group_trust(code)
        if self.cfg.alliance.enabled:
            rep.update({"signatories": _alliance("signatories"), "pledged": _alliance("pledged"),
                        "alliance_outcome": _alliance("outcome")})
        if self.capacity is not None:
            rep.update({"capacity": lambda m: m.capacity.index, "trained": lambda m: m.capacity.trained,
                        "trained_cumulative": lambda m: m.capacity.ever_trained,
                        "community": lambda m: m.capacity.community, "facilitation": "facilitation"})
        if self.cfg.institution.deciders > 1:
            rep["alignment"] = "alignment"
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
        change = self.trust - t0
        if inst.decided_at is None:
            tti = float("nan")
        elif inst.completed_at is not None:
            tti = float(inst.completed_at - self.process_start + 1)
        else:  # censored at the horizon: extrapolate at the last rate
            rate = max(self.last_rate, 1e-9)
            tti = float(self.time - self.process_start + 1 + (1.0 - inst.progress) / rate)
        delivered = (self.quality * max(0.0, self.horizon - inst.completed_at) / self.horizon
                     if inst.completed_at is not None else 0.0)
        g0 = np.bincount(self.gap_codes, weights=t0) / np.maximum(self.gap_counts, 1.0)
        present = self.gap_counts > 0
        nonpart = ~self.participant
        part = self.participant
        heard = self.feels_heard[nonpart] > 0.5  # the public (participants are a vanishing share of a real city)
        trusting = self.trust[nonpart] > 0.5
        ratio = (float(trusting[heard].mean() / trusting[~heard].mean())
                 if heard.any() and (~heard).any() and trusting[~heard].any() else float("nan"))
        low, high = self.low_prior & nonpart, ~self.low_prior & nonpart
        if self._fav_change is not None and nonpart.sum() >= 8:
            # rounded: everyone whose view lies beyond both positions has the same change, and unrounded the
            # last bit of each difference would decide which of them fall in the top or bottom quarter
            fc, ch = np.round(self._fav_change[nonpart], 9), change[nonpart]
            lo_q, hi_q = np.quantile(fc, [0.25, 0.75])
            gradient = float(ch[fc >= hi_q].mean() - ch[fc <= lo_q].mean()) if hi_q > lo_q else 0.0
        else:
            gradient = float("nan")
        lobbied = sum(lob.spent["panel"] for lob in self.lobbyists)
        spent = sum(lob.spent["panel"] + lob.spent["institution"] for lob in self.lobbyists)
        return {
            "trust_initial": float(t0.mean()),
            "trust_final": self.mean_trust,
            "trust_change": float(change.mean()),
            "trust_share_change": float(self.trust_share - np.mean(t0 > 0.5)),
            "public_trust_change": float(change[nonpart].mean()) if nonpart.any() else float("nan"),
            "trust_change_low_prior": float(change[low].mean()) if low.any() else float("nan"),
            "trust_change_high_prior": float(change[high].mean()) if high.any() else float("nan"),
            "support_at_decision": float(self.support_at_decision),
            "support_final": float(self.support),
            "solution_quality": float(self.quality),
            "delivered_value": float(delivered),
            "time_to_implementation": tti,
            "decision_week": float(self.decision_week) if self.decision_week is not None else float("nan"),
            "implemented": float(inst.completed_at is not None),
            **self._group_changes(g0),
            "trust_gap": float(np.ptp(self.group_trust[present])),
            "trust_gap_change": float(np.ptp(self.group_trust[present]) - np.ptp(g0[present])),
            "lobby_influence": float(np.mean(self.lobby_shares)) if self.lobby_shares else 0.0,
            "lobby_on_panel": float(lobbied / spent) if spent > 0 else 0.0,
            "honour_share": float(np.mean(self.honour_shares)) if self.honour_shares else float("nan"),
            "panel_representativeness": float(self.representativeness),
            "recommendation_shift": (float(np.mean(self.recommendation_shifts)) if self.recommendation_shifts
                                     else float("nan")),
            "panel_quality": float(np.mean(self.panel_qualities)) if self.panel_qualities else float("nan"),
            "panel_learning": float(np.mean(self.evidence_side)) if self.evidence_side else float("nan"),
            "outcome_gradient": gradient,
            "spillover_legitimacy": float(self.legitimacy[nonpart].mean()) if nonpart.any() else 0.0,
            "feels_heard_change": float(self.mean_heard - self.pop.feels_heard.mean()),
            "heard_trust_ratio": ratio,
            "participants_trust_change": float(change[part].mean()) if part.any() else float("nan"),
            "participants_feels_heard": float(self.heard_after_decision),
            "exposures": float(len(self.exposures)),
            "stakeholders_collaborating": (float(np.mean([s.collaborating for s in self.stakeholders]))
                                           if self.stakeholders else 0.0),
            "process_cost": float(self.cost / 1000.0),
            "awareness_final": self.mean_awareness,
            "participants": float(self.participant.sum()),
            "policy": float(self.policy),
            **self._comaster_summary(),
            **self._extension_summary(change),
        }

    def _comaster_summary(self) -> dict[str, float]:
        from sim.quality import METRICS

        if not self.comaster_cycles:
            return {f"comaster_{k}": float("nan") for k in METRICS}
        return {k: float(np.mean([c[k] for c in self.comaster_cycles])) for k in self.comaster_cycles[0]}

    def _extension_summary(self, change: np.ndarray) -> dict[str, float]:
        """Outputs of the mechanisms that are switched on (none by default)."""
        sc, out = self.cfg, {}
        if sc.alliance.enabled:
            a = self.alliance
            target = sc.alliance.target
            outcome = a.outcome if a is not None else sc.alliance.baseline
            out.update({"signatories_final": a.signatories if a is not None else 0.0,
                        "pledged_final": a.pledged if a is not None else 0.0,
                        "alliance_outcome_final": outcome,
                        "delivery_gap": max(0.0, 1.0 - outcome / target) if target > 0 else 0.0})
        if self.capacity is not None:
            c = self.capacity
            out.update({"capacity_peak": self.capacity_peak, "capacity_final": c.index,
                        "trained_cumulative": c.ever_trained, "trained_retained": c.trained,
                        "community_final": c.community})
        if self.users is not None:
            u = self.users
            out.update({"service_users_share": float(u.mean()),
                        "service_users_trust_change": float(change[u].mean()) if u.any() else float("nan"),
                        "panel_user_share": float(u[self.members].mean()) if len(self.members) else float("nan")})
        if sc.institution.deciders > 1:
            out["alignment_final"] = self.alignment
        if sc.readiness.enabled:
            from sim.readiness import readiness_score

            out["readiness_score"] = readiness_score(sc)
        return out
