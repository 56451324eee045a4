"""Ids safe to publish: refuse to publish ids that look like contact data, and stable pseudonyms instead.

Everything public (``lottery.csv``, the lottery sheet, ``tickets.csv``, the bundle, the report) names people by
their id. When the id column holds e-mail addresses, phone numbers or names, publishing it would publish the
volunteers' contact data, so :func:`contact_like` refuses it unless pseudonyms are asked for.

A pseudonym is ``P`` + the first 12 hex digits of ``HMAC-SHA256(key = SHA-256 of the pool file's bytes, message =
the id)``: stable for the same pool file (so verify, given the pool, derives the same ones), different for another
pool, and not reversible by anyone without the pool file. The mapping from pseudonym to id is written only to the
private file :data:`PRIVATE_MAP` (see :func:`write_map`), never into the bundle or a published file.
"""

import hashlib
import hmac
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd

from selection.errors import InputError, Problem
from selection.outputs import CONTACT, write_csv
from selection.records import Pool

PRIVATE_MAP = Path("private") / "id-map.csv"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"\+?[\d\s()./-]{8,}")
SHARE = 0.5  # ids look like contact data when more than this share of them match an e-mail or phone pattern


def contact_like(pool: Pool) -> str | None:
    """Why the pool's ids look like contact data (e-mail addresses, phone numbers, a name column), or None."""
    if pool.id_column is None:
        return None
    ids = pd.Series(pool.ids, dtype=str)
    if ids.str.fullmatch(EMAIL).mean() > SHARE:
        return "e-mail addresses"
    if ids.str.fullmatch(PHONE).mean() > SHARE and ids.str.count(r"\d").min() >= 8:
        return "phone numbers"
    if CONTACT.search(pool.id_column):
        return f"contact data (the column is named '{pool.id_column}')"
    return None


def pseudonyms(pool: Pool, pool_path: str | Path) -> tuple[str, ...]:
    """The public pseudonym of every person, in pool order (unique)."""
    key = hashlib.sha256(Path(pool_path).read_bytes()).digest()
    out = tuple("P" + hmac.new(key, pid.encode("utf-8"), hashlib.sha256).hexdigest()[:12] for pid in pool.ids)
    if len(set(out)) != len(out):  # 48 bits: a clash is astronomically unlikely for any real pool; never silent
        raise InputError(Problem(pool.source, 0, pool.id_column or "", "two ids give the same pseudonym",
                                 "use another id column"))
    return out


def checked_pool(pool: Pool, pool_path: str | Path, public_ids: bool) -> Pool:
    """The pool with public pseudonyms as ids (``public_ids``), or unchanged after checking its ids are safe to
    publish; raises :class:`InputError` for contact-like ids without ``public_ids``."""
    if public_ids:
        return replace(pool, ids=pseudonyms(pool, pool_path))
    why = contact_like(pool)
    if why:
        raise InputError(Problem(pool.source, 1, pool.id_column or "", f"the ids look like {why}, which the public "
                                 "lottery would publish", "choose an id column that is not contact data, or ask for "
                                 "public pseudonyms (public ids)"))
    return pool


def write_map(out: str | Path, pool: Pool, original: tuple[str, ...]) -> Path:
    """The private mapping ``public_id, id`` under ``out/private/`` (keep it apart: it is never published)."""
    path = Path(out) / PRIVATE_MAP
    path.parent.mkdir(exist_ok=True)
    write_csv(path, pd.DataFrame({"public_id": pool.ids, "id": original}))
    return path
