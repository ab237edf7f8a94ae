"""E-mail notices, against a real SMTP server (aiosmtpd) started here on a free port.

Reports come in over the API in-process; :func:`send_pending` is what every tick of
``serve`` and ``alteram worker`` runs. Each test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr
from sqlalchemy import select
from typer.testing import CliRunner

from alteram.config import Settings
from alteram.errors import InvalidInput
from alteram.integrations.email import NullMailer, SmtpConfig, SmtpMailer, mailer_from
from alteram.services import outbox as delivery
from alteram.services.context import Context
from alteram.storage import outbox
from alteram.storage import tables as t
from conftest import FakeClock, People

API = "/api/v1"
PASSWORD = "s3cr3t-Pa55word"
USER = "alteram-mailer"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """The SMTP handler: keeps every message the server accepted."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse: set[str] = field(default_factory=set)  # mailboxes that do not exist
    hang_up_after: int | None = None  # accept this many messages, then hang up

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.hang_up_after is not None and len(self.received) >= self.hang_up_after:
            self.hang_up_after = None
            assert server.transport is not None
            server.transport.close()  # hang up before answering
            return "421 4.3.2 closing the connection"
        content = envelope.content
        assert isinstance(content, bytes)
        msg = message_from_bytes(content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), msg))
        return "250 OK"


class Server:
    """An aiosmtpd server on ``port``, started and stopped by the test."""

    def __init__(self, port: int, *, auth: bool = False) -> None:
        self.port, self.inbox, self.controller = port, Inbox(), None
        self.auth = auth
        self.logins: list[tuple[str, str]] = []

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        self.logins.append((login, password))
        if login == USER and password == PASSWORD:
            return AuthResult(success=True)
        # A careless server that echoes what it was sent: the client must scrub it.
        return AuthResult(success=False, handled=False, message=f"535 5.7.8 bad {password}")

    def start(self) -> Server:
        kwargs: dict[str, Any] = {}
        if self.auth:
            kwargs = {"authenticator": self._authenticate, "auth_require_tls": False}
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[tuple[list[str], EmailMessage]]:
        return self.inbox.received


def smtp(port: int, *, username: str | None = None, password: str | None = None) -> SmtpMailer:
    return SmtpMailer(
        SmtpConfig(
            host="127.0.0.1",
            port=port,
            sender="alteram@alteram.test",
            username=username,
            password=SecretStr(password) if password is not None else None,
            starttls=False,
            timeout=10,
        )
    )


@pytest.fixture
def server(ctx: Context) -> Iterator[Server]:
    s = Server(free_port()).start()
    ctx.mailer = smtp(s.port)
    yield s
    s.stop()


def report(
    external_id: str = "post-1",
    *,
    reporter: str = "@sara@forum.example",
    reporter_email: str | None = None,
    author_email: str | None = None,
    category: str = "harassment",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "content": {
            "platform_id": external_id,
            "url": f"https://forum.example/p/زن-زندگی-آزادی/{external_id}",
            "author": {"handle": "@roya@forum.example"},
            "text": "زن، زندگی، آزادی",
            "language": "fa",
        },
        "category": category,
        "explanation": "It targets me.",
        "reporter": {"handle": reporter},
    }
    if reporter_email:
        body["reporter"]["email"] = reporter_email
    if author_email:
        body["content"]["author"]["email"] = author_email
    return body


def file(client: Any, people: People, body: dict[str, Any]) -> str:
    r = client.post(f"{API}/reports", json=body, headers=people.platform_auth)
    assert r.status_code == 202, r.text
    return str(r.json()["case_id"])


def notices(client: Any, people: People, case_id: str) -> list[dict[str, Any]]:
    r = client.get(f"{API}/cases/{case_id}/notices", headers=people.platform_auth)
    assert r.status_code == 200, r.text
    return list(r.json()["notices"])


def rows(ctx: Context) -> list[dict[str, Any]]:
    with ctx.store.read() as tx:
        return [
            dict(r._mapping) for r in tx.conn.execute(select(t.notices).order_by(t.notices.c.id))
        ]


# -- sending ---------------------------------------------------------------------------


