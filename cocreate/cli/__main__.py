"""`python -m cocreate.cli`: the same as the `cocreate` command."""

from cocreate.cli import main

main()
