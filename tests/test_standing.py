"""Reporter standing (EU DSA Art. 23): warned, then suspended, stored but not processed."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from alteram.domain import standing as rules
from alteram.domain.policy import Standing as StandingPolicy
from alteram.services import accounts
from alteram.services.context import Context
from alteram.services.proceedings import advance_due
from alteram.storage import tables as t
from conftest import T0, FakeClock, People, bearer

API = "/api/v1"
SERIAL = "@serial-reporter@forum.example"
POLICY = StandingPolicy()


def report(post: str, reporter: str, text: str = "Woman, life, freedom.") -> dict[str, Any]:
    return {
        "content": {
            "platform_id": post,
            "url": f"https://forum.example/p/{post}",
            "author": {"handle": "@activist@forum.example"},
            "text": text,
            "language": "en",
        },
        "category": "harassment",
        "explanation": "this is harassment",
        "reporter": {"handle": reporter},
    }


def clear(client: TestClient, people: People, clock: FakeClock, ctx: Context, case_id: str) -> None:
    """Nobody replies, the panel clears it, nobody appeals: final, no violation."""
    clock.advance(timedelta(days=8))
    advance_due(ctx)
    case = client.get(f"{API}/cases/{case_id}").json()
    for juror in case["panel"]["draw"]["chosen"]:
        ballot = {"violation": False, "reasons": "Protected political speech."}
        r = client.post(
            f"{API}/cases/{case_id}/votes", json=ballot, headers=people.juror_auth(juror)
        )
        assert r.status_code == 201
    clock.advance(timedelta(days=15))
    advance_due(ctx)
    assert client.get(f"{API}/cases/{case_id}").json()["state"] == "final"


def events(ctx: Context, kind: str) -> list[dict[str, Any]]:
    with ctx.store.read() as tx:
        rows = tx.conn.execute(
            select(t.events.c.payload, t.events.c.log_index, t.events.c.case_id).where(
                t.events.c.type == kind
            )
        ).all()
        out = []
        for payload, index, case_id in rows:
            leaf = tx.log.leaf(index)
            out.append({"payload": json.loads(payload), "leaf": leaf, "case_id": case_id})
        return out


def warn(client: TestClient, people: People, clock: FakeClock, ctx: Context) -> None:
    """The serial reporter's five reports on cleared content: warned, not suspended."""
    auth = people.platform_auth
    first = client.post(f"{API}/reports", json=report("p0", SERIAL), headers=auth)
    clear(client, people, clock, ctx, first.json()["case_id"])
    for i in range(4):
        r = client.post(f"{API}/reports", json=report(f"copy{i}", SERIAL), headers=auth)
        assert r.status_code == 202 and r.json()["case_state"] == "closed_precedent"
    assert len(events(ctx, "reporter_warned")) == 1


def suspend(client: TestClient, people: People, clock: FakeClock, ctx: Context) -> str:
    """The serial reporter's reports on cleared content: warned at 5, suspended at 10."""
    auth = people.platform_auth
    first = client.post(f"{API}/reports", json=report("p0", SERIAL), headers=auth)
    case_id = first.json()["case_id"]
    clear(client, people, clock, ctx, case_id)
    assert events(ctx, "reporter_warned") == []  # one unfounded report is not enough
    for i in range(4):
        r = client.post(f"{API}/reports", json=report(f"copy{i}", SERIAL), headers=auth)
        assert r.status_code == 202 and r.json()["case_state"] == "closed_precedent"
    (warned,) = events(ctx, "reporter_warned")
    assert warned["payload"]["unfounded"] == 5 and warned["payload"]["reports"] == 5
    assert events(ctx, "reporter_suspended") == []
    for i in range(5):
        r = client.post(f"{API}/reports", json=report(f"again{i}", SERIAL), headers=auth)
        assert r.status_code == 202
    (suspended,) = events(ctx, "reporter_suspended")
    return str(suspended["payload"]["until"])


