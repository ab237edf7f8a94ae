"""Legal orders (issue 6 §2), over HTTP, on every storage backend.

Refused under an incompatible provision and published; under a compatible one the
author is heard and a panel can at most geo-restrict in the issuing jurisdiction;
bad input gets a clear 4xx and saves nothing.
"""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from alteram.domain.remedy import Remedy
from alteram.services import accounts
from conftest import T0, bearer
from factories import no_violation, violation
from test_lifecycle_api import API, assert_error, ballot

AUTHOR = "@sara@forum.example"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
IMAGE = Path(__file__).parent / "fixtures/pdq/verbatim/misc-images/small.jpg"
ORDER_CHECKS = {
    "authentic": "The court's seal and register entry check out.",
    "within_power": "A regional court may order this under §130.",
    "provision_compatible": "§130 implements ICCPR Art. 20(2).",
}


def order_body(
    provision: str = "DE-STGB-130",
    jurisdiction: str = "DE",
    *,
    external_id: str = "post-9",
    document: bytes = PDF,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "authority": {"kind": "court"},
        "jurisdiction": jurisdiction,
        "provision": provision,
        "category": "incitement",
        "issued_on": "2026-10-30",
        "reference": "LG Berlin 27 O 12/26, plaintiff Anna Schmidt, anna@example.org",
        "notes": "Call +49 30 1234 5678 or see https://court.example/x; defendant @sara",
        "private_persons": ["Anna Schmidt"],
        "measure": "removal",
        "platform": "forum.example",
        "content": {
            "platform_id": external_id,
            "url": f"https://forum.example/@sara/{external_id}",
            "author": {"handle": AUTHOR},
            "text": f"A post the court dislikes: {external_id}",
            "language": "en",
        },
        "document": {"data": base64.b64encode(document).decode()},
    }
    body.update(extra)
    return body


@pytest.fixture
def court(ctx: Any) -> dict[str, str]:
    _, token = accounts.create_authority(ctx, "Landgericht Berlin", "DE")
    return bearer(token)


@pytest.fixture
def tehran(ctx: Any) -> dict[str, str]:
    _, token = accounts.create_authority(ctx, "Tehran Prosecutor's Office", "IR")
    return bearer(token)