def test_a_reporter_email_gets_one_email_with_subject_link_and_token(
    client, people, ctx: Context, server: Server
):
    case_id = file(client, people, report(reporter_email="sara@mail.example"))
    assert delivery.send_pending(ctx) == delivery.Delivery(sent=1, failed=0)

    ((rcpt, msg),) = server.received
    assert rcpt == ["sara@mail.example"] and msg["To"] == "sara@mail.example"
    assert msg["From"] == "alteram@alteram.test"
    assert msg["Subject"] == f"alteram case {case_id}: your report was received"
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    body = msg.get_content()
    (mine,) = [n for n in notices(client, people, case_id) if n["party"] == "reporter"]
    assert mine["text"] in body
    assert f"Case: https://alteram.test/cases/{case_id}" in body
    assert f"Your personal token: {mine['token']}" in body
    # The token in the e-mail is the party's capability: it opens the party's view.
    view = client.get(
        f"{API}/cases/{case_id}", headers={"Authorization": f"Bearer {mine['token']}"}
    )
    assert view.status_code == 200 and view.json()["viewer"] == "reporter"
    assert mine["emailed_at"] is not None

    # Sent once: later ticks, however late, send nothing more.
    assert delivery.send_pending(ctx) == delivery.Delivery()
    ctx.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    assert delivery.send_pending(ctx) == delivery.Delivery()
    assert len(server.received) == 1
    (author,) = [n for n in notices(client, people, case_id) if n["party"] == "author"]
    assert author["emailed_at"] is None  # the author gave no address


def test_the_author_email_carries_persian_as_written(client, people, ctx: Context, server: Server):
    case_id = file(client, people, report(author_email="roya@mail.example"))
    assert delivery.send_pending(ctx).sent == 1
    ((rcpt, msg),) = server.received
    assert rcpt == ["roya@mail.example"]
    assert msg["Subject"] == f"alteram case {case_id}: a notice about your content"
    body = msg.get_content()
    assert "https://forum.example/p/زن-زندگی-آزادی/post-1" in body
    (author,) = [n for n in notices(client, people, case_id) if n["party"] == "author"]
    assert author["token"] in body and author["text"] in body


def test_no_address_no_email_and_the_notice_stays_available_by_link(
    client, people, ctx: Context, server: Server
):
    case_id = file(client, people, report())
    assert delivery.send_pending(ctx) == delivery.Delivery()
    assert server.received == []
    listed = notices(client, people, case_id)
    assert {n["party"] for n in listed} == {"author", "reporter"}
    for n in listed:
        assert n["url"] == f"https://alteram.test/cases/{case_id}" and n["token"].startswith(
            "alt_pa_"
        )
        assert n["emailed_at"] is None
    assert all(r["email"] is None and r["email_next_at"] is None for r in rows(ctx))


def test_notice_tokens_are_sealed_under_the_log_key(client, people, ctx: Context):
    """The outbox keeps each token sealed under the log key: a server with another log key
    lists the notices without their tokens (the tokens themselves keep working)."""
    from alteram.tlog import Signer, generate_key

    case_id = file(client, people, report())
    listed = notices(client, people, case_id)
    assert all(n["token"].startswith("alt_pa_") for n in listed)
    with ctx.store.read() as tx:
        stored = {r["token"] for r in tx.notices_for(case_id)}
    assert not stored & {n["token"] for n in listed}
    ctx.signer = Signer.from_key_string(generate_key("alteram.test/log")[0])  # a new log key
    again = notices(client, people, case_id)
    assert [n["token"] for n in again] == [None] * len(listed)
    for n in listed:
        r = client.get(f"{API}/cases/{case_id}", headers={"Authorization": f"Bearer {n['token']}"})
        assert r.status_code == 200 and r.json()["viewer"] == n["party"]


def test_a_later_notice_to_the_author_reuses_the_address_given_earlier(
    client, people, ctx: Context, server: Server
):
    case_id = file(client, people, report(author_email="roya@mail.example"))
    # A second report on the same post, under a new category and with no author address:
    # the author is notified of the new rules, at the address the first report gave.
    again = report(reporter="@omid@forum.example", category="defamation")
    assert file(client, people, again) == case_id
    assert delivery.send_pending(ctx).sent == 2
    assert [rcpt for rcpt, _ in server.received] == [["roya@mail.example"]] * 2
    assert "DEF-" in server.received[1][1].get_content()


