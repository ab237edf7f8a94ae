"""A case's panel draws checked against the juror pool on the public log.

The log records every change to the pool (``juror_added``, ``juror_deactivated``,
``juror_reactivated``, under ``account:juror:{id}``) and every draw of a case
(``panel_drawn``, ``juror_replaced``, each with its ``eligible`` list). Read in log
order, it says who was in the pool at each draw. A juror in a draw's ``eligible``
list who was out of the pool at that point is a **mismatch**; one the log never
mentions (added before pool changes were logged, or never added) is **unknown**,
reported, not failed. Jurors in the pool but not eligible may have been excluded by
the rules (a party, a conflict, the language), which the public record does not
show: they are only counted.

Pure: records in, findings out (``alteram panel verify --pool`` fetches the records).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

POOL_EVENTS = frozenset({"juror_added", "juror_deactivated", "juror_reactivated"})
DRAW_EVENTS = frozenset({"panel_drawn", "juror_replaced"})


@dataclass(frozen=True)
class DrawPool:
    """The pool as the log stood at one draw of the case."""

    type: str  # "panel_drawn" or "juror_replaced"
    round: int
    eligible: tuple[str, ...]  # as the draw's own log record has it
    active: frozenset[str]
    inactive: frozenset[str]


@dataclass(frozen=True)
class Finding:
    out_of_pool: list[str]  # eligible, but deactivated at the draw: a mismatch
    unknown: list[str]  # eligible, but not on the pool record at all
    not_eligible: int  # in the pool, not eligible (excluded by rules the record hides)


def pools_at_draws(records: Iterable[dict[str, Any]], case_id: str) -> list[DrawPool]:
    """Each draw of ``case_id`` in log order, with the pool at that point."""
    active: set[str] = set()
    inactive: set[str] = set()
    out: list[DrawPool] = []
    for r in records:
        kind = r.get("type")
        if kind in POOL_EVENTS:
            juror = str(r["juror_id"])
            if kind == "juror_deactivated":
                active.discard(juror)
                inactive.add(juror)
            else:
                inactive.discard(juror)
                active.add(juror)
        elif kind in DRAW_EVENTS and r.get("case_id") == case_id:
            out.append(
                DrawPool(
                    type=str(kind),
                    round=int(r["round"]),
                    eligible=tuple(r["eligible"]),
                    active=frozenset(active),
                    inactive=frozenset(inactive),
                )
            )
    return out


def check(pool: DrawPool) -> Finding:
    wanted = set(pool.eligible)
    return Finding(
        out_of_pool=sorted(wanted & pool.inactive),
        unknown=sorted(wanted - pool.active - pool.inactive),
        not_eligible=len(pool.active - wanted),
    )