def send(client: Any, auth: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post(f"{API}/orders", json=body, headers=auth)


def notices(client: Any, people: Any, case_id: str) -> list[dict[str, Any]]:
    r = client.get(f"{API}/cases/{case_id}/notices", headers=people.platform_auth)
    assert r.status_code == 200, r.text
    return list(r.json()["notices"])


def log_records(client: Any) -> list[dict[str, Any]]:
    r = client.get(f"{API}/log/entries")
    assert r.status_code == 200, r.text
    return [e["record"] for e in r.json()["entries"]]


# -- refused under an incompatible provision ----------------------------------------------


def test_an_order_under_an_incompatible_provision_is_refused_and_published(
    client: Any, people: Any, tehran: dict[str, str], ctx: Any
) -> None:
    body = order_body("IR-PENAL-514", "IR", reference="Case 1403/77 against @sara")
    body["authority"] = {"kind": "government", "name": "Tehran Prosecutor's Office"}
    r = send(client, tehran, body)
    assert r.status_code == 201, r.text
    done = r.json()
    law = ctx.policy.law("IR", "IR-PENAL-514")
    assert done["state"] == "order_refused" and done["outcome"] == "refused_incompatible"
    assert done["compatible"] is False and done["reasoning"] == law.reasoning

    # The author is told, with the table's reasoning.
    (notice,) = notices(client, people, done["case_id"])
    assert notice["handle"] == AUTHOR and notice["party"] == "author"
    assert law.reasoning in notice["text"] and "refuses this order" in notice["text"]

    # The case is closed: no hearing, no panel, nothing restricted.
    case = client.get(f"{API}/cases/{done['case_id']}").json()
    assert case["state"] == "order_refused" and case["remedy"]["remedy"] == "no_action"
    assert case["mode"] == "order"
    assert case["panels"] == []

    # Published: the Lumen fields, without the author's handle.
    r = client.get(f"{API}/orders/{done['order_id']}")
    assert r.status_code == 200, r.text
    pub = r.json()
    assert pub["sender"] == {
        "name": "Tehran Prosecutor's Office",
        "kind": "government",
        "jurisdiction": "IR",
    }
    assert pub["recipient"] == {"platform": "forum.example"}
    assert pub["provision"]["id"] == "IR-PENAL-514" and pub["provision"]["compatible"] is False
    assert pub["provision"]["reasoning"] == law.reasoning
    assert pub["measure_requested"] == "removal" and pub["measure_granted"] is None
    assert pub["outcome"] == "refused_incompatible" and pub["final"] is True
    assert pub["reference"] == "Case 1403/77 against [private person]"
    assert pub["content"]["site"] == "https://forum.example/…"
    assert "as_sent" not in pub
    assert "sara" not in json.dumps(pub)
    listed = client.get(f"{API}/orders", params={"outcome": "refused_incompatible"}).json()
    assert [o["order_id"] for o in listed["orders"]] == [done["order_id"]]

    # On the log: the order and its refusal; the author only as a commitment.
    records = [x for x in log_records(client) if x["case_id"] == done["case_id"]]
    types = [x["type"] for x in records]
    assert types == ["case_opened", "order_received", "notice_issued", "order_refused"]
    refused = records[-1]
    assert refused["reasoning"] == law.reasoning and refused["provision"] == "IR-PENAL-514"
    assert "sara" not in json.dumps(records)


# -- a compatible provision: heard, then at most a geo-restriction -------------------------


def test_a_compatible_order_hears_the_author_and_can_at_most_geo_restrict_at_home(
    client: Any, people: Any, court: dict[str, str], clock: Any
) -> None:
    r = send(client, court, order_body())
    assert r.status_code == 201, r.text
    done = r.json()
    case_id = done["case_id"]
    assert done["state"] == "awaiting_reply" and done["outcome"] == "pending"
    assert done["compatible"] is True

    # The author is notified; no vote before the author is heard.
    (notice,) = notices(client, people, case_id)
    assert notice["handle"] == AUTHOR
    assert "geo-restriction for readers in DE" in notice["text"]
    author = bearer(notice["token"])
    juror = people.jurors[0].id
    r = client.post(
        f"{API}/cases/{case_id}/votes",
        json=ballot(no_violation()),
        headers=people.juror_auth(juror),
    )
    assert_error(r, 409, "out_of_order")

    r = client.post(
        f"{API}/cases/{case_id}/reply",
        headers=author,
        json={"statement": "This is reporting on a rally, not incitement."},
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "voting"
    chosen = client.get(f"{API}/cases/{case_id}").json()["panel"]["draw"]["chosen"]

    # The panel sees the order as sent, and its document.
    r = client.get(f"{API}/orders/{done['order_id']}", headers=people.juror_auth(chosen[0]))
    assert r.json()["as_sent"]["reference"].startswith("LG Berlin 27 O 12/26, plaintiff Anna")
    r = client.get(
        f"{API}/orders/{done['order_id']}/document", headers=people.juror_auth(chosen[0])
    )
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment")

    def grant(remedy: Remedy, jurisdictions: tuple[str, ...] = ()) -> dict[str, Any]:
        b = ballot(violation(("INC-1",), remedy, jurisdictions=jurisdictions))
        b["test"].update(ORDER_CHECKS)
        return b

    def vote(j: str, b: dict[str, Any]) -> Any:
        return client.post(f"{API}/cases/{case_id}/votes", json=b, headers=people.juror_auth(j))

    # Removal, as the order asks, is impossible: a clear error on the remedy.
    err = assert_error(vote(chosen[0], grant(Remedy.REMOVAL)), 422, "invalid", "remedy")
    assert "at most as a geo_restriction in DE" in err["message"]
    # So is a geo-restriction reaching readers outside the issuing jurisdiction.
    assert_error(
        vote(chosen[0], grant(Remedy.GEO_RESTRICTION, ("DE", "FR"))),
        422,
        "invalid",
        "jurisdictions",
    )
    assert_error(
        vote(chosen[0], grant(Remedy.GEO_RESTRICTION, ("FR",))), 422, "invalid", "jurisdictions"
    )
    # Granting without the order checks is refused too.
    b = ballot(violation(("INC-1",), Remedy.GEO_RESTRICTION, jurisdictions=("DE",)))
    assert_error(vote(chosen[0], b), 422, "invalid", "test.authentic")

    for j in chosen:
        r = vote(j, grant(Remedy.GEO_RESTRICTION, ("DE",)))
        assert r.status_code == 201, r.text
    ruling = client.get(f"{API}/cases/{case_id}/ruling").json()
    assert ruling["remedy"] == "geo_restriction" and ruling["jurisdictions"] == ["DE"]
    assert ruling["statement_of_reasons"]["territorial_scope"] == (
        "Restricted only for readers in: DE."
    )

    pub = client.get(f"{API}/orders/{done['order_id']}").json()
    assert pub["outcome"] == "granted_in_part"  # removal was asked; the most possible given
    assert pub["measure_requested"] == "removal"
    assert pub["measure_granted"] == {"remedy": "geo_restriction", "jurisdictions": ["DE"]}
    assert pub["action_taken"] == "geo_restriction for readers in DE"
    # The redaction of the free text.
    assert pub["reference"] == "LG Berlin 27 O 12/26, plaintiff [private person], [email]"
    assert pub["notes"] == "Call [number] or see [url] defendant [private person]"
    assert "sara" not in json.dumps(pub) and "Anna" not in json.dumps(pub)
    assert client.get(f"{API}/decisions/{case_id}").status_code == 200

    # The author may appeal once; the appeal panel is held to the same limit.
    clock.advance(timedelta(hours=1))
    r = client.post(
        f"{API}/cases/{case_id}/appeals",
        headers=author,
        json={"grounds": "Reporting is not incitement."},
    )
    assert r.status_code == 201, r.text
    appeal_panel = client.get(f"{API}/cases/{case_id}").json()["panel"]["draw"]["chosen"]
    assert_error(vote(appeal_panel[0], grant(Remedy.REMOVAL)), 422, "invalid", "remedy")
    for j in appeal_panel:
        assert vote(j, ballot(no_violation())).status_code == 201
    pub = client.get(f"{API}/orders/{done['order_id']}").json()
    assert pub["outcome"] == "refused_by_panel" and pub["final"] is True
    assert pub["measure_granted"] is None


def test_a_platform_forwards_an_order_it_received(client: Any, people: Any) -> None:
    body = order_body("FR-LOI1881-24", "FR", measure="label", platform=None)
    body["authority"] = {"kind": "government", "name": "Préfecture de police de Paris"}
    body["document"] = {"data": base64.b64encode(IMAGE.read_bytes()).decode()}
    r = send(client, people.platform_auth, body)
    assert r.status_code == 201, r.text
    done = r.json()
    pub = client.get(f"{API}/orders/{done['order_id']}").json()
    assert pub["via"] == "platform" and pub["sender"]["jurisdiction"] == "FR"
    assert pub["document"]["kind"] == "image"
    # The image document is re-encoded without metadata (JPEG) for those who may see it.
    r = client.get(f"{API}/orders/{done['order_id']}/document", headers=people.platform_auth)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.content[:3] == b"\xff\xd8\xff"
    assert_error(client.get(f"{API}/orders/{done['order_id']}/document"), 401)
    other = accounts.create_platform(people.ctx, "other.example")[1]
    assert_error(
        client.get(f"{API}/orders/{done['order_id']}/document", headers=bearer(other)),
        403,
        "forbidden",
    )
    # Reports on the same content open their own case: they never join an order case.
    report = {
        "content": body["content"],
        "category": "incitement",
        "explanation": "hateful",
        "reporter": {"handle": "someone"},
    }
    r = client.post(f"{API}/reports", json=report, headers=people.platform_auth)
    assert r.status_code == 202, r.text
    assert r.json()["case_id"] != done["case_id"]


# -- bad input ------------------------------------------------------------------------------


def test_bad_orders_get_a_clear_error_and_save_nothing(
    client: Any, people: Any, court: dict[str, str], ctx: Any
) -> None:
    assert_error(send(client, {}, order_body()), 401, "unauthenticated")
    juror = people.juror_auth(people.jurors[0].id)
    assert_error(send(client, juror, order_body()), 403, "forbidden")
    cases = [
        (order_body(provision="DE-STGB-999"), "provision"),
        (order_body(jurisdiction="XX"), "jurisdiction"),
        (order_body(measure="no_action"), "measure"),
        (order_body(measure="banish"), "measure"),
        (order_body(category="gossip"), "category"),
        (order_body(issued_on=(T0.date() + timedelta(days=2)).isoformat()), "issued_on"),
        (order_body(platform=None), "platform"),
        (order_body(platform="nowhere.example"), "platform"),
        (order_body(document=b"GIF-but-not-really, or a PE file"), "document.data"),
        (order_body(document=b"BM\x00\x00 a bitmap"), "document.data"),
        ({**order_body(), "document": {"data": "***not base64***"}}, "document.data"),
        ({k: v for k, v in order_body().items() if k != "reference"}, "reference"),
        ({**order_body(), "content": {"url": "https://x.example/1"}}, "content.platform_id"),
        ({**order_body(), "extra": 1}, "extra"),
    ]
    for body, field in cases:
        assert_error(send(client, court, body), 422, "invalid", field)
    # An authority cannot order outside its jurisdiction.
    err = assert_error(send(client, court, order_body("FR-LOI1881-24", "FR")), 403, "forbidden")
    assert "registered for DE" in err["message"]
    err = assert_error(
        send(client, court, order_body(authority={"kind": "court", "name": "Another court"})),
        422,
        "invalid",
        "authority.name",
    )
    # A forwarded order names its issuer.
    assert_error(
        send(client, people.platform_auth, order_body(platform=None)),
        422,
        "invalid",
        "authority.name",
    )
    # A document over the size limit.
    ctx.max_media_bytes = 1000
    err = assert_error(
        send(client, court, order_body(document=PDF + b"0" * 1000)), 422, "invalid", "document.data"
    )
    assert "at most 1000" in err["message"]
    assert client.get(f"{API}/orders").json()["total"] == 0
    assert_error(
        client.get(f"{API}/orders", params={"outcome": "maybe"}), 422, "invalid", "outcome"
    )
    assert_error(client.get(f"{API}/orders/o-none"), 404, "not_found")


def test_a_large_document_is_accepted_up_to_the_report_limit(
    client: Any, people: Any, court: dict[str, str]
) -> None:
    big = PDF + b"%" + b"0" * 2_000_000  # over the 1 MB default body limit, as base64 too
    r = send(client, court, order_body(document=big))
    assert r.status_code == 201, r.text


def test_authority_tokens_are_bound_to_a_known_jurisdiction(ctx: Any) -> None:
    from alteram.errors import InvalidInput

    with pytest.raises(InvalidInput) as exc:
        accounts.create_authority(ctx, "Court of Atlantis", "AT")
    assert exc.value.field == "jurisdiction"
    first, _ = accounts.create_authority(ctx, "Landgericht Hamburg", "de")
    again, _ = accounts.create_authority(ctx, "Landgericht Hamburg", "DE")
    assert first == again
    with pytest.raises(InvalidInput):
        accounts.create_authority(ctx, "Landgericht Hamburg", "FR")


def test_issued_on_today_is_accepted(client: Any, people: Any, court: dict[str, str]) -> None:
    r = send(client, court, order_body(issued_on=date(2026, 11, 2).isoformat()))
    assert r.status_code == 201, r.text


# -- the domain alone ---------------------------------------------------------------------


def test_the_domain_makes_more_than_a_home_geo_restriction_impossible(policy: Any) -> None:
    from alteram.domain.case import CaseMode, CaseState
    from alteram.domain.order import AuthorityKind, DocumentKind, Order, Via, open_order
    from factories import content, pool, to_voting

    order = Order(
        id="o1",
        authority="Landgericht Berlin",
        authority_kind=AuthorityKind.COURT,
        jurisdiction="DE",
        provision="DE-STGB-130",
        issued_on=date(2026, 10, 30),
        reference="27 O 12/26",
        measure=Remedy.REMOVAL,
        document_sha256="0" * 64,
        document_kind=DocumentKind.PDF,
        via=Via.AUTHORITY,
        received_at=T0,
    )
    case, events = open_order("c1", content(), order, "incitement", policy, T0, platform="f")
    assert case.mode is CaseMode.ORDER and case.state is CaseState.AWAITING_REPLY
    assert not case.accepts_reports
    jurors = pool(5)
    to_voting(case, jurors)
    with pytest.raises(AssertionError, match="at most"):
        case._set_remedy(Remedy.REMOVAL, [], T0, False)
    with pytest.raises(AssertionError, match="at most"):
        case._set_remedy(Remedy.GEO_RESTRICTION, ["DE", "FR"], T0, False)
    case._set_remedy(Remedy.GEO_RESTRICTION, ["DE"], T0, False)  # the most it can reach

    refused, events = open_order(
        "c2",
        content(),
        order.model_copy(update={"jurisdiction": "TR", "provision": "TR-TCK-299"}),
        "defamation",
        policy,
        T0,
        platform="f",
    )
    assert refused.state is CaseState.ORDER_REFUSED and refused.due_at() is None
    assert not refused.is_open and refused.cited_laws == []
    assert [e.type for e in events][-1] == "order_refused"


def test_redaction_of_free_text() -> None:
    from alteram.domain.order import private_names, public_url, redact

    names = private_names("@sara@forum.example", ["Anna Schmidt"])
    assert redact("Ms ANNA SCHMIDT and @Sara, not Sarajevo", names) == (
        "Ms [private person] and [private person], not Sarajevo"
    )
    assert redact("mail sara@x.org or @bob or @bob@social.example", names) == (
        "mail [email] or [handle] or [handle]"
    )
    assert redact("IBAN DE89 3704 0044 0532 0130 00, file 1403/77, on 2026-10-30", names) == (
        "IBAN DE89 [number], file 1403/77, on 2026-10-30"
    )
    assert redact(None, names) is None
    assert public_url("https://forum.example/@sara/1?x=2") == "https://forum.example/…"
    assert public_url("javascript:alert(1)") == "[url]"


def test_every_order_request_field_is_documented() -> None:
    from alteram.services.orders import OrderRequest
    from test_docs import DOCS, field_paths, read

    text = read(DOCS / "orders.md")
    for path in field_paths(OrderRequest):
        assert f"`{path}`" in text, f"docs/orders.md lacks OrderRequest.{path}"
    assert "`order_refused`" in read(DOCS / "api.md")


# -- statistics, decisions, exports ---------------------------------------------------------


def test_orders_in_the_statistics_the_decisions_and_the_export(
    client: Any, people: Any, court: dict[str, str], tehran: dict[str, str], ctx: Any
) -> None:
    from alteram import export
    from alteram.services.proceedings import current_case

    body = order_body("IR-PENAL-500", "IR", external_id="post-ir")
    body["authority"] = {"kind": "government"}
    refused = send(client, tehran, body).json()
    granted = send(client, court, order_body()).json()
    case_id = granted["case_id"]
    (notice,) = notices(client, people, case_id)
    r = client.post(
        f"{API}/cases/{case_id}/reply", headers=bearer(notice["token"]), json={"waive": True}
    )
    assert r.status_code == 200, r.text
    chosen = client.get(f"{API}/cases/{case_id}").json()["panel"]["draw"]["chosen"]
    for j in chosen:
        b = ballot(violation(("INC-1",), Remedy.GEO_RESTRICTION, jurisdictions=("DE",)))
        b["test"].update(ORDER_CHECKS)
        r = client.post(f"{API}/cases/{case_id}/votes", json=b, headers=people.juror_auth(j))
        assert r.status_code == 201, r.text

    stats = client.get(f"{API}/stats").json()
    for figures in (stats["total"], stats["months"]["2026-11"]):
        orders = figures["orders"]
        assert orders["received"] == 2
        assert orders["by_outcome"] == {
            "pending": 0,
            "refused_incompatible": 1,
            "refused_by_panel": 0,
            "granted": 0,
            "granted_in_part": 1,
        }
        assert orders["by_jurisdiction"]["IR"]["refused_incompatible"] == 1
        assert orders["by_jurisdiction"]["DE"]["granted_in_part"] == 1
        assert figures["refused_orders_by_jurisdiction"] == {"IR": 1}
        assert figures["reports_per_case"]["cases"] == 0  # order cases have no reports
        assert figures["cases_opened"]["total"] == 2

    (decision,) = client.get(f"{API}/decisions").json()["decisions"]
    assert decision["case_id"] == case_id
    assert decision["order"] == f"/api/v1/orders/{granted['order_id']}"
    assert client.get(f"{API}/decisions/{case_id}").json()["order"] == decision["order"]
    assert client.get(f"{API}/decisions/{refused['case_id']}").status_code == 404

    sor = export.statement(current_case(ctx, case_id), ctx.policy, ctx.base_url)
    assert sor is not None
    assert sor["source_type"] == "SOURCE_TYPE_OTHER_NOTIFICATION"
    assert sor["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert sor["territorial_scope"] == ["DE"]
    assert "130" in sor["illegal_content_legal_ground"]

    page = client.get("/stats?lang=en")
    assert page.status_code == 200
    assert "Legal orders by jurisdiction and outcome" in page.text
    assert '<th scope="row">IR</th>' in page.text
    decision_page = client.get(f"/decisions/{case_id}?lang=en")
    assert decision_page.status_code == 200
    assert "Legal order received" in decision_page.text  # the timeline names the event


def test_a_repeated_idempotency_key_returns_the_first_answer(
    client: Any, people: Any, court: dict[str, str]
) -> None:
    headers = {**court, "Idempotency-Key": "order-27-O-12-26"}
    first = client.post(f"{API}/orders", json=order_body(), headers=headers)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = client.post(f"{API}/orders", json=order_body(), headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert client.get(f"{API}/orders").json()["total"] == 1
    other = order_body(measure="label")
    assert_error(
        client.post(f"{API}/orders", json=other, headers=headers),
        409,
        "conflict",
        "Idempotency-Key",
    )
    # The same key from another sender is another order.
    body = order_body(platform=None)
    body["authority"] = {"kind": "court", "name": "Landgericht Berlin"}
    r = client.post(
        f"{API}/orders",
        json=body,
        headers={**people.platform_auth, "Idempotency-Key": "order-27-O-12-26"},
    )
    assert r.status_code == 201 and r.json()["order_id"] != first.json()["order_id"]
    assert client.get(f"{API}/orders").json()["total"] == 2


def test_the_order_list_pages_with_and_without_an_outcome_filter(
    client: Any, ctx: Any, people: Any, court: dict[str, str], tehran: dict[str, str]
) -> None:
    refused_law = next(
        law.id
        for j in ctx.policy.jurisdictions
        if j.code == "IR"
        for law in j.laws
        if not law.compatible
    )
    for i in range(5):
        assert send(client, court, order_body(external_id=f"de-{i}")).status_code == 201
    for i in range(3):
        body = order_body(refused_law, "IR", external_id=f"ir-{i}")
        assert send(client, tehran, body).status_code == 201
    everything = client.get(f"{API}/orders", params={"limit": 100}).json()
    assert everything["total"] == 8
    newest_first = [o["order_id"] for o in everything["orders"]]
    pages = [
        client.get(f"{API}/orders", params={"limit": 3, "offset": k}).json() for k in (0, 3, 6)
    ]
    assert [p["total"] for p in pages] == [8, 8, 8]
    assert [o["order_id"] for p in pages for o in p["orders"]] == newest_first
    refused = client.get(
        f"{API}/orders", params={"outcome": "refused_incompatible", "limit": 2, "offset": 1}
    ).json()
    assert refused["total"] == 3 and len(refused["orders"]) == 2
    assert {o["outcome"] for o in refused["orders"]} == {"refused_incompatible"}
    in_de = client.get(f"{API}/orders", params={"jurisdiction": "de", "limit": 2}).json()
    assert in_de["total"] == 5 and {o["jurisdiction"] for o in in_de["orders"]} == {"DE"}
