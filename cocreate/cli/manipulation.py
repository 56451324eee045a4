"""`cocreate manipulation`: how high one respondent's selection probability can go by misreporting their features,
per objective (:mod:`selection.engine.manipulation`). Registered by :mod:`cocreate.cli.select`."""

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from cocreate.cli.common import check_writable, fail, split, write_csv
from cocreate.settings import FILENAME, load_settings, merge
from selection.engine import manipulation
from selection.errors import UserError
from selection.inputs import read_pool, read_quotas


def run_manipulation(pool: Path, quotas: Path, size: int | None, objectives: str | None, gamma: float,
                     mode: str, max_solves: int, respondents: int, household: str | None, id_column: str | None,
                     out: Path | None) -> list[manipulation.Manipulability]:
    """Read the inputs (settings next to the pool, flags over them), diagnose, print a table, write ``out``."""
    chosen = split(objectives) or list(manipulation.OBJECTIVES)
    unknown = [o for o in chosen if o not in manipulation.OBJECTIVES]
    if unknown:
        fail(f"--objectives: {', '.join(unknown)} unknown; choose from {', '.join(manipulation.OBJECTIVES)}")
    if mode not in ("auto", "exact", "search"):
        fail(f"--mode: {mode} unknown; choose auto, exact or search")
    if not gamma >= 0 or gamma == float("inf"):
        fail(f"--gamma: {gamma} must be a number >= 0")
    if out is not None:
        check_writable(out, flag="--out", folder=False)
    try:
        settings = merge(load_settings(pool), size=size, household=household, id_column=id_column)
        if settings.size is None:
            fail(f"no panel size: give --size K or set size in {FILENAME} next to the pool")
        results = manipulation.diagnose(
            read_pool(pool, id_column=settings.id_column, household_columns=list(settings.household)),
            read_quotas(quotas), settings.size, objectives=chosen, gamma=gamma, mode=mode, max_solves=max_solves,
            respondents=respondents)
    except UserError as err:
        fail(err)
    console = Console()
    t = Table(title="largest selection probability reached by misreporting features", title_justify="left")
    for name in ("objective", "reached", "by", "reporting", "truthful", "largest gain", "how"):
        t.add_column(name)
    for r in results:
        t.add_row(r.objective, f"{r.reached:.4f}", r.respondent, ", ".join(f"{f}={v}" for f, v in r.report.items()),
                  f"{r.truthful:.4f}", f"{r.gain:+.4f} ({r.gain_respondent})", "exact" if r.exact else "search")
    console.print(t)
    console.print(results[0].method if len({r.method for r in results}) == 1 else
                  "; ".join(f"{r.objective}: {r.method}" for r in results), soft_wrap=True)
    if out is not None:
        rows = [r.tried.assign(objective=r.objective) for r in results]
        write_csv(out, pd.concat(rows, ignore_index=True)[["objective", "respondent", "report", "truthful",
                                                          "probability", "gain"]])
        console.print(f"every report tried: {out}")
    return results


def register(app: typer.Typer) -> None:
    """Add `manipulation` to the main app."""

    @app.command("manipulation")
    def manipulation_cmd(
        pool: Path = typer.Argument(..., help="respondents: CSV or XLSX, one row per person"),
        quotas: Path = typer.Argument(..., help="quota file: feature,value,min,max"),
        size: int = typer.Option(None, "--size", "-k", help="panel size k (or `size` in cocreate.toml)"),
        objectives: str = typer.Option(None, help="comma-separated, default all: "
                                       + ", ".join(manipulation.OBJECTIVES)),
        gamma: float = typer.Option(1.0, help="the Goldilocks gamma"),
        mode: str = typer.Option("auto", help="exact (every respondent type x every report), search (a labelled "
                                 "lower bound) or auto (exact when it takes at most --max-solves solves)"),
        max_solves: int = typer.Option(manipulation.MAX_SOLVES, help="auto: solves per objective for exact"),
        respondents: int = typer.Option(5, help="search: respondents tried (the lowest truthful probabilities)"),
        household: str = typer.Option(None, help="address columns, comma-separated: at most one per household"),
        id_column: str = typer.Option(None, help="id column"),
        out: Path = typer.Option(None, help="CSV of every report tried, per objective"),
    ) -> None:
        """Manipulation diagnostics (Flanigan, Liang, Procaccia, Wang, AAAI 2024): the largest selection probability
        one respondent reaches by misreporting their features, under each objective."""
        run_manipulation(pool, quotas, size, objectives, gamma, mode, max_solves, respondents, household, id_column,
                         out)
