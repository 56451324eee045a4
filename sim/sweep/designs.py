"""Experimental designs for sweeps: parameter specs, full factorial, Latin hypercube and Sobol samples, and the
run plan that crosses design points with strategies and replications.

A *design point* is one assignment of values to the swept parameters. A *run* is one (point, replication,
strategy) triple; its seed depends on the replication only, so within a replication every strategy (and every
design point) faces the same world: common random numbers. The model derives its own separate
`numpy.random.SeedSequence` streams (world, mechanism) from that seed.

Sobol samples come from SALib (Saltelli 2002 / Jansen 1999 estimators need the sample in SALib's order, so the
point index is kept); Latin hypercube samples from `scipy.stats.qmc.LatinHypercube`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.sample import morris as salib_morris
from SALib.sample import sobol as salib_sobol
from scipy.stats import qmc

DESIGNS = ("factorial", "lhs", "sobol", "morris")

#: Grid levels of a Morris design (Morris 1991; Campolongo et al. 2007).
MORRIS_LEVELS = 4

#: Columns of a run plan that are not parameters.
PLAN_COLUMNS = ("run_id", "point", "replication", "seed", "strategy")


@dataclass(frozen=True)
class Param:
    """One swept parameter: a continuous range [low, high], an integer range, or a list of levels.

    `name` is the name the model receives the value under (for the engagement model a dotted scenario path,
    e.g. ``"trust.backfire"``). Integer ranges include both ends.
    Levels (numbers or strings) are only usable in a factorial design.
    """

    name: str
    low: float | None = None
    high: float | None = None
    integer: bool = False
    levels: tuple | None = None

    def __post_init__(self):
        if self.levels is None:
            if self.low is None or self.high is None:
                raise ValueError(f"parameter {self.name!r}: give a range low:high or a list of levels")
            if not self.low < self.high:
                raise ValueError(f"parameter {self.name!r}: low ({self.low}) must be below high ({self.high})")
        elif len(self.levels) == 0:
            raise ValueError(f"parameter {self.name!r}: the list of levels is empty")

    @classmethod
    def parse(cls, text: str) -> Param:
        """Parse ``name=LOW:HIGH`` (a real range), ``name=LOW:HIGH:int`` (integers) or ``name=a,b,c`` (levels).

        >>> Param.parse("trust.backfire=0.1:0.9").high
        0.9
        """
        name, sep, spec = text.partition("=")
        name, spec = name.strip(), spec.strip()
        if not sep or not name or not spec:
            raise ValueError(f"parameter {text!r}: write name=LOW:HIGH or name=a,b,c")
        if ":" in spec:
            parts = [v.strip() for v in spec.split(":")]
            integer = len(parts) == 3 and parts[2] == "int"
            if len(parts) != 2 and not integer:
                raise ValueError(f"parameter {text!r}: write name=LOW:HIGH, or name=LOW:HIGH:int for integers")
            try:
                low, high = float(parts[0]), float(parts[1])
            except ValueError:
                raise ValueError(f"parameter {text!r}: LOW and HIGH must be numbers") from None
            if integer and not (low.is_integer() and high.is_integer()):
                raise ValueError(f"parameter {text!r}: an integer range needs whole LOW and HIGH")
            return cls(name, low, high, integer=integer)
        return cls(name, levels=tuple(_number_or_text(v.strip()) for v in spec.split(",")))

    @classmethod
    def from_mapping(cls, name: str, spec) -> Param:
        """Build from a YAML value: ``[low, high]`` (real), ``{low:, high:, integer:}`` or ``{levels: [...]}``."""
        if isinstance(spec, dict):
            if "levels" in spec:
                return cls(name, levels=tuple(spec["levels"]))
            return cls(name, float(spec["low"]), float(spec["high"]), integer=bool(spec.get("integer", False)))
        if isinstance(spec, list | tuple) and len(spec) == 2 and all(isinstance(v, int | float) for v in spec):
            return cls(name, float(spec[0]), float(spec[1]))
        raise ValueError(f"parameter {name!r}: give [low, high], {{low, high}} or {{levels: [...]}}")

    def scale(self, unit: np.ndarray) -> np.ndarray:
        """Map numbers in [0, 1) onto this range (integers: equal-width bins over low..high inclusive)."""
        if self.levels is not None:
            raise ValueError(f"parameter {self.name!r} has levels; only a factorial design can use it")
        if self.integer:
            span = int(self.high) - int(self.low) + 1
            return int(self.low) + np.minimum(np.floor(unit * span), span - 1).astype(int)
        return self.low + unit * (self.high - self.low)

    def grid(self, n: int) -> list:
        """Levels for a factorial design: the given levels, or `n` evenly spaced values over the range."""
        if self.levels is not None:
            return list(self.levels)
        if self.integer:
            return sorted({int(round(v)) for v in np.linspace(self.low, self.high, n)})
        return [float(v) for v in np.linspace(self.low, self.high, n)]

    def to_json(self) -> dict:
        if self.levels is not None:
            return {"name": self.name, "levels": list(self.levels)}
        return {"name": self.name, "low": self.low, "high": self.high, "integer": self.integer}


def _number_or_text(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def salib_problem(params: list[Param]) -> dict:
    """The SALib problem dict for `params` (all ranges; unit bounds because `Param.scale` does the mapping)."""
    return {"num_vars": len(params), "names": [p.name for p in params], "bounds": [[0.0, 1.0]] * len(params)}


def design_points(kind: str, params: list[Param], samples: int, seed: int) -> pd.DataFrame:
    """The design points, one row per point, one column per parameter (in the order given).

    - ``factorial``: every combination of `samples` evenly spaced values per range (or the given levels);
    - ``lhs``: `samples` points of a Latin hypercube (each parameter's range cut into `samples` equal strata,
      one point per stratum), scrambled with `seed`;
    - ``sobol``: SALib's Sobol' sample with base size `samples` (a power of 2): samples * (D + 2) points in the
      order `SALib.analyze.sobol` expects (first-order and total indices, no second order);
    - ``morris``: `samples` Morris trajectories of D + 1 points each on a `MORRIS_LEVELS`-level grid, in the order
      `SALib.analyze.morris` expects (elementary effects: screening, Morris 1991).

    With no parameters, factorial and lhs give one point (replications x strategies only).
    """
    if kind not in DESIGNS:
        raise ValueError(f"unknown design {kind!r}; choose one of {', '.join(DESIGNS)}")
    if samples < 1:
        raise ValueError(f"samples must be at least 1 (got {samples})")
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise ValueError(f"parameters must be distinct (got {', '.join(names)})")
    if not params:
        if kind in ("sobol", "morris"):
            raise ValueError(f"a {kind} design needs at least one parameter with a range")
        return pd.DataFrame(index=range(1))
    if kind == "factorial":
        rows = list(itertools.product(*(p.grid(samples) for p in params)))
        return pd.DataFrame(rows, columns=names)
    if kind == "lhs":
        unit = qmc.LatinHypercube(d=len(params), rng=np.random.default_rng(seed)).random(samples)
    elif kind == "morris":
        unit = morris_unit_sample(params, samples, seed)
    else:
        if samples & (samples - 1):
            raise ValueError(f"a Sobol design needs samples to be a power of 2 (got {samples}); try 64, 128, 256")
        unit = salib_sobol.sample(salib_problem(params), samples, calc_second_order=False, seed=seed)
    return pd.DataFrame({p.name: p.scale(unit[:, j]) for j, p in enumerate(params)})


def morris_unit_sample(params: list[Param], trajectories: int, seed: int) -> np.ndarray:
    """SALib's Morris sample on the unit cube: trajectories * (D + 1) rows."""
    if any(p.levels is not None for p in params):
        raise ValueError("a Morris design needs ranges, not levels")
    return salib_morris.sample(salib_problem(params), trajectories, num_levels=MORRIS_LEVELS, seed=seed)


