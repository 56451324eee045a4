"""One run, week by week: Mesa's own ``SolaraViz`` page over the engagement model (step, play, pause, reset; the
case, strategy, seed and population in the sidebar), with its trust, support, awareness and implementation plotted
as the weeks go by."""

import solara
from mesa.visualization import SolaraViz, make_plot_component

import sim
from cocreate.web.explore_page import cases


class WeeklyRun(sim.EngagementModel):
    """The engagement model built from keyword parameters (what SolaraViz's reset needs): a shipped case, a strategy,
    a seed and a population size; it stops at the scenario's horizon."""

    def __init__(self, case: str = "baseline", strategy: str = "cocreate_sortition", seed: int = 0,
                 population: int = 2000):
        # the population of the seed's world stream, as sim.run builds it
        from sim.runner import population_for

        scenario = sim.load_scenario(cases()[case]).with_overrides({"population.size": int(population)})
        super().__init__(scenario, strategy, int(seed), population_for(scenario, int(seed)))
        self.case = case

    def step(self) -> None:
        super().step()
        self.running = self.time < self.horizon


MODEL_PARAMS = {
    "case": {"type": "Select", "value": "baseline", "values": list(cases()), "label": "Case"},
    "strategy": {"type": "Select", "value": "cocreate_sortition", "values": list(sim.STRATEGIES),
                 "label": "Strategy"},
    "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1, "label": "Seed"},
    "population": {"type": "SliderInt", "value": 2000, "min": 500, "max": 20000, "step": 500,
                   "label": "Citizens simulated"},
}


def Week(model):
    """Where the run is: the week, the phase, who took part (a plain function: SolaraViz redraws it each step)."""
    last = model.datacollector.get_model_vars_dataframe().iloc[-1]
    return solara.Text(f"week {int(model.time)} of {model.horizon}: phase {last['phase']}; trust {last['trust']:.3f}, "
                f"support {last['support']:.3f}, implementation {last['implementation']:.0%}"
                + (f"; panel: {model.selection_note}" if model.selection_note else ""), classes=["week-line"])


@solara.component
def OneRunPage():
    model = solara.use_memo(lambda: WeeklyRun(), [])
    SolaraViz(model, components=[
        Week,
        make_plot_component({"trust": "tab:blue", "support": "tab:orange", "feels_heard": "tab:green"}),
        make_plot_component({"awareness": "tab:purple", "implementation": "tab:red",
                             "lobby_influence": "tab:brown"}),
    ], model_params=MODEL_PARAMS, name="One run, week by week", play_interval=50)
