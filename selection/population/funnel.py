"""The recruitment funnel: letters to households, interest, registration, the pool.

1. **Letters.** ``n_letters`` households are drawn without replacement with known inclusion probabilities: a share
   ``deprived_share`` of the letters goes to households in deprived areas only, the rest to all households
   (the Newham / Climate Assembly UK design, 80% / 20%). Systematic sampling from a random order gives every
   household exactly its inclusion probability ``pi_h = (1 - s) n / H + s n / H_deprived * [deprived]``.
2. **Interest.** Every adult of an invited household says yes independently with a logistic probability by group
   (``selection/data/response_model.csv``: every coefficient with its source or marked as an assumption).
3. **Registration.** Of the interested, a constant share completes registration (default 0.30, Buergerrat Klima).

The pool is the registered people. ``P(person in pool) = pi_h * interest * registration`` is a function of the
person's features (``area`` sets ``pi_h``), which the end-to-end method (``selection.population.correction``) relies on.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit

from selection.errors import InputError, Problem
from selection.population.synthesis import data_path


@dataclass(frozen=True)
class ResponseModel:
    """Log-odds of interest: ``intercept + sum(log_odds[(feature, value)])``; ``registration`` in [0, 1]."""

    intercept: float
    log_odds: dict[tuple[str, str], float] = field(default_factory=dict)
    registration: float = 1.0

    @classmethod
    def default(cls) -> "ResponseModel":
        """The shipped model (Antwerp 2014 skew; sources in ``response_model.csv``)."""
        table = pd.read_csv(data_path("response_model.csv"), comment="#", dtype={"value": str},
                            keep_default_na=False)
        special = table.set_index("feature")["log_odds"]
        terms = table[~table["feature"].isin(["intercept", "registration"])]
        return cls(float(special["intercept"]),
                   {(f, v): float(x) for f, v, x in zip(terms["feature"], terms["value"], terms["log_odds"], strict=True)},
                   float(special["registration"]))

    def uniform(self, probability: float) -> "ResponseModel":
        """Same registration, every group the same interest ``probability`` (for unbiasedness checks)."""
        return ResponseModel(float(np.log(probability / (1 - probability))), {}, self.registration)


def interest_propensity(people: pd.DataFrame, model: ResponseModel | None = None) -> np.ndarray:
    """Probability in (0, 1) that an invited person says yes, per row of ``people``."""
    model = model or ResponseModel.default()
    logit = np.full(len(people), model.intercept)
    for (feature, value), x in model.log_odds.items():
        if feature in people.columns and x != 0:
            logit += x * (people[feature].to_numpy() == value)
    return expit(logit)


def response_propensity(people: pd.DataFrame, model: ResponseModel | None = None) -> np.ndarray:
    """Probability in [0, 1] that a person who gets an invitation volunteers (interest x registration)."""
    model = model or ResponseModel.default()
    return interest_propensity(people, model) * model.registration


def invitation_probability(people: pd.DataFrame, n_letters: int, deprived_share: float = 0.0) -> np.ndarray:
    """Probability that the person's household gets one of ``n_letters`` letters (see module docstring)."""
    households = people["household_id"].to_numpy()
    ids, first = np.unique(households, return_index=True)
    deprived_h = _deprived(people, deprived_share)[first]
    pi_h = _household_probabilities(len(ids), deprived_h, n_letters, deprived_share)
    return pi_h[np.searchsorted(ids, households)]


def _deprived(people: pd.DataFrame, deprived_share: float) -> np.ndarray:
    if deprived_share == 0:
        return np.zeros(len(people), bool)
    if "area" not in people.columns:
        raise InputError(Problem("population", 1, "area", "deprived-area letters need an 'area' column",
                                 "add area=deprived/other or set the deprived share to 0"))
    return people["area"].to_numpy() == "deprived"


