"""Disputes (issue 6 §1) over HTTP, on every storage backend: a user challenges a
platform's decision, the platform is heard, a panel rules on the restriction, the
platform answers what it did. Time moves only through the fake clock."""

from __future__ import annotations

import base64
import io
import json
import threading
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from alteram.domain.remedy import Remedy
from alteram.services import disputes, proceedings
from alteram.services.context import Context
from alteram.storage import tables as t
from conftest import FakeClock, People, bearer
from factories import no_violation, violation
from test_lifecycle_api import assert_error, ballot
from test_precedent import encode, photo

API = "/api/v1"
EMAIL = "sara.appellant@mail.example"


def dispute_body(platform: str = "forum.example", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "platform": platform,
        "action": "removed",
        "action_at": "2026-10-30T12:00:00Z",
        "platform_reason": "Violates our community guidelines.",
        "platform_reference": "REF-99812",
        "content": {
            "url": "https://forum.example/p/img-1",
            "author": "@sara@forum.example",
            "text": "Photos from the women's march, Tehran.",
        },
        "statement": "These are news photographs of a peaceful protest.",
        "jurisdiction": "IR",
        "contact_email": EMAIL,
        "language": "fa",
    }
    body.update(extra)
    return body


def file(client: TestClient, **extra: Any) -> dict[str, Any]:
    r = client.post(f"{API}/disputes", json=dispute_body(**extra))
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def platform_notice(client: TestClient, people: People, case_id: str) -> dict[str, Any]:
    r = client.get(f"{API}/cases/{case_id}/notices", headers=people.platform_auth)
    assert r.status_code == 200, r.text
    notices = r.json()["notices"]
    assert notices and all(n["party_id"] == "platform" for n in notices)
    first: dict[str, Any] = notices[0]
    return first


def vote_all(client: TestClient, people: People, case_id: str, ballots: list[Any]) -> None:
    chosen = client.get(f"{API}/cases/{case_id}").json()["panel"]["draw"]["chosen"]
    for juror_id, b in zip(chosen, ballots, strict=True):
        r = client.post(
            f"{API}/cases/{case_id}/votes", json=ballot(b), headers=people.juror_auth(juror_id)
        )
        assert r.status_code == 201, r.text


