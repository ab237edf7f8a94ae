"""Taking reports in: one at a time, in batches, and with concurrent commits grouped.

Every report joins the one open case for its content, or opens it. A batch is
one transaction: each case it touches is loaded and saved once, its events are
appended to the log in one go, and each item gets its own result or error.
:class:`GroupCommit` turns concurrent single reports into such batches, so many
requests share one durable commit (one fsync) instead of paying one each.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anyio import to_thread
from sqlalchemy.exc import IntegrityError

from alteram.domain.case import Case, CaseState
from alteram.domain.content import Content, Report, Role
from alteram.domain.events import Event, NoticeIssued, ReportHeld, canonical_json
from alteram.domain.policy import Policy
from alteram.domain.standing import Standing
from alteram.errors import AlteramError, Conflict, ReporterSuspended
from alteram.fingerprint import TextFingerprint, text_fingerprints
from alteram.services import standing
from alteram.services.accounts import sortable_id
from alteram.services.context import Context
from alteram.services.log import after_append
from alteram.services.policies import policy_for
from alteram.services.precedent import Evidence, PrecedentIndex, gather, index_for, resolve
from alteram.services.reports import Filed, ReportRequest, record_notices, report_emails
from alteram.storage.evidence import add_prints
from alteram.storage.store import Tx

MAX_BATCH = 1000
GATHER_STEP = 0.0002  # seconds: see GroupCommit._gather
GATHER_IDLE = 0.001
GATHER_MAX = 0.003


@dataclass(frozen=True)
class Item:
    platform_id: str
    body: ReportRequest
    idempotency_key: str | None = None

    def request_hash(self) -> str:
        """What an ``Idempotency-Key`` replay is checked against (empty without a key)."""
        if not self.idempotency_key:
            return ""
        return hashlib.sha256(canonical_json(self.body.model_dump(mode="json"))).hexdigest()


Result = Filed | AlteramError


def file_batch(ctx: Context, items: list[Item]) -> list[Result]:
    """File many reports in one transaction; committed before this returns.

    Retried if a concurrent writer opened a case for the same content first (the
    retry joins that case)."""
    hashes = [item.request_hash() for item in items]
    for attempt in range(3):
        intake: _Intake | None = None
        try:
            with ctx.store.transaction() as tx:
                intake = _Intake(ctx, tx)
                results = intake.run(items, hashes)
        except BaseException as exc:
            if intake is not None and intake._index is not None and intake.new_ids:
                intake._index.forget(intake.new_ids)  # the cases it opened do not exist
            if not isinstance(exc, IntegrityError) or attempt == 2:
                raise
            continue
        if intake is not None and intake.events:  # anything new on the log
            after_append(ctx)
        return results
    raise AssertionError("unreachable")


class _Intake:
    def __init__(self, ctx: Context, tx: Tx) -> None:
        self.ctx, self.tx = ctx, tx
        self.now: datetime = ctx.now()
        self.cases: dict[tuple[str, str], Case] = {}
        self.new: list[Case] = []
        self.pending: dict[str, Case] = {}  # the new cases by id (for precedents)
        self.new_ids: set[str] = set()
        self.changed: dict[str, Case] = {}
        # loaded cases as they were (Case.report_mark), while only reports joined them
        self.marks: dict[str, tuple[object, ...]] = {}
        self.events: list[Event] = []
        self.rows: list[dict[str, Any]] = []
        self.keys: dict[tuple[str, str], tuple[str, Filed | ReporterSuspended]] = {}
        self.prints: list[tuple[str, list[tuple[str, str, int | None]]]] = []
        self._pool: list[Any] | None = None
        self._index: PrecedentIndex | None = None
        self.found: dict[tuple[str, str], Case] = {}
        self.held: dict[tuple[str, str], Standing] = {}  # suspended reporters (DSA Art. 23)
        self.review: set[tuple[str, str]] = set()  # reporters whose standing may change
        self.emails: dict[tuple[str, str], str] = {}  # (case_id, party_id) -> address
        self.texts: dict[str, TextFingerprint] = {}  # fingerprints made for this batch

    @property
    def index(self) -> PrecedentIndex:
        """The precedent index, caught up once per batch."""
        if self._index is None:
            self._index = index_for(self.ctx.store)
            self._index.catch_up(self.tx)
        return self._index

    @property
    def pool(self) -> list[Any]:
        if self._pool is None:
            self._pool = self.tx.jurors(active_only=True)
        return self._pool

    def run(self, items: list[Item], hashes: list[str]) -> list[Result]:
        keys = [(i.platform_id, i.body.content.platform_id) for i in items]
        reporters = [(i.platform_id, i.body.reporter.handle) for i in items]
        # one query for the whole batch; of each case's reporters, only this batch's
        self.found = self.tx.find_open_cases(keys, {handle for _, handle in reporters})
        self.held = standing.at_intake(self.tx, self.ctx, reporters, self.now)
        # the texts of content with no open case yet, fingerprinted together
        texts = sorted(
            {
                i.body.content.text
                for i, key in zip(items, keys, strict=True)
                if key not in self.found and i.body.content.text
            }
        )
        if texts:
            self.texts = dict(zip(texts, text_fingerprints(texts), strict=True))
        results: list[Result] = []
        for item, request_hash in zip(items, hashes, strict=True):
            try:
                results.append(self._one(item, request_hash))
            except AlteramError as exc:
                results.append(exc)
        self._flush()
        return results

    def _replay(self, item: Item, request_hash: str) -> Filed | None:
        key = item.idempotency_key
        if not key:
            return None
        seen = self.keys.get((item.platform_id, key))
        if seen is None:
            stored = self.tx.report_by_idempotency_key(item.platform_id, key)
            if stored is None:
                return None
            if stored.case_id.startswith("reporter:"):  # stored while suspended
                if stored.request_hash != request_hash:
                    raise Conflict(
                        "this Idempotency-Key was used for a different report; "
                        "use a new key for a new report",
                        field="Idempotency-Key",
                    )
                raise _suspended(stored.report_id, None)
            case = self.tx.get_case(stored.case_id)
            assert case is not None
            filed = Filed(stored.report_id, stored.case_id, case.state.value, replayed=True)
            seen = (stored.request_hash, filed)
        if seen[0] != request_hash:
            raise Conflict(
                "this Idempotency-Key was used for a different report; "
                "use a new key for a new report",
                field="Idempotency-Key",
            )
        if isinstance(seen[1], ReporterSuspended):
            raise seen[1]
        return Filed(seen[1].report_id, seen[1].case_id, seen[1].case_state, replayed=True)

    def _open_case(self, platform_id: str, external_id: str) -> Case | None:
        """The open case for this content as of now, applying passed deadlines."""
        key = (platform_id, external_id)
        case = self.cases.get(key)
        if case is None:
            case = self.found.pop(key, None)
            if case is None:
                return None
            self.cases[key] = case
            due = case.due_at()  # when advance() has work to do (the deadline timer's key)
            if due is not None and due <= self.now:
                self.tx.load_all_reporters(case)  # a panel draw excludes every party
                advanced = case.advance(self.now, self._policy(case), self.pool)
                if advanced:
                    self.events += advanced
                    self.changed[case.id] = case
            else:  # a deadline may change what report_mark does not cover: saved in full
                self.marks[case.id] = case.report_mark()
        return case if case.accepts_reports else None

    def _policy(self, case: Case) -> Policy:
        """The version ``case`` was opened under: a report joining it is heard on those
        rules, like the rest of the case (``alteram.services.policies``)."""
        return policy_for(self.ctx, case.policy_version, self.tx)

    def _one(self, item: Item, request_hash: str) -> Filed:
        replay = self._replay(item, request_hash)
        if replay is not None:
            return replay
        body = item.body
        report = Report(
            id=sortable_id("r", self.now),
            reporter=body.reporter.handle,
            category=body.category,
            explanation=body.explanation,
            jurisdiction=body.jurisdiction.upper() if body.jurisdiction else None,
            legal_basis=body.legal_basis,
            received_at=self.now,
            new_grounds=body.new_grounds,
        )
        self.ctx.policy.category(report.category)  # refuse before storing any evidence
        held = self.held.get((item.platform_id, report.reporter))
        if held is not None:
            return self._hold(item, request_hash, report, held)
        case = self._open_case(item.platform_id, body.content.platform_id)
        evidence = Evidence()
        if case is None or body.content.media:  # a known case's text is already indexed
            evidence = gather(
                self.tx,
                body.content,
                self.now,
                max_bytes=self.ctx.max_media_bytes,
                max_pixels=self.ctx.max_media_pixels,
                texts=self.texts,
            )
        precedent = None
        if case is None and (evidence.images or evidence.text):
            case, precedent = resolve(self.tx, self.index, evidence, self.pending)
            if case is not None:
                self.cases[(item.platform_id, body.content.platform_id)] = case
        if case is not None:
            self.events += case.add_report(report, self._policy(case), self.now)
            if case.id not in self.new_ids:
                self.changed[case.id] = case
        else:
            content = Content(
                platform=item.platform_id,
                external_id=body.content.platform_id,
                url=body.content.url,
                author=body.content.author.handle,
                text=body.content.text,
                language=body.content.language.lower() if body.content.language else None,
                media=tuple(evidence.media),
            )
            case, opened = Case.open(
                sortable_id("c", self.now), content, report, self.ctx.policy, self.now, precedent
            )
            self.events += opened
            self.new.append(case)
            self.pending[case.id] = case
            self.new_ids.add(case.id)
            self.cases[(item.platform_id, body.content.platform_id)] = case
            self.index.add(case.id, evidence)
        if body.reporter.email or body.content.author.email:
            self.emails.update(report_emails(case, body))
        if evidence.prints():
            self.prints.append((case.id, evidence.prints()))
        if case.state is CaseState.CLOSED_PRECEDENT:  # manifestly unfounded: recount
            self.review.add((item.platform_id, report.reporter))
        self.rows.append(
            {
                "id": report.id,
                "case_id": case.id,
                "platform_id": item.platform_id,
                "idempotency_key": item.idempotency_key,
                "request_hash": request_hash,
                "reporter": report.reporter,
                "category": report.category,
                "explanation": report.explanation,
                "jurisdiction": report.jurisdiction,
                "legal_basis": report.legal_basis,
                "received_at": self.now,
            }
        )
        filed = Filed(report.id, case.id, case.state.value)
        if item.idempotency_key:
            self.keys[(item.platform_id, item.idempotency_key)] = (request_hash, filed)
        return filed

    def _hold(self, item: Item, request_hash: str, report: Report, held: Standing) -> Filed:
        """Store the report of a suspended reporter without processing it: it joins
        and opens no case (its ``case_id`` is the reporter's pseudo case id)."""
        self.rows.append(
            {
                "id": report.id,
                "case_id": held.subject,
                "platform_id": item.platform_id,
                "idempotency_key": item.idempotency_key,
                "request_hash": request_hash,
                "reporter": report.reporter,
                "category": report.category,
                "explanation": report.explanation,
                "jurisdiction": report.jurisdiction,
                "legal_basis": report.legal_basis,
                "received_at": self.now,
            }
        )
        self.events.append(
            ReportHeld(
                case_id=held.subject,
                at=self.now,
                report_id=report.id,
                category=report.category,
                until=held.suspended_until,
            )
        )
        error = _suspended(report.id, held)
        if item.idempotency_key:
            self.keys[(item.platform_id, item.idempotency_key)] = (request_hash, error)
        raise error

    def _fresh(self) -> set[tuple[str, str]]:
        """The reporters that became parties in this batch (numbered past the count stored
        when their case was loaded): no earlier notice of theirs holds an address."""
        out: set[tuple[str, str]] = set()
        for e in self.events:
            if isinstance(e, NoticeIssued) and e.role == Role.REPORTER.value:
                stored = self.tx.stored_reporters(e.case_id)
                seq = e.party_id[1:]
                if stored is not None and seq.isdigit() and int(seq) > stored:
                    out.add((e.case_id, e.party_id))
        return out

    def _flush(self) -> None:
        fresh = self._fresh()  # before saving: saving records the new counts
        # Closed cases first: a new case for the same content needs its open key.
        joined = {
            case_id
            for case_id, case in self.changed.items()
            if self.marks.get(case_id) == case.report_mark()
        }
        self.tx.save_cases(list(self.changed.values()), self.new, self.now, joined)
        self.tx.add_reports(self.rows)
        add_prints(self.tx.conn, self.prints, self.new_ids)
        self.tx.append_events(self.events)
        record_notices(self.tx, self.ctx, self.events, self.emails, fresh)
        standing.review(self.tx, self.ctx, self.review, self.now)
        standing.after_final(self.tx, self.ctx, self.events, self.now)


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _suspended(report_id: str, held: Standing | None) -> ReporterSuspended:
    until = _iso(held.suspended_until) if held and held.suspended_until else ""
    when = f" until {until}" if until else ""
    return ReporterSuspended(
        f"report processing for this reporter is suspended{when} (EU DSA Art. 23: "
        f"repeated manifestly unfounded reports); the report was stored as {report_id} "
        "but joins or opens no case. Appeal at POST /api/v1/reporters/standing/appeal.",
        until=until,
        report_id=report_id,
    )


class GroupCommit:
    """Concurrent single reports share transactions: the first caller to find no
    batch running becomes the leader and files everything queued, batch after
    batch, until the queue is empty; the others wait for their own result.

    :meth:`file` is for the event loop: a waiting request holds no thread, and only
    the leader runs (in a worker thread) while the others queue up behind it."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self._queue: list[tuple[Item, _Waiter]] = []
        self._leading = False
        self._last = 0  # reports in the last batch: how many clients are filing together

    def _enqueue(self, item: Item, waiter: _Waiter) -> bool:
        """Queue the item; ``True`` if the caller must lead."""
        with self._lock:
            self._queue.append((item, waiter))
            lead = not self._leading
            self._leading = True
        return lead

    def submit(self, item: Item) -> Filed:
        """File from a plain thread; returns once the report is committed."""
        future: Future[Filed] = Future()
        if self._enqueue(item, _Waiter(future, None)):
            self._lead()
        return future.result()

    async def file(self, item: Item) -> Filed:
        """File from the event loop; returns once the report is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Filed] = loop.create_future()
        if self._enqueue(item, _Waiter(future, loop)):
            await to_thread.run_sync(self._lead)
        return await future

    def _gather(self) -> None:
        """Before committing fewer reports than the last batch held, give the others of
        that crowd a moment to arrive: clients answered by the last commit send their next
        reports now, and without the wait every other commit would carry one report
        (PostgreSQL's ``commit_delay``, in the same spirit). Stops as soon as the queue
        holds as many, stops growing for ``GATHER_IDLE`` seconds, or after ``GATHER_MAX``."""
        waited, seen, idle = 0.0, len(self._queue), 0.0
        while 0 < seen < self._last and waited < GATHER_MAX and idle < GATHER_IDLE:
            time.sleep(GATHER_STEP)
            waited += GATHER_STEP
            now = len(self._queue)
            idle = 0.0 if now > seen else idle + GATHER_STEP
            seen = now

    def _lead(self) -> None:
        while True:
            self._gather()
            with self._lock:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                if not batch:
                    self._leading = False
                    return
                self._last = len(batch)
            try:
                results: list[Result | BaseException] = list(
                    file_batch(self.ctx, [item for item, _ in batch])
                )
            except BaseException as exc:  # the whole batch failed: every waiter hears it
                results = [exc] * len(batch)
            _settle([(waiter, result) for (_, waiter), result in zip(batch, results, strict=True)])


