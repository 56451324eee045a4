"""Validate a pool against quotas and a panel size, and reduce it to *types* for the solvers.

A type is a set of people with the same value on every quota feature, the same weight, and no housemate in the pool:
such people are interchangeable, so every fair objective gives them equal probability and the solvers work on counts
per type. People who share a household with another pool member each form a type of their own, and the household rule
becomes "at most one of these types' members" on every panel.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from selection.errors import InputError, Problem
from selection.records import Pool, Quota, Quotas, norm


@dataclass(frozen=True, eq=False)
class SelectionProblem:
    """Arrays for the solvers. F quota rows, n people, T types.

    The quota rows are the plain rows (one feature value each; rows 0..F_plain-1, grouped by feature) followed by
    the intersectional rows (a pair of feature values each, in file order): a person holds a seat of a pair row when
    they have both its values. Types are defined by the plain features, so a pair row is a set of types like any other
    row, and every model built on :meth:`type_matrix` and ``lo``/``hi`` honours it.

    - ``lo``/``hi`` (F,): seat bounds of the quota rows (:attr:`quota_rows`).
    - ``person_values`` (n, n_features): plain quota row of each person's value on each feature (pair rows are
      not in it: use :attr:`person_rows` or :meth:`seats_of` for seats per row).
    - ``type_of`` (n,), ``counts`` (T,) >= 1, ``type_values`` (T, n_features), ``type_weight`` (T,) > 0.
    - ``households``: tuple of type-index arrays; at most one seat per array on any panel.
    Invariant: ``counts.sum() == n``; ``counts[t] == 1`` for every type in a household group.
    """

    pool: Pool
    quotas: Quotas
    k: int
    feature_columns: tuple[str, ...]
    lo: np.ndarray
    hi: np.ndarray
    person_values: np.ndarray
    weights: np.ndarray
    type_of: np.ndarray
    counts: np.ndarray
    type_values: np.ndarray
    type_weight: np.ndarray
    households: tuple[np.ndarray, ...]

    @property
    def n(self) -> int:
        return len(self.type_of)

    @property
    def n_types(self) -> int:
        return len(self.counts)

    @cached_property
    def quota_rows(self) -> tuple[Quota, ...]:
        """The quotas in row order f = 0..F-1 (plain rows grouped by feature, features in order of first
        appearance, then the intersectional rows in file order): the order of ``lo``, ``hi`` and of every seats
        vector."""
        return tuple(q for f in self.quotas.features for q in self.quotas.of(f)) + self.quotas.pairs

    @property
    def n_plain(self) -> int:
        """F_plain: the number of plain (one feature value) rows; rows from here on are intersectional."""
        return len(self.quota_rows) - len(self.quotas.pairs)

    @cached_property
    def row_feature(self) -> np.ndarray:
        """(F,) index into ``quotas.features`` of each plain row's feature; -1 for an intersectional row."""
        feats = {f: j for j, f in enumerate(self.quotas.features)}
        out = np.array([-1 if q.parts else feats[q.feature] for q in self.quota_rows], dtype=np.int64)
        out.setflags(write=False)
        return out

    @cached_property
    def pair_rows(self) -> np.ndarray:
        """(P, 2) the two plain rows each intersectional row intersects (row ``n_plain + p`` is pair ``p``)."""
        plain = {(q.feature, norm(q.value)): f for f, q in enumerate(self.quota_rows[: self.n_plain])}
        out = np.array([[plain[(f, norm(v))] for f, v in q.parts] for q in self.quotas.pairs],
                       dtype=np.int64).reshape(-1, 2)
        out.setflags(write=False)
        return out

    @cached_property
    def _type_rows(self) -> np.ndarray:
        m = np.zeros((len(self.quota_rows), self.n_types), dtype=np.int64)
        for j in range(self.type_values.shape[1]):
            m[self.type_values[:, j], np.arange(self.n_types)] = 1
        for p, (a, b) in enumerate(self.pair_rows):
            m[self.n_plain + p] = m[a] & m[b]
        m.setflags(write=False)
        return m

    def type_matrix(self) -> np.ndarray:
        """(F, T) 0/1 matrix: 1 where type t has quota row f's value (both values, for an intersectional row)."""
        return self._type_rows.copy()

    @cached_property
    def person_rows(self) -> np.ndarray:
        """(n, F) boolean: person i holds a seat of quota row f when on a panel (read-only)."""
        out = self._type_rows.T[self.type_of].astype(bool)
        out.setflags(write=False)
        return out

    def seats(self, type_counts: np.ndarray) -> np.ndarray:
        """Seats per quota row (F,) for a panel given as counts per type."""
        return self._type_rows @ type_counts

    def seats_of(self, person_idx: np.ndarray) -> np.ndarray:
        """Seats per quota row (F,) held by a set of people (person indices; a person counted once per index)."""
        idx = np.asarray(person_idx, dtype=np.int64)
        return self.person_rows[idx].sum(axis=0, dtype=np.int64)

    @cached_property
    def type_household(self) -> np.ndarray:
        """(T,) household group of each type (index into ``households``), -1 for types outside any group."""
        out = np.full(self.n_types, -1, dtype=np.int64)
        for g, types in enumerate(self.households):
            out[types] = g
        out.setflags(write=False)
        return out

    @cached_property
    def household_of(self) -> np.ndarray:
        """(n,) household group of each person (index into ``households``), -1 when they share with nobody."""
        out = self.type_household[self.type_of]
        out.setflags(write=False)
        return out

    @cached_property
    def type_members(self) -> tuple[np.ndarray, ...]:
        """Person indices of each type's members, in pool order (T arrays, sizes ``counts``)."""
        order = np.argsort(self.type_of, kind="stable")
        return tuple(np.split(order, np.cumsum(self.counts)[:-1]))

    def quota_breaches(self, person_idx: np.ndarray) -> list[str]:
        """Readable breaches of size, quotas and the household rule by a panel (person indices); [] when the panel
        is feasible."""
        idx = np.asarray(person_idx, dtype=np.int64)
        out = []
        if len(idx) != self.k or len(np.unique(idx)) != len(idx):
            out.append(f"{len(np.unique(idx))} distinct members instead of {self.k}")
        for q, s, lo, hi in zip(self.quota_rows, self.seats_of(idx), self.lo, self.hi, strict=True):
            if s < lo or s > hi:
                out.append(f"{q.feature}={q.value} has {s} seats (quota {lo}-{hi})")
        chosen = np.bincount(self.type_of[idx], minlength=self.n_types)
        if any(chosen[h].sum() > 1 for h in self.households):
            out.append("two members share a household")
        return out

    def is_feasible_panel(self, person_idx: np.ndarray) -> bool:
        """True iff a set of person indices has k people, meets every quota and the household rule."""
        return not self.quota_breaches(person_idx)


