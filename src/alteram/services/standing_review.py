"""The panel that reviews a suspension or warning appeal (EU DSA Art. 20(6)).

When the recount of :func:`alteram.services.standing.appeal` would keep the
suspension or the warning, a panel is drawn (:mod:`alteram.domain.standing_panel`) in the same
transaction; its jurors read the grounds and the counted reports and vote
``lift`` or ``uphold`` with reasons. The decision comes when all have voted or at
the deadline (:func:`decide_due`, run with the case deadlines). Administrators
cannot decide it: only a juror on the panel may vote.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from alteram.domain import standing as rules
from alteram.domain import standing_panel as sp
from alteram.domain.events import (
    Event,
    ReporterAppealed,
    StandingPanelDrawn,
    StandingVoteCast,
    commitment,
    leaf,
)
from alteram.domain.panel import draw, url_domain
from alteram.errors import Conflict, Forbidden, NotFound, PanelUnavailable
from alteram.services.context import Context
from alteram.storage import standing as q
from alteram.storage import standing_appeals as qa
from alteram.storage.store import Tx
from alteram.tlog.hashing import leaf_hash


def new_id() -> str:
    return "sa" + secrets.token_hex(8)


def _opening_hash(tx: Tx, event: ReporterAppealed) -> str:
    """The log leaf hash of the ``reporter_appealed`` event (its handle committed)."""
    key = q.commit_keys(tx.conn, [event.case_id])[event.case_id]
    return leaf_hash(leaf(event, commitment(key))).hex()


def _parties(tx: Tx, handle: str, counted: list[dict[str, Any]]) -> tuple[set[str], ...]:
    """Handles of the parties to the counted cases, their sites, and their panelists."""
    handles, sites, panelists = {handle}, set(), set()
    for case_id in sorted({c["case_id"] for c in counted}):
        case = tx.get_case(case_id)
        if case is None:
            continue
        handles |= {case.author.handle, *(r.handle for r in case.reporters)}
        if host := url_domain(case.content.url):
            sites.add(host)
        for panel in case.panels:
            panelists |= set(panel.chosen) | set(panel.recused())
    return handles, sites, panelists


def open_panel(
    tx: Tx,
    ctx: Context,
    st: rules.Standing,
    appeal_id: str,
    platform_id: str,
    appealed: ReporterAppealed,
    counts: rules.Counts,
    since: datetime,
) -> tuple[rules.Standing, dict[str, Any]]:
    """Draw the panel for a referred appeal (the ``reporter_appealed`` event is already
    appended). With too few eligible jurors nobody can uphold it: lifted at once."""
    from alteram.services.standing import reasons_of, record

    policy, now = ctx.policy.standing, appealed.at
    counted = qa.counted(tx.conn, platform_id, st.handle, since)
    handles, sites, panelists = _parties(tx, st.handle, counted)
    eligible = sp.eligible(
        tx.jurors(active_only=True),
        party_handles=sorted(handles),
        sites=sorted(sites),
        platform=qa.platform_names(tx.conn, platform_id),
        earlier_panelists=panelists,
    )
    round_ = qa.next_round(tx.conn, st.subject)
    opening = _opening_hash(tx, appealed)
    deadline = now + policy.appeal_deadline
    try:
        seed, chosen = draw(st.subject, round_, opening, eligible, policy.appeal_panel)
    except PanelUnavailable:
        seed, chosen = "", []
    panel = {
        "round": round_,
        "size": len(chosen),
        "opening_event_hash": opening,
        "seed": seed,
        "eligible": eligible,
        "chosen": chosen,
    }
    qa.add(
        tx.conn,
        {
            "id": appeal_id,
            "subject": st.subject,
            "round": round_,
            "grounds": appealed.grounds,
            "filed_at": now,
            # a warning appeal has none: that is how its row says what it is against
            "suspended_until": st.suspended_until if appealed.against == rules.SUSPENSION else None,
            "unfounded": counts.unfounded,
            "reports": counts.reports,
            "counted": counted,
            "panel": panel,
            "votes": {},
            "deadline": deadline,
        },
    )
    if not chosen:
        st = _decide(tx, ctx, appeal_id, "no_panel", now)
        return st, {"appeal_id": appeal_id, "outcome": sp.LIFTED}
    drawn = StandingPanelDrawn(
        case_id=st.subject,
        at=now,
        appeal_id=appeal_id,
        round=round_,
        size=len(chosen),
        opening_event_hash=opening,
        seed=seed,
        eligible=eligible,
        chosen=chosen,
        voting_deadline=deadline,
    )
    record(tx, ctx, st, [drawn])
    q.save(tx.conn, st, now, reasons=reasons_of(drawn))
    return st, {"appeal_id": appeal_id, "outcome": "referred", "voting_deadline": deadline}


def _decide(tx: Tx, ctx: Context, appeal_id: str, reason: str, now: datetime) -> rules.Standing:
    """Record the panel's decision; a lifted suspension that still runs ends now."""
    from alteram.services.standing import reasons_of, record

    row = qa.get(tx.conn, appeal_id)
    assert row is not None
    st = qa.standing_of(tx.conn, row["subject"])
    against = against_of(row)
    chosen = list(row["panel"]["chosen"])
    decided = sp.decide(st.subject, appeal_id, chosen, qa.votes_of(row), reason, now, against)
    events: list[Event] = [decided]
    if decided.outcome == sp.LIFTED and (
        against == rules.WARNING or st.suspended_until == row["suspended_until"]
    ):
        st, more = rules.grant(st, against, now)
        events += more
    qa.save(tx.conn, appeal_id, {"outcome": decided.outcome, "decided_at": now})
    record(tx, ctx, st, events)
    q.save(tx.conn, st, now, reasons=reasons_of(events[-1]))
    return st