def test_in_a_batch_new_reporters_use_only_their_own_address_and_the_author_the_earlier(
    client, people, ctx: Context, server: Server
):
    """A batch joining a case: reporters who become parties in it have no earlier notice
    (only the address their item gives counts); the author's new-category notice goes to
    the address an earlier report gave."""
    case_id = file(client, people, report(author_email="roya@mail.example"))
    items = [
        report(reporter="@omid@forum.example", reporter_email="omid@mail.example"),
        report(reporter="@nika@forum.example", category="defamation"),
    ]
    r = client.post(f"{API}/reports:batch", json=items, headers=people.platform_auth)
    assert r.status_code == 200 and r.json()["accepted"] == 2, r.text
    assert {a["case_id"] for a in r.json()["results"]} == {case_id}
    by_handle = {row["handle"]: row["email"] for row in rows(ctx) if row["role"] == "reporter"}
    assert by_handle == {
        "@sara@forum.example": None,
        "@omid@forum.example": "omid@mail.example",
        "@nika@forum.example": None,
    }
    authors = [row["email"] for row in rows(ctx) if row["role"] == "author"]
    assert authors == ["roya@mail.example"] * 2
    assert delivery.send_pending(ctx).sent == 3
    assert sorted(rcpt for rcpt, _ in server.received) == [
        ["omid@mail.example"],
        ["roya@mail.example"],
        ["roya@mail.example"],
    ]


def test_the_address_never_reaches_the_log_or_the_public_case(
    client, people, ctx: Context, server: Server
):
    body = report(reporter_email="sara@mail.example", author_email="roya@mail.example")
    case_id = file(client, people, body)
    delivery.send_pending(ctx)
    with ctx.store.read() as tx:
        payloads = [r.payload for r in tx.conn.execute(select(t.events.c.payload))]
        reports = [dict(r._mapping) for r in tx.conn.execute(select(t.reports))]
    assert payloads and not any("mail.example" in p for p in payloads)
    assert not any("mail.example" in str(r) for r in reports)
    for path in (f"{API}/cases/{case_id}", f"{API}/log/entries?start=0&end=20"):
        r = client.get(path)
        assert r.status_code == 200 and "mail.example" not in r.text
    assert "mail.example" not in client.get(f"/cases/{case_id}").text


def test_a_bad_address_is_refused_naming_the_field(client, people, ctx: Context):
    for bad in (
        "sara",
        "sara@localhost",
        "Sara <sara@mail.example>",
        "a@b.example\r\nBcc: x@y.example",
    ):
        r = client.post(
            f"{API}/reports", json=report(reporter_email=bad), headers=people.platform_auth
        )
        assert r.status_code == 422, bad
        err = r.json()["error"]
        assert err["code"] == "invalid" and err["field"] == "reporter.email"
        assert "name@example.org" in err["message"]
    body = report(author_email="x" * 250 + "@mail.example")
    r = client.post(f"{API}/reports", json=body, headers=people.platform_auth)
    assert r.status_code == 422 and r.json()["error"]["field"] == "content.author.email"
    assert rows(ctx) == []  # nothing was filed


# -- failures and retries -------------------------------------------------------------------


def test_smtp_down_is_retried_later_and_delivered_once_it_is_up(
    client, people, ctx: Context, clock: FakeClock, caplog: pytest.LogCaptureFixture
):
    port = free_port()  # nobody listens here yet
    ctx.mailer = smtp(port)
    case_id = file(client, people, report(reporter_email="sara@mail.example"))
    with caplog.at_level(logging.WARNING, logger="alteram.email"):
        assert delivery.send_pending(ctx) == delivery.Delivery(sent=0, failed=1)
    (row,) = [r for r in rows(ctx) if r["email"]]
    assert row["email_attempts"] == 1 and row["emailed_at"] is None
    assert row["email_error"] and "Connect" in row["email_error"]
    assert row["email_next_at"] == clock.now + delivery.retry_after(1)
    assert "sara@mail.example" not in caplog.text and case_id in caplog.text

    assert delivery.send_pending(ctx) == delivery.Delivery()  # not due again yet
    server = Server(port).start()
    try:
        assert delivery.send_pending(ctx) == delivery.Delivery()  # still waiting
        clock.advance(delivery.retry_after(1))
        assert delivery.send_pending(ctx) == delivery.Delivery(sent=1, failed=0)
        clock.advance(timedelta(days=1))
        assert delivery.send_pending(ctx) == delivery.Delivery()
        assert [rcpt for rcpt, _ in server.received] == [["sara@mail.example"]]
    finally:
        server.stop()
    (row,) = [r for r in rows(ctx) if r["email"]]
    assert row["emailed_at"] == clock.now - timedelta(days=1)
    assert row["email_attempts"] == 2 and row["email_error"] is None
    assert row["email_next_at"] is None


