"""Safe outputs, the one owner of writing files: atomic writes (no half-written files), spreadsheet-safe CSV and
XLSX, JSON, and which columns look like contact data. Every command and library step that writes uses these.

Formula guard: a text cell that a spreadsheet would run as a formula (it starts with ``= + - @``, a tab or a
carriage return) gets a leading ``'``, except text that is a plain number (``-0.5``, ``+3``, ``1e5``), which a
spreadsheet reads as that number. Numbers (int, float) are never touched. CSV is written as UTF-8 with a byte
order mark by default, so that Excel shows accented letters; files that are inputs of another step (quota files)
are written without it (``bom=False``).
"""

import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
BOM = "\ufeff"
CONTACT = re.compile(r"name|e-?mail|phone|mobile|tel\b|address|street|zip|post.?code|postal|city|town|contact",
                     re.IGNORECASE)


def atomic_write(path: Path, data: str | bytes | Callable[[str], None]) -> None:
    """Write ``data`` (text, bytes, or a function that writes to the path it is given) to ``path`` through a
    temporary file in the same directory and ``os.replace``: readers never see a half-written file. The file gets
    the usual permissions (umask), not mkstemp's owner-only ones."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            if not callable(data):
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        if callable(data):
            data(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def is_formula(v: object) -> bool:
    """True for text a spreadsheet would run as a formula: it starts with = + - @, tab or CR and is not a plain
    number."""
    return isinstance(v, str) and v.startswith(FORMULA_START) and not NUMBER.fullmatch(v)


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` (cells and column names) with every formula-like text prefixed by ``'``."""
    def cell(v):
        return "'" + v if is_formula(v) else v
    out = df.map(cell)
    out.columns = [cell(c) for c in df.columns]
    return out


def csv_text(df: pd.DataFrame, bom: bool = True, guard: bool = True) -> str:
    """The CSV text :func:`write_csv` writes: formula-safe, comma-separated, CRLF line ends (RFC 4180; so a cell
    holding a line break or a carriage return is quoted), no index."""
    return (BOM if bom else "") + (neutralise(df) if guard else df).to_csv(index=False, lineterminator="\r\n")


def write_csv(path: Path, df: pd.DataFrame, *, bom: bool = True, guard: bool = True) -> None:
    """Write ``df`` as formula-safe CSV (UTF-8, with a BOM unless ``bom=False``), atomically. A file that is the
    input of a later step and must be read back verbatim (a quota file) is written with ``bom=False,
    guard=False``: its cells are then kept exactly as they are."""
    atomic_write(path, csv_text(df, bom, guard))


SHEET_NAME = re.compile(r"[^\[\]:*?/\\]{1,31}")


def write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """Write one workbook with a sheet per ``sheets`` item (in order), atomically. Text cells are stored as
    text (never as formulas); formula-like text is marked with Excel's quote prefix, so it shows as typed and
    cannot run. Sheet names: 1-31 characters, none of ``[ ] : * ? / \\``. Numbers stay numbers."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    if not sheets:
        raise ValueError("write_xlsx needs at least one sheet")
    bad = [n for n in sheets if not SHEET_NAME.fullmatch(n)]
    if bad:
        raise ValueError(f"invalid sheet names {bad}: 1-31 characters, none of []:*?/\\")
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(name)
        for j, column in enumerate(df.columns, start=1):
            _text_cell(ws.cell(row=1, column=j), str(column))
            ws.column_dimensions[get_column_letter(j)].width = min(40, max(8, len(str(column)) + 2))
        for i, row in enumerate(df.itertuples(index=False), start=2):
            for j, v in enumerate(row, start=1):
                cell = ws.cell(row=i, column=j)
                if isinstance(v, str):
                    _text_cell(cell, v)
                elif v is not None and not (isinstance(v, float) and v != v):
                    cell.value = v.item() if hasattr(v, "item") else v
        ws.freeze_panes = "A2"
    atomic_write(path, wb.save)


def _text_cell(cell, text: str) -> None:
    cell.value = text
    cell.data_type = "s"  # openpyxl would store text starting with '=' as a formula
    if is_formula(text):
        cell.quotePrefix = True


def write_json(path: Path, obj) -> None:
    atomic_write(path, json.dumps(obj, indent=2, default=_plain) + "\n")


def _plain(v):
    if hasattr(v, "item"):
        return v.item()
    if hasattr(v, "tolist"):
        return v.tolist()
    raise TypeError(f"cannot write {type(v).__name__} as JSON")


def contact_columns(columns, exclude=()) -> list[str]:
    """Columns whose names look like personal contact data (names, e-mails, phones, addresses)."""
    return [c for c in columns if c not in exclude and CONTACT.search(str(c))]
