"""The public record of legal orders (the Lumen database's fields: sender, recipient,
jurisdiction, action taken), with private persons redacted; and who may see an order
as sent, with its document. See docs/orders.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alteram.domain.case import Case
from alteram.domain.order import (
    DocumentKind,
    Order,
    OrderOutcome,
    outcome,
    private_names,
    public_url,
    redact,
)
from alteram.domain.policy import Policy
from alteram.errors import Forbidden, InvalidInput, NotFound
from alteram.services.accounts import AUTHORITY, JUROR, PARTY, PLATFORM, Principal
from alteram.services.context import Context
from alteram.services.policies import policy_for
from alteram.storage import orders as store

DEFAULT_LIMIT, MAX_LIMIT = 50, 200


def may_see_all(who: Principal | None, row: dict[str, Any], case: Case) -> bool:
    """The sender, the recipient platform, the author and the case's jurors (as for evidence,
    administrators do not)."""
    if who is None:
        return False
    if who.kind == AUTHORITY:
        return bool(who.subject == row["submitter"])
    if who.kind == PLATFORM:
        return bool(who.subject == row["platform_id"])
    if who.kind == PARTY and who.subject == case.id:
        return True
    return who.kind == JUROR and any(who.subject in p.chosen for p in case.panels)


def view(
    ctx: Context,
    row: dict[str, Any],
    case: Case,
    platforms: dict[str, str],
    who: Principal | None = None,
) -> dict[str, Any]:
    """An order as the public record shows it (Lumen's sender, recipient, jurisdiction,
    action taken), private persons redacted; the sender, the recipient, the author and
    the panel also see what was sent as is."""
    order = store.order_of(row)
    result, granted, final = outcome(case, order)
    policy = policy_for(ctx, case.policy_version)  # the version the order was judged by
    law = policy.law(order.jurisdiction, order.provision) if _known(policy, order) else None
    names = private_names(case.content.author, order.private_persons)
    out: dict[str, Any] = {
        "order_id": order.id,
        "case_id": case.id,
        "mode": case.mode.value,
        "state": case.state.value,
        "received_at": order.received_at,
        "sender": {
            "name": order.authority,
            "kind": order.authority_kind.value,
            "jurisdiction": order.jurisdiction,
        },
        "via": order.via.value,
        "recipient": {"platform": platforms.get(row["platform_id"], row["platform_id"])},
        "jurisdiction": order.jurisdiction,
        "provision": {
            "id": order.provision,
            "title": law.title if law else None,
            "compatible": bool(row["compatible"]),
            "reasoning": law.reasoning if law else None,
        },
        "issued_on": order.issued_on.isoformat(),
        "reference": redact(order.reference, names),
        "notes": redact(order.notes, names),
        "category": case.category,
        "content": {"site": public_url(case.content.url), "language": case.content.language},
        "measure_requested": order.measure.value,
        "measure_granted": granted.model_dump(mode="json") if granted else None,
        "outcome": result.value,
        "final": final,
        "action_taken": _action(result, granted, order),
        "document": {"sha256": order.document_sha256, "kind": order.document_kind.value},
        "ruling": f"/api/v1/decisions/{case.id}" if case.rulings else None,
        "link": f"/api/v1/orders/{order.id}",
    }
    if may_see_all(who, row, case):
        out["as_sent"] = {
            "reference": order.reference,
            "notes": order.notes,
            "private_persons": list(order.private_persons),
            "content_url": case.content.url,
            "document": f"/api/v1/orders/{order.id}/document",
        }
    return out


def _known(policy: Policy, order: Order) -> bool:
    """Whether ``policy`` lists the provision (a version from a file may not)."""
    for j in policy.jurisdictions:
        if j.code == order.jurisdiction:
            return any(law.id == order.provision for law in j.laws)
    return False


def _action(result: OrderOutcome, granted: Any, order: Order) -> str:
    if result is OrderOutcome.REFUSED_INCOMPATIBLE:
        return "refused: the provision is incompatible with international human-rights law"
    if result is OrderOutcome.REFUSED_BY_PANEL:
        return "refused by the panel; the content stays available"
    if result is OrderOutcome.PENDING:
        return "none yet: the author is heard, then a panel rules"
    where = ", ".join(granted.jurisdictions) if granted.jurisdictions else ""
    scope = f" for readers in {where}" if where else ""
    return f"{granted.remedy.value}{scope}"


OUTCOMES = tuple(o.value for o in OrderOutcome)


@dataclass(frozen=True)
class OrderPage:
    rows: list[dict[str, Any]]
    total: int


def list_orders(
    ctx: Context,
    *,
    jurisdiction: str | None = None,
    outcome_: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> OrderPage:
    """Every order, newest first, as the public record shows it."""
    code = jurisdiction.strip().upper() if jurisdiction else None
    if code:
        valid = [j.code for j in ctx.policy.jurisdictions]
        if code not in valid:
            raise InvalidInput(
                f"unknown jurisdiction {code!r}; valid: {', '.join(valid)}", field="jurisdiction"
            )
    if outcome_ and outcome_ not in OUTCOMES:
        raise InvalidInput(
            f"unknown outcome {outcome_!r}; valid: {', '.join(OUTCOMES)}", field="outcome"
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    if offset < 0:
        raise InvalidInput("offset must be 0 or more", field="offset")
    with ctx.store.read() as tx:
        platforms = store.platform_names(tx.conn)
        if not outcome_:  # one page from the database
            total = store.count(tx.conn, code)
            page = list(store.every(tx.conn, code, limit=limit, offset=offset))
        else:  # the outcome is computed from the case: every order is read
            matching = [
                (row, case)
                for row, case in store.every(tx.conn, code)
                if outcome(case, store.order_of(row))[0].value == outcome_
            ]
            total, page = len(matching), matching[offset : offset + limit]
        rows = [view(ctx, row, case, platforms) for row, case in page]
    return OrderPage(rows=rows, total=total)


def get_order(ctx: Context, order_id: str, who: Principal | None = None) -> dict[str, Any]:
    from alteram.services.proceedings import current_case

    with ctx.store.read() as tx:
        found = store.get(tx.conn, order_id)
        platforms = store.platform_names(tx.conn)
    if found is None:
        raise NotFound(f"no order {order_id!r}", field="order_id")
    row, case = found
    case = current_case(ctx, case.id)  # a passed deadline is applied first
    return view(ctx, row, case, platforms, who)


def document(ctx: Context, order_id: str, who: Principal) -> tuple[bytes, str]:
    """The order document as received (PDF) or re-encoded without metadata (image),
    for those who may see the order as sent."""
    from alteram.storage.evidence import sanitized_media

    with ctx.store.read() as tx:
        found = store.get(tx.conn, order_id)
        if found is None:
            raise NotFound(f"no order {order_id!r}", field="order_id")
        row, case = found
        if not may_see_all(who, row, case):
            raise Forbidden(
                "the order document may name private persons: only its sender, the "
                "recipient platform, the author and the case's jurors see it"
            )
        if row["document_kind"] == DocumentKind.PDF.value:
            data = store.pdf(tx.conn, row["document_sha256"])
            kind = "application/pdf"
        else:
            image = sanitized_media(tx.conn, row["document_sha256"])
            data, kind = (image[0], "image/jpeg") if image else (None, "")
    if data is None:
        raise NotFound(f"the document of order {order_id} is missing", field="order_id")
    return data, kind
