"""`cocreate draw`, `cocreate verify` and `cocreate replace`: the public steps after the lottery is published."""

import json
from pathlib import Path

import typer

from cocreate.cli.common import deferred_interrupts, fail, split, stoppable
from cocreate.cli.reporting import write_report, write_workbook
from selection.errors import UserError
from selection.lottery import bundle as bundles
from selection.lottery import files, workflow
from selection.lottery.verify import verdict, verify


def describe_reserves(bundle: dict) -> str:
    """One line on the reserve list, with the drop-out simulation when there is one."""
    n = len(bundle["reserves"])
    cmp = bundle.get("reserves_comparison")
    if not cmp:
        return f"{n} reserves, like-for-like (no drop-out probabilities given)"
    a, b = cmp["dropout_aware"], cmp["plain"]
    ratio = b["mean_deviation"] / a["mean_deviation"] if a["mean_deviation"] > 0 else float("inf")
    return (f"{n} drop-out-aware reserves: in {cmp['scenarios']} simulated drop-out scenarios the refilled panel "
            f"misses the quotas by {a['mean_deviation']:.2f} seats on average (all quotas met in "
            f"{a['share_all_met']:.0%}), against {b['mean_deviation']:.2f} ({b['share_all_met']:.0%}) with a plain "
            f"like-for-like list of the same length ({ratio:.1f}x less)")


def _summary(folder: Path) -> dict:
    """What `select` wrote to summary.json ({} when it is missing or unreadable)."""
    try:
        return json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def run_draw(folder: Path, seed: str | None, number: int | None, pool_path: Path | None = None,
             quotas_path: Path | None = None, xlsx: bool = False) -> dict:
    try:
        bundle = bundles.load(folder / "audit.json")
        if bundle["draw"] is not None:
            fail(f"{folder / 'audit.json'}: already drawn (panel {bundle['draw']['number']}); a lottery is drawn once")
        if (seed is None) == (number is None):
            fail("give the public seed (--seed \"...\") or the number rolled with dice (--number N)")
        inputs = workflow.load_inputs(bundle, pool_path, quotas_path, files.read_local(folder))
        drawn = workflow.draw(bundle, inputs, seed, number)
        earlier = _summary(folder)
        with deferred_interrupts([*files.DRAWN, "report.html"]):
            bundle = files.write_draw(folder, drawn, inputs)
            write_report(folder, bundle, inputs, earlier.get("legacy_comparison"), earlier.get("lang") or "en",
                         [*([earlier["partial_label"]] if earlier.get("partial_label") else []),
                          *earlier.get("warnings", [])])
            if xlsx:
                write_workbook(folder, bundle, inputs)
    except UserError as err:
        fail(err)
    typer.echo(f"drew panel {bundle['draw']['number']} of {bundle['lottery']['m']}; wrote {folder / 'panel.csv'}, "
               f"{folder / 'reserves.csv'}, {folder / 'audit.json'}\nreserves: {describe_reserves(bundle)}\n"
               f"report to print: {folder / 'report.html'}")
    return bundle


def as_written(ids: list[str]) -> list[str]:
    """Ids as the pool has them: an id copied from our CSV files keeps the apostrophe that stops a spreadsheet from
    reading ``=``, ``+``, ``-`` or ``@`` at its start as a formula; it is not part of the id."""
    return [i[1:] if i[:1] == "'" and i[1:2] in ("=", "+", "-", "@") else i for i in ids]


def run_replace(folder: Path, dropped: str, exclude: str | None = None, pool_path: Path | None = None,
                quotas_path: Path | None = None) -> tuple[Path, dict]:
    """Replace drop-outs in the newest panel of ``folder``; writes ``replacement-N`` and returns (its path, step)."""
    path, _ = files.latest(folder)
    try:
        bundle = bundles.load(path)
        if bundle["draw"] is None:
            fail(f"{path}: no panel has been drawn yet; run `cocreate draw {folder}` first")
        if not split(dropped):
            fail("--dropped: give the ids of the members who dropped out, comma-separated")
        inputs = workflow.load_inputs(bundle, pool_path, quotas_path, files.read_local(folder))
        bundle, step, result = workflow.replace(bundle, inputs, as_written(split(dropped)), as_written(split(exclude)))
        with deferred_interrupts([f"replacement-{step['step']}"]):
            out = files.write_replacement(folder, bundle, inputs)
    except UserError as err:
        fail(f"{path.parent / 'panel.csv'}: {err}" if "not on the current panel" in str(err) else err)
    return out, step