def test_backoff_doubles_and_gives_up_after_the_last_attempt(
    client, people, ctx: Context, clock: FakeClock
):
    ctx.mailer = smtp(free_port())
    file(client, people, report(reporter_email="sara@mail.example"))
    waits = []
    for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
        assert delivery.send_pending(ctx).failed == 1
        (row,) = [r for r in rows(ctx) if r["email"]]
        assert row["email_attempts"] == attempt
        if row["email_next_at"] is None:
            break
        waits.append(row["email_next_at"] - clock.now)
        clock.now = row["email_next_at"]
    assert waits[:3] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert max(waits) == delivery.LONGEST_RETRY
    assert row["email_attempts"] == delivery.MAX_ATTEMPTS
    assert row["email_error"].startswith(f"gave up after attempt {delivery.MAX_ATTEMPTS}: ")
    clock.advance(timedelta(days=30))
    assert delivery.send_pending(ctx) == delivery.Delivery()  # given up: the link remains


def test_the_password_is_never_in_errors_logs_or_reprs(
    client, people, ctx: Context, caplog: pytest.LogCaptureFixture, monkeypatch
):
    server = Server(free_port(), auth=True).start()
    try:
        ctx.mailer = smtp(server.port, username=USER, password="wrong-" + PASSWORD)
        file(client, people, report(reporter_email="sara@mail.example"))
        with caplog.at_level(logging.DEBUG, logger="alteram"):
            assert delivery.send_pending(ctx).failed == 1
        (row,) = [r for r in rows(ctx) if r["email"]]
        assert set(server.logins) == {(USER, "wrong-" + PASSWORD)}  # the server saw it …
        assert "bad ***" in row["email_error"]  # … and echoed it; we did not keep it
        assert PASSWORD not in row["email_error"] and PASSWORD not in caplog.text
        assert PASSWORD not in repr(ctx.mailer) and server.received == []

        # The right password logs in and delivers, on the next try.
        ctx.mailer = smtp(server.port, username=USER, password=PASSWORD)
        ctx.clock.advance(delivery.retry_after(1))  # type: ignore[attr-defined]
        assert delivery.send_pending(ctx).sent == 1
        assert [rcpt for rcpt, _ in server.received] == [["sara@mail.example"]]
    finally:
        server.stop()
    monkeypatch.setenv("ALTERAM_SMTP_PASSWORD", PASSWORD)
    settings = Settings(smtp_host="127.0.0.1")
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings.model_dump())
    assert PASSWORD not in repr(mailer_from(settings))


# -- several workers --------------------------------------------------------------------


def test_a_claimed_notice_is_not_claimed_again(client, people, ctx: Context, clock: FakeClock):
    file(client, people, report(reporter_email="sara@mail.example", author_email="r@mail.example"))
    now, lease = clock.now, clock.now + timedelta(minutes=10)
    with ctx.store.transaction() as tx:
        first = outbox.claim(tx.conn, now, 10, lease)
        assert len(first) == 2
        if ctx.store.dialect == "postgresql":
            # A second worker, while the first still holds the rows: SKIP LOCKED.
            with ctx.store.transaction() as other:
                assert outbox.claim(other.conn, now, 10, lease) == []
    with ctx.store.transaction() as tx:
        assert outbox.claim(tx.conn, now, 10, lease) == []  # leased
        # A stale claim (its attempt was taken over) cannot record anything.
        assert outbox.claim(tx.conn, lease, 10, lease + timedelta(minutes=10)) != []
        assert not outbox.mark_sent(tx.conn, first[0], now)


