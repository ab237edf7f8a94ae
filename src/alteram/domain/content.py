"""What is judged, who is involved, and what was reported."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from alteram.domain.remedy import Remedy


class Content(BaseModel):
    """The content under dispute, kept as evidence.

    ``platform`` is the filing platform's id; ``external_id`` the content's id
    on that platform. ``media`` holds SHA-256 digests of stored evidence files.
    """

    model_config = ConfigDict(frozen=True)
    platform: str
    external_id: str
    url: str
    author: str
    text: str | None = None
    language: str | None = None
    media: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.platform}\x1f{self.external_id}"


class Role(StrEnum):
    AUTHOR = "author"
    REPORTER = "reporter"
    PLATFORM = "platform"  # the respondent in a dispute


class Party(BaseModel):
    """An author or a reporter; ``id`` is stable within the case (``author``, ``r1`` …)."""

    model_config = ConfigDict(frozen=True)
    id: str
    role: Role
    handle: str


class Report(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    reporter: str
    category: str
    explanation: str
    jurisdiction: str | None = None
    legal_basis: str | None = None
    received_at: datetime
    new_grounds: str | None = None


class Precedent(BaseModel):
    """A final ruling on the same or a near-duplicate piece of content."""

    model_config = ConfigDict(frozen=True)
    case_id: str
    match: str  # "exact_media" | "pdq" | "exact_text" | "near_text"
    distance: float  # PDQ bits; 1 - similarity for text; 0 for an exact match
    violation: bool
    remedy: Remedy
    reasons: tuple[str, ...] = ()
