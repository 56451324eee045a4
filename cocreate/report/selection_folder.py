"""The selection report of a `cocreate select` output folder, rebuilt from what the folder holds: its audit bundle
(``audit.json``, drawn or not), the pool and quota files it records (the private record of their paths that `select`
writes, or files given here, checked against the bundle's SHA-256), and ``summary.json`` (the legacy comparison,
the language, the notes). The result is the same self-contained ``report.html`` that `select` and `draw` write.

A replacement folder (``replacement-N``, written by `cocreate replace`) works too: its inputs are those recorded
in the folder above it, and the panel shown is the one after its last replacement (said in a note).
"""

from __future__ import annotations

import json
from pathlib import Path

from cocreate.report.data import report_data
from cocreate.report.render import REPORT, render_selection_report
from selection.engine.metrics import summary as metric_summary
from selection.lottery import bundle as bundles
from selection.lottery import files, workflow
from selection.outputs import atomic_write


def is_selection_folder(directory: Path) -> bool:
    """True when ``directory`` holds an audit bundle (``audit.json``) of `cocreate select`."""
    return (Path(directory) / "audit.json").is_file()


def _summary(folder: Path) -> dict:
    for candidate in (folder, folder.parent):
        try:
            return json.loads((candidate / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return {}


def write_selection_folder_report(directory: str | Path, out: str | Path | None = None,
                                  pool: str | Path | None = None, quotas: str | Path | None = None,
                                  lang: str | None = None) -> Path:
    """Write the selection report of a `select` folder to ``out`` (default ``DIR/report.html``); returns its path.

    ``pool``/``quotas``: the input files when the folder's record of them is missing or moved (they must be the
    files the bundle records). ``lang``: en, nl or fr (default: the language `select` used, else en). Raises
    :class:`selection.lottery.bundle.BundleError` or :class:`selection.errors.InputError` with one clear line."""
    folder = Path(directory)
    bundle = bundles.load(folder / "audit.json")
    known = files.read_local(folder) or files.read_local(folder.parent)
    inputs = workflow.load_inputs(bundle, pool, quotas, known)
    earlier = _summary(folder)
    lang = lang or earlier.get("lang") or "en"
    draw = bundle.get("draw")
    panel = inputs.indices(workflow.current_panel(bundle)[0] if draw else bundle["lottery"]["panels"][0])
    metrics = metric_summary(inputs.problem, bundle["probabilities"]["target"], panel)
    notes = [*([earlier["partial_label"]] if earlier.get("partial_label") else []), *earlier.get("warnings", [])]
    if bundle.get("steps"):
        notes.append(f"{len(bundle['steps'])} replacement(s) of members who dropped out are recorded here: the seats "
                     "on the panel shown are those after the last one (the chances are the lottery's, unchanged).")
    data = report_data(bundle, inputs, metrics, earlier.get("legacy_comparison"), notes=notes)
    path = Path(out) if out else folder / REPORT
    atomic_write(path, render_selection_report(data, lang))
    return path
