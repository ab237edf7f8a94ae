"""A small public record, driven through the services with the fake clock.

Shared by tests/test_decisions.py, tests/test_stats.py and tests/test_export.py.
Every time below is exact, so the statistics can be checked to the hour.

=====  ==================  ====  =========================================================
case   category            lang  what happens (T0 = 2026-11-02T09:30Z)
=====  ==================  ====  =========================================================
A      incitement          en    12 reporters at T0 (a campaign); reply T0+1h; cleared
                                 T0+3h
B      harassment          fa    2 reports T0+1h; waived T0+2h; removal T0+5h
C      defamation          en    1 report T0+2h; waived T0+3h; label T0+10h; the author
                                 appeals T0+11h; the appeal panel clears it T0+20h
                                 (reversed)
E      threat (emergency)  en    1 report T0+4h (interim reduced_distribution); waived
                                 T0+5h; cleared T0+6h (the interim measure ends by ruling)
D      privacy (emergency) en    1 report T0+5h citing DE-STGB-130 (interim removal); the
                                 interim measure expires T0+29h; the reply deadline
                                 closes the hearing T0+5h+7d; geo-restriction in DE one
                                 hour later
G      spam                en    1 report 2026-12-01T00:00Z; still awaiting the reply
=====  ==================  ====  =========================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from alteram.domain.case import Case
from alteram.domain.remedy import Remedy
from alteram.domain.vote import Ballot
from alteram.services import accounts, proceedings
from alteram.services.accounts import Principal
from alteram.services.context import Context
from alteram.services.reports import ReportRequest, file_report
from conftest import FakeClock
from factories import T0, no_violation, violation

H = timedelta(hours=1)
DECEMBER = datetime(2026, 12, 1, tzinfo=UTC)

REASONS = {
    "A": "Protected political speech: a protest slogan and a call to gather peacefully.",
    "B": "آزار سازمان‌یافته علیه یک عضو عادی انجمن; organised harassment of a private person.",
    "C1": "The post states as fact a crime nobody was charged with.",
    "C2": "Fair comment on a public figure's public conduct.",
    "E": "Überspitzt: hyperbole between friends, not a credible threat.",
    "D": "Publishes a private person's home address; only readers in DE may not see it.",
}


@dataclass
class Record:
    ctx: Context
    clock: FakeClock
    platform_id: str
    ids: dict[str, str]

    def case(self, key: str) -> Case:
        with self.ctx.store.transaction() as tx:
            case = tx.get_case(self.ids[key])
        assert case is not None
        return case


def _file(
    r: Record, key: str, external_id: str, category: str, reporter: str, **extra: Any
) -> None:
    body: dict[str, Any] = {
        "content": {
            "platform_id": external_id,
            "url": f"https://forum.example/p/{external_id}",
            "author": {"handle": f"@author-{external_id}@forum.example"},
            "text": f"The post {external_id}.",
            "language": extra.pop("language", "en"),
        },
        "category": category,
        "explanation": f"{reporter} reports {external_id}",
        "reporter": {"handle": reporter},
        **extra,
    }
    filed = file_report(r.ctx, r.platform_id, ReportRequest.model_validate(body))
    r.ids.setdefault(key, filed.case_id)
    assert r.ids[key] == filed.case_id


def _author(r: Record, key: str) -> Principal:
    return Principal(kind="party", subject=r.ids[key], party_id="author")


def _panel_votes(r: Record, key: str, ballots: list[Ballot]) -> None:
    panel = r.case(key).panel
    assert panel is not None
    for juror_id, b in zip(panel.chosen, ballots, strict=True):
        proceedings.cast_vote(r.ctx, r.ids[key], juror_id, b)


def build(ctx: Context, clock: FakeClock) -> Record:
    """Drive cases A to G (see the module docstring) and return their ids."""
    platform_id, _ = accounts.create_platform(ctx, "forum.example")
    for i in range(12):
        accounts.add_juror(ctx, f"Juror {i}", ["en", "fa"])
    r = Record(ctx=ctx, clock=clock, platform_id=platform_id, ids={})

    def now(hours: float) -> None:
        clock.now = T0 + hours * H

    now(0)
    for i in range(12):
        _file(r, "A", "post-a", "incitement", f"u{i}")
    now(1)
    _file(r, "B", "post-b", "harassment", "v1", language="fa")
    _file(r, "B", "post-b", "harassment", "v2", language="fa")
    proceedings.reply(ctx, r.ids["A"], _author(r, "A"), "A protest slogan.")
    now(2)
    proceedings.reply(ctx, r.ids["B"], _author(r, "B"), None, waive=True)
    _file(r, "C", "post-c", "defamation", "w1")
    now(3)
    _panel_votes(r, "A", [no_violation(REASONS["A"])] * 3)
    proceedings.reply(ctx, r.ids["C"], _author(r, "C"), None, waive=True)
    now(4)
    _file(r, "E", "post-e", "threat", "x1")
    now(5)
    _panel_votes(r, "B", [violation(["HAR-1"], Remedy.REMOVAL, reasons=REASONS["B"])] * 3)
    proceedings.reply(ctx, r.ids["E"], _author(r, "E"), None, waive=True)
    _file(r, "D", "post-d", "privacy", "y1", jurisdiction="DE", legal_basis="DE-STGB-130")
    now(6)
    _panel_votes(r, "E", [no_violation(REASONS["E"])] * 3)
    now(10)
    _panel_votes(r, "C", [violation(["DEF-1"], Remedy.LABEL, reasons=REASONS["C1"])] * 3)
    now(11)
    proceedings.appeal(ctx, r.ids["C"], _author(r, "C"), "It is true and in the public interest.")
    now(20)
    _panel_votes(r, "C", [no_violation(REASONS["C2"])] * 5)
    now(29)
    proceedings.advance_due(ctx)  # D's interim measure expires
    now(5 + 7 * 24)
    proceedings.advance_due(ctx)  # D's reply deadline: the hearing closes, a panel is drawn
    now(6 + 7 * 24)
    geo = violation(["PRV-1"], Remedy.GEO_RESTRICTION, jurisdictions=["DE"], reasons=REASONS["D"])
    _panel_votes(r, "D", [geo] * 3)
    clock.now = DECEMBER
    proceedings.advance_due(ctx)  # every appeal window has closed: first rulings are final
    _file(r, "G", "post-g", "spam", "z1")
    return r
