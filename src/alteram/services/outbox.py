"""E-mail delivery of notices: the notices table is the outbox.

A notice whose party gave an address is due for e-mail from the moment it is
recorded (:func:`alteram.services.reports.record_notices`). :func:`send_pending`,
run on every tick of ``serve`` and ``alteram worker``, claims what is due, sends it
outside any transaction, and records the outcome: sent, or failed and retried
after a backoff (1, 2, 4 … minutes, at most 6 hours apart), giving up after
:data:`MAX_ATTEMPTS` tries or at once when the server refuses the message for good.
A notice is never e-mailed twice, except when a process dies between the server's
acceptance and the record of it (the lease then runs out and it is sent again).

Delivery is not a public-log event: the notice itself (``notice_issued``) is on the
log, and the hearing's deadline runs from it whatever the channel. Whether and when
a party was e-mailed would tell the public which parties gave an address; it stays
in the outbox, with the address, off the log.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection

from alteram.integrations.email import Message, Outcome
from alteram.services.context import Context
from alteram.services.seal import seal_for
from alteram.storage import outbox
from alteram.storage.outbox import Pending

logger = logging.getLogger("alteram.email")

BATCH = 20  # notices per SMTP connection
MAX_BATCHES = 10  # per tick, so a long queue cannot hold up the deadlines
MAX_ATTEMPTS = 12  # about a day of retries: 1, 2, 4 … 256 minutes, then 6 hours apart
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)

# Short enough for one header line (78 characters), whatever the case id.
_SUBJECTS = {
    "author": "a notice about your content",
    "reporter": "your report was received",
}


@dataclass(frozen=True)
class Delivery:
    """What one call did: messages accepted by the server, and attempts that failed."""

    sent: int = 0
    failed: int = 0


def retry_after(attempt: int) -> timedelta:
    """How long to wait after the ``attempt``-th failed try (1-based)."""
    wait: timedelta = FIRST_RETRY * 2 ** (attempt - 1)
    return min(wait, LONGEST_RETRY)


def compose(notice: Pending) -> Message:
    """The e-mail for a notice: a clear subject, the notice, the link and the token."""
    subject = f"alteram case {notice.case_id}: {_SUBJECTS.get(notice.role, 'a notice for you')}"
    lines = [notice.text, "", f"Case: {notice.url}"]
    if notice.token:
        lines += [
            f"Your personal token: {notice.token}",
            "",
            "Open the link and sign in with the token (or send it to the API as "
            "'Authorization: Bearer <token>'). Keep it private: whoever has it can act "
            "for you in this case.",
        ]
    lines += ["", "-- ", "alteram: this message was sent automatically."]
    return Message(to=notice.email, subject=subject, body="\n".join(lines))


def send_pending(ctx: Context, *, batch: int = BATCH) -> Delivery:
    """Send the notices due for e-mail; a no-op without SMTP (``ALTERAM_SMTP_HOST``).

    Safe in several processes at once; blocking, so the server runs it in a thread."""
    if not ctx.mailer.enabled:
        return Delivery()
    sent = failed = 0
    for _ in range(MAX_BATCHES):
        now = ctx.now()
        # The lease outlasts the slowest send: each step may take the whole timeout
        # (connect, EHLO, STARTTLS, AUTH, quit; MAIL, RCPT, DATA per message).
        lease = timedelta(seconds=ctx.mailer.timeout * (3 * batch + 6))
        with ctx.store.transaction() as tx:
            claimed = outbox.claim(tx.conn, now, batch, now + lease)
        if not claimed:
            break
        seal = seal_for(ctx)
        messages = [
            compose(replace(n, token=seal.open(n.token, n.case_id, n.party_id) or ""))
            for n in claimed
        ]
        outcomes = asyncio.run(ctx.mailer.send(messages))
        done = ctx.now()
        with ctx.store.transaction() as tx:
            for notice, outcome in zip(claimed, outcomes, strict=True):
                if outcome.sent:
                    sent += outbox.mark_sent(tx.conn, notice, done)
                else:
                    failed += 1
                    _record_failure(tx.conn, notice, outcome, done)
        if len(claimed) < batch:
            break
    if sent:
        logger.info("e-mailed %d notice(s)", sent)
    return Delivery(sent=sent, failed=failed)


def _record_failure(conn: Connection, notice: Pending, outcome: Outcome, now: datetime) -> None:
    # The address is personal data: servers quote it in refusals, the log must not.
    error = (outcome.error or "unknown error").replace(notice.email, "<recipient>")
    final = outcome.permanent or notice.attempt >= MAX_ATTEMPTS
    retry_at = None if final else now + retry_after(notice.attempt)
    if final:
        error = f"gave up after attempt {notice.attempt}: {error}"
    outbox.mark_failed(conn, notice, error, retry_at)
    logger.warning(
        "e-mail for notice %d (case %s, %s) failed, attempt %d: %s; %s",
        notice.id,
        notice.case_id,
        notice.party_id,
        notice.attempt,
        error,
        f"retrying at {retry_at.isoformat()}" if retry_at else "given up (still available by link)",
    )
