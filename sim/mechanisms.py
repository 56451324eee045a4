"""The model's mechanisms as small pure functions on NumPy arrays (equations in docs/ODD.md).

All opinions, trust, awareness and knowledge are on [0, 1]; signals are signed changes on that scale.
"""

from __future__ import annotations

import numpy as np


def asymmetric_update(trust: np.ndarray, signal: np.ndarray | float, loss_aversion: float) -> np.ndarray:
    """Trust after a signal s: gains move trust toward 1 by s*(1-trust); losses toward 0 by loss_aversion*|s|*trust.

    Losses weigh `loss_aversion` (>= 1) times more than gains (Slovic 1993). Gains scale with headroom, so low-trust
    citizens gain most (Germann et al. 2024). Result clipped to [0, 1]. A scalar signal takes a one-pass path.
    """
    if np.ndim(signal) == 0:
        s = float(signal)
        out = trust * (1.0 - s) + s if s >= 0 else trust * (1.0 + loss_aversion * s)
        return out if -1.0 <= loss_aversion * s and s <= 1.0 else np.clip(out, 0.0, 1.0)
    s = np.asarray(signal, dtype=float)
    out = trust + np.where(s >= 0, s * (1.0 - trust), loss_aversion * s * trust)
    return np.clip(out, 0.0, 1.0)


def social_smoothing(trust: np.ndarray, anchor: np.ndarray, weights, weight: float) -> np.ndarray:
    """Friedkin-Johnsen-style influence on changes: d = trust - anchor; d <- d + weight * (W d - d);
    result anchor + d clipped to [0, 1]. Each citizen keeps their own baseline (no collapse to consensus as in pure
    DeGroot averaging of levels) while changes caused by the process spread through the network W
    (row-stochastic)."""
    d = trust - anchor
    d += weight * (weights @ d - d)
    return np.clip(anchor + d, 0.0, 1.0)


def weekly_update(trust: np.ndarray, anchor: np.ndarray, awareness: np.ndarray, signal: np.ndarray | float,
                  weights, *, loss_aversion: float, social_weight: float, media: float, word_of_mouth: float,
                  decay: float) -> tuple[np.ndarray, np.ndarray]:
    """One week of the public (two sparse products, in-place arithmetic):

    trust'     = social_smoothing(asymmetric_update(trust, signal), anchor)
    awareness' = clip(a + (1 - a) * (1 - exp(-(media + word_of_mouth * W a))) - decay * a, 0, 1)

    Equal to applying `asymmetric_update` then `social_smoothing`; returns new arrays (inputs untouched).
    """
    d = asymmetric_update(trust, signal, loss_aversion)
    d = np.subtract(d, anchor, out=d if d is not trust else None)
    mixed = weights @ d
    mixed -= d
    mixed *= social_weight
    d += mixed
    d += anchor
    np.clip(d, 0.0, 1.0, out=d)
    hazard = weights @ awareness
    hazard *= -word_of_mouth
    hazard -= media
    np.expm1(hazard, out=hazard)  # = -(1 - exp(-hazard))
    new_aw = awareness * (1.0 - decay)
    hazard *= 1.0 - awareness
    new_aw -= hazard
    np.clip(new_aw, 0.0, 1.0, out=new_aw)
    return d, new_aw


def bounded_confidence_table(x: np.ndarray, epsilon: float, rate: float) -> np.ndarray:
    """One Hegselmann-Krause step at a table: each member moves `rate` of the way to the mean of members within
    `epsilon` of them (themselves included). New values are convex combinations, so the range cannot grow."""
    close = np.abs(x[:, None] - x[None, :]) <= epsilon
    target = (close * x[None, :]).sum(axis=1) / close.sum(axis=1)
    return x + rate * (target - x)


