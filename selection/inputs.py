"""Reading pools and quota files: CSV (any of ``, ; TAB |``; UTF-8 with or without BOM, UTF-16/32, or
Windows-1252 as Excel's plain "CSV" writes it) or XLSX, rows numbered as a spreadsheet shows them.

A row whose feature cell names two features and whose value cell names a value of each (``age x education``,
``18-29 x degree``) is an intersectional quota (see :mod:`selection.records`). Optional ``target`` (seats, or a
share of the panel such as ``25%``) and ``weight`` columns give soft targets (:mod:`selection.engine.targets`).

Quota layouts read unchanged:
- ``feature,value,min,max[,min_flex,max_flex]`` (Sortition Foundation, OpenDLP);
- ``category,name,min,max`` (newDemocracy; OpenDLP's extra columns such as ``Notes`` are ignored);
- ``category,feature,min,max`` (Flanigan et al. replication data).

As the Sortition Foundation library does, quota rows without a feature name (OpenDLP's trailing note rows) are
skipped, and an empty flex cell or ``max_flex = -1`` means "unset". What was skipped or guessed (an encoding,
rows, an id column) is said in the records' ``notes``; anything that stops the reading is one
:class:`~selection.errors.InputError` line per kind of problem, naming file, row and column.
"""

import csv
import io
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from selection.errors import InputError, Problem
from selection.records import Pool, Quota, Quotas, rows_text

DELIMITERS = ",;\t|"
UNSET_FLEX = -1
"""``max_flex`` value the Sortition Foundation library and OpenDLP write for "no bound" (``MAX_FLEX_UNSET``)."""
WORKBOOK = (".xlsx", ".xlsm")
NEUTRAL_BLOCKS = frozenset(("Control character", "General Punctuation", "Currency Symbols", "Letterlike Symbols",
                            "Spacing Modifier Letters", "Number Forms", "Mathematical Operators"))
"""Unicode blocks (as charset-normalizer names them) that do not tell one script from another."""
EXCEL_ERRORS = frozenset(("#REF!", "#VALUE!", "#DIV/0!", "#N/A", "#NAME?", "#NUM!", "#NULL!"))
SAVE_AGAIN = "open it in a spreadsheet program and save it again as XLSX or CSV"


