"""Generated sortition pools with 8 quota categories and shared households, at any size (for the leximin benchmark).

A latent-class population (3 classes, each with its own distribution over every feature, so features are correlated
as in real pools), a volunteer pool with self-selection bias (more degrees, more older people, fewer of the hard to
reach), about ``household_share`` of the pool sharing an address with one or two others, and quotas from the
*population* shares: ``[floor(0.85 s k), ceil(1.15 s k)]`` seats for a value with population share s. Layout as in
``../shared/instances/syn_*``: people.csv (id, address1, postcode, the features) and categories.csv
(feature, value, min, max).

    python benchmarks/pools.py OUT_DIR --n 400 --k 40 [--seed 1]
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

FEATURES = {
    "gender": ["female", "male", "nonbinary_other"],
    "age": ["16-24", "25-34", "35-44", "45-54", "55-64", "65+"],
    "education": ["none", "secondary", "vocational", "degree_plus"],
    "region": ["north", "south", "east", "west", "central"],
    "ethnicity": ["group_a", "group_b", "group_c", "group_d"],
    "tenure": ["owner", "private_rent", "social_rent"],
    "employment": ["employed", "unemployed", "student", "retired"],
    "disability": ["no", "yes"],
}
BIAS = {"education": {"degree_plus": 2.0, "none": 0.6}, "age": {"16-24": 0.7, "55-64": 1.4, "65+": 1.3},
        "tenure": {"social_rent": 0.6}, "employment": {"unemployed": 0.7}}
"""Relative propensity to volunteer by value (1 where not listed)."""


def generate(n: int, k: int, seed: int = 1, household_share: float = 0.2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(people, categories) for a pool of ``n`` and panels of ``k``."""
    rng = np.random.default_rng(seed)
    classes = rng.dirichlet(np.ones(3) * 3)
    dist = {f: rng.dirichlet(np.ones(len(v)) * 1.5, size=3) for f, v in FEATURES.items()}
    dist["gender"][:, 2] = 0.01  # a small third gender value, as in real forms
    dist["gender"] /= dist["gender"].sum(axis=1, keepdims=True)
    big = n * 12
    latent = rng.choice(3, size=big, p=classes)
    pop = {f: np.array([rng.choice(len(FEATURES[f]), p=dist[f][c]) for c in latent]) for f in FEATURES}
    propensity = np.ones(big)
    for f, bias in BIAS.items():
        for value, factor in bias.items():
            propensity[pop[f] == FEATURES[f].index(value)] *= factor
    chosen = rng.choice(big, size=n, replace=False, p=propensity / propensity.sum())
    people = pd.DataFrame({f: np.array(FEATURES[f])[pop[f][chosen]] for f in FEATURES})
    address = np.arange(n)
    sharing = rng.choice(n, size=int(household_share * n), replace=False)
    for i in sharing[: len(sharing) // 2]:  # each joins the address of another (pairs and some triples)
        address[i] = address[rng.choice(sharing)]
    people.insert(0, "postcode", [f"PC{a:05d}" for a in address])
    people.insert(0, "address1", [f"{a} Example Street" for a in address])
    people.insert(0, "id", [f"p{i}" for i in range(n)])
    rows = []
    for f, values in FEATURES.items():
        share = np.bincount(pop[f], minlength=len(values)) / big
        for v, s in zip(values, share, strict=True):
            rows.append({"feature": f, "value": v, "min": int(np.floor(0.85 * s * k)), "max": int(np.ceil(1.15 * s * k))})
    return people, pd.DataFrame(rows)


def write(out: Path, n: int, k: int, seed: int = 1) -> Path:
    """Write people.csv and categories.csv into ``out`` (created); returns ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    people, categories = generate(n, k, seed)
    people.to_csv(out / "people.csv", index=False)
    categories.to_csv(out / "categories.csv", index=False)
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--k", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    print(write(a.out, a.n, a.k, a.seed))
