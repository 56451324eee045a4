"""Explore a scenario: pick a case and strategies, set the knobs with sliders (their ranges are the schema's,
:mod:`sim.scenario`), run every strategy over several seeds in the background (cancellable), and see trust, support
and implementation over the weeks with bands over the seeds, time to implementation, and the channel decomposition
of the trust change when :mod:`sim` offers one. Runs go through the public entry points of :mod:`sim`."""

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import solara  # noqa: E402

import sim  # noqa: E402
from cocreate.report.plots import data_uri  # noqa: E402
from cocreate.web import jobs, work  # noqa: E402
from cocreate.web.widgets import Figure, JobProgress, Problems, Table  # noqa: E402

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
KNOBS = ("engagement.authenticity", "engagement.transparency", "engagement.facilitation",
         "engagement.political_buy_in", "engagement.panel_size", "engagement.sessions", "lobby.count",
         "lobby.budget", "trust.loss_aversion", "population.homophily")
DEFAULT_STRATEGIES = ("inform", "consult_ignore", "cocreate_sortition", "cocreate_volunteers")
BAND = (0.05, 0.95)  # the band over seeds: 5th to 95th percentile
METRICS = {"trust": "mean trust", "support": "support for the decision", "implementation": "implementation progress"}


@dataclass(frozen=True)
class Knob:
    """A slider: the parameter's dotted name, range [lo, hi] from the schema, unit, description, whole or not."""

    name: str
    lo: float
    hi: float
    unit: str
    doc: str
    whole: bool


def knob(dotted: str, lo_cap: float | None = None, hi_cap: float | None = None) -> Knob:
    """The slider of a scenario parameter, from its schema field (``ge``/``le``, unit, description)."""
    section, key = dotted.split(".")
    model = sim.Scenario.model_fields[section].annotation
    field = model.model_fields[key]
    lo = next((m.ge for m in field.metadata if hasattr(m, "ge")), 0.0)
    hi = next((m.le for m in field.metadata if hasattr(m, "le")), 1.0)
    if lo_cap is not None:
        lo = max(lo, lo_cap)
    if hi_cap is not None:
        hi = min(hi, hi_cap)
    doc = (field.description or "").split(" [")[0]
    return Knob(dotted, float(lo), float(hi), (field.json_schema_extra or {}).get("unit", ""), doc,
                field.annotation is int)


SLIDER_CAPS = {"engagement.panel_size": (6, 200), "engagement.sessions": (1, 20), "lobby.count": (0, 20)}


def knobs() -> list[Knob]:
    return [knob(name, *SLIDER_CAPS.get(name, (None, None))) for name in KNOBS]


def value_of(scenario, dotted: str):
    section, key = dotted.split(".")
    return getattr(getattr(scenario, section), key)


def cases() -> dict[str, Path]:
    """The shipped scenario files, by name."""
    return {p.stem: p for p in sorted(SCENARIOS.glob("*.yaml"))}