def replication_seeds(base_seed: int, replications: int) -> list[int]:
    """One seed per replication (ints in [0, 2**32)), spawned from `base_seed` by `numpy.random.SeedSequence`.

    Independent of the design and the strategies, so adding strategies or points never changes the world a
    replication sees.
    """
    children = np.random.SeedSequence(base_seed).spawn(replications)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def plan_runs(points: pd.DataFrame, strategies: list[str], replications: int, base_seed: int) -> pd.DataFrame:
    """Every run of the sweep: one row per (replication, point, strategy), numbered by `run_id` in that order.

    Replication-major order means an interrupted sweep has complete replications of every point first.
    Invariants: `run_id` is 0..n-1; rows sharing a replication share a seed.
    """
    if not strategies:
        raise ValueError("a sweep needs at least one strategy")
    if len(set(strategies)) != len(strategies):
        raise ValueError(f"strategies must be distinct (got {', '.join(strategies)})")
    if replications < 1:
        raise ValueError(f"replications (seeds) must be at least 1 (got {replications})")
    seeds = replication_seeds(base_seed, replications)
    n_points, n_strat = len(points), len(strategies)
    rep = np.repeat(np.arange(replications), n_points * n_strat)
    point = np.tile(np.repeat(np.arange(n_points), n_strat), replications)
    plan = pd.DataFrame(
        {
            "run_id": np.arange(len(rep)),
            "point": point,
            "replication": rep,
            "seed": np.asarray(seeds, dtype=np.int64)[rep],
            "strategy": np.tile(np.asarray(strategies, dtype=object), replications * n_points),
        }
    )
    params = points.iloc[point].reset_index(drop=True)
    return pd.concat([plan, params], axis=1)
