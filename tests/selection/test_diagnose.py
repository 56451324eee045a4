"""Warnings that matter: zero probabilities with their reason, pools far below the fair share, unreachable quotas."""

import numpy as np
import pandas as pd

from selection import Pool, Quota, Quotas, build_problem, select
from selection.engine.diagnose import warnings


def problem(rows, quotas, k, household=None):
    pool = Pool.from_frame(pd.DataFrame(rows), id_column="id", household_columns=household, source="pool.csv")
    return pool, Quotas.from_rows([Quota(*q) for q in quotas]), k


def test_housemates_with_no_chance_are_named_with_the_reason():
    # two people share a household and only they are "old"; a min of 2 old would need both: max 1 seat for them
    rows = [{"id": f"p{i}", "age": "old" if i < 2 else "young", "addr": "same" if i < 2 else f"a{i}"}
            for i in range(6)]
    pool, quotas, k = problem(rows, [("age", "old", 0, 1), ("age", "young", 1, 3)], 3, household=["addr"])
    result = select(pool, quotas, k)
    found = warnings(result.distribution.problem, result.probabilities.to_numpy(), "leximin")
    assert not any("probability 0" in w for w in found)  # each housemate still has a chance
    rows.append({"id": "p9", "age": "odd", "addr": "b"})
    pool, quotas, k = problem(rows, [("age", "old", 0, 1), ("age", "young", 1, 3), ("age", "odd", 0, 0)], 3,
                              household=["addr"])
    result = select(pool, quotas, k)
    found = warnings(result.distribution.problem, result.probabilities.to_numpy(), "leximin")
    zero = [w for w in found if "probability 0" in w]
    assert len(zero) == 1 and "p9" in zero[0] and "no panel that meets the quotas can hold" in zero[0]


def test_far_below_the_fair_share_and_unreachable_quotas():
    rows = [{"id": f"p{i}", "sex": "f" if i < 3 else "m"} for i in range(20)]
    pool, quotas, k = problem(rows, [("sex", "f", 3, 5), ("sex", "m", 0, 10)], 6)
    prob = build_problem(pool, quotas, k)
    p = np.full(20, 6 / 20)
    p[:10] = 0.01  # half the pool far below k/n
    found = warnings(prob, p, "legacy")
    assert any("50% of the pool have less than half the fair share" in w for w in found)
    assert any("sex=f: max 5 but the pool has only 3" in w for w in found)
    assert any("sex=f: min 3 equals the 3" in w for w in found) is False  # max is reported first for that row
    fair = warnings(prob, np.full(20, 6 / 20), "leximin")
    assert not any("fair share" in w for w in fair)
