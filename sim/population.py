"""The simulated public: demographics, initial attitudes and the social network, as NumPy arrays.

Demographics come from `selection.population.synthesis.synthesize_population` and response propensities from
`selection.population.funnel.response_propensity` (Antwerp margins and sourced response directions; see those modules).

Invariants: every array has one entry per citizen (length n); trust, opinion, feels_heard and knowledge lie in
[0, 1]; the network `weights` is a row-stochastic CSR matrix (each row sums to 1) with a symmetric pattern and no
self-ties.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import expit
from scipy.stats import norm

from sim.scenario import LEVEL_HEARD, LEVEL_TRUST, PopulationParams

FEATURES = ("sex", "age_band", "origin", "education")


def synthesize(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """People table (id, sex, age_band, origin, education, household_id) from the selection engine."""
    from selection.population.synthesis import synthesize_population

    return synthesize_population(n, rng)


def propensity(people: pd.DataFrame) -> np.ndarray:
    """Probability in [0, 1] that an invited person volunteers (selection.population.funnel's model)."""
    from selection.population.funnel import response_propensity

    return np.clip(np.asarray(response_propensity(people), dtype=float), 1e-6, 1.0)


@dataclass(frozen=True)
class Population:
    """Read-only initial state of the public. Mutable copies are made by each model run."""

    people: pd.DataFrame          # demographics, one row per citizen (ids are str)
    codes: dict[str, np.ndarray]  # feature -> int code per citizen
    labels: dict[str, np.ndarray]  # feature -> category label per code
    propensity: np.ndarray        # P(volunteer | invited), in (0, 1]
    trust: np.ndarray             # initial trust in the institution, in (0, 1)
    feels_heard: np.ndarray       # 0/1 at the start
    opinion: np.ndarray           # preferred policy position, in (0, 1)
    knowledge: np.ndarray         # (n, K) float32 in [0, 1]
    weights: sp.csr_matrix        # row-stochastic network, float64
    z: np.ndarray                 # standardised log-propensity (+: more likely to volunteer)

    @property
    def n(self) -> int:
        return len(self.trust)


def _freeze(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.flags.writeable = False


def initial_trust(feels_heard: np.ndarray, shift: np.ndarray, p: PopulationParams,
                  rng: np.random.Generator) -> np.ndarray:
    """Trust in (0, 1) as a logit-normal draw calibrated so that (before the group shift) the share above 0.5 is
    `baseline_trust` overall and `heard_trust_ratio` times higher among those who feel heard (OECD2024).

    Solves h*a + (1-h)*b = baseline, a = ratio*b, then mu = sd * Phi^-1(share) per heard status.
    """
    h, base, ratio = p.feels_heard_share, p.baseline_trust, p.heard_trust_ratio
    b = base / (h * ratio + (1 - h))
    a = min(ratio * b, 0.999)
    b = min(b, 0.999)
    mu = np.where(feels_heard > 0, norm.ppf(a), norm.ppf(b)) * p.trust_spread
    return expit(mu + shift + p.trust_spread * rng.standard_normal(len(feels_heard)))


def ring_order(group: np.ndarray, homophily: float, rng: np.random.Generator) -> np.ndarray:
    """Places on the ring: a share `homophily` of citizens sorted by group, the rest at random places.
    Returns the citizens in ring order (a permutation of 0..n-1)."""
    n = len(group)
    key = np.where(rng.random(n) < homophily, group.astype(float), rng.random(n) * (group.max() + 1))
    return np.lexsort((rng.random(n), key))


def small_world(order: np.ndarray, degree: int, rewire_prob: float, rng: np.random.Generator) -> sp.csr_matrix:
    """Watts-Strogatz network on the ring `order` as a row-stochastic CSR matrix: each citizen is tied to the
    degree//2 next citizens on the ring and each tie is rewired to a random citizen with probability
    `rewire_prob`. Ties are made symmetric, duplicates and self-ties dropped, rows normalised to sum 1."""
    n = len(order)
    half = max(1, degree // 2)
    idx = np.int32 if n < 2**31 - 1 else np.int64  # 32-bit indices halve the memory of a national network
    order = order.astype(idx, copy=False)
    pos = np.empty(n, dtype=idx)
    pos[order] = np.arange(n, dtype=idx)
    src = np.repeat(order, half)
    step = np.tile(np.arange(1, half + 1, dtype=np.int64), n)
    step += np.repeat(pos[order].astype(np.int64), half)
    step %= n
    dst = order[step]
    del step
    rewire = rng.random(src.size) < rewire_prob
    dst[rewire] = rng.integers(0, n, size=src.size)[rewire].astype(idx)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    rows = np.concatenate([src, dst])
    cols = np.concatenate([dst, src])
    del src, dst, keep, rewire
    adj = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    del rows, cols
    adj.data[:] = 1.0  # duplicate ties count once
    deg = np.diff(adj.indptr).astype(float)
    deg[deg == 0] = 1.0
    adj.data = np.repeat(1.0 / deg, np.diff(adj.indptr))  # row-normalised: W_ij = 1 / deg_i
    adj.sort_indices()
    return adj


def homophilous_network(group: np.ndarray, degree: int, rewire_prob: float, homophily: float,
                        rng: np.random.Generator) -> sp.csr_matrix:
    """Homophilous small-world network: `small_world` on `ring_order(group, homophily)`."""
    return small_world(ring_order(group, homophily, rng), degree, rewire_prob, rng)


def _codes(people: pd.DataFrame) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    codes, labels = {}, {}
    for f in FEATURES:
        c, lab = pd.factorize(people[f], sort=True)
        codes[f], labels[f] = c.astype(np.int32), np.asarray(lab, dtype=str)
    return codes, labels


def build_population(p: PopulationParams, rng: np.random.Generator) -> Population:
    """Draw a population of `p.size` citizens with the world random stream `rng`. Empty level-dependent shares
    (`baseline_trust`, `feels_heard_share`) take the local-government figures; `Scenario.population_params()`
    fills them for the scenario's institution level."""
    if p.baseline_trust is None or p.feels_heard_share is None:
        p = p.model_copy(update={"baseline_trust": p.baseline_trust or LEVEL_TRUST["local"],
                                 "feels_heard_share": p.feels_heard_share or LEVEL_HEARD["local"]})
    people = synthesize(p.size, rng).reset_index(drop=True)
    missing = [f for f in FEATURES if f not in people]
    if missing:
        raise ValueError(f"population table lacks columns {missing}")
    people = people.astype({f: str for f in FEATURES} | {"id": str})
    codes, labels = _codes(people)
    combo = np.zeros(len(people), dtype=np.int64)
    for f in FEATURES:
        combo = combo * (codes[f].max() + 1) + codes[f]
    # store citizens in ring order, so network neighbours sit close in memory (fast sparse products)
    order = ring_order(combo, p.homophily, rng)
    people = people.iloc[order].reset_index(drop=True)
    codes = {f: c[order] for f, c in codes.items()}  # same codes as factorising the reordered table
    combo = combo[order]
    del order
    prop = propensity(people)
    lp = np.log(prop)
    z = (lp - lp.mean()) / (lp.std() or 1.0)  # standardised log-propensity: + means more likely to volunteer
    n = len(people)
    heard = (rng.random(n) < p.feels_heard_share).astype(float)
    trust = initial_trust(heard, p.trust_propensity_link * z, p, rng)
    opinion = expit(-p.opinion_group_link * z + p.opinion_spread * rng.standard_normal(n))
    k = p.knowledge_dims
    kn = rng.beta(1.0, max(1e-3, (1 - p.knowledge_mean) / max(p.knowledge_mean, 1e-3)), size=(n, k))
    # lived experience: every category of every feature (young, foreign-born, low education, ...) knows one
    # dimension of the problem better; with K >= the number of categories each has its own, so a panel that
    # lacks a group lacks its knowledge (a more representative panel pools more)
    offset = 0
    for f in FEATURES:
        kn[np.arange(n), (offset + codes[f]) % k] += p.lived_experience
        offset += len(labels[f])
    kn = np.clip(kn, 0.0, 1.0).astype(np.float32)
    weights = small_world(np.arange(n), p.network_degree, p.rewire_prob, rng)
    _freeze(prop, trust, heard, opinion, kn, z, *codes.values())
    return Population(people, codes, labels, prop, trust, heard, opinion, kn, weights, z)


__all__ = ["Population", "build_population", "homophilous_network", "initial_trust", "ring_order", "small_world"]
