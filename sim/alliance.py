"""An alliance of organisations with voluntary commitments: signatories join over time and what they pledge is
delivered with a lag and in part (the Circular Plastics Alliance pattern, cases-and-data §4.1).

Signatories follow a discrete Bass (1969) diffusion: each week
    new = (innovation + imitation * trust * N / M) * (M - N)   (expected; the model draws it binomially),
N signatories, M the potential, `trust` the mean trust of the organisations at the table in [0, 1] (co-creation
builds it; so trust at the table draws others in). Pledges are proportional to membership:
    pledged = (target - baseline) * N / M   (the full membership pledges the whole target uplift),
and delivery closes the gap to the share that is followed through at a rate slowed by obstruction:
    delivered += (follow_through * pledged - delivered) / delivery_weeks * (1 - obstruction).
The outcome is baseline + delivered; the delivery gap is 1 - outcome / target (in [0, 1] while the outcome is
below the target). Invariants: 0 <= N <= M; 0 <= delivered <= follow_through * (target - baseline).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario import AllianceParams


@dataclass
class Alliance:
    """State of one alliance; `step` advances it one week."""

    params: AllianceParams
    signatories: float = 0.0
    delivered: float = 0.0

    @classmethod
    def start(cls, params: AllianceParams, founders: int = 0) -> Alliance:
        """The alliance at launch with `params.founders` + `founders` signatories (capped at the potential)."""
        return cls(params, float(min(params.potential, params.founders + founders)))

    @property
    def pledged(self) -> float:
        p = self.params
        return max(0.0, p.target - p.baseline) * self.signatories / p.potential

    @property
    def outcome(self) -> float:
        return self.params.baseline + self.delivered

    @property
    def gap(self) -> float:
        """1 - outcome / target: the share of the pledge not (yet) met; 0 when the target is met or is 0."""
        t = self.params.target
        return max(0.0, 1.0 - self.outcome / t) if t > 0 else 0.0

    def step(self, trust: float, obstruction: float, recruiting: bool = True,
             rng: np.random.Generator | None = None) -> None:
        """One week: new signatories (only while `recruiting`; with `rng` each non-member signs with the week's
        probability, a binomial draw, so counts are whole organisations; without it the expected number), then
        delivery toward the followed-through pledge."""
        p = self.params
        if recruiting:
            n, m = self.signatories, float(p.potential)
            rate = min(1.0, p.innovation + p.imitation * min(1.0, max(0.0, trust)) * n / m)
            new = rng.binomial(int(round(m - n)), rate) if rng is not None else rate * (m - n)
            self.signatories = min(m, n + new)
        goal = p.follow_through * self.pledged
        speed = (1.0 - min(1.0, max(0.0, obstruction))) / p.delivery_weeks
        self.delivered += (goal - self.delivered) * min(1.0, speed)
