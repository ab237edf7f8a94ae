"""Images on the case pages: the post's media and the author's evidence, blurred until
opened (no script), served re-encoded to the people of the case only; evidence sent
with the reply, by the page (multipart) and by the API (base64)."""

from __future__ import annotations

import base64
import io

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from alteram.services import proceedings, seal
from alteram.services.accounts import Principal
from alteram.services.context import Context
from alteram.services.reports import ReportRequest, file_report
from alteram.storage import tables as t
from conftest import People
from pages_kit import Filed, csrf_of, parse, sign_in

API = "/api/v1"


def picture(seed: int = 1, fmt: str = "PNG") -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buf, fmt)
    return buf.getvalue()


def file_with_media(ctx: Context, people: People, post: str = "img-1") -> tuple[Filed, str]:
    data = picture(len(post))
    body = {
        "content": {
            "platform_id": post,
            "url": f"https://forum.example/p/{post}",
            "author": {"handle": f"@author-{post}@forum.example"},
            "text": f"A post with a picture {post}.",
            "language": "en",
            "media": [{"data": base64.b64encode(data).decode()}],
        },
        "category": "harassment",
        "explanation": "This is abuse.",
        "reporter": {"handle": "reporter-1"},
    }
    filed = file_report(ctx, people.platform_id, ReportRequest.model_validate(body))
    with ctx.store.transaction() as tx:
        notices = seal.opened(ctx, tx.notices_for(filed.case_id))
        case = tx.get_case(filed.case_id)
    assert case is not None
    (sha,) = case.content.media
    author = next(n["token"] for n in notices if n["party_id"] == "author")
    reporter = next(n["token"] for n in notices if n["party_id"] != "author")
    return Filed(filed.case_id, str(author), str(reporter)), sha


def count_media(ctx: Context) -> int:
    with ctx.store.transaction() as tx:
        return int(tx.conn.execute(select(func.count()).select_from(t.media)).scalar_one())


def test_party_pages_show_the_posts_images_blurred_behind_a_reveal(
    client: TestClient, people: People, ctx: Context
) -> None:
    filed, sha = file_with_media(ctx, people)
    url = f"/cases/{filed.case_id}/media/{sha}"
    # not signed in: no image, and the API route needs a token too
    assert client.get(url).status_code == 403
    assert client.get(f"{API}/cases/{filed.case_id}/media/{sha}").status_code == 401
    sign_in(
        client, f"/cases/{filed.case_id}", f"/cases/{filed.case_id}/signin", filed.reporter_token
    )
    page = client.get(f"/cases/{filed.case_id}")
    assert page.status_code == 200
    assert f'<img src="{url}"' in page.text and '<details class="reveal">' in page.text
    tree = parse(page.text)
    assert tree.scripts == 0 and not tree.inline_handlers
    got = client.get(url)
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert got.headers["cache-control"] == "private, no-store"
    assert Image.open(io.BytesIO(got.content)).format == "JPEG"
    assert client.get(f"/cases/{filed.case_id}/media/{'0' * 64}").status_code == 404
    # the stylesheet blurs the closed reveal
    css = client.get("/static/style.css").text
    assert ".reveal img" in css and "blur(" in css and ".reveal[open] img" in css
    # the Persian page labels the images in Persian
    fa = client.get(f"/cases/{filed.case_id}?lang=fa")
    assert "تصویرهای پست" in fa.text


def test_jurors_see_the_images_others_do_not(
    client: TestClient, people: People, ctx: Context
) -> None:
    filed, sha = file_with_media(ctx, people, "img-2")
    author = Principal(kind="party", subject=filed.case_id, party_id="author")
    case = proceedings.reply(ctx, filed.case_id, author, "It is satire.")
    assert case.panel is not None
    on, off = (
        case.panel.chosen[0],
        next(j for j in people.juror_tokens if j not in case.panel.chosen),
    )
    sign_in(client, "/juror", "/juror/signin", people.juror_tokens[off])
    assert client.get(f"/juror/cases/{filed.case_id}/media/{sha}").status_code == 403
    sign_in(client, "/juror", "/juror/signin", people.juror_tokens[on])
    page = client.get(f"/juror/cases/{filed.case_id}")
    url = f"/juror/cases/{filed.case_id}/media/{sha}"
    assert f'<img src="{url}"' in page.text and '<details class="reveal">' in page.text
    assert client.get(url).status_code == 200
    # the public decision page shows no media, even once ruled
    assert "/media/" not in client.get(f"/decisions/{filed.case_id}").text


