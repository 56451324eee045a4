"""Every validation error gives one line naming file, row, column and the fix; the CLI exits 2 without a traceback."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from cocreate.cli import app
from selection import InfeasibleQuotasError, InputError, Quota, Quotas, read_pool, read_quotas, select

runner = CliRunner()

POOL = "id,name,email,sex,age\np1,Ann,a@x.org,f,young\np2,Bob,b@x.org,m,old\np3,Cy,c@x.org,f,old\n" \
       "p4,Di,d@x.org,m,young\np5,Ed,e@x.org,m,old\np6,Flo,f@x.org,f,young\n"
QUOTAS = "feature,value,min,max\nsex,f,1,2\nsex,m,1,2\nage,young,1,2\nage,old,1,2\n"


def run(tmp_path, pool=POOL, quotas=QUOTAS, size="3", extra=(), pool_name="pool.csv", encoding="utf-8"):
    p, q = tmp_path / pool_name, tmp_path / "quotas.csv"
    if isinstance(pool, bytes):
        p.write_bytes(pool)
    else:
        p.write_text(pool, encoding=encoding)
    q.write_text(quotas)
    return runner.invoke(app, ["select", str(p), str(q), "--size", size, "--out", str(tmp_path / "out"), *extra])


def assert_error(result, *fragments):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for f in fragments:
        assert f in result.output, result.output


@pytest.mark.parametrize("pool,quotas,size,fragments", [
    (POOL.replace("p2,Bob", ",Bob"), QUOTAS, "3", ["pool.csv, row 3, column 'id'", "missing id"]),
    (POOL.replace("p2,Bob", "p1,Bob"), QUOTAS, "3", ["row 3, column 'id'", "duplicate id 'p1' (also row 2)"]),
    (POOL.replace(",age\n", ",agegroup\n"), QUOTAS, "3", ["quotas.csv, row 4, column 'feature'", "'age' is not a column"]),
    (POOL.replace("p3,Cy,c@x.org,f,old", "p3,Cy,c@x.org,x,old"), QUOTAS, "3",
     ["pool.csv, row 4, column 'sex'", "value 'x' has no quota", "add a quota row"]),
    (POOL, QUOTAS + "sex,other,1,1\n", "3", ["quotas.csv, row 6, column 'min'", "sex=other needs at least 1"]),
    (POOL, QUOTAS.replace("sex,f,1,2", "sex,f,one,2"), "3", ["row 2, column 'min'", "'one' is not a whole number"]),
    (POOL, QUOTAS.replace("sex,f,1,2", "sex,f,-1,2"), "3", ["row 2, column 'min'", "negative quota"]),
    (POOL, QUOTAS.replace("sex,f,1,2", "sex,f,2,1"), "3", ["row 2, column 'min'", "min 2 is larger than max 1"]),
    (POOL, QUOTAS.replace("sex,f,1,2", "sex,f,3,3"), "3", ["mins of 'sex' add up to 4, more than the panel size 3"]),
    (POOL, QUOTAS, "5", ["maxes of 'sex' add up to 4, fewer than the panel size 5"]),
    (POOL, QUOTAS, "9", ["panel size 9 is larger than the pool (6 people)"]),
    ("", QUOTAS, "3", ["pool.csv", "the file is empty"]),
    (POOL, "", "3", ["quotas.csv", "the file is empty"]),
    (POOL.encode("utf-8").replace(b"Ann", b"A\x81\x8d\x90nn"), QUOTAS, "3", ["pool.csv", "not UTF-8"]),
])
def test_each_validation_error_is_one_clear_line(tmp_path, pool, quotas, size, fragments):
    assert_error(run(tmp_path, pool, quotas, size), *fragments)


CONFLICT = "feature,value,min,max\nsex,f,0,4\nsex,m,3,4\nage,young,3,4\nage,old,0,4\n"  # 1 young man only


def test_infeasible_quotas_name_the_conflict_and_the_smallest_fix(tmp_path):
    result = run(tmp_path, POOL, CONFLICT, "4")
    assert_error(result, "no panel of 4 meets these quotas", "Smallest change that works")
    assert "sex=m [3,4] -> [2,4]" in result.output or "age=young [3,4] -> [2,4]" in result.output


def test_infeasible_api_suggestion_is_minimal_and_works(tmp_path):
    from selection import Quota, Quotas, read_pool, read_quotas
    (tmp_path / "p.csv").write_text(POOL)
    (tmp_path / "q.csv").write_text(CONFLICT)
    pool, quotas = read_pool(tmp_path / "p.csv"), read_quotas(tmp_path / "q.csv")
    with pytest.raises(InfeasibleQuotasError) as err:
        select(pool, quotas, 4)
    assert len(err.value.suggestions) == 1  # one seat moved on one quota is the smallest relaxation
    feature, value, _, _, new_min, new_max = err.value.suggestions[0]
    fixed = Quotas.from_rows([Quota(q.feature, q.value, new_min, new_max) if (q.feature, q.value) == (feature, value)
                              else q for q in quotas.quotas])
    assert select(pool, fixed, 4).metrics["min_probability"] >= 0


@pytest.mark.parametrize("layout", [
    "feature,value,min,max,min_flex,max_flex\nsex,f,1,2,0,3\nsex,m,1,2,0,3\nage,young,1,2,0,3\nage,old,1,2,0,3\n",
    "category,name,min,max\nsex,f,1,2\nsex,m,1,2\nage,young,1,2\nage,old,1,2\n",
    "category,feature,min,max\nsex,f,1,2\nsex,m,1,2\nage,young,1,2\nage,old,1,2\n",
    "category,name,suggest min,suggest max,Current #,min,max\nsex,F,,,,1,2\nsex,M,,,,1,2\nage,Young,,,,1,2\n"
    "age,Old,,,,1,2\n",
])
def test_all_quota_layouts_load_unchanged(tmp_path, layout):
    result = run(tmp_path, quotas=layout)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_any_delimiter_and_bom(tmp_path, sep):
    pool = "\ufeff" + POOL.replace(",", sep)
    result = run(tmp_path, pool=pool)
    assert result.exit_code == 0, result.output


def test_xlsx_pool_and_row_number_ids(tmp_path):
    df = pd.read_csv(pd.io.common.StringIO(POOL)).drop(columns=["id"])
    df.to_excel(tmp_path / "pool.xlsx", index=False)
    (tmp_path / "quotas.csv").write_text(QUOTAS)
    result = runner.invoke(app, ["select", str(tmp_path / "pool.xlsx"), str(tmp_path / "quotas.csv"), "--size", "3",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    probs = pd.read_csv(tmp_path / "out" / "probabilities.csv", dtype=str)
    assert list(probs["id"]) == ["1", "2", "3", "4", "5", "6"]


@pytest.mark.parametrize("blank", ["\n", ",,,\n", "  \n", "\n\n"])
def test_rows_after_a_blank_line_are_named_as_a_spreadsheet_shows_them(tmp_path, blank):
    """A blank line above a bad value must not shift the row named in the error (pool and quota file)."""
    from selection import build_problem

    extra = blank.count("\n")
    (tmp_path / "pool.csv").write_text("id,sex,age\n1,f,young\n" + blank.replace(",,,", ",,") + "2,f,old\n3,x,young\n")
    (tmp_path / "q.csv").write_text("feature,value,min,max\nsex,f,0,2\n" + blank +
                                    "sex,m,0,two\nage,young,0,2\nage,old,0,2\n")
    with pytest.raises(InputError) as err:
        read_quotas(tmp_path / "q.csv")
    assert [p.row for p in err.value.problems] == [3 + extra]
    assert f"row {3 + extra}, column 'max'" in str(err.value)
    (tmp_path / "q.csv").write_text("feature,value,min,max\nsex,f,0,2\n" + blank + "sex,m,0,2\nage,young,0,2\n"
                                    "age,old,0,2\n")
    with pytest.raises(InputError) as err:
        build_problem(read_pool(tmp_path / "pool.csv"), read_quotas(tmp_path / "q.csv"), 2)
    assert [(p.row, p.column) for p in err.value.problems] == [(4 + extra, "sex")]


def test_rows_after_a_blank_row_in_a_workbook(tmp_path):
    import openpyxl

    from selection import build_problem

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["id", "sex"], ["1", "f"], [None, None], ["2", "x"]):
        ws.append(row)
    wb.save(tmp_path / "pool.xlsx")
    quotas = Quotas.from_rows([Quota("sex", "f", 0, 2), Quota("sex", "m", 0, 2)])
    with pytest.raises(InputError) as err:
        build_problem(read_pool(tmp_path / "pool.xlsx"), quotas, 1)
    assert [p.row for p in err.value.problems] == [4]


def test_margins_rows_after_blank_and_comment_lines(tmp_path):
    from selection.population.margins import read_margins

    (tmp_path / "m.csv").write_text("# source line\nfeature,value,share\nsex,m,0.5\n\n# note\n,,\nsex,f,abc\n")
    with pytest.raises(InputError) as err:
        read_margins(tmp_path / "m.csv")
    assert [p.row for p in err.value.problems] == [7]
