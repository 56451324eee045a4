"""`cocreate report DIR`: the simulation report (one self-contained HTML file) of a `simulate` directory or of a
`sweep` directory analysed by `cocreate analyse` (see cocreate/report/simulation.py)."""

from __future__ import annotations

from pathlib import Path

import typer

from cocreate.cli.common import fail


def register(app: typer.Typer) -> None:
    """Add this area's command to the main app."""

    @app.command()
    def report(
        directory: Path = typer.Argument(..., help="--out directory of `cocreate simulate`, or of `cocreate sweep` "
                                         "after `cocreate analyse`"),
        out: Path = typer.Option(None, "--out", help="HTML file to write (default: DIR/simulation-report.html "
                                 "or DIR/sweep-report.html)"),
    ) -> None:
        """One self-contained HTML report: findings in words, plots inline, tables, assumptions, how to reproduce."""
        from cocreate.report.simulation import ReportError, write_report

        if out is not None and out.is_dir():
            fail(f"--out {out}: a folder; give the path of the HTML file to write")
        if out is not None and not out.parent.is_dir():
            fail(f"--out {out}: folder {out.parent} does not exist; create it or choose another path")
        try:
            path = write_report(directory, out)
        except ReportError as exc:
            fail(str(exc))
        except (KeyError, ValueError, OSError) as exc:
            fail(f"{directory}: cannot read its outputs ({exc}); re-run the simulation or sweep into a new folder")
        typer.echo(f"wrote {path}")
