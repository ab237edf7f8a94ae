"""Named events: one class per state change.

The services append these to the ``events`` table in the same transaction as
the change, and each event's :func:`public_record` to the transparency log.
The public record drops free text (``private`` fields) and replaces party
identities with salted commitments (``committed`` fields: HMAC-SHA-256 under a
per-case secret kept private). :func:`event_hash` is the RFC 9162 leaf hash of
that record: the panel draw's seed uses it, so the seed is a leaf in the log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from alteram.domain.remedy import Remedy
from alteram.tlog.hashing import leaf_hash

_BLOCK = 64  # SHA-256's block size, for HMAC
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _unencodable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _canonical_encoder() -> Callable[[Any], str]:
    """``_CANONICAL.encode``, or the C encoder it builds on every call, built once: the
    same arguments (so the same text), without the per-call set-up (a third of the time
    for an event's record). No circular-reference check: records are trees."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # an interpreter without the C accelerator
        return _CANONICAL.encode
    chunks = make(
        None, _unencodable, json.encoder.encode_basestring, None, ":", ",", True, False, True
    )
    return lambda value: "".join(chunks(value, 0))


_canonical_text = _canonical_encoder()


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8 (RFC 8785 style)."""
    return _canonical_text(value).encode()


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    type: ClassVar[str] = "event"
    private: ClassVar[frozenset[str]] = frozenset()
    committed: ClassVar[frozenset[str]] = frozenset()
    case_id: str
    at: datetime

    def record(self) -> dict[str, Any]:
        """The event as a JSON-ready dict, with its ``type``."""
        return {"type": self.type, **self.__pydantic_serializer__.to_python(self, mode="json")}


Commit = Callable[[str], str]


def payload_json(event: Event) -> str:
    """The event's :meth:`Event.record` as JSON text, for the events table: the same
    values (``json.loads`` gives the record back), keys in declared order, serialized by
    pydantic in one pass. Not canonical: the log's leaves are :func:`leaf`."""
    fields = event.__pydantic_serializer__.to_json(event).decode()
    return '{"type":' + _canonical_text(event.type) + "," + fields[1:]


def commitment(key: bytes) -> Commit:
    """Salted commitments under a case's secret: HMAC-SHA-256 (RFC 2104), hex.

    The key's inner and outer SHA-256 states are computed once and copied per value: a
    batch commits to thousands of handles under a few keys (a third of ``hmac.digest``)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(key.translate(_IPAD))
    outer = hashlib.sha256(key.translate(_OPAD))

    def commit(value: str) -> str:
        i = inner.copy()
        i.update(value.encode())
        o = outer.copy()
        o.update(i.digest())
        return o.hexdigest()

    return commit


def _refuse(_: str) -> str:
    raise ValueError("this event names a party: its public record needs the case's secret")


def public_record(
    event: Event, commit: Commit = _refuse, record: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What the public log holds of an event: no free text, parties as commitments.
    ``record``: the event's :meth:`Event.record` if already made (it is not changed)."""
    record = event.record() if record is None else dict(record)
    for name in event.private:
        record.pop(name, None)
    for name in event.committed:
        if record.get(name) is not None:
            record[name] = commit(record[name])
    return record


def leaf(event: Event, commit: Commit = _refuse, record: dict[str, Any] | None = None) -> bytes:
    """The log leaf: canonical JSON of the public record."""
    return canonical_json(public_record(event, commit, record))


def event_hash(event: Event) -> str:
    """The RFC 9162 leaf hash (hex) of an event without party fields; seeds panel draws."""
    return leaf_hash(leaf(event)).hex()


class CaseOpened(Event):
    type: ClassVar[str] = "case_opened"
    category: str
    platform: str
    policy_version: str
    language: str | None


class ReportFiled(Event):
    type: ClassVar[str] = "report_filed"
    committed: ClassVar[frozenset[str]] = frozenset({"reporter"})
    report_id: str
    category: str
    reporter: str
    jurisdiction: str | None
    legal_basis: str | None


class NoticeIssued(Event):
    type: ClassVar[str] = "notice_issued"
    private: ClassVar[frozenset[str]] = frozenset({"text"})
    committed: ClassVar[frozenset[str]] = frozenset({"handle"})
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
    committed: ClassVar[frozenset[str]] = frozenset({"statement"})
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


class JurorRecused(Event):
    """A juror on the current panel declares a conflict before voting; the event's hash
    seeds the draw of the replacement. The reason stays private."""

    type: ClassVar[str] = "juror_recused"
    private: ClassVar[frozenset[str]] = frozenset({"reason"})
    round: int
    juror_id: str
    reason: str


class JurorReplaced(Event):
    """One juror drawn to take the recused juror's seat: ``draw(case_id, round,
    opening_event_hash, eligible, 1) == [chosen]``, where ``opening_event_hash`` is the
    leaf hash of the ``juror_recused`` event."""

    type: ClassVar[str] = "juror_replaced"
    round: int
    recused: str
    opening_event_hash: str
    seed: str
    eligible: list[str]
    chosen: str


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
    precedent: str | None = None
    precedent_distance: float | None = None


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
    private: ClassVar[frozenset[str]] = frozenset({"grounds"})
    appellant: str  # party id
    role: str
    grounds: str


class PrecedentApplied(Event):
    """The content matches a final ruling that cleared it: no new trial."""

    type: ClassVar[str] = "precedent_applied"
    precedent: str
    match: str
    distance: float


class PrecedentCited(Event):
    """The content matches a final ruling: the new case cites it for the panel."""

    type: ClassVar[str] = "precedent_cited"
    precedent: str
    match: str
    distance: float
    violation: bool
    remedy: Remedy


class CaseReopened(Event):
    """A reporter stated new grounds against cleared content: it is tried again."""

    type: ClassVar[str] = "case_reopened"
    private: ClassVar[frozenset[str]] = frozenset({"new_grounds"})
    precedent: str
    new_grounds: str


class CaseFinal(Event):
    type: ClassVar[str] = "case_final"
    reason: str  # "appeal_window_closed" | "appeal_ruled"
    violation: bool
    remedy: Remedy


class ReporterWarned(Event):
    """EU DSA Art. 23: a prior warning before any suspension."""

    type: ClassVar[str] = "reporter_warned"
    committed: ClassVar[frozenset[str]] = frozenset({"handle"})
    handle: str  # the reporter; case_id is their pseudo case id ("reporter:" + a commitment)
    unfounded: int
    reports: int
    window: str
    since: datetime
    warn_after: int
    suspend_after: int
    min_share: float


class ReporterSuspended(Event):
    """Reports from this reporter are stored but not processed until ``until``."""

    type: ClassVar[str] = "reporter_suspended"
    committed: ClassVar[frozenset[str]] = frozenset({"handle"})
    handle: str  # the reporter; case_id is their pseudo case id ("reporter:" + a commitment)
    unfounded: int
    reports: int
    window: str
    since: datetime
    suspend_after: int
    min_share: float
    until: datetime


class ReportHeld(Event):
    """A report from a suspended reporter: stored (``report_id``) but not processed; it
    joins and opens no case and is not counted. ``case_id`` is the reporter's pseudo case
    id; ``until`` is when the suspension ends."""

    type: ClassVar[str] = "report_held"
    report_id: str
    category: str
    until: datetime | None


class ReporterAppealed(Event):
    """The reporter (through their platform) appealed a suspension or a warning
    (``against``). A recount comes first: ``outcome`` "lifted" when the counts no
    longer meet it, "referred" when a panel of jurors decides
    (:class:`StandingAppealDecided`)."""

    type: ClassVar[str] = "reporter_appealed"
    committed: ClassVar[frozenset[str]] = frozenset({"handle"})
    handle: str  # the reporter; case_id is their pseudo case id ("reporter:" + a commitment)
    private: ClassVar[frozenset[str]] = frozenset({"grounds"})
    grounds: str
    outcome: str
    unfounded: int
    reports: int
    against: str = "suspension"  # "suspension" | "warning"


class ReporterWarningWithdrawn(Event):
    """A warning lifted on appeal (by the recount or by a panel): the reporter is in good
    standing again, and only reports received from now on count."""

    type: ClassVar[str] = "reporter_warning_withdrawn"
    committed: ClassVar[frozenset[str]] = frozenset({"handle"})
    handle: str
    reason: str  # "appeal"


class ReporterReinstated(Event):
    type: ClassVar[str] = "reporter_reinstated"
    committed: ClassVar[frozenset[str]] = frozenset({"handle"})
    handle: str  # the reporter; case_id is their pseudo case id ("reporter:" + a commitment)
    reason: str  # "expired" | "appeal"


class StandingPanelDrawn(Event):
    """The panel that reviews a suspension appeal, drawn like a case's panel:
    ``draw(case_id, round, opening_event_hash, eligible, size) == chosen``, where
    ``opening_event_hash`` is the log leaf hash of the ``reporter_appealed`` event and
    ``round`` counts this reporter's appeals."""

    type: ClassVar[str] = "standing_panel_drawn"
    appeal_id: str
    round: int
    size: int
    opening_event_hash: str
    seed: str
    eligible: list[str]
    chosen: list[str]
    voting_deadline: datetime


class StandingVoteCast(Event):
    """A juror of a standing appeal's panel voted; the vote shows in the decision."""

    type: ClassVar[str] = "standing_vote_cast"
    appeal_id: str
    juror_id: str


class StandingAppealDecided(Event):
    """The panel's decision on a suspension or warning appeal (``against``): "upheld"
    only with a majority of the whole panel; a tie or a missing vote counts for
    "lifted". ``votes`` holds each juror's vote and written reasons; ``reason`` is
    "all_cast", "deadline" or "no_panel" (too few eligible jurors: lifted, nobody may
    uphold it)."""

    type: ClassVar[str] = "standing_appeal_decided"
    appeal_id: str
    outcome: str  # "lifted" | "upheld"
    reason: str
    panel_size: int
    lift: int
    uphold: int
    missing: int
    votes: list[dict[str, Any]]
    against: str = "suspension"  # "suspension" | "warning"


class DisputeFiled(Event):
    """A user disputes a restriction a platform already applied (EU DSA Art. 21). The
    statement, the platform's stated reason and its reference stay private."""

    type: ClassVar[str] = "dispute_filed"
    private: ClassVar[frozenset[str]] = frozenset(
        {"statement", "platform_reason", "platform_reference"}
    )
    platform: str
    registered: bool
    action: str
    action_at: datetime | None
    jurisdiction: str | None
    statement: str
    platform_reason: str | None
    platform_reference: str | None


class PlatformResponded(Event):
    """The respondent platform's statement in a dispute; closes the hearing."""

    type: ClassVar[str] = "platform_responded"
    committed: ClassVar[frozenset[str]] = frozenset({"statement"})
    statement: str


class DisputeRuled(Event):
    """What a ruling recommends about the platform's restriction (non-binding)."""

    type: ClassVar[str] = "dispute_ruled"
    round: int
    outcome: str  # restriction_upheld | restriction_not_justified | lesser_remedy_recommended
    action: str
    recommended: Remedy
    final: bool


class DisputeComplianceRecorded(Event):
    """The platform's answer to a final recommendation (``implemented`` | ``declined``),
    or ``no_answer`` at the compliance deadline."""

    type: ClassVar[str] = "dispute_compliance_recorded"
    private: ClassVar[frozenset[str]] = frozenset({"note"})
    platform: str
    outcome: str
    compliance: str
    note: str


class OrderReceived(Event):
    """An order and the table's verdict on its provision. Authorities are public
    bodies and are named; the reference is published only redacted; the author is not
    named (the author notice carries a commitment)."""

    type: ClassVar[str] = "order_received"
    order_id: str
    authority: str
    authority_kind: str
    jurisdiction: str
    provision: str
    compatible: bool
    issued_on: str
    reference: str  # redacted (alteram.domain.order.redact)
    measure: Remedy
    document_sha256: str
    via: str
    platform: str


class OrderRefused(Event):
    """The provision is incompatible with international human-rights law: the order is
    refused without a panel, with the table's reasoning."""

    type: ClassVar[str] = "order_refused"
    order_id: str
    jurisdiction: str
    provision: str
    reasoning: str


class TokensRevoked(Event):
    """An administrator revoked credentials of a platform or a juror (account events on
    the record). ``case_id`` is ``account:{holder_kind}:{holder}``; the holder is a
    platform id or a juror's public id, never a name; ``token_ids`` are the first 16 hex
    digits of the revoked tokens' SHA-256 (``all`` scope also ends passwords and links)."""

    type: ClassVar[str] = "tokens_revoked"
    holder_kind: str  # "platform" | "juror" | "admin"
    holder: str
    scope: str  # "one" | "all"
    token_ids: list[str]


class JurorAdded(Event):
    """An administrator added a juror to the pool (account events on the record).
    ``case_id`` is ``account:juror:{juror_id}``. Public: the juror's public id and the
    languages they read (the draw's language rule); never the name, the conflicts or
    the juror's own accounts. With :class:`JurorDeactivated` and
    :class:`JurorReactivated`, anyone can follow the pool a draw's ``eligible`` came
    from, and see a juror taken out just before a draw."""

    type: ClassVar[str] = "juror_added"
    juror_id: str
    languages: list[str]


class JurorDeactivated(Event):
    """An administrator took a juror out of future draws (``case_id`` as for
    :class:`JurorAdded`). ``open_seats``: the panels the juror sits on, which they keep
    (an administrator cannot change a panel; the juror may recuse)."""

    type: ClassVar[str] = "juror_deactivated"
    juror_id: str
    open_seats: int


class JurorReactivated(Event):
    """A deactivated juror is back in the pool for future draws."""

    type: ClassVar[str] = "juror_reactivated"
    juror_id: str


class PolicyPublished(Event):
    """A new version of the policy is in force from ``at``; ``case_id`` is ``policy``.
    ``sha256`` is of the YAML text, served at ``GET /policy/versions/{version}.yaml``."""

    type: ClassVar[str] = "policy_published"
    version: str
    sha256: str
    previous: str | None


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
        JurorRecused,
        JurorReplaced,
        VoteCast,
        VotesRevealed,
        RulingIssued,
        RemedyApplied,
        RemedyLifted,
        AppealFiled,
        PrecedentApplied,
        PrecedentCited,
        CaseReopened,
        CaseFinal,
        ReporterWarned,
        ReporterSuspended,
        ReportHeld,
        ReporterAppealed,
        ReporterReinstated,
        ReporterWarningWithdrawn,
        StandingPanelDrawn,
        StandingVoteCast,
        StandingAppealDecided,
        DisputeFiled,
        PlatformResponded,
        DisputeRuled,
        DisputeComplianceRecorded,
        OrderReceived,
        OrderRefused,
        TokensRevoked,
        JurorAdded,
        JurorDeactivated,
        JurorReactivated,
        PolicyPublished,
    )
}
