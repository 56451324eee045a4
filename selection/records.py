"""Plain, typed input objects: quotas and the pool.

Feature values are matched case-insensitively and with whitespace collapsed (``norm``), as the Sortition
Foundation tools do; the spelling of the quota file is what reports show. Feature names are matched the same way:
``AGE`` in one quota row and ``age`` in another are one feature (spelt as its first row spells it).

A quota row naming two features and a value of each (feature ``age x education``, value ``18-29 x degree``; the
separator is `` x `` with spaces around it, or ``×``) is an *intersectional* quota: seats held by people having both
values. Each of its features must have rows of its own, and each value must be one of those rows' values
(:func:`split_pair`, checked in :meth:`Quotas.from_rows`).

Both records carry ``notes``: one-line remarks a program should print before it goes on (an encoding guessed,
rows skipped, people numbered by row because no id column was found, blank household cells). A note never stops
anything; problems that do are :class:`~selection.errors.InputError`.
"""

import math
import re
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


PAIR_SEPARATOR = re.compile(r"\s*×\s*|\s+[xX]\s+")
"""What splits an intersectional row's feature and value cells: ``×``, or a letter x between spaces."""


def split_pair(text: str) -> list[str]:
    """The parts of a feature or value cell: ``"age x education"`` -> ``["age", "education"]``; one part for a
    plain cell. Parts are stripped; an empty part stays (as ``""``) so that the caller can report it."""
    return [part.strip() for part in PAIR_SEPARATOR.split(str(text).strip())]


@dataclass(frozen=True)
class Quota:
    """Seats for one feature value, or for one pair of feature values: ``min <= seats <= max`` (integers,
    ``0 <= min <= max``).

    ``min_flex``/``max_flex`` (optional) bound how far a suggested relaxation may go, as in the Sortition Foundation
    layout. ``row`` is the spreadsheet row the quota came from (0 when built in code).

    A soft target (optional): ``target`` seats (a real number >= 0) or ``target_share`` of the panel (in [0, 1]),
    with ``weight`` >= 0 (how much a seat of deviation from it counts; 0 ignores the target). Targets never make
    quotas infeasible: see :mod:`selection.engine.targets`.

    ``parts`` is ``((feature_a, value_a), (feature_b, value_b))`` for an intersectional row (filled in by
    :meth:`Quotas.from_rows`, whose ``feature``/``value`` are then ``"feature_a x feature_b"`` and
    ``"value_a x value_b"``), empty for a plain row.
    """

    feature: str
    value: str
    min: int
    max: int
    min_flex: int | None = None
    max_flex: int | None = None
    row: int = 0
    target: float | None = None
    target_share: float | None = None
    weight: float = 1.0
    parts: tuple[tuple[str, str], ...] = ()

    @property
    def is_pair(self) -> bool:
        return bool(self.parts) or len(split_pair(self.feature)) > 1

    def target_seats(self, k: int) -> float | None:
        """The target in seats for a panel of ``k`` (None when the row has no target or its weight is 0)."""
        if self.weight == 0:
            return None
        if self.target_share is not None:
            return self.target_share * k
        return self.target


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
        rows = tuple(rows)
        at = [i for i, q in enumerate(rows) if not q.is_pair]
        plain, notes = _one_spelling(tuple(rows[i] for i in at), source, list(notes))
        rows = list(rows)
        for i, q in zip(at, plain, strict=True):
            rows[i] = q
        problems = []
        for i, q in enumerate(rows):
            if q.is_pair:
                rows[i], bad = _pair(q, q.row or i + 2, plain, source)
                problems += bad
        rows = tuple(rows)
        seen: dict[object, int] = {}
        for i, q in enumerate(rows):
            row = q.row or i + 2
            if not str(q.feature).strip() or not str(q.value).strip():
                problems.append(Problem(source, row, "feature", "empty feature or value", "fill it in or delete the row"))
            key = frozenset((norm(f), norm(v)) for f, v in q.parts) if q.parts else (norm(q.feature), norm(q.value))
            if key in seen:
                problems.append(Problem(source, row, "value", f"quota for {q.feature}={q.value} appears twice "
                                        f"(also row {seen[key]})", "keep one of the two rows"))
            seen[key] = row
            problems += _target_problems(q, source, row)
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
        """Feature names of the plain rows in order of first appearance (the features that define types)."""
        return tuple(dict.fromkeys(q.feature for q in self.quotas if not q.parts))

    def of(self, feature: str) -> tuple[Quota, ...]:
        """The plain rows of one feature, in file order."""
        return tuple(q for q in self.quotas if q.feature == feature and not q.parts)

    @property
    def pairs(self) -> tuple[Quota, ...]:
        """The intersectional rows, in file order."""
        return tuple(q for q in self.quotas if q.parts)

    @property
    def has_targets(self) -> bool:
        return any(q.target_seats(1) is not None for q in self.quotas)


