"""Plots of sweep analyses (matplotlib, written to PNG). Each function takes the frame its analysis returns."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from selection.outputs import atomic_write  # noqa: E402


def _save(fig, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight"))
    plt.close(fig)
    return path


def plot_paired(diffs: pd.DataFrame, path: Path, first: tuple[str, ...] = (), max_panels: int = 6) -> Path:
    """One panel per outcome (at most `max_panels`: those in `first`, then the rest in order): mean paired
    difference against the baseline with its bootstrap interval, and the win rate beside each strategy.
    Green: better than the baseline, red: worse, grey: no difference or a neutral outcome."""
    outcomes = list(dict.fromkeys(diffs["outcome"]))
    if len(outcomes) > max_panels:
        key = [o for o in first if o in outcomes]
        outcomes = list(dict.fromkeys(key + outcomes))[:max_panels]
    cols = min(3, len(outcomes))
    rows = int(np.ceil(len(outcomes) / cols))
    height = 0.5 + rows * (1.2 + 0.45 * diffs["strategy"].nunique())
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, height), squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        d = diffs[diffs["outcome"] == outcome].reset_index(drop=True)
        ypos = np.arange(len(d))
        err = np.vstack([d["mean_diff"] - d["ci_low"], d["ci_high"] - d["mean_diff"]])
        better = d["better"].iloc[0]
        sign = np.sign(d["mean_diff"]) * {"higher": 1, "lower": -1, "neutral": 0}[better]
        colours = np.select([sign > 0, sign < 0], ["tab:green", "tab:red"], "0.5")
        ax.errorbar(d["mean_diff"], ypos, xerr=err, fmt="none", ecolor="0.3", capsize=3)
        ax.scatter(d["mean_diff"], ypos, c=colours, zorder=3)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.set_yticks(ypos, d["strategy"])
        ax.set_ylim(len(d) - 0.4, -0.6)
        for y, (_, r) in zip(ypos, d.iterrows(), strict=True):
            label = "n/a" if pd.isna(r["win_rate"]) else f"{r['win_rate']:.0%}"
            ax.annotate(f"{'higher' if better == 'neutral' else 'wins'} {label}", (1.0, y), xycoords=("axes fraction", "data"),
                        xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
        ax.set_title(f"{outcome} ({better} is better)" if better != "neutral" else outcome, fontsize=9)
        ax.set_xlabel(f"difference vs {d['baseline'].iloc[0]}", fontsize=8)
    for ax in list(axes.flat)[len(outcomes):]:
        ax.axis("off")
    fig.suptitle("Paired differences (95% bootstrap interval) and win rates", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return _save(fig, path)


def plot_sobol(indices: pd.DataFrame, path: Path, title: str) -> Path:
    """Bars of first-order (S1) and total (ST) Sobol indices per parameter, with their intervals."""
    n = len(indices)
    fig, ax = plt.subplots(figsize=(max(4.0, 0.9 * n + 2), 3.4))
    x = np.arange(n)
    for off, key, colour in ((-0.2, "S1", "tab:blue"), (0.2, "ST", "tab:orange")):
        err = np.vstack([indices[key] - indices[f"{key}_low"], indices[f"{key}_high"] - indices[key]])
        ax.bar(x + off, indices[key], width=0.4, color=colour, label=key, yerr=np.clip(err, 0, None), capsize=3)
    ax.set_xticks(x, indices["parameter"], rotation=30, ha="right", fontsize=8)
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set_ylabel("share of variance")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def plot_prim(result, x: pd.DataFrame, y: np.ndarray, path: Path, title: str) -> Path:
    """Left: PRIM's peeling trajectory (coverage against density, chosen box marked). Right: the futures on the
    two most restricted parameters, coloured by the share of futures (replications) there that backfire, with the
    chosen box."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8))
    t = result.trajectory
    sc = left.scatter(t["coverage"], t["density"], c=t["restricted"], cmap="viridis", s=14)
    left.scatter(t["coverage"].iloc[result.chosen], t["density"].iloc[result.chosen], s=120,
                 facecolors="none", edgecolors="red", label="chosen box")
    left.set_xlabel("coverage (share of backfires inside)")
    left.set_ylabel("density (share inside that backfire)")
    left.legend(fontsize=8)
    fig.colorbar(sc, ax=left, label="restricted dimensions")
    restricted = list(result.restricted())
    dims = (restricted + [c for c in result.columns if c not in restricted])[:2]
    if len(dims) == 1:
        dims = [dims[0], dims[0]]
    share = pd.DataFrame({"u": x[dims[0]].to_numpy(), "v": x[dims[1]].to_numpy(), "y": np.asarray(y, float)})
    share = share.groupby(["u", "v"], as_index=False)["y"].mean()
    pts = right.scatter(share["u"], share["v"], c=share["y"], cmap="Reds", vmin=0, vmax=1, s=10, edgecolors="0.6",
                        linewidths=0.3)
    fig.colorbar(pts, ax=right, label="share of futures that backfire")
    (x0, x1), (y0, y1) = result.box[dims[0]], result.box[dims[1]]
    right.add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="red", lw=1.5))
    right.set_xlabel(dims[0])
    right.set_ylabel(dims[1])
    right.set_title(result.describe(), fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)
