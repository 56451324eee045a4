"""The engagement model's sweep adapter: ScenarioModel is `sim.run` with overrides, and the outcome spec names
real outcomes and strategies."""

import pickle

from sim import STRATEGIES, Scenario, run
from sim.sweep_model import ENGAGEMENT_OUTCOMES, ScenarioModel

SMALL = Scenario().with_overrides({"population.size": 600, "process.horizon_weeks": 40,
                                   "engagement.panel_size": 12})


def test_scenario_model_is_run_with_the_design_point_applied():
    model = pickle.loads(pickle.dumps(ScenarioModel(SMALL)))  # workers receive it pickled
    point = {"engagement.authenticity": 0.3}
    assert same(model(point, "consult", 3), run(SMALL.with_overrides(point), "consult", 3).summary)
    assert same(ScenarioModel(SMALL, population=700)({}, "inform", 1), run(SMALL, "inform", 1, population=700).summary)


def same(a: dict, b: dict) -> bool:
    """Equal keys and bit-identical values (NaN equal to NaN)."""
    return a.keys() == b.keys() and all(repr(a[k]) == repr(b[k]) for k in a)


def test_the_outcome_spec_names_real_outcomes_and_strategies():
    outputs = set(run(SMALL, "inform", 0).summary)
    spec = ENGAGEMENT_OUTCOMES
    assert {*spec.lower_is_better, *spec.neutral, *spec.key} <= outputs
    assert not spec.lower_is_better & spec.neutral
    assert {spec.baseline, spec.reference} <= set(STRATEGIES)
