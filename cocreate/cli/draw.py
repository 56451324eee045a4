"""`cocreate draw`, `cocreate verify` and `cocreate replace`: the public steps after the lottery is published."""

import re
from dataclasses import asdict
from pathlib import Path

import numpy as np
import typer

from cocreate.cli.draw_steps import (
    describe_reserves,
    fail,
    inputs_for,
    panel_frame,
    perform_draw,
    split,
    write_draw,
)
from cocreate.cli.common import write_csv, write_json
from selection import InputError
from selection.lottery import bundle as audit
from selection.lottery.verify import verify


def _load(path: Path) -> dict:
    try:
        return audit.load(path)
    except audit.BundleError as err:
        fail(str(err))


def latest(folder: Path) -> tuple[Path, int]:
    """The newest bundle in a selection folder: ``replacement-N/audit.json`` with the largest N, else
    ``audit.json``; with N (0 for the original)."""
    found = [(int(m.group(1)), p) for p in folder.glob("replacement-*/audit.json")
             if (m := re.fullmatch(r"replacement-(\d+)", p.parent.name))]
    if found:
        n, path = max(found)
        return path, n
    return folder / "audit.json", 0


def run_draw(folder: Path, seed: str | None, number: int | None, pool_path: Path | None = None,
             quotas_path: Path | None = None) -> dict:
    if (seed is None) == (number is None):
        fail("give the public seed (--seed \"...\") or the number rolled with dice (--number N)")
    bundle = _load(folder / "audit.json")
    if bundle["draw"] is not None:
        fail(f"{folder / 'audit.json'}: already drawn (panel {bundle['draw']['number']}); a lottery is drawn once")
    pool, _, problem = inputs_for(bundle, pool_path, quotas_path)
    bundle = perform_draw(bundle, pool, problem, seed, number)
    write_draw(folder, bundle, pool, problem)
    typer.echo(f"drew panel {bundle['draw']['number']} of {bundle['lottery']['m']}; wrote {folder / 'panel.csv'}, "
               f"{folder / 'reserves.csv'}, {folder / 'audit.json'}\nreserves: {describe_reserves(bundle)}")
    return bundle


