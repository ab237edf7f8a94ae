"""Filing a report: it joins the one open case for its content, or opens one."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from alteram.domain.events import CaseOpened, Event, NoticeIssued
from alteram.errors import AlteramError
from alteram.integrations.email import EmailAddress
from alteram.services.accounts import PARTY, hash_token, new_token
from alteram.services.context import Context
from alteram.services.seal import seal_for
from alteram.storage.outbox import known_addresses
from alteram.storage.store import Tx

if TYPE_CHECKING:
    from alteram.domain.case import Case

_EMAIL = (
    "An e-mail address for this party's notices (optional; kept only with the notices, "
    "never published)."
)


class AuthorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    handle: str = Field(min_length=1, max_length=500)
    email: EmailAddress | None = Field(default=None, description=_EMAIL)


class ReporterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    handle: str = Field(min_length=1, max_length=500)
    email: EmailAddress | None = Field(default=None, description=_EMAIL)


class MediaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data: str = Field(min_length=1, description="The file, base64 (JPEG, PNG, WebP or GIF).")


class ContentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    platform_id: str = Field(
        min_length=1, max_length=500, description="The content's id on the filing platform."
    )
    url: str = Field(min_length=1, max_length=2000, pattern=r"^https?://")
    author: AuthorIn
    text: str | None = Field(default=None, max_length=100_000)
    language: str | None = Field(default=None, min_length=2, max_length=16)
    media: list[MediaIn] | None = Field(
        default=None, max_length=10, description="Images kept as evidence (at most 10)."
    )


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
    new_grounds: str | None = Field(
        default=None,
        max_length=20_000,
        description="Against content a final ruling cleared: what is new that was not considered.",
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
    return f"{ctx.base_url.rstrip('/')}/cases/{case_id}"


Emails = Mapping[tuple[str, str], str]
"""E-mail addresses by ``(case_id, party_id)``, for :func:`record_notices`."""


def report_emails(case: Case, body: ReportRequest) -> dict[tuple[str, str], str]:
    """The addresses a report gives for the parties of ``case`` (after it joined it)."""
    out: dict[tuple[str, str], str] = {}
    if body.content.author.email:
        out[(case.id, case.author.id)] = body.content.author.email
    if body.reporter.email:
        for party in case.reporters:
            if party.handle == body.reporter.handle:
                out[(case.id, party.id)] = body.reporter.email
    return out


def record_notices(
    tx: Tx,
    ctx: Context,
    events: list[Event],
    emails: Emails | None = None,
    fresh: Collection[tuple[str, str]] = (),
) -> None:
    """Put each notice in the outbox with the party's capability token, in two inserts.

    A notice is also e-mailed (:mod:`alteram.services.outbox`) when its party has an
    address: the one in ``emails`` for ``(case_id, party_id)``, else the one the party
    gave with an earlier notice on the case. Without one it is not e-mailed; it stays
    available by link either way. ``fresh`` names the ``(case_id, party_id)`` of parties
    that joined in this transaction: they have no earlier notice to look up."""
    issued = [e for e in events if isinstance(e, NoticeIssued)]
    if not issued:
        return
    emails = dict(emails or {})
    opened = {e.case_id for e in events if isinstance(e, CaseOpened)}  # no earlier notices
    unknown = [
        (e.case_id, e.party_id)
        for e in issued
        if (e.case_id, e.party_id) not in emails
        and e.case_id not in opened
        and (e.case_id, e.party_id) not in fresh
    ]
    if unknown:
        emails = {**known_addresses(tx.conn, unknown), **emails}
    tokens: list[dict[str, Any]] = []
    notices: list[dict[str, Any]] = []
    seal = seal_for(ctx)  # the notice keeps the token sealed; the tokens table its hash
    for e in events:
        if isinstance(e, NoticeIssued):
            token = new_token(PARTY, e.at)
            tokens.append(
                {
                    "hash": hash_token(token),
                    "kind": PARTY,
                    "subject": e.case_id,
                    "party_id": e.party_id,
                    "created_at": e.at,
                }
            )
            url = notice_url(ctx, e.case_id)
            notices.append(
                {
                    "case_id": e.case_id,
                    "party_id": e.party_id,
                    "role": e.role,
                    "handle": e.handle,
                    "token": seal.seal(token, e.case_id, e.party_id),
                    "url": url,
                    "text": (
                        f"{e.text} Follow, reply or appeal at {url}: sign in there with your "
                        "personal token (or send it to the API as 'Authorization: Bearer "
                        "<token>'); keep it private."
                    ),
                    "created_at": e.at,
                    "email": (email := emails.get((e.case_id, e.party_id))),
                    "email_next_at": e.at if email else None,
                }
            )
    tx.add_tokens(tokens)
    tx.add_notices(notices)


def file_report(
    ctx: Context, platform_id: str, body: ReportRequest, idempotency_key: str | None = None
) -> Filed:
    """File one report; committed before this returns (see :mod:`alteram.services.intake`)."""
    from alteram.services.intake import Item, file_batch

    (result,) = file_batch(ctx, [Item(platform_id, body, idempotency_key)])
    if isinstance(result, AlteramError):
        raise result
    return result
