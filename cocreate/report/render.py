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
        "findings": _findings(data, features, target, lang),
        "assumptions": _assumptions(data, lang),
        "reproduce": _reproduce(data),
    }


def _findings(data: dict, features: dict[str, list[dict]], target: np.ndarray, lang: str) -> list[str]:
    """What the report shows, in plain sentences (translated): the smallest chance against the fair share, the
    quotas on the drawn panel, the groups with the highest and lowest mean chance, the legacy draw, the
    population."""
    _ = translations(lang).gettext
    m, fair = data["metrics"], data["metrics"]["fair_share"]
    out = [_("Every volunteer had a chance of at least %(min)s of being drawn, against a fair share of %(fair)s "
             "(seats divided by volunteers).") % {"min": share(m["min_probability"], lang),
                                                  "fair": share(fair, lang)}]
    if data["draw"]:
        missed = [q for q in data["quotas"] if q["panel_seats"] is not None
                  and not q["min"] <= q["panel_seats"] <= q["max"]]
        out.append(_("The drawn panel meets all %(count)s quotas.") % {"count": len(data["quotas"])} if not missed
                   else _("The drawn panel misses %(count)s of %(total)s quotas (in red below).")
                   % {"count": len(missed), "total": len(data["quotas"])})
    means = []
    for j, (feature, values) in enumerate(data["groups"].items()):
        values = np.asarray(values, dtype=object)
        for r in features.get(feature, []):
            sel = target[values == r["value"]]
            if len(sel):
                means.append((float(sel.mean()), j, f"{feature}: {r['value']}"))
    if len(means) > 1:
        low, high = min(means), max(means)
        if high[0] - low[0] > 1e-6:
            out.append(_("Chances differ by group because the quotas need some groups more than the pool offers "
                         "them: volunteers with %(high)s had on average %(high_p)s, those with %(low)s %(low_p)s.")
                       % {"high": high[2], "high_p": share(high[0], lang), "low": low[2],
                          "low_p": share(low[0], lang)})
    if data["legacy"]:
        out.append(_("The legacy one-at-a-time draw would have given the least lucky volunteer %(legacy)s instead "
                     "of %(ours)s.") % {"legacy": share(data["legacy"]["min_probability"], lang),
                                        "ours": share(m["min_probability"], lang)})
    return out


def _assumptions(data: dict, lang: str) -> list[str]:
    """What the figures rest on (translated): self-selection beyond the quota features, the lottery's rounding, the
    household rule, the drop-out column, the quotas as the planner's choice."""
    _ = translations(lang).gettext
    opts = data.get("options") or {}
    features = ", ".join(dict.fromkeys(q["feature"] for q in data["quotas"]))
    out = [_("The pool is who volunteered: the quotas correct the panel's make-up only on the quota features "
             "(%(features)s); on anything else the panel is as unlike the population as the pool is.")
           % {"features": features},
           _("The quotas (the least and most seats per value) are the planner's choice, read from %(quotas)s.")
           % {"quotas": data["inputs"]["quotas"]["name"]},
           _("The chances shown are those of the published lottery of %(m)s equally likely panels; they differ from "
             "the exact fair chances by at most %(change)s percentage points.") % {"m": data["lottery"]["m"],
                                                                 "change": number(100 * data["lottery"]["max_change"],
                                                                                  lang, 2)}]
    if opts.get("household"):
        out.append(_("At most one person per household (people with the same %(columns)s).")
                   % {"columns": ", ".join(opts["household"])})
    elif "household" in opts:
        out.append(_("No household rule: people who live together can both be drawn."))
    if opts.get("dropout_column"):
        out.append(_("The reserves are ordered with each person's drop-out chance from column %(column)s.")
                   % {"column": opts["dropout_column"]})
    return out


def _reproduce(data: dict) -> list[str]:
    """The commands that recompute this folder from the same files (file names only, as in the bundle): select
    with the recorded options, the draw, and this report. Empty without the options."""
    opts = data.get("options")
    if not opts:
        return []
    cmd = ["cocreate", "select", data["inputs"]["pool"]["name"], data["inputs"]["quotas"]["name"], "--size",
           str(opts["k"]), "--algorithm", str(opts["algorithm"]), "--lottery-size", str(opts["m"])]
    if opts.get("household"):
        cmd += ["--household", ",".join(opts["household"])]
    if opts.get("id_column"):
        cmd += ["--id-column", opts["id_column"]]
    if opts.get("dropout_column"):
        cmd += ["--dropout-column", opts["dropout_column"]]
    if opts.get("reserves") is not None:
        cmd += ["--reserves", str(opts["reserves"])]
    if opts.get("algorithm") == "legacy" and opts.get("legacy_draws"):
        cmd += ["--draws", str(opts["legacy_draws"])]
    if opts.get("public_ids"):
        cmd += ["--public-ids"]
    if opts.get("already_selected"):
        cmd += ["--already-selected", "CONFIRMED.csv"]
    cmd += ["--out", "OUT"]
    lines = [shlex.join(cmd)]
    draw = data["draw"]
    if draw and draw.get("method") == "seed":
        lines.append(shlex.join(["cocreate", "draw", "OUT", "--seed", str(draw["seed"])]))
    elif draw:
        lines.append(shlex.join(["cocreate", "draw", "OUT", "--number", str(draw["number"])]))
    lines.append("cocreate report OUT")
    return lines


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
