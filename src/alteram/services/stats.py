"""Public statistics: the Santa Clara Principles' "numbers" and the EU DSA Art. 15 / 24 figures.

Computed in Python from the case documents, the ``decisions`` read model and
the reports' times and categories (no reporter, no text), which is fine at the
scale of one instance. Every figure is given per calendar month (UTC,
``YYYY-MM``) and in total. Which month a figure falls in, and what it counts:

``cases_opened``
    Cases by the month they opened, by their first reported ``category``.
``reports_received``
    Reports (DSA Art. 15(1)(b) notices) by the month received, by category.
``decisions``
    Each ruled case once, by its **latest** ruling, in that ruling's month:
    by outcome (``violation`` / ``no_violation``) and by category and outcome.
``remedies``
    The remedy of each case's latest ruling, in that ruling's month (every rung
    of the ladder is listed, ``no_action`` included).
``time_to_first_ruling``
    For each case whose **first** ruling falls in the month: the hours from the
    first report (``opened_at``) to that ruling; ``median_hours`` is their
    median (``null`` when there is none).
``appeals``
    ``first_rulings``: first-instance rulings issued in the month;
    ``appealed``: how many of those were appealed (so far: an appeal window may
    still be open); ``appeal_rate`` = appealed / first_rulings.
    ``appeal_rulings``: appeal rulings issued in the month; ``reversed``: those
    whose violation finding differs from the first ruling's;
    ``reversal_rate`` = reversed / appeal_rulings. A rate is ``null`` when its
    denominator is 0.
``interim_measures``
    Interim measures by the month they were applied, by category, and how they
    ended: ``expired`` (the review deadline passed first), ``ruling`` (reviewed
    by a panel's ruling) or ``in_force``.
``reports_per_case``
    Over the cases opened in the month: ``min``, ``median`` and ``max`` of
    ``report_count``, and ``over_10``: how many cases drew more than 10
    reports, to show report campaigns (the count never changes an outcome).
    Disputes and legal orders have no reports and are left out of this figure.
``disputes``
    Disputes against a platform's decision (docs/disputes.md) by the month filed:
    ``filed``, ``by_outcome`` (``restriction_upheld``, ``restriction_not_justified``,
    ``lesser_remedy_recommended``, ``pending``), ``by_compliance`` (``implemented``,
    ``declined``, ``no_answer``, ``awaiting``: ruled, not answered yet), and the same
    per platform in ``by_platform``, most disputed first.
``orders``
    Legal orders (``POST /api/v1/orders``) by the month received: ``received``,
    ``by_outcome`` (``pending``, ``refused_incompatible``, ``refused_by_panel``,
    ``granted``, ``granted_in_part``: the outcome now, see docs/orders.md) and
    ``by_jurisdiction`` (the issuing jurisdiction, each with every outcome).
``refused_orders_by_jurisdiction``
    Of those orders, the ones refused (at once under an incompatible provision, or
    by a panel), by issuing jurisdiction; a jurisdiction with none is left out.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from alteram.domain.case import CaseMode
from alteram.domain.order import REFUSED, OrderOutcome
from alteram.domain.order import outcome as order_outcome
from alteram.domain.remedy import Remedy
from alteram.services.context import Context
from alteram.services.dispute_stats import DisputeCounts
from alteram.storage import decisions as store
from alteram.storage import orders as order_store

CAMPAIGN_REPORTS = 10
OUTCOMES = ("violation", "no_violation")
INTERIM_OUTCOMES = ("expired", "ruling", "in_force")

NOTES = {
    "months": "calendar months in UTC; see docs/api.md#get-apiv1stats for what each figure "
    "counts and which month it falls in",
    "orders": "legal orders (POST /api/v1/orders) by the month received, with their outcome "
    "now; cases of orders are in cases_opened and decisions, not in reports_per_case",
    "refused_orders_by_jurisdiction": "orders refused at once under a provision the policy marks "
    "incompatible with international human-rights law, or refused by a panel",
    "reports_per_case": f"over_{CAMPAIGN_REPORTS} counts cases with more than "
    f"{CAMPAIGN_REPORTS} reports; the number of reports never changes priority, panel or outcome",
}


def month_of(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


@dataclass
class Bucket:
    """The raw counts of one month (or of all time)."""

    opened: Counter[str] = field(default_factory=Counter)
    reports: Counter[str] = field(default_factory=Counter)
    decisions: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    remedies: Counter[str] = field(default_factory=Counter)
    hours_to_first_ruling: list[float] = field(default_factory=list)
    first_rulings: int = 0
    appealed: int = 0
    appeal_rulings: int = 0
    reversed: int = 0
    interim: Counter[str] = field(default_factory=Counter)
    interim_outcomes: Counter[str] = field(default_factory=Counter)
    report_counts: list[int] = field(default_factory=list)
    disputes: DisputeCounts = field(default_factory=DisputeCounts)
    orders: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def to_dict(self) -> dict[str, Any]:
        outcomes = Counter[str]()
        for by_outcome in self.decisions.values():
            outcomes.update(by_outcome)
        counts = self.report_counts
        return {
            "cases_opened": {"total": sum(self.opened.values()), "by_category": dict(self.opened)},
            "reports_received": {
                "total": sum(self.reports.values()),
                "by_category": dict(self.reports),
            },
            "decisions": {
                "total": sum(outcomes.values()),
                "by_outcome": {o: outcomes[o] for o in OUTCOMES},
                "by_category": {
                    c: {o: n[o] for o in OUTCOMES} for c, n in sorted(self.decisions.items())
                },
            },
            "remedies": {r.value: self.remedies[r.value] for r in Remedy},
            "time_to_first_ruling": {
                "rulings": len(self.hours_to_first_ruling),
                "median_hours": (
                    None if (m := _median(self.hours_to_first_ruling)) is None else round(m, 2)
                ),
            },
            "appeals": {
                "first_rulings": self.first_rulings,
                "appealed": self.appealed,
                "appeal_rate": _rate(self.appealed, self.first_rulings),
                "appeal_rulings": self.appeal_rulings,
                "reversed": self.reversed,
                "reversal_rate": _rate(self.reversed, self.appeal_rulings),
            },
            "interim_measures": {
                "applied": sum(self.interim.values()),
                "by_category": dict(self.interim),
                "outcomes": {o: self.interim_outcomes[o] for o in INTERIM_OUTCOMES},
            },
            "reports_per_case": {
                "cases": len(counts),
                "min": min(counts) if counts else None,
                "median": _median([float(c) for c in counts]),
                "max": max(counts) if counts else None,
                f"over_{CAMPAIGN_REPORTS}": sum(1 for c in counts if c > CAMPAIGN_REPORTS),
            },
            "disputes": self.disputes.to_dict(),
            "orders": self._orders(),
            "refused_orders_by_jurisdiction": {
                j: n for j, by in sorted(self.orders.items()) if (n := sum(by[o] for o in REFUSED))
            },
        }

    def _orders(self) -> dict[str, Any]:
        outcomes = Counter[str]()
        for by_outcome in self.orders.values():
            outcomes.update(by_outcome)
        return {
            "received": sum(outcomes.values()),
            "by_outcome": {o.value: outcomes[o.value] for o in OrderOutcome},
            "by_jurisdiction": {
                j: {o.value: by[o.value] for o in OrderOutcome}
                for j, by in sorted(self.orders.items())
            },
        }


class _Buckets:
    def __init__(self) -> None:
        self.total = Bucket()
        self.months: defaultdict[str, Bucket] = defaultdict(Bucket)

    def at(self, when: datetime) -> tuple[Bucket, Bucket]:
        """The all-time bucket and the bucket of ``when``'s month: count in both."""
        return self.total, self.months[month_of(when)]


