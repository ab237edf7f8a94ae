"""Dispute figures for the statistics (the DSA Art. 21 bodies publish these): disputes
by platform, by outcome, and by what the platform did about the ruling."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from alteram.domain.case import Case
from alteram.domain.dispute import Compliance, DisputeOutcome

PENDING, AWAITING = "pending", "awaiting"  # no ruling yet; ruled, no answer yet
OUTCOMES = (*(o.value for o in DisputeOutcome), PENDING)
COMPLIANCE = (*(c.value for c in Compliance), AWAITING)


@dataclass
class _Platform:
    names: Counter[str] = field(default_factory=Counter)  # the spellings given
    filed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    compliance: Counter[str] = field(default_factory=Counter)

    @property
    def name(self) -> str:
        """The most used spelling (ties: the first in code-point order)."""
        return min(self.names.items(), key=lambda kv: (-kv[1], kv[0]))[0]

    def add(self, name: str, outcome: str, compliance: str | None) -> None:
        self.names[name] += 1
        self.filed += 1
        self.outcomes[outcome] += 1
        if compliance is not None:
            self.compliance[compliance] += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "filed": self.filed,
            "by_outcome": {o: self.outcomes[o] for o in OUTCOMES},
            "by_compliance": {c: self.compliance[c] for c in COMPLIANCE},
        }


@dataclass
class DisputeCounts:
    """The disputes filed in one month (or of all time), by their state today."""

    platforms: dict[str, _Platform] = field(default_factory=dict)

    def add(self, case: Case) -> None:
        d = case.dispute
        if d is None:
            return
        key = d.platform.casefold()
        platform = self.platforms.setdefault(key, _Platform())
        outcome = d.outcome.value if d.outcome else PENDING
        if d.compliance is not None:
            compliance: str | None = d.compliance.value
        else:
            compliance = AWAITING if d.outcome is not None else None
        platform.add(d.platform, outcome, compliance)

    def to_dict(self) -> dict[str, Any]:
        total = _Platform()
        for p in self.platforms.values():
            total.filed += p.filed
            total.outcomes.update(p.outcomes)
            total.compliance.update(p.compliance)
        ranked = sorted(self.platforms.values(), key=lambda p: (-p.filed, p.name.casefold()))
        return {**total.to_dict(), "by_platform": {p.name: p.to_dict() for p in ranked}}
