"""`cocreate check`: a test selection in seconds (can these quotas be met, and how much room has each value), and
`cocreate init`: a commented project settings file next to the data."""

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from cocreate.cli.common import atomic_write, fail
from cocreate.settings import FILENAME, TEMPLATE, Settings, load_settings, merge
from selection.check import Check, check
from selection.errors import UserError
from selection.inputs import read_pool, read_quotas

FEASIBLE, INFEASIBLE = 0, 1  # exit statuses; bad input is 2 (common.fail)


def run_check(pool: Path, quotas: Path, size: int | None = None, margins: Path | None = None,
              household: str | None = None, id_column: str | None = None) -> tuple[Check, Settings]:
    """Read the inputs (settings next to the pool, flags over them) and check; raises typer.Exit(2) on bad input."""
    try:
        settings = merge(load_settings(pool), size=size, household=household, id_column=id_column)
        if settings.size is None:
            fail(f"no panel size: give --size K or set size in {FILENAME} next to the pool")
        found = None
        if margins is not None:
            from selection.population.margins import read_margins

            found = read_margins(margins)
        return check(read_pool(pool, id_column=settings.id_column, household_columns=list(settings.household)),
                     read_quotas(quotas), settings.size, found), settings
    except UserError as err:
        fail(err)


def _share(x: float) -> str:
    return "-" if x != x else f"{x:.1%}"


def print_check(result: Check, settings: Settings, console: Console) -> None:
    """The notes, the per-value table, then one line on feasibility (and the smallest change when there is no
    panel). Lines are never wrapped, so each stays one line in a log."""
    def line(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    for note in result.notes:
        line(f"note: {note}")
    if settings.source is not None and settings.given():
        said = ", ".join(f"{k} {', '.join(v) if isinstance(v, tuple) else v}" for k, v in settings.given().items())
        line(f"settings from {settings.source.name}: {said}")
    margins = result.table["population_share"].notna().any()
    t = Table(title=f"quotas for a panel of {result.k} from {result.n} people", title_justify="left")
    for name in ("feature", "value", "target", "pool", "pool share", *(["population"] if margins else []),
                 "a panel can have"):
        t.add_column(name, justify="left" if name in ("feature", "value") else "right")
    for r in result.table.itertuples():
        short = r.pool_count < r.min
        room = "-" if r.fewest < 0 else f"{r.fewest}-{r.most}" if r.fewest != r.most else f"exactly {r.most}"
        t.add_row(r.feature, r.value, f"{r.min}-{r.max}", f"[red]{r.pool_count}[/red]" if short else str(r.pool_count),
                  _share(r.pool_share), *([_share(r.population_share)] if margins else []), room)
    console.print(t)
    hh = f"; {result.households} shared households" if result.households else ""
    if result.feasible:
        line(f"feasible: panels of {result.k} meet every quota{hh} (checked in {result.seconds:.1f} s)")
        return
    line(f"infeasible: no panel of {result.k} meets every quota{hh}")
    if result.suggestions:
        line("smallest change that works: " + "; ".join(
            f"{f}={v} [{a},{b}] -> [{c},{d}]" for f, v, a, b, c, d in result.suggestions))
    else:
        line("no relaxation within min_flex/max_flex helps: widen them or enlarge the pool")


def register(app: typer.Typer) -> None:
    """Add `check` and `init` to the main app."""

    @app.command("check")
    def check_cmd(
        pool: Path = typer.Argument(..., help="respondents: CSV or XLSX, one row per person"),
        quotas: Path = typer.Argument(..., help="quota file: feature,value,min,max (or category,name,... layouts)"),
        size: int = typer.Option(None, "--size", "-k", help=f"panel size k (default: size in {FILENAME})"),
        margins: Path = typer.Option(None, help="population margins feature,value,share: adds population shares"),
        household: str = typer.Option(None, help="address columns, comma-separated: at most one per household"),
        id_column: str = typer.Option(None, help="id column (default: unique_id/external_id/nationbuilder_id/id)"),
    ) -> None:
        """Check quotas against a pool in seconds: exit 0 if a panel exists, 1 if none (with the smallest fix)."""
        result, settings = run_check(pool, quotas, size, margins, household, id_column)
        print_check(result, settings, Console())
        raise typer.Exit(FEASIBLE if result.feasible else INFEASIBLE)

    @app.command("init")
    def init_cmd(folder: Path = typer.Argument(Path("."), help="the folder of the pool (default: here)")) -> None:
        """Write a commented cocreate.toml (project settings) into FOLDER; never overwrites one."""
        path = folder / FILENAME
        if not folder.is_dir():
            fail(f"{folder}: not a folder; give the folder that holds the pool")
        if path.exists():
            fail(f"{path}: already exists; edit it, or remove it first to start again")
        try:
            atomic_write(path, TEMPLATE)
        except OSError as err:
            fail(f"{path}: cannot write ({err.strerror}); choose a folder you can write to")
        typer.echo(f"wrote {path}: remove the '#' in front of a setting to use it")