def _decode(path: Path) -> tuple[str, str, str]:
    """(text, encoding, note): UTF-8 (BOM or not) or a BOM-marked UTF-16/32 as they are; otherwise the
    Windows-1252 (which reads Latin-1 text identically), with a note saying so, when the bytes fit it and
    charset-normalizer finds Latin-script text in them (its guess among the Latin code pages is unreliable on short
    files, so cp1252, what Excel writes on Western-European Windows, is taken). Binary data, a file mixing UTF-8 with another encoding and text in
    any other encoding are one InputError line each."""
    raw = path.read_bytes()
    name = path.name
    if not raw.strip():
        raise InputError(Problem(name, 0, "", "the file is empty", "export the sheet again with its header row"))
    if raw[:4] == b"PK\x03\x04":
        raise InputError(_zipped(path))
    for bom, codec in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                       (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                text = None
            if text is None or not _looks_like_text(text):
                raise InputError(Problem(name, 0, "", f"starts like {codec.upper()} text but is not (binary data?)",
                                         "give the sheet exported as CSV UTF-8 or XLSX"))
            return text, codec, ""
    try:
        return raw.decode("utf-8-sig"), "utf-8", ""
    except UnicodeDecodeError as err:
        row = raw[: err.start].count(b"\n") + 1
        byte = raw[err.start]
    from charset_normalizer import from_bytes

    matches = from_bytes(raw)
    best = matches.best()
    save = "save it as 'CSV UTF-8' (or XLSX) and try again"
    if best is None or (b"\x00" in raw and not best.encoding.startswith(("utf_16", "utf_32"))):
        raise InputError(Problem(name, 0, "", "binary data, not text", "give the sheet exported as CSV or XLSX"))
    if best.encoding.startswith(("utf_16", "utf_32")):
        return str(best), best.encoding.replace("_", "-"), f"{name}: read as {best.encoding} text (it has no BOM)"
    replaced = raw.decode("utf-8", errors="replace")
    if any(ord(ch) > 127 and ch != "\ufffd" for ch in replaced):
        raise InputError(Problem(name, row, "", f"mixes UTF-8 with another encoding (byte 0x{byte:02x})", save))
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    latin = all("Latin" in a or a in NEUTRAL_BLOCKS for a in best.alphabets)
    if text is not None and latin and _looks_like_text(text):
        return text, "cp1252", (f"{name}: read as Windows-1252 (cp1252) text, not UTF-8; if accented letters "
                                "look wrong, save the sheet as 'CSV UTF-8'")
    looks = f"{best.language} text in {best.encoding}" if best.language != "Unknown" else best.encoding
    raise InputError(Problem(name, row, "", f"not UTF-8 or Windows-1252 text (byte 0x{byte:02x}; it looks like "
                             f"{looks})", save))


def _zipped(path: Path) -> Problem:
    """What a zip archive given as CSV is: an XLSX workbook with the wrong name, or another (ODS) workbook."""
    import zipfile

    try:
        names = set(zipfile.ZipFile(path).namelist())
    except zipfile.BadZipFile:
        names = set()
    if "xl/workbook.xml" in names:
        return Problem(path.name, 0, "", "is an XLSX workbook, not CSV text", "rename it to .xlsx")
    if "content.xml" in names:
        return Problem(path.name, 0, "", "is an OpenDocument spreadsheet (.ods)", "save it as XLSX or CSV")
    return Problem(path.name, 0, "", "is a zip archive, not CSV text", "unpack it and give the CSV or XLSX inside")


def _looks_like_text(text: str) -> bool:
    """False when more than 1 in 200 characters are control, private-use or unassigned ones (binary data)."""
    bad = sum(1 for ch in text if (ch < " " and ch not in "\t\r\n") or "\ue000" <= ch <= "\uf8ff"
              or ch in "\ufffd\ufffe\uffff" or "\x7f" <= ch < "\xa0")
    return bad * 200 <= len(text)


def _read_workbook(path: Path) -> pd.DataFrame:
    """The first sheet as text cells, indexed by sheet row (the first non-empty row is the header). Formula
    cells whose result was never saved (workbooks written by programs, not spreadsheets) and error cells
    (``#REF!``) are InputErrors, one line per column."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        books = [openpyxl.load_workbook(path, read_only=True, data_only=d) for d in (True, False)]
    except Exception:  # openpyxl raises many kinds for a damaged workbook; their names mean nothing to a planner
        import zipfile

        what = ("a damaged or incomplete workbook" if zipfile.is_zipfile(path) else
                "not an XLSX workbook (an XLSX file is a zip archive and this one is not)")
        raise InputError(Problem(path.name, 0, "", f"cannot read the workbook: {what}", SAVE_AGAIN)) from None
    try:
        values, formulas = ([list(r) for r in b.worksheets[0].iter_rows(min_row=1, min_col=1, values_only=True)]
                            for b in books)
    finally:
        for b in books:
            b.close()
    filled = [i for i, r in enumerate(values) if any(v not in (None, "") for v in r)]
    if not filled:
        return pd.DataFrame()
    width = max(len(r) for r in values)
    names = _unique([_excel_cell(v) for v in values[filled[0]]] + [""] * (width - len(values[filled[0]])))
    body = [i for i in filled if i > filled[0]]
    bad: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for i in body:
        for j, v in enumerate(values[i]):
            f = formulas[i][j] if i < len(formulas) and j < len(formulas[i]) else None
            cell = f"{get_column_letter(j + 1)}{i + 1}"
            if v is None and isinstance(f, str) and f.startswith("="):
                bad.setdefault(("formula", names[j]), []).append((i + 1, cell))
            elif isinstance(v, str) and v in EXCEL_ERRORS:
                bad.setdefault(("error", names[j]), []).append((i + 1, f"{cell} {v}"))
    if bad:
        raise InputError([grouped_problem(
            path.name, [n for n, _ in at], column,
            f"{'formula with no saved value' if kind == 'formula' else 'error value'} "
            f"(cell{'s' if len(at) > 1 else ''} {', '.join(c for _, c in at[:3])}{' ...' if len(at) > 3 else ''})",
            "open the workbook in a spreadsheet program and save it, so the values are stored (or export it as CSV)"
            if kind == "formula" else "correct the formula in the workbook")
            for (kind, column), at in bad.items()])
    data = [[_excel_cell(v) for v in values[i]] + [""] * (width - len(values[i])) for i in body]
    return pd.DataFrame(data, columns=names, index=[i + 1 for i in body], dtype=object)


def _unique(names: list[str]) -> list[str]:
    """Header cells made unique as pandas does (``a``, ``a.1``); empty ones named ``Unnamed: j``."""
    seen: dict[str, int] = {}
    out = []
    for j, name in enumerate(names):
        name = name.strip() or f"Unnamed: {j}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def _excel_cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _blank_rows(df: pd.DataFrame) -> pd.Series:
    return (df.astype(str).apply(lambda s: s.str.strip()) == "").all(axis=1)


def _check_path(path: Path) -> None:
    if path.is_dir():
        raise InputError(Problem(str(path), 0, "", "is a folder", "give the file inside it (CSV or XLSX)"))
    if not path.is_file():
        raise InputError(Problem(str(path), 0, "", "file not found", "check the path"))


def read_table(path: str | os.PathLike, comment: str | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX file as text cells (no type guessing; blanks are empty strings).

    The index holds each row's number as a spreadsheet shows it (the header is row 1), so blank rows and, with
    ``comment``, lines starting with that character are dropped without shifting the rows after them.
    ``df.attrs["encoding"]`` says how the text was decoded (``"xlsx"`` for a workbook) and ``df.attrs["notes"]``
    holds what a reader should be told (e.g. that Windows-1252 was assumed).
    """
    path = Path(path)
    _check_path(path)
    notes: list[str] = []
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise InputError(Problem(path.name, 0, "", "old Excel 97-2003 workbook (.xls)",
                                 "open it in a spreadsheet program and save it as XLSX or CSV"))
    if suffix in WORKBOOK:
        df, encoding = _read_workbook(path), "xlsx"
    else:
        text, encoding, note = _decode(path)
        notes += [note] if note else []
        df = _read_csv_text(text, path.name, comment)
    df.columns = [str(c).strip() for c in df.columns]
    if len(df.columns) == 0 or (len(df) == 0 and len(df.columns) <= 1 and not df.columns[0]):
        raise InputError(Problem(path.name, 0, "", "the file is empty", "export the sheet again with its header row"))
    blank = [c for c in df.columns if c == "" or c.startswith("Unnamed:")]
    if blank:
        df = df.drop(columns=[c for c in blank if (df[c].astype(str).str.strip() == "").all()])
    df = df[~_blank_rows(df)] if len(df) else df
    df.attrs.update(encoding=encoding, notes=tuple(notes))
    return df


def _read_csv_text(text: str, name: str, comment: str | None) -> pd.DataFrame:
    lines = text.splitlines(keepends=True)
    skipped = 0  # blank or comment lines above the header
    while skipped < len(lines) and (not lines[skipped].strip() or
                                    (comment and lines[skipped].lstrip().startswith(comment))):
        skipped += 1
    if comment:
        lines = ["\n" if ln.lstrip().startswith(comment) else ln for ln in lines]
    text = "".join(lines[skipped:])
    try:
        delimiter = csv.Sniffer().sniff(text[:20000].splitlines()[0], delimiters=DELIMITERS).delimiter
    except (csv.Error, IndexError):
        delimiter = ","
    try:
        df = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        raise InputError(Problem(name, 0, "", "the file is empty", "export the sheet again with its header row")) \
            from None
    except pd.errors.ParserError as err:
        raise InputError(_malformed(str(err), name, skipped, delimiter)) from None
    df.index = range(2 + skipped, len(df) + 2 + skipped)
    return df


def _malformed(message: str, name: str, skipped: int, delimiter: str) -> Problem:
    """The CSV parser's complaint as one line naming the spreadsheet row (``skipped``: lines above the header),
    without the parser's own wording (it speaks of tokenizing and of its C code)."""
    shown = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}[delimiter]
    cells = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if cells:
        header, line, found = (int(g) for g in cells.groups())
        split = " (a decimal comma such as 0,4 splits a number in two)" if delimiter == "," else ""
        return Problem(name, line + skipped, "", f"{found} cells where the header has {header} ({shown}-separated)",
                       f"check the quotes and delimiters on that row{split}")
    quote = re.search(r"inside string starting at row (\d+)", message)
    if quote:
        return Problem(name, int(quote.group(1)) + 1 + skipped, "", "a quote (\") opened on this row is never closed",
                       "close the quote or remove it")
    return Problem(name, 0, "", "malformed CSV", "check the quotes and the number of cells on each row")


