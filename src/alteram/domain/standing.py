"""Reporter standing (EU DSA Art. 23): pure decisions, no storage.

A reporter (one handle on one platform) whose reports are *manifestly
unfounded* again and again is first warned, then has report processing
suspended for a limited time. A report is manifestly unfounded when a final
ruling cleared the content (no violation), or when it was closed as
``closed_precedent`` (the content matches a cleared precedent and no new
grounds were given).

Both thresholds need a count (``warn_after`` / ``suspend_after`` unfounded
reports in the ``window``) *and* a share (``min_share`` of the reporter's
reports in the window were unfounded): a prolific reporter who is mostly right
is never suspended. A suspension always follows a prior warning. After a
suspension ends (expired or lifted on appeal), only reports received after
that moment count again, so the same reports are never punished twice.

Standing is about the reporter only: it never changes a case's panel,
deadlines or outcome (DESIGN invariant 3).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from alteram.domain.events import (
    Event,
    ReporterAppealed,
    ReporterReinstated,
    ReporterSuspended,
    ReporterWarned,
    ReporterWarningWithdrawn,
)
from alteram.domain.policy import Standing as StandingPolicy
from alteram.domain.policy_file import iso_duration

GOOD, WARNED, SUSPENDED = "good", "warned", "suspended"
SUSPENSION, WARNING = "suspension", "warning"  # what an appeal is against


@dataclass(frozen=True)
class Counts:
    """A reporter's reports received in the counting window."""

    unfounded: int
    reports: int

    @property
    def share(self) -> float:
        return self.unfounded / self.reports if self.reports else 0.0


@dataclass(frozen=True)
class Standing:
    subject: str  # the pseudo case id: "reporter:" + a commitment
    handle: str
    status: str = GOOD
    warned_at: datetime | None = None
    suspended_until: datetime | None = None
    counted_from: datetime | None = None  # reports before this no longer count

    def suspended_at(self, now: datetime) -> bool:
        return (
            self.status == SUSPENDED
            and self.suspended_until is not None
            and now < self.suspended_until
        )


def since(standing: Standing, policy: StandingPolicy, now: datetime) -> datetime:
    """Where the counting window starts."""
    start = now - policy.window
    if standing.counted_from is not None and standing.counted_from > start:
        return standing.counted_from
    return start


def _meets(counts: Counts, at: int, policy: StandingPolicy) -> bool:
    return counts.unfounded >= at and counts.share >= policy.min_share


def expire(standing: Standing, now: datetime) -> tuple[Standing, list[Event]]:
    """A suspension whose end has passed ends by itself."""
    if (
        standing.status == SUSPENDED
        and standing.suspended_until is not None
        and now >= standing.suspended_until
    ):
        event = ReporterReinstated(
            case_id=standing.subject, at=now, handle=standing.handle, reason="expired"
        )
        return _reinstated(standing, now), [event]
    return standing, []


def _reinstated(standing: Standing, now: datetime) -> Standing:
    return replace(standing, status=GOOD, suspended_until=None, counted_from=now)


def decide(
    standing: Standing, counts: Counts, policy: StandingPolicy, now: datetime
) -> tuple[Standing, list[Event]]:
    """The next step for this reporter, given the counts since :func:`since`.

    Call :func:`expire` first (the counts must be taken after it)."""
    if standing.suspended_at(now):
        return standing, []
    start = since(standing, policy, now)
    window = iso_duration(policy.window)
    if standing.status == WARNED and _meets(counts, policy.suspend_after, policy):
        until = now + policy.suspension
        event: Event = ReporterSuspended(
            case_id=standing.subject,
            at=now,
            handle=standing.handle,
            unfounded=counts.unfounded,
            reports=counts.reports,
            window=window,
            since=start,
            suspend_after=policy.suspend_after,
            min_share=policy.min_share,
            until=until,
        )
        return replace(standing, status=SUSPENDED, suspended_until=until), [event]
    if standing.status == GOOD and _meets(counts, policy.warn_after, policy):
        event = ReporterWarned(
            case_id=standing.subject,
            at=now,
            handle=standing.handle,
            unfounded=counts.unfounded,
            reports=counts.reports,
            window=window,
            since=start,
            warn_after=policy.warn_after,
            suspend_after=policy.suspend_after,
            min_share=policy.min_share,
        )
        return replace(standing, status=WARNED, warned_at=now), [event]
    return standing, []


def lift(standing: Standing, now: datetime) -> tuple[Standing, list[Event]]:
    """A suspension lifted on appeal (by the recount or by the panel); a suspension
    that already ended is left alone."""
    if not standing.suspended_at(now):
        return standing, []
    event = ReporterReinstated(
        case_id=standing.subject, at=now, handle=standing.handle, reason="appeal"
    )
    return _reinstated(standing, now), [event]


def withdraw(standing: Standing, now: datetime) -> tuple[Standing, list[Event]]:
    """A warning lifted on appeal: good standing again, counted afresh from now."""
    if standing.status != WARNED:
        return standing, []
    event = ReporterWarningWithdrawn(
        case_id=standing.subject, at=now, handle=standing.handle, reason="appeal"
    )
    return replace(standing, status=GOOD, warned_at=None, counted_from=now), [event]


def grant(standing: Standing, against: str, now: datetime) -> tuple[Standing, list[Event]]:
    """An appeal granted by a panel. A suspension is lifted if it still runs. A warning
    is withdrawn; if a suspension has followed it meanwhile, that suspension rested on
    the warning and is lifted too."""
    if against == WARNING and standing.status == WARNED:
        return withdraw(standing, now)
    return lift(standing, now)


def appealable(standing: Standing, now: datetime) -> str | None:
    """What an appeal by this reporter would be against: a running suspension, else a
    warning, else nothing."""
    if standing.suspended_at(now):
        return SUSPENSION
    if standing.status == WARNED:
        return WARNING
    return None


def appeal(
    standing: Standing, counts: Counts, grounds: str, policy: StandingPolicy, now: datetime
) -> tuple[Standing, list[Event]]:
    """An appeal against a running suspension, or else against a warning. The recount
    comes first: lifted at once when the counts no longer meet the threshold of what is
    appealed (``suspend_after`` or ``warn_after``); otherwise "referred" to a panel of
    jurors (:mod:`alteram.domain.standing_panel`), and the suspension or the warning
    stays until the panel decides."""
    against = appealable(standing, now)
    if against is None:
        raise ValueError("this reporter is neither suspended nor warned")
    threshold = policy.suspend_after if against == SUSPENSION else policy.warn_after
    lifted = not _meets(counts, threshold, policy)
    events: list[Event] = [
        ReporterAppealed(
            case_id=standing.subject,
            at=now,
            handle=standing.handle,
            grounds=grounds,
            outcome="lifted" if lifted else "referred",
            unfounded=counts.unfounded,
            reports=counts.reports,
            against=against,
        )
    ]
    if not lifted:
        return standing, events
    standing, more = lift(standing, now) if against == SUSPENSION else withdraw(standing, now)
    return standing, events + more
