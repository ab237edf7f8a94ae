"""The public pages (home, decisions, a decision, statistics, log, policy) in English and
Persian, on every storage backend; and hostile content on every page that shows it."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from alteram.domain.remedy import Remedy
from alteram.services import accounts, proceedings
from alteram.services.accounts import Principal
from alteram.services.context import Context
from alteram.tlog import leaf_hash
from conftest import FakeClock, People
from factories import violation
from pages_kit import HOSTILE, assert_hostile_is_inert, file_case, parse, sign_in
from record_scenario import REASONS, Record, build

PAGES = ("/", "/decisions", "/stats", "/log", "/policy")


@pytest.fixture
def record(ctx: Context, clock: FakeClock) -> Record:
    return build(ctx, clock)


@pytest.mark.parametrize("path", PAGES)
def test_every_public_page_renders_in_both_languages(
    client: TestClient, record: Record, path: str
) -> None:
    en = client.get(path)
    assert en.status_code == 200 and en.headers["content-type"].startswith("text/html")
    assert '<html lang="en" dir="ltr">' in en.text
    fa = client.get(path, params={"lang": "fa"})
    assert fa.status_code == 200 and '<html lang="fa" dir="rtl">' in fa.text
    assert fa.headers["content-language"] == "fa"
    tree = parse(fa.text)
    assert tree.scripts == 0 and not tree.inline_handlers
    assert len(en.content) < 100_000 and len(fa.content) < 100_000  # light pages
    for landmark in ("<header", "<main", "<footer", "<nav"):
        assert landmark in en.text


def test_the_home_page_shows_the_headline_numbers(client: TestClient, record: Record) -> None:
    text = client.get("/").text
    assert re.search(r"<strong>6</strong>\s*cases opened", text)
    assert re.search(r"<strong>5</strong>\s*decisions", text)
    assert record.ids["D"] in text  # the latest decision is listed
    fa = client.get("/", params={"lang": "fa"}).text
    assert re.search(r"<strong>۶</strong>\s*پروندهٔ گشوده‌شده", fa)  # Persian digits


def test_decisions_filter_and_search(client: TestClient, record: Record) -> None:
    page = client.get("/decisions", params={"outcome": "violation"}).text
    for key in ("B", "D"):
        assert record.ids[key] in page
    for key in ("A", "C", "E"):
        assert record.ids[key] not in page
    found = client.get("/decisions", params={"q": "hyperbole"}).text
    assert record.ids["E"] in found and record.ids["A"] not in found
    assert 'value="hyperbole"' in found  # the form keeps the search
    bad = client.get("/decisions", params={"remedy": "banishment"})
    assert bad.status_code == 422 and "unknown remedy" in bad.text


def test_decisions_are_paged(
    client: TestClient, record: Record, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alteram.web.pages import public

    monkeypatch.setattr(public, "PAGE_SIZE", 2)
    first = client.get("/decisions").text
    older = re.search(r'rel="next" href="([^"]+)"', first)
    assert older, "no link to older decisions"
    second = client.get(older.group(1).replace("&amp;", "&")).text
    ids = set(record.ids.values())
    shown = {i for i in ids if i in first} | {i for i in ids if i in second}
    assert len({i for i in ids if i in first}) == 2 and len(shown) == 4


def test_the_decision_page_shows_ruling_votes_dissent_and_timeline(
    client: TestClient, record: Record
) -> None:
    case_id = record.ids["C"]
    page = client.get(f"/decisions/{case_id}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "The appeal ruling" in text and "Earlier rulings in this case" in text
    assert REASONS["C2"] in text and REASONS["C1"] in text
    assert "Juror A" in text and "Juror D" in text  # pseudonyms across both rounds
    assert "Statement of reasons" in text and "How to verify" in text
    with record.ctx.store.transaction() as tx:
        events = tx.events_for(case_id)
        size = tx.log.size()
    for e in events:
        assert f"#{e['log_index']}" in text
    ruling = [e for e in events if e["type"] == "ruling_issued"][-1]
    with record.ctx.store.transaction() as tx:
        leaf = tx.log.leaf(ruling["log_index"])
    assert leaf_hash(leaf).hex() in text  # the inclusion proof's leaf hash
    assert f"The ruling is entry {ruling['log_index']}" in text and f"tree of {size}" in text
    assert f"alteram panel verify {case_id} --url https://alteram.test" in text


def test_a_dissent_is_shown(client: TestClient, ctx: Context, people: People) -> None:
    filed = file_case(ctx, people.platform_id)
    author = Principal(kind="party", subject=filed.case_id, party_id="author")
    proceedings.reply(ctx, filed.case_id, author, None, waive=True)
    with ctx.store.transaction() as tx:
        case = tx.get_case(filed.case_id)
    assert case is not None and case.panel is not None
    ballots = [violation(["HAR-1"], Remedy.LABEL)] * 2 + [
        violation(["HAR-1"], Remedy.LABEL).model_copy(
            update={"violation": False, "remedy": Remedy.NO_ACTION, "reasons": "I dissent."}
        )
    ]
    for juror_id, ballot in zip(case.panel.chosen, ballots, strict=True):
        b = ballot if ballot.violation else ballot.model_copy(update={"rules": ()})
        if not b.violation:
            b = b.model_copy(update={"test": {}, "rabat": {}, "lesser_remedies_insufficient": {}})
        proceedings.cast_vote(ctx, filed.case_id, juror_id, b)
    text = client.get(f"/decisions/{filed.case_id}").text
    assert "Dissents" in text and "I dissent." in text


def test_no_decision_page_for_an_unruled_or_unknown_case(
    client: TestClient, record: Record
) -> None:
    r = client.get(f"/decisions/{record.ids['G']}")
    assert r.status_code == 404 and "has no decision yet" in r.text
    assert client.get("/decisions/cnope").status_code == 404


def test_the_public_decision_page_hides_the_post(
    client: TestClient, ctx: Context, record: Record
) -> None:
    assert "The post post-c." not in client.get(f"/decisions/{record.ids['C']}").text


def test_statistics_draw_svg_charts_with_tables(client: TestClient, record: Record) -> None:
    text = client.get("/stats").text
    assert text.count("<svg") == 5 and text.count('role="img"') == 5
    assert "<rect" in text and "Nov 2026" in text
    assert "Decisions by category and outcome" in text
    fa = client.get("/stats", params={"lang": "fa"}).text
    assert "نوامبر ۲۰۲۶" in fa  # the month, in Persian digits


def test_the_log_page_has_the_checkpoint_and_the_key(
    client: TestClient, ctx: Context, record: Record
) -> None:
    from alteram.services import log as log_service

    text = client.get("/log").text
    assert log_service.verifier_key(ctx) in text
    note = log_service.checkpoint(ctx)
    assert note.split("\n")[2] in text  # the signed root
    assert "alteram log verify https://alteram.test --key" in text


def test_persian_pages_use_the_solar_hijri_calendar(client: TestClient, record: Record) -> None:
    # Case A was ruled on 2026-11-02 (T0 + 3 h): 11 Aban 1405 in the Solar Hijri calendar.
    fa = client.get(f"/decisions/{record.ids['A']}", params={"lang": "fa"}).text
    assert "۱۱ آبان ۱۴۰۵" in fa and "November" not in fa
    en = client.get(f"/decisions/{record.ids['A']}", params={"lang": "en"}).text
    assert "2 November 2026" in en and "آبان" not in en


def test_hostile_content_is_escaped_and_isolated_everywhere(
    client: TestClient, ctx: Context, people: People
) -> None:
    """A post, a report, a reply, juror reasons, appeal grounds and a juror's name made of
    markup and a right-to-left override: every page that shows them keeps them inert."""
    filed = file_case(ctx, people.platform_id, text=HOSTILE, explanation=HOSTILE)
    author = Principal(kind="party", subject=filed.case_id, party_id="author")
    proceedings.reply(ctx, filed.case_id, author, HOSTILE)
    with ctx.store.transaction() as tx:
        case = tx.get_case(filed.case_id)
    assert case is not None and case.panel is not None
    chosen = list(case.panel.chosen)
    for juror_id in chosen:
        ballot = violation(["HAR-1"], Remedy.LABEL, reasons=HOSTILE)
        proceedings.cast_vote(ctx, filed.case_id, juror_id, ballot)
    reporter = Principal(kind="party", subject=filed.case_id, party_id="r1")
    proceedings.appeal(ctx, filed.case_id, reporter, HOSTILE)
    accounts.add_juror(ctx, HOSTILE, ["en"], [HOSTILE], [HOSTILE])

    seen = 0
    for lang in ("en", "fa"):
        for path in (f"/decisions/{filed.case_id}", "/decisions", "/"):
            seen += assert_hostile_is_inert(client.get(path, params={"lang": lang}).text)
    decision = client.get(f"/decisions/{filed.case_id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in decision

    sign_in(client, f"/cases/{filed.case_id}", f"/cases/{filed.case_id}/signin", filed.author_token)
    seen += assert_hostile_is_inert(client.get(f"/cases/{filed.case_id}").text)
    with ctx.store.transaction() as tx:
        appeal_panel = tx.get_case(filed.case_id)
    assert appeal_panel is not None and appeal_panel.panel is not None
    juror = appeal_panel.panel.chosen[0]
    sign_in(client, "/juror", "/juror/signin", people.juror_tokens[juror])
    seen += assert_hostile_is_inert(client.get(f"/juror/cases/{filed.case_id}").text)
    sign_in(client, "/admin", "/admin/signin", accounts.create_admin_token(ctx))
    seen += assert_hostile_is_inert(client.get("/admin/jurors").text)
    assert seen >= 10  # the hostile text really was on those pages


def test_an_unknown_path_gets_a_translated_page_and_the_api_keeps_json(
    client: TestClient,
) -> None:
    r = client.get("/no/such/page<script>")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Page not found" in r.text and "<script>" not in r.text
    assert 'href="/decisions"' in r.text
    fa = client.get("/nothing-here", params={"lang": "fa"})
    assert fa.status_code == 404 and '<html lang="fa" dir="rtl">' in fa.text
    assert "صفحه پیدا نشد" in fa.text
    api = client.get("/api/v1/nothing")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    case = client.get("/api/v1/cases/cnope")
    assert case.status_code == 404 and case.json()["error"]["field"] == "case_id"
