"""The selection report of `select` and `draw`: the legacy comparison it shows, and writing ``report.html`` (with the
translated lottery sheet when the language is not English)."""

from pathlib import Path

import pandas as pd

from cocreate.report import lottery_html, report_data, write_selection_report
from selection.engine.api import select
from selection.engine.metrics import summary as metric_summary
from selection.lottery import files, workflow
from selection.outputs import atomic_write, write_xlsx

COMPARISON_DRAWS = 300  # legacy greedy draws estimating the comparison's probabilities (seeded, repeatable)


def publish_and_compare(compare_draws: int = COMPARISON_DRAWS, **kwargs) -> tuple[workflow.Publication, dict | None]:
    """:func:`workflow.publish`, then the legacy greedy draw's metrics on the same inputs for the report's
    comparison (None when the algorithm is legacy itself or ``compare_draws`` is 0). Module-level, so that it can
    run in the stoppable worker."""
    pub = workflow.publish(**kwargs)
    if compare_draws <= 0 or kwargs.get("algorithm") == "legacy":
        return pub, None
    legacy = select(pub.inputs.pool, pub.inputs.quotas, kwargs["k"], algorithm="legacy", seed=workflow.SOLVER_SEED,
                    legacy_draws=compare_draws)
    return pub, {key: value for key, value in legacy.metrics.items() if key != "quotas"}


def write_workbook(out: Path, bundle: dict, inputs: workflow.Inputs) -> str:
    """``selection.xlsx``: the selected panel, the reserves, the remaining pool and the quota check, one sheet each,
    for planners who work in a spreadsheet (formula-safe; the same columns as the CSV files)."""
    keep = bundle["options"].get("keep_columns", [])
    panel = inputs.indices(bundle["draw"]["panel"])
    reserves = files.panel_frame(inputs, inputs.indices(bundle["reserves"]), keep)
    reserves.insert(0, "rank", range(1, len(reserves) + 1))
    check = pd.DataFrame(metric_summary(inputs.problem, bundle["probabilities"]["target"], panel)["quotas"])
    write_xlsx(Path(out) / "selection.xlsx", {
        "selected": files.panel_frame(inputs, panel, keep), "reserves": reserves,
        "remaining": files.panel_frame(inputs, files.remaining_people(inputs, panel), keep),
        "quota check": check[["feature", "value", "min", "max", "panel_seats", "expected_seats", "met"]]})
    return "selection.xlsx"


def write_report(out: Path, bundle: dict, inputs: workflow.Inputs, legacy: dict | None, lang: str,
                 notes: list[str]) -> list[str]:
    """``report.html`` for the bundle (drawn or not), and ``lottery.<lang>.html`` for a language other than English;
    returns the names written."""
    target = bundle["probabilities"]["target"]
    panel = inputs.indices(bundle["draw"]["panel"]) if bundle.get("draw") else inputs.indices(bundle["lottery"]
                                                                                                ["panels"][0])
    metrics = metric_summary(inputs.problem, target, panel)
    write_selection_report(out, report_data(bundle, inputs, metrics, legacy, notes=notes), lang)
    written = ["report.html"]
    if lang != "en":
        atomic_write(Path(out) / f"lottery.{lang}.html", lottery_html(bundle, lang))
        written.append(f"lottery.{lang}.html")
    return written
