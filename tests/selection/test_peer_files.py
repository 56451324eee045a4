"""A planner's own files: the peers' example files load unchanged and select; other encodings are read and named;
binary or broken files are one clear line; outputs keep numbers and stop formulas.

The fixtures are rebuilt copies of what OpenDLP, the Sortition Foundation library and newDemocracy publish
(tests/fixtures/peers/README.md says where each comes from).
"""

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from cocreate.cli import app
from selection import InputError, build_problem, read_pool, read_quotas, read_table, select
from selection.inputs import numeric_column
from selection.outputs import csv_text, write_csv, write_xlsx
from selection.records import rows_text, spans

PEERS = Path(__file__).parents[1] / "fixtures" / "peers"
OPENDLP = (PEERS / "opendlp" / "Respondents_csv_example.csv", PEERS / "opendlp" / "Categories_csv_example.csv")
SF = (PEERS / "sortition_foundation" / "candidates.csv", PEERS / "sortition_foundation" / "features.csv")
ND = (PEERS / "newdemocracy" / "example-people-simple-with-households.csv",
      PEERS / "newdemocracy" / "example-categories-simple.csv")


def one_line(err: pytest.ExceptionInfo, *fragments: str) -> str:
    lines = err.value.lines()
    assert len(lines) == 1, lines
    for f in fragments:
        assert f in lines[0], lines[0]
    return lines[0]


def assert_fair_and_feasible(result, pool, quotas, k, household=None):
    problem = build_problem(pool, quotas, k)
    idx = [pool.ids.index(i) for i in result.panel]
    assert problem.is_feasible_panel(idx)
    assert result.probabilities.sum() == pytest.approx(k, abs=1e-6)
    assert result.metrics["min_probability"] >= 0


def test_opendlp_example_loads_unchanged_and_selects():
    pool, quotas = read_pool(OPENDLP[0]), read_quotas(OPENDLP[1])
    assert pool.id_column == "unique_id" and pool.ids[:3] == ("1", "2", "3") and pool.encoding == "utf-8"
    assert not pool.notes
    # the two note rows after the blank one have no category: skipped, and said once
    assert quotas.notes == ("Categories_csv_example.csv: rows 24-25 have no category name and were skipped",)
    assert len(quotas.quotas) == 21 and quotas.features == ("gender", "age_bucket", "ethnicity", "disability",
                                                            "colour_bucket")
    result = select(pool, quotas, 20)
    assert_fair_and_feasible(result, pool, quotas, 20)


def test_sortition_foundation_fixtures_load_unchanged_and_select():
    pool, quotas = read_pool(SF[0]), read_quotas(SF[1])
    assert pool.id_column == "nationbuilder_id" and pool.ids[0] == "p0"
    assert [(q.min_flex, q.max_flex) for q in quotas.quotas[:2]] == [(0, 12), (0, 12)]
    result = select(pool, quotas, 22)
    assert_fair_and_feasible(result, pool, quotas, 22)


def test_flex_minus_one_and_empty_flex_mean_unset():
    unset = read_quotas(PEERS / "sortition_foundation" / "features_flex_unset.csv")
    assert all(q.max_flex is None for q in unset.quotas)
    assert [q.min_flex for q in unset.quotas[:4]] == [0, None, 0, None]
    plain = read_quotas(SF[1])
    assert [(q.feature, q.value, q.min, q.max) for q in unset.quotas] == \
        [(q.feature, q.value, q.min, q.max) for q in plain.quotas]


def test_newdemocracy_example_with_households_loads_unchanged_and_selects():
    pool = read_pool(ND[0], household_columns=["primary_address1"])
    quotas = read_quotas(ND[1])
    assert pool.id_column == "id" and pool.ids[0] == "0"
    assert "Some college or Associate\u2019s degree" in [q.value for q in quotas.quotas]
    result = select(pool, quotas, 11)
    assert_fair_and_feasible(result, pool, quotas, 11)
    housemates = {"13", "14", "15"}  # primary_address1 = address14
    assert result.probabilities[list(housemates)].sum() <= 1 + 1e-6


