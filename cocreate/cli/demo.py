"""`cocreate demo`: the main jobs on shipped data, in a minute or two, for a first look."""

from importlib.resources import files
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import typer  # noqa: E402

from cocreate.cli.common import atomic_write, write_csv  # noqa: E402
from cocreate.cli.select import run_select  # noqa: E402

DATA = files("selection") / "data"
DEMO_SEED = "demo seed: announce a real one (e.g. lottery numbers) after publishing lottery.csv"


def fairness_plot(results: dict, k: int, path: Path) -> None:
    """Sorted selection probabilities per algorithm, relative to the fair share k/n."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, res in results.items():
        p = np.sort(res.probabilities.to_numpy())
        ax.plot(np.linspace(0, 100, len(p)), p, label=f"{name} (min {p.min():.3f})")
    n = len(next(iter(results.values())).probabilities)
    ax.axhline(k / n, color="grey", ls="--", lw=1, label=f"fair share k/n = {k / n:.3f}")
    ax.set_xlabel("respondents, sorted by probability (%)")
    ax.set_ylabel("probability of being selected")
    ax.set_title(f"Who gets a chance? Panel of {k} from {n} respondents")
    ax.legend()
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=120))
    plt.close(fig)


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(out: Path = typer.Option(Path("demo-output"), "--out", help="output folder (the demo's own)"),
             seeds: int = typer.Option(4, help="simulation seeds per strategy"),
             population: int = typer.Option(3000, help="citizens in the demo simulation")) -> None:
        """Draw a panel from the shipped example pool (leximin vs legacy) and compare engagement strategies."""
        out.mkdir(parents=True, exist_ok=True)
        pool, quotas, k = Path(str(DATA / "example_pool.csv")), Path(str(DATA / "example_quotas.csv")), 30
        typer.echo(f"1/2 sortition: panel of {k} from {pool.name} with {quotas.name} (one per household)")
        lex = run_select(pool, quotas, k, out / "panel", household="address,postcode", force=True, seed=DEMO_SEED,
                         dropout_column="dropout")
        legacy = run_select(pool, quotas, k, out / "legacy", algorithm="legacy", household="address,postcode",
                            draws=300, force=True, quiet=True, seed=DEMO_SEED)
        _verify_and_replace(out / "panel", pool, quotas, lex.bundle)
        fairness_plot({"leximin (cocreate)": lex,
                       "legacy greedy (300 draws)": legacy}, k, out / "fairness.png")
        typer.echo(f"   legacy greedy draw: min probability {legacy.metrics['min_probability']:.4f}, "
                   f"Gini {legacy.metrics['gini']:.3f}; plot: {out / 'fairness.png'}")
        typer.echo(f"2/2 simulation: strategies on scenarios/baseline.yaml, {population} citizens, {seeds} seeds")
        _simulate(out / "simulation", population, seeds)
        typer.echo(f"done: open {out / 'fairness.png'}, {out / 'simulation' / 'trust.png'}; panel in "
                   f"{out / 'panel' / 'panel.csv'}")
        typer.echo(f"the selection report to print and show: {out / 'panel' / 'report.html'}")


def _verify_and_replace(folder: Path, pool: Path, quotas: Path, bundle: dict) -> None:
    """Show the public steps on the demo draw: check it, then replace two members who drop out."""
    from cocreate.cli.draw import _describe, run_replace
    from selection.lottery.verify import verify

    lot, draw = bundle["lottery"], bundle["draw"]
    typer.echo(f"   lottery of {lot['m']} panels, commitment {lot['sha256'][:16]}...; drew panel {draw['number']}")
    _, found, _ = verify(folder / "audit.json", pool, quotas, recompute=False)
    typer.echo("   verify: " + ("OK" if not found else "; ".join(found)))
    _, step = run_replace(folder, ",".join(draw["panel"][:2]))
    typer.echo(f"   two members drop out -> {folder / 'replacement-1'}: {_describe(step)}")


def _simulate(out: Path, population: int, seeds: int) -> None:
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from cocreate.cli.sim import plot_bands
    from sim import load_scenario, run, summaries

    out.mkdir(parents=True, exist_ok=True)
    scenario = Path(str(files("sim") / "scenarios" / "baseline.yaml"))
    if not scenario.exists():
        scenario = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
    sc = load_scenario(scenario).with_overrides({"population.size": population})
    strategies = ["inform", "consult", "consult_ignore", "cocreate_sortition", "captured"]
    results = [run(sc, s, seed) for seed in range(seeds) for s in strategies]
    series = pd.concat([r.series for r in results], ignore_index=True)
    table = summaries(results)
    write_csv(out / "summary.csv", table)
    plot_bands(series, "trust", out / "trust.png", "mean trust")
    means = table.groupby("strategy", sort=False)[["trust_change", "support_at_decision", "solution_quality",
                                                   "time_to_implementation"]].mean()
    view = Table(title=f"Engagement strategies: means over {seeds} seeds")
    for c in ("strategy", "trust change", "support", "quality", "weeks to implement"):
        view.add_column(c, justify="right")
    for s, row in means.iterrows():
        view.add_row(s, *[f"{v:.3f}" for v in row])
    Console().print(view)