def to_ruling(client: TestClient, people: People, ballots: list[Any]) -> tuple[str, str, str]:
    """File, let the platform respond, vote: ``(case_id, appellant token, platform token)``."""
    filed = file(client)
    notice = platform_notice(client, people, filed["case_id"])
    r = client.post(
        f"{API}/disputes/{filed['case_id']}/response",
        json={"statement": "The photos showed violence."},
        headers=bearer(notice["token"]),
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "voting"
    vote_all(client, people, filed["case_id"], ballots)
    return filed["case_id"], filed["token"], notice["token"]


def test_a_dispute_is_filed_the_platform_notified_and_the_token_given_once(
    client: TestClient, people: People, ctx: Context
) -> None:
    filed = file(client)
    assert filed["state"] == "awaiting_reply"
    assert filed["platform_registered"] is True
    assert filed["token"].startswith("alt_pa_")
    assert filed["token"] not in filed["url"]
    case_id = filed["case_id"]
    notice = platform_notice(client, people, case_id)
    assert "peaceful protest" in notice["text"] and "REF-99812" in notice["text"]
    # the appellant follows the case with the token; the statement is theirs to see
    view = client.get(f"{API}/cases/{case_id}", headers=bearer(filed["token"])).json()
    assert view["viewer"] == "author" and view["mode"] == "dispute"
    assert view["dispute"]["statement"].startswith("These are news photographs")
    public = client.get(f"{API}/cases/{case_id}").json()
    assert public["dispute"]["action"] == "removed" and "statement" not in public["dispute"]
    # the contact is private: only the private table and the e-mail outbox hold it
    with ctx.store.read() as tx:
        assert disputes.contact_email(tx, case_id, "author") == EMAIL
        assert disputes.contact_email(tx, case_id, "platform") is None
        outbox = tx.conn.execute(select(t.notices.c.party_id, t.notices.c.email)).all()
        assert sorted(outbox) == [("author", EMAIL), ("platform", None)]
        for table in t.metadata.sorted_tables:
            if table.name in ("dispute_contacts", "notices"):
                continue
            for row in tx.conn.execute(select(table)):
                assert EMAIL not in repr(tuple(row)), table.name
        types = [e["type"] for e in tx.events_for(case_id)]
    assert types[:2] == ["case_opened", "dispute_filed"]
    entries = client.get(f"{API}/log/entries", params={"start": 0, "end": 50}).text
    assert "dispute_filed" in entries and "peaceful protest" not in entries


def test_not_justified_is_a_recommendation_sent_to_both_sides(
    client: TestClient, people: People, ctx: Context
) -> None:
    case_id, token, platform_token = to_ruling(client, people, [no_violation()] * 3)
    ruling = client.get(f"{API}/cases/{case_id}/ruling").json()
    assert ruling["statement_of_reasons"]["decision"].startswith("Restriction not justified")
    assert "non-binding" in ruling["statement_of_reasons"]["decision"]
    d = client.get(f"{API}/disputes/{case_id}").json()
    assert d["outcome"] == "restriction_not_justified" and d["binding"] is False
    with ctx.store.read() as tx:
        events = tx.events_for(case_id)
        notices = tx.notices_for(case_id)
    types = [e["type"] for e in events]
    assert "dispute_ruled" in types and "remedy_applied" not in types
    ruled = [n for n in notices if "Ruling in case" in n["text"]]
    assert {n["party_id"] for n in ruled} == {"author", "platform"}
    # the winner has nothing to appeal; the platform may appeal once
    r = client.post(f"{API}/cases/{case_id}/appeals", json={"grounds": "x"}, headers=bearer(token))
    assert_error(r, 409, "out_of_order")
    r = client.post(
        f"{API}/cases/{case_id}/appeals",
        json={"grounds": "The panel missed the violent frames."},
        headers=bearer(platform_token),
    )
    assert r.status_code == 201, r.text
    assert r.json()["state"] == "appeal_voting"


def test_lesser_remedy_and_upheld(client: TestClient, people: People) -> None:
    label = violation(("INC-1",), Remedy.LABEL)
    case_id, _, _ = to_ruling(client, people, [label] * 3)
    d = client.get(f"{API}/disputes/{case_id}").json()
    assert d["outcome"] == "lesser_remedy_recommended" and d["recommended_remedy"] == "label"
    assert client.get(f"{API}/cases/{case_id}").json()["category"] == "incitement"
    removal = violation(("INC-1",), Remedy.REMOVAL)
    case_id, token, _ = to_ruling(client, people, [removal] * 3)
    d = client.get(f"{API}/disputes/{case_id}").json()
    assert d["outcome"] == "restriction_upheld"
    r = client.post(
        f"{API}/cases/{case_id}/appeals", json={"grounds": "news value"}, headers=bearer(token)
    )
    assert r.status_code == 201, r.text


def test_a_dispute_vote_owes_rabat_only_for_incitement_rules(
    client: TestClient, people: People
) -> None:
    filed = file(client)
    notice = platform_notice(client, people, filed["case_id"])
    client.post(
        f"{API}/disputes/{filed['case_id']}/response",
        json={"statement": "harassment"},
        headers=bearer(notice["token"]),
    )
    chosen = client.get(f"{API}/cases/{filed['case_id']}").json()["panel"]["draw"]["chosen"]
    b = ballot(violation(("HAR-1",), Remedy.LABEL))
    b["rabat"] = {}
    r = client.post(
        f"{API}/cases/{filed['case_id']}/votes", json=b, headers=people.juror_auth(chosen[0])
    )
    assert r.status_code == 201, r.text
    b = ballot(violation(("INC-1",), Remedy.LABEL))
    b["rabat"] = {}
    r = client.post(
        f"{API}/cases/{filed['case_id']}/votes", json=b, headers=people.juror_auth(chosen[1])
    )
    assert_error(r, 422, "invalid", "rabat.context")


def test_compliance_answered_once_and_lapses_without_answer(
    client: TestClient, people: People, ctx: Context, clock: FakeClock
) -> None:
    case_id, _, platform_token = to_ruling(client, people, [no_violation()] * 3)
    r = client.post(
        f"{API}/disputes/{case_id}/compliance",
        json={"compliance": "implemented"},
        headers=people.platform_auth,
    )
    assert_error(r, 409, "out_of_order")
    other, _, _ = to_ruling(client, people, [no_violation()] * 3)
    clock.advance(ctx.policy.deadlines.appeal + timedelta(minutes=1))
    proceedings.advance_due(ctx)
    r = client.post(
        f"{API}/disputes/{case_id}/compliance",
        json={"compliance": "implemented", "note": "restored on 2026-11-30"},
        headers=people.platform_auth,
    )
    assert r.status_code == 200, r.text
    assert r.json()["compliance"] == "implemented"
    r = client.post(
        f"{API}/disputes/{case_id}/compliance",
        json={"compliance": "declined"},
        headers=bearer(platform_token),
    )
    assert_error(r, 409, "conflict")
    r = client.post(
        f"{API}/disputes/{other}/compliance",
        json={"compliance": "maybe"},
        headers=people.platform_auth,
    )
    assert_error(r, 422, "invalid", "compliance")
    clock.advance(ctx.disputes.compliance_window)
    proceedings.advance_due(ctx)
    d = client.get(f"{API}/disputes/{other}").json()
    assert d["compliance"] == "no_answer"
    with ctx.store.read() as tx:
        recorded = [
            e["payload"]["compliance"]
            for c in (case_id, other)
            for e in tx.events_for(c)
            if e["type"] == "dispute_compliance_recorded"
        ]
    assert recorded == ["implemented", "no_answer"]


def test_an_unregistered_platform_is_recorded_and_the_window_runs(
    client: TestClient, people: People, ctx: Context, clock: FakeClock
) -> None:
    filed = file(client, platform="Instagrum")
    assert filed["platform_registered"] is False
    case_id = filed["case_id"]
    r = client.get(f"{API}/cases/{case_id}/notices", headers=people.platform_auth)
    assert_error(r, 403, "forbidden")
    with ctx.store.read() as tx:
        assert any(n["party_id"] == "platform" for n in tx.notices_for(case_id))
    r = client.post(
        f"{API}/disputes/{case_id}/response",
        json={"statement": "ours"},
        headers=people.platform_auth,
    )
    assert_error(r, 403, "forbidden")
    # the appellant cannot close the platform's hearing with the core reply
    r = client.post(
        f"{API}/cases/{case_id}/reply", json={"waive": True}, headers=bearer(filed["token"])
    )
    assert_error(r, 409, "out_of_order")
    clock.advance(ctx.policy.deadlines.reply + timedelta(minutes=1))
    proceedings.advance_due(ctx)
    assert client.get(f"{API}/cases/{case_id}").json()["state"] == "voting"


def test_bad_input_is_refused_and_nothing_is_kept(client: TestClient, ctx: Context) -> None:
    def refused(body: dict[str, Any], field: str) -> None:
        r = client.post(f"{API}/disputes", json=body)
        assert_error(r, 422, "invalid", field)

    body = dispute_body()
    del body["statement"]
    refused(body, "statement")
    refused(dispute_body(action="vanished"), "action")
    refused(dispute_body(contact_email="not-an-address"), "contact_email")
    refused(dispute_body(category="nonsense"), "category")
    refused(dispute_body(jurisdiction="ZZ"), "jurisdiction")
    refused(dispute_body(statement="   "), "statement")
    body = dispute_body()
    del body["language"]
    refused(body, "language")
    body = dispute_body()
    body["content"]["media"] = [{"data": "not base64!"}]
    refused(body, "content.media.0.data")
    r = client.post(f"{API}/disputes", content=b"{", headers={"content-type": "application/json"})
    assert r.status_code == 422
    with ctx.store.read() as tx:
        assert tx.conn.execute(select(t.cases)).first() is None
        assert tx.conn.execute(select(t.dispute_contacts)).first() is None


def test_abuse_limits_per_contact_and_per_network(client: TestClient, ctx: Context) -> None:
    ctx.disputes = ctx.disputes.model_copy(update={"per_contact": 2, "per_ip": 3})
    file(client)
    file(client, contact_email=EMAIL.upper())
    r = client.post(f"{API}/disputes", json=dispute_body(contact_email=EMAIL.upper()))
    assert_error(r, 429, "rate_limited", "contact_email")
    file(client, contact_email="other@mail.example")
    r = client.post(f"{API}/disputes", json=dispute_body(contact_email="third@mail.example"))
    assert_error(r, 429, "rate_limited")
    assert r.json()["error"].get("field") is None


def test_concurrent_filings_by_one_contact_keep_to_the_limit(ctx: Context) -> None:
    """Eight filings at once by one contact, with room for three: exactly three are filed
    (on PostgreSQL the counts are taken under a lock per contact)."""
    from concurrent.futures import ThreadPoolExecutor

    from alteram.errors import TooMany
    from alteram.services.disputes import DisputeRequest, file_dispute

    ctx.disputes = ctx.disputes.model_copy(update={"per_contact": 3, "per_ip": 100})
    body = DisputeRequest.model_validate(dispute_body())
    start = threading.Barrier(8)

    def one(i: int) -> str:
        start.wait()
        try:
            return file_dispute(ctx, body, f"192.0.2.{i}").case_id
        except TooMany:
            return "refused"

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(8)))
    assert sorted(a == "refused" for a in answers) == [False] * 3 + [True] * 5
    with ctx.store.read() as tx:
        assert len(tx.conn.execute(select(t.dispute_contacts)).all()) == 3


