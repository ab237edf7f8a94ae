"""The legal orders' pages: the public list and record of every order, and the form
on which an authority sends one with its token (see docs/orders.md).

``GET /orders`` and ``GET /orders/{order_id}`` are public and show what
``GET /api/v1/orders`` shows (private persons redacted). ``/orders/new`` takes the
authority token in the form itself (no session: it is sent once, with the order),
rate-limited per address like every sign-in.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.responses import HTMLResponse, Response

from alteram.domain.case import Case, CaseMode
from alteram.domain.order import AuthorityKind, OrderOutcome
from alteram.domain.remedy import LADDER, Remedy
from alteram.errors import AlteramError, InvalidInput, NotFound, Unauthenticated
from alteram.services import order_record, orders
from alteram.services.accounts import Principal, authenticate
from alteram.services.context import Context
from alteram.services.orders import OrderRequest
from alteram.storage import orders as order_store
from alteram.web.errors import _field
from alteram.web.orders import document_response
from alteram.web.pages.errors import error_page, rate_limited
from alteram.web.pages.forms import MAX_TOKEN, checked_form, limiter, see_other, text
from alteram.web.pages.i18n import N_
from alteram.web.pages.render import get_ctx, page
from alteram.web.pages.security import JUROR_AREA, client_address, current_principal

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50

OUTCOMES = {
    OrderOutcome.PENDING.value: N_("Pending: the author is heard, then a panel rules"),
    OrderOutcome.REFUSED_INCOMPATIBLE.value: N_(
        "Refused: the law is incompatible with human rights"
    ),
    OrderOutcome.REFUSED_BY_PANEL.value: N_("Refused by the panel"),
    OrderOutcome.GRANTED.value: N_("Granted"),
    OrderOutcome.GRANTED_IN_PART.value: N_("Granted in part"),
}
KINDS = {
    AuthorityKind.COURT.value: N_("Court"),
    AuthorityKind.GOVERNMENT.value: N_("Government body"),
}
VIA = {"authority": N_("sent by the authority"), "platform": N_("forwarded by the platform")}
MEASURES = [r.value for r in LADDER if r is not Remedy.NO_ACTION]
CHECKS = {
    "authentic": (
        N_("Authentic"),
        N_("Is the order genuine: does the document, its seal, reference and sender check out?"),
    ),
    "within_power": (
        N_("Within the authority's power"),
        N_("May this authority order this, under this provision, for this jurisdiction?"),
    ),
    "provision_compatible": (
        N_("A provision compatible with human rights"),
        N_(
            "Is the law cited, as applied to this post, compatible with international "
            "human-rights law (ICCPR Art. 19 and 20)?"
        ),
    ),
}
FIELDS = (
    "authority_name",
    "kind",
    "jurisdiction",
    "provision",
    "category",
    "issued_on",
    "reference",
    "notes",
    "private_persons",
    "measure",
    "platform",
    "content_id",
    "content_url",
    "author",
    "content_text",
    "language",
)


def labels() -> dict[str, Any]:
    return {"order_outcomes": OUTCOMES, "order_kinds": KINDS, "order_via": VIA}


@router.get("/orders", response_class=HTMLResponse)
def orders_page(
    request: Request,
    outcome: Annotated[str, Query(max_length=32)] = "",
    jurisdiction: Annotated[str, Query(max_length=8)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    ctx = get_ctx(request)
    problem: AlteramError | None = None
    rows: list[dict[str, Any]] = []
    total = 0
    try:
        found = order_record.list_orders(
            ctx,
            jurisdiction=jurisdiction or None,
            outcome_=outcome or None,
            limit=PAGE_SIZE,
            offset=offset,
        )
        rows, total = found.rows, found.total
    except InvalidInput as exc:
        problem = exc
    return page(
        request,
        "orders.html",
        current="orders",
        status=problem.status if problem else 200,
        rows=rows,
        total=total,
        offset=offset,
        page_size=PAGE_SIZE,
        filters={"outcome": outcome, "jurisdiction": jurisdiction},
        problem=problem,
        policy=ctx.policy,
        **labels(),
    )


def _form_page(
    request: Request,
    problem: AlteramError | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    ctx = get_ctx(request)
    return page(
        request,
        "order_new.html",
        current="order_new",
        status=status,
        private=True,
        problem=problem,
        values=values or {},
        policy=ctx.policy,
        measures=MEASURES,
        **labels(),
    )


@router.get("/orders/new", response_class=HTMLResponse)
def new_order_page(request: Request) -> HTMLResponse:
    return _form_page(request)


def _request(form: FormData, values: dict[str, str]) -> OrderRequest:
    document = form.get("document")
    data = document.file.read() if isinstance(document, UploadFile) else b""
    if not data:
        raise InvalidInput("attach the order document (a PDF or an image)", field="document.data")
    persons = [p.strip() for p in values["private_persons"].splitlines() if p.strip()]
    body: dict[str, Any] = {
        "authority": {
            "kind": values["kind"],
            **({"name": values["authority_name"]} if values["authority_name"] else {}),
        },
        "jurisdiction": values["jurisdiction"],
        "provision": values["provision"],
        "category": values["category"],
        "issued_on": values["issued_on"],
        "reference": values["reference"],
        "notes": values["notes"] or None,
        "private_persons": persons,
        "measure": values["measure"],
        "platform": values["platform"] or None,
        "content": {
            "platform_id": values["content_id"],
            "url": values["content_url"],
            "author": {"handle": values["author"]},
            "text": values["content_text"] or None,
            "language": values["language"] or None,
        },
        "document": {"data": base64.b64encode(data).decode()},
    }
    try:
        return OrderRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = _field(tuple(first.get("loc", ()))) or ""
        raise InvalidInput(f"{field}: {first.get('msg', 'invalid')}", field=field) from None


def _submit(request: Request, form: FormData) -> Response:
    ctx = get_ctx(request)
    values = {k: text(form, k, 20_000).strip() for k in FIELDS}
    address = client_address(request)
    wait = limiter(request).retry_after(address)
    if wait:
        return rate_limited(request, wait)
    try:
        try:
            who = authenticate(ctx, text(form, "token", MAX_TOKEN).strip())
        except Unauthenticated:
            limiter(request).failed(address)
            raise
        body = _request(form, values)
        done = orders.submit(ctx, who, body)
    except AlteramError as exc:
        return _form_page(request, exc, values, exc.status)
    return see_other(f"/orders/{done.order_id}?sent=1")


@router.post("/orders/new")
async def post_new_order(request: Request) -> Response:
    return await checked_form(request, _submit, max_files=1)


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(request: Request, order_id: str) -> HTMLResponse:
    ctx = get_ctx(request)
    try:
        order = order_record.get_order(ctx, order_id)
    except NotFound as exc:
        return error_page(request, exc)
    return page(
        request,
        "order.html",
        current="order",
        params={"order_id": order_id},
        order=order,
        sent=request.query_params.get("sent") == "1",
        policy=ctx.policy,
        **labels(),
    )


# -- the panel's view of an order (used by the juror's case file) -------------------------


def juror_order(ctx: Context, case: Case, who: Principal) -> dict[str, Any] | None:
    """The order behind an order case as its panel sees it (as sent), or ``None``."""
    if case.mode is not CaseMode.ORDER:
        return None
    with ctx.store.read() as tx:
        order_id = order_store.by_case(tx.conn, [case.id]).get(case.id)
        found = order_store.get(tx.conn, order_id) if order_id else None
        platforms = order_store.platform_names(tx.conn)
    if found is None:
        return None
    row, _ = found
    return order_record.view(ctx, row, case, platforms, who)


@router.get("/juror/cases/{case_id}/order-document")
def juror_order_document(request: Request, case_id: str) -> Response:
    """The order document for a juror of the case, signed in."""
    ctx = get_ctx(request)
    who = current_principal(ctx, request, JUROR_AREA)
    try:
        if who is None:
            raise Unauthenticated("sign in as a juror at /juror to see the order document")
        with ctx.store.read() as tx:
            order_id = order_store.by_case(tx.conn, [case_id]).get(case_id)
        if order_id is None:
            raise NotFound(f"case {case_id} is not a legal order", field="case_id")
        data, kind = order_record.document(ctx, order_id, who)
    except AlteramError as exc:
        return error_page(request, exc)
    return document_response(order_id, data, kind)
