"""The dispute form and status page, in English and Persian, without JavaScript, on
every storage backend."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient

from alteram.services import disputes
from alteram.services.context import Context
from conftest import People, bearer
from factories import no_violation
from pages_kit import HOSTILE, csrf_of, post_form, sign_in
from test_disputes_api import platform_notice, vote_all
from test_precedent import photo

FORM = {
    "platform": "forum.example",
    "action": "removed",
    "action_at": "2026-10-30",
    "platform_reason": "Community guidelines.",
    "platform_reference": "REF-1",
    "category": "",
    "url": "https://forum.example/p/img-9",
    "author": "@sara@forum.example",
    "text": "",
    "statement": "News photographs of a protest.",
    "jurisdiction": "",
    "contact_email": "sara@mail.example",
    "language": "fa",
}
TOKEN = re.compile(r"<code dir=\"ltr\">(alt_pa_[^<]+)</code>")


def test_the_form_is_plain_html_with_labels_in_both_languages(client: TestClient) -> None:
    en = client.get("/disputes/new")
    assert en.status_code == 200 and en.headers["cache-control"] == "no-store"
    assert "<script" not in en.text
    for name in ("platform", "action", "url", "statement", "contact_email", "media"):
        assert f'for="{name}"' in en.text and f'name="{name}"' in en.text
    assert 'enctype="multipart/form-data"' in en.text and 'name="csrf"' in en.text
    fa = client.get("/disputes/new?lang=fa")
    assert 'dir="rtl"' in fa.text and "Challenge a platform" not in fa.text
    assert "Removed the content" not in fa.text  # the actions are translated too


def test_filing_shows_the_token_once_and_it_opens_the_status_page(
    client: TestClient, people: People, ctx: Context
) -> None:
    buf = io.BytesIO()
    photo(5).save(buf, "PNG")
    r = post_form(
        client,
        "/disputes/new",
        "/disputes/new",
        {**FORM, "text": HOSTILE},
        files=[("media", ("p.png", buf.getvalue(), "image/png"))],
    )
    assert r.status_code == 201, r.text
    token = TOKEN.search(r.text)
    assert token, r.text
    case_id = re.search(r'href="/cases/(c[0-9a-f]+)"', r.text)
    assert case_id
    cid = case_id.group(1)
    assert token.group(1) not in f"/cases/{cid}"
    with ctx.store.read() as tx:
        assert disputes.contact_email(tx, cid, "author") == "sara@mail.example"
    sign_in(client, f"/cases/{cid}", f"/cases/{cid}/signin", token.group(1))
    page = client.get(f"/cases/{cid}")
    assert page.status_code == 200
    assert "Removed the content" in page.text and "News photographs of a protest." in page.text
    assert "<script>alert(1)</script>" not in page.text  # hostile text is escaped
    assert "Send my reply" not in page.text  # the platform is heard, not the appellant
    assert f"/cases/{cid}/media/" in page.text
    # the platform responds, the panel rules: the status page shows the recommendation
    notice = platform_notice(client, people, cid)
    client.post(
        f"/api/v1/disputes/{cid}/response",
        json={"statement": "Graphic violence."},
        headers=bearer(notice["token"]),
    )
    vote_all(client, people, cid, [no_violation()] * 3)
    page = client.get(f"/cases/{cid}")
    assert "Restriction not justified: restore recommended" in page.text
    assert "Graphic violence." in page.text
    public = client.get(f"/decisions/{cid}")
    assert public.status_code == 200
    assert "Restriction not justified: restore recommended" in public.text
    assert "News photographs of a protest." not in public.text  # statements stay private
    assert "sara@mail.example" not in public.text


def test_bad_input_comes_back_with_the_field_marked_and_the_values_kept(
    client: TestClient, ctx: Context
) -> None:
    r = post_form(client, "/disputes/new", "/disputes/new", {**FORM, "contact_email": "nope"})
    assert r.status_code == 422
    assert 'id="contact_email"' in r.text and 'aria-invalid="true"' in r.text
    assert "News photographs of a protest." in r.text  # what was typed is kept
    r = post_form(client, "/disputes/new", "/disputes/new", {**FORM, "action_at": "yesterday"})
    assert r.status_code == 422 and "YYYY-MM-DD" in r.text
    got = client.get("/disputes/new")
    r = client.post("/disputes/new", data={**FORM, "csrf": "forged"})
    assert r.status_code == 403 and csrf_of(got.text)


def test_the_juror_sees_what_the_platform_did_and_both_statements(
    client: TestClient, people: People
) -> None:
    r = post_form(client, "/disputes/new", "/disputes/new", FORM)
    cid = re.search(r'href="/cases/(c[0-9a-f]+)"', r.text)
    assert cid
    notice = platform_notice(client, people, cid.group(1))
    client.post(
        f"/api/v1/disputes/{cid.group(1)}/response",
        json={"statement": "Our rule 4.2 on violence."},
        headers=bearer(notice["token"]),
    )
    chosen = client.get(f"/api/v1/cases/{cid.group(1)}").json()["panel"]["draw"]["chosen"]
    juror = chosen[0]
    sign_in(client, "/juror", "/juror/signin", people.juror_tokens[juror])
    page = client.get(f"/juror/cases/{cid.group(1)}")
    assert page.status_code == 200, page.text
    for seen in (
        "Removed the content",
        "Community guidelines.",
        "News photographs of a protest.",
        "Our rule 4.2 on violence.",
    ):
        assert seen in page.text, seen
