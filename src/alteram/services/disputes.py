"""Disputes (EU DSA Art. 21): a user challenges a restriction a platform already applied.

Filing is public (no token): the dispute, its evidence, the fingerprints, the notices
and the appellant's private contact are stored in one transaction, committed before
the reply, which returns the appellant's capability token once. The platform is told
through the notices outbox (``GET /api/v1/cases/{id}/notices`` for a registered
platform; recorded, and the window runs anyway, for one that is not) and responds with
the party token of its notice or its platform token.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from alteram.domain import compliance as compliance_rules
from alteram.domain import dispute as rules
from alteram.domain.case import Case
from alteram.domain.content import Content
from alteram.domain.dispute import Compliance, Dispute, PlatformAction
from alteram.errors import Forbidden, InvalidInput, TooMany
from alteram.services.accounts import PARTY, PLATFORM, Principal, issue_token, sortable_id
from alteram.services.context import Context, case_unit
from alteram.services.log import after_append
from alteram.services.precedent import gather, index_for, resolve
from alteram.services.reports import AuthorIn, ContentIn, MediaIn, notice_url, record_notices
from alteram.storage import disputes as store
from alteram.storage.evidence import add_prints
from alteram.storage.store import Tx

UNREGISTERED = "unregistered"  # Content.platform of a dispute with a platform not registered
EMAIL = r"^[^@\s<>\"']{1,64}@[^@\s<>\"']{1,255}\.[^@\s<>\"'.]{2,63}$"


class DisputeContentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(
        min_length=1,
        max_length=2000,
        pattern=r"^https?://",
        description="Where the content (or the account) was.",
    )
    author: str | None = Field(
        default=None, max_length=500, description="Your handle on the platform, if any."
    )
    text: str | None = Field(default=None, max_length=100_000)
    media: list[MediaIn] | None = Field(
        default=None, max_length=10, description="Images kept as evidence (at most 10)."
    )


class DisputeRequest(BaseModel):
    """The body of ``POST /api/v1/disputes``."""

    model_config = ConfigDict(extra="forbid")
    platform: str = Field(
        min_length=1,
        max_length=200,
        description="The platform's name, or the id of a platform registered here.",
    )
    action: PlatformAction = Field(description="What the platform did.")
    action_at: datetime | None = Field(default=None, description="When it did it.")
    platform_reason: str | None = Field(
        default=None, max_length=5_000, description="The reason the platform stated, if any."
    )
    platform_reference: str | None = Field(
        default=None, max_length=200, description="The platform's reference number."
    )
    category: str | None = Field(
        default=None,
        max_length=64,
        description="The policy category the restriction is measured against; "
        "if unset, every category of the policy.",
    )
    content: DisputeContentIn
    statement: str = Field(
        min_length=1, max_length=20_000, description="Why the decision was wrong."
    )
    jurisdiction: str | None = Field(default=None, min_length=2, max_length=8)
    contact_email: str = Field(
        max_length=320, pattern=EMAIL, description="Where to reach you; kept private."
    )
    language: str = Field(
        min_length=2, max_length=16, description="The content's language, e.g. fa or en."
    )


class ResponseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    statement: str = Field(min_length=1, max_length=50_000)


class ComplianceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    compliance: Compliance = Field(description="implemented or declined")
    note: str | None = Field(default=None, max_length=5_000)


@dataclass(frozen=True)
class Filed:
    case_id: str
    state: str
    token: str
    url: str
    respond_by: datetime
    registered: bool
    precedent: str | None


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _platform(tx: Tx, given: str) -> tuple[str, str | None]:
    """``(name, registered id or None)`` for what the user typed."""
    name = " ".join(given.split())
    if not name:
        raise InvalidInput("name the platform", field="platform")
    for row in tx.platforms():
        if row["id"] == name or str(row["name"]).casefold() == name.casefold():
            return str(row["name"]), str(row["id"])
    return name, None


def _limit(tx: Tx, ctx: Context, email_hash: str, ip_hash: str, now: datetime) -> None:
    limits = ctx.disputes
    store.hold_counts(tx.conn, email_hash, ip_hash)
    by_contact, by_ip = store.filed_since(
        tx.conn, email_hash=email_hash, ip_hash=ip_hash, since=now - limits.limit_window
    )
    if by_contact >= limits.per_contact:
        raise TooMany(
            f"this contact filed {by_contact} disputes in the last day (at most "
            f"{limits.per_contact}); try again tomorrow",
            field="contact_email",
        )
    if by_ip >= limits.per_ip:
        raise TooMany(
            f"{by_ip} disputes came from your network in the last day (at most "
            f"{limits.per_ip}); try again tomorrow"
        )


def file_dispute(ctx: Context, body: DisputeRequest, ip: str) -> Filed:
    """File one dispute; committed before this returns."""
    email = body.contact_email.strip()
    email_hash, ip_hash = _hash(email.casefold()), _hash(ip)
    with ctx.store.transaction() as tx:
        now = ctx.now()
        _limit(tx, ctx, email_hash, ip_hash, now)
        name, platform_id = _platform(tx, body.platform)
        case_id = sortable_id("c", now)
        author = (body.content.author or "").strip() or f"appellant:{case_id}"
        as_content = ContentIn(
            platform_id=f"dispute:{case_id}",
            url=body.content.url,
            author=AuthorIn(handle=author),
            text=body.content.text,
            language=body.language,
            media=body.content.media,
        )
        evidence = gather(
            tx, as_content, now, max_bytes=ctx.max_media_bytes, max_pixels=ctx.max_media_pixels
        )
        index = index_for(ctx.store)
        index.catch_up(tx)
        _, precedent = resolve(tx, index, evidence)
        content = Content(
            platform=platform_id or UNREGISTERED,
            external_id=f"dispute:{case_id}",
            url=body.content.url,
            author=author,
            text=body.content.text,
            language=body.language.lower(),
            media=tuple(evidence.media),
        )
        dispute = Dispute(
            platform=name,
            platform_id=platform_id,
            action=body.action,
            action_at=body.action_at,
            platform_reason=body.platform_reason,
            platform_reference=body.platform_reference,
            statement=body.statement,
            jurisdiction=body.jurisdiction,
            compliance_window=ctx.disputes.compliance_window,
        )
        case, events = rules.open_dispute(case_id, content, dispute, body.category, ctx.policy, now)
        if precedent is not None:
            events += rules.cite_precedent(case, precedent, now)
        events += rules.notices_at_filing(case, now)
        tx.insert_case(case, now)
        tx.append_events(events)
        record_notices(tx, ctx, events, emails={(case_id, "author"): email})
        add_prints(tx.conn, [(case_id, evidence.prints())])
        store.add_contact(
            tx.conn,
            case_id=case_id,
            party_id="author",
            email=email,
            email_hash=email_hash,
            ip_hash=ip_hash,
            now=now,
        )
        token = issue_token(tx, ctx, PARTY, case_id, "author")
    index.add(case_id, evidence)
    after_append(ctx)
    return Filed(
        case_id=case_id,
        state=case.state.value,
        token=token,
        url=notice_url(ctx, case_id),
        respond_by=case.reply_deadline,
        registered=platform_id is not None,
        precedent=precedent.case_id if precedent else None,
    )


def contact_email(tx: Tx, case_id: str, party_id: str) -> str | None:
    """The e-mail a party of a dispute gave (only the appellant gives one), or ``None``."""
    return store.contact_email(tx.conn, case_id, party_id)


def _require_platform(case: Case, who: Principal) -> None:
    """The respondent: the party token of its notice, or the registered platform's token."""
    if case.dispute is None:
        raise InvalidInput(f"case {case.id} is not a dispute", field="case_id")
    if who.kind == PARTY and who.subject == case.id and who.party_id == rules.RESPONDENT:
        return
    if who.kind == PLATFORM and case.dispute.platform_id == who.subject:
        return
    raise Forbidden(
        f"only the platform disputed in case {case.id} may do this (its platform token, "
        "or the token of its notice)"
    )


