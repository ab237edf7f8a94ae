"""The issue's "Done when", walked over HTTP only, on every storage backend.

Time moves only through the fake clock; nothing runs in the background.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from alteram.domain.case import CaseState
from alteram.domain.panel import verify_draw
from alteram.domain.policy import RABAT_FACTORS, THREE_PART_TEST
from alteram.domain.remedy import LADDER, Remedy
from alteram.services import accounts
from conftest import T0, bearer
from factories import no_violation, violation

API = "/api/v1"
AUTHOR = "@sara@forum.example"
REPLY_DEADLINE = (T0 + timedelta(days=7)).strftime("%Y-%m-%dT%H:%MZ")  # 2026-11-09T09:30Z
SOR_FIELDS = {
    "decision",
    "territorial_scope",
    "facts_and_circumstances",
    "ground",
    "how_decided",
    "redress",
}


def report_body(
    external_id: str = "post-1",
    reporter: str = "reporter-1",
    category: str = "incitement",
    language: str | None = "en",
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "content": {
            "platform_id": external_id,
            "url": f"https://forum.example/p/{external_id}",
            "author": {"handle": AUTHOR},
            # Short and distinct per post: short texts match only exactly, so
            # different posts stay different content for precedent matching.
            "text": f"Woman, life, freedom: {external_id}",
        },
        "category": category,
        "explanation": "This stirs up hatred against a group.",
        "reporter": {"handle": reporter},
    }
    if language is not None:
        body["content"]["language"] = language
    body.update(extra)
    return body


def ballot(b: Any) -> dict[str, Any]:
    return dict(b.model_dump(mode="json"))


def assert_error(
    r: Any, status: int, code: str | None = None, field: str | None = None
) -> dict[str, Any]:
    """Every error has the shape ``{"error": {"code", "message", "field"?}}``."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert {"code", "message"} <= set(err) <= {"code", "message", "field"}, err
    assert isinstance(err["code"], str) and err["code"]
    assert isinstance(err["message"], str) and err["message"].strip()
    if code is not None:
        assert err["code"] == code, err
    if field is not None:
        assert err.get("field") == field, err
    return dict(err)


