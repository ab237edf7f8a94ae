"""The storage contract, run against every backend of the ``store_url`` fixture."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from datetime import timedelta, timezone

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from alteram.domain.case import Case, CaseState
from alteram.domain.events import (
    NoticeIssued,
    PrecedentApplied,
    commitment,
    event_hash,
    leaf,
    payload_json,
)
from alteram.domain.remedy import Remedy
from alteram.errors import Conflict
from alteram.services import accounts, intake, proceedings, seal
from alteram.services.context import Context
from alteram.services.reports import file_report
from alteram.storage import tables as t
from alteram.storage.migrate import alembic_config, upgrade
from alteram.storage.store import Store, Tx, make_engine, normalize_url
from alteram.tlog import leaf_hash
from conftest import REQUIRE_ENV, require_or_skip, with_search_path
from factories import (
    DAY,
    POLICY,
    T0,
    content,
    no_violation,
    open_case,
    pool,
    report,
    report_request,
    to_voting,
    violation,
    vote_panel,
)

TEHRAN = timezone(timedelta(hours=3, minutes=30))


def _count(store: Store, table: t.Table) -> int:
    with store.transaction() as tx:
        return int(tx.conn.execute(select(func.count()).select_from(table)).scalar_one())


def _everything(store: Store) -> dict[str, list[str]]:
    """Every row of every table, to compare a database before and after."""
    with store.transaction() as tx:
        return {
            table.name: sorted(map(repr, tx.conn.execute(select(table)).all()))
            for table in t.metadata.sorted_tables
        }


def _report_row(case: Case, report_id: str, key: str | None = None, platform: str | None = None):
    return {
        "report_id": report_id,
        "case_id": case.id,
        "platform_id": platform or case.content.platform,
        "idempotency_key": key,
        "request_hash": hashlib.sha256(report_id.encode()).hexdigest(),
        "reporter": "reporter-1",
        "category": case.category,
        "explanation": "why",
        "jurisdiction": None,
        "legal_basis": None,
        "received_at": T0,
    }


def _final(case: Case) -> None:
    """Run every deadline out: no votes → no violation → the appeal window closes → final."""
    jurors = pool(5)
    case.advance(T0 + 8 * DAY, POLICY, jurors)
    case.advance(T0 + 14 * DAY, POLICY, jurors)
    case.advance(T0 + 40 * DAY, POLICY, jurors)
    assert case.state is CaseState.FINAL


# -- URLs and migrations ---------------------------------------------------------------


def test_normalize_url_keeps_the_query_string_and_alembic_escapes_percent_signs():
    url = "postgresql://u:p%40ss@db:5432/x?options=-csearch_path%3Dt_ab12&sslmode=disable"
    normal = normalize_url(url)
    assert normal == (
        "postgresql+psycopg://u:p%40ss@db:5432/x?options=-csearch_path%3Dt_ab12&sslmode=disable"
    )
    assert normalize_url("postgres://h/db?a=1") == "postgresql+psycopg://h/db?a=1"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    # configparser interpolation must hand back the URL unchanged, percent signs and all.
    assert alembic_config(url).get_main_option("sqlalchemy.url") == normal


def test_migration_lands_where_the_url_points_and_is_idempotent(store_url, store):
    upgrade(store_url)  # a second run is a no-op
    head = ScriptDirectory.from_config(alembic_config(store_url)).get_current_head()
    with store.transaction() as tx:
        version = tx.conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version == head
        if store.dialect == "postgresql":
            schema = tx.conn.execute(text("SELECT current_schema()")).scalar_one()
            assert schema.startswith("t_")
            assert f"search_path%3D{schema}" in store_url
            placed = set(
                tx.conn.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = :s"
                    ),
                    {"s": schema},
                ).scalars()
            )
            assert {"cases", "events", "reports", "tokens", "panel_seats"} <= placed
        else:
            mode = tx.conn.exec_driver_sql("PRAGMA journal_mode").scalar_one()
            assert mode == "wal"


def test_sqlite_connections_take_the_cache_and_checkpoint_sizes(tmp_path, monkeypatch):
    from alteram.cli import build_context
    from alteram.config import Settings

    url = f"sqlite:///{tmp_path / 'sized.db'}"
    monkeypatch.setenv("ALTERAM_DATABASE_URL", url)
    monkeypatch.setenv("ALTERAM_LOG_KEY", str(tmp_path / "log.key"))
    monkeypatch.setenv("ALTERAM_SQLITE_CACHE_MB", "8")
    monkeypatch.setenv("ALTERAM_SQLITE_CHECKPOINT_PAGES", "5000")
    ctx = build_context(Settings())
    for _ in range(3):  # every pooled connection, the reused one included
        with ctx.store.transaction() as tx:
            cache = tx.conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
            pages = tx.conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
            sync = tx.conn.exec_driver_sql("PRAGMA synchronous").scalar_one()
        assert (cache, pages, sync) == (-8 * 1024, 5000, 2)  # 2: FULL, a sync per commit
    ctx.store.dispose()
    store = Store(url)  # the defaults
    with store.transaction() as tx:
        assert tx.conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 32_768
    store.dispose()


def test_require_or_skip_fails_only_when_everything_is_required(monkeypatch):
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="no db"):
        require_or_skip("no db")
    monkeypatch.setenv(REQUIRE_ENV, "0")
    with pytest.raises(pytest.skip.Exception):
        require_or_skip("no db")
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="no db"):
        require_or_skip("no db")


def test_with_search_path_appends_libpq_options():
    assert with_search_path("postgresql://h/db", "t_1") == (
        "postgresql://h/db?options=-csearch_path%3Dt_1"
    )
    assert with_search_path("postgresql://h/db?sslmode=disable", "t_1") == (
        "postgresql://h/db?sslmode=disable&options=-csearch_path%3Dt_1"
    )


# -- cases -------------------------------------------------------------------------------


def test_case_aggregate_round_trips_through_insert_get_update(store):
    # Time given in a non-UTC zone must come back equal (same instant).
    at = T0.astimezone(TEHRAN)
    case, _ = open_case("c-round", "privacy", at=at, reporters=["a", "b", "c"])
    case.add_report(
        report("d", "incitement", at=at, jurisdiction="DE", legal_basis="DE-STGB-130"), POLICY, at
    )
    assert case.interim is not None and case.cited_laws
    with store.transaction() as tx:
        tx.insert_case(case, at)
    with store.transaction() as tx:
        loaded = tx.get_case("c-round")
    assert loaded == case
    assert loaded is not None and loaded.opened_at.utcoffset() is not None
    assert loaded.opened_at == T0 and loaded.reply_deadline == T0 + 7 * DAY

    jurors = pool(6)
    case.submit_reply("It is my own street, and my own address.", at, POLICY, jurors)
    vote_panel(
        case,
        [
            violation(["PRV-1"], Remedy.REMOVAL),
            violation(["PRV-1", "INC-1"], Remedy.GEO_RESTRICTION, jurisdictions=["DE"]),
            no_violation(),
        ],
        at + DAY,
    )
    assert case.state is CaseState.RULED and case.rulings and case.votes
    with store.transaction() as tx:
        tx.update_case(case, at + DAY)
    with store.transaction() as tx:
        loaded = tx.get_case("c-round")
        row = tx.conn.execute(
            select(t.cases.c.opened_at, t.cases.c.due_at, t.cases.c.updated_at, t.cases.c.state)
        ).one()
    assert loaded == case
    assert loaded.model_dump() == case.model_dump()
    assert loaded.rulings[0].statement == case.rulings[0].statement
    assert row.opened_at == T0 and row.opened_at.utcoffset() == timedelta(0)
    assert row.due_at == case.due_at() == case.appeal_deadline
    assert row.updated_at == T0 + DAY
    assert row.state == "ruled"


def test_get_missing_case_is_none(store):
    with store.transaction() as tx:
        assert tx.get_case("nope") is None
        assert tx.find_open_case("p", "x") is None


def test_one_open_case_per_content(store):
    first, _ = open_case("c-first")
    with store.transaction() as tx:
        tx.insert_case(first, T0)
    second, _ = open_case("c-second")
    with pytest.raises(IntegrityError), store.transaction() as tx:
        tx.insert_case(second, T0)
    # Other content on the same platform, or the same id on another platform, is fine.
    with store.transaction() as tx:
        tx.insert_case(open_case("c-other", what=content("post-2"))[0], T0)
        tx.insert_case(open_case("c-elsewhere", what=content(platform="p-other"))[0], T0)
        assert tx.find_open_case("p-forum", "post-1").id == "c-first"

    _final(first)
    with store.transaction() as tx:
        tx.update_case(first, T0 + 40 * DAY)
        assert tx.find_open_case("p-forum", "post-1") is None
    with store.transaction() as tx:
        tx.insert_case(second, T0 + 40 * DAY)
    with store.transaction() as tx:
        assert tx.find_open_case("p-forum", "post-1").id == "c-second"
        assert tx.get_case("c-first").state is CaseState.FINAL
        assert set(tx.case_ids()) == {"c-first", "c-second", "c-other", "c-elsewhere"}


# -- reports and idempotency ---------------------------------------------------------


def test_idempotency_key_lookup(store):
    case, _ = open_case("c-idem")
    with store.transaction() as tx:
        tx.insert_case(case, T0)
        tx.add_report(**_report_row(case, "r1", key="key-1"))
        tx.add_report(**_report_row(case, "r2", key=None))
        tx.add_report(**_report_row(case, "r3", key=None))  # NULL keys never collide
        tx.add_report(**_report_row(case, "r4", key="key-1", platform="p-other"))
    with store.transaction() as tx:
        seen = tx.report_by_idempotency_key("p-forum", "key-1")
        assert seen is not None
        assert (seen.report_id, seen.case_id) == ("r1", "c-idem")
        assert seen.request_hash == hashlib.sha256(b"r1").hexdigest()
        assert tx.report_by_idempotency_key("p-other", "key-1").report_id == "r4"
        assert tx.report_by_idempotency_key("p-forum", "key-2") is None
        assert [r["id"] for r in tx.reports_for("c-idem")] == ["r1", "r2", "r3", "r4"]
    with pytest.raises(IntegrityError), store.transaction() as tx:
        tx.add_report(**_report_row(case, "r5", key="key-1"))


# -- events -------------------------------------------------------------------------


def test_events_are_appended_in_order_with_their_hashes(store):
    case, opened = open_case("c-ev", reporters=["a", "b"])
    other, other_events = open_case("c-ev2", what=content("post-2"))
    later = to_voting(case, pool(4), T0 + DAY)
    with store.transaction() as tx:
        tx.insert_case(case, T0)
        tx.insert_case(other, T0)
        tx.append_events(opened)
        tx.append_events(other_events)
        tx.append_events([])
    with store.transaction() as tx:
        tx.append_events(later)
    with store.transaction() as tx:
        rows = tx.events_for("c-ev")
        key = tx.conn.execute(select(t.cases.c.commit_key).where(t.cases.c.id == "c-ev"))
        commit = commitment(bytes.fromhex(key.scalar_one()))
    expected = opened + later
    assert [r["type"] for r in rows] == [e.type for e in expected]
    # Each stored hash is the RFC 9162 leaf hash of the event's public record.
    assert [r["hash"] for r in rows] == [leaf_hash(leaf(e, commit)).hex() for e in expected]
    party_free = [e for e in expected if not e.committed]
    assert party_free and all(
        r["hash"] == event_hash(e) for r, e in zip(rows, expected, strict=True) if e in party_free
    )
    assert [r["payload"] for r in rows] == [e.record() for e in expected]
    assert [r["at"] for r in rows] == [e.at for e in expected]
    seqs = [r["seq"] for r in rows]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert all(r["case_id"] == "c-ev" for r in rows)
    # The panel's draw is seeded by the stored hash of the event that opened voting.
    closed = next(r for r in rows if r["type"] == "reply_window_closed")
    assert case.panel is not None and case.panel.opening_event_hash == closed["hash"]


def test_an_event_payload_reads_back_as_its_record():
    """The stored payload (pydantic's JSON of the event) holds the record's values exactly:
    non-ASCII and control characters, quotes, floats and timestamps included."""
    notice = NoticeIssued(
        case_id="c-pay",
        at=T0,
        party_id="r1",
        role="reporter",
        handle="@سارا@forum.example",
        text='زن، زندگی، آزادی\n\t\x00\u2028 "quoted" \\ end',
        reply_by=T0 + DAY,
    )
    applied = PrecedentApplied(
        case_id="c-pay", at=T0, precedent="c-old", match="pdq", distance=0.1 + 0.2
    )
    for event in (notice, applied):
        assert json.loads(payload_json(event)) == event.record()
    assert json.loads(payload_json(applied))["distance"] == 0.1 + 0.2


# -- tokens ---------------------------------------------------------------------------


def test_tokens_are_stored_hashed(ctx: Context):
    platform_id, platform_token = accounts.create_platform(ctx, "forum.example")
    juror, juror_token = accounts.add_juror(ctx, "Ada", ["en"])
    admin_token = accounts.create_admin_token(ctx)
    plaintexts = [platform_token, juror_token, admin_token]
    assert len(set(plaintexts)) == 3
    with ctx.store.transaction() as tx:
        rows = [tuple(r) for r in tx.conn.execute(select(t.tokens)).all()]
    assert len(rows) == 3
    dump = repr(rows)
    for token in plaintexts:
        assert token not in dump
        assert token[8:] not in dump  # not even without its prefix
        assert hashlib.sha256(token.encode()).hexdigest() in dump
    assert accounts.authenticate(ctx, platform_token).subject == platform_id
    assert accounts.authenticate(ctx, juror_token).subject == juror.id
    assert accounts.authenticate(ctx, admin_token).kind == "admin"
    with pytest.raises(accounts.Unauthenticated):
        accounts.authenticate(ctx, platform_token + "x")
    # A platform registered again by name keeps its id but gets a new token.
    again_id, again_token = accounts.create_platform(ctx, "forum.example")
    assert again_id == platform_id and again_token != platform_token


def test_party_tokens_are_hashed_too_and_sealed_in_the_outbox(ctx: Context, people):
    filed = file_report(ctx, people.platform_id, report_request("post-tok", "alice"))
    with ctx.store.transaction() as tx:
        stored = tx.notices_for(filed.case_id)
        everything = repr(
            [tuple(r) for table in t.metadata.sorted_tables for r in tx.conn.execute(select(table))]
        )
    notices = seal.opened(ctx, stored)
    assert {n["role"] for n in notices} == {"author", "reporter"}
    for row, n in zip(stored, notices, strict=True):
        assert n["token"].startswith("alt_pa_") and row["token"].startswith(seal.PREFIX)
        assert n["token"] not in everything  # no table holds it: a database copy opens nothing
        assert seal.seal_for(ctx).open(row["token"], filed.case_id, "other") is None  # its row only
        assert (
            seal.Seal(b"another log key").open(row["token"], row["case_id"], row["party_id"])
            is None
        )
        principal = accounts.authenticate(ctx, n["token"])
        assert (principal.kind, principal.subject, principal.party_id) == (
            "party",
            filed.case_id,
            n["party_id"],
        )


# -- due cases, seats, jurors -------------------------------------------------------------


def test_due_case_ids_ordering_and_limit(store):
    # Reply deadlines: T0+7d shifted by the opening offset below.
    offsets = {"c-late": 3, "c-early": -3, "c-mid": 0, "c-future": 30}
    with store.transaction() as tx:
        for i, (case_id, days) in enumerate(offsets.items()):
            case, _ = open_case(case_id, at=T0 + days * DAY, what=content(f"post-{i}"))
            tx.insert_case(case, T0)
        done, _ = open_case("c-done", what=content("post-done"))
        _final(done)
        tx.insert_case(done, T0)
    now = (T0 + 10 * DAY).astimezone(TEHRAN)  # a zone other than UTC must compare correctly
    with store.transaction() as tx:
        assert tx.due_case_ids(now) == ["c-early", "c-mid", "c-late"]
        assert tx.due_case_ids(now, limit=2) == ["c-early", "c-mid"]
        assert tx.due_case_ids(T0 + 7 * DAY) == ["c-early", "c-mid"]  # due exactly now counts
        assert tx.due_case_ids(T0) == []
        # keyset paging visits every due case once, whatever the page size
        assert tx.due_case_ids(now, limit=2, after="c-mid") == ["c-late"]
        assert tx.due_case_ids(now, limit=1, after="c-early") == ["c-mid"]
        assert tx.due_case_ids(now, after="c-late") == []


def test_open_seats_follow_the_panel_and_the_reveal(store):
    jurors = pool(6)
    case, _ = open_case("c-seats")
    with store.transaction() as tx:
        tx.insert_case(case, T0)
        assert all(tx.open_seats(j.id) == [] for j in jurors)
    to_voting(case, jurors)
    panel = case.panel
    assert panel is not None
    outsider = next(j.id for j in jurors if j.id not in panel.chosen)
    with store.transaction() as tx:
        tx.update_case(case, T0)
    with store.transaction() as tx:
        for j in panel.chosen:
            seats = tx.open_seats(j)
            assert [(s.case_id, s.round, s.state) for s in seats] == [("c-seats", 1, "voting")]
        assert tx.open_seats(outsider) == []
    # A juror who voted keeps the seat while the votes are sealed.
    case.cast_vote(panel.chosen[0], no_violation(), POLICY, T0)
    with store.transaction() as tx:
        tx.update_case(case, T0)
        voted = tx.conn.execute(
            select(t.panel_seats.c.juror_id, t.panel_seats.c.voted).where(
                t.panel_seats.c.case_id == "c-seats"
            )
        ).all()
    assert dict(voted) == {j: j == panel.chosen[0] for j in panel.chosen}
    with store.transaction() as tx:
        assert len(tx.open_seats(panel.chosen[0])) == 1
    for j in panel.chosen[1:]:
        case.cast_vote(j, no_violation(), POLICY, T0)
    assert case.state is CaseState.RULED
    with store.transaction() as tx:
        tx.update_case(case, T0)
    with store.transaction() as tx:
        assert all(tx.open_seats(j) == [] for j in panel.chosen)


def test_jurors_round_trip_and_active_filter(store):
    jurors = pool(3)
    jurors[1] = jurors[1].model_copy(
        update={"conflicts": ("state.example", "@boss"), "handles": ("@ada@forum.example",)}
    )
    with store.transaction() as tx:
        for j in jurors:
            tx.add_juror(j, T0)
    with store.transaction() as tx:
        assert tx.jurors() == jurors
        assert tx.set_juror_active("j002", False) is True
        assert tx.set_juror_active("nobody", False) is False
    with store.transaction() as tx:
        assert [j.id for j in tx.jurors(active_only=True)] == ["j000", "j001"]
        everyone = tx.jurors()
    assert [j.active for j in everyone] == [True, True, False]
    assert everyone[1].conflicts == ("state.example", "@boss")
    assert everyone[1].handles == ("@ada@forum.example",)


# -- atomicity -----------------------------------------------------------------------


class Boom(Exception):
    pass


def test_a_failing_transaction_leaves_nothing_behind(store):
    case, events = open_case("c-atomic")
    before = _everything(store)
    with pytest.raises(Boom), store.transaction() as tx:
        tx.insert_case(case, T0)
        tx.add_report(**_report_row(case, "r-atomic"))
        tx.append_events(events)
        tx.add_notice(
            case_id=case.id,
            party_id="author",
            role="author",
            handle="@sara",
            token="tok",
            url="https://x",
            text="notice",
            created_at=T0,
        )
        assert tx.get_case("c-atomic") is not None and tx.events_for("c-atomic")
        raise Boom
    assert _everything(store) == before
    for table in (t.cases, t.reports, t.events, t.notices, t.panel_seats):
        assert _count(store, table) == 0, table.name


def test_file_report_is_all_or_nothing(ctx: Context, people, monkeypatch):
    before = _everything(ctx.store)

    def fail(*_a, **_k):
        raise Boom

    monkeypatch.setattr(intake, "record_notices", fail)
    with pytest.raises(Boom):
        file_report(ctx, people.platform_id, report_request("post-a", "alice"), "key-a")
    assert _everything(ctx.store) == before
    monkeypatch.undo()
    # The same key is free again: nothing was committed under it.
    filed = file_report(ctx, people.platform_id, report_request("post-a", "alice"), "key-a")
    assert not filed.replayed
    assert _count(ctx.store, t.cases) == 1 and _count(ctx.store, t.reports) == 1


def test_a_refused_step_saves_nothing(ctx: Context, people):
    filed = file_report(ctx, people.platform_id, report_request("post-b", "alice"), "k")
    with ctx.store.transaction() as tx:
        before = (tx.get_case(filed.case_id), len(tx.events_for(filed.case_id)))
    with pytest.raises(Conflict):
        file_report(ctx, people.platform_id, report_request("post-b", "bob"), "k")
    principal = accounts.Principal("party", filed.case_id, "author")
    with pytest.raises(proceedings.InvalidInput):
        proceedings.reply(ctx, filed.case_id, principal, "   ")
    with ctx.store.transaction() as tx:
        after = (tx.get_case(filed.case_id), len(tx.events_for(filed.case_id)))
    assert after == before


# -- deadlines -----------------------------------------------------------------------


def test_advance_due_is_idempotent(ctx: Context, people, clock):
    ids = [
        file_report(ctx, people.platform_id, report_request(f"post-{i}", f"u{i}", cat)).case_id
        for i, cat in enumerate(["harassment", "privacy", "spam"])
    ]
    assert proceedings.advance_due(ctx) == 0  # nothing due yet
    clock.advance(timedelta(hours=24))
    assert proceedings.advance_due(ctx) == 1  # only the privacy interim measure expires
    assert proceedings.advance_due(ctx) == 0
    clock.advance(7 * DAY)
    assert proceedings.advance_due(ctx) == 3
    with ctx.store.transaction() as tx:
        events_once = {i: tx.events_for(i) for i in ids}
        cases = {i: tx.get_case(i) for i in ids}
    assert proceedings.advance_due(ctx) == 0
    with ctx.store.transaction() as tx:
        assert {i: tx.events_for(i) for i in ids} == events_once
        assert {i: tx.get_case(i) for i in ids} == cases
    for case_id, events in events_once.items():
        types = Counter(e["type"] for e in events)
        assert types["reply_window_closed"] == 1 and types["panel_drawn"] == 1, case_id
        assert cases[case_id].state is CaseState.VOTING
    interim_ends = [
        e["payload"]["reason"] for e in events_once[ids[1]] if e["type"] == "interim_measure_ended"
    ]
    assert interim_ends == ["expired"]


def test_advance_due_leaves_a_case_waiting_for_jurors_alone(ctx: Context, people, clock):
    body = report_request("post-ku", "u1")
    body = body.model_copy(update={"content": body.content.model_copy(update={"language": "ku"})})
    case_id = file_report(ctx, people.platform_id, body).case_id
    author = accounts.Principal("party", case_id, "author")
    case = proceedings.reply(ctx, case_id, author, None, waive=True)
    assert case.state is CaseState.AWAITING_REPLY and case.panel is None  # nobody reads Kurdish
    with ctx.store.transaction() as tx:
        before = tx.events_for(case_id)
        assert tx.due_case_ids(clock.now) == [case_id]  # it keeps asking for a panel
    assert [e["type"] for e in before].count("panel_shortfall") == 1
    for _ in range(3):
        clock.advance(timedelta(minutes=5))
        assert proceedings.advance_due(ctx) == 0
    with ctx.store.transaction() as tx:
        assert tx.events_for(case_id) == before
    people.add_jurors(3, languages=("ku",))
    assert proceedings.advance_due(ctx) == 1
    with ctx.store.transaction() as tx:
        assert tx.get_case(case_id).state is CaseState.VOTING
        assert tx.due_case_ids(clock.now) == []


def test_advance_due_in_parallel_applies_each_deadline_once(ctx: Context, people, clock):
    ids = [
        file_report(ctx, people.platform_id, report_request(f"post-{i}", f"u{i}")).case_id
        for i in range(8)
    ]
    clock.advance(8 * DAY)
    results: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(proceedings.advance_due(ctx))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert sum(results) == len(ids)
    with ctx.store.transaction() as tx:
        for case_id in ids:
            types = Counter(e["type"] for e in tx.events_for(case_id))
            assert types["panel_drawn"] == 1 and types["reply_window_closed"] == 1


def _in_threads(n: int, work) -> list:
    results: list = [None] * n
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    return results


def test_concurrent_reports_on_new_content_join_one_case(ctx: Context, people):
    filed = _in_threads(
        8, lambda i: file_report(ctx, people.platform_id, report_request("post-race", f"u{i}"))
    )
    assert len({f.case_id for f in filed}) == 1
    with ctx.store.transaction() as tx:
        case = tx.get_case(filed[0].case_id)
        assert len(tx.reports_for(case.id)) == 8
    assert case.report_count == 8  # no lost update
    assert sorted(p.handle for p in case.reporters) == sorted(f"u{i}" for i in range(8))


def test_concurrent_replays_of_one_idempotency_key_file_once(ctx: Context, people):
    body = report_request("post-idem", "alice")
    filed = _in_threads(6, lambda _: file_report(ctx, people.platform_id, body, "same-key"))
    assert len({(f.report_id, f.case_id) for f in filed}) == 1
    assert sum(not f.replayed for f in filed) == 1
    with ctx.store.transaction() as tx:
        assert len(tx.reports_for(filed[0].case_id)) == 1
        assert tx.get_case(filed[0].case_id).report_count == 1


def test_the_case_reporters_migration_moves_reporters_out_of_documents_and_back(
    store_url: str,
) -> None:
    """0010 on a database whose case documents still list their reporters (as 0005 left
    them): rows in ``case_reporters``, the count in the document; downgrade restores."""
    import json as json_

    from alembic import command

    command.downgrade(alembic_config(store_url), "0005")
    case, _ = open_case("c-old", reporters=["a", "b", "c"])
    old_doc = json_.loads(case.model_dump_json())
    old_doc.pop("reporter_parties")
    eng = make_engine(store_url)
    with eng.begin() as conn:
        conn.execute(
            insert(t.cases).values(
                id=case.id,
                platform_id=case.content.platform,
                external_id=case.content.external_id,
                state=case.state.value,
                category=case.category,
                opened_at=case.opened_at,
                updated_at=case.opened_at,
                doc=json_.dumps(old_doc),
            )
        )
    upgrade(store_url)
    with eng.begin() as conn:
        doc = json_.loads(conn.execute(select(t.cases.c.doc)).scalar_one())
        rows = conn.execute(
            select(t.case_reporters.c.seq, t.case_reporters.c.handle).order_by("seq")
        ).all()
        loaded = Tx(conn).get_case("c-old")
    assert "reporters" not in doc and doc["reporter_parties"] == 3
    assert [tuple(r) for r in rows] == [(1, "a"), (2, "b"), (3, "c")]
    assert loaded is not None and loaded.reporters == case.reporters
    command.downgrade(alembic_config(store_url), "0005")
    with eng.begin() as conn:
        doc = json_.loads(conn.execute(select(t.cases.c.doc)).scalar_one())
    assert doc["reporters"] == old_doc["reporters"]
    eng.dispose()
    upgrade(store_url)


def test_driver_level_writes_and_reads_share_the_transaction_and_its_errors(store):
    """bulk.write / bulk.fetch run on the transaction's DBAPI cursor: what they write is
    rolled back with it, and a duplicate key is SQLAlchemy's IntegrityError (which
    intake retries on), on either backend."""
    from alteram.storage.bulk import fetch, write

    sql = "INSERT INTO log_bundles (idx, pos, leaves) VALUES (?, ?, ?)"
    with pytest.raises(Boom), store.transaction() as tx:
        write(tx.conn, sql, [(7, 0, b"a"), (7, 1, b"b")])
        rows = fetch(tx.conn, "SELECT pos, leaves FROM log_bundles WHERE idx = ? ORDER BY pos", [7])
        assert [(p, bytes(b)) for p, b in rows] == [(0, b"a"), (1, b"b")]
        raise Boom
    with store.transaction() as tx:
        assert fetch(tx.conn, "SELECT count(*) FROM log_bundles") == [(0,)]
    with pytest.raises(IntegrityError), store.transaction() as tx:
        write(tx.conn, sql, (8, 0, b"a"))
        write(tx.conn, sql, (8, 0, b"again"))
    with store.transaction() as tx:
        assert fetch(tx.conn, "SELECT count(*) FROM log_bundles") == [(0,)]
