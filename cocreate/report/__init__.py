"""Self-contained HTML reports: the selection report (``report.html``) and the translated lottery sheet.

The selection report is one file that loads nothing (styles inline, plots as base64 PNG from matplotlib), prints
on A4, and comes in English, Dutch or French (``lang``; Babel catalogues in ``locale/``, see
:mod:`cocreate.report.i18n`). It shows, per quota value, the target against the pool, the expected panel and the
drawn panel (counts and shares); every volunteer's probability (histogram and by group); the fairness figures
against the legacy greedy draw when given; the commitment, seed and drawn number and how to verify them; and
representativeness against the population when margins are given; what it shows in plain words, the assumptions
behind it, and how to reproduce it.

Its input, ``data``, is a JSON-serialisable dict (:func:`report_data` builds it from what ``cocreate select``
has, in one call):

- ``k``, ``n`` (int): panel size and pool size; ``algorithm`` (str);
- ``inputs``: ``{"pool": {"name", "sha256"}, "quotas": {"name", "sha256"}}`` (file names only, never paths);
- ``quotas``: one dict per quota value, in quota-row order: ``feature``, ``value``, ``min``, ``max`` (seats),
  ``pool_count`` (people), ``expected_seats`` (float, under the lottery), ``panel_seats`` (int on the drawn
  panel, None before the draw), ``population_share`` (in [0, 1], None without margins);
- ``probabilities``: ``{"target": [n floats], "lottery": [n floats]}``, in pool order, each summing to k;
- ``groups``: ``{feature: [n values]}``, each person's quota value per feature (pool order);
- ``metrics``, ``legacy`` (None when no legacy draw was run): ``fair_share``, ``min_probability``,
  ``max_probability``, ``geometric_mean_probability``, ``gini``, ``share_below_half_fair_share`` as in
  :func:`selection.engine.metrics.summary`;
- ``lottery``: ``{"m", "sha256" (the commitment), "max_change"}``;
- ``draw``: None before the draw, else ``{"method": "seed" | "manual", "seed", "number", "derivation"}``;
- ``households`` (int): household groups of two or more pool members;
- ``options``: the bundle's options the report states (``k``, ``algorithm``, ``m``, ``household`` (columns),
  ``id_column``, ``legacy_draws``, ``reserves``, ``dropout_column``, ``public_ids``, ``already_selected``); absent in
  data from before these were shown (then the assumptions and reproduction sections say less);
- ``notes``: lines to show (the input files' notes, a time-limited solve's label, warnings).

No person's data appears: the report holds counts, shares and probabilities, not ids or contact columns.
"""

from cocreate.report.data import report_data
from cocreate.report.i18n import LANGUAGES
from cocreate.report.render import REPORT, lottery_html, render_selection_report, write_selection_report

__all__ = ["LANGUAGES", "REPORT", "lottery_html", "render_selection_report", "report_data", "write_selection_report"]
