"""Legal orders: taking them in (their public record: :mod:`alteram.services.order_record`).

An order comes from a registered authority (its own token, bound to its
jurisdiction) or is forwarded by the platform that received it. It is checked,
its document kept as evidence (content-addressed; a PDF is only checked for its
``%PDF-`` magic and size, never parsed or rendered; an image goes through the
image decoder like any media), and :func:`alteram.domain.order.open_order`
decides the path. Everything is committed, events on the log, before the reply.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from alteram.domain.content import Content
from alteram.domain.events import canonical_json
from alteram.domain.order import (
    AuthorityKind,
    DocumentKind,
    Order,
    OrderOutcome,
    Via,
    open_order,
    outcome,
)
from alteram.domain.remedy import Remedy
from alteram.errors import Conflict, Forbidden, InvalidInput
from alteram.fingerprint import sha256
from alteram.fingerprint.media import ALLOWED_FORMATS, sniff_format
from alteram.services.accounts import AUTHORITY, PLATFORM, Principal, new_id, sortable_id
from alteram.services.context import Context
from alteram.services.log import after_append
from alteram.services.precedent import gather, store_media
from alteram.services.reports import ContentIn, record_notices
from alteram.storage import orders as store

PDF_MAGIC = b"%PDF-"


class AuthorityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        description="The issuing court or body; with an authority token, its registered name.",
    )
    kind: AuthorityKind


class DocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data: str = Field(min_length=1, description="The order document, base64: a PDF or an image.")


class OrderRequest(BaseModel):
    """The body of ``POST /api/v1/orders``."""

    model_config = ConfigDict(extra="forbid")
    authority: AuthorityIn
    jurisdiction: str = Field(min_length=2, max_length=8)
    provision: str = Field(
        min_length=1, max_length=200, description="A law id of the policy's jurisdictions table."
    )
    category: str = Field(
        min_length=1,
        max_length=64,
        description="The policy category the provision corresponds to (the author is heard on it).",
    )
    issued_on: date
    reference: str = Field(min_length=1, max_length=300)
    notes: str | None = Field(default=None, max_length=20_000)
    private_persons: list[str] = Field(
        default=[],
        max_length=50,
        description="Names of private persons in the reference or notes, redacted publicly.",
    )
    measure: Remedy
    platform: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The recipient platform (id or name); required with an authority token.",
    )
    content: ContentIn
    document: DocumentIn


@dataclass(frozen=True)
class Submitted:
    order_id: str
    case_id: str
    state: str
    outcome: OrderOutcome
    compatible: bool
    reasoning: str
    replayed: bool = False


def _document(ctx: Context, doc: DocumentIn) -> tuple[bytes, DocumentKind]:
    try:
        data = base64.b64decode(doc.data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(
            "the order document is not valid base64", field="document.data"
        ) from None
    if len(data) > ctx.max_media_bytes:
        raise InvalidInput(
            f"the order document is {len(data)} bytes; at most {ctx.max_media_bytes} are accepted",
            field="document.data",
        )
    if data.startswith(PDF_MAGIC):
        return data, DocumentKind.PDF
    if sniff_format(data) not in ALLOWED_FORMATS:
        raise InvalidInput(
            "the order document must be a PDF (starting with %PDF-) or an image "
            "(JPEG, PNG, WebP or GIF)",
            field="document.data",
        )
    return data, DocumentKind.IMAGE


def _sender(ctx: Context, tx: Any, who: Principal, body: OrderRequest) -> tuple[str, str, Via]:
    """``(authority name, recipient platform id, via)``, checked against the token."""
    code = body.jurisdiction.strip().upper()
    if who.kind == AUTHORITY:
        found = store.authority(tx.conn, who.subject)
        if found is None:
            raise Forbidden("this authority is no longer registered")
        if found["jurisdiction"] != code:
            raise Forbidden(
                f"your authority is registered for {found['jurisdiction']}; it cannot issue "
                f"an order in {code}",
            )
        if body.authority.name is not None and body.authority.name.strip() != found["name"]:
            raise InvalidInput(
                f"with this token the authority is {found['name']!r}", field="authority.name"
            )
        if body.platform is None:
            raise InvalidInput(
                "name the platform the order is addressed to (its id or name)", field="platform"
            )
        recipient = store.platform(tx.conn, body.platform.strip())
        if recipient is None:
            raise InvalidInput(
                f"no registered platform {body.platform!r}; the recipient must use alteram",
                field="platform",
            )
        return str(found["name"]), str(recipient["id"]), Via.AUTHORITY
    if body.authority.name is None or not body.authority.name.strip():
        raise InvalidInput(
            "a forwarded order names the authority that issued it", field="authority.name"
        )
    if body.platform is not None:
        own = store.platform(tx.conn, body.platform.strip())
        if own is None or own["id"] != who.subject:
            raise InvalidInput(
                "a platform forwards orders addressed to itself only; leave platform out",
                field="platform",
            )
    return body.authority.name.strip(), who.subject, Via.PLATFORM


def _replay(ctx: Context, who: Principal, key: str, request_hash: str) -> Submitted | None:
    """The first answer to this ``Idempotency-Key`` of this sender, as of now."""
    from alteram.services.proceedings import current_case

    with ctx.store.read() as tx:
        seen = store.by_idempotency_key(tx.conn, who.subject, key)
    if seen is None:
        return None
    if seen["request_hash"] != request_hash:
        raise Conflict(
            "this Idempotency-Key was used for a different order; use a new key for a new order",
            field="Idempotency-Key",
        )
    case = current_case(ctx, seen["case_id"])
    with ctx.store.read() as tx:
        found = store.get(tx.conn, seen["id"])
    assert found is not None
    state, _, _ = outcome(case, store.order_of(found[0]))
    law = ctx.policy.law(seen["jurisdiction"], seen["provision"]) if _known_law(ctx, seen) else None
    return Submitted(
        seen["id"],
        case.id,
        case.state.value,
        state,
        bool(seen["compatible"]),
        law.reasoning if law else "",
        replayed=True,
    )


def _known_law(ctx: Context, seen: dict[str, Any]) -> bool:
    return any(
        j.code == seen["jurisdiction"] and any(law.id == seen["provision"] for law in j.laws)
        for j in ctx.policy.jurisdictions
    )


def submit(
    ctx: Context, who: Principal, body: OrderRequest, idempotency_key: str | None = None
) -> Submitted:
    """Take an order in; committed (case, order, evidence, events, notice) before this
    returns. The policy's table decides: refused at once, or a case in ``order`` mode.
    A repeated ``idempotency_key`` with the same body returns the first answer."""
    who.require(AUTHORITY, PLATFORM)
    request_hash = hashlib.sha256(canonical_json(body.model_dump(mode="json"))).hexdigest()
    if idempotency_key:
        replayed = _replay(ctx, who, idempotency_key, request_hash)
        if replayed is not None:
            return replayed
        try:
            return _submit(ctx, who, body, idempotency_key, request_hash)
        except IntegrityError:  # the same key, committed by a concurrent request first
            replayed = _replay(ctx, who, idempotency_key, request_hash)
            if replayed is None:
                raise
            return replayed
    return _submit(ctx, who, body, None, request_hash)


def _submit(
    ctx: Context, who: Principal, body: OrderRequest, key: str | None, request_hash: str
) -> Submitted:
    policy, now = ctx.policy, ctx.now()
    code = body.jurisdiction.strip().upper()
    law = policy.law(code, body.provision.strip(), field="provision")
    policy.category(body.category)
    if body.measure is Remedy.NO_ACTION:
        raise InvalidInput("an order requests a measure other than no_action", field="measure")
    if body.issued_on > now.date():
        raise InvalidInput(
            f"issued_on {body.issued_on.isoformat()} is in the future", field="issued_on"
        )
    persons = [p.strip() for p in body.private_persons if p.strip()]
    if any(len(p) > 200 for p in persons):
        raise InvalidInput(
            "each private person's name is at most 200 characters", field="private_persons"
        )
    data, kind = _document(ctx, body.document)
    with ctx.store.transaction() as tx:
        authority, platform_id, via = _sender(ctx, tx, who, body)
        digest = sha256(data)
        if kind is DocumentKind.PDF:
            store.save_pdf(tx.conn, digest, data, now)
        else:
            try:
                store_media(
                    tx,
                    [data],
                    now,
                    max_bytes=ctx.max_media_bytes,
                    max_pixels=ctx.max_media_pixels,
                    field="document",
                )
            except InvalidInput as exc:
                raise InvalidInput(exc.message, field="document.data") from None
        evidence = gather(
            tx, body.content, now, max_bytes=ctx.max_media_bytes, max_pixels=ctx.max_media_pixels
        )
        content = Content(
            platform=platform_id,
            external_id=body.content.platform_id,
            url=body.content.url,
            author=body.content.author.handle,
            text=body.content.text,
            language=body.content.language.lower() if body.content.language else None,
            media=tuple(evidence.media),
        )
        order = Order(
            id=new_id("o"),
            authority=authority,
            authority_kind=body.authority.kind,
            jurisdiction=code,
            provision=law.id,
            issued_on=body.issued_on,
            reference=body.reference.strip(),
            notes=body.notes,
            private_persons=tuple(persons),
            measure=body.measure,
            document_sha256=digest,
            document_kind=kind,
            via=via,
            received_at=now,
        )
        names = store.platform_names(tx.conn)
        case, events = open_order(
            sortable_id("c", now),
            content,
            order,
            body.category,
            policy,
            now,
            platform=names.get(platform_id, platform_id),
        )
        tx.insert_case(case, now)
        store.add_order(
            tx.conn,
            id=order.id,
            case_id=case.id,
            via=via.value,
            submitter=who.subject,
            platform_id=platform_id,
            authority=authority,
            authority_kind=order.authority_kind.value,
            jurisdiction=code,
            provision=law.id,
            compatible=law.compatible,
            issued_on=order.issued_on.isoformat(),
            reference=order.reference,
            notes=order.notes,
            private_persons=list(order.private_persons),
            measure=order.measure.value,
            document_sha256=digest,
            document_kind=kind.value,
            received_at=now,
            idempotency_key=key,
            request_hash=request_hash,
        )
        tx.append_events(events)
        email = body.content.author.email
        record_notices(
            tx, ctx, events, emails={(case.id, case.author.id): email} if email else None
        )
    after_append(ctx)
    state, _, _ = outcome(case, order)
    return Submitted(order.id, case.id, case.state.value, state, law.compatible, law.reasoning)
