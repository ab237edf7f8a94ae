"""Pure builders for domain objects, shared by the storage, domain and property tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from alteram.domain import events as ev
from alteram.domain.case import Case
from alteram.domain.content import Content, Report
from alteram.domain.panel import Juror
from alteram.domain.policy import RABAT_FACTORS, THREE_PART_TEST
from alteram.domain.policy_file import load_default_policy
from alteram.domain.remedy import Remedy
from alteram.domain.vote import Ballot, Vote
from alteram.services.reports import ReportRequest

POLICY = load_default_policy()
T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
DAY = timedelta(days=1)

_ids = itertools.count(1)


def content(
    external_id: str = "post-1",
    *,
    platform: str = "p-forum",
    author: str = "@sara@forum.example",
    language: str | None = "en",
    url: str | None = None,
    text: str = "Woman, life, freedom.",
) -> Content:
    return Content(
        platform=platform,
        external_id=external_id,
        url=url or f"https://forum.example/p/{external_id}",
        author=author,
        text=text,
        language=language,
    )


def report(
    reporter: str = "reporter-1",
    category: str = "harassment",
    *,
    at: datetime = T0,
    jurisdiction: str | None = None,
    legal_basis: str | None = None,
    report_id: str | None = None,
) -> Report:
    return Report(
        id=report_id or f"r{next(_ids):06d}",
        reporter=reporter,
        category=category,
        explanation=f"{reporter} says this breaks the {category} rules",
        jurisdiction=jurisdiction,
        legal_basis=legal_basis,
        received_at=at,
    )


def pool(n: int, languages: tuple[str, ...] = ("en", "fa"), prefix: str = "j") -> list[Juror]:
    return [Juror(id=f"{prefix}{i:03d}", name=f"Juror {i}", languages=languages) for i in range(n)]


def open_case(
    case_id: str = "c-test",
    category: str = "harassment",
    *,
    at: datetime = T0,
    reporters: Iterable[str] = ("reporter-1",),
    what: Content | None = None,
) -> tuple[Case, list[ev.Event]]:
    """A case with one report per reporter, all in ``category``."""
    handles = list(reporters)
    first = report(handles[0], category, at=at)
    case, events = Case.open(case_id, what or content(), first, POLICY, at)
    for handle in handles[1:]:
        events += case.add_report(report(handle, category, at=at), POLICY, at)
    return case, events


def no_violation(reasons: str = "Protected speech: political criticism.") -> Ballot:
    return Ballot(violation=False, reasons=reasons)


def violation(
    rules: Iterable[str] = ("HAR-1",),
    remedy: Remedy = Remedy.REMOVAL,
    *,
    jurisdictions: Iterable[str] = (),
    reasons: str = "A breach; nothing less would do.",
) -> Ballot:
    """A complete violation ballot: every test, every Rabat factor, every lower rung."""
    return Ballot(
        violation=True,
        rules=tuple(rules),
        test={part: f"{part}: answered" for part in THREE_PART_TEST},
        rabat={factor: f"{factor}: answered" for factor in RABAT_FACTORS},
        remedy=remedy,
        jurisdictions=tuple(jurisdictions),
        lesser_remedies_insufficient={
            r.value: f"{r.value} is too weak" for r in remedy.lower_rungs()
        },
        reasons=reasons,
    )


def vote(juror_id: str, ballot: Ballot, round_: int = 1, at: datetime = T0) -> Vote:
    return Vote(juror_id=juror_id, round=round_, cast_at=at, ballot=ballot)


def to_voting(case: Case, jurors: list[Juror], at: datetime = T0) -> list[ev.Event]:
    """The author waives: the hearing closes and the first panel is drawn."""
    return case.waive_reply(at, POLICY, jurors)


def vote_panel(case: Case, ballots: list[Ballot], at: datetime = T0) -> list[ev.Event]:
    """The current panel's jurors vote, in draw order, with the given ballots."""
    panel = case.panel
    assert panel is not None
    out: list[ev.Event] = []
    for juror_id, ballot in zip(panel.chosen, ballots, strict=True):
        out += case.cast_vote(juror_id, ballot, POLICY, at)
    return out


def report_request(
    external_id: str = "p1", reporter: str = "u1", category: str = "harassment"
) -> ReportRequest:
    """A minimal API report on ``external_id`` (no text, no media)."""
    return ReportRequest.model_validate(
        {
            "content": {
                "platform_id": external_id,
                "url": f"https://forum.example/p/{external_id}",
                "author": {"handle": "@sara@forum.example"},
                "language": "en",
            },
            "category": category,
            "explanation": "abuse",
            "reporter": {"handle": reporter},
        }
    )