class Walk:
    """Thin helpers over the HTTP API."""

    def __init__(self, client: Any, people: Any) -> None:
        self.c = client
        self.people = people

    def file(self, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        headers = dict(self.people.platform_auth)
        if key:
            headers["Idempotency-Key"] = key
        r = self.c.post(f"{API}/reports", json=body, headers=headers)
        assert r.status_code == 202, r.text
        return dict(r.json())

    def notices(self, case_id: str) -> list[dict[str, Any]]:
        r = self.c.get(f"{API}/cases/{case_id}/notices", headers=self.people.platform_auth)
        assert r.status_code == 200, r.text
        return list(r.json()["notices"])

    def party(self, case_id: str, handle: str = AUTHOR) -> dict[str, str]:
        (notice,) = [n for n in self.notices(case_id) if n["handle"] == handle]
        return bearer(notice["token"])

    def case(self, case_id: str, auth: dict[str, str] | None = None) -> dict[str, Any]:
        r = self.c.get(f"{API}/cases/{case_id}", headers=auth or {})
        assert r.status_code == 200, r.text
        return dict(r.json())

    def reply(self, case_id: str, body: dict[str, Any], auth: dict[str, str] | None = None) -> Any:
        return self.c.post(
            f"{API}/cases/{case_id}/reply", json=body, headers=auth or self.party(case_id)
        )

    def vote(self, case_id: str, juror_id: str, b: Any) -> Any:
        body = b if isinstance(b, dict) else ballot(b)
        return self.c.post(
            f"{API}/cases/{case_id}/votes", json=body, headers=self.people.juror_auth(juror_id)
        )

    def appeal(self, case_id: str, auth: dict[str, str], grounds: str = "The panel erred.") -> Any:
        return self.c.post(
            f"{API}/cases/{case_id}/appeals", json={"grounds": grounds}, headers=auth
        )

    def ruling(self, case_id: str) -> Any:
        return self.c.get(f"{API}/cases/{case_id}/ruling")

    def chosen(self, case_id: str) -> list[str]:
        return list(self.case(case_id)["panel"]["draw"]["chosen"])

    def to_voting(self, body: dict[str, Any]) -> str:
        case_id = str(self.file(body)["case_id"])
        r = self.reply(case_id, {"waive": True})
        assert r.status_code == 200, r.text
        return case_id

    def rule(self, case_id: str, ballots: list[Any]) -> None:
        for juror_id, b in zip(self.chosen(case_id), ballots, strict=True):
            r = self.vote(case_id, juror_id, b)
            assert r.status_code == 201, r.text


@pytest.fixture
def walk(client, people) -> Walk:
    return Walk(client, people)


# -- the whole lifecycle ---------------------------------------------------------------


def test_scripted_walk_from_mass_reports_to_final_ruling(walk: Walk, people, ctx):
    c = walk.c
    reporters = [f"reporter-{i}" for i in range(7)]

    # Seven reports on one post join one case; one cites an incompatible insult law,
    # one a German law the policy marks compatible.
    extra = {
        3: {"jurisdiction": "IR", "legal_basis": "IR-PENAL-514"},
        5: {"jurisdiction": "de", "legal_basis": "DE-STGB-130"},
    }
    filed = [
        walk.file(report_body("post-walk", r, **extra.get(i, {})), key=f"key-{i}")
        for i, r in enumerate(reporters)
    ]
    case_id = filed[0]["case_id"]
    assert {f["case_id"] for f in filed} == {case_id}
    assert len({f["report_id"] for f in filed}) == 7
    assert {f["case_state"] for f in filed} == {"awaiting_reply"}

    # An idempotent replay returns the same ids and adds nothing.
    again = c.post(
        f"{API}/reports",
        json=report_body("post-walk", reporters[0]),
        headers={**people.platform_auth, "Idempotency-Key": "key-0"},
    )
    assert again.status_code == 202
    assert again.json() == filed[0]
    assert again.headers.get("Idempotent-Replayed") == "true"
    # The same key with another body is refused.
    clash = c.post(
        f"{API}/reports",
        json=report_body("post-walk", "someone-else"),
        headers={**people.platform_auth, "Idempotency-Key": "key-0"},
    )
    assert "Idempotency-Key" in assert_error(clash, 409, "conflict")["message"]

    public = walk.case(case_id)
    assert public["viewer"] == "public"
    assert public["report_count"] == 7
    assert public["state"] == "awaiting_reply"
    assert public["panel"] is None and public["ruled"] is False
    assert "content" not in public and "reports" not in public
    assert public["deadlines"]["reply"].startswith("2026-11-09T09:30")

    platform_view = walk.case(case_id, people.platform_auth)
    assert platform_view["viewer"] == "platform"
    assert sorted(r["reporter"] for r in platform_view["reports"]) == sorted(reporters)
    assert {(c_["jurisdiction"], c_["compatible"]) for c_ in platform_view["cited_laws"]} == {
        ("IR", False),
        ("DE", True),
    }

    # One notice for the author and one per distinct reporter, each with its token.
    notices = walk.notices(case_id)
    assert sorted(n["party"] for n in notices) == ["author"] + ["reporter"] * 7
    assert {n["handle"] for n in notices if n["party"] == "reporter"} == set(reporters)
    assert len({n["token"] for n in notices}) == 8
    for n in notices:
        assert n["token"].startswith("alt_")
        assert n["url"] == f"https://alteram.test/cases/{case_id}"
        assert n["token"] not in n["url"]
        assert n["url"] in n["text"]
    (author_notice,) = [n for n in notices if n["party"] == "author"]
    assert author_notice["handle"] == AUTHOR
    assert "INC-1" in author_notice["text"] and REPLY_DEADLINE in author_notice["text"]
    author = bearer(author_notice["token"])
    reporter_auth = walk.party(case_id, "reporter-0")

    # The author sees what is alleged, but not who reported it.
    author_view = walk.case(case_id, author)
    assert author_view["viewer"] == "author"
    assert author_view["content"]["url"] == "https://forum.example/p/post-walk"
    assert len(author_view["reports"]) == 7
    assert all("reporter" not in r for r in author_view["reports"])
    assert not any(handle in str(author_view) for handle in reporters)

    # Only the filing platform receives the notices.
    _, other_token = accounts.create_platform(ctx, "other.example")
    assert_error(c.get(f"{API}/cases/{case_id}/notices", headers=bearer(other_token)), 403)
    assert_error(c.get(f"{API}/cases/{case_id}/notices"), 401, "unauthenticated")

    # Nothing can be decided before the author is heard.
    early = walk.vote(case_id, people.jurors[0].id, no_violation())
    assert REPLY_DEADLINE in assert_error(early, 409, "out_of_order")["message"]
    assert "2026-11-09T09:30" in assert_error(walk.ruling(case_id), 409)["message"]
    assert_error(walk.appeal(case_id, author), 409, "out_of_order")

    # A reporter cannot reply for the author; the author replies once.
    assert_error(walk.reply(case_id, {"statement": "Not me."}, reporter_auth), 403, "forbidden")
    r = walk.reply(case_id, {"statement": "A protest slogan, not a call to violence."}, author)
    assert r.status_code == 200, r.text
    assert r.json() == {"case_id": case_id, "state": "voting", "round": 1}
    assert_error(walk.reply(case_id, {"statement": "And again."}, author), 409, "out_of_order")

    # The draw is public and checks out.
    view = walk.case(case_id)
    assert view["state"] == "voting" and view["hearing"]["replied"] is True
    panel = view["panel"]
    assert panel["size"] == 3 and panel["round"] == 1 and panel["votes_cast"] == 0
    draw = panel["draw"]
    assert sorted(draw["eligible"]) == sorted(j.id for j in people.jurors)
    first_panel = draw["chosen"]
    assert len(first_panel) == 3 and set(first_panel) <= set(draw["eligible"])
    assert (
        verify_draw(
            case_id, 1, draw["opening_event_hash"], draw["eligible"], first_panel, draw["seed"]
        )
        == []
    )
    outsider = next(j.id for j in people.jurors if j.id not in first_panel)
    j0, j1, j2 = first_panel

    # Who may vote.
    assert_error(walk.vote(case_id, outsider, no_violation()), 403, "forbidden")
    url = f"{API}/cases/{case_id}/votes"
    as_json = ballot(no_violation())
    assert_error(c.post(url, json=as_json, headers=people.platform_auth), 403, "forbidden")
    assert_error(c.post(url, json=as_json, headers=author), 403, "forbidden")
    assert_error(c.post(url, json=as_json), 401, "unauthenticated")
    assert_error(c.post(url, json=as_json, headers=bearer("alt_ju_forged")), 401)

    # Structured votes: every missing answer is named.
    complete = violation(["INC-1"], Remedy.REMOVAL)
    for part in THREE_PART_TEST:
        b = ballot(complete)
        del b["test"][part]
        assert_error(walk.vote(case_id, j0, b), 422, "invalid", f"test.{part}")
    for factor in RABAT_FACTORS:
        b = ballot(complete)
        b["rabat"][factor] = "  "
        assert_error(walk.vote(case_id, j0, b), 422, "invalid", f"rabat.{factor}")
    for rung in LADDER[:-1]:
        b = ballot(complete)
        del b["lesser_remedies_insufficient"][rung.value]
        assert_error(
            walk.vote(case_id, j0, b), 422, "invalid", f"lesser_remedies_insufficient.{rung.value}"
        )
    for code in ("IR", "FR", "XX"):  # incompatible law, no cited law, unknown jurisdiction
        b = ballot(violation(["INC-1"], Remedy.GEO_RESTRICTION, jurisdictions=[code]))
        assert_error(walk.vote(case_id, j0, b), 422, "invalid", "jurisdictions")
    b = ballot(violation(["HAR-1"], Remedy.LABEL))  # a rule the author was not heard on
    assert_error(walk.vote(case_id, j0, b), 422, "invalid", "rules")
    b = ballot(no_violation()) | {"remedy": "label"}
    assert_error(walk.vote(case_id, j0, b), 422, "invalid", "remedy")
    b = ballot(no_violation()) | {"secret": 1}
    assert_error(walk.vote(case_id, j0, b), 422, "invalid", "secret")
    assert walk.case(case_id)["panel"]["votes_cast"] == 0  # none of those counted

    # Sealed votes.
    reasons = {
        j0: "Removal: a call to violence at a named place.",
        j1: "Geo-restriction in Germany under StGB §130.",
        j2: "Political speech; no Rabat factor is met.",
    }
    r = walk.vote(case_id, j0, violation(["INC-1"], Remedy.REMOVAL, reasons=reasons[j0]))
    assert r.status_code == 201, r.text
    assert r.json()["sealed"] is True and r.json()["votes_cast"] == 1
    b = violation(["INC-1"], Remedy.GEO_RESTRICTION, jurisdictions=["DE"], reasons=reasons[j1])
    r = walk.vote(case_id, j1, b)
    assert r.status_code == 201, r.text
    assert r.json() == {
        "case_id": case_id,
        "round": 1,
        "votes_cast": 2,
        "panel_size": 3,
        "state": "voting",
        "sealed": True,
    }
    assert_error(walk.vote(case_id, j0, no_violation()), 409, "out_of_order")
    assert_error(walk.ruling(case_id), 409, "out_of_order")
    for juror_id, cast in ((j0, True), (j1, True), (j2, False)):
        r = c.get(f"{API}/cases/{case_id}", headers=people.juror_auth(juror_id))
        seen = r.json()
        assert seen["viewer"] == "juror"
        assert [v["juror_id"] for v in seen["my_votes"]] == ([juror_id] if cast else [])
        for other, text in reasons.items():
            assert (text in r.text) == (other == juror_id and cast)
        mine = c.get(f"{API}/jurors/me/cases", headers=people.juror_auth(juror_id)).json()
        assert mine["cases"] == [{"case_id": case_id, "state": "voting", "round": 1}]
    outsider_view = c.get(f"{API}/cases/{case_id}", headers=people.juror_auth(outsider))
    assert outsider_view.json()["viewer"] == "public"
    public_text = c.get(f"{API}/cases/{case_id}").text
    assert "my_votes" not in public_text
    assert not any(text in public_text for text in reasons.values())
    assert (
        c.get(f"{API}/jurors/me/cases", headers=people.juror_auth(outsider)).json()["cases"] == []
    )
    assert_error(c.get(f"{API}/jurors/me/cases", headers=people.platform_auth), 403)

    # The last vote reveals all and rules: 2 of 3 find a violation; removal has one
    # supporter, a geo-restriction in DE has two (the removal vote includes it).
    r = walk.vote(case_id, j2, no_violation(reasons[j2]))
    assert r.status_code == 201
    assert r.json()["sealed"] is False and r.json()["state"] == "ruled"
    r = walk.ruling(case_id)
    assert r.status_code == 200, r.text
    ruling = r.json()
    assert ruling["outcome"] == "violation" and ruling["violation"] is True
    assert ruling["remedy"] == "geo_restriction" and ruling["jurisdictions"] == ["DE"]
    assert ruling["rules"] == ["INC-1"]
    assert ruling["round"] == 1 and ruling["final"] is False and ruling["state"] == "ruled"
    assert (ruling["votes_for_violation"], ruling["votes_cast"], ruling["panel_size"]) == (2, 3, 3)
    assert ruling["policy_version"] == ctx.policy.version
    assert {v["juror_id"]: v["reasons"] for v in ruling["votes"]} == reasons
    assert [(d["juror_id"], d["violation"]) for d in ruling["dissents"]] == [(j2, False)]
    sor = ruling["statement_of_reasons"]
    assert set(sor) == SOR_FIELDS and all(sor[k].strip() for k in SOR_FIELDS)
    assert "DE" in sor["territorial_scope"]
    assert "INC-1" in sor["ground"] and ctx.policy.version in sor["ground"]
    assert "2 of 3" in sor["how_decided"]
    assert "appeal" in sor["redress"].lower()
    assert ruling["earlier"] == []
    view = walk.case(case_id)
    assert view["remedy"] == {"remedy": "geo_restriction", "jurisdictions": ["DE"]}
    assert view["state"] == "ruled" and view["deadlines"]["appeal"] is not None
    for juror_id in first_panel:
        mine = c.get(f"{API}/jurors/me/cases", headers=people.juror_auth(juror_id)).json()
        assert mine["cases"] == []  # revealed: nothing left to do

    # The author appeals to a fresh, larger panel.
    r = walk.appeal(case_id, author, "It was a protest slogan; the panel ignored context.")
    assert r.status_code == 201, r.text
    assert r.json() == {"case_id": case_id, "state": "appeal_voting", "round": 2}
    assert_error(walk.appeal(case_id, reporter_auth), 409, "out_of_order")
    assert "once" in assert_error(walk.appeal(case_id, author), 409)["message"]
    view = walk.case(case_id)
    assert view["state"] == "appeal_voting" and view["appeal"]["role"] == "author"
    panel = view["panel"]
    assert panel["round"] == 2 and panel["size"] == 5
    appeal_panel = panel["draw"]["chosen"]
    assert len(appeal_panel) == 5 and not set(appeal_panel) & set(first_panel)
    assert not set(panel["draw"]["eligible"]) & set(first_panel)
    assert (
        verify_draw(
            case_id,
            2,
            panel["draw"]["opening_event_hash"],
            panel["draw"]["eligible"],
            appeal_panel,
            panel["draw"]["seed"],
        )
        == []
    )
    assert [p["round"] for p in view["panels"]] == [1, 2]
    assert_error(walk.vote(case_id, j0, no_violation()), 403, "forbidden")  # off the panel now
    assert walk.ruling(case_id).json()["round"] == 1  # the first ruling stands meanwhile

    # The appeal panel reverses: the ruling is final and the remedy is lifted.
    for juror_id in appeal_panel[:3]:
        assert walk.vote(case_id, juror_id, no_violation()).status_code == 201
    assert (
        walk.vote(case_id, appeal_panel[3], violation(["INC-1"], Remedy.LABEL)).status_code == 201
    )
    r = walk.vote(case_id, appeal_panel[4], no_violation())
    assert r.status_code == 201 and r.json()["state"] == "final"
    final = walk.ruling(case_id).json()
    assert final["round"] == 2 and final["final"] is True and final["state"] == "final"
    assert final["outcome"] == "no_violation" and final["remedy"] == "no_action"
    assert (final["votes_for_violation"], final["panel_size"]) == (1, 5)
    assert [e["round"] for e in final["earlier"]] == [1]
    assert final["earlier"][0]["remedy"] == "geo_restriction"
    assert "final" in final["statement_of_reasons"]["redress"]
    view = walk.case(case_id)
    assert view["state"] == "final"
    assert view["remedy"] == {"remedy": "no_action", "jurisdictions": []}
    with ctx.store.transaction() as tx:
        events = tx.events_for(case_id)
    types = [e["type"] for e in events]
    lifted = [e["payload"] for e in events if e["type"] == "remedy_lifted"]
    assert [(p["remedy"], p["reason"]) for p in lifted] == [
        ("geo_restriction", "reversed on appeal")
    ]
    assert types.count("ruling_issued") == 2 and types[-1] == "case_final"
    assert (
        types.index("reply_window_closed") < types.index("panel_drawn") < types.index("vote_cast")
    )

    # Nothing moves a final case; a new report on the cleared content is answered with
    # the precedent and not tried again (res judicata).
    assert_error(walk.appeal(case_id, reporter_auth), 409, "out_of_order")
    assert_error(walk.vote(case_id, appeal_panel[0], no_violation()), 409, "out_of_order")
    fresh = walk.file(report_body("post-walk", "reporter-late"))
    assert fresh["case_id"] != case_id and fresh["case_state"] == "closed_precedent"
    assert walk.case(fresh["case_id"])["precedent"]["case_id"] == case_id


def test_reports_join_one_case_and_notice_each_distinct_reporter_once(walk: Walk):
    ids = {walk.file(report_body("post-j", f"r{i % 3}"))["case_id"] for i in range(6)}
    assert len(ids) == 1
    (case_id,) = ids
    assert walk.case(case_id)["report_count"] == 6
    notices = walk.notices(case_id)
    assert sorted(n["handle"] for n in notices) == sorted([AUTHOR, "r0", "r1", "r2"])
    # A second category adds a second author notice for the new allegation.
    walk.file(report_body("post-j", "r9", category="harassment"))
    notices = walk.notices(case_id)
    author_notices = [n for n in notices if n["party"] == "author"]
    assert len(author_notices) == 2 and "HAR-1" in author_notices[1]["text"]
    assert walk.case(case_id)["categories"] == ["incitement", "harassment"]
    # The same text under another URL is the same content: it joins this case.
    copy = report_body("post-k", "r0")
    copy["content"]["text"] = "Woman, life, freedom: post-j"
    assert walk.file(copy)["case_id"] == case_id
    # Other content is another case.
    assert walk.file(report_body("post-l", "r0"))["case_id"] != case_id


def test_author_may_waive(walk: Walk):
    case_id = walk.file(report_body("post-w", category="harassment"))["case_id"]
    assert_error(walk.reply(case_id, {"statement": "x", "waive": True}), 422, "invalid", "waive")
    assert_error(walk.reply(case_id, {}), 422, "invalid", "statement")
    assert_error(walk.reply(case_id, {"statement": "   "}), 422, "invalid", "statement")
    r = walk.reply(case_id, {"waive": True})
    assert r.status_code == 200 and r.json()["state"] == "voting"
    view = walk.case(case_id)
    assert view["hearing"]["waived"] is True and view["hearing"]["replied"] is False
    assert view["panel"]["size"] == 3


def test_reply_deadline_passes_by_the_clock(walk: Walk, clock):
    case_id = walk.file(report_body("post-d", category="harassment"))["case_id"]
    author = walk.party(case_id)
    clock.advance(timedelta(days=7) - timedelta(seconds=1))
    assert walk.case(case_id)["state"] == "awaiting_reply"
    clock.advance(timedelta(seconds=1))
    view = walk.case(case_id)
    assert view["state"] == "voting"
    assert view["hearing"]["closed_at"].startswith("2026-11-09T09:30")
    assert view["panel"]["size"] == 3
    late = walk.reply(case_id, {"statement": "Sorry, I was away."}, author)
    assert_error(late, 409, "out_of_order")


def test_voting_deadline_reveals_with_missing_votes_favouring_speech(walk: Walk, clock):
    case_id = walk.to_voting(report_body("post-v", category="harassment"))
    j0, j1, _ = walk.chosen(case_id)
    assert walk.vote(case_id, j0, violation(["HAR-1"], Remedy.REMOVAL)).status_code == 201
    assert walk.vote(case_id, j1, violation(["HAR-1"], Remedy.LABEL)).status_code == 201
    clock.advance(timedelta(days=5))
    ruling = walk.ruling(case_id).json()
    # Two of three found a violation: a majority of the whole panel, though one never voted.
    assert ruling["outcome"] == "violation" and ruling["remedy"] == "label"
    assert ruling["votes_cast"] == 2 and len(ruling["votes"]) == 2


def test_deadline_with_one_vote_is_no_violation(walk: Walk, clock):
    case_id = walk.to_voting(report_body("post-v1", category="harassment"))
    j0 = walk.chosen(case_id)[0]
    assert walk.vote(case_id, j0, violation(["HAR-1"], Remedy.REMOVAL)).status_code == 201
    clock.advance(timedelta(days=5))
    late = walk.vote(case_id, walk.chosen(case_id)[1], no_violation())
    assert_error(late, 409, "out_of_order")
    ruling = walk.ruling(case_id).json()
    assert ruling["outcome"] == "no_violation" and ruling["remedy"] == "no_action"
    assert ruling["votes_for_violation"] == 1


def test_appeal_window(walk: Walk, clock):
    case_id = walk.to_voting(report_body("post-a", category="harassment"))
    walk.rule(case_id, [violation(["HAR-1"], Remedy.LABEL)] * 3)
    assert walk.ruling(case_id).json()["remedy"] == "label"
    author = walk.party(case_id)
    clock.advance(timedelta(days=14))
    assert_error(walk.appeal(case_id, author), 409, "out_of_order")
    ruling = walk.ruling(case_id).json()
    assert ruling["final"] is True and ruling["state"] == "final"
    assert walk.case(case_id)["remedy"]["remedy"] == "label"  # it stays in force


def test_appeal_just_inside_the_window_is_heard(walk: Walk, clock):
    case_id = walk.to_voting(report_body("post-a2", category="harassment"))
    walk.rule(case_id, [violation(["HAR-1"], Remedy.LABEL)] * 3)
    clock.advance(timedelta(days=14) - timedelta(minutes=1))
    r = walk.appeal(case_id, walk.party(case_id, "reporter-1"), "Labels are not enough.")
    assert r.status_code == 201 and r.json()["state"] == "appeal_voting"


def test_only_the_reporter_may_appeal_a_no_violation_ruling(walk: Walk):
    case_id = walk.to_voting(report_body("post-n", category="harassment"))
    walk.rule(case_id, [no_violation(), no_violation(), violation(["HAR-1"], Remedy.LABEL)])
    assert walk.ruling(case_id).json()["outcome"] == "no_violation"
    author = walk.party(case_id)
    message = assert_error(walk.appeal(case_id, author), 409, "out_of_order")["message"]
    assert "no violation" in message
    assert_error(walk.appeal(case_id, walk.party(case_id, "reporter-1"), "   "), 422, "invalid")
    r = walk.appeal(case_id, walk.party(case_id, "reporter-1"), "It is targeted abuse.")
    assert r.status_code == 201 and r.json()["state"] == "appeal_voting"
    # An upheld appeal that now finds a violation applies the remedy.
    walk.rule(case_id, [violation(["HAR-1"], Remedy.CONTEXT_NOTE)] * 5)
    final = walk.ruling(case_id).json()
    assert final["final"] is True and final["remedy"] == "context_note"
    assert walk.case(case_id)["remedy"]["remedy"] == "context_note"


def test_a_party_token_works_only_for_its_case(walk: Walk):
    first = walk.file(report_body("post-x", category="harassment"))["case_id"]
    second = walk.file(report_body("post-y", category="harassment"))["case_id"]
    author_of_first = walk.party(first)
    assert_error(walk.reply(second, {"waive": True}, author_of_first), 403, "forbidden")
    assert walk.case(first, author_of_first)["viewer"] == "author"
    assert walk.case(second, author_of_first)["viewer"] == "public"


def test_geo_restriction_needs_a_compatible_cited_law(walk: Walk):
    body = report_body("post-g", jurisdiction="DE", legal_basis="DE-STGB-130")
    case_id = walk.to_voting(body)
    geo = violation(["INC-1"], Remedy.GEO_RESTRICTION, jurisdictions=["DE"])
    walk.rule(case_id, [geo, geo, no_violation()])
    ruling = walk.ruling(case_id).json()
    assert (ruling["remedy"], ruling["jurisdictions"]) == ("geo_restriction", ["DE"])
    assert "DE" in ruling["statement_of_reasons"]["territorial_scope"]
    # Without a compatible cited law, the same vote is refused.
    other = walk.to_voting(report_body("post-g2", jurisdiction="DE", legal_basis="DE-STGB-90"))
    refused = walk.vote(other, walk.chosen(other)[0], geo)
    assert "compatible" in assert_error(refused, 422, "invalid", "jurisdictions")["message"]


def test_panel_reads_the_content_language(walk: Walk, people):
    english_only = people.add_jurors(4, languages=("en",))
    case_id = walk.to_voting(report_body("post-fa", category="harassment", language="fa"))
    eligible = walk.case(case_id)["panel"]["draw"]["eligible"]
    assert eligible and not set(eligible) & {j.id for j in english_only}
    unknown = walk.to_voting(report_body("post-any", category="harassment", language=None))
    assert set(walk.case(unknown)["panel"]["draw"]["eligible"]) >= {j.id for j in english_only}


def test_too_few_jurors_leave_the_case_waiting_then_a_draw_happens(walk: Walk, people, ctx):
    body = report_body("post-ku", category="harassment", language="ku")
    case_id = walk.to_voting(body)  # the author waives, but no juror reads Kurdish
    view = walk.case(case_id)
    assert view["state"] == "awaiting_reply" and view["panel"] is None
    assert view["hearing"]["waived"] is True
    people.add_jurors(3, languages=("ku",))
    view = walk.case(case_id)
    assert view["state"] == "voting" and view["panel"]["size"] == 3
    with ctx.store.transaction() as tx:
        types = [e["type"] for e in tx.events_for(case_id)]
    assert types.count("panel_shortfall") == 1 and types.count("panel_drawn") == 1


# -- interim measures ---------------------------------------------------------------


def test_interim_measure_for_an_emergency_category_expires_by_itself(walk: Walk, clock):
    case_id = walk.file(report_body("post-dox", category="privacy"))["case_id"]
    interim = walk.case(case_id)["interim_measure"]
    assert interim["category"] == "privacy" and interim["remedy"] == "removal"
    assert interim["ended_at"] is None
    assert interim["applied_at"].startswith("2026-11-02T09:30")
    assert interim["expires_at"].startswith("2026-11-03T09:30")
    author_notice = next(n for n in walk.notices(case_id) if n["party"] == "author")
    assert "interim removal" in author_notice["text"]
    clock.advance(timedelta(hours=23, minutes=59))
    assert walk.case(case_id)["interim_measure"]["ended_at"] is None
    clock.advance(timedelta(hours=6))  # first looked at well after it expired
    interim = walk.case(case_id)["interim_measure"]
    assert interim["end_reason"] == "expired"
    assert interim["ended_at"] == interim["expires_at"]  # it ended at expiry, by itself
    assert walk.case(case_id)["remedy"]["remedy"] == "no_action"


def test_interim_measure_ends_when_a_panel_rules_first(walk: Walk):
    case_id = walk.to_voting(report_body("post-dox2", category="privacy"))
    walk.rule(case_id, [no_violation()] * 3)
    interim = walk.case(case_id)["interim_measure"]
    assert interim["end_reason"] == "ruling" and interim["ended_at"] is not None


def test_no_interim_measure_for_other_categories(walk: Walk, clock):
    case_id = walk.file(report_body("post-calm", category="harassment"))["case_id"]
    assert walk.case(case_id)["interim_measure"] is None
    clock.advance(timedelta(days=2))
    assert walk.case(case_id)["interim_measure"] is None


# -- errors --------------------------------------------------------------------------


def test_request_errors_say_what_to_fix(walk: Walk, people, ctx):
    c, auth = walk.c, people.platform_auth
    url = f"{API}/reports"

    r = c.post(f"{API}/cases/x/appeals", content=b"{" + b" " * 1_100_000 + b"}", headers=auth)
    assert "1000000 bytes" in assert_error(r, 413, "too_large")["message"]
    # Reports and replies may carry media: their own, larger limit.
    r = c.post(f"{API}/cases/x/reply", content=b"{" + b" " * 32_000_001 + b"}", headers=auth)
    assert "32000000 bytes" in assert_error(r, 413, "too_large")["message"]
    r = c.post(url, content=b"{" + b" " * 32_000_001 + b"}", headers=auth)
    assert "32000000 bytes" in assert_error(r, 413, "too_large")["message"]

    err = assert_error(
        c.post(url, json=report_body(category="blasphemy"), headers=auth),
        422,
        "invalid",
        "category",
    )
    for category in ctx.policy.categories:
        assert category.id in err["message"]

    body = report_body()
    del body["explanation"]
    err = assert_error(c.post(url, json=body, headers=auth), 422, "invalid", "explanation")
    assert "explanation" in err["message"]
    body = report_body()
    del body["content"]["url"]
    assert_error(c.post(url, json=body, headers=auth), 422, "invalid", "content.url")
    body = report_body()
    body["content"]["url"] = "javascript:alert(1)"
    assert_error(c.post(url, json=body, headers=auth), 422, "invalid", "content.url")

    bad_json = {**auth, "Content-Type": "application/json"}
    err = assert_error(c.post(url, content=b'{"category": ', headers=bad_json), 422, "invalid")
    assert "JSON" in err["message"] and "field" not in err

    r = c.post(url, json=report_body(jurisdiction="XX"), headers=auth)
    assert "DE" in assert_error(r, 422, "invalid", "jurisdiction")["message"]
    r = c.post(url, json=report_body(legal_basis="DE-STGB-130"), headers=auth)
    assert_error(r, 422, "invalid", "jurisdiction")
    r = c.post(url, json=report_body(jurisdiction="DE", legal_basis="DE-NOPE"), headers=auth)
    assert "DE-STGB-130" in assert_error(r, 422, "invalid", "legal_basis")["message"]

    juror_auth = people.juror_auth(people.jurors[0].id)
    assert_error(c.post(url, json=report_body(), headers=juror_auth), 403, "forbidden")
    assert_error(c.post(url, json=report_body()), 401, "unauthenticated")
    assert_error(c.post(url, json=report_body(), headers=bearer("nope")), 401, "unauthenticated")
    assert_error(
        c.post(url, json=report_body(), headers={"Authorization": "Basic Zm9vOmJhcg=="}), 401
    )
    assert_error(c.get(f"{API}/cases/c-missing"), 404, "not_found", "case_id")
    assert_error(c.get(f"{API}/cases/c-missing/ruling"), 404, "not_found")
    assert_error(c.get(f"{API}/nowhere"), 404, "not_found")
    assert_error(c.delete(f"{API}/policy"), 405)

    # Nothing refused was kept.
    with ctx.store.transaction() as tx:
        assert tx.case_ids() == []


def test_a_streamed_body_over_the_limit_is_refused(ctx, people):
    from fastapi.testclient import TestClient

    from alteram.web.app import create_app

    small = TestClient(
        create_app(ctx, max_body_bytes=1000, max_report_bytes=1000), base_url="https://alteram.test"
    )

    def chunks():
        for _ in range(5):
            yield b" " * 400

    headers = {**people.platform_auth, "Content-Type": "application/json"}
    r = small.post(f"{API}/reports", content=chunks(), headers=headers)
    assert "1000 bytes" in assert_error(r, 413, "too_large")["message"]
    # Under the limit, the same app answers normally.
    r = small.post(f"{API}/reports", json={}, headers=people.platform_auth)
    assert_error(r, 422, "invalid")


def test_policy_is_public(walk: Walk, ctx):
    r = walk.c.get(f"{API}/policy")
    assert r.status_code == 200
    policy = r.json()
    assert policy["version"] == ctx.policy.version
    assert policy["deadlines"] == {
        "reply": "P7D",
        "voting": "P5D",
        "appeal": "P14D",
        "interim_review": "PT24H",
    }
    assert policy["panel"] == {"first": 3, "appeal": 5}
    assert policy["remedies"] == [r.value for r in LADDER]
    categories = {c["id"]: c for c in policy["categories"]}
    assert categories["privacy"]["emergency"] is True
    assert "Art. 17" in categories["privacy"]["standard"]
    assert categories["incitement"]["emergency"] is False
    assert "20(2)" in categories["incitement"]["standard"]
    laws = {law["id"]: law for j in policy["jurisdictions"] for law in j["laws"]}
    assert laws["IR-PENAL-514"]["compatible"] is False
    assert laws["DE-STGB-130"]["compatible"] is True


def test_openapi_lists_the_design_paths(walk: Walk):
    r = walk.c.get(f"{API}/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    expected = {
        "/api/v1/policy": "get",
        "/api/v1/reports": "post",
        "/api/v1/cases/{case_id}": "get",
        "/api/v1/cases/{case_id}/notices": "get",
        "/api/v1/cases/{case_id}/reply": "post",
        "/api/v1/jurors/me/cases": "get",
        "/api/v1/cases/{case_id}/votes": "post",
        "/api/v1/cases/{case_id}/ruling": "get",
        "/api/v1/cases/{case_id}/appeals": "post",
    }
    for path, method in expected.items():
        assert method in paths.get(path, {}), path


def test_docs_are_self_hosted_behind_a_csp(walk: Walk):
    r = walk.c.get(f"{API}/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    html = r.text
    assert "<html" in html.lower()
    external = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.I)
    assert external == []
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+\.(?:js|css))["']""", html)
    assert assets, html
    for asset in assets:
        assert walk.c.get(asset).status_code == 200, asset


def test_states_are_the_six_names(walk: Walk):
    seen = set()
    case_id = walk.file(report_body("post-s", category="harassment"))["case_id"]
    seen.add(walk.case(case_id)["state"])
    walk.reply(case_id, {"waive": True})
    seen.add(walk.case(case_id)["state"])
    walk.rule(case_id, [violation(["HAR-1"], Remedy.LABEL)] * 3)
    seen.add(walk.case(case_id)["state"])
    walk.appeal(case_id, walk.party(case_id))
    seen.add(walk.case(case_id)["state"])
    walk.rule(case_id, [violation(["HAR-1"], Remedy.LABEL)] * 5)
    seen.add(walk.case(case_id)["state"])
    # closed_precedent: tests/test_precedent.py; order_refused: tests/test_orders.py
    assert seen == {s.value for s in CaseState} - {"closed_precedent", "order_refused"}