def test_multipart_evidence_and_precedent_across_modes(
    client: TestClient, people: People, ctx: Context, clock: FakeClock
) -> None:
    image = photo(11)
    # a report case on the image, cleared by a final ruling
    report = {
        "content": {
            "platform_id": "img-1",
            "url": "https://forum.example/p/img-1",
            "author": {"handle": "@sara@forum.example"},
            "language": "fa",
            "media": [{"data": encode(image)}],
        },
        "category": "incitement",
        "explanation": "incites",
        "reporter": {"handle": "rep"},
    }
    r = client.post(f"{API}/reports", json=report, headers=people.platform_auth)
    assert r.status_code == 202, r.text
    cleared = r.json()["case_id"]
    notices = client.get(f"{API}/cases/{cleared}/notices", headers=people.platform_auth)
    author = next(n for n in notices.json()["notices"] if n["party_id"] == "author")
    client.post(
        f"{API}/cases/{cleared}/reply", json={"waive": True}, headers=bearer(author["token"])
    )
    vote_all(client, people, cleared, [no_violation()] * 3)
    clock.advance(ctx.policy.deadlines.appeal + timedelta(minutes=1))
    proceedings.advance_due(ctx)
    assert client.get(f"{API}/cases/{cleared}").json()["state"] == "final"
    # another platform removed the same image: the dispute cites the ruling
    buf = io.BytesIO()
    image.save(buf, "PNG")
    body = dispute_body(platform="Other Network")
    r = client.post(
        f"{API}/disputes",
        data={"dispute": json.dumps(body)},
        files=[("media", ("photo.png", buf.getvalue(), "image/png"))],
    )
    assert r.status_code == 201, r.text
    filed = r.json()
    assert filed["precedent"] == cleared
    view = client.get(f"{API}/cases/{filed['case_id']}", headers=bearer(filed["token"])).json()
    assert view["precedent"]["case_id"] == cleared
    assert len(view["content"]["media"]) == 1
    assert view["state"] == "awaiting_reply"  # cited, not decided: the platform is heard
    with ctx.store.read() as tx:
        types = [e["type"] for e in tx.events_for(filed["case_id"])]
    assert "precedent_cited" in types
    r = client.post(f"{API}/disputes", data={"other": "x"})
    assert_error(r, 422, "invalid", "dispute")
    media = base64.b64encode(buf.getvalue()).decode()
    assert media  # the same bytes as JSON base64 are accepted too
    body = dispute_body()
    body["content"]["media"] = [{"data": media}]
    assert client.post(f"{API}/disputes", json=body).status_code == 201


