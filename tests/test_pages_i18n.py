"""Languages: the gettext catalogs are complete, the language is negotiated, dates are
Solar Hijri on Persian pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from alteram.web.pages import i18n

PLACEHOLDER = re.compile(r"%\(\w+\)s")


def test_every_message_of_the_pages_is_translated_into_persian() -> None:
    extracted = i18n.extract()
    catalog = i18n.read_catalog("fa")
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in extracted if m.id}
    assert len(ids) > 200
    for message in extracted:
        if not message.id:
            continue
        found = catalog.get(message.id)
        assert found is not None, (
            f"fa.po lacks {message.id!r}: run python -m alteram.web.pages.i18n"
        )
        assert not found.fuzzy, f"fa.po: {message.id!r} is fuzzy"
        strings = found.string if isinstance(found.string, tuple) else (found.string,)
        source = message.id if isinstance(message.id, tuple) else (message.id,)
        for text in strings:
            assert text.strip(), f"fa.po: {message.id!r} is not translated"
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source[0]))


def test_the_english_catalog_lists_the_same_messages() -> None:
    en = {m.id if isinstance(m.id, str) else m.id[0] for m in i18n.read_catalog("en") if m.id}
    fa = {m.id if isinstance(m.id, str) else m.id[0] for m in i18n.read_catalog("fa") if m.id}
    assert en == fa


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        (None, None, None, "en"),
        (None, None, "fa-IR,fa;q=0.9,en;q=0.8", "fa"),
        (None, None, "de-DE,de;q=0.9,fa;q=0.5,en;q=0.4", "fa"),
        (None, None, "en;q=0.5, fa;q=0.8", "fa"),
        (None, None, "fa;q=0", "en"),
        (None, "fa", "en", "fa"),
        ("en", "fa", "fa", "en"),
        ("xx", None, "fa", "fa"),
    ],
)
def test_negotiation(
    query: str | None, cookie: str | None, header: str | None, expected: str
) -> None:
    assert i18n.negotiate(query, cookie, header) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 21), (1405, 1, 1)),  # Nowruz 1405
        (date(2026, 3, 20), (1404, 12, 29)),
        (date(2025, 3, 20), (1403, 12, 30)),  # 1403 is a leap year
        (date(2026, 11, 2), (1405, 8, 11)),
        (date(1979, 2, 11), (1357, 11, 22)),
    ],
)
def test_solar_hijri(day: date, expected: tuple[int, int, int]) -> None:
    assert i18n.solar_hijri(day) == expected


def test_dates_and_numbers_in_each_language() -> None:
    at = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    assert i18n.time_text(at, "en") == "2 November 2026, 09:30 UTC"
    assert i18n.time_text(at, "fa") == "۱۱ آبان ۱۴۰۵، ۰۹:۳۰ UTC"
    assert i18n.number(12345, "fa") == "۱۲٬۳۴۵" and i18n.number(12345, "en") == "12,345"


def test_accept_language_and_the_switcher(client: TestClient) -> None:
    fa = client.get("/", headers={"Accept-Language": "fa-IR,fa;q=0.9"})
    assert '<html lang="fa" dir="rtl">' in fa.text
    assert 'href="/?lang=en" hreflang="en"' in fa.text
    chosen = client.get("/stats", params={"lang": "fa"})
    assert "alteram_lang=fa" in chosen.headers["set-cookie"]
    assert '<html lang="fa" dir="rtl">' in client.get("/log").text  # the cookie remembers
    assert '<html lang="en" dir="ltr">' in client.get("/log", params={"lang": "en"}).text
