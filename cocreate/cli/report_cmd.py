"""`cocreate report DIR`: one self-contained HTML report of a `select` folder (the selection report, rebuilt from
its audit bundle and inputs: cocreate/report/selection_folder.py), of a `simulate` directory, or of a `sweep`
directory analysed by `cocreate analyse` (cocreate/report/simulation.py)."""

from __future__ import annotations

from pathlib import Path

import typer

from cocreate.cli.common import fail
from selection.errors import UserError


def register(app: typer.Typer) -> None:
    """Add this area's command to the main app."""

    @app.command()
    def report(
        directory: Path = typer.Argument(..., help="--out folder of `cocreate select`, of `cocreate simulate`, or "
                                         "of `cocreate sweep` after `cocreate analyse`"),
        out: Path = typer.Option(None, "--out", help="HTML file to write (default: DIR/report.html for a select "
                                 "folder, DIR/simulation-report.html or DIR/sweep-report.html)"),
        pool: Path = typer.Option(None, help="select folders: the pool file, when the folder's record of it is "
                                  "missing (it must be the file the draw used)"),
        quotas: Path = typer.Option(None, help="select folders: the quota file, likewise"),
        lang: str = typer.Option(None, help="select folders: en, nl or fr (default: the language select used)"),
    ) -> None:
        """One self-contained HTML report: findings in words, plots inline, tables, assumptions, how to reproduce."""
        from cocreate.report import LANGUAGES
        from cocreate.report.selection_folder import is_selection_folder, write_selection_folder_report
        from cocreate.report.simulation import ReportError, write_report

        if out is not None and out.is_dir():
            fail(f"--out {out}: a folder; give the path of the HTML file to write")
        if out is not None and not out.parent.is_dir():
            fail(f"--out {out}: folder {out.parent} does not exist; create it or choose another path")
        if lang is not None and lang not in LANGUAGES:
            fail(f"--lang {lang}: unknown language; choose one of {', '.join(LANGUAGES)}")
        try:
            if directory.is_dir() and is_selection_folder(directory):
                path = write_selection_folder_report(directory, out, pool, quotas, lang)
            else:
                path = write_report(directory, out)
        except (ReportError, UserError) as exc:
            fail(exc if isinstance(exc, UserError) else str(exc))
        except (KeyError, ValueError, OSError) as exc:
            fail(f"{directory}: cannot read its outputs ({exc}); re-run the command into a new folder")
        typer.echo(f"wrote {path}")
