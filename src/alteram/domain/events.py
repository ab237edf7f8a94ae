"""Named events: one class per state change.

The services append these to the ``events`` table in the same transaction as
the change; the transparency log is built from them. :func:`event_hash` is the
one definition of an event's hash, used by the panel draw's seed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from alteram.domain.remedy import Remedy


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8 (RFC 8785 style)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    type: ClassVar[str] = "event"
    case_id: str
    at: datetime

    def record(self) -> dict[str, Any]:
        """The event as a JSON-ready dict, with its ``type``."""
        return {"type": self.type, **self.model_dump(mode="json")}


def event_hash(event: Event) -> str:
    """SHA-256 (hex) of the event's canonical JSON record."""
    return hashlib.sha256(canonical_json(event.record())).hexdigest()


class CaseOpened(Event):
    type: ClassVar[str] = "case_opened"
    category: str
    platform: str
    policy_version: str
    language: str | None


class ReportFiled(Event):
    type: ClassVar[str] = "report_filed"
    report_id: str
    category: str
    reporter: str
    jurisdiction: str | None
    legal_basis: str | None


class NoticeIssued(Event):
    type: ClassVar[str] = "notice_issued"
    party_id: str
    role: str
    handle: str
    text: str
    reply_by: datetime | None


class InterimMeasureApplied(Event):
    type: ClassVar[str] = "interim_measure_applied"
    category: str
    remedy: Remedy
    expires_at: datetime


class InterimMeasureEnded(Event):
    type: ClassVar[str] = "interim_measure_ended"
    remedy: Remedy
    reason: str  # "expired" | "ruling"


class AuthorReplied(Event):
    type: ClassVar[str] = "author_replied"
    statement: str


class AuthorWaived(Event):
    type: ClassVar[str] = "author_waived"


class ReplyWindowClosed(Event):
    """Closes the hearing; its hash seeds the first panel draw."""

    type: ClassVar[str] = "reply_window_closed"
    reason: str  # "replied" | "waived" | "deadline"


class PanelShortfall(Event):
    type: ClassVar[str] = "panel_shortfall"
    round: int
    eligible: int
    needed: int


class PanelDrawn(Event):
    type: ClassVar[str] = "panel_drawn"
    round: int
    size: int
    opening_event_hash: str
    seed: str
    eligible: list[str]
    chosen: list[str]
    voting_deadline: datetime


class VoteCast(Event):
    """A sealed vote: only a commitment to its content until reveal."""

    type: ClassVar[str] = "vote_cast"
    round: int
    juror_id: str
    commitment: str


class VotesRevealed(Event):
    type: ClassVar[str] = "votes_revealed"
    round: int
    reason: str  # "all_cast" | "deadline"
    votes: list[dict[str, Any]]


class RulingIssued(Event):
    type: ClassVar[str] = "ruling_issued"
    round: int
    violation: bool
    remedy: Remedy
    jurisdictions: list[str]
    rules: list[str]
    policy_version: str
    final: bool
    votes_for_violation: int
    panel_size: int


class RemedyApplied(Event):
    type: ClassVar[str] = "remedy_applied"
    remedy: Remedy
    jurisdictions: list[str]


class RemedyLifted(Event):
    type: ClassVar[str] = "remedy_lifted"
    remedy: Remedy
    reason: str


class AppealFiled(Event):
    """Opens the appeal; its hash seeds the appeal panel draw."""

    type: ClassVar[str] = "appeal_filed"
    appellant: str  # party id
    role: str
    grounds: str


class CaseFinal(Event):
    type: ClassVar[str] = "case_final"
    reason: str  # "appeal_window_closed" | "appeal_ruled"
    violation: bool
    remedy: Remedy


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        CaseOpened,
        ReportFiled,
        NoticeIssued,
        InterimMeasureApplied,
        InterimMeasureEnded,
        AuthorReplied,
        AuthorWaived,
        ReplyWindowClosed,
        PanelShortfall,
        PanelDrawn,
        VoteCast,
        VotesRevealed,
        RulingIssued,
        RemedyApplied,
        RemedyLifted,
        AppealFiled,
        CaseFinal,
    )
}
