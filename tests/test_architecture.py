"""The dependency direction is the architecture (DESIGN.md §2): checked with import-linter's contracts in
pyproject.toml, and the check itself is checked: on a copy of the tree it passes, and a copy with one forbidden
import fails."""

import shutil
import sys
from pathlib import Path

import pytest
from importlinter import cli

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("selection", "sim", "cocreate")


def test_contracts_hold(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


@pytest.mark.parametrize(("module", "line"), [
    (None, ""),
    ("selection/engine/api.py", "import cocreate.cli"),
    ("selection/engine/pricing.py", "import selection.lottery.bundle"),
    ("sim/runner.py", "import rich"),
    ("sim/sweep/designs.py", "import sim.model"),
])
def test_a_breach_is_caught(tmp_path, monkeypatch, module, line):
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if module:
        path = tmp_path / module
        path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *[p for p in sys.path if p != str(ROOT)]])
    for mod in [m for m in sys.modules if m.split(".")[0] in PACKAGES]:
        monkeypatch.delitem(sys.modules, mod)
    assert cli.lint_imports(config_filename=str(tmp_path / "pyproject.toml"), no_cache=True) == (1 if module else 0)
