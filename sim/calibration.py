"""Pattern-oriented calibration by rejection (approximate Bayesian computation) of the uncertain parameters.

The evidence (`../shared/reference/data/engagement_effect_sizes.csv`, `engagement_trust_evidence.csv`,
`trust_survey_benchmarks.csv`, `ccc_government_response_grades.csv`; docs/ODD.md §9) gives mostly orderings
and signs, and a few levels. Each becomes a `Target`: a check on the model's output for one parameter set. The
calibration draws parameter sets from the priors (`PRIORS`, a Latin hypercube, seeded), runs the arms every
target needs under common random numbers, and keeps the sets that pass every target (Grimm et al. 2005 pattern-
oriented modelling; Pritchard et al. 1999 rejection ABC with a zero tolerance on patterns).

Outputs (`write`): `accepted.csv` (the accepted sets), `samples.csv` (every set with its statistics and
verdicts), `ranges.yaml` (per parameter the 5-95% range and median of the accepted sets; readable by
`cocreate sweep --ranges`), and `NOTE.md` (targets, acceptance, which targets constrained which parameters).
The scenario schema's defaults of calibrated parameters are the accepted medians (source "calibrated"), and the
direction tests (tests/sim/test_directions.py) run over the accepted sets.

Run with `cocreate calibrate` (same seed, same result).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats
from scipy.stats import qmc

from sim.runner import run
from sim.scenario import Scenario

#: The uncertain parameters and their prior ranges (uniform). Each is an effect size the evidence gives only a
#: sign or an ordering for (docs/ODD.md §9).
PRIORS: dict[str, tuple[float, float]] = {
    "trust.participant_gain": (0.02, 0.3),
    "trust.ignore_penalty": (0.02, 0.4),
    "trust.honoured_heard_gain": (0.1, 1.0),
    "trust.ignored_heard_loss": (0.0, 1.0),
    "trust.heard_trust_weight": (0.0, 1.0),
    "trust.vicarious_heard_gain": (0.0, 0.4),
    "trust.spillover_gain": (0.01, 0.2),
    "trust.backfire": (0.01, 0.2),
    "trust.capture_penalty": (0.0, 0.2),
    "trust.bias_sensitivity": (0.0, 12.0),
    "trust.low_trust_focus": (0.0, 3.0),
    "trust.outcome_scale": (0.05, 1.0),
    "trust.loss_aversion": (1.0, 4.0),
    "trust.delivery_gain": (0.0, 0.3),
    "exposure.scandal": (0.0, 0.3),
    "deliberation.learning_pull": (0.4, 1.0),  # below 0.4 no set reproduces the CAUK learning (2026-12 pilot)
    "lobby.budget": (0.05, 1.0),
}

#: The arms a parameter set is run under: (strategy, overrides on top of the set), in the order they are run (a
#: set is dropped at the first target it fails, so the arms the most selective targets need come first).
ARMS: dict[str, tuple[str, dict]] = {
    "honoured": ("cocreate_sortition", {"engagement.authenticity": 1.0}),
    "inform": ("inform", {}),
    "partial": ("cocreate_sortition", {"engagement.authenticity": 0.5}),
    "ignored": ("cocreate_sortition", {"engagement.authenticity": 0.0}),
    "consult_ignore": ("consult_ignore", {}),
}

#: The summary outputs kept per arm (mean over seeds) as the statistics the targets read.
STATS = ("public_trust_change", "trust_change", "trust_share_change", "trust_change_low_prior",
         "trust_change_high_prior", "participants_trust_change", "participants_feels_heard", "honour_share",
         "heard_trust_ratio", "panel_learning", "outcome_gradient")


@dataclass(frozen=True)
class Target:
    """One pattern from the evidence: `check(stats, theta)` is True when the model reproduces it. `stats` maps
    ``"<arm>.<output>"`` to its mean over seeds; `theta` is the parameter set; `needs` names the arms it reads (none:
    it is a property of the parameters alone, checked before anything is run)."""

    name: str
    source: str
    pattern: str
    check: Callable[[dict, dict], bool]
    needs: tuple[str, ...] = ()


def _gain(s: dict, arm: str, out: str, versus: str = "inform") -> float:
    return s[f"{arm}.{out}"] - s[f"{versus}.{out}"]


TARGETS: tuple[Target, ...] = (
    Target("adopted>none>ignored", "van Dijk & Lefevere 2023 (EJPR 62:135; n=3,102)",
           "the public's trust: mini-public fully adopted > no mini-public (inform) > mini-public not adopted",
           lambda s, t: s["honoured.public_trust_change"] > s["inform.public_trust_change"]
           > s["ignored.public_trust_change"],
           needs=("honoured", "inform", "ignored")),
    Target("consult_ignore<inform", "Ulbig 2008 (POQ 72:523)",
           "voice without influence is worse than no voice: consult-and-ignore ends below inform",
           lambda s, t: s["consult_ignore.trust_change"] < s["inform.trust_change"],
           needs=("inform", "consult_ignore")),
    Target("gains_from_low_trust", "Germann, Marien & Muradova 2024 (Political Studies 72:677)",
           "the public's gain from an honoured mini-public is driven by citizens with low political trust: it is "
           "positive among those with prior trust < 0.5 and at least 1.5 times the gain among the others",
           lambda s, t: (_gain(s, "honoured", "trust_change_low_prior") > 0
                         and _gain(s, "honoured", "trust_change_low_prior")
                         >= 1.5 * max(0.0, _gain(s, "honoured", "trust_change_high_prior"))),
           needs=("honoured", "inform")),
    Target("bias_erodes_legitimacy", "Germann 2025 (BJPolS 55:e11)",
           "minor compositional bias substantially reduces the legitimacy gain (representativeness 0.9 keeps at "
           "most 2/3 of it) and larger bias wipes it out (0.6 keeps at most 10%)",
           lambda s, t: 0.9 ** t["trust.bias_sensitivity"] <= 2 / 3 and 0.6 ** t["trust.bias_sensitivity"] <= 0.1,
           needs=()),
    Target("outcome_dominates", "Esaiasson et al. 2019 (BJPolS 49:291); Arnesen 2017 (Political Studies 65:146)",
           "outcome favourability outweighs procedure: under honoured co-creation the trust gap between the "
           "quarter of the public the decision favours most and the quarter it favours least exceeds the "
           "procedural gain over inform",
           lambda s, t: s["honoured.outcome_gradient"] > abs(_gain(s, "honoured", "public_trust_change")),
           needs=("honoured", "inform")),
    Target("participants_gain", "Boulianne 2019 (Political Studies 67:4); Gronlund et al. 2010 (EPSR 2:95)",
           "participants' trust rises in an honoured process, more than the public's",
           lambda s, t: s["honoured.participants_trust_change"] > max(0.0, s["honoured.public_trust_change"]),
           needs=("honoured",)),
    Target("ccc_grade", "Convention Citoyenne pour le Climat 2021 (members graded the uptake 3.4-4.1/10)",
           "with partial uptake (honour share 0.2-0.7) participants end feeling heard at 0.25-0.45 on 0..1",
           lambda s, t: (0.2 <= s["partial.honour_share"] <= 0.7
                         and 0.25 <= s["partial.participants_feels_heard"] <= 0.45),
           needs=("partial",)),
    Target("cauk_learning", "Climate Assembly UK follow-up (members 'very concerned' 46% -> 56%: 10 of the 54 "
           "points left, about a fifth of the way)",
           "deliberation moves the panel's recommendation 8-40% of the way from its members' starting views "
           "toward the informed position",
           lambda s, t: 0.08 <= s["honoured.panel_learning"] <= 0.4,
           needs=("honoured",)),
    Target("heard_ratio", "OECD2024 (those who feel heard are >3x as likely to trust)",
           "the public's trust ratio between those who feel heard and those who do not stays above 3 (inform and "
           "honoured co-creation, at the end)",
           lambda s, t: s["inform.heard_trust_ratio"] > 3 and s["honoured.heard_trust_ratio"] > 3,
           needs=("honoured", "inform")),
    Target("no_large_drift", "OECD2024 (18 countries: 43% -> 41% trusting over 2021-2023)",
           "informing alone moves the share trusting by at most 2 points a year",
           lambda s, t: abs(s["inform.trust_share_change"]) <= 0.02 * t["_years"],
           needs=("inform",)),
)


def prior_sample(n: int, seed: int, priors: dict[str, tuple[float, float]] = PRIORS) -> pd.DataFrame:
    """n parameter sets from the uniform priors (scrambled Latin hypercube, seeded)."""
    unit = qmc.LatinHypercube(d=len(priors), seed=np.random.default_rng(seed)).random(n)
    lows = np.array([lo for lo, _ in priors.values()])
    highs = np.array([hi for _, hi in priors.values()])
    return pd.DataFrame(lows + unit * (highs - lows), columns=list(priors))


def evaluate(scenario: Scenario, theta: dict, seeds: tuple[int, ...], population: int,
             targets: tuple[Target, ...] | None = None) -> tuple[dict[str, float], dict[str, bool | None]]:
    """One parameter set: run the arms in `ARMS` order (every arm on the same `seeds`: common random numbers), the
    statistics being each arm's `STATS` (mean over seeds), and judge each target as soon as the arms it needs are
    in. Stops at the first failed target: later targets get None (not reached) and their arms are not run.
    Returns (statistics, verdicts)."""
    targets = TARGETS if targets is None else targets
    t = dict(theta, _years=scenario.process.horizon_weeks / 52.0)
    verdicts: dict[str, bool | None] = {target.name: None for target in targets}
    out: dict[str, float] = {}
    done: set[str] = set()

    def judge_ready() -> bool:
        for target in targets:
            if verdicts[target.name] is None and set(target.needs) <= done:
                verdicts[target.name] = _verdict(target, out, t)
                if not verdicts[target.name]:
                    return False
        return True

    if not judge_ready():
        return out, verdicts
    base = scenario.with_overrides({"population.size": population, **theta})
    needed = {arm for target in targets for arm in target.needs}
    for arm, (strategy, extra) in ARMS.items():
        if arm not in needed:
            continue
        sc = base.with_overrides(extra) if extra else base
        rows = [run(sc, strategy, s).summary for s in seeds]
        for key in STATS:
            values = np.array([r[key] for r in rows], dtype=float)
            out[f"{arm}.{key}"] = float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")
        done.add(arm)
        if not judge_ready():
            break
    return out, verdicts


def _verdict(target: Target, stats_: dict, theta: dict) -> bool:
    """A target's verdict (a missing or NaN statistic fails it)."""
    try:
        return bool(target.check(stats_, theta))
    except (KeyError, ValueError, ZeroDivisionError):
        return False


