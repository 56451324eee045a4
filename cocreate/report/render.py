"""Rendering: the report's ``data`` dict (see :mod:`cocreate.report`) and a language into one self-contained HTML
file; the lottery sheet in the same languages."""

import shlex
from pathlib import Path

import jinja2
import numpy as np

from cocreate.report import plots
from cocreate.report.i18n import number, share, translations
from selection.lottery.seeds import DERIVATION, number_width
from selection.outputs import atomic_write

REPORT = "report.html"


def environment(lang: str) -> jinja2.Environment:
    """A Jinja2 environment over the package's templates with ``lang``'s translations installed (newstyle
    gettext: ``_("... %(k)s", k=k)``), autoescaping on."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("cocreate.report", "templates"), autoescape=True,
                             extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.install_gettext_translations(translations(lang), newstyle=True)
    env.filters["share"] = lambda x, digits=1: share(x, lang, digits)
    env.filters["number"] = lambda x, digits=3: number(x, lang, digits)
    return env


def _tvd(rows: list[dict], key: str) -> float | None:
    pairs = [(r.get(key), r["population_share"]) for r in rows if r["population_share"] is not None]
    if not pairs or any(x is None for x, _ in pairs):
        return None
    return 0.5 * sum(abs(x - p) for x, p in pairs)


def view(data: dict, lang: str) -> dict:
    """What the template needs: ``data`` plus shares, figures, representativeness and the verify command."""
    _ = translations(lang).gettext
    k, n = data["k"], data["n"]
    features: dict[str, list[dict]] = {}
    for q in data["quotas"]:
        row = {**q, "pool_share": q["pool_count"] / n,
               "expected_share": None if q["expected_seats"] is None else q["expected_seats"] / k,
               "panel_share": None if q["panel_seats"] is None else q["panel_seats"] / k}
        features.setdefault(q["feature"], []).append(row)
    with_population = any(q["population_share"] is not None for q in data["quotas"])
    target = np.asarray(data["probabilities"]["target"], dtype=float)
    fair = data["metrics"]["fair_share"]
    draw, lot, inputs = data["draw"], data["lottery"], data["inputs"]
    command = ["cocreate", "verify", "audit.json", "--pool", inputs["pool"]["name"], "--quotas",
               inputs["quotas"]["name"], "--commitment", lot["sha256"]]
    if draw and draw.get("method") == "seed":
        command += ["--seed", draw["seed"]]
    return {
        **data, "lang": lang, "features": [
            {"name": f, "rows": rows, "figure": plots.quota_figure(f, rows, k, _),
             "tvd": {key: _tvd(rows, key) for key in ("pool_share", "expected_share", "panel_share")}}
            for f, rows in features.items()],
        "with_population": with_population,
        "histogram": plots.histogram(target, fair, _),
        "by_group": plots.by_group(data["groups"], {f: [r["value"] for r in rows] for f, rows in features.items()},
                                   target, fair, _),
        "below_half": int(np.sum(target < 0.5 * fair)), "zero": int(np.sum(target <= 1e-9)),
        "metric_rows": [(_("fair share k/n"), "fair_share", True),
                        (_("lowest probability"), "min_probability", True),
                        (_("highest probability"), "max_probability", True),
                        (_("geometric mean probability"), "geometric_mean_probability", True),
                        (_("Gini coefficient (0 = all equal)"), "gini", False),
                        (_("share of volunteers below half the fair share"), "share_below_half_fair_share", True)],
        "verify_command": " ".join(shlex.quote(c) for c in command),
    }


def render_selection_report(data: dict, lang: str = "en") -> str:
    """The report as HTML text (see :func:`write_selection_report`)."""
    return environment(lang).get_template("selection.html.j2").render(**view(data, lang))


def write_selection_report(out_dir: str | Path, data: dict, lang: str = "en") -> Path:
    """Write ``out_dir/report.html`` atomically: one self-contained file (styles and plots inline, no external
    request), printable on A4. ``lang``: en, nl or fr. Returns the path."""
    path = Path(out_dir) / REPORT
    atomic_write(path, render_selection_report(data, lang))
    return path


def lottery_html(bundle: dict, lang: str = "en") -> str:
    """The printable lottery sheet of an audit bundle (numbered panels, commitment, how to draw) in ``lang``: the
    content of :func:`selection.lottery.files.lottery_html`, translated."""
    lot = bundle["lottery"]
    m = lot["m"]
    width = number_width(m)
    rows = [(str(j).zfill(width), " ".join(map(str, p))) for j, p in enumerate(lot["panels"])]
    return environment(lang).get_template("lottery.html.j2").render(
        m=m, k=bundle["options"]["k"], sha256=lot["sha256"], width=width, dice=(m == 10 ** width), rows=rows,
        derivation=DERIVATION, lang=lang)
