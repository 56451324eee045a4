"""Plain, typed input objects: quotas and the pool.

Feature values are matched case-insensitively and with whitespace collapsed (``norm``), as the Sortition
Foundation tools do; the spelling of the quota file is what reports show. Feature names are matched the same way:
``AGE`` in one quota row and ``age`` in another are one feature (spelt as its first row spells it).

Both records carry ``notes``: one-line remarks a program should print before it goes on (an encoding guessed,
rows skipped, people numbered by row because no id column was found, blank household cells). A note never stops
anything; problems that do are :class:`~selection.errors.InputError`.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from selection.errors import InputError, Problem

ID_CANDIDATES = ("unique_id", "external_id", "nationbuilder_id", "id")
"""Column names (matched ignoring case) taken as the id column when none is named: OpenDLP's ``unique_id`` and
``external_id``, the Sortition Foundation's ``nationbuilder_id``, plain ``id``; the left-most such column wins."""


def spans(rows: Iterable[int]) -> str:
    """Row numbers as short text: ``[2, 3, 4, 9]`` -> ``"2-4, 9"`` (sorted, duplicates dropped)."""
    out: list[str] = []
    ordered = sorted(set(int(r) for r in rows))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        out.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ", ".join(out)


def rows_text(rows: Sequence[int], limit: int = 6) -> str:
    """``"row 5"``, ``"rows 2-401"`` or ``"rows 2, 7, 9 and 12 more"``: rows named as briefly as a line allows."""
    ordered = sorted(set(int(r) for r in rows))
    if len(ordered) == 1:
        return f"row {ordered[0]}"
    text = spans(ordered)
    if text.count(",") >= limit:
        text = spans(ordered[:limit]) + f" and {len(ordered) - limit} more"
    return f"rows {text}"


def norm(value: object) -> str:
    """Canonical form of a cell for matching: whitespace collapsed, case folded."""
    return " ".join(str(value).split()).casefold()


@dataclass(frozen=True)
class Quota:
    """Seats for one feature value: ``min <= seats <= max`` (integers, ``0 <= min <= max``).

    ``min_flex``/``max_flex`` (optional) bound how far a suggested relaxation may go, as in the Sortition Foundation
    layout. ``row`` is the spreadsheet row the quota came from (0 when built in code).
    """

    feature: str
    value: str
    min: int
    max: int
    min_flex: int | None = None
    max_flex: int | None = None
    row: int = 0


@dataclass(frozen=True)
class Quotas:
    """All quotas of a selection, in file order."""

    quotas: tuple[Quota, ...]
    source: str = "quotas"
    notes: tuple[str, ...] = ()

    @classmethod
    def from_rows(cls, rows: Iterable[Quota], source: str = "quotas", notes: Sequence[str] = ()) -> "Quotas":
        """Check the rows and build the quotas. A feature spelt differently (case, spacing) in later rows is
        renamed to its first spelling, with one note per other spelling."""
        rows, notes = _one_spelling(tuple(rows), source, list(notes))
        problems = []
        seen: dict[tuple[str, str], int] = {}
        for i, q in enumerate(rows):
            row = q.row or i + 2
            if not str(q.feature).strip() or not str(q.value).strip():
                problems.append(Problem(source, row, "feature", "empty feature or value", "fill it in or delete the row"))
            key = (norm(q.feature), norm(q.value))
            if key in seen:
                problems.append(Problem(source, row, "value", f"quota for {q.feature}={q.value} appears twice "
                                        f"(also row {seen[key]})", "keep one of the two rows"))
            seen[key] = row
            if q.min < 0 or q.max < 0:
                problems.append(Problem(source, row, "min" if q.min < 0 else "max", "negative quota",
                                        "quotas count seats and must be 0 or more"))
            elif q.min > q.max:
                problems.append(Problem(source, row, "min", f"min {q.min} is larger than max {q.max} for "
                                        f"{q.feature}={q.value}", "swap them or correct one"))
        if not rows:
            problems.append(Problem(source, 0, "", "no quota rows", "add rows 'feature,value,min,max'"))
        if problems:
            raise InputError(problems)
        return cls(rows, source, tuple(notes))

    @property
    def features(self) -> tuple[str, ...]:
        """Feature names in order of first appearance."""
        return tuple(dict.fromkeys(q.feature for q in self.quotas))

    def of(self, feature: str) -> tuple[Quota, ...]:
        return tuple(q for q in self.quotas if q.feature == feature)


