"""`cocreate check`: the room on each quota value equals brute force, infeasible quotas come back with a fix that
works, exit statuses 0/1/2; project settings (cocreate.toml) and `cocreate init`."""

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cocreate.cli import app
from cocreate.settings import FILENAME, TEMPLATE, Settings, load_settings, merge
from selection import InputError, Pool, Quota, Quotas, read_pool, read_quotas
from selection.check import check, problem_for_check
from selection.engine.api import ALGORITHMS
from tests.selection.brute import feasible_panels

runner = CliRunner()
PEERS = Path(__file__).parents[1] / "fixtures" / "peers"
ROWS = [("f", "young", "a1"), ("f", "old", "a1"), ("f", "old", "a2"), ("m", "young", "a3"), ("m", "old", "a4"),
        ("m", "old", "a5"), ("m", "young", "a6"), ("f", "old", "a6"), ("x", "old", "a7"), ("m", "old", "a8")]
QUOTAS = [("sex", "f", 1, 3), ("sex", "m", 1, 3), ("sex", "x", 0, 1), ("age", "young", 1, 2), ("age", "old", 2, 3)]


def small(quotas=QUOTAS, household=("addr",)):
    pool = Pool.from_frame(pd.DataFrame([{"id": f"p{i}", "sex": s, "age": a, "addr": h}
                                         for i, (s, a, h) in enumerate(ROWS)]),
                           id_column="id", household_columns=list(household), source="pool.csv")
    return pool, Quotas.from_rows([Quota(*q) for q in quotas], source="quotas.csv")


def write(tmp_path, pool_text, quota_text):
    (tmp_path / "pool.csv").write_text(pool_text)
    (tmp_path / "q.csv").write_text(quota_text)
    return str(tmp_path / "pool.csv"), str(tmp_path / "q.csv")


POOL_CSV = "id,sex,age,addr\n" + "".join(f"p{i},{s},{a},{h}\n" for i, (s, a, h) in enumerate(ROWS))
QUOTA_CSV = "feature,value,min,max\n" + "".join(f"{f},{v},{lo},{hi}\n" for f, v, lo, hi in QUOTAS)


@pytest.mark.parametrize("household", [(), ("addr",)])
def test_room_per_value_equals_brute_force(household):
    pool, quotas = small(household=household)
    result = check(pool, quotas, 4)
    problem = problem_for_check(pool, quotas, 4)
    seats = np.array([problem.seats_of(np.array(p)) for p in feasible_panels(problem)])
    assert result.feasible and len(seats) > 0
    assert list(result.table["fewest"]) == list(seats.min(axis=0))
    assert list(result.table["most"]) == list(seats.max(axis=0))
    t = result.table
    assert (t["min"] <= t["fewest"]).all() and (t["fewest"] <= t["most"]).all() and (t["most"] <= t["max"]).all()
    assert (t["most"] <= t["pool_count"]).all()
    assert list(t["pool_count"]) == [4, 5, 1, 3, 7] and t["pool_share"].iloc[0] == pytest.approx(0.4)
    assert result.households == (2 if household else 0)


def test_infeasible_quotas_get_the_smallest_change_and_it_works():
    quotas = [("sex", "f", 1, 3), ("sex", "m", 1, 3), ("sex", "x", 2, 2), ("age", "young", 1, 2), ("age", "old", 0, 3)]
    pool, q = small(quotas)
    result = check(pool, q, 4)  # only one person has sex x: the pool cannot fill that minimum
    assert not result.feasible and (result.table["fewest"] == -1).all()
    assert result.table.set_index("value").loc["x", "pool_count"] == 1
    assert len(result.suggestions) == 1
    feature, value, _, _, new_min, new_max = result.suggestions[0]
    assert (feature, value, new_min) == ("sex", "x", 1)
    fixed = Quotas.from_rows([dataclasses.replace(r, min=new_min, max=new_max) if r.value == value else r
                              for r in q.quotas])
    assert check(pool, fixed, 4).feasible


def test_population_shares_from_margins():
    pool, quotas = small()
    margins = pd.DataFrame({"feature": ["Sex", "sex", "age"], "value": ["F", "m", "old"], "share": [0.5, 0.49, 0.7]})
    t = check(pool, quotas, 4, margins).table.set_index("value")
    assert t.loc["f", "population_share"] == 0.5 and t.loc["old", "population_share"] == 0.7
    assert np.isnan(t.loc["x", "population_share"])