def test_select_command_runs_on_the_opendlp_files_unchanged(tmp_path):
    before = OPENDLP[0].read_bytes()
    result = CliRunner().invoke(app, ["select", str(OPENDLP[0]), str(OPENDLP[1]), "--size", "20",
                                      "--out", str(tmp_path / "out"), "--seed", "peer files"])
    assert result.exit_code == 0, result.output
    panel = pd.read_csv(tmp_path / "out" / "panel.csv", dtype=str)
    assert len(panel) == 20 and set(panel["id"]) <= {str(i) for i in range(1, 101)}
    assert OPENDLP[0].read_bytes() == before


def test_windows_excel_csv_cp1252_and_latin1_are_read_and_named(tmp_path):
    text = ND[1].read_text(encoding="utf-8")
    (tmp_path / "cats.csv").write_bytes(text.encode("cp1252"))
    assert b"\x92" in (tmp_path / "cats.csv").read_bytes()  # the apostrophe, as Excel writes it
    quotas = read_quotas(tmp_path / "cats.csv")
    assert [q.value for q in quotas.quotas] == [q.value for q in read_quotas(ND[1]).quotas]
    assert any("cats.csv: read as Windows-1252 (cp1252)" in n for n in quotas.notes)
    (tmp_path / "pool.csv").write_bytes("id,naam,gemeente\n1,Zoë,Liège\n2,José,Bragança\n".encode("latin-1"))
    pool = read_pool(tmp_path / "pool.csv")
    assert pool.encoding == "cp1252" and list(pool.table["naam"]) == ["Zoë", "José"]
    assert list(pool.table["gemeente"]) == ["Liège", "Bragança"]
    assert "pool.csv: read as Windows-1252" in pool.notes[0]


def test_utf16_without_bom_is_detected(tmp_path):
    (tmp_path / "pool.csv").write_bytes("id,naam\n1,Zoë\n2,Anaïs\n".encode("utf-16-le"))
    pool = read_pool(tmp_path / "pool.csv")
    assert list(pool.table["naam"]) == ["Zoë", "Anaïs"] and pool.encoding.startswith("utf-16")