def run_replace(folder: Path, dropped: str, exclude: str | None = None, pool_path: Path | None = None,
                quotas_path: Path | None = None) -> tuple[Path, dict]:
    """Replace drop-outs in the newest panel of ``folder``; writes ``replacement-N`` and returns (its path, step)."""
    from selection.lottery.reserves import repair

    path, n = latest(folder)
    bundle = _load(path)
    if bundle["draw"] is None:
        fail(f"{path}: no panel has been drawn yet; run `cocreate draw {folder}` first")
    pool, _, problem = inputs_for(bundle, pool_path, quotas_path)
    index = {pid: i for i, pid in enumerate(pool.ids)}
    steps = bundle["steps"]
    panel = steps[-1]["panel"] if steps else bundle["draw"]["panel"]
    reserve_ids = steps[-1]["reserves_left"] if steps else bundle["reserves"]
    gone = split(dropped)
    if not gone:
        fail("--dropped: give the ids of the members who dropped out, comma-separated")
    off = [i for i in gone if i not in panel]
    if off:
        where = path.parent / "panel.csv"
        fail(f"--dropped: {', '.join(off)} {'is' if len(off) == 1 else 'are'} not on the current panel ({where}); "
             f"check the ids")
    out_of_pool = [i for i in split(exclude) if i not in index]
    if out_of_pool:
        fail(f"--exclude: {', '.join(out_of_pool)} not in {pool.source}; check the ids")
    ever_out = {i for s in steps for i in s["dropped"] + s.get("excluded", [])} | set(split(exclude))
    result = repair(problem, np.array([index[i] for i in panel]), np.array([index[i] for i in gone]),
                    preference=np.array([index[i] for i in reserve_ids], dtype=np.int64),
                    exclude=np.array(sorted(index[i] for i in ever_out), dtype=np.int64))
    new_panel = [pool.ids[i] for i in result.panel]
    added = [pool.ids[i] for i in result.added]
    step = {"step": n + 1, "dropped": gone, "excluded": split(exclude), "added": added, "panel": sorted(new_panel),
            "total_deviation": int(result.total_deviation), "exact": bool(result.exact),
            "empty_seats": int(result.empty_seats),
            "deviation": [asdict(d) for d in result.deviation if d.below or d.above],
            "reserves_left": [i for i in reserve_ids if i not in set(added) | ever_out]}
    out = folder / f"replacement-{n + 1}"
    out.mkdir(parents=False, exist_ok=False)
    keep = bundle["options"].get("keep_columns", [])
    bundle = {**bundle, "steps": [*steps, step]}
    write_csv(out / "panel.csv", panel_frame(pool, problem, result.panel, keep))
    left = panel_frame(pool, problem, [index[i] for i in step["reserves_left"]], keep)
    left.insert(0, "rank", np.arange(1, len(left) + 1))
    write_csv(out / "reserves.csv", left)
    changes = panel_frame(pool, problem, [index[i] for i in gone + added], keep)
    changes.insert(1, "change", ["dropped"] * len(gone) + ["added"] * len(added))
    write_csv(out / "changes.csv", changes)
    write_json(out / "audit.json", audit.seal(bundle))
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
        pool: Path = typer.Option(None, help="pool file, if not at the path recorded in audit.json"),
        quotas: Path = typer.Option(None, help="quota file, if not at the path recorded in audit.json"),
    ) -> None:
        """Draw the panel from a published lottery with a public seed (or a hand-drawn number)."""
        run_draw(folder, seed, number, pool, quotas)

    @app.command("verify")
    def verify_cmd(
        bundle: Path = typer.Argument(..., help="audit.json (or its folder)"),
        pool: Path = typer.Option(..., help="the pool file the draw used"),
        quotas: Path = typer.Option(..., help="the quota file the draw used"),
        seed: str = typer.Option(None, help="the public seed as announced: checked against the bundle"),
        commitment: str = typer.Option(None, help="the SHA-256 published before the draw"),
        quick: bool = typer.Option(False, help="skip re-running the selection (checks everything else)"),
    ) -> None:
        """Check a draw: input files, lottery, quotas, seed to number, panel, replacements. Exit 0 OK, 1 mismatch."""
        try:
            data, found = verify(bundle, pool, quotas, seed, commitment, recompute=not quick)
        except audit.BundleError as err:
            fail(str(err))
        except InputError as err:
            fail(str(err))
        if found:
            for line in found:
                typer.echo(f"MISMATCH: {line}")
            raise typer.Exit(1)
        lot, draw = data["lottery"], data["draw"]
        parts = [f"OK: lottery of {lot['m']} quota-exact panels, commitment {lot['sha256']}"]
        if draw:
            how = f"seed '{draw['seed']}'" if draw["method"] == "seed" else "a hand-drawn number (not checkable)"
            parts.append(f"panel {draw['number']} follows from {how}")
        else:
            parts.append("not drawn yet")
        if data["steps"]:
            parts.append(f"{len(data['steps'])} replacement(s) add up")
        parts.append("inputs unchanged" + ("" if quick else "; a fresh computation gives the same lottery"))
        typer.echo("; ".join(parts))

    @app.command("replace")
    def replace_cmd(
        folder: Path = typer.Argument(..., help="the --out folder of `cocreate select`"),
        dropped: str = typer.Option(..., help="ids of members who dropped out, comma-separated"),
        exclude: str = typer.Option(None, help="ids who cannot be asked (e.g. reserves who declined)"),
        pool: Path = typer.Option(None, help="pool file, if not at the path recorded in audit.json"),
        quotas: Path = typer.Option(None, help="quota file, if not at the path recorded in audit.json"),
    ) -> None:
        """Replace drop-outs so the panel meets every quota again; writes FOLDER/replacement-N, changes nothing."""
        out, step = run_replace(folder, dropped, exclude, pool, quotas)
        typer.echo(f"{_describe(step)}\nwrote {out / 'panel.csv'}, {out / 'changes.csv'}, {out / 'reserves.csv'}, "
                   f"{out / 'audit.json'}")



