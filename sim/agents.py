"""The few actors that act, as Mesa agents: the institution, stakeholder organisations, lobbyists and panel members
(only while they deliberate). The public itself is NumPy state on the model (see sim/model.py).

Every agent has behaviour the model calls through Mesa's AgentSet (`do("step")`, `do("attend")`, ...):

- `Institution.step` implements the decision; `decide` honours or ignores each recommendation;
- `Stakeholder.step` loses trust while left out and, while competing, lobbies for its own position;
  `attend_session` moves its position toward the table's and builds trust, so it can switch from competition to
  collaboration; `hear_decision` updates its trust by how close the decision is to what it wants;
- `Lobbyist.step` chooses each week whom to lobby (officials or panel members) by the expected return, and spends
  its budget;
- `PanelMember.attend` / `discuss` / `commit`: show up (or drop out), talk at a table (bounded confidence weighted
  by assertiveness, knowledge pooling), learn toward the informed position.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim import mechanisms as mech


class Institution(mesa.Agent):
    """The public body: holds the draft position, takes lobby pressure, decides to honour or ignore recommendations,
    implements.

    `progress` is implementation progress in [0, 1]; `pressure` the lobby pressure collected for the next decision
    and `pressure_position` its pressure-weighted target; `buy_in` is the political buy-in (speeds implementation,
    resists lobbying).
    """

    def __init__(self, model, position: float, expertise: float, authenticity: float, buy_in: float):
        super().__init__(model)
        self.position = position
        self.expertise = expertise
        self.authenticity = authenticity
        self.buy_in = buy_in
        self.pressure = 0.0
        self._pull = 0.0
        self.lobby_pressure = 0.0
        self.progress = 0.0
        self.decided_at: float | None = None
        self.completed_at: float | None = None
        self.just_completed = False

    def receive_pressure(self, amount: float, position: float) -> None:
        """Lobby pressure toward `position` (from lobbyists and competing stakeholders)."""
        if amount > 0:
            self.pressure += amount
            self._pull += amount * position

    @property
    def pressure_position(self) -> float:
        """Pressure-weighted mean of the positions pushed for (the draft when nobody pushed)."""
        return self._pull / self.pressure if self.pressure > 0 else self.position

    def take_pressure(self) -> tuple[float, float]:
        """The pressure collected since the last decision and its target position; resets the tally."""
        out = (self.pressure, self.pressure_position)
        self.lobby_pressure = self.pressure
        self.pressure, self._pull = 0.0, 0.0
        return out

    def decide(self, recommendation: float | None, capture: float, lobby_position: float, uniforms: np.ndarray,
               costs: np.ndarray, force_ignore: bool, *, challenge_sensitivity: float,
               cost_sensitivity: float, authenticity: np.ndarray | None = None,
               captures: np.ndarray | None = None) -> tuple[float, float]:
        """Honour each recommendation j when its uniform (decision stream, shared by every strategy) is below
        `mech.honour_probabilities` (authenticity, capture, the challenge |recommendation - draft|, cost_j).
        Returns (honour share h, policy) with policy = h * recommendation + (1 - h) * ((1 - capture) * draft +
        capture * lobby_position). With several deciders `authenticity` and `captures` give each recommendation its
        owner's values (`capture` is then their mean)."""
        own = (1.0 - capture) * self.position + capture * lobby_position
        if recommendation is None:
            return 0.0, own
        if force_ignore:
            return 0.0, own
        p = mech.honour_probabilities(self.authenticity if authenticity is None else authenticity,
                                      capture if captures is None else captures, abs(recommendation - self.position),
                                      costs,
                                      challenge_sensitivity=challenge_sensitivity, cost_sensitivity=cost_sensitivity)
        h = float(np.mean(uniforms < p))
        return h, h * recommendation + (1.0 - h) * own

    def step(self) -> None:
        """Advance implementation at the model's current rate (obstruction by stakeholders) once decided."""
        self.just_completed = False
        if self.decided_at is None or self.progress >= 1.0:
            return
        self.progress = min(1.0, self.progress + self.model.implementation_rate())
        if self.progress >= 1.0:
            self.completed_at = self.model.time
            self.just_completed = True