def test_warned_then_suspended_then_stored_but_not_processed(
    client: TestClient, people: People, clock: FakeClock, ctx: Context
) -> None:
    auth = people.platform_auth
    until = suspend(client, people, clock, ctx)
    for kind in ("reporter_warned", "reporter_suspended"):
        (e,) = events(ctx, kind)
        assert e["case_id"].startswith("reporter:")
        assert e["payload"]["handle"] == SERIAL  # the private events table has it
        assert SERIAL.encode() not in e["leaf"] and b"serial" not in e["leaf"]
        public = json.loads(e["leaf"])
        assert public["handle"] != SERIAL and len(public["handle"]) == 64
    suspended = events(ctx, "reporter_suspended")[0]["payload"]
    assert suspended["unfounded"] == 10 and suspended["suspend_after"] == 10

    with ctx.store.read() as tx:
        cases_before = tx.conn.execute(select(func.count()).select_from(t.cases)).scalar_one()
    r = client.post(f"{API}/reports", json=report("brand-new", SERIAL), headers=auth)
    assert r.status_code == 403
    error = r.json()["error"]
    assert error["code"] == "reporter_suspended" and error["processed"] is False
    assert error["suspended_until"] == until
    report_id = error["report_id"]
    with ctx.store.read() as tx:
        row = tx.conn.execute(select(t.reports).where(t.reports.c.id == report_id)).one()
        assert row.case_id.startswith("reporter:")  # stored, joined no case
        assert tx.conn.execute(select(func.count()).select_from(t.cases)).scalar_one() == (
            cases_before
        )
    # The same in a batch: the item is answered on its own, the others go through.
    batch = [report("brand-new-2", SERIAL), report("brand-new-3", "someone-else")]
    answers = client.post(f"{API}/reports:batch", json=batch, headers=auth).json()
    assert [a["status"] for a in answers["results"]] == [403, 202]
    assert answers["results"][0]["error"]["code"] == "reporter_suspended"
    # An idempotent retry gets the same answer and stores nothing twice.
    keyed = {**auth, "Idempotency-Key": "k-1"}
    one = client.post(f"{API}/reports", json=report("brand-new-4", SERIAL), headers=keyed)
    two = client.post(f"{API}/reports", json=report("brand-new-4", SERIAL), headers=keyed)
    assert one.status_code == two.status_code == 403
    assert one.json()["error"]["report_id"] == two.json()["error"]["report_id"]
    # Each held report is on the log, under the reporter's pseudonym, once.
    held = events(ctx, "report_held")
    assert [h["payload"]["report_id"] for h in held] == [
        report_id,
        answers["results"][0]["error"]["report_id"],
        one.json()["error"]["report_id"],
    ]
    subject = events(ctx, "reporter_suspended")[0]["case_id"]
    for h in held:
        public = json.loads(h["leaf"])
        assert h["case_id"] == public["case_id"] == subject and b"serial" not in h["leaf"]
        assert public["category"] == "harassment" and public["until"].startswith(until[:16])

    notices = client.get(f"{API}/reporters/notices", headers=auth).json()["notices"]
    assert [n["reporter"] for n in notices] == [SERIAL, SERIAL]
    assert "Warning" in notices[0]["text"] and "Suspension" in notices[1]["text"]
    later = client.get(
        f"{API}/reporters/notices", params={"after": notices[0]["id"]}, headers=auth
    ).json()
    assert len(later["notices"]) == 1
    assert client.get(f"{API}/reporters/notices").status_code == 401


def test_the_suspension_ends_by_itself(
    client: TestClient, people: People, clock: FakeClock, ctx: Context
) -> None:
    suspend(client, people, clock, ctx)
    clock.advance(POLICY.suspension + timedelta(seconds=1))
    r = client.post(
        f"{API}/reports", json=report("after", SERIAL, "Other words"), headers=people.platform_auth
    )
    assert r.status_code == 202 and r.json()["case_state"] == "awaiting_reply"
    (back,) = events(ctx, "reporter_reinstated")
    assert back["payload"]["reason"] == "expired" and b"serial" not in back["leaf"]
    # Earlier reports no longer count: one more unfounded report does not suspend again.
    r = client.post(f"{API}/reports", json=report("again-x", SERIAL), headers=people.platform_auth)
    assert r.status_code == 202 and r.json()["case_state"] == "closed_precedent"
    assert len(events(ctx, "reporter_suspended")) == 1


def test_appeal_the_recount_would_keep_goes_to_a_panel(
    client: TestClient, people: People, clock: FakeClock, ctx: Context
) -> None:
    ctx.policy = ctx.policy.model_copy(
        update={"standing": StandingPolicy(suspension=timedelta(days=200))}
    )
    suspend(client, people, clock, ctx)
    auth = people.platform_auth
    body = {"reporter": SERIAL, "grounds": "These were honest mistakes."}
    r = client.post(f"{API}/reporters/standing/appeal", json=body, headers=auth)
    # The recount still meets the suspension: people decide it (DSA Art. 20(6)), not
    # the recount; until they do, the suspension stays (tests/test_standing_review.py).
    assert r.status_code == 200 and r.json()["outcome"] == "referred"
    assert r.json()["status"] == "suspended" and r.json()["appeal_id"].startswith("sa")
    again = client.post(f"{API}/reporters/standing/appeal", json=body, headers=auth)
    assert again.status_code == 409  # one appeal per suspension
    (appealed,) = events(ctx, "reporter_appealed")
    assert "grounds" not in json.loads(appealed["leaf"])  # free text stays private
    assert appealed["payload"]["outcome"] == "referred"
    # A reporter who is not suspended has nothing to appeal.
    missing = client.post(
        f"{API}/reporters/standing/appeal", json={**body, "reporter": "nobody"}, headers=auth
    )
    assert missing.status_code == 404


