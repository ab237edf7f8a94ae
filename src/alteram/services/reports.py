"""Filing a report: it joins the one open case for its content, or opens one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from alteram.domain.case import Case
from alteram.domain.content import Content, Report
from alteram.domain.events import Event, NoticeIssued, canonical_json
from alteram.errors import Conflict
from alteram.services.accounts import PARTY, issue_token, new_id
from alteram.services.context import Context
from alteram.services.log import after_append
from alteram.storage.store import Tx


class AuthorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    handle: str = Field(min_length=1, max_length=500)


class ReporterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    handle: str = Field(min_length=1, max_length=500)


class ContentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    platform_id: str = Field(
        min_length=1, max_length=500, description="The content's id on the filing platform."
    )
    url: str = Field(min_length=1, max_length=2000, pattern=r"^https?://")
    author: AuthorIn
    text: str | None = Field(default=None, max_length=100_000)
    language: str | None = Field(default=None, min_length=2, max_length=16)


class ReportRequest(BaseModel):
    """The body of ``POST /api/v1/reports``."""

    model_config = ConfigDict(extra="forbid")
    content: ContentIn
    category: str = Field(min_length=1, max_length=64)
    explanation: str = Field(min_length=1, max_length=20_000)
    reporter: ReporterIn
    jurisdiction: str | None = Field(default=None, min_length=2, max_length=8)
    legal_basis: str | None = Field(
        default=None, max_length=200, description="A law id from the policy's jurisdictions table."
    )


@dataclass(frozen=True)
class Filed:
    report_id: str
    case_id: str
    case_state: str
    replayed: bool = False


def notice_url(ctx: Context, case_id: str) -> str:
    """Where the party follows the case. The token travels beside the link, never in it,
    so it does not end up in access logs or referrers."""
    return f"{ctx.base_url.rstrip('/')}/api/v1/cases/{case_id}"


def record_notices(tx: Tx, ctx: Context, case: Case, events: list[Event]) -> None:
    """Put each notice in the outbox with the party's capability link."""
    for e in events:
        if isinstance(e, NoticeIssued):
            token = issue_token(tx, ctx, PARTY, case.id, e.party_id)
            url = notice_url(ctx, case.id)
            tx.add_notice(
                case_id=case.id,
                party_id=e.party_id,
                role=e.role,
                handle=e.handle,
                token=token,
                url=url,
                text=(
                    f"{e.text} Follow, reply or appeal at {url} with your personal token "
                    "(HTTP header 'Authorization: Bearer <token>'); keep it private."
                ),
                created_at=e.at,
            )


def file_report(
    ctx: Context, platform_id: str, body: ReportRequest, idempotency_key: str | None = None
) -> Filed:
    """File a report; committed before this returns. Retried once if two reports on
    new content race to open its case (the loser joins the winner's case)."""
    request_hash = hashlib.sha256(canonical_json(body.model_dump(mode="json"))).hexdigest()
    for attempt in range(3):
        try:
            filed = _file(ctx, platform_id, body, idempotency_key, request_hash)
        except IntegrityError:
            if attempt == 2:
                raise
            continue
        if not filed.replayed:
            after_append(ctx)
        return filed
    raise AssertionError("unreachable")


def _file(
    ctx: Context,
    platform_id: str,
    body: ReportRequest,
    idempotency_key: str | None,
    request_hash: str,
) -> Filed:
    with ctx.store.transaction() as tx:
        if idempotency_key:
            seen = tx.report_by_idempotency_key(platform_id, idempotency_key)
            if seen is not None:
                if seen.request_hash != request_hash:
                    raise Conflict(
                        "this Idempotency-Key was used for a different report; "
                        "use a new key for a new report",
                        field="Idempotency-Key",
                    )
                existing = tx.get_case(seen.case_id)
                assert existing is not None
                return Filed(seen.report_id, seen.case_id, existing.state.value, replayed=True)
        now = ctx.now()
        report = Report(
            id=new_id("r"),
            reporter=body.reporter.handle,
            category=body.category,
            explanation=body.explanation,
            jurisdiction=body.jurisdiction.upper() if body.jurisdiction else None,
            legal_basis=body.legal_basis,
            received_at=now,
        )
        pool = tx.jurors(active_only=True)
        case = tx.find_open_case(platform_id, body.content.platform_id)
        events: list[Event] = []
        if case is not None:
            events = case.advance(now, ctx.policy, pool)
        if case is not None and case.is_open:
            events += case.add_report(report, ctx.policy, now)
            tx.update_case(case, now)
        else:
            if case is not None:  # its deadlines just closed it: save that first
                tx.update_case(case, now)
                tx.append_events(events)
            content = Content(
                platform=platform_id,
                external_id=body.content.platform_id,
                url=body.content.url,
                author=body.content.author.handle,
                text=body.content.text,
                language=body.content.language.lower() if body.content.language else None,
            )
            case, events = Case.open(new_id("c"), content, report, ctx.policy, now)
            tx.insert_case(case, now)
        tx.add_report(
            report_id=report.id,
            case_id=case.id,
            platform_id=platform_id,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            reporter=report.reporter,
            category=report.category,
            explanation=report.explanation,
            jurisdiction=report.jurisdiction,
            legal_basis=report.legal_basis,
            received_at=now,
        )
        tx.append_events(events)
        record_notices(tx, ctx, case, events)
        return Filed(report.id, case.id, case.state.value)
