"""Languages of the web pages: gettext catalogs, negotiation, dates and numbers.

The catalogs are Babel ``.po`` files in ``alteram/locale/{lang}/LC_MESSAGES/
messages.po``, committed as the source of truth. They are compiled in memory
(:func:`translations`) the first time a language is used, so there are no
``.mo`` files to build or to go stale, and a fresh ``pip install -e .`` works
as it is. ``python -m alteram.web.pages.i18n`` re-extracts the messages from
the templates and the page modules and merges them into both catalogs.

Dates: Gregorian on English pages; Solar Hijri (the Iranian calendar, via
``jdatetime``) with Persian digits on Persian pages. Every time is shown in UTC
and says so; ``<time datetime>`` carries the exact ISO instant.
"""

from __future__ import annotations

import functools
import gettext
import importlib.resources
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import jdatetime
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

LANGUAGES: tuple[str, ...] = ("en", "fa")
DEFAULT = "en"
RTL = frozenset({"fa"})
NAMES = {"en": "English", "fa": "فارسی"}
DOMAIN = "messages"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}

_FA_DIGITS = str.maketrans("0123456789,.", "۰۱۲۳۴۵۶۷۸۹٬٫")
_JALALI_MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


def direction(lang: str) -> str:
    return "rtl" if lang in RTL else "ltr"


def po_path(lang: str) -> Path:
    base = importlib.resources.files("alteram").joinpath("locale", lang, "LC_MESSAGES")
    return Path(str(base)) / f"{DOMAIN}.po"


def read_catalog(lang: str) -> Catalog:
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


@functools.cache
def translations(lang: str) -> gettext.GNUTranslations:
    """The language's catalog, compiled in memory (fuzzy entries are left out)."""
    buf = io.BytesIO()
    write_mo(buf, read_catalog(lang), use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


# -- choosing the language ---------------------------------------------------------


def supported(value: str | None) -> str | None:
    """``fa``, ``fa-IR``, ``FA`` → ``fa``; anything unsupported → ``None``."""
    if not value:
        return None
    primary = value.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The supported language the browser prefers most (``q`` weights honoured)."""
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        lang = supported(tag)
        if lang is None or q <= 0:
            continue
        key = (-q, position, lang)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """``?lang=`` first, then the switcher's cookie, then ``Accept-Language``, then English."""
    return supported(query) or supported(cookie) or from_accept_language(accept_language) or DEFAULT


# -- numbers and dates ---------------------------------------------------------------


def number(value: int | float, lang: str) -> str:
    """Grouped digits; Persian digits and separators on Persian pages."""
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:,.1f}"
    else:
        text = f"{int(value):,}"
    return text.translate(_FA_DIGITS) if lang == "fa" else text


def digits(text: str, lang: str) -> str:
    return text.translate(_FA_DIGITS) if lang == "fa" else text


def to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def solar_hijri(day: date) -> tuple[int, int, int]:
    """``(year, month, day)`` in the Solar Hijri calendar."""
    j = jdatetime.date.fromgregorian(date=day)
    return j.year, j.month, j.day


def day_text(value: datetime | date, lang: str) -> str:
    """``2 November 2026`` or ``۱۱ آبان ۱۴۰۵``."""
    day = to_utc(value).date() if isinstance(value, datetime) else value
    if lang == "fa":
        y, m, d = solar_hijri(day)
        return digits(f"{d} {_JALALI_MONTHS[m - 1]} {y}", lang)
    return format_date(day, "d MMMM y", locale="en")


def time_text(value: datetime, lang: str) -> str:
    """The day and the UTC time: ``2 November 2026, 09:30 UTC``."""
    at = to_utc(value)
    clock = digits(at.strftime("%H:%M"), lang)
    sep = "،" if lang == "fa" else ","
    return f"{day_text(at, lang)}{sep} {clock} UTC"


def month_text(month: str, lang: str) -> str:
    """A statistics month ``YYYY-MM`` (a Gregorian, UTC month) in words."""
    first = date(int(month[:4]), int(month[5:7]), 1)
    return digits(format_date(first, "LLL y", locale=lang), lang)


def iso(value: datetime) -> str:
    return to_utc(value).isoformat().replace("+00:00", "Z")


def span_parts(delta: timedelta) -> tuple[int, int, int]:
    """``(days, hours, minutes)`` of a non-negative duration, rounded down."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    return days, rest // 60, rest % 60


# -- keeping the catalogs up to date -------------------------------------------------------


def _sources() -> Iterator[tuple[str, str, Path]]:
    """``(method, relative name, path)`` of every file whose messages are extracted."""
    root = Path(str(importlib.resources.files("alteram")))
    for path in sorted((root / "web" / "templates").rglob("*.html")):
        yield "jinja2", str(path.relative_to(root)), path
    for path in sorted((root / "web" / "pages").glob("*.py")):
        yield "python", str(path.relative_to(root)), path


def extract() -> Catalog:
    """Every message of the templates and page modules, as a fresh template catalog."""
    from babel.messages.extract import extract as run_extract
    from jinja2.ext import babel_extract

    catalog = Catalog(domain=DOMAIN, project="alteram", charset="utf-8")
    for method, name, path in _sources():
        how = babel_extract if method == "jinja2" else "python"
        options = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}
        with path.open("rb") as f:
            for lineno, message, comments, context in run_extract(
                how,  # type: ignore[arg-type]
                f,
                keywords=KEYWORDS,
                options=options if method == "jinja2" else {},
            ):
                catalog.add(
                    message, None, [(name, lineno)], auto_comments=comments, context=context
                )
    return catalog


def update_catalogs() -> list[str]:
    """Merge freshly extracted messages into every language's ``.po``; report changes."""
    template = extract()
    report = []
    for lang in LANGUAGES:
        catalog = read_catalog(lang)
        before = {m.id for m in catalog if m.id}
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        after = {m.id for m in catalog if m.id}
        with po_path(lang).open("wb") as f:
            write_po(f, catalog, width=100, omit_header=False, sort_output=True)
        report.append(f"{lang}: {len(after - before)} added, {len(before - after)} removed")
    return report


if __name__ == "__main__":
    for line in update_catalogs():
        print(line)
