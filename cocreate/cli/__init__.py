"""The `cocreate` command line. Each area registers its own sub-commands from its own module."""

import typer

from cocreate.cli import calibrate, check, demo, draw, population, report_cmd, select, serve, sim, sweep

app = typer.Typer(
    help="cocreate: fair, verifiable citizens' panels and simulations of engagement strategies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (select, draw, check, population, sim, sweep, report_cmd, calibrate, demo, serve):
    module.register(app)


def main() -> None:
    """The `cocreate` command: the app, with Ctrl-C and SIGTERM ending any command with one line and exit 130."""
    import signal
    import sys

    from cocreate.cli.common import INTERRUPTED, Interrupted, raise_interrupted

    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, raise_interrupted)
    try:
        app()
    except (Interrupted, KeyboardInterrupt) as err:
        kept = getattr(err, "kept", None)
        typer.echo("interrupted; " + (f"kept the complete outputs {', '.join(kept)}" if kept else
                                      "nothing was written"), err=True)
        sys.exit(INTERRUPTED)


if __name__ == "__main__":
    main()
