"""CLI commands for the population area: quotas from census margins, and the Antwerp comparison."""

from pathlib import Path

import typer

from cocreate.cli.common import atomic_write, check_writable, deferred_interrupts, fail, write_csv
from selection.errors import UserError
from selection.inputs import read_table


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def quotas(margins: Path = typer.Argument(..., help="margins CSV: feature,value,share (or count); # lines = sources"),
               size: int = typer.Option(..., "--size", "-k", help="panel size k (seats)"),
               tolerance: float = typer.Option(0.0, help="slack around each proportional target, as a fraction of k"),
               pool: Path | None = typer.Option(None, help="pool CSV/XLSX to check values and feasibility against"),
               features: str | None = typer.Option(None, help="comma-separated features to set quotas on "
                                                   "(default: every feature in the margins)"),
               out: Path = typer.Option(..., help="quota file to write (feature,value,min,max)"),
               force: bool = typer.Option(False, help="replace an existing --out file")) -> None:
        """Quotas from population margins: proportional targets rounded to sum to k, min/max with a tolerance."""
        from selection.population.margins import (
            check_feasible,
            check_pool_values,
            quotas_from_margins,
            read_margins,
            write_quotas,
        )

        check_writable(out, folder=False)
        if out.exists() and not force:
            fail(f"--out {out}: already exists; choose another file name or add --force")
        if size < 1:
            fail(f"--size {size}: the panel needs at least 1 seat; give a positive number")
        if not 0 <= tolerance <= 1:
            fail(f"--tolerance {tolerance}: give a fraction of the panel size between 0 and 1 (e.g. 0.05)")
        try:
            table = read_margins(margins)
            if features:
                chosen = [f.strip() for f in features.split(",") if f.strip()]
                unknown = [f for f in chosen if f not in set(table["feature"])]
                if unknown:
                    fail(f"--features: '{unknown[0]}' is not a feature of {margins.name} "
                          f"(features: {', '.join(table['feature'].unique())}); fix the name")
                table = table[table["feature"].isin(chosen)]
            quota_table = quotas_from_margins(table, size, tolerance)
            if pool is not None:
                people = read_table(pool)
                check_pool_values(table, people, source=pool.name, margins_source=margins.name)
                reasons = check_feasible(quota_table, people, size, source=f"quotas from {margins.name}")
                if reasons:
                    fail(reasons[0])
        except UserError as exc:
            fail(exc)
        if out.resolve() in {margins.resolve(), *( [pool.resolve()] if pool else [])}:
            fail(f"--out {out}: would overwrite an input; choose another file name")
        write_quotas(quota_table, out)
        features = quota_table["feature"].nunique()
        typer.echo(f"wrote {len(quota_table)} quotas on {features} features for {size} seats to {out}"
                   + (f" (feasible for {pool.name})" if pool else ""))

    @app.command()
    def antwerp(out: Path = typer.Option(..., help="folder for the table, plot and summary"),
                seeds: int = typer.Option(20, help="simulated funnels (each: letters, pool, four selections)"),
                size: int = typer.Option(50, "--size", "-k", help="panel seats"),
                population: int = typer.Option(410_868, help="synthetic adults (Antwerp 2022: 410,868)"),
                letters_per_seat: int = typer.Option(200, help="letters (households) per seat; 200 is common"),
                deprived_share: float = typer.Option(0.2, help="share of letters sent to deprived areas only"),
                tolerance: float = typer.Option(0.02, help="quota slack as a fraction of the panel size"),
                seed: int = typer.Option(0, help="first seed; the population uses this seed too"),
                force: bool = typer.Option(False, help="replace the outputs of an earlier run in --out")) -> None:
        """The Antwerp comparison: open self-selection vs legacy vs leximin vs end-to-end fair, over many seeds."""
        import numpy as np
        from rich.progress import Progress

        from cocreate.studies.antwerp import METHODS, compare_methods
        from selection.population.synthesis import synthesize_population

        if seeds < 1 or size < 1 or population < 100 * size or letters_per_seat < 1:
            fail("antwerp: need --seeds >= 1, --size >= 1, --population >= 100 x size and --letters-per-seat >= 1")
        if not 0 <= deprived_share < 1 or not 0 <= tolerance <= 1:
            fail("antwerp: --deprived-share must be in [0, 1) and --tolerance in [0, 1]")
        check_writable(out)
        clash = [n for n in ANTWERP_OUTPUTS if (out / n).exists()]
        if clash and not force:
            fail(f"{out}: already holds {', '.join(clash)} from an earlier run; choose another --out or add --force")
        people = synthesize_population(population, np.random.default_rng(seed))
        params = {"population": population, "seats": size, "seeds": seeds, "first_seed": seed,
                  "letters": letters_per_seat * size, "deprived_share": deprived_share, "tolerance": tolerance}
        try:
            with Progress(transient=True) as bar:
                task = bar.add_task("Antwerp comparison", total=seeds * len(METHODS))
                runs, cells = compare_methods(people, size, seeds, first_seed=seed,
                                              letters_per_seat=letters_per_seat, deprived_share=deprived_share,
                                              tolerance=tolerance, progress=lambda: bar.advance(task))
        except UserError as exc:
            fail(exc)
        kept: list[str] = []
        with deferred_interrupts(kept):
            out.mkdir(parents=True, exist_ok=True)
            table = write_antwerp_report(runs, cells, size, params, out)
            kept += list(ANTWERP_OUTPUTS)
        typer.echo(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
        typer.echo(f"wrote antwerp_summary.csv, antwerp_runs.csv, antwerp_cells.csv, antwerp.png, antwerp.md to {out}")


ANTWERP_OUTPUTS = ("antwerp_summary.csv", "antwerp_runs.csv", "antwerp_cells.csv", "antwerp.png", "antwerp.md")
LABELS = {"open": "(a) open self-selection", "legacy": "(b) legacy stratified", "leximin": "(c) leximin stratified",
          "end_to_end": "(d) end-to-end fair"}


def _funnel_line(runs, params: dict) -> str:
    letters = runs[runs["method"] == "leximin"]
    if letters.empty or "invited" not in letters.columns:
        return ""
    return (f"Funnel, mean over seeds: {params['letters']:,} letters reach {letters['invited'].mean():,.0f} adults; "
            f"{letters['interested'].mean():,.0f} say yes, {letters['pool_size'].mean():,.0f} register (the pool).")


def write_antwerp_report(runs, cells, k: int, params: dict, out: Path):
    """Write the comparison (CSV tables, PNG plot, markdown summary) atomically into ``out``; return the table."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from cocreate.studies.antwerp import method_table
    from selection.population.representativeness import save_figure

    table = method_table(runs, cells, k)
    write_csv(out / "antwerp_runs.csv", runs)
    write_csv(out / "antwerp_cells.csv", cells)
    write_csv(out / "antwerp_summary.csv", table)
    methods = list(table["method"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    ok = runs[runs["error"] == ""]
    data = [ok.loc[ok["method"] == m, "tvd_all"].to_numpy() for m in methods]
    other = [ok.loc[ok["method"] == m, "tvd_other_features"].to_numpy() for m in methods]
    pos = np.arange(len(methods))
    left.boxplot(data, positions=pos - 0.18, widths=0.3, patch_artist=True,
                 boxprops={"facecolor": "tab:blue", "alpha": 0.5}, medianprops={"color": "black"})
    left.boxplot(other, positions=pos + 0.18, widths=0.3, patch_artist=True,
                 boxprops={"facecolor": "tab:orange", "alpha": 0.5}, medianprops={"color": "black"})
    if "expected_tvd_all" in ok.columns:
        expected = [ok.loc[ok["method"] == m, "expected_tvd_all"].mean() for m in methods]
        left.plot(pos - 0.18, expected, "D", color="black", ms=5, zorder=3)
    left.set_xticks(pos, [LABELS.get(m, m).replace(" ", "\n", 1) for m in methods], fontsize=8)
    left.set_ylabel("distance panel vs population (mean TVD)")
    left.set_title(f"Representativeness over {params['seeds']} seeds", fontsize=10)
    handles = [plt.Rectangle((0, 0), 1, 1, fc="tab:blue", alpha=0.5), plt.Rectangle((0, 0), 1, 1, fc="tab:orange", alpha=0.5),
               plt.Line2D([], [], marker="D", color="black", ls="none", ms=5)]
    left.legend(handles, ["all features and pairs, drawn panel", "features without quotas, drawn panel",
                          "all, expected panel (mean)"], fontsize=8)
    for m in methods:
        g = cells[(cells["method"] == m) & np.isfinite(cells["ratio"])].sort_values("ratio")
        share = np.cumsum(g["size"].to_numpy()) / cells.loc[cells["method"] == m, "size"].sum()
        right.step(g["ratio"].to_numpy(), share, where="post", label=LABELS.get(m, m))
    right.axvline(1, color="0.5", ls="--", lw=1)
    right.set_xscale("log")
    right.set_xlabel("end-to-end probability / ideal k/N (log scale)")
    right.set_ylabel("share of the population (cumulative)")
    right.set_title("Chance to reach the panel: invited x volunteers x selected", fontsize=10)
    right.legend(fontsize=8)
    fig.suptitle(f"Antwerp, synthetic adults: a {k}-seat panel four ways", fontsize=11)
    fig.tight_layout()
    save_figure(fig, out / "antwerp.png")
    lines = [f"# Antwerp comparison: a {k}-seat panel four ways", "",
             f"Synthetic Antwerp adults ({params['population']:,}; margins in `selection/data/antwerp_margins.csv`), "
             f"{params['seeds']} seeds from {params['first_seed']}. Letters: {params['letters']:,} households, "
             f"{params['deprived_share']:.0%} to deprived areas; response model `selection/data/response_model.csv`. "
             f"Quotas on sex, age band, origin, education from the population margins, tolerance "
             f"{params['tolerance']:.0%} of the seats. (a) is an open call (about 1,000 come; 50 drawn at random).",
             "", _funnel_line(runs, params), "", "| method | mean TVD (all) | TVD, no-quota features | TVD, pairs | expected TVD (all) | e2e Gini | "
             "e2e p05 / p95 (x ideal) | people below half the ideal | failed runs |", "|---|---|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(f"| {LABELS.get(r.method, r.method)} | {r.tvd_all_mean:.3f} ± {r.tvd_all_std:.3f} | "
                     f"{r.tvd_other_features_mean:.3f} | {r.tvd_pairs_mean:.3f} | {r.expected_tvd_all_mean:.3f} | "
                     f"{r.e2e_gini:.3f} | "
                     f"{r.e2e_p05_ratio:.2f} / {r.e2e_p95_ratio:.2f} | {r.e2e_share_below_half:.1%} | "
                     f"{r.failed_runs} |")
    lines += ["", "TVD: total variation distance between panel and population shares, averaged over every feature "
              "and every pair of features (0 = identical); 'expected' weighs the pool by selection probabilities "
              "(the lottery's average panel, free of the noise of one 50-seat draw). End-to-end (e2e): each person's probability of being "
              "invited, volunteering and being selected, relative to the ideal k/N; Gini 0 = everyone equal.",
              "Method (d) follows Flanigan, Goelz, Gupta, Procaccia, NeurIPS 2020: pool-inclusion probabilities "
              "are estimated by raking the pool to the population margins and the engine makes them x selection "
              "probability leximin-fair.", "", "![plot](antwerp.png)", ""]
    atomic_write(out / "antwerp.md", "\n".join(lines))
    return table