def test_a_mailbox_refused_for_good_is_not_retried_and_the_rest_go_out(
    client, people, ctx: Context, server: Server, caplog: pytest.LogCaptureFixture
):
    server.inbox.refuse.add("gone@mail.example")
    body = report(reporter_email="gone@mail.example", author_email="roya@mail.example")
    file(client, people, body)
    with caplog.at_level(logging.WARNING, logger="alteram.email"):
        assert delivery.send_pending(ctx) == delivery.Delivery(sent=1, failed=1)
    assert [rcpt for rcpt, _ in server.received] == [["roya@mail.example"]]
    (gone,) = [r for r in rows(ctx) if r["email"] == "gone@mail.example"]
    assert gone["email_next_at"] is None and gone["emailed_at"] is None
    assert gone["email_error"].startswith("gave up after attempt 1: ")
    assert "550" in gone["email_error"] and "<recipient>" in gone["email_error"]
    assert "gone@mail.example" not in caplog.text and "no such mailbox" in caplog.text
    ctx.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    assert delivery.send_pending(ctx) == delivery.Delivery()


def test_a_connection_closed_midway_sends_the_rest_later_and_nothing_twice(
    client, people, ctx: Context, server: Server
):
    file(client, people, report(reporter_email="sara@mail.example", author_email="r@mail.example"))
    file(client, people, report(reporter="@omid@forum.example", reporter_email="omid@mail.example"))
    server.inbox.hang_up_after = 1
    assert delivery.send_pending(ctx) == delivery.Delivery(sent=1, failed=2)
    assert len(server.received) == 1
    ctx.clock.advance(delivery.retry_after(1))  # type: ignore[attr-defined]
    assert delivery.send_pending(ctx) == delivery.Delivery(sent=2, failed=0)
    recipients = sorted(rcpt for rcpt, _ in server.received)
    assert recipients == [["omid@mail.example"], ["r@mail.example"], ["sara@mail.example"]]
    assert all(r["emailed_at"] is not None for r in rows(ctx) if r["email"])


# -- the worker and the settings ---------------------------------------------------------


def test_worker_once_sends_due_email(tmp_path: Path, monkeypatch, store_url: str, policy):
    from alteram.services import accounts
    from alteram.services.reports import ReportRequest, file_report
    from alteram.storage.store import Store

    server = Server(free_port()).start()
    try:
        store = Store(store_url)
        ctx = Context(store=store, policy=policy, base_url="https://alteram.test")
        platform_id, _ = accounts.create_platform(ctx, "forum.example")
        body = ReportRequest.model_validate(report(reporter_email="sara@mail.example"))
        filed = file_report(ctx, platform_id, body)
        store.dispose()
        for name, value in {
            "DATABASE_URL": store_url,
            "LOG_KEY": str(tmp_path / "log.key"),
            "BASE_URL": "https://alteram.test",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(server.port),
            "SMTP_STARTTLS": "false",
            "SMTP_FROM": "notices@alteram.test",
        }.items():
            monkeypatch.setenv(f"ALTERAM_{name}", value)
        from alteram.cli import app

        result = CliRunner().invoke(app, ["worker", "--once"])
        assert result.exit_code == 0, result.output
        assert "1 e-mail(s) sent, 0 failed" in result.stdout
        ((rcpt, msg),) = server.received
        assert rcpt == ["sara@mail.example"] and msg["From"] == "notices@alteram.test"
        assert filed.case_id in msg["Subject"]
    finally:
        server.stop()


def test_settings_choose_the_mailer():
    assert isinstance(mailer_from(Settings()), NullMailer)
    plain = mailer_from(Settings(smtp_host="mx.example", smtp_starttls=False))
    assert isinstance(plain, SmtpMailer) and plain.config.port == 25
    assert isinstance(
        tls := mailer_from(Settings(smtp_host="mx.example", smtp_tls=True)), SmtpMailer
    )
    assert tls.config.port == 465
    default = mailer_from(Settings(smtp_host="mx.example", base_url="https://mod.example"))
    assert isinstance(default, SmtpMailer)
    assert default.config.port == 587 and default.config.sender == "alteram@mod.example"
    with pytest.raises(InvalidInput, match="ALTERAM_SMTP_FROM"):
        mailer_from(Settings(smtp_host="mx.example", smtp_from="not an address"))


