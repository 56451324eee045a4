"""The few actors that act discretely, as Mesa agents: the institution, stakeholder organisations, lobbyists and
panel members (only while they deliberate). The public itself is NumPy state on the model (see sim/model.py).
"""

from __future__ import annotations

import mesa
import numpy as np


class Institution(mesa.Agent):
    """The public body: holds the draft position, decides to honour or ignore recommendations, implements.

    `progress` is implementation progress in [0, 1]; `lobby_pressure` is the pressure on the latest decision;
    `buy_in` is the political buy-in (speeds implementation, resists lobbying).
    """

    def __init__(self, model, position: float, expertise: float, authenticity: float, buy_in: float):
        super().__init__(model)
        self.position = position
        self.expertise = expertise
        self.authenticity = authenticity
        self.buy_in = buy_in
        self.lobby_pressure = 0.0
        self.progress = 0.0
        self.decided_at: float | None = None
        self.completed_at: float | None = None

    def decide(self, recommendation: float | None, capture: float, lobby_position: float, uniforms: np.ndarray,
               force_ignore: bool) -> tuple[float, float]:
        """Honour each recommendation with probability authenticity * (1 - capture) (one uniform each, from the
        decision stream, so strategies share them). Returns (honour share, policy position):
        policy = h * recommendation + (1 - h) * ((1 - capture) * draft + capture * lobby position)."""
        own = (1.0 - capture) * self.position + capture * lobby_position
        if recommendation is None:
            return 0.0, own
        p = 0.0 if force_ignore else self.authenticity * (1.0 - capture)
        h = float(np.mean(uniforms < p))
        return h, h * recommendation + (1.0 - h) * own

    def implement(self, rate: float) -> None:
        """Advance implementation by `rate` (share per week) once a decision exists."""
        if self.decided_at is None or self.progress >= 1.0:
            return
        self.progress = min(1.0, self.progress + rate)
        if self.progress >= 1.0:
            self.completed_at = self.model.time


class Stakeholder(mesa.Agent):
    """An organisation (industry, NGO, union, public authority) with power in [0, 1] and a preferred position."""

    def __init__(self, model, name: str, kind: str, power: float, position: float, included: bool):
        super().__init__(model)
        self.name, self.kind = name, kind
        self.power, self.position, self.included = power, position, included


class Lobbyist(mesa.Agent):
    """Pushes the institution toward `position` with `budget` pressure per design phase."""

    def __init__(self, model, budget: float, position: float):
        super().__init__(model)
        self.budget, self.position = budget, position


class PanelMember(mesa.Agent):
    """A citizen on the panel while it deliberates; `citizen` indexes the population arrays."""

    def __init__(self, model, citizen: int):
        super().__init__(model)
        self.citizen = int(citizen)
        self.table = -1
