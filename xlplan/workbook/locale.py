"""A client's locale: how its workbook sets out amounts, percents and dates, and the paper it
prints on. The conventions are CLDR's (through Babel), never written by hand here.

Excel shows digit separators by the reader's own system settings, so a number format carries
the locale's placement of the currency symbol, its decimals and its date order; the format
also names the locale (``[$-40C]``, the Windows locale id), which LibreOffice follows for the
separators when it prints the PDF.
"""

from __future__ import annotations

import functools
import locale as system_locale
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from babel import Locale
from babel.numbers import format_currency, get_currency_precision

if TYPE_CHECKING:
    from ..model import Plan

# Where US Letter is the paper (CLDR's supplemental paperSize data, which Babel does not
# expose); A4 everywhere else.
LETTER_TERRITORIES = frozenset({"BZ", "CA", "CL", "CO", "CR", "GT", "MX", "NI", "PA", "PH",
                                "PR", "SV", "US", "VE"})
PAPER_LETTER, PAPER_A4 = 1, 9  # Excel's paper codes
# The locale a language takes with a currency, when the plan names none.
_BY_CURRENCY = {
    "fr": {"CAD": "fr-CA", "CHF": "fr-CH", "XOF": "fr-SN", "XAF": "fr-CM", "MAD": "fr-MA"},
    "es": {"MXN": "es-MX", "USD": "es-US", "COP": "es-CO", "ARS": "es-AR", "CLP": "es-CL",
           "PEN": "es-PE", "UYU": "es-UY", "GTQ": "es-GT", "CRC": "es-CR", "DOP": "es-DO"},
    "en": {"USD": "en-US", "CAD": "en-CA", "AUD": "en-AU", "NZD": "en-NZ", "INR": "en-IN",
           "ZAR": "en-ZA", "EUR": "en-IE"},
}
_DEFAULT = {"fr": "fr-FR", "es": "es-ES", "en": "en-GB"}
_NUMBER = re.compile(r"[#0,.]+")


def client_locale(plan: Plan) -> str:
    """The plan's locale, or the one its language takes with its currency."""
    return plan.client.locale or default_locale(plan.language.value, plan.client.currency)


def default_locale(language: str, currency: str) -> str:
    """The locale of a language used with a currency: fr + CAD is fr-CA, es + MXN es-MX."""
    return _BY_CURRENCY.get(language, {}).get(currency, _DEFAULT.get(language, "en-GB"))


@dataclass(frozen=True)
class LocaleFormats:
    """Excel number formats and the paper of one locale and currency."""

    locale: str  # fr-FR
    currency: str  # the ISO code the money format is of
    money: str
    percent: str
    date: str
    paper: int
    prefix: str = ""  # the locale's id, ``[$-40C]``: LibreOffice prints its separators

    def number(self, pattern: str) -> str:
        """A number format with the locale's separators when LibreOffice prints it."""
        return self.prefix + pattern

    @property
    def territory(self) -> str:
        return self.locale.split("-")[1]


def _quoted(text: str) -> str:
    return f'"{text}"' if text else ""


def _lcid(tag: str) -> str:
    """``[$-40C]``: the Windows locale id of ``fr_FR`` (Python's own table), or nothing."""
    wanted = tag.replace("-", "_")
    found = [lcid for lcid, name in system_locale.windows_locale.items()
             if name == wanted and lcid < 0x10000]  # no alternative sort orders
    # the newest id of a locale is its modern form: es-ES is 0xC0A, not the traditional 0x40A
    return f"[$-{max(found):X}]" if found else ""


def _money(tag: str, currency: str) -> str:
    """The currency as the locale writes it, as an Excel format with the currency's own
    decimals: ``#,##0.00" €"``, ``"$"#,##0.00``, ``"CHF "#,##0.00`` (CLDR's symbol, its
    place and its spacing, read off Babel's formatting of a probe amount)."""
    probe = format_currency(1234.5, currency, locale=tag.replace("-", "_"))
    digits = [i for i, ch in enumerate(probe) if ch.isdigit()]
    before = probe[:digits[0]].replace('"', "").replace("-", "")
    after = probe[digits[-1] + 1:].replace('"', "")
    # CLDR's currencySpacing, which Babel's formatting leaves out: a symbol that is not a
    # symbol character (CHF, $MX) stands apart from the digits
    if before and not unicodedata.category(before[-1]).startswith(("S", "Z")):
        before += "\u00a0"
    if after and not unicodedata.category(after[0]).startswith(("S", "Z")):
        after = "\u00a0" + after
    decimals = get_currency_precision(currency)
    number = "#,##0" + ("." + "0" * decimals if decimals else "")
    return f"{_quoted(before)}{number}{_quoted(after)}"


def _date(pattern: str) -> str:
    """CLDR's short date (``dd/MM/y``, ``M/d/yy``) as Excel's, the year in four digits."""
    out = re.sub(r"y+", "yyyy", pattern)
    return out.replace("MMMM", "mmmm").replace("MMM", "mmm").replace("MM", "mm").replace(
        "M", "m")


@functools.cache
def locale_formats(tag: str, currency: str) -> LocaleFormats:
    babel = Locale.parse(tag.replace("-", "_"))
    lcid = _lcid(tag)
    money = _money(tag, currency)
    percent_pattern = babel.percent_formats[None].pattern
    match = _NUMBER.search(percent_pattern)
    assert match is not None, percent_pattern
    percent = percent_pattern[:match.start()] + "0.0" + percent_pattern[match.end():]
    paper = PAPER_LETTER if tag.split("-")[1] in LETTER_TERRITORIES else PAPER_A4
    return LocaleFormats(tag, currency, lcid + money, lcid + percent,
                         lcid + _date(babel.date_formats["short"].pattern), paper, lcid)
