"""The remedy ladder (DESIGN invariant 6), least restrictive first."""

from __future__ import annotations

from enum import StrEnum


class Remedy(StrEnum):
    NO_ACTION = "no_action"
    CONTEXT_NOTE = "context_note"
    LABEL = "label"
    REDUCED_DISTRIBUTION = "reduced_distribution"
    AGE_GATE = "age_gate"
    GEO_RESTRICTION = "geo_restriction"
    REMOVAL = "removal"

    @property
    def rank(self) -> int:
        return LADDER.index(self)

    def lower_rungs(self) -> tuple[Remedy, ...]:
        """Every rung strictly less restrictive than this one."""
        return LADDER[: self.rank]


LADDER: tuple[Remedy, ...] = tuple(Remedy)
