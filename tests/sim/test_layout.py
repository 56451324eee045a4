"""The layout rules of sim/, checked on the source (static import inspection with `ast`, lazy imports included):

- `sim.sweep` runs any model and knows nothing of the engagement model: no module under sim/sweep/ imports the
  model's modules, nor the `sim` package itself (whose __init__ is the model's API);
- nothing under sim/ imports the application layer (`cocreate`) or its screen libraries (`typer`, `rich`).
"""

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[2] / "sim"
ENGAGEMENT_MODEL = ("sim.model", "sim.scenario", "sim.runner", "sim.agents", "sim.mechanisms", "sim.panel",
                    "sim.population", "sim.strategies", "sim.sweep_model", "sim.channels", "sim.calibration",
                    "sim.directions")
APPLICATION = ("cocreate", "typer", "rich")


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module `source` (the code of `module`) imports, by absolute name: ``import a.b`` gives a.b;
    ``from a import b`` gives a and a.b (b may be a submodule); relative imports are resolved."""
    found = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module
            found.add(origin)
            found.update(f"{origin}.{alias.name}" for alias in node.names)
    return found


def within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def imports_of(path: Path) -> set[str]:
    return imported_modules(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")


def files(folder: Path) -> list[Path]:
    found = sorted(folder.rglob("*.py"))
    assert found, folder
    return found


def ids(path: Path) -> str:
    return str(path.relative_to(SIM.parent))


def test_the_checker_sees_every_kind_of_import():
    code = "import rich.progress\nfrom sim import model\nfrom ..scenario import Scenario\ndef f():\n    import typer\n"
    found = imported_modules(code, "sim.sweep.analysis")
    assert {"rich.progress", "sim", "sim.model", "sim.scenario", "sim.scenario.Scenario", "typer"} <= found
    assert imported_modules("from . import store", "sim.sweep", is_package=True) == {"sim.sweep", "sim.sweep.store"}


@pytest.mark.parametrize("path", files(SIM / "sweep"), ids=ids)
def test_sweep_machinery_imports_nothing_of_the_engagement_model(path):
    imports = imports_of(path)
    # "sim" alone is `import sim` / `from sim import ...`: the package whose __init__ is the model's API
    bad = sorted(m for m in imports if m == "sim" or within(m, ENGAGEMENT_MODEL))
    assert not bad, f"{ids(path)} imports {bad}; sim/sweep runs any model (see sim/sweep_model.py)"


@pytest.mark.parametrize("path", files(SIM), ids=ids)
def test_sim_imports_no_application_layer(path):
    imports = imports_of(path)
    bad = sorted(m for m in imports if within(m, APPLICATION))
    assert not bad, f"{ids(path)} imports {bad}; the CLI and screens live in cocreate/"
