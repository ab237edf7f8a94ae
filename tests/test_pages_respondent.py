"""The respondent platform's page in a dispute: it signs in with the token of its
notice, responds on a form, and later says what it did about the final ruling; in
English and Persian, with CSRF, on every storage backend."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from alteram.services import proceedings
from alteram.services.context import Context
from conftest import FakeClock, People
from factories import no_violation
from pages_kit import HOSTILE, assert_hostile_is_inert, csrf_of, post_form, sign_in
from test_disputes_api import file, platform_notice, vote_all


def test_the_platform_responds_on_its_page_and_answers_about_compliance(
    client: TestClient, people: People, ctx: Context, clock: FakeClock
) -> None:
    filed = file(client)
    cid = filed["case_id"]
    page_url = f"/cases/{cid}"
    # the appellant's page has no response form
    appellant = TestClient(client.app, base_url="https://alteram.test")
    sign_in(appellant, page_url, f"{page_url}/signin", filed["token"])
    assert "Your response as the platform" not in appellant.get(page_url).text
    # the platform signs in with the token of its notice
    notice = platform_notice(client, people, cid)
    sign_in(client, page_url, f"{page_url}/signin", notice["token"])
    page = client.get(page_url)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Your response as the platform" in page.text
    assert f'action="{page_url}/response"' in page.text and 'name="csrf"' in page.text
    assert "Signed in as the platform of case" in page.text
    assert "These are news photographs of a peaceful protest." in page.text  # the statement
    fa = client.get(f"{page_url}?lang=fa")
    assert 'dir="rtl"' in fa.text and "پاسخ شما به‌عنوان پلتفرم" in fa.text
    assert "Your response as the platform" not in fa.text
    client.get(f"{page_url}?lang=en")  # back to English (the choice is kept in a cookie)
    # no CSRF token: refused, nothing recorded
    r = client.post(f"{page_url}/response", data={"statement": "x"}, follow_redirects=False)
    assert r.status_code == 403
    # an empty statement: the field is marked, the hearing stays open
    r = post_form(client, page_url, f"{page_url}/response", {"statement": "   "})
    assert r.status_code == 422 and 'aria-invalid="true"' in r.text
    assert proceedings.current_case(ctx, cid).state.value == "awaiting_reply"
    # the response closes the hearing and draws the panel
    r = post_form(client, page_url, f"{page_url}/response", {"statement": HOSTILE})
    assert r.status_code == 303 and r.headers["location"] == f"{page_url}?done=response"
    page = client.get(r.headers["location"])
    assert "Your response is recorded." in page.text
    assert "Your response as the platform" not in page.text  # once only
    assert_hostile_is_inert(page.text)
    case = proceedings.current_case(ctx, cid)
    assert case.state.value == "voting" and case.dispute is not None
    assert case.dispute.response is not None and case.dispute.response.statement == HOSTILE
    with ctx.store.read() as tx:
        assert "platform_responded" in [e["type"] for e in tx.events_for(cid)]
    # the panel rules; no compliance form until the ruling is final
    vote_all(client, people, cid, [no_violation()] * 3)
    assert "What you did about the recommendation" not in client.get(page_url).text
    clock.advance(ctx.policy.deadlines.appeal + timedelta(minutes=1))
    proceedings.advance_due(ctx)
    # final because nobody appealed: the platform is asked, in the outbox, to answer
    with ctx.store.read() as tx:
        asked = [
            n
            for n in tx.notices_for(cid)
            if n["party_id"] == "platform" and "no appeal was filed in time" in n["text"]
        ]
    assert len(asked) == 1 and "implemented the recommendation by" in asked[0]["text"]
    page = client.get(page_url)
    assert "What you did about the recommendation" in page.text
    assert 'value="implemented"' in page.text and 'value="declined"' in page.text
    r = post_form(client, page_url, f"{page_url}/compliance", {"compliance": "maybe"})
    assert r.status_code == 422 and "choose implemented or declined" in r.text
    r = post_form(
        client,
        page_url,
        f"{page_url}/compliance",
        {"compliance": "implemented", "note": "Restored."},
    )
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert "Your answer is recorded" in page.text
    assert "What you did about the recommendation" not in page.text
    case = proceedings.current_case(ctx, cid)
    assert case.dispute is not None and case.dispute.compliance is not None
    assert case.dispute.compliance.value == "implemented"
    assert case.dispute.compliance_note == "Restored."
    # the appellant cannot answer for the platform
    got = appellant.get(page_url)
    r = appellant.post(
        f"{page_url}/compliance",
        data={"csrf": csrf_of(got.text), "compliance": "declined"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert proceedings.current_case(ctx, cid).dispute.compliance.value == "implemented"  # type: ignore[union-attr]


def test_the_response_form_needs_a_signed_in_platform(client: TestClient) -> None:
    filed = file(client)
    cid = filed["case_id"]
    r = post_form(client, f"/cases/{cid}", f"/cases/{cid}/response", {"statement": "x"})
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{cid}"