def read_pool(path: str | os.PathLike, id_column: str | None = None,
              household_columns: list[str] | None = None) -> Pool:
    """Read the respondents file into a :class:`Pool` (ids checked; nothing else changed). The pool's ``notes``
    say what a planner should know: the encoding when it was not UTF-8, that people were numbered by row, how
    many have blank household cells."""
    path = Path(path)
    df = read_table(path)
    return Pool.from_frame(df, id_column=id_column, household_columns=household_columns, source=path.name,
                           rows=list(df.index), notes=df.attrs.get("notes", ()),
                           encoding=df.attrs.get("encoding", ""))


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
    if optional and column.casefold() == "max_flex" and f == UNSET_FLEX:
        return None
    if not f.is_integer():
        shown = f"'{t}'" if t else "an empty cell"
        raise InputError(Problem(source, row, column, f"{shown} is not a whole number",
                                 "write a whole number of seats"))
    if f < 0:
        raise InputError(Problem(source, row, column, f"negative quota {int(f)}", "quotas must be 0 or more"))
    return int(f)


def read_quotas(path: str | os.PathLike) -> Quotas:
    """Read a quota file in any of the three layouts; every row problem is reported at once. Rows with no
    feature name are skipped (with a note); feature names match ignoring case (with a note per other spelling)."""
    path = Path(path)
    source = path.name
    df = read_table(path)
    feature_col, value_col = _layout(list(df.columns), source)
    low = {c.casefold(): c for c in df.columns}
    missing = [c for c in ("min", "max") if c not in low]
    if missing:
        raise InputError(Problem(source, 1, missing[0], "column missing", "quota files need 'min' and 'max' columns"))
    rows, problems, skipped = [], [], []
    for row, rec in zip(df.index, df.to_dict("records"), strict=True):
        if not str(rec[feature_col]).strip():
            skipped.append(row)
            continue
        try:
            lo = _int_cell(rec[low["min"]], source, row, low["min"])
            hi = _int_cell(rec[low["max"]], source, row, low["max"])
            lo_flex = _int_cell(rec[low["min_flex"]], source, row, low["min_flex"], True) if "min_flex" in low else None
            hi_flex = _int_cell(rec[low["max_flex"]], source, row, low["max_flex"], True) if "max_flex" in low else None
        except InputError as err:
            problems.extend(err.problems)
            continue
        try:
            target, share, weight = _target_cells(rec, low, source, row)
        except InputError as err:
            problems.extend(err.problems)
            continue
        rows.append(Quota(str(rec[feature_col]).strip(), str(rec[value_col]).strip(), lo, hi, lo_flex, hi_flex, row,
                          target, share, weight))
    if problems:
        raise InputError(problems)
    notes = list(df.attrs.get("notes", ()))
    if skipped and rows:
        notes.append(f"{source}: {rows_text(skipped)} {'has' if len(skipped) == 1 else 'have'} no "
                     f"{feature_col} name and {'was' if len(skipped) == 1 else 'were'} skipped")
    return Quotas.from_rows(rows, source, notes)