def _describe(step: dict) -> str:
    text = f"out: {', '.join(step['dropped'])}; in: {', '.join(step['added']) or 'nobody'}"
    if step["total_deviation"] == 0:
        return text + "; every quota is met"
    misses = "; ".join([f"{d['feature']}={d['value']} has {d['seats']} seats (quota {d['min']}-{d['max']})"
                        for d in step["deviation"]] + ([f"{step['empty_seats']} seats left empty"]
                                                       if step.get("empty_seats") else []))
    return text + f"; no replacement meets every quota, smallest deviation {step['total_deviation']}: {misses}"


def register(app: typer.Typer) -> None:
    """Add `draw`, `verify` and `replace` to the main app."""

    @app.command("draw")
    def draw_cmd(
        folder: Path = typer.Argument(..., help="the --out folder of `cocreate select`"),
        seed: str = typer.Option(None, help="the public seed text, as announced (e.g. lottery numbers)"),
        number: int = typer.Option(None, help="the panel number drawn by hand (dice, numbered balls)"),
        xlsx: bool = typer.Option(False, help="also write selection.xlsx (selected, reserves, remaining, quota check)"),
        pool: Path = typer.Option(None, help="pool file, if not where `select` read it"),
        quotas: Path = typer.Option(None, help="quota file, if not where `select` read it"),
    ) -> None:
        """Draw the panel from a published lottery with a public seed (or a hand-drawn number)."""
        run_draw(folder, seed, number, pool, quotas, xlsx)

    @app.command("verify")
    def verify_cmd(
        bundle: Path = typer.Argument(..., help="audit.json (or its folder)"),
        pool: Path = typer.Option(..., help="the pool file the draw used"),
        quotas: Path = typer.Option(..., help="the quota file the draw used"),
        seed: str = typer.Option(None, help="the public seed as announced: checked against the bundle"),
        commitment: str = typer.Option(None, help="the SHA-256 published before the draw"),
        quick: bool = typer.Option(False, help="skip re-running the selection (checks everything else)"),
    ) -> None:
        """Check a draw: input files, lottery, quotas, seed to number, panel, reserves, replacements and every
        published file. Exit 0 OK, 1 mismatch."""
        try:
            data, found, unchecked = stoppable(verify, {"bundle_path": bundle, "pool_path": pool,
                                                        "quotas_path": quotas, "seed": seed,
                                                        "published": commitment, "recompute": not quick})
        except UserError as err:
            fail(err)
        if found:
            for line in found:
                typer.echo(f"MISMATCH: {line}")
            raise typer.Exit(1)
        parts = verdict(data, unchecked, recomputed=not quick, committed=bool(commitment))
        typer.echo("; ".join(parts))
        if unchecked:
            typer.echo(f"not found next to the bundle, so not checked: {', '.join(unchecked)}")
        if not commitment:
            typer.echo("to check against the commitment announced before the draw, add --commitment HASH")

    @app.command("replace")
    def replace_cmd(
        folder: Path = typer.Argument(..., help="the --out folder of `cocreate select`"),
        dropped: str = typer.Option(..., help="ids of members who dropped out, comma-separated"),
        exclude: str = typer.Option(None, help="ids who cannot be asked (e.g. reserves who declined)"),
        pool: Path = typer.Option(None, help="pool file, if not where `select` read it"),
        quotas: Path = typer.Option(None, help="quota file, if not where `select` read it"),
    ) -> None:
        """Replace drop-outs so the panel meets every quota again; writes FOLDER/replacement-N, changes nothing."""
        out, step = run_replace(folder, dropped, exclude, pool, quotas)
        typer.echo(f"{_describe(step)}\nwrote {out / 'panel.csv'}, {out / 'changes.csv'}, {out / 'reserves.csv'}, "
                   f"{out / 'audit.json'}")



