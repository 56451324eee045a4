"""CLI commands for the sim area: `cocreate simulate`."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import typer

from cocreate.cli.common import atomic_write, check_writable, deferred_interrupts, fail, write_csv


def band_figure(series, column: str, ylabel: str):
    """The figure of `column` per strategy over the weeks (mean, 10-90% band over seeds) with each strategy's process
    phases beneath and its decision week dotted: :func:`cocreate.report.style.time_plot`, the plot of the HTML
    reports, so that the PNGs and the reports mark the phases alike."""
    import matplotlib

    matplotlib.use("Agg")

    from cocreate.report.style import time_plot  # plain names, stable colours and phases, as in every report

    return time_plot(series, column, ylabel, f"{ylabel} by strategy", percent=False, figsize=(9.5, 5.2))


def plot_bands(series, column: str, path: Path, ylabel: str) -> None:
    """:func:`band_figure` of `column`, written atomically as PNG."""
    import matplotlib.pyplot as plt

    fig = band_figure(series, column, ylabel)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight"))
    plt.close(fig)


OUTPUTS = ("series.csv", "series.parquet", "summary.csv", "summary.parquet", "paired_vs_inform.csv", "trust.png",
           "support.png", "channels.csv", "channels_vs_inform.csv", "scenario.yaml", "run.json")


def channel_tables(decomposed: list[tuple[str, int, dict]], paired, metric: str = "trust_change"):
    """From (strategy, seed, `sim.decompose` output) per run: the long table of each run's contribution of every
    channel to `metric` (channel, contribution), and the paired difference of each channel's contribution against
    inform with a t-interval (empty without inform)."""
    import pandas as pd

    from sim import CHANNELS

    parts = (*CHANNELS, "interaction")
    long = pd.DataFrame([{"strategy": s, "seed": seed, "metric": metric, "channel": c,
                          "contribution": out[f"{metric}@{c}"]} for s, seed, out in decomposed for c in parts])
    wide = pd.DataFrame([{"strategy": s, "seed": seed, **{c: out[f"{metric}@{c}"] for c in parts},
                          "total": out[metric]} for s, seed, out in decomposed])
    if "inform" not in set(wide["strategy"]) or wide["strategy"].nunique() < 2:
        return long, pd.DataFrame()
    frames = []
    for c in (*parts, "total"):
        frame = paired(wide, c)
        frame.insert(1, "channel", c)
        frames.append(frame.assign(metric=metric))
    return long, pd.concat(frames, ignore_index=True)


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which stops them (no traceback per worker)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _write_outputs(out: Path, results: list, strategies: list[str], plot, paired, summaries, kept: list[str]) -> None:
    import pandas as pd

    series = pd.concat([r.series for r in results], ignore_index=True)
    table = summaries(results)
    for name, frame in (("series", series), ("summary", table)):
        write_csv(out / f"{name}.csv", frame)
        atomic_write(out / f"{name}.parquet", lambda tmp, f=frame: f.to_parquet(tmp, index=False))
        kept += [f"{name}.csv", f"{name}.parquet"]
    diffs = pd.concat([paired(table, m) for m in ("trust_change", "support_at_decision")]
                      ) if "inform" in strategies and len(strategies) > 1 else pd.DataFrame()
    if len(diffs):
        write_csv(out / "paired_vs_inform.csv", diffs)
        kept.append("paired_vs_inform.csv")
    plot(series, "trust", out / "trust.png", "mean trust")
    plot(series, "support", out / "support.png", "mean support")
    kept += ["trust.png", "support.png"]


def _write_record(out: Path, path: Path, sc, strategies: list[str], seeds: int, channels: bool,
                  kept: list[str]) -> None:
    """What ran, for `cocreate report`: the scenario file as given (its header says what it reproduces) and
    run.json (the options, the scenario as run, versions and git commit)."""
    import json

    from sim.sweep.runner import provenance

    prov = provenance()
    atomic_write(out / "scenario.yaml", path.read_text(encoding="utf-8"))
    record = {"scenario": sc.name, "description": sc.description, "scenario_file": str(path), "seeds": seeds,
              "population": sc.population.size, "strategies": strategies, "channels": channels,
              "version": prov["versions"].get("cocreate"), "git_commit": prov["git_commit"],
              "versions": prov["versions"], "platform": prov["platform"], "scenario_as_run": sc.model_dump(mode="json")}
    atomic_write(out / "run.json", json.dumps(record, indent=1))
    kept += ["scenario.yaml", "run.json"]


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def simulate(
        scenario: Path = typer.Argument(..., help="scenario YAML file (see scenarios/baseline.yaml)"),
        strategy: list[str] = typer.Option(None, "--strategy", "-s", help="strategy to run (repeat); default: the "
                                           "scenario's `strategies`"),
        seeds: int = typer.Option(10, "--seeds", help="number of seeds (0..N-1); strategies share them"),
        population: int = typer.Option(None, "--population", help="citizens (overrides population.size)"),
        out: Path = typer.Option(..., "--out", help="output directory (created if missing)"),
        jobs: int = typer.Option(1, "--jobs", help="worker processes"),
        force: bool = typer.Option(False, help="replace the outputs of an earlier run in --out"),
        channels: bool = typer.Option(False, "--channels", help="also split each run's trust change by channel "
                                      "(outcome, procedure, exposure, delivery, news; seven runs per run): writes "
                                      "channels.csv and channels_vs_inform.csv"),
    ) -> None:
        """Run strategies x seeds; write series and summaries (CSV, Parquet) and PNG plots of trust and support."""
        from rich.console import Console
        from rich.progress import Progress
        from rich.table import Table

        from sim import (
            STRATEGIES,
            ScenarioError,
            decompose,
            load_scenario,
            paired_t_intervals,
            run,
            summaries,
        )

        try:
            sc = load_scenario(scenario)
        except ScenarioError as err:
            fail(str(err))
        if population is not None:
            try:
                sc = sc.with_overrides({"population.size": population})
            except ScenarioError:
                low = type(sc.population).model_fields["size"].metadata
                least = next((getattr(m, "ge", None) for m in low if getattr(m, "ge", None) is not None), None)
                fail(f"--population {population}: too small or not allowed for a population"
                     + (f"; give at least {least}" if least is not None else ""))
        strategies = list(strategy) if strategy else list(sc.strategies)
        bad = [s for s in strategies if s not in STRATEGIES]
        if bad:
            fail(f"--strategy: unknown strategy '{bad[0]}'; use one of {', '.join(STRATEGIES)}")
        if seeds < 1:
            fail(f"--seeds: {seeds} is not a positive number of seeds; give at least 1")
        if jobs < 1:
            fail(f"--jobs: {jobs} is not a positive number of workers; give at least 1")
        check_writable(out)
        clash = [n for n in OUTPUTS if (out / n).exists()]
        if clash and not force:
            fail(f"{out}: already holds {', '.join(clash)} from an earlier run; choose another --out or add --force")
        tasks = [(s, seed) for seed in range(seeds) for s in strategies]
        results, decomposed = [], []
        jobs_list = [(run, "simulating", results)] + ([(decompose, "decomposing by channel", decomposed)]
                                                      if channels else [])
        console = Console(stderr=True)
        try:
            with Progress(console=console, transient=True) as progress:
                for fn, label, into in jobs_list:
                    bar = progress.add_task(label, total=len(tasks))
                    if jobs == 1:
                        for s, seed in tasks:
                            into.append(fn(sc, s, seed))
                            progress.advance(bar)
                        continue
                    ex = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_ignore_interrupts)
                    try:
                        for r in ex.map(fn, [sc] * len(tasks), [s for s, _ in tasks], [k for _, k in tasks]):
                            into.append(r)
                            progress.advance(bar)
                    finally:  # on Ctrl-C too: stop the workers now rather than wait for their runs
                        for proc in list(getattr(ex, "_processes", {}).values()):
                            proc.terminate()
                        ex.shutdown(wait=False, cancel_futures=True)
        except ValueError as err:  # e.g. too few volunteers for the panel
            fail(f"{scenario}: {err}")
        kept: list[str] = []
        by_channel = vs_inform = None
        if channels:
            by_channel, vs_inform = channel_tables([(s, seed, d) for (s, seed), d in zip(tasks, decomposed,
                                                                                       strict=True)],
                                                   paired_t_intervals)
        with deferred_interrupts(kept):
            out.mkdir(parents=True, exist_ok=True)
            _write_outputs(out, results, strategies, plot_bands, paired_t_intervals, summaries, kept)
            _write_record(out, scenario, sc, strategies, seeds, channels, kept)
            if by_channel is not None:
                write_csv(out / "channels.csv", by_channel)
                kept.append("channels.csv")
                if len(vs_inform):
                    write_csv(out / "channels_vs_inform.csv", vs_inform)
                    kept.append("channels_vs_inform.csv")
        table = summaries(results)
        view = Table(title=f"{sc.name}: means over {seeds} seed(s), {sc.population.size} citizens")
        cols = ["trust_change", "support_at_decision", "solution_quality", "time_to_implementation",
                "lobby_influence", "trust_gap"]
        view.add_column("strategy", no_wrap=True)
        for header in ("trust chg", "support", "quality", "weeks impl", "lobby", "trust gap"):
            view.add_column(header, justify="right", no_wrap=True)
        means = table.groupby("strategy", sort=False)[cols].mean()
        for s, row in means.iterrows():
            view.add_row(s, *[f"{v:.3f}" for v in row])
        shown = Console()
        Console(width=max(shown.width, 110) if not shown.is_terminal else None).print(view)
        if vs_inform is not None and len(vs_inform):
            ch = Table(title="trust change vs inform, by channel (mean paired difference over seeds)")
            ch.add_column("strategy", no_wrap=True)
            parts = list(dict.fromkeys(vs_inform["channel"]))
            for c in parts:
                ch.add_column(c, justify="right", no_wrap=True)
            for s, frame in vs_inform.groupby("strategy", sort=False):
                by = dict(zip(frame["channel"], frame["mean_diff"], strict=True))
                ch.add_row(s, *[f"{by[c]:+.4f}" for c in parts])
            Console(width=max(shown.width, 110) if not shown.is_terminal else None).print(ch)
        typer.echo(f"wrote {out}/series.csv|parquet, summary.csv|parquet, trust.png, support.png"
                   + (", channels.csv, channels_vs_inform.csv" if channels else ""))
