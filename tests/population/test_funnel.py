import numpy as np
import pandas as pd
import pytest
from scipy.stats import chisquare

from selection.errors import InputError
from selection.population.funnel import (
    ResponseModel,
    funnel_stages,
    funnel_table,
    invitation_probability,
    invite,
    open_call,
    recruit,
    response_propensity,
)
from selection.population.synthesis import data_path, synthesize_population

FEATURES = ["sex", "age_band", "origin", "education", "household_size", "area"]


def _chi2_pvalues(pool: pd.DataFrame, population: pd.DataFrame) -> dict[str, float]:
    out = {}
    for f in FEATURES:
        shares = population[f].value_counts(normalize=True)
        observed = pool[f].value_counts().reindex(shares.index).fillna(0)
        out[f] = chisquare(observed, shares * observed.sum()).pvalue
    return out


@pytest.fixture(scope="module")
def single_households():
    """20,000 Antwerp adults, each in their own household (so invitations are independent draws)."""
    people = synthesize_population(20_000, np.random.default_rng(3))
    return people.assign(household_id=np.arange(len(people)))


def test_equal_propensities_give_an_unbiased_pool(single_households):
    """Chi-square goodness of fit of the pool against the population on every feature, alpha = 0.01 / 6.

    Power, checked in the next test: the same test, same pool size (~1,000), rejects a pool in which the
    highly educated respond 1.5 times as often (log-odds +0.5) in at least 9 of 10 seeds.
    """
    people = single_households
    flat = ResponseModel(intercept=np.log(0.1 / 0.9), registration=1.0)
    assert np.allclose(response_propensity(people, flat), 0.1)
    pool = recruit(people, 10_000, np.random.default_rng(2024), model=flat)
    assert 850 < len(pool) < 1150
    pvalues = _chi2_pvalues(pool, people)
    assert min(pvalues.values()) > 0.01 / len(FEATURES), pvalues


def test_the_unbiasedness_test_has_power(single_households):
    people = single_households
    skewed = ResponseModel(np.log(0.1 / 0.9), {("education", "high"): 0.5}, registration=1.0)
    rejected = 0
    for seed in range(10):
        pool = recruit(people, 10_000, np.random.default_rng(seed), model=skewed)
        rejected += min(_chi2_pvalues(pool, people).values()) < 0.01 / len(FEATURES)
    assert rejected >= 9


def test_invitations_have_the_stated_inclusion_probability():
    people = synthesize_population(3_000, np.random.default_rng(5))
    letters, share = 400, 0.3
    pi = invitation_probability(people, letters, share)
    households = people.drop_duplicates("household_id")
    pi_h = pd.Series(pi, index=people["household_id"]).groupby(level=0).first()
    assert np.isclose(pi_h.sum(), letters)  # expected letters = letters sent
    deprived = households.set_index("household_id")["area"].eq("deprived").reindex(pi_h.index)
    assert np.isclose(pi_h[deprived].sum(), letters * share + letters * (1 - share) * deprived.mean())
    hits = np.zeros(len(people))
    runs = 400
    rng = np.random.default_rng(11)
    for _ in range(runs):
        mask = invite(people, letters, rng, share)
        assert people.loc[mask, "household_id"].nunique() == letters  # exactly n letters, whole households
        hits += mask
    # per area, the empirical rate matches pi within 4 standard errors
    for area in ("deprived", "other"):
        sel = people["area"].eq(area).to_numpy()
        p = pi[sel].mean()
        se = np.sqrt(p * (1 - p) / (runs * sel.sum())) * 3  # x3: households of up to 2 people, runs correlated
        assert abs(hits[sel].mean() / runs - p) < 4 * se


def test_default_model_reproduces_the_documented_skew(antwerp_small):
    people = antwerp_small
    q = response_propensity(people)
    assert 0.01 < q.mean() < 0.13  # letters get 1-13% positive answers
    weight = pd.Series(q / q.sum())
    pool_share = {f: weight.groupby(people[f].to_numpy()).sum() for f in ("education", "age_band", "origin", "sex")}
    pop_share = {f: people[f].value_counts(normalize=True) for f in pool_share}
    assert 0.72 < pool_share["education"]["high"] < 0.88  # Antwerp 2014: ~8 in 10 highly educated
    assert pool_share["age_band"]["18-24"] < 0.5 * pop_share["age_band"]["18-24"]  # under-25s strongly under
    assert pool_share["origin"]["foreign"] < 0.8 * pop_share["origin"]["foreign"]
    assert abs(pool_share["sex"]["female"] - pop_share["sex"]["female"]) < 0.02  # good mix of men and women


def test_every_coefficient_has_a_source():
    table = pd.read_csv(data_path("response_model.csv"), comment="#", keep_default_na=False)
    assert table["source"].str.strip().ne("").all()
    assert 0 < ResponseModel.default().registration <= 1


def test_open_call_size_and_bad_funnel_input(antwerp_small):
    people = antwerp_small
    sizes = [len(open_call(people, 300, np.random.default_rng(s))) for s in range(5)]
    assert 250 < np.mean(sizes) < 350
    with pytest.raises(InputError, match="letters"):
        recruit(people, 10**7, np.random.default_rng(0))
    with pytest.raises(InputError, match="deprived"):
        recruit(people, 1000, np.random.default_rng(0), deprived_share=1.5)
    with pytest.raises(InputError, match="area"):
        recruit(people.drop(columns="area"), 100, np.random.default_rng(0), deprived_share=0.2)


def test_funnel_stages_nest_and_the_second_drop_off_has_the_stated_rate(antwerp_small):
    people = antwerp_small
    model = ResponseModel.default()
    stages = funnel_stages(people, 1_500, np.random.default_rng(8), deprived_share=0.2, model=model)
    assert (stages["interested"] <= stages["invited"]).all() and (stages["registered"] <= stages["interested"]).all()
    n_interested = stages["interested"].sum()
    rate = stages["registered"].sum() / n_interested
    assert abs(rate - model.registration) < 4 * np.sqrt(model.registration * (1 - model.registration) / n_interested)
    table = funnel_table(people, stages, "education")
    assert table["population"].sum() == len(people) and table["registered"].sum() == stages["registered"].sum()
    rates = table.set_index("education")["registered_per_invited"]
    assert rates["high"] > rates["medium"] > rates["low"]