def test_appeal_lifts_a_suspension_the_counts_no_longer_support(
    client: TestClient, people: People, clock: FakeClock, ctx: Context
) -> None:
    ctx.policy = ctx.policy.model_copy(
        update={"standing": StandingPolicy(suspension=timedelta(days=200))}
    )
    suspend(client, people, clock, ctx)
    clock.advance(POLICY.window + timedelta(days=1))  # the unfounded reports left the window
    body = {"reporter": SERIAL, "grounds": "It has been months."}
    r = client.post(f"{API}/reporters/standing/appeal", json=body, headers=people.platform_auth)
    assert r.json() == {
        "reporter": SERIAL,
        "status": "good",
        "suspended_until": None,
        "outcome": "lifted",
        "against": "suspension",
    }
    (back,) = events(ctx, "reporter_reinstated")
    assert back["payload"]["reason"] == "appeal"
    r = client.post(
        f"{API}/reports", json=report("fresh", SERIAL, "New words"), headers=people.platform_auth
    )
    assert r.status_code == 202


def test_a_warning_has_its_own_appeal_and_the_recount_can_withdraw_it(
    client: TestClient, people: People, clock: FakeClock, ctx: Context
) -> None:
    warn(client, people, clock, ctx)
    auth = people.platform_auth
    clock.advance(POLICY.window + timedelta(days=1))  # the unfounded reports left the window
    body = {"reporter": SERIAL, "grounds": "Those reports are long past."}
    r = client.post(f"{API}/reporters/standing/appeal", json=body, headers=auth)
    assert r.status_code == 200 and r.json() == {
        "reporter": SERIAL,
        "status": "good",
        "suspended_until": None,
        "outcome": "lifted",
        "against": "warning",
    }
    (appealed,) = events(ctx, "reporter_appealed")
    assert json.loads(appealed["leaf"])["against"] == "warning"
    (withdrawn,) = events(ctx, "reporter_warning_withdrawn")
    assert withdrawn["payload"]["reason"] == "appeal" and SERIAL not in str(withdrawn["leaf"])
    notices = client.get(f"{API}/reporters/notices", headers=auth).json()["notices"]
    texts = [n["text"] for n in notices]
    assert "You may appeal the warning" in texts[0]
    assert texts[-1] == "The warning is withdrawn on appeal; earlier reports no longer count."
    again = client.post(f"{API}/reporters/standing/appeal", json=body, headers=auth)
    assert again.status_code == 404  # in good standing: nothing to appeal
    assert "neither suspended nor warned" in again.json()["error"]["message"]


def test_a_platform_reads_a_reporters_standing_and_its_counts(
    client: TestClient, people: People, clock: FakeClock, ctx: Context
) -> None:
    auth = people.platform_auth
    url = f"{API}/reporters/standing"
    fresh = client.get(url, params={"reporter": SERIAL}, headers=auth).json()
    assert (fresh["status"], fresh["unfounded"], fresh["reports"]) == ("good", 0, 0)
    assert fresh["appealable"] is None and fresh["last_appeal"] is None
    warn(client, people, clock, ctx)
    now = client.get(url, params={"reporter": SERIAL}, headers=auth).json()
    assert (now["status"], now["unfounded"], now["reports"]) == ("warned", 5, 5)
    assert now["appealable"] == "warning" and now["warned_at"] is not None
    assert now["thresholds"] == {
        "warn_after": 5,
        "suspend_after": 10,
        "min_share": 0.8,
        "window": "P90D",
    }
    body = {"reporter": SERIAL, "grounds": "honest"}
    client.post(f"{API}/reporters/standing/appeal", json=body, headers=auth)
    after = client.get(url, params={"reporter": SERIAL}, headers=auth).json()
    assert after["last_appeal"]["against"] == "warning"
    assert after["last_appeal"]["outcome"] == "referred" and after["last_appeal"]["appeal_id"]
    _, other = accounts.create_platform(ctx, "other.example")
    theirs = client.get(url, params={"reporter": SERIAL}, headers=bearer(other)).json()
    assert theirs["status"] == "good" and theirs["reports"] == 0  # per platform
    assert client.get(url, params={"reporter": SERIAL}).status_code == 401
    assert client.get(url, headers=auth).status_code == 422


