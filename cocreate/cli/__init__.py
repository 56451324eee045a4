"""The `cocreate` command line. Each area registers its own sub-commands from its own module."""

import typer

from cocreate.cli import calibrate, check, demo, draw, population, select, sim, sweep

app = typer.Typer(
    help="cocreate: fair, verifiable citizens' panels and simulations of engagement strategies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (select, draw, check, population, sim, sweep, calibrate, demo):
    module.register(app)


if __name__ == "__main__":
    app()
