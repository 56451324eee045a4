"""Small pieces every page uses: problems with file, row and column; tables and figures as escaped HTML; a job's
progress bar with its cancel button; download buttons."""

import html
from collections.abc import Sequence

import pandas as pd
import solara

from cocreate.web import jobs
from selection.errors import Problem


def problem_rows(problems: Sequence) -> list[dict]:
    """Problems (:class:`selection.errors.Problem` or plain lines) as rows: file, row, column, what, what to do."""
    rows = []
    for p in problems:
        if isinstance(p, Problem):
            rows.append({"file": p.file or (p.parameter and f"setting '{p.parameter}'") or "",
                         "row": str(p.row) if p.row else "", "column": p.column, "problem": p.message,
                         "what to do": p.fix})
        else:
            rows.append({"file": "", "row": "", "column": "", "problem": str(p), "what to do": ""})
    return rows


@solara.component
def Problems(problems: Sequence, title: str = "Please fix these problems"):
    """The problems as a table (file, row, column, problem, what to do), inline where the input was given."""
    if not problems:
        return
    rows = problem_rows(problems)
    with solara.Div(classes=["cocreate-problems"]):
        solara.Error(title, dense=True)
        Table(pd.DataFrame(rows), classes=["problems"])


def table_html(frame: pd.DataFrame, classes: Sequence[str] = (), formats: dict | None = None,
               max_rows: int = 500) -> str:
    """An HTML table of ``frame``, every cell escaped (uploaded data is never markup); ``formats``: column -> a
    function giving the cell's text."""
    formats = formats or {}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for _, row in frame.head(max_rows).iterrows():
        cells = []
        for c in frame.columns:
            v = row[c]
            text = formats[c](v) if c in formats else ("" if v is None or (isinstance(v, float) and v != v) else v)
            cells.append(f"<td>{html.escape(str(text))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f"<p class='more'>first {max_rows} of {len(frame)} rows shown; download the file for all</p>"
            if len(frame) > max_rows else "")
    return (f"<table class='cocreate-table {' '.join(classes)}'><thead><tr>{head}</tr></thead><tbody>"
            + "".join(body) + "</tbody></table>" + more)


@solara.component
def Table(frame: pd.DataFrame, classes: Sequence[str] = (), formats: dict | None = None):
    solara.HTML(tag="div", unsafe_innerHTML=table_html(frame, classes, formats), classes=["cocreate-table-box"])


@solara.component
def Figure(uri: str, alt: str, classes: Sequence[str] = ()):
    """A figure given as a ``data:image/png;base64,...`` URI (as :mod:`cocreate.report.plots` makes them)."""
    solara.HTML(tag="img", attributes={"src": uri, "alt": alt}, classes=["plot", *classes])


@solara.component
def JobProgress(state: solara.Reactive, label: str):
    """While the job runs: its progress line and bar, the elapsed time, and the cancel button."""
    value = state.value
    if not value.running:
        if value.status == "cancelled":
            solara.Warning(f"{label}: cancelled; nothing was kept. Change anything you like and run it again.",
                           dense=True, classes=["cancelled"])
        return
    with solara.Div(classes=["cocreate-job"]):
        solara.Text(f"{label}: {value.progress or 'working'} ({value.seconds:.0f} s)", classes=["progress-text"])
        solara.ProgressLinear(value=True if value.fraction is None else 100 * value.fraction)
        solara.Button("Cancel", color="error", outlined=True, on_click=lambda: jobs.cancel(state),
                      classes=["cancel"])


@solara.component
def Downloads(files: Sequence[tuple[str, bytes]], classes: Sequence[str] = ()):
    """One download button per (name, bytes)."""
    with solara.Row(classes=["cocreate-downloads", *classes], style={"flex-wrap": "wrap"}):
        for name, data in files:
            solara.FileDownload(data, filename=name.replace("/", "_"), label=name,
                                mime_type="text/csv" if name.endswith(".csv") else "application/octet-stream")


STYLE = """
.cocreate-table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
.cocreate-table th, .cocreate-table td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
.cocreate-table th { background: #f3f3f3; }
.cocreate-table-box { overflow-x: auto; max-height: 480px; overflow-y: auto; }
.cocreate-step { margin: 10px 0 18px 0; padding: 8px 14px; border-left: 4px solid #1f77b4; }
.cocreate-step.locked { border-left-color: #aaa; }
.cocreate-step h2 { font-size: 20px; margin: 4px 0 8px 0; }
.commitment { font-family: monospace; font-size: 15px; word-break: break-all; background: #f6f6f6; padding: 6px; }
img.plot { max-width: 100%; display: block; margin: 6px 0; }
.cocreate-ok { color: #1b7f1b; font-weight: bold; }
.cocreate-mismatch { color: #b00020; }
"""
