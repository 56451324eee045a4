"""The simulation report: one self-contained HTML file (plots inline as base64 PNG, tables, findings in words, the
assumptions, how to reproduce) from a `cocreate simulate` directory or a `cocreate sweep` directory analysed by
`cocreate analyse`. No cell shows ``nan``: a value that is not defined is said in words.

Trust is reported as the share of citizens who trust the institution (trust above 0.5), so differences are in
percentage points of people trusting.
"""

from __future__ import annotations

import base64
import json
import math
import shlex
from pathlib import Path

import numpy as np
import pandas as pd

from cocreate.report.style import COLOURS, NAMES, name, time_plot  # one mapping for every plot
from selection.outputs import atomic_write

SIM_REPORT = "simulation-report.html"
SWEEP_REPORT = "sweep-report.html"

__all__ = ["COLOURS", "NAMES", "ReportError", "name", "write_report"]


class ReportError(ValueError):
    """The directory holds no simulation or analysed sweep (the message says what to do)."""


def _finite(x) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _pp(x, digits: int = 1) -> str:
    return f"{100 * float(x):+.{digits}f} pp" if _finite(x) else "not defined"


def _uri(fig) -> str:
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _png_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# ----------------------------------------------------------------------------------------------- simulate


def _trust_figure(series: pd.DataFrame) -> str:
    """Share of citizens trusting over the weeks per strategy, bands over seeds, the process phases beneath."""
    _pyplot()
    fig = time_plot(series, "trust_share", "citizens who trust the institution (%)",
                    "Share of citizens trusting the institution")
    return _uri(fig)


def _progress_figure(series: pd.DataFrame) -> str:
    """Share of the decided policy implemented over the weeks per strategy (when each strategy delivers), bands over
    seeds, the process phases beneath."""
    _pyplot()
    fig = time_plot(series, "implementation", "decided policy implemented (%)", "Implementation of the decision")
    return _uri(fig)


def _paired_figure(rows: list[dict], baseline: str) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8.5, 0.6 + 0.45 * len(rows)))
    y = np.arange(len(rows))[::-1]
    for yi, r in zip(y, rows, strict=True):
        colour = COLOURS.get(r["strategy"], "#333333")
        ax.barh(yi, 100 * r["mean"], color=colour, alpha=0.8)
        if _finite(r["low"]):
            ax.plot([100 * r["low"], 100 * r["high"]], [yi, yi], color="black", lw=1.5)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [name(r["strategy"]) for r in rows])
    ax.set_xlabel(f"change in citizens trusting, minus {name(baseline)} in the same world (percentage points)")
    ax.set_title("Each strategy against " + name(baseline) + " (mean paired difference, 95% interval)")
    ax.grid(axis="x", alpha=0.3)
    return _uri(fig)