def _target_problems(q: Quota, source: str, row: int) -> list[Problem]:
    out = []
    if q.target is not None and q.target_share is not None:
        out.append(Problem(source, row, "target", "both a target in seats and a target share",
                           "give one of the two"))
    if q.target is not None and not (math.isfinite(q.target) and q.target >= 0):
        out.append(Problem(source, row, "target", f"target {q.target:g} is not a number of seats >= 0",
                           "write a number of seats (e.g. 7.5) or a share of the panel (e.g. 25%)"))
    if q.target_share is not None and not (0 <= q.target_share <= 1):
        out.append(Problem(source, row, "target", f"target share {q.target_share:.0%} is outside 0%-100%",
                           "write a share of the panel between 0% and 100%"))
    if not (math.isfinite(q.weight) and q.weight >= 0):
        out.append(Problem(source, row, "weight", f"weight {q.weight:g} is negative or not a number",
                           "write a weight of 0 or more (1 is usual; 0 ignores the target)"))
    return out


def _pair(q: Quota, row: int, plain: tuple[Quota, ...], source: str) -> tuple[Quota, list[Problem]]:
    """An intersectional row with its ``parts`` filled in and spelt as the plain rows spell features and values,
    or the row unchanged and the one problem that stops it (naming the column at fault and the fix)."""
    features = {norm(p.feature): p.feature for p in plain}
    values: dict[str, dict[str, str]] = {}
    for p in plain:
        values.setdefault(norm(p.feature), {})[norm(p.value)] = p.value
    names, vals = split_pair(q.feature), split_pair(q.value)
    example = "'age x education' with value '18-29 x degree'"

    def bad(column: str, message: str, fix: str) -> tuple[Quota, list[Problem]]:
        return q, [Problem(source, row, column, message, fix)]

    if len(names) != 2 or not all(names):
        return bad("feature", f"'{q.feature}' is not a pair of two features",
                   f"name exactly two features, as in {example}")
    if norm(names[0]) == norm(names[1]):
        return bad("feature", f"'{q.feature}' names the feature '{names[0]}' twice", "name two different features")
    if len(vals) != 2 or not all(vals):
        return bad("value", f"'{q.value}' does not give one value for each of {names[0]} and {names[1]}",
                   f"write two values, as in {example}")
    for f in names:
        if norm(f) not in features:
            return bad("feature", f"feature '{f}' of this pair has no rows of its own",
                       f"add a row per value of '{f}' (min 0, max the panel size where any number will do) or "
                       f"correct the name (features: {', '.join(features.values())})")
    parts = []
    for f, v in zip(names, vals, strict=True):
        known = values[norm(f)]
        if norm(v) not in known:
            return bad("value", f"'{v}' is not a value of {features[norm(f)]} (its values: "
                       f"{', '.join(list(known.values())[:8])})", "correct the value")
        parts.append((features[norm(f)], known[norm(v)]))
    return replace(q, feature=" x ".join(f for f, _ in parts), value=" x ".join(v for _, v in parts),
                   parts=tuple(parts)), []


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
