"""`cocreate select`: a respondents' spreadsheet and a quota sheet in, a uniform lottery of quota-exact panels out,
and, once a public seed is given, a defensible panel with its reserves and an audit bundle anyone can check."""

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from cocreate.cli.common import check_writable, deferred_interrupts, fail, stoppable, write_json
from cocreate.cli.draw import describe_reserves
from cocreate.cli.reporting import COMPARISON_DRAWS, publish_and_compare, write_report, write_workbook
from cocreate.settings import load_settings, merge, settings_path
from selection.engine.api import PROGRESS_WORDS
from selection.engine.metrics import summary as metric_summary
from selection.errors import UserError
from selection.inputs import read_table
from selection.lottery import files, workflow
from selection.lottery import public_ids as public_map

OUTPUTS = (*files.PUBLISHED, *files.DRAWN, "summary.json", "report.html", "selection.xlsx")


@dataclass(frozen=True)
class Selected:
    """What `select` produced: the fair distribution, its uniform lottery, the bundle (draw may be None) and the
    metrics of the drawn panel (None before the draw)."""

    result: object
    lottery: object
    bundle: dict
    metrics: dict

    @property
    def probabilities(self) -> pd.Series:
        return self.result.probabilities


STAGE_WORDS = PROGRESS_WORDS


def describe_progress(stage: str, done: int, total: int, value: float) -> str:
    """One readable progress line: what is counted, and the figure labelled as what it is."""
    counted, figure = STAGE_WORDS.get(stage, ("steps", "value"))
    text = f"{stage}: {done:,} of {total:,} {counted}" if total else f"{stage}: {done:,} {counted}"
    return text + (f", {figure} {value:.4f}" if figure else "")


def _publish(console: Console, **kwargs) -> tuple[workflow.Publication, dict | None]:
    """The publication and the legacy comparison, in a stoppable worker, with a progress bar (elapsed and a rough
    estimate of what is left)."""
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), TextColumn("elapsed,"),
                  TimeRemainingColumn(), TextColumn("left (rough)"), console=console, transient=True) as bar:
        task = bar.add_task(f"{kwargs['algorithm']}: reading the inputs and preparing", total=None)

        def progress(stage: str, done: int, total: int, value: float) -> None:
            bar.update(task, completed=done, total=total or None, description=describe_progress(stage, done, total, value))

        return stoppable(publish_and_compare, kwargs, progress)


