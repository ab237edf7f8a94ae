"""The store: one SQL implementation for SQLite (WAL) and PostgreSQL.

Services open :meth:`Store.transaction` and do load → domain → save + append
events inside it; the commit happens before any reply is sent.
"""

from __future__ import annotations

import functools
import json
import secrets
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Delete,
    Engine,
    Update,
    and_,
    bindparam,
    create_engine,
    delete,
    event,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from alteram.domain.case import Case
from alteram.domain.events import Commit, Event, commitment, leaf, payload_json
from alteram.domain.panel import Juror
from alteram.storage import casedoc
from alteram.storage import decisions as _decisions
from alteram.storage import reporters as _reporters
from alteram.storage import tables as t
from alteram.storage.bulk import executemany, insert_rows, select_in, write
from alteram.storage.log import LogStore, TileCache
from alteram.tlog import leaf_hash


def normalize_url(url: str) -> str:
    """``postgresql://`` → the psycopg 3 driver; everything else unchanged."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


SQLITE_CACHE_MB = 64
SQLITE_CHECKPOINT_PAGES = 32_768


def make_engine(
    url: str,
    *,
    cache_mb: int = SQLITE_CACHE_MB,
    checkpoint_pages: int = SQLITE_CHECKPOINT_PAGES,
) -> Engine:
    """An engine for ``url``. On SQLite: WAL, synchronous commits, and two sizes.

    ``cache_mb``: each connection's page cache. A batch of reports spread over many cases
    touches a page of every index keyed by case for each of them (thousands of pages); the
    default 2 MB cache reads most of them back from the file at every batch.
    ``checkpoint_pages``: the WAL's size (pages of 4 KiB) at which a commit copies it back
    into the database file (``wal_autocheckpoint``, default 1,000). Commits of such
    batches rewrite the same pages again and again; a longer WAL copies each page once per
    checkpoint instead of once per commit, for a WAL file of that size on disk. Neither
    changes durability: every commit still syncs the WAL (``synchronous=FULL``)."""
    url = normalize_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    memory = make_url(url).database in (None, "", ":memory:")
    # A file database keeps enough connections for a busy server's threads: opening one
    # (PRAGMAs, WAL) costs more than the statements of a report. Last in, first out: the
    # connection that wrote last is taken again, its page cache still valid (another
    # connection's commit makes SQLite drop a connection's whole cache).
    pool: dict[str, Any] = (
        {"poolclass": StaticPool} if memory else {"pool_size": 20, "pool_use_lifo": True}
    )
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")  # negative: KiB
        if not memory:
            cur.execute(f"PRAGMA wal_autocheckpoint={int(checkpoint_pages)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front: they serialize instead of failing late.
        # Readers (Store.read) start a deferred transaction: WAL lets them run beside a writer.
        # On the driver's cursor (bulk.write): the statement needs nothing of SQLAlchemy's.
        write(conn, "BEGIN" if conn.info.get("read_only") else "BEGIN IMMEDIATE")

    return engine


@dataclass(frozen=True)
class TokenRow:
    kind: str
    subject: str
    party_id: str | None


TOKEN_CACHE_SECONDS = 1.0


class TokenCache:
    """Token rows read in the last :data:`TOKEN_CACHE_SECONDS`, so a busy client does not
    cost a database read per request. Positive answers only (an unknown token is looked
    up every time). Emptied whenever a statement of this process updates or deletes
    ``tokens`` (a revocation here takes effect at once); a revocation by another process
    takes effect within :data:`TOKEN_CACHE_SECONDS`."""

    MAX = 10_000

    def __init__(self, seconds: float = TOKEN_CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._rows: dict[str, tuple[float, TokenRow]] = {}

    def get(self, token_hash: str) -> TokenRow | None:
        entry = self._rows.get(token_hash)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1]

    def put(self, token_hash: str, row: TokenRow) -> None:
        if len(self._rows) >= self.MAX:
            self._rows.clear()
        self._rows[token_hash] = (time.monotonic() + self.seconds, row)

    def clear(self) -> None:
        self._rows.clear()


@dataclass(frozen=True)
class IdempotentReport:
    report_id: str
    case_id: str
    request_hash: str


@dataclass(frozen=True)
class Seat:
    case_id: str
    round: int
    state: str


class Tx:
    """Repositories bound to one open transaction."""

    def __init__(
        self,
        conn: Connection,
        tiles: TileCache | None = None,
        open_cases: casedoc.OpenCases | None = None,
    ) -> None:
        self.conn = conn
        self._pg = conn.dialect.name == "postgresql"
        self.log = LogStore(conn, tiles or TileCache())
        self._keys: dict[str, bytes] = {}
        self._reporters: dict[str, int] = {}  # case id -> reporters stored when loaded
        self._versions: dict[str, int] = {}  # case id -> version when loaded
        self._open_cases = open_cases
        self.saved_open: dict[str, tuple[int, Case]] = {}  # for OpenCases after the commit

    def _loaded(self, row: Any, handles: Collection[str] | None = None) -> Case:
        """A case from its row (doc, report_count, reporter_parties, version), with its
        reporters (all, or only these handles)."""
        case = casedoc.parse(row[0], row[1], row[2])
        self._versions[case.id] = row[3]
        _reporters.load(self.conn, [case], handles)
        self._reporters[case.id] = case.reporter_parties
        return case

    def stored_reporters(self, case_id: str) -> int | None:
        """How many reporters of a case loaded in this transaction are stored (None if
        it was not loaded): a party numbered past that joined in this transaction."""
        return self._reporters.get(case_id)

    def load_all_reporters(self, case: Case) -> None:
        """Complete a case loaded with only some reporters (``find_open_cases``)."""
        _reporters.load(self.conn, [case])

    # -- cases ----------------------------------------------------------------

    def get_case(
        self, case_id: str, *, lock: bool = False, skip_locked: bool = False
    ) -> Case | None:
        q = select(*_DOC).where(t.cases.c.id == case_id)
        if lock and self._pg:
            q = q.with_for_update(skip_locked=skip_locked)
        row = self.conn.execute(q).first()
        return None if row is None else self._loaded(row)

    def find_open_case(self, platform_id: str, external_id: str) -> Case | None:
        q = select(*_DOC).where(t.cases.c.open_key == _open_key(platform_id, external_id))
        if self._pg:
            q = q.with_for_update()
        row = self.conn.execute(q).first()
        return None if row is None else self._loaded(row)

    def find_open_cases(
        self, keys: list[tuple[str, str]], reporters: Collection[str] | None = None
    ) -> dict[tuple[str, str], Case]:
        """The cases taking reports for many ``(platform_id, external_id)`` at once. With
        ``reporters``, each case holds only those of its reporters (enough to file a batch
        by them; :meth:`load_all_reporters` completes one)."""
        cases: list[Case] = []
        misses: list[str] = []
        wanted = sorted({_open_key(p, e) for p, e in keys})
        sql = "SELECT id, version, commit_key FROM cases WHERE open_key IN ({})"
        for case_id, version, key in select_in(
            self.conn, sql + (" FOR UPDATE" if self._pg else ""), wanted
        ):
            self._keys[case_id] = bytes.fromhex(key)  # for its events' commitments
            self._versions[case_id] = version
            cached = self._open_cases.take(case_id, version) if self._open_cases else None
            if cached is None:
                misses.append(case_id)
            else:
                cases.append(cached)
        sql = "SELECT doc, report_count, reporter_parties FROM cases WHERE id IN ({})"
        for doc, reports, parties in select_in(self.conn, sql, misses):
            cases.append(casedoc.parse(doc, reports, parties))
        out = {(case.content.platform, case.content.external_id): case for case in cases}
        _reporters.load(self.conn, cases, reporters)
        self._reporters.update({c.id: c.reporter_parties for c in cases})
        return out

    def _case_row(self, case: Case, now: datetime) -> dict[str, Any]:
        return {
            "open_key": _open_key(case.content.platform, case.content.external_id)
            if case.accepts_reports
            else None,
            "state": case.state.value,
            "category": case.category,
            "due_at": case.due_at(),
            "updated_at": now,
            "doc": casedoc.dump(case),
            **casedoc.counts(case),
        }

    def insert_case(self, case: Case, now: datetime) -> None:
        row = self._case_row(case, now)
        key = secrets.token_hex(32)
        self.conn.execute(
            insert(t.cases).values(
                id=case.id,
                platform_id=case.content.platform,
                external_id=case.content.external_id,
                opened_at=case.opened_at,
                commit_key=key,
                **row,
            )
        )
        self._keys[case.id] = bytes.fromhex(key)
        _reporters.save(self.conn, [case], {**self._reporters, case.id: 0})
        self._reporters[case.id] = case.reporter_parties
        self._save_seats(case)
        _decisions.save(self.conn, case)

    def update_case(self, case: Case, now: datetime) -> None:
        self.conn.execute(
            update(t.cases)
            .where(t.cases.c.id == case.id)
            .values(**self._case_row(case, now), version=t.cases.c.version + 1)
        )
        self._versions.pop(case.id, None)
        _reporters.save(self.conn, [case], self._reporters)
        self._save_seats(case)
        _decisions.save(self.conn, case)

    def save_cases(
        self,
        changed: list[Case],
        new: list[Case],
        now: datetime,
        joined: Collection[str] = (),
    ) -> None:
        """Many cases in a few statements: updates first (a case that closed frees its
        content's open key), then inserts. The ``joined`` cases changed only by reports
        that joined them (``Case.report_mark``): only their counts are written.

        Open cases loaded by :meth:`find_open_cases` are kept parsed (``OpenCases``)
        once this transaction commits."""
        full = [c for c in changed if c.id not in joined]
        counted = [c for c in changed if c.id in joined]
        if full:
            rows = [{"b_id": c.id, **self._case_row(c, now)} for c in full]
            shape = tuple(rows[0])
            executemany(self.conn, _case_update(shape), rows, shape)
        if counted:
            rows = [{"b_id": c.id, "updated_at": now, **casedoc.counts(c)} for c in counted]
            shape = tuple(rows[0])
            executemany(self.conn, _case_update(shape), rows, ("counts", *shape))
        for case in changed:
            loaded = self._versions.pop(case.id, None)
            if loaded is not None:
                self.saved_open[case.id] = (loaded + 1, case)
        if new:
            keys = {c.id: secrets.token_hex(32) for c in new}
            insert_rows(
                self.conn,
                t.cases,
                [
                    {
                        "id": c.id,
                        "platform_id": c.content.platform,
                        "external_id": c.content.external_id,
                        "opened_at": c.opened_at,
                        "commit_key": keys[c.id],
                        "version": 0,
                        **self._case_row(c, now),
                    }
                    for c in new
                ],
            )
            self.saved_open.update({c.id: (0, c) for c in new})
            self._keys.update({k: bytes.fromhex(v) for k, v in keys.items()})
            self._reporters.update({c.id: 0 for c in new})
        _reporters.save(self.conn, [*changed, *new], self._reporters)
        for case in (*full, *new):
            self._save_seats(case)
            _decisions.save(self.conn, case)
        for case in counted:  # a ruled case's decision row shows its report count
            _decisions.save(self.conn, case)

    def _save_seats(self, case: Case) -> None:
        if not case.panels:
            return  # no panel, no seats (panels are never removed)
        self.conn.execute(delete(t.panel_seats).where(t.panel_seats.c.case_id == case.id))
        rows = []
        for panel in case.panels:
            voted = {v.juror_id for v in case.votes_in(panel.round)}
            revealed = case.revealed(panel.round)
            rows += [
                {
                    "case_id": case.id,
                    "round": panel.round,
                    "juror_id": j,
                    "voted": j in voted,
                    "revealed": revealed,
                }
                for j in panel.chosen
            ]
        if rows:
            self.conn.execute(insert(t.panel_seats), rows)

    def due_case_ids(self, now: datetime, limit: int = 100, after: str | None = None) -> list[str]:
        """Ids of cases with a deadline at or before ``now``, earliest first (ties by id);
        ``after`` continues a listing from that case id (keyset paging)."""
        c = t.cases.c
        q = select(c.id).where(c.due_at.is_not(None), c.due_at <= now)
        if after is not None:
            last = select(c.due_at).where(c.id == after).scalar_subquery()
            q = q.where(or_(c.due_at > last, and_(c.due_at == last, c.id > after)))
        return list(self.conn.execute(q.order_by(c.due_at, c.id).limit(limit)).scalars())

    def case_ids(self) -> list[str]:
        return list(self.conn.execute(select(t.cases.c.id).order_by(t.cases.c.opened_at)).scalars())

    def open_seats(self, juror_id: str) -> list[Seat]:
        """Seats on a current panel where the juror has not voted or votes are still sealed."""
        q = (
            select(t.panel_seats.c.case_id, t.panel_seats.c.round, t.cases.c.state)
            .join(t.cases, t.cases.c.id == t.panel_seats.c.case_id)
            .where(
                t.panel_seats.c.juror_id == juror_id,
                t.panel_seats.c.revealed.is_(False),
            )
            .order_by(t.cases.c.opened_at)
        )
        return [Seat(case_id=r[0], round=r[1], state=r[2]) for r in self.conn.execute(q)]

    # -- reports --------------------------------------------------------------

    def add_report(
        self,
        *,
        report_id: str,
        case_id: str,
        platform_id: str,
        idempotency_key: str | None,
        request_hash: str,
        reporter: str,
        category: str,
        explanation: str,
        jurisdiction: str | None,
        legal_basis: str | None,
        received_at: datetime,
    ) -> None:
        self.conn.execute(
            insert(t.reports).values(
                id=report_id,
                case_id=case_id,
                platform_id=platform_id,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                reporter=reporter,
                category=category,
                explanation=explanation,
                jurisdiction=jurisdiction,
                legal_basis=legal_basis,
                received_at=received_at,
            )
        )

    def add_reports(self, rows: list[dict[str, Any]]) -> None:
        """Insert report rows (the columns of ``reports``) in one statement."""
        insert_rows(self.conn, t.reports, rows)

    def report_by_idempotency_key(self, platform_id: str, key: str) -> IdempotentReport | None:
        row = self.conn.execute(
            select(t.reports.c.id, t.reports.c.case_id, t.reports.c.request_hash).where(
                t.reports.c.platform_id == platform_id, t.reports.c.idempotency_key == key
            )
        ).first()
        return None if row is None else IdempotentReport(row[0], row[1], row[2])

    def reports_for(self, case_id: str) -> list[dict[str, Any]]:
        q = (
            select(t.reports)
            .where(t.reports.c.case_id == case_id)
            .order_by(t.reports.c.received_at)
        )
        return [dict(r._mapping) for r in self.conn.execute(q)]

    # -- events ---------------------------------------------------------------

    def _commit_key(self, case_id: str) -> bytes:
        if case_id == "policy" or case_id.startswith("account:"):
            return b""  # institution events (alteram.services.policies, accounts): no parties
        if case_id not in self._keys and case_id.startswith("reporter:"):
            from alteram.storage.standing import commit_keys

            self._keys.update(commit_keys(self.conn, [case_id]))
        if case_id not in self._keys:
            q = select(t.cases.c.commit_key).where(t.cases.c.id == case_id)
            self._keys[case_id] = bytes.fromhex(self.conn.execute(q).scalar_one())
        return self._keys[case_id]

    def _load_commit_keys(self, case_ids: set[str]) -> None:
        missing = sorted(
            c
            for c in case_ids - self._keys.keys()
            if c != "policy" and not c.startswith("account:")
        )
        if any(m.startswith("reporter:") for m in missing):  # reporter standing events
            from alteram.storage.standing import commit_keys

            self._keys.update(
                commit_keys(self.conn, [m for m in missing if m.startswith("reporter:")])
            )
            missing = [m for m in missing if not m.startswith("reporter:")]
        c = t.cases.c
        for i in range(0, len(missing), 900):
            q = select(c.id, c.commit_key).where(c.id.in_(missing[i : i + 900]))
            self._keys.update({a: bytes.fromhex(b) for a, b in self.conn.execute(q)})

    def append_events(self, events: list[Event]) -> None:
        """Store the events and append their public records to the log, in this transaction."""
        if not events:
            return
        cases = {e.case_id for e in events}
        self._load_commit_keys(cases)
        commits = {case_id: _commitment(self._commit_key(case_id)) for case_id in cases}
        leaves = [leaf(e, commits[e.case_id], e.record()) for e in events]
        hashes = [leaf_hash(data) for data in leaves]  # once: for the tree and the rows
        first = self.log.append(leaves, hashes)
        insert_rows(
            self.conn,
            t.events,
            [
                {
                    "case_id": e.case_id,
                    "type": e.type,
                    "at": e.at,
                    "hash": h.hex(),
                    "payload": payload_json(e),
                    "log_index": first + i,
                }
                for i, (e, h) in enumerate(zip(events, hashes, strict=True))
            ],
        )

    def events_for(self, case_id: str) -> list[dict[str, Any]]:
        q = select(t.events).where(t.events.c.case_id == case_id).order_by(t.events.c.seq)
        out = []
        for r in self.conn.execute(q):
            row = dict(r._mapping)
            row["payload"] = json.loads(row["payload"])
            out.append(row)
        return out

    # -- notices --------------------------------------------------------------

    def add_notice(self, **values: Any) -> None:
        self.conn.execute(insert(t.notices).values(**values))

    def add_notices(self, rows: list[dict[str, Any]]) -> None:
        insert_rows(self.conn, t.notices, rows)

    def add_tokens(self, rows: list[dict[str, Any]]) -> None:
        """Token rows (``hash``, ``kind``, ``subject``, ``party_id``, ``created_at``)."""
        insert_rows(self.conn, t.tokens, rows)

    def notices_for(self, case_id: str) -> list[dict[str, Any]]:
        q = select(t.notices).where(t.notices.c.case_id == case_id).order_by(t.notices.c.id)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    # -- tokens, platforms, jurors -------------------------------------------

    def add_token(
        self, token_hash: str, kind: str, subject: str, party_id: str | None, now: datetime
    ) -> None:
        self.conn.execute(
            insert(t.tokens).values(
                hash=token_hash, kind=kind, subject=subject, party_id=party_id, created_at=now
            )
        )

    def token(self, token_hash: str) -> TokenRow | None:
        row = self.conn.execute(
            select(t.tokens.c.kind, t.tokens.c.subject, t.tokens.c.party_id).where(
                t.tokens.c.hash == token_hash
            )
        ).first()
        return None if row is None else TokenRow(row[0], row[1], row[2])

    def add_platform(self, platform_id: str, name: str, now: datetime) -> None:
        self.conn.execute(insert(t.platforms).values(id=platform_id, name=name, created_at=now))

    def platform_id_by_name(self, name: str) -> str | None:
        q = select(t.platforms.c.id).where(t.platforms.c.name == name)
        return self.conn.execute(q).scalar_one_or_none()

    def add_juror(self, juror: Juror, now: datetime) -> None:
        self.conn.execute(
            insert(t.jurors).values(
                id=juror.id,
                name=juror.name,
                languages=list(juror.languages),
                conflicts=list(juror.conflicts),
                handles=list(juror.handles),
                active=juror.active,
                created_at=now,
            )
        )

    def set_juror_active(self, juror_id: str, active: bool) -> bool:
        res = self.conn.execute(
            update(t.jurors).where(t.jurors.c.id == juror_id).values(active=active)
        )
        return bool(res.rowcount)

    def jurors(self, *, active_only: bool = False) -> list[Juror]:
        q = select(t.jurors).order_by(t.jurors.c.id)
        if active_only:
            q = q.where(t.jurors.c.active.is_(True))
        return [
            Juror(
                id=r.id,
                name=r.name,
                languages=tuple(r.languages),
                conflicts=tuple(r.conflicts),
                handles=tuple(r.handles),
                active=r.active,
            )
            for r in self.conn.execute(q)
        ]

    # -- web pages (alteram.web.pages) ---------------------------------------------

    def platforms(self) -> list[dict[str, Any]]:
        """Every platform: ``id``, ``name``, ``created_at`` and how many tokens it has."""
        from sqlalchemy import func

        q = select(t.platforms).order_by(t.platforms.c.name)
        out = [dict(r._mapping) for r in self.conn.execute(q)]
        q_tokens = (
            select(t.tokens.c.subject, func.count())
            .where(t.tokens.c.kind == "platform")
            .group_by(t.tokens.c.subject)
        )
        counts = {str(subject): int(n) for subject, n in self.conn.execute(q_tokens)}
        for row in out:
            row["tokens"] = int(counts.get(row["id"], 0))
        return out


def _open_key(platform_id: str, external_id: str) -> str:
    return f"{platform_id}\x1f{external_id}"


# What Tx._loaded reads of a case row.
@functools.cache
def _case_update(shape: tuple[str, ...]) -> Update:
    """``UPDATE cases`` of the columns in ``shape`` (``b_id``: the case's id), the version
    incremented; built once per shape (building a statement costs more than a small
    batch's rows)."""
    binds: dict[Any, Any] = {k: bindparam(k) for k in shape if k != "b_id"}
    version = t.cases.c.version + literal_column("1")  # no bound parameter: see bulk
    stmt = update(t.cases).where(t.cases.c.id == bindparam("b_id"))
    return stmt.values({**binds, "version": version})


_DOC = (t.cases.c.doc, t.cases.c.report_count, t.cases.c.reporter_parties, t.cases.c.version)


@functools.lru_cache(maxsize=8192)
def _commitment(key: bytes) -> Commit:
    """The commitment function of a case's secret, kept for the busiest cases: a batch of
    reports joining 1,000 cases would otherwise set up 1,000 HMAC keys again each time."""
    return commitment(key)


class Store:
    def __init__(
        self,
        url: str,
        *,
        cache_mb: int = SQLITE_CACHE_MB,
        checkpoint_pages: int = SQLITE_CHECKPOINT_PAGES,
    ) -> None:
        """``cache_mb`` and ``checkpoint_pages``: SQLite only (:func:`make_engine`)."""
        self.url = normalize_url(url)
        self.engine = make_engine(self.url, cache_mb=cache_mb, checkpoint_pages=checkpoint_pages)
        self.tiles = TileCache()
        self.open_cases = casedoc.OpenCases()
        self.tokens = TokenCache()

        @event.listens_for(self.engine, "after_execute")
        def _on_execute(_conn: Connection, clause: Any, *_: Any) -> None:
            if isinstance(clause, (Update, Delete)) and clause.table is t.tokens:
                self.tokens.clear()  # a token changed or went: forget every cached one

    def token(self, token_hash: str) -> TokenRow | None:
        """The token's row, from :class:`TokenCache` when read within the last second."""
        row = self.tokens.get(token_hash)
        if row is None:
            with self.read() as tx:
                row = tx.token(token_hash)
            if row is not None:
                self.tokens.put(token_hash, row)
        return row

    def cached_token(self, token_hash: str) -> TokenRow | None:
        """The token's row if :class:`TokenCache` holds it (no database read)."""
        return self.tokens.get(token_hash)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self.engine.begin() as conn:
            tx = Tx(conn, self.tiles, self.open_cases)
            yield tx
        for case_id, (version, case) in tx.saved_open.items():  # committed: keep them
            self.open_cases.put(case_id, version, case)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A transaction for reading only: on SQLite it does not wait for writers."""
        with self.engine.connect() as conn:
            conn.info["read_only"] = True
            try:
                with conn.begin():
                    yield Tx(conn, self.tiles)
            finally:
                conn.info.pop("read_only", None)

    def dispose(self) -> None:
        self.engine.dispose()
