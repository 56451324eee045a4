"""Reading pools and quota files (CSV in any common delimiter, UTF-8 with or without BOM, UTF-16; or XLSX).

Quota layouts read unchanged:
- ``feature,value,min,max[,min_flex,max_flex]`` (Sortition Foundation, OpenDLP);
- ``category,name,min,max`` (newDemocracy; OpenDLP's extra columns are ignored);
- ``category,feature,min,max`` (Flanigan et al. replication data).
"""

import csv
import io
import os
import re
from pathlib import Path

import pandas as pd

from selection.errors import InputError, Problem
from selection.records import Pool, Quota, Quotas

DELIMITERS = ",;\t|"


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(Problem(path.name, 0, "", "the file is empty", "export the sheet again with its header row"))
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(Problem(path.name, line, "", f"not UTF-8 text (byte 0x{raw[err.start]:02x})",
                                 "save it as 'CSV UTF-8' (or XLSX) and try again")) from None


def _blank_rows(df: pd.DataFrame) -> pd.Series:
    return (df.astype(str).apply(lambda s: s.str.strip()) == "").all(axis=1)


def read_table(path: str | os.PathLike, comment: str | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX file as text cells (no type guessing; blanks are empty strings).

    The index holds each row's number as a spreadsheet shows it (the header is row 1), so blank rows and, with
    ``comment``, lines starting with that character are dropped without shifting the rows after them.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(Problem(str(path), 0, "", "file not found", "check the path"))
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        try:
            df = pd.read_excel(path, dtype=object, keep_default_na=False)
        except Exception as err:  # openpyxl raises many kinds for a damaged workbook
            raise InputError(Problem(path.name, 0, "", f"cannot read the workbook ({type(err).__name__})",
                                     "open it in a spreadsheet program and save it again as XLSX or CSV")) from None
        df = df.map(_excel_cell)
        df.index = range(2, len(df) + 2)
    else:
        text = _decode(path)
        lines = text.splitlines(keepends=True)
        skipped = 0  # blank or comment lines above the header
        while skipped < len(lines) and (not lines[skipped].strip() or
                                        (comment and lines[skipped].lstrip().startswith(comment))):
            skipped += 1
        if comment:
            lines = ["\n" if ln.lstrip().startswith(comment) else ln for ln in lines]
        text = "".join(lines[skipped:])
        sample = text[:20000]
        try:
            delimiter = csv.Sniffer().sniff(sample.splitlines()[0], delimiters=DELIMITERS).delimiter
        except csv.Error:
            delimiter = ","
        try:
            df = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                             skip_blank_lines=False)
        except pd.errors.ParserError as err:
            m = re.search(r"line (\d+)", str(err))
            raise InputError(Problem(path.name, int(m.group(1)) + skipped if m else 0, "", f"malformed CSV ({err})",
                                     "check quotes and the number of cells on that row")) from None
        df.index = range(2 + skipped, len(df) + 2 + skipped)
    df.columns = [str(c).strip() for c in df.columns]
    if len(df.columns) == 0 or (len(df) == 0 and len(df.columns) <= 1 and not df.columns[0]):
        raise InputError(Problem(path.name, 0, "", "the file is empty", "export the sheet again with its header row"))
    blank = [c for c in df.columns if c == "" or c.startswith("Unnamed:")]
    if blank:
        df = df.drop(columns=[c for c in blank if (df[c].astype(str).str.strip() == "").all()])
    return df[~_blank_rows(df)] if len(df) else df


def _excel_cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_pool(path: str | os.PathLike, id_column: str | None = None,
              household_columns: list[str] | None = None) -> Pool:
    """Read the respondents file into a :class:`Pool` (ids checked; nothing else changed)."""
    path = Path(path)
    df = read_table(path)
    return Pool.from_frame(df, id_column=id_column, household_columns=household_columns, source=path.name,
                           rows=list(df.index))


def _layout(columns: list[str], source: str) -> tuple[str, str]:
    low = {c.casefold(): c for c in columns}
    if "category" in low:
        feature = low["category"]
        for v in ("name", "value", "feature", "category value"):
            if v in low:
                return feature, low[v]
    elif "feature" in low:
        for v in ("value", "name", "category value"):
            if v in low:
                return low["feature"], low[v]
    raise InputError(Problem(source, 1, "", f"unknown quota layout (columns: {', '.join(columns)})",
                             "use 'feature,value,min,max', 'category,name,min,max' or 'category,feature,min,max'"))


def _int_cell(text: str, source: str, row: int, column: str, optional: bool = False) -> int | None:
    t = str(text).strip()
    if t == "" and optional:
        return None
    try:
        f = float(t)
    except ValueError:
        f = float("nan")
    if not f.is_integer():
        raise InputError(Problem(source, row, column, f"'{t}' is not a whole number", "write a whole number of seats"))
    if f < 0:
        raise InputError(Problem(source, row, column, f"negative quota {int(f)}", "quotas must be 0 or more"))
    return int(f)


def read_quotas(path: str | os.PathLike) -> Quotas:
    """Read a quota file in any of the three layouts; every row problem is reported at once."""
    path = Path(path)
    source = path.name
    df = read_table(path)
    feature_col, value_col = _layout(list(df.columns), source)
    low = {c.casefold(): c for c in df.columns}
    missing = [c for c in ("min", "max") if c not in low]
    if missing:
        raise InputError(Problem(source, 1, missing[0], "column missing", "quota files need 'min' and 'max' columns"))
    rows, problems = [], []
    for row, rec in zip(df.index, df.to_dict("records"), strict=True):
        try:
            lo = _int_cell(rec[low["min"]], source, row, low["min"])
            hi = _int_cell(rec[low["max"]], source, row, low["max"])
            lo_flex = _int_cell(rec[low["min_flex"]], source, row, low["min_flex"], True) if "min_flex" in low else None
            hi_flex = _int_cell(rec[low["max_flex"]], source, row, low["max_flex"], True) if "max_flex" in low else None
        except InputError as err:
            problems.extend(err.problems)
            continue
        rows.append(Quota(str(rec[feature_col]).strip(), str(rec[value_col]).strip(), lo, hi, lo_flex, hi_flex, row))
    if problems:
        raise InputError(problems)
    return Quotas.from_rows(rows, source)