def _evaluate_row(args):
    scenario, theta, seeds, population = args
    return evaluate(scenario, theta, seeds, population)


@dataclass
class Calibration:
    """Every sample with its statistics and verdicts (`samples`), the accepted sets, and the settings."""

    samples: pd.DataFrame
    priors: dict[str, tuple[float, float]]
    settings: dict
    targets: tuple[Target, ...] = TARGETS
    constrained: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    @property
    def accepted(self) -> pd.DataFrame:
        return self.samples.loc[self.samples["accepted"], list(self.priors)].reset_index(drop=True)

    def ranges(self, lo: float = 0.05, hi: float = 0.95) -> dict[str, dict[str, float]]:
        """Per parameter: the accepted sets' `lo`-`hi` quantile range and median, with the prior range."""
        acc = self.accepted
        out = {}
        for name, (plo, phi) in self.priors.items():
            if len(acc):
                q = acc[name].quantile([lo, 0.5, hi])
                out[name] = {"low": float(q.iloc[0]), "high": float(q.iloc[2]), "median": float(q.iloc[1])}
            else:
                out[name] = {"low": plo, "high": phi, "median": (plo + phi) / 2}
            out[name]["prior"] = [plo, phi]
        return out


def calibrate(scenario: Scenario | None = None, *, samples: int = 400, seed: int = 0, seeds: int = 2,
              population: int = 5000, jobs: int = 1, priors: dict[str, tuple[float, float]] = PRIORS,
              progress: Callable[[int, int], None] | None = None, checkpoint: str | Path | None = None,
              checkpoint_every: int = 25) -> Calibration:
    """Rejection ABC: `samples` parameter sets from `priors` (seeded Latin hypercube), each run on `seeds` seeds
    (0..seeds-1, common random numbers across arms and sets) at `population` citizens; a set is accepted when it
    passes every target. Same arguments, same result (also with `jobs` > 1: results are collected in order).

    With `checkpoint` (a file), the evaluated sets are saved there every `checkpoint_every` sets, and a later call
    with the same settings starts after the sets already saved (an interrupted calibration resumes)."""
    scenario = scenario or Scenario()
    prior = prior_sample(samples, seed, priors)
    thetas = prior.to_dict(orient="records")
    seed_list = tuple(range(seeds))
    settings = {"samples": samples, "seed": seed, "seeds": seeds, "population": population,
                "scenario": scenario.name, "priors": {k: list(v) for k, v in priors.items()},
                "scenario_sha": hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()[:16]}
    results: list[tuple[dict, dict]] = _load_checkpoint(checkpoint, settings) if checkpoint else []
    todo = [(scenario, theta, seed_list, population) for theta in thetas[len(results):]]

    def collect(r):
        results.append(r)
        if progress:
            progress(len(results), len(thetas))
        if checkpoint and (len(results) % checkpoint_every == 0 or len(results) == len(thetas)):
            _save_checkpoint(checkpoint, settings, results)

    if jobs > 1 and todo:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as ex:
            for r in ex.map(_evaluate_row, todo, chunksize=max(1, min(8, len(todo) // (8 * jobs)))):
                collect(r)
    else:
        for task in todo:
            collect(_evaluate_row(task))
    rows = []
    for theta, (st, verdict) in zip(thetas, results, strict=True):
        rows.append({**theta, **st, **{f"pass:{k}": v for k, v in verdict.items()},
                     "accepted": all(v is True for v in verdict.values())})
    shown = {k: v for k, v in settings.items() if k in ("samples", "seed", "seeds", "population", "scenario")}
    cal = Calibration(pd.DataFrame(rows), dict(priors), shown)
    cal.constrained = constrained(cal)
    return cal


def _save_checkpoint(path: str | Path, settings: dict, results: list) -> None:
    from selection.outputs import atomic_write

    atomic_write(Path(path), json.dumps({"settings": settings, "results": results}))


def _load_checkpoint(path: str | Path, settings: dict) -> list:
    path = Path(path)
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    if data.get("settings") != settings:
        return []
    return [(dict(st), dict(verdict)) for st, verdict in data["results"]]


def constrained(cal: Calibration, alpha: float = 0.01) -> dict[str, list[tuple[str, float]]]:
    """Per target: the parameters whose distribution among the sets passing that target differs from the sets
    failing it (two-sample Kolmogorov-Smirnov test, p < `alpha`), with the KS distance, largest first."""
    out = {}
    for target in cal.targets:
        verdicts = cal.samples[f"pass:{target.name}"]
        reached = cal.samples[verdicts.notna()]
        ok = verdicts[verdicts.notna()].astype(bool).to_numpy()
        found = []
        if 2 <= ok.sum() <= len(ok) - 2:
            for name in cal.priors:
                res = stats.ks_2samp(reached.loc[ok, name], reached.loc[~ok, name])
                if res.pvalue < alpha:
                    found.append((name, float(res.statistic)))
        out[target.name] = sorted(found, key=lambda x: -x[1])
    return out


def write(cal: Calibration, out: str | Path, command: str = "") -> list[Path]:
    """Write accepted.csv, samples.csv, ranges.yaml and NOTE.md to `out` (atomically). Returns the paths."""
    from selection.outputs import atomic_write

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name, frame in (("accepted.csv", cal.accepted), ("samples.csv", cal.samples)):
        atomic_write(out / name, lambda tmp, f=frame: f.to_csv(tmp, index=False, float_format="%.6g"))
        files.append(out / name)
    ranges = cal.ranges()
    header = (f"# Accepted ranges of the pattern-oriented calibration (rejection ABC): 5-95% of the "
              f"{len(cal.accepted)} accepted sets of {len(cal.samples)}, with the median and the prior.\n"
              f"# Written by: {command or 'sim.calibration.write'}; see NOTE.md. Usable as "
              f"`cocreate sweep --ranges` input.\n")
    body = yaml.safe_dump({k: {kk: (round(vv, 6) if isinstance(vv, float) else vv) for kk, vv in v.items()}
                           for k, v in ranges.items()}, sort_keys=False, default_flow_style=None)
    atomic_write(out / "ranges.yaml", header + body)
    files.append(out / "ranges.yaml")
    atomic_write(out / "NOTE.md", note(cal, command))
    files.append(out / "NOTE.md")
    atomic_write(out / "calibration.json", json.dumps({"settings": cal.settings, "command": command,
                                                       "priors": {k: list(v) for k, v in cal.priors.items()}},
                                                      indent=1))
    files.append(out / "calibration.json")
    return files


def load(out: str | Path) -> Calibration:
    """A written calibration read back (`samples.csv` and `calibration.json` in `out`)."""
    out = Path(out)
    meta = json.loads((out / "calibration.json").read_text())
    samples = pd.read_csv(out / "samples.csv")
    for t in TARGETS:  # verdicts: True, False or empty (not reached)
        col = samples[f"pass:{t.name}"]
        samples[f"pass:{t.name}"] = col.map({True: True, False: False, "True": True, "False": False})
    priors = {k: tuple(v) for k, v in meta["priors"].items()}
    cal = Calibration(samples, priors, meta["settings"])
    cal.constrained = constrained(cal)
    return cal


def note(cal: Calibration, command: str = "") -> str:
    """The calibration in words: settings, targets with pass rates, what each target constrained, the ranges."""
    s, n = cal.settings, len(cal.samples)
    acc = len(cal.accepted)
    lines = ["# Calibration of the engagement model (pattern-oriented rejection ABC)", "",
             f"Command: `{command}`" if command else "", "",
             f"{n} parameter sets from uniform priors (Latin hypercube, seed {s['seed']}), each run on "
             f"{s['seeds']} seeds x up to {len(ARMS)} arms ({', '.join(ARMS)}; common random numbers) at "
             f"{s['population']} citizens, scenario `{s['scenario']}`. A set is accepted when it reproduces every "
             f"pattern below: **{acc} accepted ({acc / max(n, 1):.1%})**. The targets are checked in the order "
             "listed as soon as their arms have run, and a set is dropped at its first failure, so a target's pass "
             "rate is among the sets that reached it.", "",
             "## Targets", "", "| target | source | pattern | sets passing | constrains (KS distance, passing vs failing, p < 0.01) |",
             "|---|---|---|---:|---|"]
    for t in cal.targets:
        v = cal.samples[f"pass:{t.name}"].dropna()
        rate = f"{v.astype(bool).mean():.0%} of {len(v)}" if len(v) else "not reached"
        cons = ", ".join(f"`{p}` ({d:.2f})" for p, d in cal.constrained.get(t.name, [])) or "nothing (by itself)"
        lines.append(f"| {t.name} | {t.source} | {t.pattern} | {rate} | {cons} |")
    lines += ["", "## Accepted ranges", "", "| parameter | prior | accepted 5-95% | median | narrowed to |",
              "|---|---|---|---:|---:|"]
    for name, r in cal.ranges().items():
        plo, phi = r["prior"]
        width = (r["high"] - r["low"]) / (phi - plo) if phi > plo else float("nan")
        lines.append(f"| `{name}` | {plo:g}-{phi:g} | {r['low']:.3g}-{r['high']:.3g} | {r['median']:.3g} | "
                     f"{width:.0%} of the prior |")
    lines += ["", "A parameter whose accepted range is close to its prior (narrowed to ~90%) is not constrained by "
              "these patterns: its default stays an assumption within that range.", ""]
    return "\n".join(line for line in lines if line is not None) + "\n"


def load_accepted(path: str | Path | None = None) -> pd.DataFrame:
    """The accepted parameter sets shipped in `scenarios/calibration/accepted.csv` (or `path`)."""
    path = Path(path) if path else default_dir() / "accepted.csv"
    return pd.read_csv(path)


def default_dir() -> Path:
    """`scenarios/calibration/` of the repository (or of the installed package data)."""
    here = Path(__file__).resolve().parents[1] / "scenarios" / "calibration"
    return here


__all__ = ["ARMS", "PRIORS", "STATS", "TARGETS", "Calibration", "Target", "calibrate", "constrained", "evaluate",
           "load", "load_accepted", "note", "prior_sample", "write"]