def _target_cells(rec: dict, low: dict[str, str], source: str, row: int) -> tuple[float | None, float | None, float]:
    """(target seats, target share, weight) of one quota row from its optional ``target`` and ``weight`` cells: a
    number is seats (``7.5``), a number with ``%`` a share of the panel (``25%``); an empty weight is 1."""
    text = str(rec[low["target"]]).strip() if "target" in low else ""
    weight_text = str(rec[low["weight"]]).strip() if "weight" in low else ""
    target = share = None
    if text:
        number = text[:-1].strip() if text.endswith("%") else text
        try:
            value = float(number)
        except ValueError:
            value = float("nan")
        if not np.isfinite(value) or value < 0:
            raise InputError(Problem(source, row, low["target"], f"target '{text}' is not a number of seats or a "
                                     "share", "write seats (e.g. 7.5) or a share of the panel (e.g. 25%), or leave "
                                     "it empty"))
        if text.endswith("%"):
            share = value / 100
        else:
            target = value
    if not weight_text:
        return target, share, 1.0
    try:
        weight = float(weight_text)
    except ValueError:
        weight = float("nan")
    if not np.isfinite(weight) or weight < 0:
        raise InputError(Problem(source, row, low["weight"], f"weight '{weight_text}' is not a number of 0 or more",
                                 "write a weight such as 1 (0 ignores the target), or leave it empty"))
    if target is None and share is None:
        raise InputError(Problem(source, row, low["weight"], "a weight without a target",
                                 "give the row a target (seats or a share such as 25%) or clear the weight"))
    return target, share, weight


