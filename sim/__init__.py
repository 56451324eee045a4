"""The engagement model: a Mesa simulation of trust and buy-in under engagement strategies (see docs/ODD.md).

    from sim import load_scenario, run, STRATEGIES
    result = run(load_scenario("scenarios/baseline.yaml"), "cocreate_sortition", seed=0, population=2000)

Sweeps of many seeds and parameter values are in `sim.sweep` (model-independent) with the engagement model's
adapter in `sim.sweep_model`; `decompose` splits a run's trust change by channel (sim/channels.py).
"""

from sim.channels import CHANNELS, decompose
from sim.model import EngagementModel
from sim.runner import RunResult, paired_t_intervals, run, summaries
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.strategies import STRATEGIES

__all__ = ["CHANNELS", "STRATEGIES", "EngagementModel", "RunResult", "Scenario", "ScenarioError", "load_scenario",
           "decompose", "paired_t_intervals", "run", "summaries"]