def _household_probabilities(n_households: int, deprived: np.ndarray, n_letters: int, s: float) -> np.ndarray:
    if not 0 <= s <= 1:
        raise InputError(Problem("funnel", 0, "deprived_share", f"deprived share {s} is outside [0, 1]",
                                 "give a fraction such as 0.2"))
    if not 0 < n_letters <= n_households:
        raise InputError(Problem("funnel", 0, "n_letters", f"{n_letters} letters for {n_households} households",
                                 "send at least 1 and at most one letter per household"))
    n_deprived = int(deprived.sum())
    pi = np.full(n_households, (1 - s) * n_letters / n_households)
    if s > 0:
        if n_deprived == 0:
            raise InputError(Problem("population", 0, "area", "no household is in a deprived area",
                                     "set the deprived share to 0"))
        pi[deprived] += s * n_letters / n_deprived
    if pi.max() > 1 + 1e-12:
        raise InputError(Problem("funnel", 0, "deprived_share", f"{s:.0%} of {n_letters} letters exceeds the "
                                 f"{n_deprived} deprived households", "lower the deprived share or the letters"))
    return np.minimum(pi, 1.0)


def invite(people: pd.DataFrame, n_letters: int, rng: np.random.Generator,
           deprived_share: float = 0.0) -> np.ndarray:
    """Boolean mask of invited people: ``n_letters`` households by systematic sampling in random order, so
    household h is invited with probability exactly ``pi_h`` and exactly ``n_letters`` households are drawn."""
    households = people["household_id"].to_numpy()
    ids, first, inverse = np.unique(households, return_index=True, return_inverse=True)
    pi = _household_probabilities(len(ids), _deprived(people, deprived_share)[first], n_letters, deprived_share)
    order = rng.permutation(len(ids))
    cumulative = np.cumsum(pi[order])
    points = rng.random() + np.arange(n_letters)
    chosen = order[np.searchsorted(cumulative, points, side="right").clip(max=len(ids) - 1)]
    invited_h = np.zeros(len(ids), bool)
    invited_h[chosen] = True
    return invited_h[inverse.ravel()]


def funnel_stages(people: pd.DataFrame, n_letters: int, rng: np.random.Generator, *, deprived_share: float = 0.0,
                  model: ResponseModel | None = None) -> pd.DataFrame:
    """Per person: boolean columns ``invited``, ``interested``, ``registered`` (each implies the one before),
    index aligned with ``people``. Interest and registration are drawn only for the invited."""
    model = model or ResponseModel.default()
    invited = invite(people, n_letters, rng, deprived_share)
    index = np.flatnonzero(invited)
    interested = np.zeros(len(people), bool)
    interested[index] = rng.random(index.size) < interest_propensity(people.iloc[index], model)
    registered = np.zeros(len(people), bool)
    index = np.flatnonzero(interested)
    registered[index] = rng.random(index.size) < model.registration
    return pd.DataFrame({"invited": invited, "interested": interested, "registered": registered}, index=people.index)


def funnel_table(people: pd.DataFrame, stages: pd.DataFrame, feature: str | None = None) -> pd.DataFrame:
    """Counts per stage (``population, invited, interested, registered``) and the registration rate among the
    invited, overall or per value of ``feature``."""
    keys = np.zeros(len(people), int) if feature is None else people[feature].to_numpy()
    table = pd.DataFrame({"population": 1, **{c: stages[c].astype(int) for c in stages.columns}})
    out = table.groupby(keys).sum()
    out["registered_per_invited"] = out["registered"] / out["invited"].where(out["invited"] > 0)
    return out.rename_axis(feature or "all").reset_index()


def recruit(people: pd.DataFrame, n_letters: int, rng: np.random.Generator, *, deprived_share: float = 0.0,
            model: ResponseModel | None = None, return_mask: bool = False) -> pd.DataFrame:
    """The pool: the rows of ``people`` who were invited, said yes and registered (a subset, original order).

    ``people`` needs ``household_id`` (and ``area`` if ``deprived_share > 0``). With ``return_mask=True`` also
    returns the boolean mask of invited people (for funnel reports; ``funnel_stages`` gives every stage).
    """
    stages = funnel_stages(people, n_letters, rng, deprived_share=deprived_share, model=model)
    pool = people[stages["registered"].to_numpy()]
    return (pool, stages["invited"].to_numpy()) if return_mask else pool


def open_call(people: pd.DataFrame, expected_size: float, rng: np.random.Generator,
              model: ResponseModel | None = None) -> pd.DataFrame:
    """Open self-selection (Antwerp's participatory budget): everyone hears of it, each person comes with
    probability proportional to their response propensity, scaled so ``expected_size`` people come on average."""
    q = response_propensity(people, model)
    p = np.minimum(1.0, q * expected_size / q.sum())
    return people[rng.random(len(people)) < p]
