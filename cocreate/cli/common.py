"""What every command shares: one way to fail on a user's error, list options, and the safe writers.

The writers themselves belong to the library (:mod:`selection.outputs`); this module re-exports them so commands
import their output helpers from one place.
"""

import typer

from selection.errors import UserError
from selection.outputs import atomic_write, contact_columns, write_csv, write_json

__all__ = ["FLAGS", "atomic_write", "contact_columns", "fail", "split", "write_csv", "write_json"]

FLAGS = {"size": "--size", "tolerance": "--tolerance", "id_column": "--id-column", "seed": "--seed",
         "number": "--number", "dropped": "--dropped", "exclude": "--exclude", "pool": "--pool", "quotas": "--quotas",
         "keep_columns": "--keep-columns", "dropout_column": "--dropout-column", "m": "--lottery-size",
         "algorithm": "--algorithm"}
"""Library parameter names -> the flags a user types, so library messages can name the flag."""


def fail(message: str | UserError, code: int = 2) -> None:
    """Print a user-facing problem, one ``error:`` line each, and exit (status 2 = bad input; no traceback)."""
    lines = message.lines(FLAGS) if isinstance(message, UserError) else str(message).splitlines()
    for line in lines:
        typer.echo(f"error: {line}", err=True)
    raise typer.Exit(code)


def split(text: str | None) -> list[str]:
    """A comma-separated option as a list of non-empty, stripped items."""
    return [c.strip() for c in text.split(",") if c.strip()] if text else []
