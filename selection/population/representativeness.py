"""How representative is a panel of its population, on every feature and on two-way intersections?

A *composition* is the share of people with each value of a feature (one-way) or each pair of values of two
features (two-way, e.g. age_band x education). Comparing panel against population per margin gives the total
variation distance ``TVD = 1/2 * sum |panel share - population share|`` in [0, 1] (0: identical composition; 1:
disjoint). The single figure is the mean TVD over all one-way and two-way margins of the given features, so it
also covers the features and intersections that no quota names. Shares of a 50-seat panel move in steps of 2%,
so even a perfect lottery has a TVD above 0 (sampling noise); compare methods on the same population and seeds.
"""

from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from selection.outputs import atomic_write


def margins_of(features: list[str], pairs: bool = True) -> list[tuple[str, ...]]:
    """All one-way margins, then (if ``pairs``) every two-way intersection, in feature order."""
    return [(f,) for f in features] + (list(combinations(features, 2)) if pairs else [])


def shares(people: pd.DataFrame, features: list[str], pairs: bool = True,
           weights: np.ndarray | None = None) -> dict[tuple[str, ...], pd.Series]:
    """Composition of ``people`` per margin: shares summing to 1 (``weights`` >= 0 per row, default 1)."""
    w = pd.Series(np.ones(len(people)) if weights is None else np.asarray(weights, float))
    out = {}
    for margin in margins_of(features, pairs):
        keys = [people[c].to_numpy() for c in margin]
        total = w.groupby(keys).sum()
        out[margin] = total / total.sum() if total.sum() > 0 else total
    return out


def compare(panel: pd.DataFrame, population: pd.DataFrame | dict, features: list[str], pairs: bool = True,
            panel_weights: np.ndarray | None = None) -> pd.DataFrame:
    """One row per margin cell: ``margin`` (``"age_band"`` or ``"age_band x education"``), ``value``,
    ``population_share``, ``panel_share``, ``difference`` (panel - population, share points in [-1, 1]).

    ``population`` is a frame or its precomputed ``shares(...)`` (faster when comparing many panels).
    ``panel_weights`` (optional, >= 0, aligned with ``panel`` rows) gives an expected composition, e.g. selection
    probabilities of a whole pool instead of one drawn panel.
    """
    pop_shares = population if isinstance(population, dict) else shares(population, features, pairs)
    pan_shares = shares(panel, features, pairs, panel_weights)
    parts = []
    for margin in margins_of(features, pairs):
        both = pd.concat([pop_shares[margin].rename("population_share"), pan_shares[margin].rename("panel_share")],
                         axis=1).fillna(0.0)
        labels = [" x ".join(map(str, v)) if isinstance(v, tuple) else str(v) for v in both.index]
        parts.append(pd.DataFrame({"margin": " x ".join(margin), "value": labels,
                                   "population_share": both["population_share"].to_numpy(),
                                   "panel_share": both["panel_share"].to_numpy()}))
    out = pd.concat(parts, ignore_index=True)
    out["difference"] = out["panel_share"] - out["population_share"]
    return out


def distances(table: pd.DataFrame) -> pd.Series:
    """Total variation distance per margin (index: margin name), each in [0, 1]."""
    return table.groupby("margin", sort=False)["difference"].apply(lambda d: 0.5 * float(np.abs(d).sum()))


def distance(table: pd.DataFrame, margins: list[str] | None = None) -> float:
    """The single figure: mean TVD over the margins of ``table`` (or only over ``margins``)."""
    tvd = distances(table)
    if margins is not None:
        tvd = tvd[tvd.index.isin(margins)]
    return float(tvd.mean()) if len(tvd) else float("nan")


def summary(panel: pd.DataFrame, population: pd.DataFrame | dict, features: list[str],
            quota_features: list[str], panel_weights: np.ndarray | None = None) -> dict[str, float]:
    """Mean TVD overall, on quota features, on features without quotas and on two-way intersections
    (``panel_weights``: expected composition, see ``compare``)."""
    table = compare(panel, population, features, panel_weights=panel_weights)
    tvd = distances(table)
    one_way = [m for m in tvd.index if " x " not in m]
    return {"tvd_all": float(tvd.mean()),
            "tvd_quota_features": float(tvd[[m for m in one_way if m in quota_features]].mean()),
            "tvd_other_features": float(tvd[[m for m in one_way if m not in quota_features]].mean()),
            "tvd_pairs": float(tvd[[m for m in tvd.index if " x " in m]].mean())}


def plot(table: pd.DataFrame, path: str | Path, title: str = "Panel vs population", label: str = "panel") -> None:
    """Dot plot of population and panel shares for every one-way margin cell (PNG, written atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    one = table[~table["margin"].str.contains(" x ")].iloc[::-1]
    labels = [f"{m}: {v}" for m, v in zip(one["margin"], one["value"], strict=True)]
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(one) + 1.2))
    y = np.arange(len(one))
    ax.hlines(y, one["population_share"], one["panel_share"], color="0.7")
    ax.plot(one["population_share"], y, "o", color="0.2", label="population")
    ax.plot(one["panel_share"], y, "o", color="tab:red", label=label)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("share")
    ax.set_title(f"{title} (mean TVD {distance(table):.3f})", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=8, frameon=False)
    fig.tight_layout()
    save_figure(fig, path)


def save_figure(fig, path: str | Path) -> None:
    """Save a matplotlib figure atomically (temp file in the same folder, then rename) and close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format=path.suffix.lstrip(".") or "png"))
    plt.close(fig)