@pytest.mark.parametrize("data,fragment", [
    (b"id,sex\x00\x01\x02\x03" + bytes(range(256)) * 4, "binary data, not text"),
    (b"\xff\xfe" + bytes(range(256)) * 8, "starts like UTF-16 text but is not"),
    (b"\xff\xfe\x00", "starts like UTF-16 text but is not"),
    (b"PK\x03\x04" + bytes(64), "is a zip archive, not CSV text"),
    ("id,name\n1,Zoë\n".encode() + "2,Zoë\n".encode("cp1252"), "mixes UTF-8 with another encoding"),
    (b"id,name\n1,A\x81\x8d\x90nn\n", "not UTF-8 or Windows-1252 text"),
])
def test_binary_or_undecodable_files_are_one_line_naming_the_file(tmp_path, data, fragment):
    (tmp_path / "pool.csv").write_bytes(data)
    with pytest.raises(InputError) as err:
        read_table(tmp_path / "pool.csv")
    assert one_line(err, fragment).startswith("pool.csv")
    (tmp_path / "q.csv").write_text("feature,value,min,max\nsex,f,0,1\n")
    result = CliRunner().invoke(app, ["select", str(tmp_path / "pool.csv"), str(tmp_path / "q.csv"), "--size", "1",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "Traceback" not in result.output and fragment in result.output
    assert not (tmp_path / "out").exists()


def test_a_workbook_saved_with_a_csv_name_says_what_it_is(tmp_path):
    pd.DataFrame({"id": ["1"], "sex": ["f"]}).to_excel(tmp_path / "pool.csv", index=False, engine="openpyxl")
    with pytest.raises(InputError) as err:
        read_pool(tmp_path / "pool.csv")
    one_line(err, "pool.csv: is an XLSX workbook, not CSV text; rename it to .xlsx")


def test_a_folder_given_as_the_pool_says_so(tmp_path):
    with pytest.raises(InputError) as err:
        read_pool(tmp_path)
    one_line(err, "is a folder", "give the file")


def test_no_id_column_is_said_before_rows_are_numbered(tmp_path):
    (tmp_path / "pool.csv").write_text("sex,age\nf,young\n\nm,old\n")
    pool = read_pool(tmp_path / "pool.csv")
    assert pool.ids == ("1", "2") and pool.id_column is None
    assert pool.notes == ("pool.csv: no id column (none named unique_id, external_id, nationbuilder_id, id); people "
                          "are numbered by data row: 1 is row 2, 2 is row 4",)


@pytest.mark.parametrize("name", ["unique_id", "external_id", "nationbuilder_id", "ID"])
def test_each_usual_id_column_is_found(tmp_path, name):
    (tmp_path / "pool.csv").write_text(f"sex,{name}\nf,a7\nm,b9\n")
    pool = read_pool(tmp_path / "pool.csv")
    assert pool.id_column == name and pool.ids == ("a7", "b9") and not pool.notes


def test_blank_household_cells_are_counted_in_a_note(tmp_path):
    (tmp_path / "pool.csv").write_text("id,sex,street,zip\n1,f,Main 1,2000\n2,m,,\n3,f,Main 1,2000\n4,m,, \n"
                                       "5,f,Side 2,\n")
    pool = read_pool(tmp_path / "pool.csv", household_columns=["street", "zip"])
    assert pool.notes == ("pool.csv: 2 people have blank street, zip (rows 3, 5); each is taken as a household "
                          "of their own",)
    keys = pool.household_keys()
    assert keys[0] == keys[2] and keys[1] is None and keys[3] is None and keys[4] is not None


def test_a_feature_spelt_in_two_cases_is_one_feature_said_once(tmp_path):
    (tmp_path / "pool.csv").write_text("id,age\n" + "".join(f"{i},{'young' if i % 2 else 'old'}\n" for i in range(6)))
    (tmp_path / "q.csv").write_text("feature,value,min,max\nage,young,1,2\nAGE,old,1,2\n")
    quotas = read_quotas(tmp_path / "q.csv")
    assert quotas.features == ("age",)
    assert quotas.notes == ("q.csv: feature 'AGE' (row 3) is taken as 'age' (feature names match ignoring case "
                            "and spacing)",)
    problem = build_problem(read_pool(tmp_path / "pool.csv"), quotas, 3)
    assert list(problem.lo) == [1, 1] and list(problem.hi) == [2, 2]


def test_decimal_commas_are_one_grouped_line():
    values = ["0,15"] * 400
    with pytest.raises(InputError) as err:
        numeric_column("pool.csv", "dropout", values, range(2, 402), low=0, high=1)
    assert one_line(err) == ("pool.csv: rows 2-401, column 'dropout': uses decimal commas ('0,15'); use a point "
                             "('0.15')")
    assert list(numeric_column("p", "d", values[:2], [2, 3], decimal=",")) == [0.15, 0.15]
    mixed = ["0.1", "x", "", "1,5", "2", "0.3", "y"]
    with pytest.raises(InputError) as err:
        numeric_column("p.csv", "d", mixed, range(2, 9), low=0, high=1, fix="give a probability")
    assert err.value.lines() == ["p.csv: rows 3, 8, column 'd': 'x' is not a number; give a probability",
                                 "p.csv, row 4, column 'd': empty cell; give a probability",
                                 "p.csv, row 5, column 'd': uses decimal commas ('1,5'); use a point ('0.15')",
                                 "p.csv, row 6, column 'd': 2 is outside [0, 1]; give a probability"]


def test_row_spans_read_as_short_text():
    assert spans([9, 2, 3, 4, 4]) == "2-4, 9"
    assert rows_text([5]) == "row 5" and rows_text(range(2, 402)) == "rows 2-401"
    assert rows_text([2, 4, 6, 8, 10, 12, 14, 16]) == "rows 2, 4, 6, 8, 10, 12 and 2 more"


def test_xlsx_formula_without_saved_value_names_the_cell_and_the_fix(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "sex"])
    for i in range(2, 6):
        ws.append([f'=CONCAT("p", {i})', "f"])  # openpyxl saves formulas without their results
    wb.save(tmp_path / "pool.xlsx")
    with pytest.raises(InputError) as err:
        read_pool(tmp_path / "pool.xlsx")
    line = one_line(err, "pool.xlsx: rows 2-5, column 'id'", "formula with no saved value", "cells A2, A3, A4 ...",
                    "save it")
    assert "missing id" not in line


def test_xlsx_values_and_rows_as_a_spreadsheet_shows_them(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B2"], ws["C2"] = "id", "age"
    ws["B3"], ws["C3"] = 7, 31.0
    ws["B5"], ws["C5"] = "x8", 0.5
    wb.save(tmp_path / "pool.xlsx")
    df = read_table(tmp_path / "pool.xlsx")
    assert list(df.columns) == ["id", "age"] and list(df.index) == [3, 5]
    assert df.values.tolist() == [["7", "31"], ["x8", "0.5"]] and df.attrs["encoding"] == "xlsx"


def test_csv_formula_guard_keeps_numbers_and_stops_formulas(tmp_path):
    cells = ["-0.5", "+3", "1e5", "-1E-3", ".5", "=1+2", "-x", "+32 475 12 34 56", "@SUM(A1)", "\tx", "\rx", "naïve"]
    df = pd.DataFrame({"=cmd": cells, "n": np.arange(len(cells)) - 0.5})
    write_csv(tmp_path / "out.csv", df)
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the accents
    back = pd.read_csv(tmp_path / "out.csv", dtype=str, encoding="utf-8-sig")
    assert list(back.columns) == ["'=cmd", "n"]
    assert list(back["'=cmd"]) == ["-0.5", "+3", "1e5", "-1E-3", ".5", "'=1+2", "'-x", "'+32 475 12 34 56",
                                   "'@SUM(A1)", "'\tx", "'\rx", "naïve"]
    assert back["n"].iloc[0] == "-0.5"
    write_csv(tmp_path / "quotas.csv", pd.DataFrame({"feature": ["age"], "value": ["-18"]}), bom=False, guard=False)
    assert (tmp_path / "quotas.csv").read_bytes() == b"feature,value\r\nage,-18\r\n"
    assert csv_text(pd.DataFrame({"a": ["=x"]}), bom=False, guard=False) == "a\r\n=x\r\n"


def test_xlsx_workbook_keeps_text_as_text_and_numbers_as_numbers(tmp_path):
    selected = pd.DataFrame({"id": ["=HYPERLINK(\"http://x\")", "007"], "p": [0.25, 1.0], "k": [3, 4]})
    write_xlsx(tmp_path / "sel.xlsx", {"selected": selected, "reserves": selected.head(1)})
    assert [p.name for p in tmp_path.iterdir()] == ["sel.xlsx"]  # written atomically, no temporary left
    wb = openpyxl.load_workbook(tmp_path / "sel.xlsx")
    assert wb.sheetnames == ["selected", "reserves"]
    ws = wb["selected"]
    assert ws["A2"].value == "=HYPERLINK(\"http://x\")" and ws["A2"].data_type == "s" and ws["A2"].quotePrefix
    assert ws["A3"].value == "007" and not ws["A3"].quotePrefix
    assert ws["B2"].value == 0.25 and ws["C3"].value == 4
    with pytest.raises(ValueError):
        write_xlsx(tmp_path / "bad.xlsx", {"a/b": selected})
    assert not (tmp_path / "bad.xlsx").exists()
