"""The `cocreate` command line. Each area registers its own sub-commands from its own module."""

import typer

from cocreate import cli_demo, cli_draw, cli_experiments, cli_population, cli_select, cli_sim

app = typer.Typer(
    help="cocreate: fair, verifiable citizens' panels and simulations of engagement strategies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (cli_select, cli_draw, cli_population, cli_sim, cli_experiments, cli_demo):
    module.register(app)


if __name__ == "__main__":
    app()