def respond(ctx: Context, case_id: str, who: Principal, statement: str) -> Case:
    """The platform's statement; closes the hearing and draws the panel."""
    with case_unit(ctx, case_id) as u:
        _require_platform(u.case, who)
        pool = u.tx.jurors(active_only=True)
        u.events += rules.respond(u.case, statement, u.now, u.policy, pool)
        return u.case


def answer(
    ctx: Context, case_id: str, who: Principal, compliance: Compliance, note: str | None
) -> Case:
    """What the platform did about the final recommendation."""
    with case_unit(ctx, case_id) as u:
        _require_platform(u.case, who)
        u.events += compliance_rules.answer_compliance(u.case, compliance, note, u.now)
        return u.case


def dispute_view(case: Case, private: bool) -> dict[str, Any] | None:
    """The dispute part of a case: public (what happened, outcome, compliance) and, for
    the parties, the jurors and the platform, the statements."""
    d = case.dispute
    if d is None:
        return None
    view: dict[str, Any] = {
        "platform": d.platform,
        "registered": d.registered,
        "action": d.action.value,
        "action_at": d.action_at,
        "jurisdiction": d.jurisdiction,
        "respond_by": case.reply_deadline,
        "responded": d.response is not None,
        "outcome": d.outcome.value if d.outcome else None,
        "recommended_remedy": d.recommended.value if d.recommended else None,
        "binding": False,
        "compliance": d.compliance.value if d.compliance else None,
        "compliance_at": d.compliance_at,
        "compliance_deadline": compliance_rules.compliance_deadline(case),
    }
    if private:
        view.update(
            {
                "platform_reason": d.platform_reason,
                "platform_reference": d.platform_reference,
                "statement": d.statement,
                "response": d.response.model_dump() if d.response else None,
                "compliance_note": d.compliance_note,
            }
        )
    return view