def _one_spelling(rows: tuple[Quota, ...], source: str, notes: list[str]) -> tuple[tuple[Quota, ...], list[str]]:
    first: dict[str, str] = {}
    other: dict[str, list[int]] = {}
    out = []
    for i, q in enumerate(rows):
        name = first.setdefault(norm(q.feature), q.feature)
        if q.feature != name:
            other.setdefault(q.feature, []).append(q.row or i + 2)
            q = replace(q, feature=name)
        out.append(q)
    for spelling, at in other.items():
        notes.append(f"{source}: feature '{spelling}' ({rows_text(at)}) is taken as '{first[norm(spelling)]}' "
                     "(feature names match ignoring case and spacing)")
    return tuple(out), notes


@dataclass(frozen=True, eq=False)
class Pool:
    """The respondents: one row per person, every column kept as text, in file order.

    ``ids`` are unique, non-empty strings. ``household_columns`` lists the address columns whose equal
    (normalised) values mean "same household" (at most one per household on a panel); empty means no household
    rule; a person whose household cells are all blank shares a household with nobody (a note says how many).
    ``encoding``: how the file's text was decoded (``"utf-8"``, ``"cp1252"``, ``"utf-16"``; ``"xlsx"`` for a
    workbook, ``""`` when built in code).
    """

    table: pd.DataFrame
    ids: tuple[str, ...]
    id_column: str | None
    household_columns: tuple[str, ...] = ()
    source: str = "pool"
    rows: tuple[int, ...] = field(default=())  # spreadsheet row of each person
    notes: tuple[str, ...] = ()
    encoding: str = ""

    @property
    def size(self) -> int:
        return len(self.ids)

    @classmethod
    def from_frame(cls, df: pd.DataFrame, id_column: str | None = None,
                   household_columns: Sequence[str] | None = None, source: str = "pool",
                   rows: Sequence[int] | None = None, notes: Sequence[str] = (), encoding: str = "") -> "Pool":
        """Check ids and household columns and build a pool. ``id_column=None`` looks for a column named as in
        :data:`ID_CANDIDATES`, else numbers people by data row (1, 2, ...) and says so in a note. ``rows``: the
        spreadsheet row of each person (default: the header is row 1 and people follow without gaps). ``notes``
        (e.g. from reading the file) come first in the pool's notes."""
        df = df.copy()
        df.columns = [str(c).strip() for c in df.columns]
        df = df.astype(str).reset_index(drop=True)
        rows = tuple(int(r) for r in rows) if rows is not None else tuple(range(2, len(df) + 2))
        problems: list[Problem] = []
        if len(df) == 0:
            raise InputError(Problem(source, 0, "", "the pool has no rows", "check you chose the respondents file"))
        if id_column is None:
            found = [c for c in df.columns if c.casefold() in ID_CANDIDATES]
            id_column = found[0] if found else None
        elif id_column not in df.columns:
            raise InputError(Problem(source, 1, id_column, "id column not found (columns: "
                                     f"{', '.join(df.columns[:12])})", "name one of those as the id column"))
        notes = list(notes)
        if id_column is None:
            ids = tuple(str(i) for i in range(1, len(df) + 1))
            notes.append(f"{source}: no id column (none named {', '.join(ID_CANDIDATES)}); people are numbered by "
                         f"data row: 1 is row {rows[0]}, {len(df)} is row {rows[-1]}")
        else:
            col = df[id_column].map(lambda v: " ".join(v.split()))
            first: dict[str, int] = {}
            for row, value in zip(rows, col, strict=True):
                if value == "" or value.casefold() in ("nan", "none"):
                    problems.append(Problem(source, row, id_column, "missing id", "give every respondent an id"))
                elif value in first:
                    problems.append(Problem(source, row, id_column, f"duplicate id '{value}' (also row "
                                            f"{first[value]})", "ids must be unique; fix or remove one row"))
                else:
                    first[value] = row
            ids = tuple(col)
        household_columns = tuple(household_columns or ())
        for c in household_columns:
            if c not in df.columns:
                problems.append(Problem(source, 1, c, "household column not found",
                                        f"choose from: {', '.join(df.columns[:12])}"))
        if problems:
            raise InputError(problems)
        pool = cls(df, ids, id_column, household_columns, source, rows, (), encoding)
        blank = [r for r, key in zip(rows, pool.household_keys(), strict=True) if key is None]
        if household_columns and blank:
            notes.append(f"{source}: {len(blank)} {'person has' if len(blank) == 1 else 'people have'} blank "
                         f"{', '.join(household_columns)} ({rows_text(blank)}); each is taken as a household of "
                         "their own")
        return replace(pool, notes=tuple(notes))

    def household_keys(self) -> list[str | None]:
        """Normalised household key per person; None when every household column is blank."""
        if not self.household_columns:
            return [None] * self.size
        keys = []
        for values in zip(*(self.table[c] for c in self.household_columns), strict=True):
            parts = ["".join(ch for ch in norm(v) if ch.isalnum() or ch == " ") for v in values]
            keys.append(None if not any(parts) else "|".join(parts))
        return keys