DECIMAL_COMMA = re.compile(r"[+-]?(\d+|\d{1,3}(\.\d{3})+),\d+")


def grouped_problem(source: str, rows: Sequence[int], column: str, message: str, fix: str) -> Problem:
    """One problem for many rows of one column: ``pool.csv, row 5, column 'c': ...`` for one row, else
    ``pool.csv: rows 2-401, column 'c': ...`` (see :func:`selection.records.rows_text`)."""
    if len(set(rows)) == 1:
        return Problem(source, int(rows[0]), column, message, fix)
    return Problem(source, 0, "", f"{rows_text(rows)}, column '{column}': {message}", fix)


def numeric_column(source: str, column: str, values: Sequence[str], rows: Sequence[int], *,
                   low: float | None = None, high: float | None = None, decimal: str = ".",
                   fix: str = "write a number") -> np.ndarray:
    """The cells of one column as floats, or one :class:`InputError` with at most one line per kind of problem,
    each naming every row it concerns: decimal commas (``'0,15'``: written as ``0.15`` unless ``decimal=","``),
    empty cells, text that is not a number, numbers outside ``[low, high]``. ``rows``: spreadsheet row of each
    cell; ``fix``: what to do about a bad number (e.g. "give a probability between 0 and 1")."""
    text = [str(v).strip() for v in values]
    comma = [bool(DECIMAL_COMMA.fullmatch(t)) for t in text]
    if decimal == ",":
        text = [t.replace(".", "").replace(",", ".") if c else t for t, c in zip(text, comma, strict=True)]
    out = pd.to_numeric(pd.Series(text, dtype=object), errors="coerce").to_numpy(dtype=float)
    kinds: dict[str, list[int]] = {}
    examples: dict[str, str] = {}
    for t, c, v, row in zip(text, comma, out, rows, strict=True):
        if c and decimal != ",":
            kind = "comma"
        elif t == "":
            kind = "empty"
        elif not np.isfinite(v):
            kind = "text"
        elif (low is not None and v < low) or (high is not None and v > high):
            kind = "range"
        else:
            continue
        kinds.setdefault(kind, []).append(int(row))
        examples.setdefault(kind, t)
    bounds = f"outside [{low:g}, {high:g}]" if low is not None and high is not None else \
        f"below {low:g}" if low is not None else f"above {high:g}" if high is not None else ""
    said = {"comma": (f"uses decimal commas ('{examples.get('comma')}')", "use a point ('0.15')"),
            "empty": ("empty cell", fix), "text": (f"'{examples.get('text')}' is not a number", fix),
            "range": (f"{examples.get('range')} is {bounds}", fix)}
    problems = [grouped_problem(source, at, column, *said[kind]) for kind, at in kinds.items()]
    if problems:
        raise InputError(problems)
    return out
