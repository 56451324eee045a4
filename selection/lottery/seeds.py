"""Turn a public seed into the number of the drawn panel, reproducibly on every platform (derivation ``v1``).

The lottery (the m numbered panels) is published first, with its SHA-256 (the *commitment*). Only then is a seed
announced that nobody controls, for example a national lottery's winning numbers. The drawn number is:

1. ``canonical_seed(text)``: Unicode NFC, whitespace runs collapsed to one space, leading/trailing removed; case
   and punctuation are kept ("12 34 56" and " 12  34\\t56 " are the same seed, "12,34,56" is not).
2. For counter = 0, 1, 2, ...: ``h = SHA-256(b"cocreate-draw-v1" + NUL + commitment_hex + NUL + seed_utf8 + NUL +
   decimal(counter))`` read as a 256-bit big-endian integer x. The first x below ``floor(2**256 / m) * m`` gives
   the number ``x mod m`` in 0..m-1: rejection instead of a bare modulo, so every number has chance exactly 1/m.

Anyone can recompute it with ten lines of any language; ``docs/draw.md`` has the recipe and test vectors.

Every other seed of a draw is derived from the same public inputs by :func:`derived_seed`, one *purpose* each
(:data:`PURPOSES`); nothing after the draw uses a seed that was chosen by hand. A draw made with dice has no seed
text: its text is ``manual:<number>`` (:func:`draw_text`).
"""

import hashlib
import unicodedata

DERIVATION = "cocreate-draw-v1"
PURPOSES = ("reserves", "reserve-comparison")
"""``reserves``: the order and choice of the reserve list; ``reserve-comparison``: the held-out drop-out scenarios
that compare the drop-out-aware list with a plain one."""


def canonical_seed(text: str) -> str:
    """The seed as it enters the hash; raises ValueError when nothing is left."""
    seed = " ".join(unicodedata.normalize("NFC", str(text)).split())
    if not seed:
        raise ValueError("the public seed is empty")
    return seed


def draw_number(seed: str, commitment: str, m: int) -> int:
    """The drawn panel number in 0..m-1 for a seed text and the lottery's SHA-256 hex digest (``commitment``)."""
    if m < 1:
        raise ValueError("m must be at least 1")
    limit = (1 << 256) // m * m
    prefix = b"\0".join([DERIVATION.encode(), commitment.lower().encode(), canonical_seed(seed).encode("utf-8")])
    counter = 0
    while True:
        x = int.from_bytes(hashlib.sha256(prefix + b"\0" + str(counter).encode()).digest(), "big")
        if x < limit:
            return x % m
        counter += 1


def draw_text(seed: str | None, number: int) -> str:
    """The text later seeds derive from: the canonical public seed, or ``manual:<number>`` for a hand draw."""
    return canonical_seed(seed) if seed is not None else f"manual:{number}"


def derived_seed(seed: str, commitment: str, purpose: str) -> int:
    """A 63-bit integer for a seeded step after the draw (``purpose`` one of :data:`PURPOSES`): the first 8 bytes
    of ``SHA-256(DERIVATION NUL purpose NUL commitment NUL seed)``, big-endian, shifted right by one bit."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown seed purpose '{purpose}'; one of {', '.join(PURPOSES)}")
    data = b"\0".join([DERIVATION.encode(), purpose.encode(), commitment.lower().encode(),
                       canonical_seed(seed).encode("utf-8")])
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big") >> 1


def number_width(m: int) -> int:
    """Digits of the panel numbers 0..m-1, zero-padded (3 for m = 1000: three ten-sided dice)."""
    return len(str(m - 1))
