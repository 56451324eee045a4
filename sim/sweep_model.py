"""The engagement model as a sweep model: the adapter between `sim.sweep` (which runs any function of parameters,
a strategy and a seed) and `sim.run`, and what the sweep analysis should know of the model's outcomes."""

from __future__ import annotations

from dataclasses import dataclass

from sim.runner import run
from sim.scenario import Scenario
from sim.sweep.analysis import OutcomeSpec

#: The engagement model's outcomes for `sim.sweep.analysis` and `analyse_sweep`: less is better for delay, lobby
#: influence and the trust gap; policy position, participants and initial trust have no better direction; the
#: headline outcomes (trust change first); strategies are compared with `consult`, and backfiring means doing worse
#: than merely informing.
ENGAGEMENT_OUTCOMES = OutcomeSpec(
    lower_is_better=frozenset({"time_to_implementation", "lobby_influence", "trust_gap", "trust_gap_change",
                               "decision_week", "process_cost", "exposures"}),
    neutral=frozenset({"policy", "participants", "trust_initial", "recommendation_shift", "lobby_on_panel",
                       "panel_learning"}),
    key=("trust_change", "support_at_decision", "solution_quality", "time_to_implementation", "trust_gap",
         "lobby_influence"),
    baseline="consult",
    reference="inform",
)


@dataclass(frozen=True)
class ScenarioModel:
    """The engagement model as a sweep model: apply the design point's overrides to `scenario`, run
    `sim.run(scenario, strategy, seed, population=population)` and return its summary (flat dict of floats).
    With `decompose`, also each trust channel's contribution (`sim.channels.decompose`: ``"<outcome>@<channel>"``
    columns, which `cocreate analyse` shows; seven runs instead of one).

    Pickles with the scenario object, so remote workers need the package but not the scenario file.
    """

    scenario: Scenario
    population: int | None = None
    decompose: bool = False

    def __call__(self, params: dict, strategy: str, seed: int) -> dict:
        scenario = self.scenario.with_overrides(params) if params else self.scenario
        if self.decompose:
            from sim.channels import decompose

            return decompose(scenario, strategy, seed, population=self.population)
        return dict(run(scenario, strategy, seed, population=self.population).summary)
