"""The people who review a suspension appeal (EU DSA Art. 20(6)): pure rules.

A suspension that a recount would keep is reviewed by a small panel drawn at
random from the juror pool with the same verifiable draw as a case's panel
(:func:`alteram.domain.panel.draw`), seeded by the log leaf hash of the
``reporter_appealed`` event. Parties to the reporter's counted cases (the
reporter, the authors), the jurors who ruled on those cases, and jurors with a
declared conflict with the platform or the content's sites are not eligible.

Each juror votes ``lift`` or ``uphold`` with written reasons. The suspension is
upheld only by a majority of the whole panel: a tie or a missing vote counts for
lifting it, as the core favours speech.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from alteram.domain.events import StandingAppealDecided
from alteram.domain.panel import (
    Juror,
    _domain_matches,
    eligible_jurors,
    handle_domain,
    normalize_handle,
)

LIFT, UPHOLD = "lift", "uphold"
LIFTED, UPHELD = "lifted", "upheld"


class StandingVote(BaseModel):
    """One juror's vote on a suspension appeal."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    decision: Literal["lift", "uphold"] = Field(
        description="lift: end the suspension now; uphold: it runs to its end date"
    )
    reasons: str = Field(min_length=1, max_length=10_000, description="Your written reasons.")

    @field_validator("reasons")
    @classmethod
    def _written(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("write your reasons")
        return value.strip()


def eligible(
    pool: Iterable[Juror],
    *,
    party_handles: Iterable[str],
    sites: Iterable[str],
    platform: Iterable[str],
    earlier_panelists: Iterable[str],
) -> list[str]:
    """The ids of active jurors who may sit: not a party to the counted cases, not on
    their panels, no declared conflict with a party, the platform or the sites."""
    parties = list(party_handles)
    domains = {d.lower() for d in sites if d}
    domains |= {d for d in (handle_domain(h) for h in parties) if d}
    names = {normalize_handle(p) for p in platform if p}
    out: list[str] = []
    for juror in eligible_jurors(
        pool,
        party_handles=parties,
        earlier_panelists=earlier_panelists,
        language=None,
        content_url=None,
    ):
        conflicts = {normalize_handle(c) for c in juror.conflicts}
        if conflicts & names:
            continue
        if any(_domain_matches(c, d) for c in conflicts for d in domains):
            continue
        out.append(juror.id)
    return sorted(out)


def tally(votes: Mapping[str, StandingVote], chosen: Iterable[str]) -> tuple[int, int, int]:
    """``(lift, uphold, missing)`` over the panel; votes of non-panelists do not count."""
    seats = list(chosen)
    cast = [votes[j] for j in seats if j in votes]
    uphold = sum(1 for v in cast if v.decision == UPHOLD)
    return len(cast) - uphold, uphold, len(seats) - len(cast)


def outcome(uphold: int, size: int) -> str:
    """Upheld only by a majority of the whole panel; a tie or a missing vote lifts."""
    return UPHELD if 2 * uphold > size else LIFTED


def decide(
    subject: str,
    appeal_id: str,
    chosen: list[str],
    votes: Mapping[str, StandingVote],
    reason: str,
    now: datetime,
    against: str = "suspension",
) -> StandingAppealDecided:
    """The panel's decision, with every vote and its reasons (``reason``: "all_cast" or
    "deadline"; "no_panel" with an empty panel lifts); ``against``: what was appealed,
    "suspension" or "warning"."""
    lift, uphold, missing = tally(votes, chosen)
    size = len(chosen)
    shown: list[dict[str, Any]] = [
        {"juror_id": j, "vote": votes[j].decision, "reasons": votes[j].reasons}
        for j in chosen
        if j in votes
    ]
    return StandingAppealDecided(
        case_id=subject,
        at=now,
        appeal_id=appeal_id,
        outcome=outcome(uphold, size) if size else LIFTED,
        reason=reason,
        panel_size=size,
        lift=lift,
        uphold=uphold,
        missing=missing,
        votes=shown,
        against=against,
    )
