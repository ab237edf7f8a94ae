"""The pure domain: no database, no network, no clock, no framework."""

from alteram.domain.case import Case, CaseState
from alteram.domain.content import Content, Party, Report, Role
from alteram.domain.panel import Juror, Panel
from alteram.domain.policy import Policy
from alteram.domain.remedy import LADDER, Remedy
from alteram.domain.ruling import Ruling
from alteram.domain.vote import Ballot, Vote

__all__ = [
    "LADDER",
    "Ballot",
    "Case",
    "CaseState",
    "Content",
    "Juror",
    "Panel",
    "Party",
    "Policy",
    "Remedy",
    "Report",
    "Role",
    "Ruling",
    "Vote",
]