def test_a_warning_appeal_the_recount_would_keep_goes_to_a_panel_once(
    client: TestClient, people: People, clock: FakeClock, ctx: Context
) -> None:
    warn(client, people, clock, ctx)
    auth = people.platform_auth
    body = {"reporter": SERIAL, "grounds": "I report what I see."}
    r = client.post(f"{API}/reporters/standing/appeal", json=body, headers=auth)
    assert r.status_code == 200 and r.json()["outcome"] == "referred"
    assert r.json()["against"] == "warning" and r.json()["status"] == "warned"
    again = client.post(f"{API}/reporters/standing/appeal", json=body, headers=auth)
    assert again.status_code == 409 and "warning was already appealed" in again.text
    (drawn,) = events(ctx, "standing_panel_drawn")
    assert drawn["payload"]["size"] == ctx.policy.standing.appeal_panel
    # The warning stands while the panel sits: reports go on being processed.
    r = client.post(f"{API}/reports", json=report("fresh", SERIAL, "New words"), headers=auth)
    assert r.status_code == 202


def test_standing_never_changes_panel_size_deadlines_or_outcome(
    client: TestClient, people: People, clock: FakeClock, ctx: Context
) -> None:
    auth = people.platform_auth
    first = client.post(f"{API}/reports", json=report("p0", SERIAL), headers=auth).json()
    clear(client, people, clock, ctx, first["case_id"])
    for i in range(6):
        client.post(f"{API}/reports", json=report(f"copy{i}", SERIAL), headers=auth)
    assert len(events(ctx, "reporter_warned")) == 1
    warned = client.post(f"{API}/reports", json=report("x", SERIAL, "Text X"), headers=auth).json()
    good = client.post(f"{API}/reports", json=report("y", "good", "Text Y"), headers=auth).json()
    clock.advance(timedelta(days=8))
    advance_due(ctx)
    a, b = (client.get(f"{API}/cases/{c['case_id']}").json() for c in (warned, good))
    assert a["state"] == b["state"] == "voting"
    assert len(a["panel"]["draw"]["chosen"]) == len(b["panel"]["draw"]["chosen"])
    assert len(a["panel"]["draw"]["chosen"]) == ctx.policy.panel.first
    assert a["deadlines"] == b["deadlines"]


def test_decide_needs_the_share_and_a_prior_warning() -> None:
    st = rules.Standing(subject="reporter:x", handle="h")
    mostly_right = rules.Counts(unfounded=20, reports=100)
    assert rules.decide(st, mostly_right, POLICY, T0) == (st, [])
    bad = rules.Counts(unfounded=20, reports=20)
    warned, (event,) = rules.decide(st, bad, POLICY, T0)
    assert warned.status == rules.WARNED and event.type == "reporter_warned"
    suspended, (event,) = rules.decide(warned, bad, POLICY, T0)
    assert suspended.status == rules.SUSPENDED and event.type == "reporter_suspended"
    assert suspended.suspended_until == T0 + POLICY.suspension
    assert rules.decide(suspended, bad, POLICY, T0 + timedelta(days=1)) == (suspended, [])
    back, (event,) = rules.expire(suspended, T0 + POLICY.suspension)
    assert back.status == rules.GOOD and back.counted_from == T0 + POLICY.suspension
    assert rules.since(back, POLICY, T0 + POLICY.suspension) == T0 + POLICY.suspension


def test_granting_a_warning_appeal_also_lifts_a_suspension_that_followed_it() -> None:
    bad = rules.Counts(unfounded=20, reports=20)
    warned, _ = rules.decide(rules.Standing(subject="reporter:x", handle="h"), bad, POLICY, T0)
    assert rules.appealable(warned, T0) == rules.WARNING
    back, (event,) = rules.grant(warned, rules.WARNING, T0)
    assert back.status == rules.GOOD and back.warned_at is None and back.counted_from == T0
    assert event.type == "reporter_warning_withdrawn"
    assert rules.appealable(back, T0) is None
    suspended, _ = rules.decide(warned, bad, POLICY, T0)  # while the warning's panel sits
    assert rules.appealable(suspended, T0) == rules.SUSPENSION
    later = T0 + timedelta(days=1)
    back, (event,) = rules.grant(suspended, rules.WARNING, later)
    assert back.status == rules.GOOD and event.type == "reporter_reinstated"
    # A recount against a warning uses the warning's threshold.
    few = rules.Counts(unfounded=POLICY.warn_after - 1, reports=POLICY.warn_after - 1)
    lifted, events_ = rules.appeal(warned, few, "g", POLICY, T0)
    assert [e.type for e in events_] == ["reporter_appealed", "reporter_warning_withdrawn"]
    assert lifted.status == rules.GOOD
    kept, (appealed,) = rules.appeal(warned, bad, "g", POLICY, T0)
    assert kept == warned and appealed.outcome == "referred" and appealed.against == "warning"
