"""CLI command for the sim area: `cocreate calibrate` (pattern-oriented rejection ABC; see sim/calibration.py)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

from cocreate.cli.common import check_writable, fail


class _Reused(Exception):
    """Internal: skip the calibration run (--reuse)."""


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def calibrate(
        scenario: Path = typer.Argument(None, help="scenario YAML file whose other parameters are held fixed "
                                        "(default: the schema's baseline)"),
        samples: int = typer.Option(2000, "--samples", help="parameter sets drawn from the priors"),
        seed: int = typer.Option(0, "--seed", help="seed of the Latin hypercube over the priors"),
        seeds: int = typer.Option(2, "--seeds", help="model seeds per set (0..N-1, shared by every arm)"),
        population: int = typer.Option(5000, "--population", help="citizens per run (large enough for a realistic "
                                       "volunteer pool: about 300 volunteers for 48 seats at 5000)"),
        jobs: int = typer.Option(1, "--jobs", help="worker processes"),
        out: Path = typer.Option(Path("scenarios/calibration"), "--out", help="output directory: accepted.csv, "
                                 "samples.csv, ranges.yaml, NOTE.md"),
        directions: int = typer.Option(0, "--directions", help="also run the headline directions over the first N "
                                       "accepted sets (x --seeds held-out seeds) and write directions.csv"),
        reuse: bool = typer.Option(False, "--reuse", help="use the calibration already in --out (only rerun "
                                   "--directions)"),
    ) -> None:
        """Calibrate the uncertain parameters to the evidence's patterns; write the accepted sets and ranges.

        Interrupted? Run the same command again: it resumes from --out/checkpoint.json."""
        from rich.console import Console
        from rich.progress import Progress

        from sim import ScenarioError, load_scenario
        from sim.calibration import calibrate as run_calibration
        from sim.calibration import load, note, write

        for name, value in (("--samples", samples), ("--seeds", seeds), ("--population", population),
                            ("--jobs", jobs)):
            if value < 1:
                fail(f"{name} {value}: must be at least 1")
        if directions < 0:
            fail(f"--directions {directions}: give 0 (none) or a number of accepted sets")
        if out.exists() and not out.is_dir():
            fail(f"--out: {out} is a file; give a directory")
        check_writable(out)
        sc = None
        if scenario is not None:
            try:
                sc = load_scenario(scenario)
            except ScenarioError as err:
                fail(str(err))
        command = "cocreate " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else ""
        console = Console(stderr=True)
        if reuse:
            if not (out / "samples.csv").is_file() or not (out / "calibration.json").is_file():
                fail(f"--reuse: no calibration in {out} (samples.csv, calibration.json); run without --reuse first")
            cal = load(out)
            import json

            command = json.loads((out / "calibration.json").read_text()).get("command", command)
            files = [out / "samples.csv"]
        try:
            with Progress(console=console, transient=True) as progress:
                if reuse:
                    raise _Reused
                bar = progress.add_task("calibrating", total=samples)
                out.mkdir(parents=True, exist_ok=True)
                cal = run_calibration(sc, samples=samples, seed=seed, seeds=seeds, population=population, jobs=jobs,
                                      progress=lambda done, total: progress.update(bar, completed=done),
                                      checkpoint=out / "checkpoint.json")
        except _Reused:
            pass
        except ValueError as err:  # e.g. too few volunteers for the panel at this population
            fail(f"calibration: {err}")
        if not reuse:
            files = write(cal, out, command)
            (out / "checkpoint.json").unlink(missing_ok=True)  # complete: the results are in samples.csv
        accepted = cal.accepted
        if directions and len(accepted):
            from sim.directions import direction_shares, reversal_region

            table, values = direction_shares(accepted, n_sets=directions, seeds=seeds, population=population)
            from sim.directions import BY_NAME

            table["reverses"] = [reversal_region(values[d], list(cal.priors), BY_NAME[d]) for d in table["direction"]]
            from selection.outputs import atomic_write

            atomic_write(out / "directions.csv", lambda tmp: table.to_csv(tmp, index=False, float_format="%.4g"))
            from sim.directions import HELD_OUT_SEED

            lines = ["", "## Headline directions over the calibrated region", "",
                     f"First {directions} accepted sets x {seeds} seeds ({HELD_OUT_SEED}.."
                     f"{HELD_OUT_SEED + seeds - 1}: held out from the calibration's), paired (common random "
                     "numbers). Three of them are also calibration targets (honoured co-creation vs inform, "
                     "consult-and-ignore vs inform at the default transparency, gains among low-trust citizens); "
                     "on held-out seeds they test whether the accepted sets reproduce them beyond the futures "
                     "they were selected on.", "",
                     "A future is one accepted set on one seed; a set holds when the direction holds on average "
                     "over its seeds (the expected paired difference at that point of the region).", "",
                     "| direction | futures holding | 95% interval | sets holding (mean over seeds) | mean value | "
                     "where it reverses |", "|---|---:|---|---:|---:|---|"]
            for _, r in table.iterrows():
                lines.append(f"| {r['claim']} | {r['holds']}/{r['futures']} ({r['share']:.0%}) | "
                             f"{r['share_low']:.0%}-{r['share_high']:.0%} | {r['sets_holding']}/{r['sets']} | "
                             f"{r['mean_value']:+.4f} | {r['reverses']} |")
            atomic_write(out / "NOTE.md", note(cal, command) + "\n".join(lines) + "\n")
            files.append(out / "directions.csv")
        typer.echo(f"{len(accepted)} of {len(cal.samples)} parameter sets accepted "
                   f"({len(accepted) / len(cal.samples):.1%}); wrote " + ", ".join(str(f) for f in files))
        if not len(accepted):
            typer.echo("no set reproduced every pattern: widen the priors or draw more --samples", err=True)
            raise typer.Exit(1)