def compute(ctx: Context) -> dict[str, Any]:
    """Every figure, per month and in total (see the module docstring for definitions)."""
    b = _Buckets()
    with ctx.store.read() as tx:
        for case in store.case_pages(tx.conn):
            for x in b.at(case.opened_at):
                x.opened[case.category] += 1
                if case.mode is CaseMode.REPORT:  # disputes and orders have no reports
                    x.report_counts.append(case.report_count)
                x.disputes.add(case)
            if case.rulings:
                first = case.rulings[0]
                hours = (first.issued_at - case.opened_at).total_seconds() / 3600
                for x in b.at(first.issued_at):
                    x.hours_to_first_ruling.append(hours)
                    x.first_rulings += 1
                    x.appealed += case.appeal is not None
                for later in case.rulings[1:]:
                    for x in b.at(later.issued_at):
                        x.appeal_rulings += 1
                        x.reversed += later.violation != first.violation
            if case.interim is not None:
                outcome = case.interim.end_reason or "in_force"
                for x in b.at(case.interim.applied_at):
                    x.interim[case.interim.category] += 1
                    x.interim_outcomes[outcome] += 1
        for row in store.all_rows(tx.conn):
            for x in b.at(row["ruled_at"]):
                x.decisions[row["category"]][row["outcome"]] += 1
                x.remedies[row["remedy"]] += 1
        for received_at, category in store.report_receipts(tx.conn):
            for x in b.at(received_at):
                x.reports[category] += 1
        for row, case in order_store.every(tx.conn):
            result, _, _ = order_outcome(case, order_store.order_of(row))
            for x in b.at(row["received_at"]):
                x.orders[row["jurisdiction"]][result.value] += 1
    return {
        "generated_at": ctx.now(),
        "total": b.total.to_dict(),
        "months": {m: b.months[m].to_dict() for m in sorted(b.months)},
        "notes": NOTES,
    }