def _reply_form(client: TestClient, filed: Filed) -> str:
    sign_in(client, f"/cases/{filed.case_id}", f"/cases/{filed.case_id}/signin", filed.author_token)
    page = client.get(f"/cases/{filed.case_id}")
    assert 'enctype="multipart/form-data"' in page.text and 'type="file"' in page.text
    return csrf_of(page.text)


def test_the_author_replies_with_images_as_evidence(
    client: TestClient, people: People, ctx: Context
) -> None:
    filed, _ = file_with_media(ctx, people, "img-3")
    csrf = _reply_form(client, filed)
    files = [
        ("evidence", ("one.png", picture(11), "image/png")),
        ("evidence", ("two.jpg", picture(12, "JPEG"), "image/jpeg")),
    ]
    r = client.post(
        f"/cases/{filed.case_id}/reply",
        data={"csrf": csrf, "statement": "این طنز است؛ عکس‌ها را ببینید.", "action": "reply"},
        files=files,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    with ctx.store.transaction() as tx:
        case = tx.get_case(filed.case_id)
    assert case is not None and case.reply is not None and len(case.reply.evidence) == 2
    assert case.panel is not None
    page = client.get(f"/cases/{filed.case_id}")
    for sha in case.reply.evidence:
        assert f"/cases/{filed.case_id}/media/{sha}" in page.text
        assert client.get(f"/cases/{filed.case_id}/media/{sha}").status_code == 200
    # the panel sees the evidence on the case file and through the API
    juror = case.panel.chosen[0]
    sign_in(client, "/juror", "/juror/signin", people.juror_tokens[juror])
    jpage = client.get(f"/juror/cases/{filed.case_id}")
    assert "The author&#39;s evidence" in jpage.text or "The author's evidence" in jpage.text
    for sha in case.reply.evidence:
        assert f"/juror/cases/{filed.case_id}/media/{sha}" in jpage.text
        api = client.get(
            f"{API}/cases/{filed.case_id}/media/{sha}", headers=people.juror_auth(juror)
        )
        assert api.status_code == 200
    view = client.get(f"{API}/cases/{filed.case_id}", headers=people.juror_auth(juror)).json()
    assert len(view["reply"]["evidence"]) == 2


def test_a_bad_evidence_file_is_refused_and_nothing_is_saved(
    client: TestClient, people: People, ctx: Context
) -> None:
    filed, _ = file_with_media(ctx, people, "img-4")
    before = count_media(ctx)
    csrf = _reply_form(client, filed)
    r = client.post(
        f"/cases/{filed.case_id}/reply",
        data={"csrf": csrf, "statement": "My reply.", "action": "reply"},
        files=[
            ("evidence", ("ok.png", picture(21), "image/png")),
            ("evidence", ("bad.png", b"not an image at all", "image/png")),
        ],
        follow_redirects=False,
    )
    assert r.status_code == 422
    assert "evidence.1.data" in r.text and "My reply." in r.text
    assert 'id="evidence"' in r.text and 'aria-invalid="true"' in r.text
    with ctx.store.transaction() as tx:
        case = tx.get_case(filed.case_id)
    assert case is not None and case.reply is None and case.panel is None
    assert count_media(ctx) == before


def test_api_reply_with_evidence(client: TestClient, people: People, ctx: Context) -> None:
    filed, _ = file_with_media(ctx, people, "img-5")
    auth = {"Authorization": f"Bearer {filed.author_token}"}
    before = count_media(ctx)
    good = base64.b64encode(picture(31)).decode()
    bad = client.post(
        f"{API}/cases/{filed.case_id}/reply",
        json={"statement": "Context.", "evidence": [{"data": good}, {"data": "%%%"}]},
        headers=auth,
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "evidence.1.data"
    assert count_media(ctx) == before
    waived = client.post(
        f"{API}/cases/{filed.case_id}/reply",
        json={"waive": True, "evidence": [{"data": good}]},
        headers=auth,
    )
    assert waived.status_code == 422 and waived.json()["error"]["field"] == "evidence"
    ok = client.post(
        f"{API}/cases/{filed.case_id}/reply",
        json={"statement": "Context.", "evidence": [{"data": good}, {"data": good}]},
        headers=auth,
    )
    assert ok.status_code == 200, ok.text
    view = client.get(f"{API}/cases/{filed.case_id}", headers=auth).json()
    (link,) = view["reply"]["evidence"]  # the same file twice is kept once
    assert client.get(link, headers=auth).status_code == 200
    assert client.get(link).status_code == 401
    assert count_media(ctx) == before + 1
