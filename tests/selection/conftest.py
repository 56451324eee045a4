import pandas as pd
import pytest

from selection import Pool, Quota, Quotas


def make(rows: list[dict], quotas: list[tuple], household=None):
    pool = Pool.from_frame(pd.DataFrame(rows), id_column="id", household_columns=household, source="pool.csv")
    return pool, Quotas.from_rows([Quota(*q) for q in quotas], source="quotas.csv")


@pytest.fixture
def small():
    rows = [{"id": f"p{i}", "sex": s, "age": a, "addr": f"a{i}"} for i, (s, a) in enumerate(
        [("f", "young"), ("f", "old"), ("f", "old"), ("m", "young"), ("m", "old"), ("m", "old"), ("m", "old"),
         ("f", "old")])]
    quotas = [("sex", "f", 2, 2), ("sex", "m", 2, 2), ("age", "young", 1, 2), ("age", "old", 2, 3)]
    return make(rows, quotas)