class Stakeholder(mesa.Agent):
    """An organisation (industry, NGO, union, public authority) with power in [0, 1], a position that can move,
    trust in the institution's process, and a mode: "compete" (lobbies for its position, obstructs fully) or
    "collaborate" (at the table, trust above the threshold: no lobbying, obstructs at `included_factor`)."""

    def __init__(self, model, name: str, kind: str, power: float, position: float, trust: float, at_table: bool):
        super().__init__(model)
        self.name, self.kind = name, kind
        self.power, self.position, self.trust = power, position, trust
        self.initial_position, self.initial_trust = position, trust
        self.included = at_table
        self.mode = "compete"

    @property
    def collaborating(self) -> bool:
        return self.mode == "collaborate"

    def _update_mode(self) -> None:
        rules = self.model.cfg.stakeholder_rules
        self.mode = "collaborate" if self.included and self.trust >= rules.collaboration_threshold else "compete"

    def step(self) -> None:
        """While the process is in design: left out, lose trust; competing, lobby the institution for my position
        (my power x lobby_share over the design period)."""
        model = self.model
        if not model.in_design():
            return
        rules = model.cfg.stakeholder_rules
        if not self.included:
            self.trust = mech.clip01(self.trust - rules.exclusion_trust_loss)
        if not self.collaborating:
            amount = self.power * rules.lobby_share / model.design_length() * model.lobby_access()
            model.institution.receive_pressure(amount, self.position)

    def attend_session(self, working_position: float) -> None:
        """At the table for a session: trust grows; position moves toward the table's working position (the
        panel's current view and the other stakeholders'), faster the more I trust the process."""
        rules = self.model.cfg.stakeholder_rules
        self.trust = mech.clip01(self.trust + rules.table_trust_gain)
        self.position += rules.convergence * self.trust * (working_position - self.position)
        self._update_mode()

    def hear_decision(self, policy: float) -> None:
        """Trust moves by decision_trust * (1 - 2 * gap), gap = distance of the policy beyond my tolerance (rescaled
        to [0, 1]); then the mode is revised (a betrayed collaborator competes again)."""
        rules = self.model.cfg.stakeholder_rules
        gap = float(mech.obstruction(np.array([1.0]), np.array([self.position]), np.array([1.0]), policy,
                                     tolerance=rules.tolerance)[0])
        self.trust = mech.clip01(self.trust + rules.decision_trust * (1.0 - 2.0 * gap))
        self._update_mode()

    @property
    def obstruction_factor(self) -> float:
        """1 while competing; `included_factor` (x early_engagement_factor with early engagement) collaborating."""
        if not self.collaborating:
            return 1.0
        rules, eng = self.model.cfg.stakeholder_rules, self.model.cfg.engagement
        return rules.included_factor * (rules.early_engagement_factor if eng.early_engagement else 1.0)


class Lobbyist(mesa.Agent):
    """Pushes for `position` with `budget` pressure per process, spent evenly over the design period on whichever
    target promises more each week: officials (weight: the share of the decision the institution keeps, 1 - the
    expected honour share) or panel members (weight: the expected honour share), times access and distance."""

    def __init__(self, model, budget: float, position: float):
        super().__init__(model)
        self.budget, self.position = budget, position
        self.spent = {"institution": 0.0, "panel": 0.0}

    def step(self) -> None:
        model = self.model
        if not model.in_design() or self.budget <= 0:
            return
        spend = self.budget / model.design_length()
        honour = model.expected_honour()
        access = model.lobby_access()
        returns = {"institution": access * (1.0 - honour) * abs(model.institution.position - self.position)}
        if model.panel_deliberating():
            returns["panel"] = (access * model.cfg.lobby.panel_access * honour
                                * abs(model.panel_view() - self.position))
        target = max(returns, key=returns.get)
        self.spent[target] += spend
        if target == "institution":
            model.institution.receive_pressure(spend * access, self.position)
        else:
            model.lobby_panel(spend * access * model.cfg.lobby.panel_access, self.position)


class PanelMember(mesa.Agent):
    """A citizen on the panel while it deliberates; `citizen` indexes the population arrays. Holds the member's
    opinion and knowledge during deliberation, attendance and assertiveness (`weight`)."""

    def __init__(self, model, citizen: int, opinion: float, knowledge: np.ndarray, weight: float):
        super().__init__(model)
        self.citizen = int(citizen)
        self.opinion, self.initial_opinion = float(opinion), float(opinion)
        self.knowledge = np.asarray(knowledge, dtype=float).copy()
        self.weight = float(weight)
        self.present, self.dropped = True, False
        self.table = -1
        self._next: tuple[float, np.ndarray] | None = None

    def attend(self) -> None:
        """Come to this session, unless I drop out now (probability `deliberation.dropout`) or did before."""
        if not self.dropped and self.model.rngs["deliberation"].random() < self.model.cfg.deliberation.dropout:
            self.dropped = True
        self.present = not self.dropped

    def discuss(self) -> None:
        """Stage 1 (reads only): my new opinion (bounded confidence among those at my table, views weighted by
        assertiveness) and knowledge (pooling toward the table's best)."""
        if not self.present:
            return
        peers = self.model.tables[self.table]
        epsilon, pooling, rate = self.model.deliberation_settings()
        ops = np.array([p.opinion for p in peers])
        w = np.array([p.weight for p in peers])
        close = np.abs(ops - self.opinion) <= epsilon
        target = float((w * close * ops).sum() / (w * close).sum())
        best = np.max([p.knowledge for p in peers], axis=0)
        self._next = (self.opinion + rate * (target - self.opinion), self.knowledge + pooling * (best - self.knowledge))

    def commit(self) -> None:
        """Stage 2: take the new opinion and knowledge; learning moves my view toward the informed position."""
        if self._next is None:
            return
        opinion, knowledge = self._next
        d, prob = self.model.cfg.deliberation, self.model.cfg.problem
        before, after = float(self.knowledge.mean()), float(knowledge.mean())
        resolved = min(1.0, max(0.0, (after - before) / max(1.0 - before, 1e-9)))  # as mech.learn_toward
        self.opinion = opinion + d.learning_pull * (prob.informed_position - opinion) * resolved
        self.knowledge = knowledge
        self._next = None
