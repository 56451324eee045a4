"""Safe outputs, the one owner of writing files: atomic writes (no half-written files), spreadsheet-safe CSV
cells, JSON, and which columns look like contact data. Every command and library step that writes uses these."""

import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

FORMULA_START = ("=", "+", "-", "@")
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


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula (=, +, -, @) with a quote."""
    def cell(v):
        return "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v
    return df.map(cell)


def write_csv(path: Path, df: pd.DataFrame) -> None:
    atomic_write(path, neutralise(df).to_csv(index=False))


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
