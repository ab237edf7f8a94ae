"""Reporter standing (EU DSA Art. 23): when it is re-evaluated, and its appeal.

Re-evaluated when a case becomes final without a violation (its reporters), when
a report lands on content closed by a precedent (that reporter), and when a
suspended reporter files again (an expired suspension ends). Each decision is a
logged event under the reporter's pseudo case id, and a notice the filing
platform fetches from ``GET /api/v1/reporters/notices``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from alteram.domain import standing as rules
from alteram.domain.events import (
    CaseFinal,
    Event,
    ReporterAppealed,
    ReporterReinstated,
    ReporterSuspended,
    ReporterWarned,
    ReporterWarningWithdrawn,
    StandingAppealDecided,
    StandingPanelDrawn,
)
from alteram.domain.policy_file import iso_duration
from alteram.errors import Conflict, NotFound
from alteram.services.context import Context
from alteram.storage import standing as q
from alteram.storage.store import Tx

Pair = tuple[str, str]  # (platform id, reporter handle)


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def reasons_of(event: Event) -> dict[str, Any]:
    return {k: v for k, v in event.record().items() if k not in {"handle", "grounds"}}


def _notice_text(event: Event) -> str | None:
    if isinstance(event, ReporterWarned):
        return (
            f"Warning (EU DSA Art. 23): {event.unfounded} of your {event.reports} reports "
            f"since {event.since:%Y-%m-%d} were manifestly unfounded (the content was cleared "
            f"by a final ruling or by a precedent). At {event.suspend_after} such reports, "
            f"if at least {event.min_share:.0%} of your reports are unfounded, processing of "
            "your reports will be suspended for a limited time. You may appeal the warning "
            "through your platform."
        )
    if isinstance(event, ReporterSuspended):
        return (
            f"Suspension (EU DSA Art. 23): {event.unfounded} of your {event.reports} reports "
            f"since {event.since:%Y-%m-%d} were manifestly unfounded, after a prior warning. "
            f"Until {event.until:%Y-%m-%d %H:%M} UTC your reports are stored but not "
            "processed. You may appeal through your platform."
        )
    if isinstance(event, ReporterAppealed):
        if event.outcome == "lifted":
            return (
                f"Your appeal against the {event.against} was granted: the counts no longer "
                "meet it."
            )
        return None  # referred: the panel's draw says so (below)
    if isinstance(event, StandingPanelDrawn):
        return (
            f"Your appeal was recorded. A panel of {event.size} jurors drawn at random "
            f"will read your grounds and your counted reports and decide by "
            f"{event.voting_deadline:%Y-%m-%d %H:%M} UTC; until then what you appealed stays "
            "in force. A tie or a missing vote lifts it."
        )
    if isinstance(event, StandingAppealDecided):
        reasons = " | ".join(
            f"{v['vote']}: {v['reasons']}"
            for v in event.votes
            if v["vote"] == ("lift" if event.outcome == "lifted" else "uphold")
        )
        if event.against == rules.WARNING:
            head = (
                "A panel of jurors granted your appeal: the warning is withdrawn"
                if event.outcome == "lifted"
                else "A panel of jurors upheld the warning"
            )
        else:
            head = (
                "A panel of jurors granted your appeal: the suspension is lifted"
                if event.outcome == "lifted"
                else "A panel of jurors upheld the suspension; it ends by itself on its date"
            )
        return (
            f"{head} ({event.lift} for lifting, {event.uphold} for upholding, "
            f"{event.missing} not cast, of {event.panel_size}). Reasons: {reasons or 'none given'}"
        )
    if isinstance(event, ReporterReinstated):
        return "Your reports are processed again; earlier reports no longer count."
    if isinstance(event, ReporterWarningWithdrawn):
        return "The warning is withdrawn on appeal; earlier reports no longer count."
    return None


def record(tx: Tx, ctx: Context, standing: rules.Standing, events: list[Event]) -> None:
    """Append the events to the log and queue a notice for each."""
    tx.append_events(events)
    tx.add_notices(
        [
            {
                "case_id": e.case_id,
                "party_id": "reporter",
                "role": "reporter",
                "handle": standing.handle,
                "token": "",
                "url": f"{ctx.base_url.rstrip('/')}/api/v1/policy",
                "text": text,
                "created_at": e.at,
            }
            for e in events
            if (text := _notice_text(e)) is not None
        ]
    )


def review(tx: Tx, ctx: Context, pairs: Iterable[Pair], now: datetime) -> list[Event]:
    """Re-evaluate these reporters: end expired suspensions, warn, suspend."""
    policy = ctx.policy.standing
    wanted = sorted(set(pairs))
    known = q.load(tx.conn, wanted)
    out: list[Event] = []
    for platform_id, handle in wanted:
        st = known.get((platform_id, handle))
        if st is None:
            first = q.counts(tx.conn, platform_id, handle, now - policy.window)
            if first.unfounded < policy.warn_after:
                continue  # the common case: no row is made
            st = q.get_or_make(tx.conn, platform_id, handle, now)
        st, events = rules.expire(st, now)
        counts = q.counts(tx.conn, platform_id, handle, rules.since(st, policy, now))
        st, more = rules.decide(st, counts, policy, now)
        events += more
        if events:
            q.save(tx.conn, st, now, reasons=reasons_of(events[-1]))
            record(tx, ctx, st, events)
            out += events
    return out


def at_intake(
    tx: Tx, ctx: Context, pairs: Iterable[Pair], now: datetime
) -> dict[Pair, rules.Standing]:
    """The reporters of a batch whose reports are suspended now (expired suspensions
    end here, logged)."""
    held: dict[Pair, rules.Standing] = {}
    for pair, st in q.load(tx.conn, list(pairs)).items():
        if st.status != rules.SUSPENDED:
            continue
        st, events = rules.expire(st, now)
        if events:
            q.save(tx.conn, st, now, reasons=reasons_of(events[-1]))
            record(tx, ctx, st, events)
        elif st.suspended_at(now):
            held[pair] = st
    return held


def after_final(tx: Tx, ctx: Context, events: Iterable[Event], now: datetime) -> None:
    """The hook after a case becomes final: a clearing ruling re-evaluates its reporters."""
    cleared = [e.case_id for e in events if isinstance(e, CaseFinal) and not e.violation]
    if cleared:
        review(tx, ctx, q.reporters_of(tx.conn, cleared), now)


def appeal(ctx: Context, platform_id: str, handle: str, grounds: str) -> dict[str, Any]:
    """Appeal a running suspension, or else a warning (one appeal each). A recount first
    (see :func:`alteram.domain.standing.appeal`): lifted at once when the counts no
    longer meet it, otherwise referred to a panel of jurors (:mod:`.standing_review`)."""
    from alteram.services import standing_review
    from alteram.services.log import after_append

    with ctx.store.transaction() as tx:
        now = ctx.now()
        found = q.load(tx.conn, [(platform_id, handle)]).get((platform_id, handle))
        if found is None or found.status == rules.GOOD:
            raise NotFound("this reporter is neither suspended nor warned", field="reporter")
        st, events = rules.expire(found, now)
        result: dict[str, Any] = {"reporter": handle, "outcome": "expired"}
        if events:
            q.save(tx.conn, st, now, reasons=reasons_of(events[-1]))
            record(tx, ctx, st, events)
        else:
            against = rules.appealable(st, now)
            assert against is not None  # suspended and running, or warned
            row = q.row(tx.conn, platform_id, handle) or {}
            previous = row.get("appeal") or {}
            until = st.suspended_until.isoformat() if st.suspended_until else None
            warned = st.warned_at.isoformat() if st.warned_at else None
            if previous.get("against", rules.SUSPENSION) == against and (
                previous.get("suspended_until") == until
                if against == rules.SUSPENSION
                else previous.get("warned_at") == warned
            ):
                raise Conflict(f"this {against} was already appealed", field="reporter")
            start = rules.since(st, ctx.policy.standing, now)
            counts = q.counts(tx.conn, platform_id, handle, start)
            st, events = rules.appeal(st, counts, grounds, ctx.policy.standing, now)
            decided = events[0]
            assert isinstance(decided, ReporterAppealed)
            appeal_id = standing_review.new_id() if decided.outcome == "referred" else None
            q.save(
                tx.conn,
                st,
                now,
                reasons=reasons_of(events[-1]),
                appeal={
                    "grounds": grounds,
                    "against": against,
                    "outcome": decided.outcome,
                    "at": now.isoformat(),
                    "suspended_until": until if against == rules.SUSPENSION else None,
                    "warned_at": warned,
                    "unfounded": counts.unfounded,
                    "reports": counts.reports,
                    "appeal_id": appeal_id,
                },
            )
            record(tx, ctx, st, events)
            result["against"] = against
            result["outcome"] = decided.outcome
            if appeal_id is not None:
                st, panel = standing_review.open_panel(
                    tx, ctx, st, appeal_id, platform_id, decided, counts, start
                )
                result.update(panel)
        result["status"] = st.status
        result["suspended_until"] = _iso(st.suspended_until) if st.suspended_until else None
    after_append(ctx)
    return result


def current(ctx: Context, platform_id: str, handle: str) -> dict[str, Any]:
    """One reporter's standing as it is now, with the counts it rests on: ``status``
    (``good`` / ``warned`` / ``suspended``), the dates, the counts in the window, the
    thresholds, what an appeal would be against, and the last appeal. A suspension past
    its end reads as ``good`` (it ends for good at the reporter's next report or at an
    appeal). A reporter with no standing row is in good standing."""
    policy, now = ctx.policy.standing, ctx.now()
    with ctx.store.read() as tx:
        st = q.load(tx.conn, [(platform_id, handle)]).get((platform_id, handle))
        st = st or rules.Standing(subject="", handle=handle)
        st, _ = rules.expire(st, now)  # read only: not saved here
        start = rules.since(st, policy, now)
        counts = q.counts(tx.conn, platform_id, handle, start)
        row = q.row(tx.conn, platform_id, handle) or {}
    previous = row.get("appeal") or None
    return {
        "reporter": handle,
        "status": st.status,
        "warned_at": _iso(st.warned_at) if st.warned_at and st.status != rules.GOOD else None,
        "suspended_until": (
            _iso(st.suspended_until) if st.suspended_until and st.suspended_at(now) else None
        ),
        "counted_since": _iso(start),
        "unfounded": counts.unfounded,
        "reports": counts.reports,
        "thresholds": {
            "warn_after": policy.warn_after,
            "suspend_after": policy.suspend_after,
            "min_share": policy.min_share,
            "window": iso_duration(policy.window),
        },
        "appealable": rules.appealable(st, now),
        "last_appeal": (
            {
                "against": previous.get("against", rules.SUSPENSION),
                "outcome": previous.get("outcome"),
                "at": previous.get("at"),
                "appeal_id": previous.get("appeal_id"),
            }
            if previous
            else None
        ),
    }


def reporter_notices(
    ctx: Context, platform_id: str, after: int = 0, reporter: str | None = None
) -> list[dict[str, Any]]:
    with ctx.store.read() as tx:
        return q.notices(tx.conn, platform_id, after, reporter)
