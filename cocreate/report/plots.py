"""The report's figures (matplotlib, Agg), each returned as a ``data:image/png;base64,...`` URI so that the HTML
file holds them itself. Shares are fractions in [0, 1] drawn as percentages; probabilities are in [0, 1].
``_`` is the report language's gettext, so axis labels come in the report's language."""

import base64
import io
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

COLOURS = {"pool": "#9e9e9e", "expected": "#1f77b4", "drawn": "#d62728", "population": "#2ca02c"}
WIDTH = 5.6  # inches of plot area; with the legend beside it a figure fits an A4 page's 180 mm text width


def data_uri(fig) -> str:
    """The figure as a base64 PNG data URI (no timestamp or software metadata, so the bytes repeat); closes it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def quota_figure(feature: str, rows: list[dict], k: int, _: Callable[[str], str]) -> str:
    """One feature: per value the target band (min/k to max/k, grey between black marks), and the shares of the pool, the expected
    panel, the drawn panel and the population (those present in ``rows``: keys ``pool_share``,
    ``expected_share``, ``panel_share``, ``population_share``; None or NaN when absent)."""
    series = [("pool_share", _("pool"), COLOURS["pool"]), ("expected_share", _("expected panel"), COLOURS["expected"]),
              ("panel_share", _("drawn panel"), COLOURS["drawn"]),
              ("population_share", _("population"), COLOURS["population"])]
    series = [s for s in series if any(_present(r.get(s[0])) for r in rows)]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.7 + len(rows) * (0.1 + 0.14 * len(series))))
    height = 0.8 / max(1, len(series))
    y = np.arange(len(rows))[::-1]
    for i, r in enumerate(rows):
        lo, hi = r["min"] / k, r["max"] / k
        ax.fill_betweenx([y[i] - 0.45, y[i] + 0.45], lo, hi, color="#ececec", lw=0, zorder=0,
                         label=_("target (min to max seats)") if i == 0 else None)
        ax.vlines([lo, hi], y[i] - 0.45, y[i] + 0.45, color="black", lw=1.2, zorder=3)
    for j, (key, label, colour) in enumerate(series):
        values = [r.get(key) if _present(r.get(key)) else 0.0 for r in rows]
        ax.barh(y + 0.4 - height * (j + 0.5), values, height=height, color=colour, label=label, zorder=2)
    ax.set_yticks(y, [str(r["value"]) for r in rows])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(_("share"))
    ax.set_title(feature, loc="left", fontsize=11)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return data_uri(fig)


def histogram(probabilities: np.ndarray, fair_share: float, _: Callable[[str], str]) -> str:
    """How many volunteers have each selection probability, with the fair share k/n marked."""
    p = np.asarray(probabilities, dtype=float)
    fig, ax = plt.subplots(figsize=(WIDTH, 2.6))
    top = max(float(p.max()), fair_share) * 1.05 or 1.0
    ax.hist(p, bins=np.linspace(0, top, 31), color=COLOURS["expected"], edgecolor="white")
    ax.axvline(fair_share, color="black", ls="--", lw=1, label=_("fair share k/n"))
    ax.set_xlabel(_("selection probability"))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel(_("volunteers"))
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.spines[["top", "right"]].set_visible(False)
    return data_uri(fig)


def by_group(groups: dict[str, list[str]], order: dict[str, list[str]], probabilities: np.ndarray,
             fair_share: float, _: Callable[[str], str]) -> str:
    """Per feature and value (in ``order``, values no one has left out): the mean selection probability (dot)
    and the lowest to highest (line)."""
    p = np.asarray(probabilities, dtype=float)
    labels, lows, means, highs, starts = [], [], [], [], []
    for feature, values in groups.items():
        values = np.asarray(values, dtype=object)
        starts.append(len(labels))
        for v in order[feature]:
            sel = p[values == v]
            if not len(sel):
                continue
            labels.append(f"{feature}: {v}")
            lows.append(sel.min())
            means.append(sel.mean())
            highs.append(sel.max())
    fig, ax = plt.subplots(figsize=(WIDTH, 0.5 + 0.24 * len(labels)))
    y = np.arange(len(labels))[::-1]
    ax.hlines(y, lows, highs, color=COLOURS["expected"], lw=2, label=_("lowest to highest"))
    ax.plot(means, y, "o", color="black", ms=4, label=_("mean"))
    ax.axvline(fair_share, color="black", ls="--", lw=1, label=_("fair share k/n"))
    for s in starts[1:]:
        ax.axhline(y[s] + 0.5, color="#dddddd", lw=0.8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(_("selection probability"))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlim(left=0)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.spines[["top", "right"]].set_visible(False)
    return data_uri(fig)


def _present(x) -> bool:
    return x is not None and x == x
