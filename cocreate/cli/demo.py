"""`cocreate demo`: the main jobs on shipped data, in well under a minute, for a first look.

1. An Antwerp panel: synthetic adults drawn to the city's census margins (``selection/data/antwerp_margins.csv``),
   a recruitment funnel of letters (``selection/population/funnel.py``), quotas from the margins, the leximin
   lottery with its audit bundle, the draw from a public seed, verify, and a drop-out replacement.
2. The engagement strategies compared on one case (``scenarios/antwerp_participatory_budget.yaml``: the open call
   Antwerp ran against a lottery panel, consultations and informing), in the same simulated worlds.
3. Where the two HTML reports are: the panel report (``panel/report.html``) and the simulation report
   (``simulation/simulation-report.html``).
"""

from pathlib import Path

import numpy as np
import typer

from cocreate.cli.common import write_csv
from cocreate.cli.select import run_select

DEMO_SEED = "demo seed: announce a real one (e.g. lottery numbers) after publishing lottery.csv"
CASE = "antwerp_participatory_budget.yaml"
STRATEGIES = ["inform", "consult", "consult_ignore", "cocreate_volunteers", "cocreate_sortition"]
QUOTA_FEATURES = ["sex", "age_band", "origin", "education"]


def antwerp_inputs(out: Path, adults: int, seats: int, letters_per_seat: int = 200, tolerance: float = 0.03,
                   seed: int = 0) -> tuple[Path, Path]:
    """Write ``out/antwerp_pool.csv`` (who registered after the letters: id, features, household) and
    ``out/antwerp_quotas.csv`` (from the census margins, ``tolerance`` a fraction of the seats either side of
    each proportional target); returns their paths."""
    from selection.population.funnel import recruit
    from selection.population.margins import quotas_from_margins, write_quotas
    from selection.population.synthesis import antwerp_margins, synthesize_population

    rng = np.random.default_rng(seed)
    people = synthesize_population(adults, rng)
    pool = recruit(people, letters_per_seat * seats, rng, deprived_share=0.2)
    out.mkdir(parents=True, exist_ok=True)
    pool_path, quotas_path = out / "antwerp_pool.csv", out / "antwerp_quotas.csv"
    write_csv(pool_path, pool[["id", *QUOTA_FEATURES, "household_size", "area", "household_id"]])
    write_quotas(quotas_from_margins(antwerp_margins(), seats, tolerance, QUOTA_FEATURES), quotas_path)
    return pool_path, quotas_path


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(out: Path = typer.Option(Path("demo-output"), "--out", help="output folder (the demo's own)"),
             seeds: int = typer.Option(4, help="simulated worlds per strategy"),
             population: int = typer.Option(None, help="citizens in the simulation (default: the case's own)"),
             adults: int = typer.Option(410_868, help="synthetic Antwerp adults (the city's, 1 Jan 2022)"),
             seats: int = typer.Option(50, help="seats on the Antwerp panel")) -> None:
        """Draw an Antwerp panel with an audit bundle, compare engagement strategies on the Antwerp case, and
        say where the HTML reports are."""
        out.mkdir(parents=True, exist_ok=True)
        typer.echo(f"1/3 an Antwerp panel of {seats}: synthetic adults at the census margins, "
                   f"{200 * seats:,} invitation letters")
        pool, quotas = antwerp_inputs(out / "inputs", adults, seats)
        lines = sum(1 for _ in pool.open(encoding="utf-8-sig")) - 1
        typer.echo(f"   {lines} registered (the pool): {pool}; quotas from the margins: {quotas}")
        run_select(pool, quotas, seats, out / "panel", household="household_id", force=True, seed=DEMO_SEED)
        _verify_and_replace(out / "panel", pool, quotas)
        typer.echo(f"2/3 engagement strategies on scenarios/{CASE}, {seeds} worlds each")
        report = _simulate(out / "simulation", population, seeds)
        typer.echo("3/3 the reports (one self-contained HTML file each; open them in a browser):")
        typer.echo(f"   panel report:      {out / 'panel' / 'report.html'}")
        typer.echo(f"   simulation report: {report}")
        typer.echo(f"   the panel: {out / 'panel' / 'panel.csv'}; the audit bundle: {out / 'panel' / 'audit.json'}")


def _verify_and_replace(folder: Path, pool: Path, quotas: Path) -> None:
    """Show the public steps on the demo draw: check it, then replace two members who drop out."""
    from cocreate.cli.draw import _describe, run_replace
    from selection.lottery import bundle as bundles
    from selection.lottery.verify import verify

    bundle = bundles.load(folder / "audit.json")
    lot, draw = bundle["lottery"], bundle["draw"]
    typer.echo(f"   lottery of {lot['m']} panels, commitment {lot['sha256'][:16]}...; drew panel {draw['number']}")
    _, found, _ = verify(folder / "audit.json", pool, quotas, recompute=False)
    typer.echo("   verify: " + ("OK" if not found else "; ".join(found)))
    _, step = run_replace(folder, ",".join(draw["panel"][:2]))
    typer.echo(f"   two members drop out -> {folder / 'replacement-1'}: {_describe(step)}")


def _scenario_path() -> Path:
    from importlib.resources import files

    shipped = Path(str(files("sim") / "scenarios" / CASE))
    return shipped if shipped.exists() else Path(__file__).resolve().parents[2] / "scenarios" / CASE


def _simulate(out: Path, population: int | None, seeds: int) -> Path:
    """Run the strategies in the same worlds, write what `cocreate simulate` writes, and the simulation report;
    print the paired differences against inform in percentage points of citizens trusting. Returns the report."""
    from rich.console import Console
    from rich.table import Table

    from cocreate.cli.sim import _write_outputs, _write_record, plot_bands
    from cocreate.report.simulation import write_report
    from cocreate.report.style import name
    from sim import load_scenario, paired_t_intervals, run, summaries

    path = _scenario_path()
    sc = load_scenario(path)
    if population is not None:
        sc = sc.with_overrides({"population.size": population})
    results = [run(sc, s, seed) for seed in range(seeds) for s in STRATEGIES]
    out.mkdir(parents=True, exist_ok=True)
    kept: list[str] = []
    _write_outputs(out, results, STRATEGIES, plot_bands, paired_t_intervals, summaries, kept)
    _write_record(out, path, sc, STRATEGIES, seeds, False, kept)
    paired = paired_t_intervals(summaries(results), "trust_share_change", baseline="inform")
    view = Table(title=f"{sc.name}: citizens trusting, each strategy minus inform only in the same world "
                       f"({seeds} worlds, {sc.population.size:,} citizens)")
    for c in ("strategy", "mean (pp)", "95% interval (pp)", "better in"):
        view.add_column(c, justify="right")
    for r in paired.itertuples():
        view.add_row(name(r.strategy), f"{100 * r.mean_diff:+.1f}",
                     f"{100 * r.ci_low:+.1f} to {100 * r.ci_high:+.1f}", f"{r.share_higher:.0%}")
    Console().print(view)
    return write_report(out)