def bands(series: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per strategy and week: the mean of ``metric`` over seeds and the band (5th-95th percentile)."""
    g = series.groupby(["strategy", "week"])[metric]
    return pd.DataFrame({"mean": g.mean(), "low": g.quantile(BAND[0]), "high": g.quantile(BAND[1])}).reset_index()


def series_figure(series: pd.DataFrame, strategies: list[str]) -> str:
    """Trust, support and implementation over the weeks, one line per strategy, its band over the seeds shaded."""
    fig, axes = plt.subplots(1, len(METRICS), figsize=(13, 3.6), sharex=True)
    colours = plt.get_cmap("tab10")
    for ax, (metric, title) in zip(axes, METRICS.items(), strict=True):
        b = bands(series, metric)
        for i, s in enumerate(strategies):
            part = b[b["strategy"] == s]
            ax.fill_between(part["week"], part["low"], part["high"], color=colours(i), alpha=0.18, lw=0)
            ax.plot(part["week"], part["mean"], color=colours(i), lw=1.6, label=s)
        ax.set_title(title, loc="left", fontsize=11)
        ax.set_xlabel("week")
        ax.spines[["top", "right"]].set_visible(False)
    axes[-1].legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.text(0.01, -0.02, f"lines: mean over seeds; bands: {BAND[0]:.0%}-{BAND[1]:.0%} of the seeds", fontsize=8)
    return data_uri(fig)


def summary_figure(summary: pd.DataFrame, strategies: list[str]) -> str:
    """Per strategy: trust change, final support and time to implementation, mean with the band over seeds."""
    cols = {"trust_change": "trust change", "support_final": "final support",
            "time_to_implementation": "time to implementation (weeks)"}
    fig, axes = plt.subplots(1, len(cols), figsize=(13, 0.6 + 0.42 * len(strategies)))
    y = np.arange(len(strategies))[::-1]
    for ax, (col, title) in zip(axes, cols.items(), strict=True):
        for yi, s in zip(y, strategies, strict=True):
            v = summary.loc[summary["strategy"] == s, col].dropna()
            if not len(v):
                continue
            lo, hi = v.quantile(BAND[0]), v.quantile(BAND[1])
            ax.hlines(yi, lo, hi, color="#1f77b4", lw=3, alpha=0.5)
            ax.plot([v.mean()], [yi], "o", color="black", ms=4)
        ax.set_yticks(y, strategies if ax is axes[0] else [""] * len(strategies), fontsize=9)
        ax.set_title(title, loc="left", fontsize=11)
        if col == "trust_change":
            ax.axvline(0, color="#999", lw=0.8)
        ax.spines[["top", "right"]].set_visible(False)
    return data_uri(fig)


def channel_figure(channels: pd.DataFrame, strategies: list[str]) -> str:
    """Each strategy's trust change split by channel (mean over seeds), stacked."""
    mean = channels.groupby(["strategy", "channel"])["trust_change"].mean().unstack("channel").reindex(strategies)
    fig, ax = plt.subplots(figsize=(9, 0.8 + 0.45 * len(strategies)))
    y = np.arange(len(strategies))[::-1]
    left_pos, left_neg = np.zeros(len(y)), np.zeros(len(y))
    for i, c in enumerate(mean.columns):
        v = mean[c].fillna(0.0).to_numpy()
        left = np.where(v >= 0, left_pos, left_neg)
        ax.barh(y, v, left=left, color=plt.get_cmap("tab10")(i), label=c)
        left_pos, left_neg = left_pos + np.maximum(v, 0), left_neg + np.minimum(v, 0)
    ax.set_yticks(y, strategies, fontsize=9)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("contribution to the mean trust change")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.spines[["top", "right"]].set_visible(False)
    return data_uri(fig)


def summary_table(summary: pd.DataFrame, strategies: list[str]) -> pd.DataFrame:
    rows = []
    for s in strategies:
        part = summary[summary["strategy"] == s]
        row = {"strategy": s, "runs": len(part)}
        for col, name in (("trust_change", "trust change"), ("support_final", "final support"),
                          ("time_to_implementation", "weeks to implementation")):
            v = part[col].dropna()
            row[name] = (f"{v.mean():.3f} [{v.quantile(BAND[0]):.3f}, {v.quantile(BAND[1]):.3f}]" if len(v)
                         else "-")
        rows.append(row)
    return pd.DataFrame(rows)


case = solara.reactive("baseline")
strategies = solara.reactive(list(DEFAULT_STRATEGIES))
values = solara.reactive({})
seeds = solara.reactive(5)
population = solara.reactive(2000)
runs_job = solara.reactive(jobs.JobState())
channels_job = solara.reactive(jobs.JobState())


def scenario():
    """The chosen case with the sliders' values (validated by the schema)."""
    base = sim.load_scenario(cases()[case.value])
    return base.with_overrides(dict(values.value)) if values.value else base


def _scenario_or_problem(state):
    """The scenario with the sliders' values, or None with the schema's one-line problem shown in ``state``."""
    try:
        return scenario()
    except sim.ScenarioError as err:
        state.set(jobs.JobState("failed", problems=(str(err),)))
        return None


def start_runs() -> None:
    jobs.cancel(runs_job)
    channels_job.set(jobs.JobState())
    chosen = [s for s in sim.STRATEGIES if s in strategies.value]
    chosen_scenario = _scenario_or_problem(runs_job)
    if chosen_scenario is None:
        return
    jobs.start(runs_job, work.scenario_runs, {"scenario": chosen_scenario, "strategies": chosen,
                                              "seeds": list(range(int(seeds.value))),
                                              "population": int(population.value)},
               describe=lambda stage, done, total, v: (f"{done} of {total} runs", done / total))


def start_channels() -> None:
    chosen = [s for s in sim.STRATEGIES if s in strategies.value]
    chosen_scenario = _scenario_or_problem(channels_job)
    if chosen_scenario is None:
        return
    jobs.start(channels_job, work.scenario_channels, {"scenario": chosen_scenario, "strategies": chosen,
                                                      "seeds": list(range(int(seeds.value))),
                                                      "population": int(population.value)},
               describe=lambda stage, done, total, v: (f"{done} of {total} decomposed runs", done / total))


def set_case(name: str) -> None:
    case.set(name)
    values.set({})
    runs_job.set(jobs.JobState())


@solara.component
def Slider(k: Knob, current):
    def on(v):
        values.set({**values.value, k.name: int(v) if k.whole else float(v)})

    shown = f"{current:g}" if isinstance(current, float) else str(current)
    label = (f"{k.name} ({k.unit})" if k.unit else k.name) + f": {shown}"
    with solara.Column(style={"width": "380px"}, gap="0px", classes=["knob"]):
        solara.Text(label, style={"font-size": "13px"})
        if k.whole:
            solara.SliderInt("", value=int(current), min=int(k.lo), max=int(k.hi), on_value=on)
        else:
            step = (k.hi - k.lo) / 100
            solara.SliderFloat("", value=float(current), min=k.lo, max=k.hi, step=step, on_value=on)
        solara.Text(f"{k.doc} [{k.lo:g} to {k.hi:g}]", style={"font-size": "11px", "color": "#555"})


@solara.component
def ExplorePage():
    names = list(cases())
    state, cstate = runs_job.value, channels_job.value
    try:
        base = sim.load_scenario(cases()[case.value])
        problems = ()
    except sim.ScenarioError as err:
        base, problems = None, (str(err),)
    with solara.Column(classes=["explore-page"]):
        solara.HTML(tag="h1", unsafe_innerHTML="Explore a scenario")
        solara.Text("Every strategy meets the same worlds: seed s is the same population, network and news for all "
                    "of them (common random numbers). Bands show the spread over the seeds.")
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.Select("Case", values=names, value=case.value, on_value=set_case)
            solara.SelectMultiple("Strategies", values=strategies.value, all_values=list(sim.STRATEGIES),
                                  on_value=strategies.set)
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.SliderInt(f"Seeds: {seeds.value}", value=seeds.value, min=2, max=30, on_value=seeds.set)
            solara.SliderInt(f"Citizens simulated: {population.value:,}", value=population.value, min=500, max=20000, step=500,
                             on_value=population.set)
        Problems(problems)
        if base is not None:
            if base.description:
                solara.Text(base.description, style={"font-style": "italic"})
            with solara.Details("Knobs (ranges from the scenario schema)", expand=True):
                with solara.Row(style={"flex-wrap": "wrap"}):
                    for k in knobs():
                        Slider(k, values.value.get(k.name, value_of(base, k.name)))
                solara.Button("Reset the knobs to the case's values", text=True, on_click=lambda: values.set({}))
        solara.Button("Run", color="primary", on_click=start_runs, classes=["run-scenario"],
                      disabled=state.running or not strategies.value or base is None)
        JobProgress(runs_job, "scenario")
        if state.status in ("failed", "crashed"):
            Problems(state.problems, title="The scenario could not be run")
        if state.status == "done":
            chosen = [s for s in sim.STRATEGIES if s in set(state.result["summary"]["strategy"])]
            solara.Text(f"{len(state.result['summary'])} runs in {state.seconds:.1f} s", classes=["runs-done"])
            Figure(series_figure(state.result["series"], chosen), "trust, support and implementation over the weeks",
                   classes=["scenario-plot"])
            Figure(summary_figure(state.result["summary"], chosen), "trust change, support, time to implementation",
                   classes=["scenario-summary"])
            Table(summary_table(state.result["summary"], chosen), classes=["scenario-table"])
            solara.HTML(tag="h3", unsafe_innerHTML="Where the trust change comes from")
            if getattr(sim, "decompose", None) is None:
                solara.Text("The channel decomposition appears here once the simulation offers one.")
            else:
                solara.Text("Each channel's share of the trust change: a run with only that channel on, minus a run "
                            "with every channel off, same seed (7 runs per strategy and seed).")
                solara.Button("Decompose", outlined=True, on_click=start_channels, classes=["run-channels"],
                              disabled=cstate.running)
                JobProgress(channels_job, "decomposition")
                if cstate.status in ("failed", "crashed"):
                    Problems(cstate.problems, title="The decomposition could not be run")
                if cstate.status == "done" and len(cstate.result["channels"]):
                    Figure(channel_figure(cstate.result["channels"], chosen), "trust change by channel",
                           classes=["channel-plot"])
