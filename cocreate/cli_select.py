"""`cocreate select`: a respondents' spreadsheet and a quota sheet in, a defensible panel out."""

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cocreate.output import contact_columns, write_csv, write_json
from selection import ALGORITHMS, InfeasibleQuotasError, InputError, read_pool, read_quotas, select

OUTPUTS = ("panel.csv", "probabilities.csv", "summary.json")


def _split(text: str | None) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()] if text else []


def fail(message: str) -> None:
    """Print each line of a user-facing problem and exit with status 2 (no traceback)."""
    for line in str(message).splitlines():
        typer.echo(f"error: {line}", err=True)
    raise typer.Exit(2)


def run_select(pool_path: Path, quotas_path: Path, size: int, out: Path, algorithm: str = "leximin",
               seed: int = 0, household: str | None = None, id_column: str | None = None,
               keep_columns: str | None = None, draws: int = 1000, force: bool = False, quiet: bool = False):
    """Do the whole `select` job; returns the SelectionResult. Raises typer.Exit(2) on bad input."""
    console = Console(stderr=True, quiet=quiet)
    if algorithm not in ALGORITHMS:
        fail(f"--algorithm: unknown '{algorithm}'; choose one of {', '.join(ALGORITHMS)}")
    clash = [name for name in OUTPUTS if (out / name).exists()]
    if clash and not force:
        fail(f"{out}: already holds {', '.join(clash)} from an earlier run; choose another --out or add --force")
    try:
        pool = read_pool(pool_path, id_column=id_column, household_columns=_split(household))
        quotas = read_quotas(quotas_path)
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task(f"{algorithm}: fixing probabilities", total=None)

            def progress(stage: str, done: int, total: int, value: float) -> None:
                bar.update(task, completed=done, total=total, description=f"{stage} (min {value:.4f})"
                           if stage == "leximin" else stage)

            result = select(pool, quotas, size, algorithm=algorithm, seed=seed, legacy_draws=draws,
                            progress=progress)
    except (InputError, InfeasibleQuotasError) as err:
        fail(str(err))
    out.mkdir(parents=True, exist_ok=True)
    problem = result.distribution.problem
    features = [c for c in problem.feature_columns if c]
    id_col = pool.id_column or "id"
    hidden = set(contact_columns(pool.table.columns, exclude=[id_col, *features])) | set(pool.household_columns)
    keep = set(_split(keep_columns))
    unknown = keep - set(pool.table.columns)
    if unknown:
        fail(f"--keep-columns: {', '.join(sorted(unknown))} not in {pool.source}")
    rows = pool.table.iloc[result.panel_index]
    others = [c for c in pool.table.columns if c not in (id_col, *features) and (c not in hidden or c in keep)]
    panel = pd.DataFrame({"id": list(result.panel)})
    for c in features + others:
        panel[c] = rows[c].to_numpy()
    write_csv(out / "panel.csv", panel)
    write_csv(out / "probabilities.csv", pd.DataFrame({"id": list(pool.ids), "probability":
                                                        result.probabilities.round(9).to_numpy()}))
    summary = {"algorithm": algorithm, "k": size, "seed": seed, "pool": str(pool_path), "quotas": str(quotas_path),
               "pool_size": pool.size, "solver_seconds": round(result.solver_seconds, 3), "stats": result.stats,
               "metrics": result.metrics,
               "note": f"legacy probabilities are estimated from {draws} draws" if algorithm == "legacy" else
               "probabilities are exact up to the certified tolerance in stats"}
    write_json(out / "summary.json", summary)
    if not quiet:
        _print(console, result, out)
    return result


def _print(console: Console, result, out: Path) -> None:
    m = result.metrics
    t = Table(title=f"{result.algorithm}: panel of {result.k} from {m['n']}", show_header=False)
    for label, key in [("fair share k/n", "fair_share"), ("min probability", "min_probability"),
                       ("max probability", "max_probability"), ("geometric mean", "geometric_mean_probability"),
                       ("Gini", "gini")]:
        t.add_row(label, f"{m[key]:.4f}")
    t.add_row("below half the fair share", f"{m['share_below_half_fair_share']:.1%}")
    t.add_row("quotas met by the panel", f"{sum(q['met'] for q in m['quotas'])}/{len(m['quotas'])}")
    t.add_row("solver time", f"{result.solver_seconds:.2f} s")
    Console().print(t)
    Console().print(f"wrote {out / 'panel.csv'}, {out / 'probabilities.csv'}, {out / 'summary.json'}")


def register(app: typer.Typer) -> None:
    """Add `select` to the main app."""

    @app.command("select")
    def select_cmd(
        pool: Path = typer.Argument(..., help="respondents: CSV (any delimiter, UTF-8) or XLSX, one row per person"),
        quotas: Path = typer.Argument(..., help="quota file: feature,value,min,max (or category,name,... layouts)"),
        size: int = typer.Option(..., "--size", "-k", help="panel size k"),
        out: Path = typer.Option(..., "--out", help="output folder"),
        algorithm: str = typer.Option("leximin", help="leximin | maximin | nash | legacy"),
        seed: int = typer.Option(0, help="random seed for the draw: same inputs and seed, same panel"),
        household: str = typer.Option(None, help="address columns, comma-separated: at most one per household"),
        id_column: str = typer.Option(None, help="id column (default: id/ID/nationbuilder_id, else row number)"),
        keep_columns: str = typer.Option(None, help="contact columns to copy into panel.csv (never elsewhere)"),
        draws: int = typer.Option(1000, help="legacy only: draws used to estimate probabilities"),
        force: bool = typer.Option(False, help="replace outputs of an earlier run in --out"),
    ) -> None:
        """Draw a panel that meets every quota, giving every respondent the fairest chance the quotas allow."""
        run_select(pool, quotas, size, out, algorithm, seed, household, id_column, keep_columns, draws, force)
