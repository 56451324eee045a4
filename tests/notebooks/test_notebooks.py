"""Every numbered notebook (notebooks/NN_*.ipynb) runs top to bottom at a small size: a cell after the one tagged
`parameters` shrinks the run (papermill-style); outputs are stripped in git; every plot labels both axes."""

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SMALL = {
    "01_draw_a_panel": 'LOTTERY = 200\n',
    "02_antwerp_who_gets_a_seat": 'POPULATION = 60000\nSEEDS = 2\n',
    "03_compare_strategies": 'POPULATION = 1500\nSEEDS = 2\n',
    "04_when_input_is_ignored": 'POPULATION = 1500\nSEEDS = 2\nAUTHENTICITY = [0.1, 1.0]\n',
    "05_sensitivity": 'POINTS = 8\nSEEDS = 1\nPOPULATION = 1500\n',
    "06_the_cases": 'SEEDS = 1\nPOPULATION_CAP = 5000\n',
}
#: per notebook: the plots it draws and a sentence of its printed result
EXPECT = {
    "01_draw_a_panel": (2, "verify: OK"),
    "02_antwerp_who_gets_a_seat": (2, "An open call seats"),
    "03_compare_strategies": (2, "co-creation, lottery panel"),
    "04_when_input_is_ignored": (1, "co-creation beats inform from authenticity"),
    "05_sensitivity": (2, "comes first (share of points)"),
    "06_the_cases": (7, "6 cases run and compared with their record"),
}
NUMBERED = sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def test_every_numbered_notebook_has_a_small_size_here():
    assert NUMBERED and {p.stem for p in NUMBERED} <= set(SMALL) == set(EXPECT)


@pytest.mark.parametrize("path", NUMBERED, ids=lambda p: p.stem)
def test_notebook_is_stripped_and_has_a_parameter_cell(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "strip the outputs"
    assert sum("parameters" in c.get("metadata", {}).get("tags", []) for c in code) == 1
    for c in code:
        src = "".join(c["source"])
        for call in ("plt.subplots", "plt.figure"):
            if call in src:
                assert "set_xlabel" in src and "set_ylabel" in src or "set_yticks" in src, "label every axis"


@pytest.mark.parametrize("path", NUMBERED, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_at_a_small_size(path):
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(SMALL[path.stem]))
    NotebookClient(nb, timeout=170, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [f"{o['ename']}: {o['evalue']}" for o in outputs if o.get("output_type") == "error"]
    assert not errors, errors
    plots, sentence = EXPECT[path.stem]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == plots  # the plots were drawn
    text = "".join(str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", "")) for o in outputs)
    assert sentence in text
    assert not re.search(r"\bnan\b", text, re.IGNORECASE)