def test_check_command_exit_statuses(tmp_path):
    pool, quotas = write(tmp_path, POOL_CSV, QUOTA_CSV)
    ok = runner.invoke(app, ["check", pool, quotas, "--size", "4", "--household", "addr"])
    assert ok.exit_code == 0, ok.output
    assert "feasible: panels of 4 meet every quota; 2 shared households" in ok.output
    assert "young" in ok.output and "30.0%" in ok.output  # age young: 3 of 10
    bad = runner.invoke(app, ["check", pool, quotas, "--size", "4", "--household", "street"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output and "household column not found" in bad.output
    (tmp_path / "q.csv").write_text(QUOTA_CSV.replace("sex,x,0,1", "sex,x,2,2"))
    no = runner.invoke(app, ["check", pool, quotas, "--size", "4"])
    assert no.exit_code == 1, no.output
    assert "infeasible: no panel of 4" in no.output and "sex=x [2,2] -> [1,2]" in no.output
    missing = runner.invoke(app, ["check", str(tmp_path / "nope.csv"), quotas, "--size", "4"])
    assert missing.exit_code == 2 and "file not found" in missing.output
    nosize = runner.invoke(app, ["check", pool, quotas])
    assert nosize.exit_code == 2 and "no panel size" in nosize.output


def test_check_command_with_margins_adds_population_shares(tmp_path):
    pool, quotas = write(tmp_path, POOL_CSV, QUOTA_CSV)
    (tmp_path / "m.csv").write_text("feature,value,share\nsex,f,0.51\nsex,m,0.48\nsex,x,0.01\n")
    result = runner.invoke(app, ["check", pool, quotas, "--size", "4", "--margins", str(tmp_path / "m.csv")])
    assert result.exit_code == 0, result.output
    assert "population" in result.output and "51.0%" in result.output
    (tmp_path / "m.csv").write_text("feature,value,share\nsex,f,lots\n")
    bad = runner.invoke(app, ["check", pool, quotas, "--size", "4", "--margins", str(tmp_path / "m.csv")])
    assert bad.exit_code == 2 and "m.csv" in bad.output and "Traceback" not in bad.output


def test_check_on_the_peers_files_is_quick_and_names_skipped_rows():
    result = runner.invoke(app, ["check", str(PEERS / "opendlp" / "Respondents_csv_example.csv"),
                                 str(PEERS / "opendlp" / "Categories_csv_example.csv"), "--size", "20"])
    assert result.exit_code == 0, result.output
    assert "note: Categories_csv_example.csv: rows 24-25 have no category name and were skipped" in result.output
    pool = read_pool(PEERS / "sortition_foundation" / "candidates.csv")
    done = check(pool, read_quotas(PEERS / "sortition_foundation" / "features.csv"), 22)
    assert done.feasible and done.seconds < 30


# --- project settings


def test_settings_next_to_the_pool_and_flags_over_them(tmp_path):
    (tmp_path / FILENAME).write_text('id_column = "unique_id"\nhousehold = "street, zip"\nsize = 30\n'
                                     'algorithm = "nash"\nlang = "nl"\n')
    (tmp_path / "pool.csv").write_text("unique_id\n1\n")
    s = load_settings(tmp_path / "pool.csv")
    assert s.source == tmp_path / FILENAME and s.household == ("street", "zip") and s.size == 30
    m = merge(s, size=12, household=None, keep_columns="email,phone", algorithm=None)
    assert (m.size, m.household, m.keep_columns, m.algorithm, m.lang) == (12, ("street", "zip"), ("email", "phone"),
                                                                          "nash", "nl")
    (tmp_path / "elsewhere").mkdir()
    assert load_settings(tmp_path / "elsewhere") == Settings()
    with pytest.raises(InputError) as err:
        merge(s, size=0)
    assert "size" in str(err.value)


@pytest.mark.parametrize("text,line", [
    ('size = 30\nhousheold = ["a"]\n', "cocreate.toml: line 2: unknown setting 'housheold'; did you mean 'household'?"),
    ('algorithm = "fastest"\n', "cocreate.toml: line 1: algorithm: 'fastest' is not one of "
                                 + ", ".join(repr(a) for a in ALGORITHMS[:-1]) + f" or {ALGORITHMS[-1]!r}; "
                                 "choose one of those"),
    ('size = 30\nid_column = unique_id\n', "cocreate.toml: line 2: not valid TOML"),
    ("size = -3\n", "cocreate.toml: line 1: size: -3 is less than 1; give a whole number of at least 1"),
])
def test_a_bad_settings_file_is_one_line_naming_the_line(tmp_path, text, line):
    (tmp_path / FILENAME).write_text(text)
    with pytest.raises(InputError) as err:
        load_settings(tmp_path)
    assert len(err.value.lines()) == 1 and err.value.lines()[0].startswith(line), err.value.lines()
    pool, quotas = write(tmp_path, POOL_CSV, QUOTA_CSV)
    result = runner.invoke(app, ["check", pool, quotas, "--size", "4"])
    assert result.exit_code == 2 and "Traceback" not in result.output and line in result.output


def test_init_writes_a_commented_file_that_documents_every_setting_and_never_overwrites(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / FILENAME
    assert path.read_text() == TEMPLATE and load_settings(tmp_path) == Settings(source=path)
    uncommented = "\n".join(line[2:] if line.startswith("# ") and " = " in line else line
                            for line in TEMPLATE.splitlines())
    path.write_text(uncommented)
    every = load_settings(tmp_path)
    assert set(every.given()) == {"id_column", "household", "keep_columns", "size", "algorithm", "lang"}
    again = runner.invoke(app, ["init", str(tmp_path)])
    assert again.exit_code == 2 and "already exists" in again.output and path.read_text() == uncommented
    assert runner.invoke(app, ["init", str(tmp_path / "nope")]).exit_code == 2


def test_check_takes_size_and_household_from_the_settings(tmp_path):
    pool, quotas = write(tmp_path, POOL_CSV, QUOTA_CSV)
    (tmp_path / FILENAME).write_text('size = 4\nhousehold = ["addr"]\n')
    result = runner.invoke(app, ["check", pool, quotas])
    assert result.exit_code == 0, result.output
    assert "settings from cocreate.toml: household addr, size 4" in result.output
    assert "2 shared households" in result.output
