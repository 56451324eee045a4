"""Small model functions the sweep tests control (top-level, so process and Dask workers can import them)."""

import math
import time

import numpy as np

STRATEGIES = ("consult", "cocreate")


def toy(params: dict, strategy: str, seed: int) -> dict:
    """A noisy model with a known structure: cocreate gains `a` over consult when a > 0.5, loses otherwise.

    The noise depends on the seed only (common random numbers), so paired differences are exact.
    """
    rng = np.random.default_rng(seed)
    world = rng.normal()
    a, b = params.get("a", 0.5), params.get("b", 0.5)
    effect = (a - 0.5) if strategy == "cocreate" else 0.0
    return {"trust_change": world + effect + 0.1 * b, "support": math.tanh(world + a)}


def flaky(params: dict, strategy: str, seed: int) -> dict:
    """Like `toy`, but raises for one strategy on points with a > 0.8."""
    if strategy == "cocreate" and params["a"] > 0.8:
        raise RuntimeError(f"model blew up at a={params['a']:.3f}")
    return toy(params, strategy, seed)


def slow(params: dict, strategy: str, seed: int) -> dict:
    """`toy` that takes a little while (20 ms), so a sweep can be killed midway."""
    time.sleep(0.02)
    return toy(params, strategy, seed)


def ishigami(params: dict, strategy: str, seed: int) -> dict:
    """The Ishigami-Homma function (A=7, B=0.1) of x1, x2, x3 in [-pi, pi]; deterministic."""
    x1, x2, x3 = params["x1"], params["x2"], params["x3"]
    return {"y": math.sin(x1) + 7.0 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)}


def linear(params: dict, strategy: str, seed: int) -> dict:
    """y = 10 x1 + x2 (x3 unused) plus seed noise shared by every point: Morris must rank x1, x2, x3."""
    noise = np.random.default_rng(seed).normal(0, 0.01)
    return {"y": 10.0 * params["x1"] + params["x2"] + noise}


def decomposed(params: dict, strategy: str, seed: int) -> dict:
    """`toy` with its trust change split into components named "trust_change@<component>", as the engagement
    model's channel decomposition reports them: `world` (same for every strategy), `effect` (cocreate's gain)
    and `interaction` (zero)."""
    out = toy(params, strategy, seed)
    world = np.random.default_rng(seed).normal()
    out["trust_change@world"] = world + 0.1 * params.get("b", 0.5)
    out["trust_change@effect"] = out["trust_change"] - out["trust_change@world"]
    out["trust_change@interaction"] = 0.0
    return out
