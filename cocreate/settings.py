"""Project settings: a ``cocreate.toml`` next to the pool, so a planner does not retype flags.

The file holds any of: ``id_column`` (text), ``household`` and ``keep_columns`` (lists of column names, or one
comma-separated text), ``size`` (seats, >= 1), ``algorithm`` (one of :data:`selection.ALGORITHMS`) and ``lang``
(``en``, ``nl`` or ``fr``). Every key is optional; an unknown key, a wrong type or invalid TOML is a
:class:`selection.errors.InputError` naming the file and line (with the nearest valid key for a typo).
Flags given on the command line override the file (:func:`merge`). ``cocreate init`` writes :data:`TEMPLATE`.
"""

import difflib
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from selection.engine.api import ALGORITHMS
from selection.errors import InputError, Problem

FILENAME = "cocreate.toml"
LANGUAGES = ("en", "nl", "fr")


class Settings(BaseModel):
    """What a settings file may say; None (or empty) means "not set", so the command's default applies.
    ``source``: the file read (None when there was none)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id_column: str | None = None
    household: tuple[str, ...] = ()
    keep_columns: tuple[str, ...] = ()
    size: int | None = Field(None, ge=1)
    algorithm: Literal[ALGORITHMS] | None = None  # type: ignore[valid-type]
    lang: Literal[LANGUAGES] | None = None  # type: ignore[valid-type]
    source: Path | None = Field(None, exclude=True)

    @field_validator("household", "keep_columns", mode="before")
    @classmethod
    def _columns(cls, value):
        if isinstance(value, str):
            return tuple(c.strip() for c in value.split(",") if c.strip())
        return value

    def given(self) -> dict:
        """The settings that are set, by name (for a line such as "settings from cocreate.toml: size 30")."""
        return {k: v for k, v in self.model_dump().items() if v not in (None, ())}


FIELDS = tuple(k for k in Settings.model_fields if k != "source")


def settings_path(folder: str | Path) -> Path:
    """Where the settings of ``folder`` are: ``folder/cocreate.toml``; for a file (the pool), next to it."""
    folder = Path(folder)
    return (folder if folder.is_dir() else folder.parent) / FILENAME


def load_settings(folder: str | Path) -> Settings:
    """The settings next to ``folder`` (a folder, or a file such as the pool); empty settings when there is no
    settings file. Raises :class:`InputError` for an invalid file."""
    path = settings_path(folder)
    if not path.exists():
        return Settings()
    if not path.is_file():
        raise InputError(Problem(path.name, 0, "", f"is a folder, not a settings file (in {path.parent})",
                                 "rename or remove it: settings are a text file (see `cocreate init`)"))
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise InputError(Problem(path.name, 0, "", f"line {line}: not UTF-8 text (byte 0x{err.object[err.start]:02x})",
                                 "save the settings as UTF-8 text")) from None
    except OSError as err:
        raise InputError(Problem(path.name, 0, "", f"cannot be read ({err.strerror})",
                                 "check the file's permissions")) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        m = re.search(r"line (\d+)", str(err))
        raise InputError(Problem(path.name, 0, "", f"{'line ' + m.group(1) + ': ' if m else ''}not valid TOML "
                                 f"({str(err).split(' (at')[0]})", "write settings as key = value, text in quotes "
                                 "(see `cocreate init`)")) from None
    try:
        return Settings.model_validate({**data, "source": path})
    except ValidationError as err:
        raise InputError([_problem(path, text, e) for e in err.errors()]) from None


def _problem(path: Path, text: str, error: dict) -> Problem:
    key = str(error["loc"][0]) if error["loc"] else ""
    at = next((i for i, line in enumerate(text.splitlines(), 1) if re.match(rf"\s*{re.escape(key)}\s*=", line)), 0)
    where = f"line {at}: " if at else ""
    if error["type"] == "extra_forbidden":
        near = difflib.get_close_matches(key, FIELDS, n=1)
        fix = f"did you mean '{near[0]}'?" if near else f"use one of {', '.join(FIELDS)}"
        return Problem(path.name, 0, "", f"{where}unknown setting '{key}'", fix)
    said, fix = _said(error)
    return Problem(path.name, 0, "", f"{where}{key}: {said}", fix)


def _said(error: dict) -> tuple[str, str]:
    """A validation error in words: (what is wrong with the value given, what to do)."""
    got, ctx, kind = error.get("input"), error.get("ctx") or {}, error["type"]
    if kind == "greater_than_equal":
        return f"{got!r} is less than {ctx['ge']}", f"give a whole number of at least {ctx['ge']}"
    if kind.startswith("int_"):
        return f"{got!r} is not a whole number", "give a whole number, without quotes (size = 30)"
    if kind == "literal_error":
        return f"{got!r} is not one of {ctx['expected']}", "choose one of those"
    if kind.startswith("string_"):
        return f"{got!r} is not text", 'write the column name in quotes (id_column = "unique_id")'
    if kind.startswith(("tuple_", "list_")):
        return f"{got!r} is not a list of column names", 'write ["address", "postcode"] or "address,postcode"'
    return f"{error['msg']} (got {got!r})", "correct the value (see `cocreate init`)"


def merge(settings: Settings, **flags) -> Settings:
    """``settings`` with every flag that was given (not None) put over it: flags override the file. List flags may
    be comma-separated text. Raises :class:`InputError` for a value the settings would not accept."""
    unknown = set(flags) - set(FIELDS)
    if unknown:
        raise TypeError(f"not settings: {', '.join(sorted(unknown))}")
    given = {k: v for k, v in flags.items() if v is not None}
    try:
        return Settings.model_validate({**settings.model_dump(), **given, "source": settings.source})
    except ValidationError as err:
        raise InputError([Problem("", 0, "", *_said(e), parameter=str(e["loc"][0])) for e in err.errors()]) from None


TEMPLATE = f"""\
# cocreate project settings. `cocreate select` and `cocreate check` read this file when it lies in the folder of
# the pool (the respondents' file). A flag given on the command line overrides the setting here.
# Remove the '#' in front of a setting to use it.

# The column holding each respondent's id. Default: a column named unique_id, external_id, nationbuilder_id or id;
# else people are numbered by row. Ids are published with the lottery: never an e-mail address, phone or name.
# id_column = "unique_id"

# Address columns: at most one person per household on the panel (people with blank cells count as their own).
# household = ["address", "postcode"]

# Columns copied into panel.csv and reserves.csv (for the recruiters) besides the id, the quota features and the
# household columns. They never go into published files.
# keep_columns = ["first_name", "email", "phone"]

# Panel size: the number of seats.
# size = 30

# Selection algorithm: {", ".join(ALGORITHMS)} (leximin, the default, gives everyone the fairest chance).
# algorithm = "leximin"

# Language of the selection report and the lottery sheet: {", ".join(LANGUAGES)}.
# lang = "en"
"""
"""The commented settings file ``cocreate init`` writes: every setting, commented out, with an example value."""
