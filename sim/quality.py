"""Co-Master-style quality of the co-creation process as outputs (COGOV, cases-and-data §4.3: Co-Master assesses
the quality of the co-creation that took place). Each metric lies in [0, 1], higher is better:

- inclusion: how well the table mirrors who it stands for (citizens: panel representativeness; organisations:
  share of the stakeholders' power at the table);
- voice: equality of voice, 1 - Gini of the voice weights of those at the table;
- mixing: mean share of the other members each member sat with at least once (World Cafe high, Open Space low);
- retention: share of members still present at the last session;
- responsiveness: share of the recommendations honoured;
- openness: share of the proceedings published (0 in a closed process);
- quality: their mean.
Only strategies with a panel have them (the others report NaN, like panel_representativeness).
"""

from __future__ import annotations

import numpy as np

METRICS = ("inclusion", "voice", "mixing", "retention", "responsiveness", "openness", "quality")


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values, in [0, 1); 0 for equal values (and for fewer than 2)."""
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    if n < 2 or x.sum() <= 0:
        return 0.0
    return float((2.0 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum()))


class MeetingLog:
    """Who sat with whom over a panel's sessions (an m x m boolean matrix; m is at most a few hundred)."""

    def __init__(self, m: int):
        self.met = np.zeros((m, m), dtype=bool)

    def seat(self, present: np.ndarray, tables: np.ndarray) -> None:
        """Record one session: `present` member positions (0..m-1) and their table numbers."""
        same = tables[:, None] == tables[None, :]
        self.met[np.ix_(present, present)] |= same

    def mixing(self) -> float:
        m = len(self.met)
        if m < 2:
            return float("nan")
        met = self.met.copy()
        np.fill_diagonal(met, False)
        return float(met.sum(axis=1).mean() / (m - 1))


def comaster(inclusion: float, voice_weights: np.ndarray, mixing: float, retention: float,
             responsiveness: float, openness: float) -> dict[str, float]:
    """The metrics keyed comaster_<name>; `quality` is the mean of the defined ones."""
    vals = {"inclusion": inclusion, "voice": 1.0 - gini(voice_weights) if len(voice_weights) else float("nan"),
            "mixing": mixing, "retention": retention, "responsiveness": responsiveness, "openness": openness}
    defined = [v for v in vals.values() if np.isfinite(v)]
    vals["quality"] = float(np.mean(defined)) if defined else float("nan")
    return {f"comaster_{k}": float(v) for k, v in vals.items()}