def run_select(pool_path: Path, quotas_path: Path, size: int | None, out: Path, algorithm: str | None = None,
               seed: str | None = None, household: str | None = None, id_column: str | None = None,
               keep_columns: str | None = None, draws: int = 1000, force: bool = False, quiet: bool = False,
               m: int = workflow.LOTTERY_SIZE, reserves: int | None = None, dropout_column: str | None = None,
               number: int | None = None, lang: str | None = None,
               compare_draws: int = COMPARISON_DRAWS, time_limit: float | None = None,
               xlsx: bool = False, public_ids: bool = False, already_selected: Path | None = None,
               gamma: float | None = None, target_slack: float | None = None,
               pair_weight: float | None = None) -> Selected:
    """Do the whole `select` job. Settings in ``cocreate.toml`` next to the pool fill what the flags leave unset.
    Without ``seed``/``number`` it stops after publishing the lottery. Raises typer.Exit(2) on bad input."""
    console = Console(stderr=True, quiet=quiet)
    if seed is not None and number is not None:
        fail("give either --seed (public seed text) or --number (rolled with dice), not both")
    try:
        settings = merge(load_settings(pool_path), size=size, household=household, id_column=id_column,
                         keep_columns=keep_columns, algorithm=algorithm, lang=lang)
    except UserError as err:
        fail(err)
    if settings.size is None:
        fail(f"--size: give the panel size, or set size in {settings_path(pool_path)}")
    size, algorithm, lang = settings.size, settings.algorithm or "leximin", settings.lang or "en"
    if gamma is not None and algorithm != "goldilocks":
        fail("--gamma: applies to --algorithm goldilocks only")
    if gamma is not None and not (gamma >= 0 and gamma < float("inf")):
        fail(f"--gamma: {gamma} must be a number >= 0 (1 weighs too-high and too-low chances alike)")
    extra = {"gamma": gamma} if gamma is not None else {}
    if target_slack is not None:
        extra["target_slack"] = target_slack  # checked by workflow.publish, with the quotas
    if pair_weight is not None and algorithm != "maxentropy":
        fail("--pair-weight: applies to --algorithm maxentropy only")
    if pair_weight is not None and not (pair_weight >= 0 and pair_weight < float("inf")):
        fail(f"--pair-weight: {pair_weight} must be a number >= 0 (0: plain max entropy; 3 matched legacy draws "
             "on pairs in our benchmarks)")
    if pair_weight:
        extra["pair_weight"] = pair_weight
    if settings.source is not None and settings.given():
        console.print(f"settings from {settings.source.name}: " + ", ".join(
            f"{k} {', '.join(v) if isinstance(v, tuple) else v}" for k, v in settings.given().items()))
    confirmed = confirmed_ids(already_selected, settings.id_column) if already_selected else []
    check_writable(out)
    replaced = sorted(out.glob("replacement-*")) if out.is_dir() else []
    clash = [name for name in OUTPUTS if (out / name).exists()] + [p.name for p in replaced]
    if clash and not force:
        fail(f"{out}: already holds {', '.join(clash)} from an earlier run; choose another --out or add --force")
    try:
        pub, legacy = _publish(console, pool_path=pool_path, quotas_path=quotas_path, k=size, algorithm=algorithm,
                               household=list(settings.household), id_column=settings.id_column,
                               keep_columns=list(settings.keep_columns), legacy_draws=draws, m=m,
                               reserves=reserves, dropout_column=dropout_column, compare_draws=compare_draws,
                               time_limit=time_limit, public=public_ids, already_selected=confirmed, **extra)
        bundle, inputs = pub.bundle, pub.inputs
        drawn = workflow.draw(bundle, inputs, seed, number) if seed is not None or number is not None else None
    except UserError as err:
        fail(err)
    for line in (*inputs.pool.notes, *inputs.quotas.notes):
        console.print(f"note: {line}")
    label = partial_label(bundle)
    notes = [label, *pub.warnings] if label else list(pub.warnings)
    metrics = None
    kept: list[str] = []
    with deferred_interrupts(kept):
        out.mkdir(parents=True, exist_ok=True)
        for folder in replaced:  # --force: replacements of the earlier draw no longer belong to this folder's draw
            shutil.rmtree(folder)
        bundle = files.write_publication(out, bundle)
        files.write_local(out, pool_path, quotas_path)
        if public_ids:
            kept.append(str(public_map.write_map(out, inputs.pool, pub.original_ids).relative_to(out)))
        kept += list(files.PUBLISHED)
        if drawn is not None:
            bundle = files.write_draw(out, {**drawn, "files": bundle["files"]}, inputs)
            kept += list(files.DRAWN)
            metrics = metric_summary(inputs.problem, pub.lottery.target, inputs.indices(bundle["draw"]["panel"]))
            if xlsx:
                kept.append(write_workbook(out, bundle, inputs))
        _write_summary(out, pub, bundle, metrics, algorithm, size, m, draws, pool_path, quotas_path, legacy, lang)
        kept.append("summary.json")
        kept += write_report(out, bundle, inputs, legacy, lang, notes)
    selected = Selected(pub.result, pub.lottery, bundle, metrics)
    if not quiet:
        _print(selected, out)
    for line in pub.warnings:
        console.print(f"warning: {line}")
    if label:
        Console().print(f"[bold]{label}[/bold]")
    return selected


def confirmed_ids(path: Path, id_column: str | None) -> list[str]:
    """The ids in an already-selected file: its column named like the pool's id column, else ``id``/``unique_id``,
    else its first column."""
    try:
        table = read_table(path)
    except UserError as err:
        fail(err)
    low = {str(c).casefold(): c for c in table.columns}
    col = next((low[c] for c in ((id_column or "").casefold(), "unique_id", "id", "external_id", "nationbuilder_id")
                if c and c in low), table.columns[0])
    ids = [" ".join(str(v).split()) for v in table[col] if str(v).strip()]
    if not ids:
        fail(f"--already-selected {path}: no ids in column '{col}'; list one confirmed person per row")
    return ids


