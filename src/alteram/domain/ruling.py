"""Counting votes into a ruling with its statement of reasons (DSA Art. 17).

A violation needs a majority of the *whole* panel; a tie or a missing vote
favours speech. The remedy is the most restrictive rung that a majority of the
whole panel supports (a vote for a rung supports every lesser rung).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pydantic import BaseModel

from alteram.domain.panel import Panel
from alteram.domain.policy import Category, Policy
from alteram.domain.remedy import LADDER, Remedy
from alteram.domain.vote import Vote


class Dissent(BaseModel):
    juror_id: str
    violation: bool
    remedy: Remedy
    reasons: str


class StatementOfReasons(BaseModel):
    """The fields of EU DSA Art. 17(3)."""

    decision: str
    territorial_scope: str
    facts_and_circumstances: str
    ground: str
    how_decided: str
    redress: str


class Ruling(BaseModel):
    round: int
    violation: bool
    remedy: Remedy
    jurisdictions: list[str]
    rules: list[str]
    reasons: list[str]
    votes_for_violation: int
    panel_size: int
    votes_cast: int
    dissents: list[Dissent]
    policy_version: str
    issued_at: datetime
    final: bool
    statement: StatementOfReasons


def majority(panel_size: int) -> int:
    return panel_size // 2 + 1


def _geo_jurisdictions(votes: list[Vote], need: int) -> list[str]:
    counts: Counter[str] = Counter()
    for v in votes:
        if v.ballot.remedy is Remedy.GEO_RESTRICTION:
            counts.update(set(v.ballot.jurisdictions))
    removal = sum(1 for v in votes if v.ballot.remedy is Remedy.REMOVAL)
    return sorted(j for j, n in counts.items() if n + removal >= need)


def tally(votes: list[Vote], panel_size: int) -> tuple[bool, Remedy, list[str], list[str]]:
    """Return ``(violation, remedy, jurisdictions, rules)`` for one round's votes."""
    need = majority(panel_size)
    violation_votes = [v for v in votes if v.ballot.violation]
    if len(violation_votes) < need:
        return False, Remedy.NO_ACTION, [], []
    remedy, jurisdictions = Remedy.NO_ACTION, []
    for rung in reversed(LADDER[1:]):
        support = sum(1 for v in violation_votes if v.ballot.remedy.rank >= rung.rank)
        if support < need:
            continue
        if rung is Remedy.GEO_RESTRICTION:
            geo = _geo_jurisdictions(violation_votes, need)
            if not geo:
                continue
            jurisdictions = geo
        remedy = rung
        break
    # The rules the ruling rests on: those most jurors finding a violation cited;
    # a rule cited by a minority alone is not the panel's ground.
    rule_counts = Counter(r for v in violation_votes for r in dict.fromkeys(v.ballot.rules))
    ranked = sorted(rule_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    backed = [r for r, n in ranked if n >= len(violation_votes) // 2 + 1]
    rules = backed or [r for r, _ in ranked]
    return True, remedy, jurisdictions, rules


def statement_of_reasons(
    *,
    violation: bool,
    remedy: Remedy,
    jurisdictions: list[str],
    rules: list[str],
    rule_texts: dict[str, str],
    category_title: str,
    standard: str,
    policy_version: str,
    reasons: list[str],
    votes_for: int,
    votes_cast: int,
    panel_size: int,
    round_: int,
    final: bool,
    appeal_until: datetime | None,
) -> StatementOfReasons:
    if violation:
        decision = f"Violation found; remedy: {remedy.value}."
    else:
        decision = "No violation found; no restriction of the content."
    if remedy is Remedy.GEO_RESTRICTION:
        scope = "Restricted only for readers in: " + ", ".join(jurisdictions) + "."
    elif remedy is Remedy.NO_ACTION:
        scope = "None: the content stays available everywhere."
    else:
        scope = "Everywhere the platform serves the content."
    cited = (
        "; ".join(f"{r}: {rule_texts.get(r, '').rstrip('. ')}" for r in rules)
        or "no rule was found breached"
    )
    ground = (
        f"Policy {policy_version}, category {category_title} ({standard}). Rules: {cited}. "
        "Assessed under ICCPR Art. 19(3): legality, legitimate aim, necessity and proportionality."
    )
    how = (
        f"{'Appeal panel' if round_ > 1 else 'Panel'} of {panel_size} jurors drawn at random by a "
        f"publicly verifiable draw; {votes_for} of {panel_size} found a violation "
        f"({votes_cast} votes cast; a majority of the whole panel is needed). "
        "No automated means were used to decide."
    )
    if final:
        redress = "This ruling is final within alteram. Courts and out-of-court bodies remain open."
    elif appeal_until is not None:
        redress = (
            f"Either party may appeal once, until {appeal_until.isoformat()}, "
            "to a larger panel of fresh jurors."
        )
    else:
        redress = "Either party may appeal once to a larger panel of fresh jurors."
    facts = " / ".join(r.strip() for r in reasons if r.strip()) or "No reasons were given."
    return StatementOfReasons(
        decision=decision,
        territorial_scope=scope,
        facts_and_circumstances=facts,
        ground=ground,
        how_decided=how,
        redress=redress,
    )


def decide(
    votes: list[Vote],
    panel: Panel,
    policy: Policy,
    category: Category,
    now: datetime,
    appeal_until: datetime | None,
) -> Ruling:
    """Count one round's revealed votes into a reasoned ruling."""
    violation, remedy, jurisdictions, rules = tally(votes, panel.size)
    final = appeal_until is None
    reasons = [v.ballot.reasons for v in votes if v.ballot.violation == violation]
    votes_for = sum(1 for v in votes if v.ballot.violation)
    statement = statement_of_reasons(
        violation=violation,
        remedy=remedy,
        jurisdictions=jurisdictions,
        rules=rules,
        rule_texts={r: rule.text for r in rules if (rule := policy.rule(r)) is not None},
        category_title=category.title,
        standard=category.standard,
        policy_version=policy.version,
        reasons=reasons,
        votes_for=votes_for,
        votes_cast=len(votes),
        panel_size=panel.size,
        round_=panel.round,
        final=final,
        appeal_until=appeal_until,
    )
    return Ruling(
        round=panel.round,
        violation=violation,
        remedy=remedy,
        jurisdictions=jurisdictions,
        rules=rules,
        reasons=reasons,
        votes_for_violation=votes_for,
        panel_size=panel.size,
        votes_cast=len(votes),
        dissents=[
            Dissent(
                juror_id=v.juror_id,
                violation=v.ballot.violation,
                remedy=v.ballot.remedy,
                reasons=v.ballot.reasons,
            )
            for v in votes
            if v.ballot.violation != violation
        ],
        policy_version=policy.version,
        issued_at=now,
        final=final,
        statement=statement,
    )
