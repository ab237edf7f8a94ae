"""Reports in bulk and under concurrency: nothing lost, one case per content, each item answered."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from alteram.services.context import Context
from alteram.storage import tables as t
from alteram.web.intake import _check_items, _valid_array
from conftest import People, make_people


def item(post: str, reporter: str, category: str = "harassment", **extra: Any) -> dict[str, Any]:
    return {
        "content": {
            "platform_id": post,
            "url": f"https://forum.example/p/{post}",
            "author": {"handle": f"@author-{post}@forum.example"},
            "language": "en",
        },
        "category": category,
        "explanation": f"{reporter} reports {post}",
        "reporter": {"handle": reporter},
        **extra,
    }


def count(ctx: Context, table: Any) -> int:
    with ctx.store.transaction() as tx:
        return int(tx.conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_batch_answers_every_item_in_order(
    client: TestClient, people: People, ctx: Context
) -> None:
    body = [
        item("p1", "u1"),
        item("p1", "u2"),
        item("p2", "u1", category="nope"),
        {"category": "harassment"},
        "not an object",
        item("p2", "u3"),
    ]
    r = client.post("/api/v1/reports:batch", json=body, headers=people.platform_auth)
    assert r.status_code == 200
    out = r.json()
    assert (out["accepted"], out["rejected"]) == (3, 3)
    results = out["results"]
    assert [x["index"] for x in results] == list(range(6))
    assert [x["status"] for x in results] == [202, 202, 422, 422, 422, 202]
    assert results[0]["case_id"] == results[1]["case_id"] != results[5]["case_id"]
    assert results[2]["error"]["field"] == "category" and "valid:" in results[2]["error"]["message"]
    assert results[3]["error"]["field"] == "content"
    assert results[4]["error"]["message"] == "each item must be a JSON object"
    case = client.get(f"/api/v1/cases/{results[0]['case_id']}").json()
    assert case["report_count"] == 2
    assert count(ctx, t.reports) == 3 and count(ctx, t.cases) == 2


def test_ndjson_and_idempotency_keys_per_item(client: TestClient, people: People) -> None:
    lines = [
        item("p9", "u1", idempotency_key="k1"),
        item("p9", "u1", idempotency_key="k1"),  # the same report again, in the same batch
        item("p9", "u2", idempotency_key="k1"),  # the same key for another report
    ]
    ndjson = "\n".join(json.dumps(x) for x in lines) + "\n"
    headers = {**people.platform_auth, "Content-Type": "application/x-ndjson"}
    results = client.post("/api/v1/reports:batch", content=ndjson, headers=headers).json()[
        "results"
    ]
    assert [x["status"] for x in results] == [202, 202, 409]
    assert results[1]["replayed"] is True and results[1]["report_id"] == results[0]["report_id"]
    again = client.post("/api/v1/reports:batch", json=lines[:1], headers=people.platform_auth)
    assert again.json()["results"][0]["replayed"] is True


def test_batch_refusals(client: TestClient, people: People, ctx: Context) -> None:
    auth = people.platform_auth
    too_many = [item(f"p{i}", "u") for i in range(1001)]
    r = client.post("/api/v1/reports:batch", json=too_many, headers=auth)
    assert r.status_code == 422 and "at most 1000" in r.json()["error"]["message"]
    assert client.post("/api/v1/reports:batch", json=[], headers=auth).status_code == 422
    assert client.post("/api/v1/reports:batch", content=b"{", headers=auth).status_code == 422
    juror = people.juror_auth(people.jurors[0].id)
    assert (
        client.post("/api/v1/reports:batch", json=[item("p", "u")], headers=juror).status_code
        == 403
    )
    assert client.post("/api/v1/reports:batch", json=[item("p", "u")]).status_code == 401
    assert count(ctx, t.reports) == 0


def test_a_burst_of_batches_ends_as_one_case_per_content(
    client: TestClient, people: People, ctx: Context
) -> None:
    for start in range(0, 2000, 1000):
        batch = [item(f"post-{i % 20}", f"fresh-{i}") for i in range(start, start + 1000)]
        r = client.post("/api/v1/reports:batch", json=batch, headers=people.platform_auth)
        assert r.json()["accepted"] == 1000
    assert count(ctx, t.cases) == 20 and count(ctx, t.reports) == 2000
    events = count(ctx, t.events)
    with ctx.store.transaction() as tx:
        sizes = {tx.get_case(c).report_count for c in tx.case_ids()}  # type: ignore[union-attr]
        assert tx.log.size() == events
    assert sizes == {100}


def test_concurrent_single_reports_share_commits_and_lose_nothing(
    client: TestClient, people: People, ctx: Context
) -> None:
    def send(n: int) -> tuple[int, str]:
        r = client.post(
            "/api/v1/reports", json=item(f"hot-{n % 5}", f"user-{n}"), headers=people.platform_auth
        )
        return r.status_code, r.json()["case_id"]

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(send, range(320)))
    assert {status for status, _ in answers} == {202}
    assert len({case for _, case in answers}) == 5
    assert count(ctx, t.cases) == 5 and count(ctx, t.reports) == 320
    with ctx.store.transaction() as tx:
        assert sorted(tx.get_case(c).report_count for c in tx.case_ids()) == [64] * 5  # type: ignore[union-attr]


def test_a_token_changed_or_deleted_stops_working_at_once_despite_the_cache(
    client: TestClient, people: People, ctx: Context
) -> None:
    from sqlalchemy import delete, update

    from alteram.services.accounts import hash_token

    token = people.platform_auth["Authorization"].split()[1]
    assert client.get("/api/v1/reporters/notices", headers=people.platform_auth).status_code == 200
    assert ctx.store.cached_token(hash_token(token)) is not None  # answered from the cache now
    with ctx.store.transaction() as tx:  # e.g. a token demoted by an administrator
        tx.conn.execute(
            update(t.tokens).where(t.tokens.c.hash == hash_token(token)).values(kind="juror")
        )
    r = client.get("/api/v1/reporters/notices", headers=people.platform_auth)
    assert r.status_code == 403
    with ctx.store.transaction() as tx:  # revoked
        tx.conn.execute(delete(t.tokens).where(t.tokens.c.hash == hash_token(token)))
    r = client.get("/api/v1/reporters/notices", headers=people.platform_auth)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"


def _file(ctx: Context, platform_id: str, reporter: str) -> str:
    from alteram.services.reports import ReportRequest, file_report

    return file_report(
        ctx, platform_id, ReportRequest.model_validate(item("viral", reporter))
    ).case_id


def test_reporters_are_rows_beside_the_case_document_not_in_it(ctx: Context) -> None:
    from alteram.services import accounts

    platform_id, _ = accounts.create_platform(ctx, "forum.example")
    case_id = {_file(ctx, platform_id, f"u{i}") for i in range(3)}.pop()
    _file(ctx, platform_id, "u1")  # a second report by a party adds no party
    with ctx.store.transaction() as tx:
        doc = json.loads(tx.conn.execute(select(t.cases.c.doc)).scalar_one())
        parties = tx.conn.execute(select(t.cases.c.reporter_parties)).scalar_one()
        rows = tx.conn.execute(
            select(t.case_reporters.c.seq, t.case_reporters.c.handle).order_by("seq")
        ).all()
        case = tx.get_case(case_id)
    assert "reporters" not in doc and parties == 3  # the column (see test_casedoc)
    assert [tuple(r) for r in rows] == [(1, "u0"), (2, "u1"), (3, "u2")]
    assert case is not None and case.report_count == 4
    assert [(p.id, p.handle) for p in case.reporters] == [("r1", "u0"), ("r2", "u1"), ("r3", "u2")]


def test_a_panel_drawn_while_filing_excludes_reporters_the_batch_did_not_load(
    ctx: Context, clock: Any
) -> None:
    """Filing loads only the batch's own reporters of a case; when the filing also draws
    the panel (the reply window has passed), every reporter must be known to the draw."""
    from datetime import timedelta

    people = make_people(ctx, jurors=ctx.policy.panel.first)
    (conflicted,) = people.add_jurors(1, handles=["u0"])  # an earlier reporter's account
    case_id = _file(ctx, people.platform_id, "u0")
    clock.advance(ctx.policy.deadlines.reply + timedelta(minutes=1))
    assert _file(ctx, people.platform_id, "u9") == case_id  # draws the panel on the way
    with ctx.store.transaction() as tx:
        case = tx.get_case(case_id)
    assert case is not None and case.panel is not None
    assert conflicted.id not in case.panel.chosen
    assert sorted(case.panel.chosen) == sorted(j.id for j in people.jurors[:-1])


def test_reports_filed_together_from_the_event_loop_share_a_few_commits(
    ctx: Context, people: People
) -> None:
    """32 requests waiting at once on GroupCommit.file: each answered after its commit,
    in far fewer transactions than reports (the first leads alone, the rest together)."""
    import asyncio

    from sqlalchemy import event

    from alteram.services.intake import GroupCommit, Item
    from alteram.services.reports import Filed, ReportRequest

    commits: list[int] = []
    event.listen(ctx.store.engine, "commit", lambda _conn: commits.append(1))
    group = GroupCommit(ctx)
    items = [
        Item(people.platform_id, ReportRequest.model_validate(item(f"p-{n % 4}", f"u-{n}")))
        for n in range(32)
    ]

    async def file_all() -> list[Filed]:
        return await asyncio.gather(*(group.file(i) for i in items))

    answers = asyncio.run(file_all())
    assert len({a.report_id for a in answers}) == 32 and len({a.case_id for a in answers}) == 4
    assert count(ctx, t.reports) == 32
    assert 1 <= len(commits) <= 4  # checkpoint signing may add one


def test_single_report_headers_are_checked_and_documented(
    client: TestClient, people: People
) -> None:
    long = {**people.platform_auth, "Idempotency-Key": "k" * 201}
    r = client.post("/api/v1/reports", json=item("p1", "u1"), headers=long)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "Idempotency-Key" and "200" in r.json()["error"]["message"]
    assert client.post("/api/v1/reports", json=item("p1", "u1")).status_code == 401
    ok = {**people.platform_auth, "Idempotency-Key": "k" * 200}
    assert client.post("/api/v1/reports", json=item("p1", "u1"), headers=ok).status_code == 202
    spec = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/reports"]["post"]
    names = {p["name"]: p for p in spec["parameters"]}
    assert names["idempotency-key"]["schema"]["maxLength"] == 200 and "authorization" in names


def test_report_ids_sort_by_the_time_they_were_filed(ctx: Context, clock: Any) -> None:
    """Reports filed together are neighbours in the primary key (one B-tree page per
    commit instead of one per report); the rest of the id stays random."""
    from datetime import timedelta

    from alteram.services import accounts
    from alteram.services.reports import ReportRequest, file_report

    platform_id, _ = accounts.create_platform(ctx, "forum.example")
    ids = []
    for i in range(5):
        body = ReportRequest.model_validate(item(f"p{i}", f"u{i}"))
        ids.append(file_report(ctx, platform_id, body).report_id)
        clock.advance(timedelta(seconds=1))
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert all(len(i) == 24 and i.startswith("r") for i in ids)  # r, 11 + 12 hex digits
    assert len({i[12:] for i in ids}) == 5  # the random part differs


def test_cases_and_tokens_made_later_sort_later(
    client: TestClient, people: People, ctx: Context, clock: Any
) -> None:
    """Case ids and token keys begin with the time they were made (milliseconds): what a
    batch writes to the indexes by case and to the tokens table lands side by side."""
    import hashlib
    from datetime import timedelta

    from alteram.services.accounts import hash_token, new_token

    ids = []
    for i in range(3):
        r = client.post("/api/v1/reports", json=item(f"p{i}", "@r@x"), headers=people.platform_auth)
        ids.append(r.json()["case_id"])
        clock.advance(timedelta(milliseconds=5))
    assert ids == sorted(ids) and len(set(ids)) == 3
    with ctx.store.transaction() as tx:
        keys = [
            row.hash
            for row in tx.conn.execute(
                select(t.tokens.c.hash, t.tokens.c.subject).where(t.tokens.c.subject.in_(ids))
            )
        ]
    assert len(keys) == 6  # the author's and the reporter's, per case
    when = clock()
    early, late = new_token("party", when), new_token("party", when + timedelta(seconds=1))
    assert early.startswith("alt_pa_") and len(hash_token(early)) == 64
    assert hash_token(early) < hash_token(late)
    assert hash_token(early)[:11] == f"{int(when.timestamp() * 1000):011x}"
    assert all(len(k) == 64 for k in keys)
    # a platform token keeps a plain key: its first 16 hex digits name it for revocation
    platform_token = people.platform_auth["Authorization"].split()[1]
    assert "." not in platform_token
    assert hash_token(platform_token) == hashlib.sha256(platform_token.encode()).hexdigest()


def test_a_token_made_before_time_stamps_still_works(
    client: TestClient, people: People, ctx: Context, clock: Any
) -> None:
    """Tokens issued before their keys had a time stamp are stored under the plain SHA-256
    of the token, and are looked up that way."""
    import hashlib

    from alteram.services.accounts import PLATFORM, hash_token

    old = "alt_pl_" + "A" * 32  # the earlier format: no stamp, no dot
    assert hash_token(old) == hashlib.sha256(old.encode()).hexdigest()
    platform = people.platform_id
    with ctx.store.transaction() as tx:
        tx.add_token(hash_token(old), PLATFORM, platform, None, clock())
    headers = {"Authorization": f"Bearer {old}"}
    assert client.get("/api/v1/reporters/notices", headers=headers).status_code == 200
    forged = "alt_pl_0000000000a.whatever"  # a stamp does not make a token valid
    r = client.get("/api/v1/reporters/notices", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


_text = st.text(st.characters(codec="utf-8"), max_size=12)
_maybe = st.one_of(st.none(), _text, st.integers(), st.just(""), st.just("https://x.example/a"))


@st.composite
def _raw_items(draw: st.DrawFn) -> list[Any]:
    """Batches as a client may send them: valid items, and items wrong in one field."""
    out: list[Any] = []
    for i in range(draw(st.integers(0, 4))):
        body = item(f"p{i}", draw(_text.filter(bool)), explanation=draw(_text.filter(bool)))
        if draw(st.booleans()):
            where = draw(
                st.sampled_from(["category", "explanation", "jurisdiction", "new_grounds"])
            )
            body[where] = draw(_maybe)
        if draw(st.booleans()):
            body["content"][draw(st.sampled_from(["url", "text", "language"]))] = draw(_maybe)
        if draw(st.integers(0, 5)) == 0:
            body["idempotency_key"] = draw(_text)
        if draw(st.integers(0, 9)) == 0:
            body["reporter"]["email"] = draw(st.sampled_from(["a@b.example", "nope", ""]))
        out.append(body if draw(st.integers(0, 9)) else draw(_maybe))
    return out


@settings(max_examples=300, deadline=None)
@given(_raw_items())
@example([item("p1", "u1"), item("p2", "ü\u2028\U0001f600", jurisdiction="DE")])
def test_the_one_pass_batch_reading_agrees_with_item_by_item(items: list[Any]) -> None:
    """The fast path (one pydantic-core pass over the body) takes a batch only when the
    item-by-item path would accept every item as it is, and reads each to the same report."""
    answers: list[dict[str, Any] | None] = [None] * len(items)
    one_by_one = _check_items(items, "platform", answers)
    fast = _valid_array(json.dumps(items).encode(), "application/json")
    every_item_plain = all(a is None for a in answers) and not any(
        isinstance(x, dict) and "idempotency_key" in x for x in items
    )
    if fast is None:
        assert not every_item_plain
    else:
        assert every_item_plain
        assert fast == [i.body for _, i in one_by_one]
    assert _valid_array(json.dumps(items).encode(), "application/x-ndjson") is None


def test_a_plain_array_takes_the_one_pass_reading() -> None:
    plain = [item("p1", "u1"), item("p2", "ü\u2028\U0001f600", jurisdiction="DE")]
    fast = _valid_array(json.dumps(plain).encode(), "application/json")
    assert fast is not None and [r.reporter.handle for r in fast] == ["u1", "ü\u2028\U0001f600"]
    keyed = [item("p1", "u1", idempotency_key="k")]
    assert _valid_array(json.dumps(keyed).encode(), "application/json") is None