def deliberate(opinion: np.ndarray, knowledge: np.ndarray, rng: np.random.Generator, *, table_size: int,
               epsilon: float, rate: float, pooling: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One World Cafe session: random tables of `table_size`; bounded-confidence opinion change and knowledge
    pooling (each member closes `pooling` of the gap to the table's best knowledge on each dimension).

    Returns new opinion (m,), new knowledge (m, K) and the table number of each member. Inputs are not modified.
    """
    m = len(opinion)
    order = rng.permutation(m)
    n_tables = max(1, int(np.ceil(m / table_size)))
    table = np.empty(m, dtype=np.int64)
    table[order] = np.arange(m) % n_tables
    new_op = opinion.astype(float).copy()
    new_kn = knowledge.astype(float).copy()
    for t in range(n_tables):
        idx = np.flatnonzero(table == t)
        new_op[idx] = bounded_confidence_table(new_op[idx], epsilon, rate)
        best = new_kn[idx].max(axis=0)
        new_kn[idx] += pooling * (best - new_kn[idx])
    return new_op, new_kn, table


def pooled_quality(knowledge: np.ndarray, breadth_weight: float) -> float:
    """Panel solution quality in [0, 1]: `breadth_weight` x the mean over the K dimensions of the best member's
    knowledge (breadth: someone knows it) + (1 - breadth_weight) x the mean member's (depth: shared understanding)."""
    if len(knowledge) == 0:
        return 0.0
    return float(breadth_weight * knowledge.max(axis=0).mean() + (1.0 - breadth_weight) * knowledge.mean())


def composition(codes: dict[str, np.ndarray], members: np.ndarray, sizes: dict[str, int]) -> dict[str, np.ndarray]:
    """Share of each category of each feature among `members` (indices)."""
    return {f: np.bincount(c[members], minlength=sizes[f]) / max(1, len(members)) for f, c in codes.items()}


def representativeness(panel_share: dict[str, np.ndarray], pop_share: dict[str, np.ndarray]) -> float:
    """1 - mean over features of the total-variation distance between panel and population shares; in [0, 1],
    1 exactly when every feature's shares match."""
    tv = [0.5 * np.abs(panel_share[f] - pop_share[f]).sum() for f in pop_share]
    return float(1.0 - np.mean(tv)) if tv else 1.0


def like_me(codes: dict[str, np.ndarray], panel_share: dict[str, np.ndarray],
            pop_share: dict[str, np.ndarray]) -> np.ndarray:
    """Per citizen, in [0, 1]: mean over features of min(1, panel share / population share) of the citizen's own
    category ("people like me were there", Pow et al. 2020)."""
    out = np.zeros(len(next(iter(codes.values()))))
    for f, c in codes.items():
        ratio = np.minimum(1.0, panel_share[f] / np.maximum(pop_share[f], 1e-12))
        out += ratio[c]
    return out / len(codes)


def spillover(awareness: np.ndarray, transparency: float, like: np.ndarray, rep: float, *, promise: float,
              honour_share: float, gain: float, backfire: float, bias_sensitivity: float,
              word_of_mouth: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Trust signal to non-participants from a participatory decision, and its legitimacy-gain part.

    legit_i = transparency * like_i * rep**bias_sensitivity * promise * gain * honour_share   (Germann 2025)
    signal_i = awareness_i * (legit_i - transparency * promise * backfire * (1 - honour_share) + word_of_mouth_i)
    Zero for anyone unaware; with zero transparency only word of mouth (participants' own change passed on
    through the network) remains.
    """
    legit = transparency * like * rep**bias_sensitivity * promise * gain * honour_share
    back = transparency * promise * backfire * (1.0 - honour_share)
    return awareness * (legit - back + word_of_mouth), awareness * legit


def lobby_capture(pressure: float, political_buy_in: float) -> float:
    """Share of the institution's own decision captured by lobbying, in [0, 1): P / (P + 1 + buy_in)."""
    return pressure / (pressure + 1.0 + political_buy_in) if pressure > 0 else 0.0


def lobby_pressure(budgets: np.ndarray, transparency: float, blunting: float, access: float) -> float:
    """Pressure on the decision: sum of budgets * access * (1 - blunting * transparency); >= 0."""
    return float(np.sum(budgets) * access * (1.0 - blunting * transparency))


def obstruction(power: np.ndarray, position: np.ndarray, included: np.ndarray, policy: float, *, tolerance: float,
                included_factor: float) -> np.ndarray:
    """Per stakeholder, in [0, 1]: power * (distance of the policy beyond tolerance, rescaled) * (1 for those left out,
    `included_factor` for those at the table)."""
    gap = np.clip((np.abs(policy - position) - tolerance) / max(1e-9, 1.0 - tolerance), 0.0, 1.0)
    return power * gap * np.where(included, included_factor, 1.0)