def _paired_rows(summary: pd.DataFrame, metric: str, baseline: str) -> list[dict]:
    from scipy import stats

    wide = summary.pivot(index="seed", columns="strategy", values=metric)
    rows = []
    for s in dict.fromkeys(summary["strategy"]):
        if s == baseline or baseline not in wide:
            continue
        d = (wide[s] - wide[baseline]).dropna().to_numpy(float)
        if len(d) == 0:
            continue
        m = float(d.mean())
        half = float(stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else math.nan
        rows.append({"strategy": s, "name": name(s), "mean": m, "low": m - half, "high": m + half, "n": len(d),
                     "better": float(np.mean(d > 0)), "interval": _finite(half)})
    return rows


def _finding(r: dict, baseline: str) -> str:
    who = r["name"][0].upper() + r["name"][1:]
    if not r["interval"]:
        return (f"{who}: {_pp(r['mean'])} of citizens trusting against {name(baseline)}, from one seed only; "
                "run more seeds before reading anything into it.")
    if r["low"] > 0:
        verdict = "more people trust the institution than under " + name(baseline)
    elif r["high"] < 0:
        verdict = "fewer people trust the institution than under " + name(baseline)
    else:
        verdict = "no clear difference from " + name(baseline)
    return (f"{who}: {verdict} ({_pp(r['mean'])}, 95% interval {_pp(r['low'])} to {_pp(r['high'])}; "
            f"higher in {r['better']:.0%} of {r['n']} paired worlds).")


def _speed_finding(means: pd.DataFrame) -> str | None:
    """Which strategy delivers first and last (mean weeks from the start to full implementation), in words; None
    when fewer than two strategies deliver within the horizon."""
    weeks = means["time_to_implementation"].dropna()
    weeks = weeks[np.isfinite(weeks)]
    if len(weeks) < 2:
        return None
    fast, slow = weeks.idxmin(), weeks.idxmax()
    if weeks[slow] - weeks[fast] < 1:
        return f"Every strategy implements its decision in about {weeks[fast]:.0f} weeks."
    return (f"{name(fast)[0].upper() + name(fast)[1:]} implements its decision first (about {weeks[fast]:.0f} weeks "
            f"from the start), {name(slow)} last (about {weeks[slow]:.0f} weeks): see the implementation plot.")


def _assumptions(scenario_text: str | None) -> list[dict]:
    """Every parameter whose schema source is an assumption, with its value in the run's scenario."""
    if scenario_text is None:
        return []
    import yaml

    from sim.scenario import Scenario, validate

    sc = validate(yaml.safe_load(scenario_text), "scenario.yaml")
    given = yaml.safe_load(scenario_text) or {}
    rows = []
    for section, field in Scenario.model_fields.items():
        model = field.annotation
        if not isinstance(model, type) or not hasattr(model, "model_fields"):
            continue
        for key, f in model.model_fields.items():
            source = str((f.json_schema_extra or {}).get("source", ""))
            if not source.startswith("assumption"):
                continue
            value = getattr(getattr(sc, section), key)
            rows.append({"parameter": f"{section}.{key}", "value": "by level" if value is None else value,
                         "unit": (f.json_schema_extra or {}).get("unit", ""),
                         "what": (f.description or "").split(" [")[0],
                         "set_here": isinstance(given.get(section), dict) and key in given[section]})
    return rows


def simulation_view(directory: Path) -> dict:
    summary_path, series_path = directory / "summary.csv", directory / "series.csv"
    if not summary_path.is_file() or not series_path.is_file():
        raise ReportError(f"{directory}: no summary.csv and series.csv here; give the --out directory of "
                          "`cocreate simulate` (or of `cocreate sweep` after `cocreate analyse`)")
    summary = pd.read_csv(summary_path, encoding="utf-8-sig")
    series = pd.read_csv(series_path, encoding="utf-8-sig")
    run_info = json.loads((directory / "run.json").read_text()) if (directory / "run.json").is_file() else None
    if run_info:
        run_info["description"] = str(run_info.get("description", "")).rstrip(".")
    scenario_text = ((directory / "scenario.yaml").read_text(encoding="utf-8")
                     if (directory / "scenario.yaml").is_file() else None)
    strategies = list(dict.fromkeys(summary["strategy"]))
    baseline = "inform" if "inform" in strategies else strategies[0]
    rows = _paired_rows(summary, "trust_share_change", baseline)
    means = summary.groupby("strategy", sort=False)[["trust_share_change", "support_at_decision",
                                                     "time_to_implementation", "solution_quality"]].mean()
    table = []
    for s, r in means.iterrows():
        table.append({"name": name(s), "strategy": s, "trust": _pp(r["trust_share_change"]),
                      "support": f"{r['support_at_decision']:.0%}" if _finite(r["support_at_decision"])
                      else "no decision",
                      "weeks": f"{r['time_to_implementation']:.0f}" if _finite(r["time_to_implementation"])
                      else "not implemented in the horizon",
                      "quality": f"{r['solution_quality']:.2f}" if _finite(r["solution_quality"]) else "none"})
    header = [line[1:].strip() for line in (scenario_text or "").splitlines() if line.startswith("#")]
    if run_info:
        command = ["cocreate", "simulate", run_info["scenario_file"], "--seeds", str(run_info["seeds"]),
                   "--population", str(run_info["population"])]
        for s in run_info["strategies"]:
            command += ["-s", s]
        command += ["--out", "OUT"] + (["--channels"] if run_info.get("channels") else [])
        reproduce = shlex.join(command)
    else:
        reproduce = None
    n_seeds = int(summary["seed"].nunique())
    return {
        "kind": "simulation", "title": f"Simulation report: {run_info['scenario'] if run_info else directory.name}",
        "run": run_info, "n_seeds": n_seeds, "baseline": name(baseline), "table": table, "paired": rows,
        "findings": [_finding(r, baseline) for r in rows] + [f for f in [_speed_finding(means)] if f],
        "figures": [{"uri": _trust_figure(series), "alt": "share of citizens trusting over the weeks"}]
                   + ([{"uri": _progress_figure(series), "alt": "share of the decision implemented over the weeks"}]
                      if "implementation" in series else [])
                   + ([{"uri": _paired_figure(rows, baseline), "alt": "paired differences against the baseline"}]
                      if rows else []),
        "assumptions": _assumptions(scenario_text), "scenario_header": header, "reproduce": reproduce,
        "notes": [] if n_seeds >= 10 else [f"Only {n_seeds} seed(s): intervals are wide; 10 or more seeds give "
                                           "bands that mean something."],
    }


# -------------------------------------------------------------------------------------------------- sweep


def sweep_view(directory: Path) -> dict:
    manifest = json.loads((directory / "sweep.json").read_text())
    analysis = directory / "analysis"
    if not (analysis / "summary.md").is_file():
        raise ReportError(f"{directory}: the sweep is not analysed yet; run `cocreate analyse {directory}` first")
    summary_md = (analysis / "summary.md").read_text(encoding="utf-8")
    main = next((line.split("`")[1] for line in summary_md.splitlines() if "Main outcome: `" in line),
                "trust_change")
    notes = []
    for line in summary_md.splitlines():
        if line.startswith("## "):
            break
        if line.startswith("- "):
            notes.append(line[2:])
    rows, findings = [], []
    if (analysis / "paired_differences.csv").is_file():
        paired = pd.read_csv(analysis / "paired_differences.csv")
        paired = paired[(paired["outcome"] == main) & paired["mean_diff"].notna()]
        for _, r in paired.iterrows():
            rows.append({"name": name(r["strategy"]), "baseline": name(r["baseline"]),
                         "diff": f"{r['mean_diff']:+.4f}", "interval": f"{r['ci_low']:+.4f} to {r['ci_high']:+.4f}",
                         "wins": f"{r['win_rate']:.0%}", "futures": int(r["n_pairs"])})
            verdict = ("better" if r["ci_low"] > 0 else "worse" if r["ci_high"] < 0 else "not clearly different")
            if r.get("better") == "lower" and verdict != "not clearly different":
                verdict = "worse" if verdict == "better" else "better"
            findings.append(f"{name(r['strategy'])[0].upper() + name(r['strategy'])[1:]} is {verdict} than "
                            f"{name(r['baseline'])} on {main} ({r['mean_diff']:+.4f}, 95% bootstrap interval "
                            f"{r['ci_low']:+.4f} to {r['ci_high']:+.4f}) over {int(r['n_pairs'])} futures.")
    backfire = []
    if (analysis / "backfire_boxes.csv").is_file():
        for _, r in pd.read_csv(analysis / "backfire_boxes.csv").iterrows():
            backfire.append({"name": name(r["strategy"]), "share": f"{r['backfire_share']:.0%}", "box": r["box"],
                             "meaning": r["backfire_if"]})
    figures = [{"uri": _png_uri(p), "alt": p.stem.replace("_", " ")} for p in sorted(analysis.glob("*.png"))]
    command = ["cocreate", "sweep", "SCENARIO.yaml", "--design", manifest["design"], "--samples",
               str(manifest["samples"]), "--seeds", str(manifest["replications"]), "--seed", str(manifest["seed"])]
    for p in manifest["params"]:
        spec = (",".join(map(str, p["levels"])) if p.get("levels") is not None
                else f"{p['low']}:{p['high']}" + (":int" if p.get("integer") else ""))
        command += ["-p", f"{p['name']}={spec}"]
    for s in manifest["strategies"]:
        command += ["-s", s]
    command += ["--out", "OUT"]
    swept = [{"parameter": p["name"], "value": (", ".join(map(str, p["levels"])) if p.get("levels") is not None
                                                else f"{p['low']} to {p['high']}"), "unit": "", "what": "swept",
              "set_here": True} for p in manifest["params"]]
    return {
        "kind": "sweep", "title": f"Sweep report: {directory.name}", "manifest": manifest, "main": main,
        "sweep_rows": rows, "findings": findings, "backfire": backfire, "figures": figures, "notes": notes,
        "assumptions": swept, "scenario_header": [], "reproduce": shlex.join(command) + " && cocreate analyse OUT",
        "provenance": manifest.get("provenance"), "model": manifest.get("model", ""),
    }


def write_report(directory: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of `directory` (a simulate or analysed sweep directory); returns its path. Raises
    ReportError when the directory holds neither."""
    import jinja2

    directory = Path(directory)
    if not directory.is_dir():
        raise ReportError(f"{directory}: not a directory; give the --out directory of `cocreate simulate` or "
                          "`cocreate sweep`")
    if (directory / "sweep.json").is_file():
        data, default = sweep_view(directory), SWEEP_REPORT
    else:
        data, default = simulation_view(directory), SIM_REPORT
    env = jinja2.Environment(loader=jinja2.PackageLoader("cocreate.report", "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    html = env.get_template("simulation.html.j2").render(**data)
    path = Path(out) if out else directory / default
    atomic_write(path, html)
    return path
