"""The report's languages: English (the message ids), Dutch and French from Babel message catalogues.

Catalogues are the ``.po`` files in ``cocreate/report/locale/<lang>/LC_MESSAGES/messages.po``, read at run time
(compiled in memory with Babel), so a fresh clone works with ``pip install -e .`` and no build step. Numbers and
shares are formatted by Babel for the language (``12,5 %`` in French, ``12,5%`` in Dutch).
"""

import gettext
import io
import re
from functools import cache
from importlib import resources

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

LANGUAGES = ("en", "nl", "fr")
DOMAIN = "messages"


def catalog_path(lang: str):
    """The ``.po`` file of ``lang`` (a Traversable inside the package)."""
    return resources.files("cocreate.report") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """gettext translations for ``lang`` (one of :data:`LANGUAGES`; English is the identity). Raises ValueError for
    another language."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}'; choose one of {', '.join(LANGUAGES)}")
    if lang == "en":
        return gettext.NullTranslations()
    with catalog_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


def share(x: float | None, lang: str, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage with ``digits`` decimals, written as ``lang`` writes percentages
    ("12.5%", "12,5%", "12,5 %"); "-" for None or NaN."""
    if x is None or x != x:
        return "-"
    pattern = Locale.parse(lang).percent_formats[None].pattern
    return format_percent(x, format=re.sub(r"0(?=[^0#]*%)", "0." + "0" * digits, pattern, count=1), locale=lang)


def number(x: float | None, lang: str, digits: int = 3) -> str:
    """A number with at most ``digits`` decimals for ``lang`` ("-" for None or NaN)."""
    if x is None or x != x:
        return "-"
    return format_decimal(x, format="#,##0." + "#" * digits, locale=lang)
