"""The legal orders' pages: the authorities' form (English and Persian), the public list
and record of refused and granted orders, on every storage backend."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from alteram.services import accounts
from alteram.services.context import Context
from conftest import People
from pages_kit import HOSTILE, csrf_of
from test_orders import PDF, order_body, send


def form_values(**over: str) -> dict[str, str]:
    values = {
        "kind": "court",
        "authority_name": "",
        "platform": "forum.example",
        "jurisdiction": "IR",
        "provision": "IR-PENAL-500",
        "category": "incitement",
        "issued_on": "2026-10-01",
        "reference": "File 77/1403, plaintiff Reza Karimi",
        "measure": "removal",
        "notes": "",
        "private_persons": "Reza Karimi",
        "content_url": "https://forum.example/@sara/77",
        "content_id": "77",
        "author": "@sara@forum.example",
        "content_text": "A cartoon of the leader.",
        "language": "fa",
    }
    values.update(over)
    return values


def test_an_authority_sends_an_order_on_the_form_and_the_refusal_is_published(
    client: TestClient, people: People, ctx: Context
) -> None:
    _, token = accounts.create_authority(ctx, "Tehran Prosecutor", "IR")
    page = client.get("/orders/new?lang=fa")
    assert page.status_code == 200
    assert 'lang="fa" dir="rtl"' in page.text and "ارسال حکم قضایی" in page.text
    r = client.post(
        "/orders/new",
        data={"csrf": csrf_of(page.text), "token": token, **form_values()},
        files={"document": ("order.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    assert url.startswith("/orders/o") and url.endswith("?sent=1")
    shown = client.get(url + "&lang=en")
    assert shown.status_code == 200
    text = shown.text
    assert "Refused: the law is incompatible with human rights" in text
    assert "IR-PENAL-500" in text and "GC34" in text  # the provision and the table's reasoning
    assert "plaintiff [private person]" in text and "Karimi" not in text
    assert "sara" not in text
    listed = client.get("/orders?outcome=refused_incompatible")
    assert listed.status_code == 200 and url.split("?")[0] in listed.text
    fa = client.get("/orders?lang=fa")
    assert "رد شد" in fa.text and 'dir="rtl"' in fa.text


def test_the_form_keeps_the_values_and_names_the_field_on_a_mistake(
    client: TestClient, people: People, ctx: Context
) -> None:
    _, token = accounts.create_authority(ctx, "Landgericht Berlin", "DE")
    page = client.get("/orders/new")
    r = client.post(
        "/orders/new",
        data={
            "csrf": csrf_of(page.text),
            "token": token,
            **form_values(jurisdiction="DE", provision="DE-STGB-130", reference=HOSTILE),
        },
        files={"document": ("order.txt", b"plain text, not an order", "text/plain")},
    )
    assert r.status_code == 422
    assert "The form was not accepted" in r.text and "document.data" in r.text
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;" in r.text
    r = client.post(
        "/orders/new",
        data={"csrf": csrf_of(page.text), "token": "alt_au_wrong", **form_values()},
        files={"document": ("order.pdf", PDF, "application/pdf")},
    )
    assert r.status_code == 401 and "unknown or revoked token" in r.text
    r = client.post("/orders/new", data={"token": token, **form_values()})
    assert r.status_code == 403  # no CSRF token
    assert client.get("/api/v1/orders").json()["total"] == 0


def test_a_granted_order_has_its_public_page(
    client: TestClient, people: People, ctx: Context
) -> None:
    _, token = accounts.create_authority(ctx, "Landgericht Berlin", "DE")
    done = send(client, {"Authorization": f"Bearer {token}"}, order_body()).json()
    page = client.get(f"/orders/{done['order_id']}")
    assert page.status_code == 200
    assert "Pending: the author is heard, then a panel rules" in page.text
    assert "Landgericht Berlin" in page.text and "https://forum.example/…" in page.text
    assert client.get("/orders/o-none").status_code == 404
    assert client.get("/orders?jurisdiction=ZZ").status_code == 422
    home = client.get("/")
    assert 'href="/orders"' in home.text


def test_a_juror_checks_the_order_and_can_grant_at_most_a_home_restriction_on_the_form(
    client: TestClient, people: People, ctx: Context
) -> None:
    from alteram.domain.policy import RABAT_FACTORS, THREE_PART_TEST
    from alteram.domain.remedy import LADDER
    from pages_kit import sign_in

    _, token = accounts.create_authority(ctx, "Landgericht Berlin", "DE")
    done = send(client, {"Authorization": f"Bearer {token}"}, order_body()).json()
    case_id = done["case_id"]
    notice = client.get(f"/api/v1/cases/{case_id}/notices", headers=people.platform_auth)
    author = notice.json()["notices"][0]["token"]
    r = client.post(
        f"/api/v1/cases/{case_id}/reply",
        json={"waive": True},
        headers={"Authorization": f"Bearer {author}"},
    )
    assert r.status_code == 200, r.text
    chosen = client.get(f"/api/v1/cases/{case_id}").json()["panel"]["draw"]["chosen"]
    sign_in(client, "/juror", "/juror/signin", people.juror_tokens[chosen[0]])
    page = client.get(f"/juror/cases/{case_id}?lang=en")
    assert page.status_code == 200
    assert "The legal order" in page.text and "LG Berlin 27 O 12/26, plaintiff Anna" in page.text
    assert 'name="test_authentic"' in page.text and 'name="test_within_power"' in page.text
    assert 'id="remedy-geo_restriction"' in page.text and 'id="remedy-removal"' not in page.text
    doc = client.get(f"/juror/cases/{case_id}/order-document")
    assert doc.status_code == 200 and doc.content == PDF
    data: dict[str, Any] = {
        "csrf": csrf_of(page.text),
        "violation": "yes",
        "rules": "INC-1",
        "remedy": "geo_restriction",
        "jurisdictions": "DE",
        "reasons": "A call to violence against a group; only readers in DE.",
    }
    data |= {f"test_{p}": f"{p}: yes" for p in THREE_PART_TEST}
    data |= {f"rabat_{f}": f"{f}: yes" for f in RABAT_FACTORS}
    data |= {f"lesser_{r.value}": "too weak" for r in LADDER[:5]}
    r = client.post(f"/juror/cases/{case_id}/vote", data=data, follow_redirects=False)
    assert r.status_code == 422 and "test.authentic" in r.text  # the order checks first
    data |= {
        "test_authentic": "sealed",
        "test_within_power": "yes",
        "test_provision_compatible": "yes",
    }
    r = client.post(f"/juror/cases/{case_id}/vote", data={**data, "remedy": "removal"})
    assert r.status_code == 422 and "at most as a geo_restriction in DE" in r.text
    r = client.post(f"/juror/cases/{case_id}/vote", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    # Another case's juror, or nobody signed in, gets no document.
    client.cookies.clear()
    assert client.get(f"/juror/cases/{case_id}/order-document").status_code == 401


def test_the_author_of_a_refused_order_reads_the_refusal_on_the_case_page(
    client: TestClient, people: People, ctx: Context
) -> None:
    from pages_kit import sign_in

    _, token = accounts.create_authority(ctx, "Tehran Prosecutor", "IR")
    body = order_body("IR-PENAL-513", "IR")
    body["authority"] = {"kind": "government"}
    done = send(client, {"Authorization": f"Bearer {token}"}, body).json()
    case_id = done["case_id"]
    notice = client.get(f"/api/v1/cases/{case_id}/notices", headers=people.platform_auth)
    author = notice.json()["notices"][0]["token"]
    sign_in(client, f"/cases/{case_id}", f"/cases/{case_id}/signin", author)
    page = client.get(f"/cases/{case_id}?lang=en")
    assert page.status_code == 200, page.text
    assert "Legal order refused: incompatible with human rights" in page.text
    assert 'action="/cases/' + case_id + '/reply"' not in page.text  # nothing to answer
    assert 'action="/cases/' + case_id + '/appeal"' not in page.text
