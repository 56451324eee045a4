"""One look for every simulation plot (reports, notebooks, the demo): plain names and stable colours per
strategy, plain names and colours per process phase, and the time plot a decision maker reads (a measure per
strategy over the weeks, mean with a band over seeds, each strategy's decision week dotted, and beneath it each
strategy's process phases on the same week axis).

Phases are those the model records each week (``phase`` in a run's series, :meth:`sim.model.EngagementModel._phase`):
``framing`` (weeks 0 to ``process.framing_weeks``), ``design`` (drafting, consultation or the panel's recruitment and
sessions, until the decision), ``decision`` (the decision week), ``implementation`` (until delivered) and
``feedback`` (after delivery); ``none`` when a strategy runs no process (status quo).
"""

from __future__ import annotations

import pandas as pd

#: Plain names per strategy (the same in every table, legend and sentence).
NAMES = {
    "status_quo": "no process at all", "inform": "inform only", "consult": "public consultation",
    "consult_ignore": "consultation, input ignored", "cocreate_sortition": "co-creation, lottery panel",
    "cocreate_volunteers": "co-creation, volunteers", "captured": "closed process, lobbied",
    "continuous": "continuous co-creation",
}
#: Stable colours per strategy (matplotlib's tab10, so that a strategy keeps its colour whatever else is shown).
COLOURS = {
    "status_quo": "#7f7f7f", "inform": "#1f77b4", "consult": "#ff7f0e", "consult_ignore": "#d62728",
    "cocreate_sortition": "#2ca02c", "cocreate_volunteers": "#17becf", "captured": "#8c564b",
    "continuous": "#9467bd",
}
#: Plain names per process phase, in process order.
PHASES = {
    "framing": "framing the problem", "design": "drafting / consultation / panel at work", "decision": "decision",
    "implementation": "implementation", "feedback": "delivered", "none": "no process",
}
PHASE_COLOURS = {
    "framing": "#d9d9d9", "design": "#fdd49e", "decision": "#000000", "implementation": "#c6dbef",
    "feedback": "#c7e9c0", "none": "#f0f0f0",
}


def name(strategy: str) -> str:
    """The plain name of a strategy id (the id itself when unknown)."""
    return NAMES.get(strategy, strategy)


def colour(strategy: str) -> str:
    """The stable colour of a strategy id (dark grey when unknown)."""
    return COLOURS.get(strategy, "#333333")


def phase_spans(series: pd.DataFrame) -> dict[str, list[tuple[str, float, float]]]:
    """Per strategy (in the order of ``series``): its phases as ``(phase, first week - 0.5, last week + 0.5)``, in
    week order. ``series`` is runs' tidy series (columns ``strategy``, ``seed``, ``week``, ``phase``); over several
    seeds a week takes the phase most seeds were in. Empty when there is no ``phase`` column."""
    if "phase" not in series:
        return {}
    spans = {}
    for strategy, df in series.groupby("strategy", sort=False):
        modal = df.groupby("week")["phase"].agg(lambda s: s.mode().iat[0]).sort_index()
        runs = modal.ne(modal.shift()).cumsum()
        spans[strategy] = [(str(g.iat[0]), float(g.index.min()) - 0.5, float(g.index.max()) + 0.5)
                           for _, g in modal.groupby(runs)]
    return spans


def time_plot(series: pd.DataFrame, column: str, ylabel: str, title: str, percent: bool = True,
              figsize: tuple[float, float] = (9.0, 5.2), axes=None):
    """A figure of ``column`` over the weeks: per strategy the mean over seeds (line) and the 10-90% band (shaded,
    when there are two seeds or more), and below it one bar per strategy showing its process phases on the same
    week axis. ``percent``: the values are shares in [0, 1], drawn as percentages. ``axes``: a (measure, phases)
    pair of axes to draw into (sharing x; a new figure when None). Returns the matplotlib figure (the caller saves or
    shows it)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    spans = phase_spans(series)
    rows = max(1, len(spans))
    if axes is None:
        fig, (ax, bar) = plt.subplots(2, 1, figsize=figsize, sharex=True,
                                      gridspec_kw={"height_ratios": [4.0, 0.35 + 0.28 * rows], "hspace": 0.08})
    else:
        ax, bar = axes
        fig = ax.figure
    n_seeds = int(series["seed"].nunique())
    for strategy, df in series.groupby("strategy", sort=False):
        g = df.groupby("week")[column]
        mean = g.mean()
        ax.plot(mean.index, mean.to_numpy(), color=colour(strategy), label=name(strategy), lw=1.8)
        if n_seeds > 1:
            ax.fill_between(mean.index, g.quantile(0.1).to_numpy(), g.quantile(0.9).to_numpy(),
                            color=colour(strategy), alpha=0.15, lw=0)
    if percent:
        low, high = ax.get_ylim()  # one decimal only where the range is narrow (under 5 percentage points)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0 if high - low > 0.05 else 1))
    ax.set_ylabel(ylabel)
    band = f"mean and 10-90% band over {n_seeds} seeds" if n_seeds > 1 else "one seed: no band"
    ax.set_title(f"{title} ({band})", fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="strategy",
              title_fontsize=8)
    used = []
    for i, (strategy, parts) in enumerate(spans.items()):
        for phase, start, end in parts:
            if phase == "decision":  # the decision week, dotted in the strategy's colour across the measure
                ax.axvline((start + end) / 2, color=colour(strategy), ls=":", lw=1.0, alpha=0.8)
            bar.barh(rows - 1 - i, end - start, left=start, height=0.7, color=PHASE_COLOURS.get(phase, "#ffffff"),
                     edgecolor="white", lw=0.5)
            if phase not in used:
                used.append(phase)
    bar.set_yticks(range(rows)[::-1], [name(s) for s in spans] or [""], fontsize=7)
    bar.set_ylim(-0.6, rows - 0.4)
    bar.set_xlabel("weeks since the process started")
    bar.spines[["top", "right"]].set_visible(False)
    bar.legend(handles=[Patch(color=PHASE_COLOURS[p], label=PHASES.get(p, p)) for p in used], fontsize=7,
               frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.6), title="process phase",
               title_fontsize=7)
    return fig
