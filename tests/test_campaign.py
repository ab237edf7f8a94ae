"""Campaign signals: shown, never weighed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from alteram.domain.campaign import ReportFact, assess, burst
from conftest import T0, FakeClock, People


def facts(
    n: int, *, every: timedelta = timedelta(seconds=5), text: str = "incitement"
) -> list[ReportFact]:
    return [
        ReportFact(reporter=f"fresh{i}", received_at=T0 + i * every, explanation=text)
        for i in range(n)
    ]


def test_burst_counts_the_busiest_hour() -> None:
    times = [T0 + timedelta(minutes=m) for m in (0, 10, 59, 60, 61, 200)]
    assert burst(times) == 4  # 0, 10, 59, 60 (inclusive of one hour)
    assert burst([]) == 0


def test_a_wave_of_fresh_identical_reports_is_suspected() -> None:
    c = assess(facts(500), first_seen={}, unfounded={}, co_cases=0)
    fired = {s.name for s in c.signals if s.fired}
    assert c.suspected and fired == {"burst", "fresh_reporters", "duplicate_texts"}
    assert (c.reports, c.reporters) == (500, 500)


def test_one_report_or_a_slow_trickle_of_known_reporters_is_not() -> None:
    assert not assess(facts(1), {}, {}, 0).suspected
    known = {f"fresh{i}": T0 - timedelta(days=400) for i in range(20)}
    slow = [
        ReportFact(
            reporter=f"fresh{i}", received_at=T0 + timedelta(days=i), explanation=f"reason {i}"
        )
        for i in range(20)
    ]
    c = assess(slow, known, {}, 0)
    assert not c.suspected and not any(s.fired for s in c.signals)


def test_serial_unfounded_reporters_and_co_reporting_fire() -> None:
    slow = facts(10, every=timedelta(hours=3))
    unfounded = {f"fresh{i}": 5 for i in range(4)}
    c = assess(slow, {f.reporter: T0 - timedelta(days=90) for f in slow}, unfounded, co_cases=3)
    fired = {s.name for s in c.signals if s.fired}
    assert fired == {"unfounded_reporters", "co_reporting", "duplicate_texts"} and c.suspected


def _report(post: str, reporter: str, text: str = "this is incitement") -> dict[str, Any]:
    return {
        "content": {
            "platform_id": post,
            "url": f"https://forum.example/p/{post}",
            "author": {"handle": "@activist@forum.example"},
            "language": "fa",
        },
        "category": "incitement",
        "explanation": text,
        "reporter": {"handle": reporter},
    }


def test_500_fresh_reports_change_nothing_but_the_campaign_flag(
    client: TestClient, people: People, clock: FakeClock
) -> None:
    auth = people.platform_auth
    single = client.post("/api/v1/reports", json=_report("quiet", "someone"), headers=auth).json()
    wave = [_report("loud", f"fresh-{i}") for i in range(500)]
    answers = client.post("/api/v1/reports:batch", json=wave, headers=auth).json()
    assert answers["accepted"] == 500
    loud_id = answers["results"][0]["case_id"]
    quiet, loud = (client.get(f"/api/v1/cases/{c}").json() for c in (single["case_id"], loud_id))
    assert loud["report_count"] == 500 and quiet["report_count"] == 1
    assert loud["campaign"]["suspected"] is True
    assert quiet["campaign"]["suspected"] is False
    assert loud["deadlines"] == quiet["deadlines"]
    assert "fresh-1" not in str(loud["campaign"])  # aggregates only: nobody is named
    # Past the hearing, both get a panel of the same size with the same voting deadline.
    clock.advance(timedelta(days=8))
    quiet, loud = (client.get(f"/api/v1/cases/{c}").json() for c in (single["case_id"], loud_id))
    assert quiet["state"] == loud["state"] == "voting"
    assert quiet["panel"]["size"] == loud["panel"]["size"] == 3
    assert quiet["deadlines"] == loud["deadlines"]