def test_without_smtp_nothing_is_attempted(client, people, ctx: Context):
    assert isinstance(ctx.mailer, NullMailer)
    file(client, people, report(reporter_email="sara@mail.example"))
    assert delivery.send_pending(ctx) == delivery.Delivery()
    (row,) = [r for r in rows(ctx) if r["email"]]
    assert row["email_attempts"] == 0 and row["email_next_at"] is not None  # kept for later


def test_serve_emails_on_its_tick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real `alteram serve`: the report is answered at once, and its timer loop
    e-mails the reporter's notice (SQLite; waits for the tick by polling)."""
    import os
    import subprocess
    import sys
    import time

    import httpx

    from alteram.cli import app

    server = Server(free_port()).start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ALTERAM_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "ALTERAM_LOG_KEY": str(tmp_path / "log.key"),
        "ALTERAM_BASE_URL": base,
        "ALTERAM_TICK_SECONDS": "0.2",
        "ALTERAM_SMTP_HOST": "127.0.0.1",
        "ALTERAM_SMTP_PORT": str(server.port),
        "ALTERAM_SMTP_STARTTLS": "false",
    }
    for k in ("ALTERAM_DATABASE_URL", "ALTERAM_LOG_KEY"):
        monkeypatch.setenv(k, env[k])
    result = CliRunner().invoke(app, ["token", "create", "--platform", "forum.example"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    proc = subprocess.Popen(
        [sys.executable, "-m", "alteram", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/api/v1/policy", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        auth = {"Authorization": f"Bearer {token}"}
        r = httpx.post(
            f"{base}/api/v1/reports",
            json=report(reporter_email="sara@mail.example"),
            headers=auth,
        )
        assert r.status_code == 202, r.text
        case_id = r.json()["case_id"]
        for _ in range(300):
            if server.received:
                break
            time.sleep(0.1)
        ((rcpt, msg),) = server.received
        assert rcpt == ["sara@mail.example"] and case_id in msg["Subject"]
        assert f"{base}/cases/{case_id}" in msg.get_content()
        for _ in range(50):  # the outcome is recorded just after the server accepts
            listed = httpx.get(f"{base}/api/v1/cases/{case_id}/notices", headers=auth).json()
            (mine,) = [n for n in listed["notices"] if n["party"] == "reporter"]
            if mine["emailed_at"]:
                break
            time.sleep(0.1)
        assert mine["emailed_at"] and mine["token"] in msg.get_content()
        assert len(server.received) == 1  # ticks went on meanwhile: still one message
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        server.stop()


def test_a_dispute_appellant_is_emailed_at_the_contact_address(
    client, people, ctx: Context, server: Server
):
    from test_disputes_api import dispute_body

    r = client.post(f"{API}/disputes", json=dispute_body(contact_email="nika@mail.example"))
    assert r.status_code == 201, r.text
    case_id = r.json()["case_id"]
    assert delivery.send_pending(ctx).sent == 1  # the platform gave no address
    ((rcpt, msg),) = server.received
    assert rcpt == ["nika@mail.example"]
    assert msg["Subject"] == f"alteram case {case_id}: a notice about your content"
    assert "Your dispute with" in msg.get_content()


def test_the_author_of_content_under_a_refused_order_is_emailed(
    client, people, ctx: Context, server: Server
):
    from alteram.services import accounts
    from conftest import bearer
    from test_orders import order_body

    _, token = accounts.create_authority(ctx, "Tehran Prosecutor's Office", "IR")
    body = order_body("IR-PENAL-514", "IR")
    body["content"]["author"]["email"] = "sara@mail.example"
    r = client.post(f"{API}/orders", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    assert r.json()["state"] == "order_refused"
    assert delivery.send_pending(ctx).sent == 1
    ((rcpt, msg),) = server.received
    assert rcpt == ["sara@mail.example"]
    assert "IR-PENAL-514" in msg.get_content()
