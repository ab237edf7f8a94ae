"""A suspension appeal the recount would keep is decided by a panel of jurors drawn at
random (EU DSA Art. 20(6)): lifted or upheld with reasons, on the log."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from alteram.domain.panel import verify_draw
from alteram.domain.policy import Standing as StandingPolicy
from alteram.services import accounts
from alteram.services.context import Context
from alteram.services.proceedings import advance_due
from alteram.tlog.hashing import leaf_hash
from conftest import FakeClock, People, bearer
from test_standing import API, SERIAL, events, report, suspend, warn

POLICY = StandingPolicy(suspension=timedelta(days=200))


def referred(client: TestClient, people: People, clock: FakeClock, ctx: Context) -> str:
    ctx.policy = ctx.policy.model_copy(update={"standing": POLICY})
    people.add_jurors(1, handles=("@activist@forum.example",))  # the author of the cases
    people.add_jurors(1, conflicts=("forum.example",))  # conflicted with the platform
    suspend(client, people, clock, ctx)
    body = {"reporter": SERIAL, "grounds": "I report what I see; these were honest mistakes."}
    r = client.post(f"{API}/reporters/standing/appeal", json=body, headers=people.platform_auth)
    assert r.status_code == 200 and r.json()["outcome"] == "referred", r.text
    assert r.json()["status"] == "suspended"
    return str(r.json()["appeal_id"])


def drawn(ctx: Context) -> dict[str, Any]:
    (e,) = events(ctx, "standing_panel_drawn")
    return dict(e["payload"])


def vote(
    client: TestClient, people: People, appeal_id: str, juror: str, decision: str, why: str
) -> Any:
    return client.post(
        f"{API}/standing-appeals/{appeal_id}/votes",
        json={"decision": decision, "reasons": why},
        headers=people.juror_auth(juror),
    )


def test_the_panel_is_drawn_reproducibly_and_can_uphold_with_reasons(
    client: TestClient, people: People, clock: FakeClock, ctx: Context
) -> None:
    appeal_id = referred(client, people, clock, ctx)
    panel = drawn(ctx)
    (appealed,) = events(ctx, "reporter_appealed")
    # Seeded by the log leaf of the appeal, anyone can recompute the draw.
    assert panel["opening_event_hash"] == leaf_hash(appealed["leaf"]).hex()
    assert panel["case_id"] == appealed["case_id"]  # the reporter's subject id, no handle
    assert panel["size"] == POLICY.appeal_panel == len(panel["chosen"])
    assert (
        verify_draw(
            panel["case_id"],
            panel["round"],
            panel["opening_event_hash"],
            panel["eligible"],
            panel["chosen"],
            panel["seed"],
        )
        == []
    )
    # Not eligible: the juror conflicted with the platform, and the first case's panel.
    author, conflicted = people.jurors[-2].id, people.jurors[-1].id
    (first_case,) = {e["case_id"] for e in events(ctx, "panel_drawn")}
    first_panel = client.get(f"{API}/cases/{first_case}").json()["panel"]["draw"]["chosen"]
    assert conflicted not in panel["eligible"] and author not in panel["eligible"]
    assert not set(first_panel) & set(panel["eligible"])
    assert len(panel["eligible"]) == len(people.jurors) - 2 - len(first_panel)

    a, b, c = panel["chosen"]
    mine = client.get(f"{API}/jurors/me/standing-appeals", headers=people.juror_auth(a)).json()
    assert [x["appeal_id"] for x in mine["appeals"]] == [appeal_id]
    file = client.get(f"{API}/standing-appeals/{appeal_id}", headers=people.juror_auth(a))
    body = file.json()
    assert file.status_code == 200 and body["grounds"].startswith("I report what I see")
    assert body["unfounded"] == body["reports"] == 10 and len(body["counted"]) == 10
    assert {r["outcome"] for r in body["counted"]} == {"no_violation", "closed_precedent"}
    assert {r["category"] for r in body["counted"]} == {"harassment"}
    assert SERIAL not in file.text  # the panel needs no handle

    assert vote(client, people, appeal_id, a, "uphold", "Ten cleared reports.").status_code == 201
    assert vote(client, people, appeal_id, b, "lift", "Could be honest.").json()["outcome"] is None
    last = vote(client, people, appeal_id, c, "uphold", "A pattern after a warning.")
    assert last.status_code == 201 and last.json()["outcome"] == "upheld"
    (decided,) = events(ctx, "standing_appeal_decided")
    public = json.loads(decided["leaf"])
    assert public["outcome"] == "upheld" and public["reason"] == "all_cast"
    assert (public["uphold"], public["lift"], public["missing"]) == (2, 1, 0)
    assert {v["reasons"] for v in public["votes"]} >= {"A pattern after a warning."}
    assert decided["case_id"] == appealed["case_id"] and b"serial" not in decided["leaf"]
    assert events(ctx, "reporter_reinstated") == []
    r = client.post(
        f"{API}/reports", json=report("still", SERIAL, "Zzz"), headers=people.platform_auth
    )
    assert r.status_code == 403  # still suspended
    texts = [
        n["text"]
        for n in client.get(f"{API}/reporters/notices", headers=people.platform_auth).json()[
            "notices"
        ]
    ]
    assert any("panel of 3 jurors" in t for t in texts)
    assert any("upheld the suspension" in t and "A pattern after a warning." in t for t in texts)
    assert vote(client, people, appeal_id, a, "lift", "changed my mind").status_code == 409


def test_a_tie_or_missing_votes_lift_it_at_the_deadline(
    client: TestClient, people: People, clock: FakeClock, ctx: Context
) -> None:
    appeal_id = referred(client, people, clock, ctx)
    a, b, _ = drawn(ctx)["chosen"]
    vote(client, people, appeal_id, a, "uphold", "Unfounded again and again.")
    vote(client, people, appeal_id, b, "lift", "The grounds are credible.")
    clock.advance(POLICY.appeal_deadline - timedelta(seconds=1))
    advance_due(ctx)
    assert events(ctx, "standing_appeal_decided") == []  # not before the deadline
    clock.advance(timedelta(seconds=2))
    advance_due(ctx)
    (decided,) = events(ctx, "standing_appeal_decided")
    assert decided["payload"]["outcome"] == "lifted" and decided["payload"]["reason"] == "deadline"
    assert (decided["payload"]["uphold"], decided["payload"]["missing"]) == (1, 1)
    (back,) = events(ctx, "reporter_reinstated")
    assert back["payload"]["reason"] == "appeal"
    r = client.post(
        f"{API}/reports", json=report("fresh", SERIAL, "New words"), headers=people.platform_auth
    )
    assert r.status_code == 202
    late = vote(client, people, appeal_id, drawn(ctx)["chosen"][2], "uphold", "late")
    assert late.status_code == 409


def test_only_the_panel_may_vote_and_bad_votes_are_refused(
    client: TestClient, people: People, clock: FakeClock, ctx: Context
) -> None:
    appeal_id = referred(client, people, clock, ctx)
    chosen = drawn(ctx)["chosen"]
    outsider = next(j.id for j in people.jurors if j.id not in chosen)
    r = vote(client, people, appeal_id, outsider, "lift", "I was not drawn.")
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert (
        client.get(
            f"{API}/standing-appeals/{appeal_id}", headers=people.juror_auth(outsider)
        ).status_code
        == 403
    )
    admin = bearer(accounts.create_admin_token(ctx))
    for auth in (admin, people.platform_auth):  # administrators never decide
        r = client.post(
            f"{API}/standing-appeals/{appeal_id}/votes",
            json={"decision": "lift", "reasons": "x"},
            headers=auth,
        )
        assert r.status_code == 403
    juror = people.juror_auth(chosen[0])
    for bad, field in (
        ({"decision": "maybe", "reasons": "x"}, "decision"),
        ({"decision": "lift", "reasons": "   "}, "reasons"),
        ({"decision": "lift"}, "reasons"),
        ({"decision": "lift", "reasons": "x", "extra": 1}, "extra"),
    ):
        r = client.post(f"{API}/standing-appeals/{appeal_id}/votes", json=bad, headers=juror)
        assert r.status_code == 422 and field in r.json()["error"]["field"], r.text
    missing = client.post(
        f"{API}/standing-appeals/sa0000/votes",
        json={"decision": "lift", "reasons": "x"},
        headers=juror,
    )
    assert missing.status_code == 404
    assert vote(client, people, appeal_id, chosen[0], "lift", "ok").status_code == 201
    assert vote(client, people, appeal_id, chosen[0], "lift", "twice").status_code == 409
    assert events(ctx, "standing_vote_cast")[0]["payload"]["juror_id"] == chosen[0]


def test_too_few_eligible_jurors_lifts_it(
    client: TestClient, people: People, clock: FakeClock, ctx: Context
) -> None:
    ctx.policy = ctx.policy.model_copy(
        update={"standing": StandingPolicy(suspension=timedelta(days=200), appeal_panel=25)}
    )
    suspend(client, people, clock, ctx)
    body = {"reporter": SERIAL, "grounds": "Please."}
    r = client.post(f"{API}/reporters/standing/appeal", json=body, headers=people.platform_auth)
    assert r.json()["outcome"] == "lifted" and r.json()["status"] == "good"
    (decided,) = events(ctx, "standing_appeal_decided")
    assert decided["payload"]["reason"] == "no_panel" and decided["payload"]["panel_size"] == 0
    assert events(ctx, "standing_panel_drawn") == []


def test_the_juror_pages_show_the_appeal_and_take_the_vote(
    client: TestClient, people: People, clock: FakeClock, ctx: Context
) -> None:
    from pages_kit import post_form, sign_in

    appeal_id = referred(client, people, clock, ctx)
    a, b, c = drawn(ctx)["chosen"]
    outsider = next(j.id for j in people.jurors if j.id not in (a, b, c))
    sign_in(client, "/juror", "/juror/signin", people.juror_tokens[outsider])
    assert appeal_id not in client.get("/juror").text
    assert client.get(f"/juror/standing/{appeal_id}").status_code == 403

    client.cookies.clear()
    sign_in(client, "/juror", "/juror/signin", people.juror_tokens[a])
    home = client.get("/juror").text
    assert f'href="/juror/standing/{appeal_id}"' in home
    page = client.get(f"/juror/standing/{appeal_id}")
    assert page.status_code == 200 and "honest mistakes" in page.text
    counted = client.get(f"{API}/standing-appeals/{appeal_id}", headers=people.juror_auth(a))
    for r in counted.json()["counted"]:
        assert f'href="/cases/{r["case_id"]}"' in page.text
    assert SERIAL not in page.text and "serial-reporter" not in page.text
    assert "تجدیدنظر از تعلیق" in client.get(f"/juror/standing/{appeal_id}?lang=fa").text

    where = f"/juror/standing/{appeal_id}"
    bad = post_form(client, where, f"{where}/vote", {"decision": "maybe", "reasons": "x"})
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    empty = post_form(client, where, f"{where}/vote", {"decision": "lift", "reasons": " "})
    assert empty.status_code == 422 and "<code>reasons</code>" in empty.text
    no_csrf = client.post(
        f"{where}/vote", data={"decision": "lift", "reasons": "x"}, follow_redirects=False
    )
    assert no_csrf.status_code == 403
    ok = post_form(client, where, f"{where}/vote", {"decision": "lift", "reasons": "Plausible."})
    assert ok.status_code == 303 and ok.headers["location"] == f"{where}?done=vote"
    assert "You voted to lift this suspension." in client.get(f"{where}?lang=en").text
    (cast,) = events(ctx, "standing_vote_cast")
    assert cast["payload"]["juror_id"] == a


def warning_referred(client: TestClient, people: People, clock: FakeClock, ctx: Context) -> str:
    warn(client, people, clock, ctx)
    body = {"reporter": SERIAL, "grounds": "I report what I see: the warning is unfair."}
    r = client.post(f"{API}/reporters/standing/appeal", json=body, headers=people.platform_auth)
    assert r.json()["outcome"] == "referred" and r.json()["against"] == "warning", r.text
    return str(r.json()["appeal_id"])


def test_a_panel_withdraws_a_warning_and_the_reporter_is_in_good_standing(
    client: TestClient, people: People, clock: FakeClock, ctx: Context
) -> None:
    appeal_id = warning_referred(client, people, clock, ctx)
    a, b, c = drawn(ctx)["chosen"]
    file = client.get(f"{API}/standing-appeals/{appeal_id}", headers=people.juror_auth(a)).json()
    assert file["against"] == "warning" and file["suspended_until"] is None
    mine = client.get(f"{API}/jurors/me/standing-appeals", headers=people.juror_auth(a)).json()
    assert [x["against"] for x in mine["appeals"]] == ["warning"]
    vote(client, people, appeal_id, a, "lift", "Five reports are not a pattern.")
    vote(client, people, appeal_id, b, "uphold", "They were all cleared.")
    last = vote(client, people, appeal_id, c, "lift", "Honest reports of real fears.")
    assert last.json()["outcome"] == "lifted"
    (decided,) = events(ctx, "standing_appeal_decided")
    assert json.loads(decided["leaf"])["against"] == "warning"
    (withdrawn,) = events(ctx, "reporter_warning_withdrawn")
    assert withdrawn["payload"]["reason"] == "appeal"
    assert events(ctx, "reporter_reinstated") == []  # nothing was suspended
    texts = [
        n["text"]
        for n in client.get(f"{API}/reporters/notices", headers=people.platform_auth).json()[
            "notices"
        ]
    ]
    assert any("the warning is withdrawn" in t and "real fears" in t for t in texts)
    # Counted afresh: the five old reports no longer count towards a new warning.
    body = {"reporter": SERIAL, "grounds": "again"}
    again = client.post(f"{API}/reporters/standing/appeal", json=body, headers=people.platform_auth)
    assert again.status_code == 404


def test_a_panel_upholds_a_warning_and_the_juror_page_says_warning(
    client: TestClient, people: People, clock: FakeClock, ctx: Context
) -> None:
    from pages_kit import sign_in

    appeal_id = warning_referred(client, people, clock, ctx)
    a, b, c = drawn(ctx)["chosen"]
    sign_in(client, "/juror", "/juror/signin", people.juror_tokens[a])
    page = client.get(f"/juror/standing/{appeal_id}?lang=en").text
    assert f"Warning appeal {appeal_id}" in page and "Should the warning stay?" in page
    assert "Suspended until" not in page
    assert "تجدیدنظر از هشدار" in client.get(f"/juror/standing/{appeal_id}?lang=fa").text
    for juror in (a, b):
        vote(client, people, appeal_id, juror, "uphold", "All five were cleared.")
    vote(client, people, appeal_id, c, "lift", "Could be honest.")
    (decided,) = events(ctx, "standing_appeal_decided")
    assert decided["payload"]["outcome"] == "upheld"
    assert events(ctx, "reporter_warning_withdrawn") == []
    assert "Warning upheld" in client.get(f"/juror/standing/{appeal_id}?lang=en").text
    body = {"reporter": SERIAL, "grounds": "again"}
    again = client.post(f"{API}/reporters/standing/appeal", json=body, headers=people.platform_auth)
    assert again.status_code == 409  # one appeal per warning
