"""E-mail over TLS, against a real SMTP server (aiosmtpd) with a certificate made here:
STARTTLS (the default), SMTPS, a private CA (ALTERAM_SMTP_CA_FILE), and the refusals
that keep a notice and its token from going out unprotected."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from alteram.config import Settings
from alteram.integrations.email import Message, SmtpConfig, SmtpMailer, mailer_from

NOTICE = Message(to="roya@mail.example", subject="alteram case c1", body="Your token: alt_pa_x")


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


@dataclass
class Pki:
    ca_file: Path  # the private CA that signed the server's certificate
    server: ssl.SSLContext


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A private CA and a certificate for 127.0.0.1 that it signed."""
    tmp = tmp_path_factory.mktemp("pki")
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("alteram test CA"))
        .issuer_name(_name("alteram test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (tmp / "ca.pem").write_bytes(ca.public_bytes(pem))
    (tmp / "server.pem").write_bytes(leaf.public_bytes(pem))
    (tmp / "server.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(tmp / "server.pem", tmp / "server.key")
    return Pki(ca_file=tmp / "ca.pem", server=server)


@dataclass
class Inbox:
    received: list[tuple[list[str], bool]] = field(default_factory=list)  # (to, over TLS)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), session.ssl is not None))
        return "250 OK"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start aiosmtpd on a free port with the given options; stopped after the test."""
    started: list[Controller] = []

    def start(**kwargs: Any) -> tuple[int, Inbox]:
        inbox, port = Inbox(), _port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        started.append(controller)
        return port, inbox

    yield start
    for controller in started:
        controller.stop()


def _send(port: int, **config: Any) -> list[Any]:
    mailer = SmtpMailer(
        SmtpConfig(host="127.0.0.1", port=port, sender="alteram@alteram.test", timeout=10, **config)
    )
    return asyncio.run(mailer.send([NOTICE]))


def test_starttls_with_the_private_ca_delivers_over_tls(serve: Any, pki: Pki) -> None:
    port, inbox = serve(tls_context=pki.server, require_starttls=True)
    (outcome,) = _send(port, ca_file=str(pki.ca_file))  # STARTTLS is the default
    assert outcome.sent, outcome.error
    assert inbox.received == [(["roya@mail.example"], True)]


def test_smtps_with_the_private_ca_delivers(serve: Any, pki: Pki) -> None:
    port, inbox = serve(ssl_context=pki.server)
    (outcome,) = _send(port, tls=True, ca_file=str(pki.ca_file))
    assert outcome.sent, outcome.error
    assert len(inbox.received) == 1


def test_an_untrusted_certificate_sends_nothing(serve: Any, pki: Pki) -> None:
    port, inbox = serve(tls_context=pki.server, require_starttls=True)
    (outcome,) = _send(port)  # the system's trust store does not know the private CA
    assert not outcome.sent and not outcome.permanent  # retried later, once it is fixed
    assert "certificate" in (outcome.error or "").lower()
    assert inbox.received == []


def test_a_server_without_starttls_gets_nothing_in_the_clear(serve: Any) -> None:
    port, inbox = serve()  # offers no STARTTLS
    (outcome,) = _send(port)
    assert not outcome.sent and "STARTTLS" in (outcome.error or "")
    assert inbox.received == []
    (clear,) = _send(port, starttls=False)  # only when the operator says so
    assert clear.sent and inbox.received == [(["roya@mail.example"], False)]


def test_the_ca_file_setting_reaches_the_mailer(tmp_path: Path) -> None:
    settings = Settings(smtp_host="mail.example", smtp_ca_file=str(tmp_path / "ca.pem"))
    mailer = mailer_from(settings)
    assert isinstance(mailer, SmtpMailer)
    assert mailer.config.ca_file == str(tmp_path / "ca.pem") and mailer.config.starttls