def partial_label(bundle: dict) -> str | None:
    """The one-line label of a distribution cut short by the time limit (None for a complete solve)."""
    part = bundle.get("partial")
    if not part:
        return None
    bound = "unknown" if part["bound"] is None else f"at most {part['bound']:.4f}"
    algorithm = bundle.get("options", {}).get("algorithm")
    if algorithm in ("minimax", "goldilocks"):
        what = "largest selection probability" if algorithm == "minimax" else "Goldilocks objective"
        return (f"STOPPED BY THE TIME LIMIT: not the exact {algorithm} distribution; its {what} is {bound} above "
                "the optimum. Rerun without --time-limit for the exact result")
    return (f"STOPPED BY THE TIME LIMIT: not the exact leximin distribution. Its lowest selection probability is "
            f"{part['min_probability']:.4f}; the fairest possible lowest probability is {bound} higher. Rerun without "
            f"--time-limit for the exact result")


def _write_summary(out, pub, bundle, metrics, algorithm, size, m, draws, pool_path, quotas_path, legacy,
                   lang) -> None:
    result, lottery = pub.result, pub.lottery
    summary = {"algorithm": algorithm, "k": size, "pool": Path(pool_path).name, "quotas": Path(quotas_path).name,
               "pool_size": pub.inputs.pool.size, "solver_seconds": round(result.solver_seconds, 3), "stats": result.stats,
               "metrics": metrics or _undrawn(metric_summary(pub.inputs.problem, lottery.target, lottery.panels[0])),
               "lottery": {"m": m, "sha256": bundle["lottery"]["sha256"], "max_change": lottery.max_change,
                           "mean_change": lottery.mean_change},
               "draw": bundle["draw"] and {k: bundle["draw"][k] for k in ("method", "seed", "number")},
               "note": (f"legacy probabilities are estimated from {draws} draws" if algorithm == "legacy" else
                        "probabilities are exact up to the certified tolerance in stats") +
               "; lottery_probability is each person's chance under the published uniform lottery"}
    summary.update({"warnings": list(pub.warnings), "legacy_comparison": legacy, "lang": lang,
                    "partial": bundle.get("partial"), "partial_label": partial_label(bundle)})
    write_json(out / "summary.json", summary)


def _undrawn(metrics: dict) -> dict:
    """Metrics before the draw: no panel yet, so no seats on it (expected seats stay)."""
    quotas = [{k: v for k, v in q.items() if k not in ("panel_seats", "met")} for q in metrics["quotas"]]
    return {**metrics, "quotas": quotas}


def _print(sel: Selected, out: Path) -> None:
    res, lot = sel.result, sel.lottery
    m = res.metrics
    t = Table(title=f"{res.algorithm}: panel of {res.k} from {m['n']}", show_header=False)
    for label, key in [("fair share k/n", "fair_share"), ("min probability", "min_probability"),
                       ("max probability", "max_probability"), ("geometric mean", "geometric_mean_probability"),
                       ("Gini", "gini")]:
        t.add_row(label, f"{m[key]:.4f}")
    t.add_row("below half the fair share", f"{m['share_below_half_fair_share']:.1%}")
    t.add_row("solver time", f"{res.solver_seconds:.2f} s")
    t.add_row(f"lottery of {lot.m}: largest change of a probability", f"{lot.max_change:.5f}")
    if sel.metrics:
        t.add_row("quotas met by the drawn panel", f"{sum(q['met'] for q in sel.metrics['quotas'])}/"
                  f"{len(sel.metrics['quotas'])}")
    console = Console()
    console.print(t)
    lot_info = sel.bundle["lottery"]
    console.print(f"commitment (SHA-256 of {out / 'lottery.csv'}): {lot_info['sha256']}")
    draw = sel.bundle["draw"]
    if draw is None:
        console.print(f"next: publish {out / 'lottery.csv'} (or print {out / 'lottery.html'}) and the commitment; "
                      f"once a public seed is announced run `cocreate draw {out} --seed \"...\"` "
                      f"(or `--number N` from dice)")
    else:
        how = f"seed '{draw['seed']}'" if draw["method"] == "seed" else "a number chosen by hand"
        console.print(f"drew panel {draw['number']} of {lot_info['m']} from {how}; wrote {out / 'panel.csv'}, "
                      f"{out / 'reserves.csv'}, {out / 'audit.json'}")
        console.print(f"reserves: {describe_reserves(sel.bundle)}")
    console.print(f"report to print: {out / 'report.html'}")