def _pool_column(pool: Pool, feature: str) -> str | None:
    if feature in pool.table.columns:
        return feature
    matches = [c for c in pool.table.columns if norm(c) == norm(feature)]
    return matches[0] if matches else None


def build_problem(pool: Pool, quotas: Quotas, k: int, weights: np.ndarray | None = None) -> SelectionProblem:
    """Check everything once and build the arrays; raise :class:`InputError` listing every problem found."""
    problems: list[Problem] = []
    qsrc, psrc = quotas.source, pool.source
    if k <= 0:
        problems.append(Problem("", 0, "", f"panel size {k} must be at least 1", "give a positive panel size",
                                parameter="size"))
    elif k > pool.size:
        problems.append(Problem("", 0, "", f"panel size {k} is larger than the pool ({pool.size} people)",
                                "choose a smaller panel or recruit more respondents", parameter="size"))
    feats = quotas.features
    columns, index = [], {}
    for f in feats:
        col = _pool_column(pool, f)
        first_row = quotas.of(f)[0].row
        if col is None:
            problems.append(Problem(qsrc, first_row, "feature", f"feature '{f}' is not a column of {psrc}",
                                    f"rename the pool column or the quota feature (pool columns: "
                                    f"{', '.join(pool.table.columns[:12])})"))
        columns.append(col)
    offsets = []
    for fi, f in enumerate(feats):
        for q in quotas.of(f):
            index[(fi, norm(q.value))] = len(offsets)
            offsets.append((fi, q))
    pair_rows = [[index[(feats.index(f), norm(v))] for f, v in q.parts] for q in quotas.pairs]
    lo = np.array([q.min for _, q in offsets] + [q.min for q in quotas.pairs], dtype=np.int64)
    hi = np.array([q.max for _, q in offsets] + [q.max for q in quotas.pairs], dtype=np.int64)
    person_values = np.zeros((pool.size, len(feats)), dtype=np.int64)
    for fi, (f, col) in enumerate(zip(feats, columns, strict=True)):
        if col is None:
            continue
        unknown: dict[str, list[int]] = defaultdict(list)
        for i, v in enumerate(pool.table[col]):
            j = index.get((fi, norm(v)))
            if j is None:
                unknown[v].append(pool.rows[i])
            else:
                person_values[i, fi] = j
        for v, rows in unknown.items():
            more = f" (and {len(rows) - 1} more rows)" if len(rows) > 1 else ""
            problems.append(Problem(psrc, rows[0], col, f"value '{v}' has no quota in {qsrc}{more}",
                                    f"add a quota row '{f},{v},min,max' or correct the value"))
        present = Counter(person_values[:, fi]) if not unknown else Counter()
        for q in quotas.of(f):
            j = index[(fi, norm(q.value))]
            if not unknown and present[j] < q.min:
                problems.append(Problem(qsrc, q.row, "min", f"{f}={q.value} needs at least {q.min} seats but "
                                        f"the pool has {present[j]} such {'person' if present[j] == 1 else 'people'}",
                                        "lower the min or recruit more of this group"))
    if not problems:
        for q, (a, b) in zip(quotas.pairs, pair_rows, strict=True):
            both = int(np.sum((person_values == a).any(axis=1) & (person_values == b).any(axis=1)))
            if both < q.min:
                problems.append(Problem(qsrc, q.row, "min", f"{q.feature}={q.value} needs at least {q.min} seats "
                                        f"but the pool has {both} such {'person' if both == 1 else 'people'}",
                                        "lower the min or recruit more of this group"))
    if k > 0:
        for q in quotas.pairs:
            if q.min > k:
                problems.append(Problem(qsrc, q.row, "min", f"the min of {q.feature}={q.value} is {q.min}, more "
                                        f"than the panel size {k}", "lower the min or enlarge the panel"))
        for f in feats:
            rows = quotas.of(f)
            smin, smax = sum(q.min for q in rows), sum(q.max for q in rows)
            if smin > k:
                problems.append(Problem(qsrc, rows[0].row, "min", f"the mins of '{f}' add up to {smin}, more than "
                                        f"the panel size {k}", "lower some mins or enlarge the panel"))
            if smax < k:
                problems.append(Problem(qsrc, rows[0].row, "max", f"the maxes of '{f}' add up to {smax}, fewer "
                                        f"than the panel size {k}", "raise some maxes or shrink the panel"))
    if weights is None:
        weights = np.ones(pool.size)
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (pool.size,) or not np.all(np.isfinite(weights)) or np.any(weights <= 0):
        problems.append(Problem(psrc, 0, "", "weights must be positive and one per person", "check the weights"))
    if problems:
        raise InputError(problems)
    return _with_types(pool, quotas, k, tuple(columns), lo, hi, person_values, weights)


def _with_types(pool, quotas, k, columns, lo, hi, person_values, weights) -> SelectionProblem:
    keys = pool.household_keys()
    size = Counter(h for h in keys if h is not None)
    type_ids: dict[tuple, int] = {}
    type_of = np.empty(pool.size, dtype=np.int64)
    groups: dict[str, list[int]] = defaultdict(list)
    for i in range(pool.size):
        h = keys[i]
        shared = h is not None and size[h] > 1
        key = ("person", i) if shared else (tuple(person_values[i]), float(weights[i]))
        t = type_ids.setdefault(key, len(type_ids))
        type_of[i] = t
        if shared:
            groups[h].append(t)
    counts = np.bincount(type_of, minlength=len(type_ids))
    first = np.zeros(len(type_ids), dtype=np.int64)
    first[type_of[::-1]] = np.arange(pool.size)[::-1]
    return SelectionProblem(
        pool=pool, quotas=quotas, k=k, feature_columns=columns, lo=lo, hi=hi,
        person_values=person_values, weights=weights, type_of=type_of, counts=counts,
        type_values=person_values[first], type_weight=weights[first],
        households=tuple(np.array(g, dtype=np.int64) for g in groups.values()),
    )
