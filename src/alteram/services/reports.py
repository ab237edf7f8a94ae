"""Filing a report: it joins the one open case for its content, or opens one."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from alteram.domain.case import Case
from alteram.domain.events import Event, NoticeIssued
from alteram.errors import AlteramError
from alteram.services.accounts import PARTY, issue_token
from alteram.services.context import Context
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
    """File one report; committed before this returns (see :mod:`alteram.services.intake`)."""
    from alteram.services.intake import Item, file_batch

    (result,) = file_batch(ctx, [Item(platform_id, body, idempotency_key)])
    if isinstance(result, AlteramError):
        raise result
    return result
