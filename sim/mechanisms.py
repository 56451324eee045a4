"""The model's mechanisms as small pure functions on NumPy arrays (equations in docs/ODD.md).

All opinions, trust, awareness, feels-heard and knowledge are on [0, 1]; signals are signed changes on that scale.
Trust is held as a citizen's baseline `anchor` plus a process-driven deviation `dev` (spread over the network)
plus the common news level; the reported trust is `clip(anchor + dev + news)`.
"""

from __future__ import annotations

import numpy as np

#: The channels through which the process reaches trust (docs/ODD.md §7.10): each can be switched off.
CHANNELS = ("outcome", "procedure", "exposure", "delivery", "news")


# ------------------------------------------------------------------------------------------------ trust
def asymmetric_change(trust: np.ndarray, signal: np.ndarray | float, loss_aversion: float) -> np.ndarray:
    """The change of trust a signal s causes: s*(1-trust) for gains (headroom), loss_aversion*s*trust for losses.

    Losses weigh `loss_aversion` (>= 1) times more than gains (Slovic 1993; broken pledges weigh more than
    fulfilled ones, Bytzek et al. 2024). Gains scale with headroom, so low-trust citizens gain most."""
    s = np.asarray(signal, dtype=float)
    if s.ndim == 0:
        v = float(s)
        return v * (1.0 - trust) if v >= 0 else loss_aversion * v * trust
    return np.where(s >= 0, s * (1.0 - trust), loss_aversion * s * trust)


def asymmetric_update(trust: np.ndarray, signal: np.ndarray | float, loss_aversion: float) -> np.ndarray:
    """Trust after a signal: `trust + asymmetric_change(...)`, clipped to [0, 1]."""
    return np.clip(trust + asymmetric_change(trust, signal, loss_aversion), 0.0, 1.0)


def social_smoothing(trust: np.ndarray, anchor: np.ndarray, weights, weight: float) -> np.ndarray:
    """Friedkin-Johnsen-style influence on changes: d = trust - anchor; d <- d + weight * (W d - d);
    result anchor + d clipped to [0, 1]. Each citizen keeps their own baseline (no collapse to consensus as in pure
    DeGroot averaging of levels) while changes caused by the process spread through the network W
    (row-stochastic)."""
    d = trust - anchor
    d += weight * (weights @ d - d)
    return np.clip(anchor + d, 0.0, 1.0)


def news_levels(shocks: np.ndarray, persistence: float) -> np.ndarray:
    """The common news level n_t = persistence * n_{t-1} + shock_t (n_0 = 0): a zero-mean autoregressive process,
    so that a world with news and nothing else has no drift in trust (docs/ODD.md §7.1)."""
    out = np.empty(len(shocks))
    level = 0.0
    for t, e in enumerate(shocks):
        level = persistence * level + float(e) if t else 0.0
        out[t] = level
    return out