def register(app: typer.Typer) -> None:
    """Add `select` (and `manipulation`, its diagnostic) to the main app."""
    from cocreate.cli import manipulation

    manipulation.register(app)

    @app.command("select")
    def select_cmd(
        pool: Path = typer.Argument(..., help="respondents: CSV (any delimiter, UTF-8) or XLSX, one row per person"),
        quotas: Path = typer.Argument(..., help="quota file: feature,value,min,max (or category,name,... layouts)"),
        size: int = typer.Option(None, "--size", "-k", help="panel size k (or `size` in cocreate.toml)"),
        out: Path = typer.Option(..., "--out", help="output folder"),
        algorithm: str = typer.Option(None, help="leximin (default) | maximin | nash | legacy | minimax | "
                                      "goldilocks | maxentropy (leximin's chances, spread over as many panels "
                                      "as possible) | uniform (every feasible panel equally likely; --draws "
                                      "samples) (and the others of selection.ALGORITHMS)"),
        gamma: float = typer.Option(None, help="goldilocks only: weight of too-low chances against too-high ones "
                                    "in max p/(k/n) + gamma (k/n)/min p (default 1; recorded in the bundle)"),
        pair_weight: float = typer.Option(None, help="maxentropy only: nats per seat out of place on a pair of "
                                          "features (0 default: plain max entropy; more: single panels closer "
                                          "to the expected panel on every pair, a little less entropy; recorded "
                                          "in the bundle)"),
        target_slack: float = typer.Option(None, help="soft targets only: weighted seats each target's band may "
                                           "widen beyond the tightest reachable (default 0; more leaves the "
                                           "algorithm more room for fair chances; recorded in the bundle)"),
        seed: str = typer.Option(None, help="public seed text announced after the lottery was published; draws "
                                 "the panel now (omit it to publish first and run `cocreate draw` later)"),
        number: int = typer.Option(None, help="draw this panel number now (from dice) instead of a seed"),
        lottery_size: int = typer.Option(workflow.LOTTERY_SIZE, "--lottery-size", "-m", help="panels in the uniform lottery"),
        reserves: int = typer.Option(None, help="length of the reserve list (default: k/5 rounded up, or 1.3 x "
                                     "the expected drop-outs when --dropout-column is given)"),
        dropout_column: str = typer.Option(None, help="pool column with each person's drop-out probability "
                                           "(0-1): reserves then minimise the expected quota shortfall (default: a "
                                           "column named dropout or dropout_probability if present; '' for none)"),
        household: str = typer.Option(None, help="address columns, comma-separated: at most one per household"),
        id_column: str = typer.Option(None, help="id column (default: id/ID/nationbuilder_id, else row number)"),
        keep_columns: str = typer.Option(None, help="contact columns to copy into panel.csv and reserves.csv"),
        draws: int = typer.Option(1000, help="legacy and uniform only: panels drawn (legacy: to estimate probabilities)"),
        force: bool = typer.Option(False, help="replace outputs of an earlier run in --out (its replacement-N "
                                   "folders are removed)"),
        lang: str = typer.Option(None, help="language of the report and lottery sheet: en (default), nl, fr"),
        compare_draws: int = typer.Option(COMPARISON_DRAWS, help="legacy greedy draws for the report's comparison "
                                          "(0: no comparison)"),
        already_selected: Path = typer.Option(None, help="CSV/XLSX of people already confirmed (an id column): "
                                              "the panel is completed around them, keeping every quota"),
        public_ids: bool = typer.Option(False, help="publish stable pseudonyms instead of the ids (required when the "
                                        "ids look like e-mails, phones or names); the mapping goes to "
                                        "OUT/private/id-map.csv, never into a published file"),
        xlsx: bool = typer.Option(False, help="after the draw, also write selection.xlsx (selected, reserves, "
                                  "remaining, quota check)"),
        time_limit: float = typer.Option(None, help="seconds for the solve (leximin, maximin, minimax, goldilocks): "
                                         "when it would take "
                                         "longer, stop with the best distribution so far, labelled with how far "
                                         "from optimal it may be"),
    ) -> None:
        """Compute the fairest lottery of quota-exact panels, publish it, and draw a panel from a public seed."""
        run_select(pool, quotas, size, out, algorithm, seed, household, id_column, keep_columns, draws, force,
                   m=lottery_size, reserves=reserves, dropout_column=dropout_column, number=number, lang=lang,
                   compare_draws=compare_draws, time_limit=time_limit, xlsx=xlsx, public_ids=public_ids,
                   already_selected=already_selected, gamma=gamma, target_slack=target_slack,
                   pair_weight=pair_weight)
