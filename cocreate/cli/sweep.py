"""CLI commands for the experiments area: `cocreate sweep` and `cocreate analyse` (see docs/sweeps.md)."""

from __future__ import annotations

import hashlib
import importlib
import sys
from pathlib import Path

import typer

from cocreate.cli.common import check_writable, fail


class _ProgressBar:
    """`run_sweep`'s progress reports as a rich bar on stderr: done/total, rate (runs/s), failed count, elapsed
    time and ETA. Shown from the first report (none when nothing is left to run), stopped when the `with` ends."""

    def __init__(self):
        self.progress = None

    def __enter__(self):
        return self

    def __call__(self, done: int, failed: int, total: int) -> None:
        if self.progress is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.progress = Progress(
                TextColumn("[bold]sweep"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TextColumn("failed {task.fields[failed]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(file=sys.stderr),
            )
            self.task = self.progress.add_task("sweep", total=total, failed=0, rate="- runs/s")
            self.progress.start()
        self.progress.update(self.task, completed=done, failed=failed)
        speed = self.progress.tasks[0].speed
        if speed:
            self.progress.update(self.task, rate=f"{speed:.2f} runs/s")

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()


def _read_ranges(path: Path) -> list:
    """Parameters from a YAML mapping ``name: [low, high]`` / ``{low, high, integer}`` / ``{levels: [...]}``."""
    import yaml

    from sim.sweep.designs import Param

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"{path}: file not found; give a YAML file of parameter ranges")
    except (UnicodeDecodeError, IsADirectoryError):
        fail(f"{path}: not a text file; give a YAML file of parameter ranges")
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        fail(f"{path}{f', line {mark.line + 1}' if mark else ''}: invalid YAML; fix the syntax")
    if not isinstance(data, dict):
        fail(f"{path}: expected a mapping of parameter name to [low, high] or {{levels: [...]}}")
    params = []
    for name, spec in data.items():
        try:
            params.append(Param.from_mapping(str(name), spec))
        except KeyError as exc:
            fail(f"{path}: parameter '{name}' lacks {exc.args[0]!r}; write {name}: [low, high] or "
                 f"{{low: ..., high: ...}} or {{levels: [...]}}")
        except (ValueError, TypeError) as exc:
            fail(f"{path}: parameter '{name}': {exc}")
    return params


def _load_model(spec: str):
    """``module:function`` -> the callable (for sweeps of a user's own model function)."""
    module, _, name = spec.partition(":")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        fail(f"--model {spec}: cannot import it ({exc}); write module:function, importable by the workers")
    if not callable(fn):
        fail(f"--model {spec}: not callable; give a function (params, strategy, seed) -> dict")
    return fn


def _check_against_scenario(scenario, params, strategies) -> None:
    """Every parameter must name a scenario field and accept both ends of its range (or every level)."""
    from sim import STRATEGIES, ScenarioError

    for s in strategies:
        if s not in STRATEGIES:
            fail(f"--strategy {s}: unknown strategy; use one of {', '.join(STRATEGIES)}")
    for p in params:
        values = p.levels if p.levels is not None else (p.low, p.high)
        for v in values:
            v = int(v) if p.integer else v
            try:
                scenario.with_overrides({p.name: v})
            except ScenarioError as exc:
                fail(f"--param {p.name}: {exc}")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def sweep(
        scenario: Path = typer.Argument(None, help="scenario YAML file (omit only with --model)"),
        design: str = typer.Option("lhs", "--design", help="factorial | lhs | sobol | morris"),
        samples: int = typer.Option(16, "--samples", help="lhs: points; sobol: base size N (power of 2; N*(D+2) "
                                    "points); morris: trajectories (N*(D+1) points); factorial: levels per range"),
        seeds: int = typer.Option(10, "--seeds", help="replications per point; every strategy shares them"),
        param: list[str] = typer.Option(None, "--param", "-p", help="swept parameter, repeatable: "
                                        "name=LOW:HIGH, name=LOW:HIGH:int or name=a,b,c (factorial)"),
        ranges: Path = typer.Option(None, "--ranges", help="YAML file of parameter ranges (adds to --param)"),
        strategy: list[str] = typer.Option(None, "--strategy", "-s", help="strategy (repeat); default: the "
                                           "scenario's `strategies`"),
        population: int = typer.Option(None, "--population", help="citizens per run (overrides population.size)"),
        executor: str = typer.Option("local", "--executor", help="local (process pool) | dask | sequential"),
        workers: int = typer.Option(None, "--workers", help="processes for local or a Dask LocalCluster "
                                    "(default: all cores)"),
        scheduler: str = typer.Option(None, "--scheduler", help="address of a running Dask scheduler, "
                                      "e.g. tcp://10.0.0.5:8786 (implies --executor dask)"),
        out: Path = typer.Option(..., "--out", help="output directory (Parquet dataset + manifest)"),
        resume: bool = typer.Option(False, "--resume", help="finish the sweep in --out: run only missing runs"),
        retry_errors: bool = typer.Option(False, "--retry-errors", help="with --resume: run failed runs again"),
        seed: int = typer.Option(0, "--seed", help="base seed of the design and of the replication seeds"),
        model: str = typer.Option(None, "--model", help="module:function to sweep instead of the engagement "
                                  "model; called as f(params, strategy, seed) -> dict"),
        channels: bool = typer.Option(False, "--channels", help="engagement model: also decompose each run's "
                                      "trust by channel (7 runs per run; `analyse` shows it)"),
    ) -> None:
        """Run a sweep: design points x seeds x strategies, streamed to a Parquet dataset in --out."""
        from rich.console import Console

        from sim.sweep import SweepError
        from sim.sweep.designs import DESIGNS, Param
        from sim.sweep.executors import EXECUTORS
        from sim.sweep.runner import run_sweep
        from sim.sweep_model import ScenarioModel

        check_writable(out)
        if design not in DESIGNS:
            fail(f"--design {design}: use one of {', '.join(DESIGNS)}")
        if scheduler:
            executor = "dask"
        if executor not in EXECUTORS:
            fail(f"--executor {executor}: use one of {', '.join(EXECUTORS)}")
        for name, value in (("--samples", samples), ("--seeds", seeds), ("--workers", workers or 1),
                            ("--population", population or 1)):
            if value < 1:
                fail(f"{name} {value}: must be at least 1")
        params = []
        for text in param or []:
            try:
                params.append(Param.parse(text))
            except ValueError as exc:
                fail(f"--param: {exc}")
        if ranges is not None:
            params += _read_ranges(ranges)
        if model:
            fn = _load_model(model)
            strategies = list(strategy or ["default"])
            label = f"model {model}"
        else:
            if scenario is None:
                fail("give a scenario YAML file (or --model module:function)")
            from sim import ScenarioError, load_scenario

            try:
                scen = load_scenario(scenario)
            except ScenarioError as exc:
                fail(str(exc))
            strategies = list(strategy or scen.strategies)
            _check_against_scenario(scen, params, strategies)
            fn = ScenarioModel(scen, population, decompose=channels)
            digest = hashlib.sha256(scen.model_dump_json().encode()).hexdigest()[:16]
            label = f"scenario {scenario.name} sha256:{digest} population={population or scen.population.size}"
        if not params and not (design == "factorial" and samples == 1):
            fail(f"--design {design} --samples {samples}: no parameter to vary, so every sample would be the same "
                 "point; give --param name=LOW:HIGH or --ranges FILE (e.g. scenarios/calibration/ranges.yaml, the "
                 "calibrated region), or --design factorial --samples 1 to replicate the scenario as it is")
        console = Console(stderr=True)
        try:
            with _ProgressBar() as bar:
                report = run_sweep(fn, out, design=design, params=params, samples=samples, strategies=strategies,
                                   replications=seeds, seed=seed, executor=executor, workers=workers,
                                   scheduler=scheduler, resume=resume, retry_errors=retry_errors, progress=bar,
                                   model_label=label)
        except SweepError as exc:
            fail(f"{out}: {exc}")
        except KeyboardInterrupt:
            typer.echo(f"interrupted: finished runs are saved in {out}; add --resume to finish", err=True)
            raise typer.Exit(130) from None
        except OSError as exc:
            if scheduler:
                fail(f"--scheduler {scheduler}: cannot reach it ({exc}); check the address and that it runs")
            raise
        rate = report.completed / report.elapsed_s if report.elapsed_s else 0.0
        console.print(f"[bold]{out}[/]: {report.completed} runs done ({report.failed} failed, stored as rows), "
                      f"{report.skipped} already there, {report.total} in the sweep; {rate:.1f} runs/s")
        if report.lost:
            console.print(f"[red]{report.lost} runs lost to dead workers[/] (first: {report.lost_errors[0]}); "
                          "run the same command with --resume")
            raise typer.Exit(1)
        console.print(f"next: cocreate analyse {out}")

    @app.command()
    def analyse(
        directory: Path = typer.Argument(..., help="output directory of `cocreate sweep`"),
        outcome: str = typer.Option(None, "--outcome", help="main outcome (default trust_change)"),
        baseline: str = typer.Option(None, "--baseline", help="strategy to compare against (default consult)"),
        boot: int = typer.Option(2000, "--boot", help="bootstrap resamples"),
    ) -> None:
        """Paired differences and win rates, Sobol indices, backfire regions (PRIM); CSV, PNG and summary.md."""
        from rich.console import Console
        from rich.table import Table

        from sim.sweep.report import analyse_sweep
        from sim.sweep_model import ENGAGEMENT_OUTCOMES

        if boot < 100:
            fail(f"--boot {boot}: use at least 100 resamples")
        if not (directory / "sweep.json").is_file():
            fail(f"{directory}: no sweep here (no sweep.json); give the --out directory of `cocreate sweep`")
        try:
            report = analyse_sweep(directory, outcome=outcome, baseline=baseline, n_boot=boot,
                                   spec=ENGAGEMENT_OUTCOMES)
        except ValueError as exc:
            fail(str(exc))
        console = Console()
        console.print(f"[bold]{directory}[/]: {report.runs} of {report.expected} runs, {report.failed} failed")
        for note in report.notes:
            console.print(f"[yellow]- {note}[/]")
        if len(report.paired):
            table = Table(title=f"{report.outcome}: paired difference vs {report.baseline} (95% bootstrap)")
            for col in ("strategy", "mean diff", "interval", "better in", "futures"):
                table.add_column(col)
            for _, r in report.paired[report.paired["outcome"] == report.outcome].iterrows():
                table.add_row(r["strategy"], f"{r['mean_diff']:+.4f}", f"[{r['ci_low']:+.4f}, {r['ci_high']:+.4f}]",
                              f"{r['win_rate']:.0%} [{r['win_low']:.0%}, {r['win_high']:.0%}]", str(r["n_pairs"]))
            console.print(table)
        if report.sobol is not None:
            table = Table(title=f"Sobol indices of {report.outcome}")
            for col in ("strategy", "parameter", "S1", "ST"):
                table.add_column(col)
            for _, r in report.sobol.iterrows():
                table.add_row(r["strategy"], r["parameter"], f"{r['S1']:.3f} [{r['S1_low']:.3f}, {r['S1_high']:.3f}]",
                              f"{r['ST']:.3f} [{r['ST_low']:.3f}, {r['ST_high']:.3f}]")
            console.print(table)
        if report.morris is not None:
            table = Table(title=f"Morris screening of {report.outcome} (top 5 per strategy)")
            for col in ("strategy", "parameter", "mu*", "mu", "sigma"):
                table.add_column(col)
            for strategy, frame in report.morris.groupby("strategy", sort=False):
                for _, r in frame.head(5).iterrows():
                    table.add_row(strategy, r["parameter"], f"{r['mu_star']:.4f} [{r['mu_star_low']:.4f}, "
                                  f"{r['mu_star_high']:.4f}]", f"{r['mu']:+.4f}", f"{r['sigma']:.4f}")
            console.print(table)
        if report.decomposition is not None:
            d = report.decomposition
            comps = list(dict.fromkeys(d["component"]))
            table = Table(title=f"{report.outcome} vs {d['versus'].iloc[0]}, by channel (mean paired difference)")
            table.add_column("strategy")
            for c in comps:
                table.add_column(c, justify="right")
            for strategy, frame in d.groupby("strategy", sort=False):
                by = dict(zip(frame["component"], frame["mean_diff"], strict=True))
                table.add_row(strategy, *[f"{by[c]:+.4f}" for c in comps])
            console.print(table)
        if report.backfire is not None:
            table = Table(title=f"Where each strategy backfires ({report.outcome})")
            for col in ("strategy", "backfires if", "in", "region (PRIM box)"):
                table.add_column(col)
            for _, r in report.backfire.iterrows():
                table.add_row(r["strategy"], r["backfire_if"], f"{r['backfire_share']:.0%}", r["box"])
            console.print(table)
        console.print(f"written to {directory / 'analysis'}: " + ", ".join(sorted(f.name for f in report.files)))
