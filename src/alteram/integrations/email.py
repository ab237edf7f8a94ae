"""E-mail: one capability, a real implementation over SMTP (aiosmtplib) and a null one.

:class:`Mailer` is what the services see. :class:`SmtpMailer` sends over one SMTP
connection per batch; :class:`NullMailer` stands in when ``ALTERAM_SMTP_HOST`` is
unset and sends nothing. The SMTP password is held as a ``SecretStr``: it is in no
repr, and every error text leaving this module has it (and its base64 forms, as
sent by ``AUTH PLAIN`` and ``AUTH LOGIN``) replaced by ``***``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Annotated, Protocol
from urllib.parse import urlsplit

import aiosmtplib
from pydantic import AfterValidator, SecretStr
from pydantic_core import PydanticCustomError

from alteram.config import Settings
from alteram.errors import InvalidInput

MAX_ADDRESS = 254  # RFC 5321's path limit less the angle brackets
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~.-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+")


def check_address(value: str) -> str:
    """A plain ASCII ``name@domain.tld`` (an internationalised domain in its ``xn--``
    form); anything else, display names and line breaks included, is refused."""
    value = value.strip()
    local = value.split("@", 1)[0]
    if (
        len(value) > MAX_ADDRESS
        or not _ADDRESS.fullmatch(value)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
    ):
        raise PydanticCustomError(
            "email",
            "not an e-mail address: write it as name@example.org (ASCII only, at most "
            "254 characters; an internationalised domain in its xn-- form)",
        )
    return value


EmailAddress = Annotated[str, AfterValidator(check_address)]
"""An e-mail address field for request models (see :func:`check_address`)."""


@dataclass(frozen=True)
class Message:
    """One plain-text e-mail to one recipient."""

    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class Outcome:
    """What became of one message: ``error`` is None when the server accepted it;
    ``permanent`` when the server refused it for good (a 5xx reply to it)."""

    error: str | None = None
    permanent: bool = False

    @property
    def sent(self) -> bool:
        return self.error is None


class Mailer(Protocol):
    @property
    def enabled(self) -> bool:
        """Whether this mailer sends anything at all."""
        ...

    @property
    def timeout(self) -> float:
        """The longest wait, in seconds, at each step of sending."""
        ...

    async def send(self, messages: Sequence[Message]) -> list[Outcome]:
        """Send each message; one outcome per message, in order. Never raises for a
        delivery problem: the problem is the outcome."""
        ...


class NullMailer:
    """No SMTP configured: nothing is sent, nothing is attempted."""

    enabled = False
    timeout = 0.0

    async def send(self, messages: Sequence[Message]) -> list[Outcome]:
        return [Outcome("e-mail is not configured (ALTERAM_SMTP_HOST)") for _ in messages]

    def __repr__(self) -> str:
        return "NullMailer()"


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: SecretStr | None = field(default=None, repr=False)
    starttls: bool = True
    tls: bool = False
    ca_file: str | None = None  # trusted CAs (PEM) instead of the system's
    timeout: float = 30.0


class SmtpMailer:
    """Sends over SMTP with aiosmtplib: one connection (and login) per batch."""

    enabled = True

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    @property
    def timeout(self) -> float:
        return self.config.timeout

    def __repr__(self) -> str:
        c = self.config
        return f"SmtpMailer(host={c.host!r}, port={c.port}, username={c.username!r})"

    def _secrets(self) -> list[str]:
        c = self.config
        if c.password is None:
            return []
        pw = c.password.get_secret_value()
        if not pw:
            return []
        forms = [pw, base64.b64encode(pw.encode()).decode()]
        user = c.username or ""
        forms.append(base64.b64encode(f"\0{user}\0{pw}".encode()).decode())
        return sorted(forms, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """``text`` with every form of the password replaced by ``***``."""
        for secret in self._secrets():
            text = text.replace(secret, "***")
        return text

    def _describe(self, exc: BaseException) -> str:
        text = str(exc).strip() or "no detail"
        return self.scrub(f"{type(exc).__name__}: {text}")[:500]

    async def send(self, messages: Sequence[Message]) -> list[Outcome]:
        if not messages:
            return []
        c = self.config
        client = aiosmtplib.SMTP(
            hostname=c.host,
            port=c.port,
            username=c.username,
            password=c.password.get_secret_value() if c.password else None,
            use_tls=c.tls,
            start_tls=False if c.tls else c.starttls,
            cert_bundle=c.ca_file,
            timeout=c.timeout,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            down = Outcome(self._describe(exc))
            return [down for _ in messages]
        out: list[Outcome] = []
        try:
            for message in messages:
                if not client.is_connected:  # the connection broke: the rest wait for a retry
                    out.append(Outcome("the SMTP server closed the connection before this one"))
                    continue
                out.append(await self._send_one(client, message))
        finally:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
        return out

    async def _send_one(self, client: aiosmtplib.SMTP, message: Message) -> Outcome:
        """Send one message on an open connection. Permanent: a 5xx refusal of this
        message or its mailbox (not of the sender, which is the operator's to fix)."""
        try:
            await client.send_message(self.compose(message))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            return Outcome(self._describe(exc), permanent=bool(codes) and min(codes) >= 500)
        except (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError) as exc:
            return Outcome(self._describe(exc), permanent=exc.code >= 500)
        except (aiosmtplib.SMTPException, OSError) as exc:
            return Outcome(self._describe(exc))
        return Outcome()

    def compose(self, message: Message) -> EmailMessage:
        """A plain-text UTF-8 message (RFC 2047 subject, so Persian reads as written)."""
        msg = EmailMessage()
        msg["From"] = self.config.sender
        msg["To"] = message.to
        msg["Subject"] = message.subject
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = make_msgid(domain=Address(addr_spec=self.config.sender).domain)
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
        msg.set_content(message.body, charset="utf-8")
        return msg


def mailer_from(settings: Settings) -> Mailer:
    """The mailer the settings ask for: SMTP when ``ALTERAM_SMTP_HOST`` is set."""
    if not settings.smtp_host:
        return NullMailer()
    port = settings.smtp_port or (
        465 if settings.smtp_tls else 587 if settings.smtp_starttls else 25
    )
    host = urlsplit(settings.base_url).hostname or "localhost"
    sender = settings.smtp_from or f"alteram@{host}"
    try:
        sender = check_address(sender)
    except PydanticCustomError:
        raise InvalidInput(
            f"ALTERAM_SMTP_FROM {sender!r} is not an e-mail address: set it to one such as "
            "alteram@example.org",
            field="ALTERAM_SMTP_FROM",
        ) from None
    return SmtpMailer(
        SmtpConfig(
            host=settings.smtp_host,
            port=port,
            sender=sender,
            username=settings.smtp_username or None,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            tls=settings.smtp_tls,
            ca_file=settings.smtp_ca_file or None,
            timeout=settings.smtp_timeout,
        )
    )
