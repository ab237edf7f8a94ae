"""Signs of a coordinated reporting campaign (DESIGN invariant 3).

Shown to the panel and to the public; never used to decide anything: the number
of reports, and whether they look coordinated, change neither priority, nor
panel size, nor deadlines, nor the outcome. Each signal has its value, its
threshold and whether it fired; a case is ``suspected`` when at least
``SUSPECT_AT`` signals fire. Aggregates only: no reporter is named.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel

BURST_WINDOW = timedelta(hours=1)
BURST_AT = 10  # reports within one hour
FRESH_WITHIN = timedelta(days=7)
FRESH_SHARE_AT = 0.5  # of reporters first seen by this instance within FRESH_WITHIN
UNFOUNDED_AT = 3  # earlier reports of a reporter on content cleared by a final ruling
UNFOUNDED_SHARE_AT = 0.3
DUPLICATE_SHARE_AT = 0.5  # of reports whose explanation repeats another's
CO_REPORTERS_AT = 3  # reporters shared with another case
CO_CASES_AT = 2  # other cases sharing that many reporters
MIN_REPORTS = 5  # the share signals need this many reports to mean anything
SUSPECT_AT = 2


class ReportFact(BaseModel):
    reporter: str
    received_at: datetime
    explanation: str


class Signal(BaseModel):
    name: str
    value: float
    threshold: float
    fired: bool
    meaning: str


class Campaign(BaseModel):
    suspected: bool
    reports: int
    reporters: int
    signals: list[Signal]


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith(("P", "S")))
    return re.sub(r"\s+", " ", text).strip()


def burst(times: Sequence[datetime]) -> int:
    """The most reports received within any one ``BURST_WINDOW``."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(ordered):
        while t - ordered[start] > BURST_WINDOW:
            start += 1
        best = max(best, end - start + 1)
    return best


def assess(
    facts: Sequence[ReportFact],
    first_seen: dict[str, datetime],
    unfounded: dict[str, int],
    co_cases: int,
) -> Campaign:
    """Combine the signals for one case.

    ``first_seen``: when this instance first received a report from each reporter;
    ``unfounded``: per reporter, earlier reports on content a final ruling cleared;
    ``co_cases``: other cases sharing at least ``CO_REPORTERS_AT`` reporters with this one.
    """
    reporters = sorted({f.reporter for f in facts})
    n, r = len(facts), len(reporters)
    enough = n >= MIN_REPORTS
    first_here = {rep: min(f.received_at for f in facts if f.reporter == rep) for rep in reporters}
    fresh = sum(
        1
        for rep in reporters
        if first_here[rep] - first_seen.get(rep, first_here[rep]) <= FRESH_WITHIN
    )
    fresh_share = fresh / r if r else 0.0
    unfounded_share = sum(1 for rep in reporters if unfounded.get(rep, 0) >= UNFOUNDED_AT) / (
        r or 1
    )
    texts = Counter(_normal(f.explanation) for f in facts)
    duplicate_share = sum(c for c in texts.values() if c > 1) / (n or 1)
    peak = burst([f.received_at for f in facts])
    signals = [
        Signal(
            name="burst",
            value=peak,
            threshold=BURST_AT,
            fired=peak >= BURST_AT,
            meaning="most reports received within one hour",
        ),
        Signal(
            name="fresh_reporters",
            value=round(fresh_share, 3),
            threshold=FRESH_SHARE_AT,
            fired=enough and fresh_share >= FRESH_SHARE_AT,
            meaning="share of reporters first seen by this instance within 7 days of reporting",
        ),
        Signal(
            name="unfounded_reporters",
            value=round(unfounded_share, 3),
            threshold=UNFOUNDED_SHARE_AT,
            fired=enough and unfounded_share >= UNFOUNDED_SHARE_AT,
            meaning=f"share of reporters with {UNFOUNDED_AT} or more earlier reports "
            "on content a final ruling cleared",
        ),
        Signal(
            name="duplicate_texts",
            value=round(duplicate_share, 3),
            threshold=DUPLICATE_SHARE_AT,
            fired=enough and duplicate_share >= DUPLICATE_SHARE_AT,
            meaning="share of reports whose explanation repeats another's (after normalising)",
        ),
        Signal(
            name="co_reporting",
            value=co_cases,
            threshold=CO_CASES_AT,
            fired=co_cases >= CO_CASES_AT,
            meaning=f"other cases sharing {CO_REPORTERS_AT} or more of these reporters",
        ),
    ]
    return Campaign(
        suspected=sum(s.fired for s in signals) >= SUSPECT_AT,
        reports=n,
        reporters=r,
        signals=signals,
    )
