"""The texts of the notices sent to the author and to each reporter."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from alteram.domain.content import Party, Role
from alteram.domain.events import NoticeIssued
from alteram.domain.policy import Category, Policy

if TYPE_CHECKING:
    from alteram.domain.case import Case


@lru_cache(maxsize=4096)  # a mass report repeats one deadline in every notice
def fmt_time(t: datetime) -> str:
    """UTC, to the minute: the ``Z`` suffix must be true whatever zone ``t`` is in."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def author_notice(case: Case, category: Category, policy: Policy, now: datetime) -> NoticeIssued:
    rules = " ".join(f"[{r.id}] {r.text}" for r in category.rules)
    text = (
        f"Your content {case.content.url} was reported under the rule category "
        f"'{category.title}' ({category.standard}) of policy {policy.version}. "
        f"The rules alleged: {rules} "
        f"You may reply with a statement and evidence, or waive your reply, until "
        f"{fmt_time(case.reply_deadline)}. No ruling will be made before your reply or that time."
    )
    if case.precedent is not None:
        p = case.precedent
        found = f"a violation ({p.remedy.value})" if p.violation else "no violation"
        text += (
            f" This content matches an earlier final ruling (case {p.case_id}, which found "
            f"{found}); the panel will see it, but nothing is restricted without a ruling "
            "on this copy."
        )
    if category.emergency:
        text += (
            " Because this category is an emergency, an interim "
            f"{category.interim_remedy.value} applies until a panel reviews it, "
            "and expires by itself at "
            f"{fmt_time(now + policy.deadlines.interim_review)}."
        )
    return NoticeIssued(
        case_id=case.id,
        at=now,
        party_id=case.author.id,
        role=Role.AUTHOR.value,
        handle=case.author.handle,
        text=text,
        reply_by=case.reply_deadline,
    )


def reporter_notice(
    case: Case, party: Party, category: Category, policy: Policy, now: datetime
) -> NoticeIssued:
    text = (
        f"Your report on {case.content.url} under '{category.title}' was received "
        f"(case {case.id}). The author is heard until {fmt_time(case.reply_deadline)}; then a "
        f"panel of {policy.panel.first} jurors drawn at random rules under policy "
        f"{policy.version}. The number of reports does not change the outcome."
    )
    return NoticeIssued(
        case_id=case.id,
        at=now,
        party_id=party.id,
        role=Role.REPORTER.value,
        handle=party.handle,
        text=text,
        reply_by=None,
    )


def precedent_notice(case: Case, party: Party, now: datetime) -> NoticeIssued:
    """To a reporter of content that a final ruling already cleared."""
    p = case.precedent
    assert p is not None
    reasons = " / ".join(p.reasons) or "see the ruling"
    text = (
        f"Your report on {case.content.url} concerns content that a final ruling already "
        f"found lawful (case {p.case_id}; match: {p.match}, distance {p.distance:g}). "
        f"Its reasons: {reasons} It is not tried again unless you state new grounds "
        "(the field new_grounds of a report): what is new that the panel did not consider."
    )
    return NoticeIssued(
        case_id=case.id,
        at=now,
        party_id=party.id,
        role=Role.REPORTER.value,
        handle=party.handle,
        text=text,
        reply_by=None,
    )