def weekly_update(own: np.ndarray, dev: np.ndarray, anchor: np.ndarray, news: float, awareness: np.ndarray, signal,
                  weights, *, loss_aversion: float, social_weight: float, media: float, word_of_mouth: float,
                  decay: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One week of the public (two sparse products). Trust is the baseline plus a deviation plus the news level,
    T = clip(anchor + dev + news). Each citizen's own experience `own` accumulates the week's signal through the
    asymmetric update; the deviation mixes it with the neighbours' deviations (Friedkin & Johnsen 1990: anchored on
    one's own experience, so heterogeneity survives):

    own'       = clip(anchor + own + sum_c asymmetric_change(T, signal_c)) - anchor  (signal may be None)
    dev'       = social_weight * W dev + (1 - social_weight) * own'
    awareness' = clip(a + (1 - a) * (1 - exp(-(media + word_of_mouth * W a))) - decay * a, 0, 1)
    trust'     = clip(anchor + dev' + news)

    `signal` is one signal (a float or an array over citizens) or a list of them, one per channel: each passes the
    asymmetric update separately at the same trust T, so a gain through one channel and a loss through another
    do not cancel before loss aversion is applied (losses weigh more per piece of news, not per week's net), and the
    channels' contributions add up (sim/channels.py).

    Returns (own', dev', awareness', trust'); inputs are not modified.
    """
    if isinstance(signal, (list, tuple)) and not signal:
        signal = None
    if signal is not None:
        t = anchor + dev
        t += news
        np.clip(t, 0.0, 1.0, out=t)
        if isinstance(signal, (list, tuple)):
            e = own.copy()
            for s in signal:
                e += asymmetric_change(t, s, loss_aversion)
        else:
            e = own + asymmetric_change(t, signal, loss_aversion)
        e += anchor
        np.clip(e, 0.0, 1.0, out=e)
        e -= anchor
    else:
        e = own
    d = weights @ dev
    d *= social_weight
    d += (1.0 - social_weight) * e
    hazard = weights @ awareness
    hazard *= -word_of_mouth
    hazard -= media
    np.expm1(hazard, out=hazard)  # = -(1 - exp(-hazard))
    new_aw = awareness * (1.0 - decay)
    hazard *= 1.0 - awareness
    new_aw -= hazard
    np.clip(new_aw, 0.0, 1.0, out=new_aw)
    trust = anchor + d
    trust += news
    np.clip(trust, 0.0, 1.0, out=trust)
    return e, d, new_aw, trust


def low_trust_weights(prior_trust: np.ndarray, focus: float) -> np.ndarray:
    """Per citizen, mean 1: (1 - prior trust)^focus normalised. Legitimacy and efficacy gains from mini-publics
    are driven by citizens with low political trust (Germann et al. 2024); focus 0 spreads them evenly."""
    w = np.power(np.clip(1.0 - prior_trust, 1e-9, 1.0), focus)
    return w / w.mean()


def heard_change(heard: np.ndarray, gain: np.ndarray | float, loss: np.ndarray | float) -> np.ndarray:
    """Change of feels-heard H: gain * (1 - H) - loss * H (gains toward 1, losses toward 0)."""
    return gain * (1.0 - heard) - loss * heard


# ------------------------------------------------------------------------------------------------ deliberation
def bounded_confidence_table(x: np.ndarray, epsilon: float, rate: float,
                             weights: np.ndarray | None = None) -> np.ndarray:
    """One Hegselmann-Krause step at a table: each member moves `rate` of the way to the (weighted) mean of members
    within `epsilon` of them (themselves included). New values are convex combinations, so the range cannot grow.
    `weights` (positive) are how much each member's view counts when spoken (assertiveness)."""
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    close = (np.abs(x[:, None] - x[None, :]) <= epsilon) * w[None, :]
    target = (close * x[None, :]).sum(axis=1) / close.sum(axis=1)
    return x + rate * (target - x)


def pool_knowledge(knowledge: np.ndarray, pooling: float) -> np.ndarray:
    """Knowledge pooling at a table: each member closes `pooling` of the gap to the table's best knowledge on each
    dimension of the problem."""
    best = knowledge.max(axis=0)
    return knowledge + pooling * (best - knowledge)


def learn_toward(opinion: np.ndarray, before: np.ndarray, after: np.ndarray, informed: float,
                 pull: float) -> np.ndarray:
    """Views move toward the informed position as ignorance is resolved: o += pull * (informed - o) * r with
    r = (mean knowledge gained) / (mean knowledge missing before) in [0, 1] per member (Ingham & Levin 2018:
    a mini-public's conclusion is evidence about 'enlightened' opinion)."""
    missing = np.maximum(1.0 - before.mean(axis=-1), 1e-9)
    resolved = np.clip((after.mean(axis=-1) - before.mean(axis=-1)) / missing, 0.0, 1.0)
    return opinion + pull * (informed - opinion) * resolved


def form_tables(m: int, table_size: int, rng: np.random.Generator) -> np.ndarray:
    """Random tables of about `table_size` for m members present: the table number of each (World Cafe rotation:
    new tables every session)."""
    order = rng.permutation(m)
    n_tables = max(1, int(np.ceil(m / table_size)))
    table = np.empty(m, dtype=np.int64)
    table[order] = np.arange(m) % n_tables
    return table


def deliberate(opinion: np.ndarray, knowledge: np.ndarray, rng: np.random.Generator, *, table_size: int,
               epsilon: float, rate: float, pooling: float, weights: np.ndarray | None = None,
               informed: float | None = None, pull: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One World Cafe session on arrays: random tables of `table_size`; bounded-confidence opinion change (weighted
    by `weights`), knowledge pooling and, with `informed`, learning toward the informed position.

    Returns new opinion (m,), new knowledge (m, K) and the table number of each member. Inputs are not modified.
    (The model runs the same steps through its PanelMember agents; this is the array form, for tests and tools.)"""
    table = form_tables(len(opinion), table_size, rng)
    new_op = opinion.astype(float).copy()
    new_kn = knowledge.astype(float).copy()
    w = np.ones(len(opinion)) if weights is None else np.asarray(weights, dtype=float)
    for t in range(int(table.max()) + 1 if len(table) else 0):
        idx = np.flatnonzero(table == t)
        new_op[idx] = bounded_confidence_table(new_op[idx], epsilon, rate, w[idx])
        before = new_kn[idx].copy()
        new_kn[idx] = pool_knowledge(before, pooling)
        if informed is not None:
            new_op[idx] = learn_toward(new_op[idx], before, new_kn[idx], informed, pull)
    return new_op, new_kn, table


def pooled_quality(knowledge: np.ndarray, breadth_weight: float, top: int = 1) -> float:
    """Panel solution quality in [0, 1]: `breadth_weight` x the mean over the K dimensions of the knowledge of the
    `top` members who know it best (breadth: enough voices know it; with top = 1 the best member alone) +
    (1 - breadth_weight) x the mean member's (depth: shared understanding). With top > 1 a panel in which a group
    is scarce covers that group's dimension less: a more representative panel pools more."""
    if len(knowledge) == 0:
        return 0.0
    t = max(1, min(int(top), len(knowledge)))
    best = np.sort(knowledge, axis=0)[-t:].mean(axis=0) if t > 1 else knowledge.max(axis=0)
    return float(breadth_weight * best.mean() + (1.0 - breadth_weight) * knowledge.mean())


def institution_quality(complexity: float, expertise: float) -> float:
    """What the institution delivers alone: the known part of the problem (1 - complexity) solved, the complex part
    at its expertise: 1 - complexity * (1 - expertise)."""
    return 1.0 - complexity * (1.0 - expertise)


def joint_quality(panel_quality: float, complexity: float, expertise: float, lay_error: float) -> float:
    """Quality of an honoured recommendation: on the known part the lay recommendation gets `lay_error` of it wrong;
    on the complex part the panel's pooled knowledge adds to the institution's:
    (1 - c)(1 - lay_error) + c (1 - (1 - Q_p)(1 - E)). Below `institution_quality` on a simple problem."""
    return (1.0 - complexity) * (1.0 - lay_error) + complexity * (1.0 - (1.0 - panel_quality) * (1.0 - expertise))


# ------------------------------------------------------------------------------------------------ who took part
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
              word_of_mouth: np.ndarray | float = 0.0, focus: np.ndarray | float = 1.0,
              novelty: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Trust signal to non-participants from a participatory decision, and its legitimacy-gain part.

    legit_i  = transparency * like_i * rep**bias_sensitivity * promise * gain * honour_share * focus_i * novelty
    signal_i = awareness_i * (legit_i - transparency * promise * backfire * (1 - honour_share) + word_of_mouth_i)
    (Germann 2025: compositional bias erodes the gain; Germann et al. 2024: only when honoured, mostly among
    low-trust citizens; van Dijk & Lefevere 2023: backfire when ignored.) Zero for anyone unaware; with zero
    transparency the published part is zero and only word of mouth remains (what is hidden can still be exposed:
    `exposure_hazard`).
    """
    legit = transparency * like * rep**bias_sensitivity * promise * gain * honour_share * focus * novelty
    back = transparency * promise * backfire * (1.0 - honour_share)
    return awareness * (legit - back + word_of_mouth), awareness * legit


def exposure_hazard(transparency: float, leak: float, panel_voice: float, broken_promise: float) -> float:
    """Weekly probability that hidden misconduct comes out: (leak + panel_voice * broken promise) * (1 - transparency),
    in [0, 1]. The more is published, the less there is to leak; what is published is seen directly."""
    return float(np.clip((leak + panel_voice * broken_promise) * (1.0 - transparency), 0.0, 1.0))


# ------------------------------------------------------------------------------------------------ the decision
def lobby_capture(pressure: float, political_buy_in: float) -> float:
    """Share of the institution's own decision captured by lobbying, in [0, 1): P / (P + 1 + buy_in)."""
    return pressure / (pressure + 1.0 + political_buy_in) if pressure > 0 else 0.0


def lobby_pressure(budgets: np.ndarray, transparency: float, blunting: float, access: float) -> float:
    """Pressure on the decision: sum of budgets * access * (1 - blunting * transparency); >= 0."""
    return float(np.sum(budgets) * access * (1.0 - blunting * transparency))


def honour_probabilities(authenticity: float, capture: float, challenge: float, costs: np.ndarray, *,
                         challenge_sensitivity: float, cost_sensitivity: float) -> np.ndarray:
    """Per recommendation, in [0, 1]: authenticity * (1 - capture) * (1 - (1 - authenticity) *
    (challenge_sensitivity * challenge + cost_sensitivity * cost_j)). Uptake falls with a proposal's cost and with
    how much it challenges existing policy (Font et al. 2018: "cherry-picking"); an institution committed to
    respond (authenticity 1) does not cherry-pick, though lobbying can still capture part of the decision."""
    pick = (1.0 - authenticity) * (challenge_sensitivity * min(1.0, challenge)
                                   + cost_sensitivity * np.asarray(costs, dtype=float))
    return np.clip(authenticity * (1.0 - capture) * (1.0 - pick), 0.0, 1.0)


def obstruction(power: np.ndarray, position: np.ndarray, factor: np.ndarray, policy: float, *,
                tolerance: float) -> np.ndarray:
    """Per stakeholder, in [0, 1]: power * (distance of the policy beyond tolerance, rescaled) * factor (1 for a
    competing stakeholder, less for one that collaborates)."""
    gap = np.clip((np.abs(policy - np.asarray(position)) - tolerance) / max(1e-9, 1.0 - tolerance), 0.0, 1.0)
    return np.asarray(power) * gap * np.asarray(factor, dtype=float)


def clip01(x: float) -> float:
    """x clipped to [0, 1] (scalars)."""
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


__all__ = [name for name in dir() if not name.startswith("_") and name not in ("annotations", "np")]
