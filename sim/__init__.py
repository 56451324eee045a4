"""The engagement model: a Mesa simulation of trust and buy-in under engagement strategies (see docs/ODD.md).

    from sim import load_scenario, run, STRATEGIES
    result = run(load_scenario("scenarios/baseline.yaml"), "cocreate_sortition", seed=0, population=2000)
"""

from sim.model import STRATEGIES, EngagementModel
from sim.runner import RunResult, paired_differences, run, summaries
from sim.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["STRATEGIES", "EngagementModel", "RunResult", "Scenario", "ScenarioError", "load_scenario",
           "paired_differences", "run", "summaries"]
