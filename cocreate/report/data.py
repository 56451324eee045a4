"""What the selection report shows, built from what `cocreate select` has (see :mod:`cocreate.report` for the
dict's keys): the audit bundle, the selection problem and the metrics of :func:`selection.engine.metrics.summary`."""

import numpy as np
import pandas as pd

from selection.records import norm

#: the bundle's options the report states (assumptions, how to reproduce)
OPTIONS = ("k", "algorithm", "m", "household", "id_column", "legacy_draws", "reserves", "dropout_column",
           "public_ids", "already_selected")
METRICS = ("fair_share", "min_probability", "max_probability", "geometric_mean_probability", "gini",
           "share_below_half_fair_share")


def report_data(publication_or_bundle, inputs, metrics: dict, legacy_metrics: dict | None = None,
                margins: pd.DataFrame | None = None, notes: list[str] | None = None) -> dict:
    """The report's ``data`` dict in one call.

    ``publication_or_bundle``: a :class:`selection.lottery.workflow.Publication` or an audit-bundle dict (drawn or
    not); ``inputs``: the :class:`selection.lottery.workflow.Inputs` it was computed from; ``metrics``: the
    :func:`selection.engine.metrics.summary` of the fair probabilities (with ``panel_seats`` once drawn);
    ``legacy_metrics``: the same summary for the legacy greedy draw (optional); ``margins``: population margins
    ``feature, value, share`` (optional, as :func:`selection.population.margins.read_margins` returns); ``notes``:
    extra lines to show (e.g. a time-limited solve's label). Only ids, features and hashes go in: no contact data.
    """
    bundle = getattr(publication_or_bundle, "bundle", publication_or_bundle)
    pool, problem = inputs.pool, inputs.problem
    counts = problem.person_rows.sum(axis=0, dtype=np.int64)  # every quota row, intersectional ones too
    population = {}
    if margins is not None:
        population = {(norm(f), norm(v)): float(s) for f, v, s in zip(margins["feature"], margins["value"],
                                                                      margins["share"], strict=True)}
    by_row = {(q["feature"], q["value"]): q for q in metrics["quotas"]}
    quotas = []
    for f, q in enumerate(problem.quota_rows):
        m = by_row.get((q.feature, q.value), {})
        quotas.append({"feature": q.feature, "value": q.value, "min": q.min, "max": q.max,
                       "pool_count": int(counts[f]), "expected_seats": m.get("expected_seats"),
                       "panel_seats": m.get("panel_seats") if bundle.get("draw") else None,
                       "population_share": population.get((norm(q.feature), norm(q.value)))})
    rows = problem.quota_rows
    groups = {f: [rows[v].value for v in problem.person_values[:, j]]
              for j, f in enumerate(problem.quotas.features)}
    lot, draw = bundle["lottery"], bundle.get("draw")
    return {
        "k": int(problem.k), "n": int(problem.n), "algorithm": bundle["options"]["algorithm"],
        "inputs": {key: {"name": rec["name"], "sha256": rec["sha256"]} for key, rec in bundle["inputs"].items()},
        "quotas": quotas,
        "probabilities": {"target": list(bundle["probabilities"]["target"]),
                          "lottery": list(bundle["probabilities"]["lottery"])},
        "groups": groups,
        "metrics": {key: metrics[key] for key in METRICS},
        "legacy": {key: legacy_metrics[key] for key in METRICS} if legacy_metrics else None,
        "lottery": {"m": lot["m"], "sha256": lot["sha256"], "max_change": bundle["rounding"]["max_change"]},
        "draw": {key: draw.get(key) for key in ("method", "seed", "number", "derivation")} if draw else None,
        "households": len(problem.households),
        "options": {key: bundle["options"].get(key) for key in OPTIONS},
        "notes": [*pool.notes, *inputs.quotas.notes, *(notes or [])],
    }
