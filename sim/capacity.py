"""An institution's co-creation capacity that learns and forgets (Inovativen.si, cases-and-data §4.2).

Weekly, while the training programme runs (weeks 1..training_weeks):
    trained  += trained_per_week                       (and cumulative `ever_trained` counts them)
    community += community_join * trained_per_week
and every week
    trained  -= forgetting * (1 - ambassador_retention * min(1, ambassadors / units)) * trained
    community -= community_churn * community.
Capacity units E = trained + community_weight * community; the capacity index c = E / (E + half_capacity) lies in
[0, 1). Sessions get facilitation f + (facilitation_max - f) * c, f = engagement.facilitation. After training
stops, E and c decay geometrically (forgetting). Units: staff; weeks.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario import CapacityParams


@dataclass
class Capacity:
    params: CapacityParams
    trained: float = 0.0
    ever_trained: float = 0.0
    community: float = 0.0

    @classmethod
    def start(cls, params: CapacityParams) -> Capacity:
        return cls(params, float(params.trained_initial), float(params.trained_initial), 0.0)

    @property
    def index(self) -> float:
        p = self.params
        e = self.trained + p.community_weight * self.community
        return e / (e + p.half_capacity)

    def facilitation(self, base: float) -> float:
        """Facilitation a session gets at the current capacity, from the institution's own `base`."""
        return base + (self.params.facilitation_max - base) * self.index

    def step(self, week: int) -> None:
        p = self.params
        if 1 <= week <= p.training_weeks:
            new = min(p.trained_per_week, max(0.0, p.staff - self.trained))
            self.trained += new
            self.ever_trained += new
            self.community += p.community_join * new
        cover = min(1.0, p.ambassadors / p.units)
        self.trained -= p.forgetting * (1.0 - p.ambassador_retention * cover) * self.trained
        self.community -= p.community_churn * self.community