def test_statistics_count_disputes_by_platform_outcome_and_compliance(
    client: TestClient, people: People, ctx: Context, clock: FakeClock
) -> None:
    answered, _, _ = to_ruling(client, people, [no_violation()] * 3)
    to_ruling(client, people, [violation(("INC-1",), Remedy.LABEL)] * 3)
    file(client, platform="Instagrum")
    file(client, platform="instagrum ")
    clock.advance(ctx.policy.deadlines.appeal + timedelta(minutes=1))
    proceedings.advance_due(ctx)
    r = client.post(
        f"{API}/disputes/{answered}/compliance",
        json={"compliance": "declined"},
        headers=people.platform_auth,
    )
    assert r.status_code == 200, r.text
    figures = client.get(f"{API}/stats").json()["total"]["disputes"]
    assert figures["filed"] == 4
    assert figures["by_outcome"] == {
        "restriction_upheld": 0,
        "restriction_not_justified": 1,
        "lesser_remedy_recommended": 1,
        "pending": 2,
    }
    forum = figures["by_platform"]["forum.example"]
    assert forum["filed"] == 2
    assert forum["by_compliance"] == {
        "implemented": 0,
        "declined": 1,
        "no_answer": 0,
        "awaiting": 1,
    }
    assert figures["by_platform"]["Instagrum"]["filed"] == 2  # names group ignoring case
    assert list(figures["by_platform"]) == ["forum.example", "Instagrum"]
    page = client.get("/stats")
    assert page.status_code == 200
    assert "Disputes against platforms' decisions" in page.text and "Instagrum" in page.text


