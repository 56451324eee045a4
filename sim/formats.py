"""Deliberation formats and working groups: how members are seated each session and whose voice counts.

- world_cafe: random tables of about `table_size`, reshuffled every session (high mixing; the default and what
  the model always did: `sim.mechanisms.form_tables`);
- open_space: members go to the table of the topic they care about (Owen's "law of two feet"): they are sorted by
  their current view plus noise of sd `open_space_noise` and seated in runs of `table_size` (low mixing: people
  meet those who already think alike);
- circle: the whole group sits in one circle with a talking piece: one table, equal voice (assertiveness weights
  set to 1), and knowledge pooling times `circle_exchange` (less airtime each).
Working groups: members are split into `working_groups` groups once per panel; seating happens inside a group.
The differences between formats are assumptions (talk 00:11:42 names the formats the CPA used).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms import form_tables

FORMATS = ("world_cafe", "open_space", "circle")


def working_groups(m: int, groups: int, rng: np.random.Generator) -> np.ndarray:
    """Group number in [0, groups) of each of m members: a random, balanced split (sizes differ by at most 1)."""
    g = np.empty(m, dtype=np.int64)
    g[rng.permutation(m)] = np.arange(m) % max(1, min(groups, max(m, 1)))
    return g


def seat(opinions: np.ndarray, groups: np.ndarray, table_size: int, fmt: str,
         rng: np.random.Generator, noise: float = 0.1) -> np.ndarray:
    """Table number of each member present (globally unique across groups) under format `fmt`.
    A world_cafe panel with one group draws exactly what `form_tables` draws."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown deliberation format '{fmt}'; use one of {', '.join(FORMATS)}")
    m = len(opinions)
    table = np.empty(m, dtype=np.int64)
    offset = 0
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        k = len(idx)
        if fmt == "circle":
            local = np.zeros(k, dtype=np.int64)
        elif fmt == "open_space":
            n_tables = max(1, int(np.ceil(k / table_size)))
            order = np.argsort(opinions[idx] + noise * rng.standard_normal(k), kind="stable")
            local = np.empty(k, dtype=np.int64)
            local[order] = np.arange(k) * n_tables // k
        else:
            local = form_tables(k, table_size, rng)
        table[idx] = local + offset
        offset += int(local.max()) + 1 if k else 0
    return table


def voice(weights: np.ndarray, fmt: str) -> np.ndarray:
    """Assertiveness weights as the format lets them count: equal (1) in a circle, unchanged otherwise."""
    return np.ones_like(weights) if fmt == "circle" else weights


def exchange(fmt: str, circle_exchange: float) -> float:
    """Multiplier on knowledge pooling per session: `circle_exchange` in a circle, 1 otherwise."""
    return circle_exchange if fmt == "circle" else 1.0