def against_of(row: dict[str, Any]) -> str:
    """What a stored standing appeal is against: a suspension (its end date is kept) or
    a warning (none)."""
    return rules.SUSPENSION if row["suspended_until"] is not None else rules.WARNING


def cast_vote(ctx: Context, appeal_id: str, juror_id: str, vote: sp.StandingVote) -> dict[str, Any]:
    """A juror on the panel votes; the decision comes when the last vote is in."""
    from alteram.services.log import after_append

    with ctx.store.transaction() as tx:
        now = ctx.now()
        row = qa.get(tx.conn, appeal_id, lock=True)
        if row is None:
            raise NotFound(f"no standing appeal {appeal_id}", field="appeal_id")
        chosen = list(row["panel"]["chosen"])
        if juror_id not in chosen:
            raise Forbidden(f"you do not sit on the panel of standing appeal {appeal_id}")
        if row["outcome"] is not None:
            raise Conflict("this appeal is already decided", field="appeal_id")
        if now >= row["deadline"]:
            raise Conflict("the voting deadline of this appeal has passed", field="appeal_id")
        votes = dict(row["votes"] or {})
        if juror_id in votes:
            raise Conflict("you already voted on this appeal", field="appeal_id")
        votes[juror_id] = {**vote.model_dump(), "at": now.isoformat()}
        qa.save(tx.conn, appeal_id, {"votes": votes})
        tx.append_events(
            [
                StandingVoteCast(
                    case_id=row["subject"], at=now, appeal_id=appeal_id, juror_id=juror_id
                )
            ]
        )
        outcome = None
        if all(j in votes for j in chosen):
            _decide(tx, ctx, appeal_id, "all_cast", now)
            outcome = (qa.get(tx.conn, appeal_id) or {}).get("outcome")
    after_append(ctx)
    return {
        "appeal_id": appeal_id,
        "votes_cast": len(votes),
        "panel_size": len(chosen),
        "outcome": outcome,
    }


def decide_due(ctx: Context) -> int:
    """Decide every appeal whose deadline passed (missing votes count for lifting);
    each in its own transaction. Returns how many were decided."""
    now, done = ctx.now(), 0
    with ctx.store.read() as tx:
        due = qa.due(tx.conn, now)
    for appeal_id in due:
        with ctx.store.transaction() as tx:
            row = qa.get(tx.conn, appeal_id, lock=True)
            if row is None or row["outcome"] is not None:
                continue  # another worker decided it
            _decide(tx, ctx, appeal_id, "deadline", now)
            done += 1
    return done


def appeal_file(ctx: Context, appeal_id: str, juror_id: str) -> dict[str, Any]:
    """What a panelist reads: the grounds, the counts and the counted reports (case
    ids, categories, outcomes; no handle), the draw, their own vote; all votes once
    decided. Only a juror on the panel may read it."""
    with ctx.store.read() as tx:
        row = qa.get(tx.conn, appeal_id)
    if row is None:
        raise NotFound(f"no standing appeal {appeal_id}", field="appeal_id")
    panel = row["panel"]
    if juror_id not in panel["chosen"]:
        raise Forbidden(f"you do not sit on the panel of standing appeal {appeal_id}")
    votes = row["votes"] or {}
    return {
        "appeal_id": row["id"],
        "subject": row["subject"],
        "against": against_of(row),
        "round": row["round"],
        "filed_at": row["filed_at"],
        "grounds": row["grounds"],
        "suspended_until": row["suspended_until"],
        "unfounded": row["unfounded"],
        "reports": row["reports"],
        "counted": row["counted"],
        "panel": panel,
        "voting_deadline": row["deadline"],
        "my_vote": votes.get(juror_id),
        "votes_cast": len(votes),
        "outcome": row["outcome"],
        "decided_at": row["decided_at"],
        "votes": [{"juror_id": j, **v} for j, v in votes.items()] if row["outcome"] else None,
    }


def seats(ctx: Context, juror_id: str) -> list[dict[str, Any]]:
    """The undecided standing appeals on whose panel this juror sits."""
    with ctx.store.read() as tx:
        rows = qa.for_juror(qa.pending(tx.conn), juror_id)
    return [
        {
            "appeal_id": r["id"],
            "against": against_of(r),
            "voting_deadline": r["deadline"],
            "reports": r["reports"],
            "unfounded": r["unfounded"],
            "voted": juror_id in (r["votes"] or {}),
        }
        for r in rows
    ]
