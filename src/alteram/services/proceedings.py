"""The steps after filing: the author's reply, votes, appeals, and deadlines."""

from __future__ import annotations

from collections.abc import Sequence

from alteram.domain.case import Case
from alteram.domain.vote import Ballot
from alteram.errors import Forbidden, InvalidInput, NotFound
from alteram.services import standing_review
from alteram.services.accounts import Principal
from alteram.services.context import Context, case_unit
from alteram.services.log import checkpoint
from alteram.services.policies import policy_for, refresh
from alteram.services.precedent import store_media
from alteram.services.reports import record_notices
from alteram.services.standing import after_final

MAX_EVIDENCE = 10


def reply(
    ctx: Context,
    case_id: str,
    who: Principal,
    statement: str | None,
    waive: bool = False,
    evidence: Sequence[str | bytes] = (),
) -> Case:
    """The author is heard: a statement, or an explicit waiver. Closes the hearing.

    ``evidence`` holds images (base64 text or raw bytes) sent with the statement: each
    is decoded, re-encoded and stored once by SHA-256 in the same transaction, so a
    bad file (an :class:`InvalidInput` naming ``evidence.{i}.data``) saves nothing."""
    _require_party(who, case_id, roles=("author",))
    if len(evidence) > MAX_EVIDENCE:
        raise InvalidInput(f"at most {MAX_EVIDENCE} evidence files", field="evidence")
    with case_unit(ctx, case_id) as u:
        pool = u.tx.jurors(active_only=True)
        if waive:
            if statement:
                raise InvalidInput("send a statement or waive, not both", field="waive")
            if evidence:
                raise InvalidInput("a waived reply carries no evidence", field="evidence")
            u.events += u.case.waive_reply(u.now, u.policy, pool)
        else:
            stored = store_media(
                u.tx,
                evidence,
                u.now,
                max_bytes=ctx.max_media_bytes,
                max_pixels=ctx.max_media_pixels,
                field="evidence",
            )
            u.events += u.case.submit_reply(
                statement or "", u.now, u.policy, pool, [fp.sha256 for fp in stored]
            )
        return u.case


def recuse(ctx: Context, case_id: str, juror_id: str, reason: str) -> Case:
    """A juror on the current panel declares a conflict; one replacement is drawn."""
    with case_unit(ctx, case_id) as u:
        pool = u.tx.jurors(active_only=True)
        u.events += u.case.recuse(juror_id, reason, u.now, u.policy, pool)
        return u.case


def cast_vote(ctx: Context, case_id: str, juror_id: str, ballot: Ballot) -> Case:
    with case_unit(ctx, case_id) as u:
        u.events += u.case.cast_vote(juror_id, ballot, u.policy, u.now)
        return u.case


def appeal(ctx: Context, case_id: str, who: Principal, grounds: str) -> Case:
    _require_party(who, case_id, roles=("author", "reporter"))
    assert who.party_id is not None
    with case_unit(ctx, case_id) as u:
        pool = u.tx.jurors(active_only=True)
        u.events += u.case.file_appeal(who.party_id, grounds, u.now, u.policy, pool)
        return u.case


def current_case(ctx: Context, case_id: str) -> Case:
    """The case as of now: read without locking, and a deadline that has passed is
    applied first, so no reader ever sees a case behind its own deadlines."""
    with ctx.store.read() as tx:
        case = tx.get_case(case_id)
    if case is None:
        raise NotFound(f"no case {case_id!r}", field="case_id")
    due = case.due_at()
    if due is not None and due <= ctx.now():
        case = advance_case(ctx, case_id)
    return case


def advance_case(ctx: Context, case_id: str) -> Case:
    """Apply due deadlines to one case (a no-op when nothing is due)."""
    with case_unit(ctx, case_id) as u:  # case_unit records the notices
        return u.case


def advance_due(ctx: Context, page: int = 200) -> int:
    """Apply every due deadline; safe to run in several processes at once.

    Each case is advanced in its own transaction under a row lock (PostgreSQL:
    ``FOR UPDATE SKIP LOCKED``, so two workers never take the same case; SQLite:
    one writer at a time). Every due case is visited once per call, in pages, so
    cases still waiting for jurors cannot crowd out the rest. Suspension appeals past
    their voting deadline are decided too. Returns how many cases and appeals changed.
    """
    refresh(ctx)  # a version published by another process applies to new cases from now
    now, changed, after = ctx.now(), 0, None
    while True:
        with ctx.store.transaction() as tx:
            due = tx.due_case_ids(now, page, after)
        if not due:
            break
        after = due[-1]
        changed += sum(_advance_one(ctx, case_id) for case_id in due)
    changed += standing_review.decide_due(ctx)  # suspension appeals past their deadline
    checkpoint(ctx)
    return changed


def _advance_one(ctx: Context, case_id: str) -> int:
    """Advance one case in its own transaction; 1 if it changed."""
    with ctx.store.transaction() as tx:
        case = tx.get_case(case_id, lock=True, skip_locked=True)
        if case is None:
            return 0  # another worker holds it
        now = ctx.now()
        policy = policy_for(ctx, case.policy_version, tx)
        events = case.advance(now, policy, tx.jurors(active_only=True))
        if not events:
            return 0
        tx.update_case(case, now)
        tx.append_events(events)
        record_notices(tx, ctx, events)
        after_final(tx, ctx, events, now)  # a clearing final ruling: reporters' standing
        return 1


def _require_party(who: Principal, case_id: str, roles: tuple[str, ...]) -> None:
    if who.kind != "party" or who.subject != case_id:
        raise Forbidden(f"this needs the capability token of a party to case {case_id}")
    role = "author" if who.party_id == "author" else "reporter"
    if role not in roles:
        raise Forbidden(f"only the {' or '.join(roles)} may do this; you are a {role}")