def test_a_final_dispute_ruling_binds_later_reports_on_the_same_image(
    client: TestClient, people: People, ctx: Context, clock: FakeClock
) -> None:
    media = encode(photo(23))
    body = dispute_body()
    body["content"]["media"] = [{"data": media}]
    r = client.post(f"{API}/disputes", json=body)
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    notice = platform_notice(client, people, case_id)
    client.post(
        f"{API}/disputes/{case_id}/response",
        json={"statement": "violence"},
        headers=bearer(notice["token"]),
    )
    vote_all(client, people, case_id, [no_violation()] * 3)
    clock.advance(ctx.policy.deadlines.appeal + timedelta(minutes=1))
    proceedings.advance_due(ctx)
    report = {
        "content": {
            "platform_id": "copy-1",
            "url": "https://forum.example/p/copy-1",
            "author": {"handle": "@someone@forum.example"},
            "language": "fa",
            "media": [{"data": media}],
        },
        "category": "incitement",
        "explanation": "incites",
        "reporter": {"handle": "rep-2"},
    }
    r = client.post(f"{API}/reports", json=report, headers=people.platform_auth)
    assert r.status_code == 202, r.text
    assert r.json()["case_state"] == "closed_precedent"
    view = client.get(f"{API}/cases/{r.json()['case_id']}").json()
    assert view["precedent"]["case_id"] == case_id