@dataclass(frozen=True)
class _Waiter:
    """Where one queued report's answer goes: a thread's future, or an event loop's."""

    future: Future[Filed] | asyncio.Future[Filed]
    loop: asyncio.AbstractEventLoop | None


def _settle(answers: list[tuple[_Waiter, Result | BaseException]]) -> None:
    """Hand each waiter its answer. The event-loop waiters of a batch are woken by one
    callback per loop (each ``call_soon_threadsafe`` wakes the loop with a system call)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Any, Result | BaseException]]] = {}
    for waiter, result in answers:
        if waiter.loop is None:
            _set(waiter.future, result)
        else:
            by_loop.setdefault(waiter.loop, []).append((waiter.future, result))
    for loop, settled in by_loop.items():
        with contextlib.suppress(RuntimeError):  # that loop has closed: nobody waits
            loop.call_soon_threadsafe(_set_all, settled)


def _set_all(settled: list[tuple[Any, Result | BaseException]]) -> None:
    for future, result in settled:
        _set(future, result)


def _set(future: Future[Filed] | asyncio.Future[Filed], result: Result | BaseException) -> None:
    if future.done():  # an event-loop waiter whose request was cancelled
        return
    if isinstance(result, Filed):
        future.set_result(result)
    else:
        future.set_exception(result)
