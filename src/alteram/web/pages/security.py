"""Sign-in sessions, CSRF tokens and sign-in rate limiting for the web pages.

**Sessions.** A party, a juror or an administrator signs in by pasting their
token into a form (tokens never travel in URLs); a juror can sign in with a
password instead, which mints a juror token for the session
(:func:`alteram.services.accounts.password_sign_in`). The server checks it with
:func:`alteram.services.accounts.authenticate` and sets a cookie holding the
SHA-256 of the token (the key it is stored under), the area it is for and an
expiry, signed with HMAC-SHA-256. The cookie is ``HttpOnly``,
``SameSite=Lax``, ``Secure`` when the base URL is ``https``, and scoped by
``Path`` to the area: ``/cases/{case_id}`` for a party (so signing in to one
case says nothing about another), ``/juror`` and ``/admin``. Every request
looks the token up again, so a token that is deleted stops working at once.

**The key** signing sessions and CSRF tokens is derived with HKDF-SHA-256 from
the transparency log's signing key (``ALTERAM_LOG_KEY``): every ``serve``
process sharing that key accepts the same cookies, and a new log key signs
everyone out.

**CSRF.** Every POST form carries a token: the HMAC of a random value kept in
the ``alteram_csrf`` cookie (``HttpOnly``, ``SameSite=Strict``), a signed
double-submit cookie. A POST without it, or with a wrong one, gets a 403 page.

**Rate limiting.** Failed sign-ins are counted per client address in this
process's memory: after ``MAX_FAILURES`` within ``WINDOW`` the address is
refused (429) until the oldest failure leaves the window. Behind a reverse
proxy every client has the proxy's address, so the limit then applies to all
of them together; run uvicorn with ``--proxy-headers`` and a trusted
``--forwarded-allow-ips`` to count real clients.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from starlette.requests import Request
from starlette.responses import Response

from alteram.errors import Unauthenticated
from alteram.services.accounts import SESSION_SECONDS, Principal, authenticate, hash_token
from alteram.services.context import Context
from alteram.services.log import signer

CSRF_COOKIE = "alteram_csrf"
CSRF_FIELD = "csrf"
SESSION_COOKIE = "alteram_session"
MAX_FAILURES = 10
WINDOW = 600.0


def web_key(ctx: Context) -> bytes:
    """The HMAC key of sessions and CSRF tokens, derived from the log's signing key."""
    material = signer(ctx).key_string().encode()
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"alteram", info=b"web sessions v1")
    return hkdf.derive(material)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, *parts: str) -> str:
    return _b64(hmac.new(key, "\x1f".join(parts).encode(), "sha256").digest())


def secure(ctx: Context) -> bool:
    return ctx.base_url.lower().startswith("https://")


# -- sessions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """Where a session is valid: its cookie path and the token kinds it accepts."""

    path: str
    kinds: tuple[str, ...]


def party_area(case_id: str) -> Area:
    return Area(path=f"/cases/{case_id}", kinds=("party",))


JUROR_AREA = Area(path="/juror", kinds=("juror",))
ADMIN_AREA = Area(path="/admin", kinds=("admin",))


def session_value(key: bytes, token: str, area: Area, now: float) -> str:
    payload = _b64(
        json.dumps(
            {"h": hash_token(token), "a": area.path, "x": int(now) + SESSION_SECONDS},
            separators=(",", ":"),
        ).encode()
    )
    return f"{payload}.{_mac(key, 'session', payload)}"


def read_session(key: bytes, value: str | None, area: Area, now: float) -> str | None:
    """The token hash of a valid session cookie for ``area``, or ``None``."""
    if not value or "." not in value:
        return None
    payload, _, mac = value.partition(".")
    if not hmac.compare_digest(mac, _mac(key, "session", payload)):
        return None
    try:
        data: dict[str, Any] = json.loads(_unb64(payload))
    except ValueError:
        return None
    if data.get("a") != area.path or not isinstance(data.get("x"), int) or data["x"] <= now:
        return None
    token_hash = data.get("h")
    return token_hash if isinstance(token_hash, str) else None


def session_token_hash(ctx: Context, request: Request, area: Area) -> str | None:
    """The token hash of this request's valid session for ``area``, or ``None``."""
    return read_session(web_key(ctx), request.cookies.get(SESSION_COOKIE), area, time.time())


def current_principal(ctx: Context, request: Request, area: Area) -> Principal | None:
    """The principal signed in to ``area``, or ``None``."""
    token_hash = session_token_hash(ctx, request, area)
    if token_hash is None:
        return None
    with ctx.store.read() as tx:
        row = tx.token(token_hash)
    if row is None or row.kind not in area.kinds:
        return None
    return Principal(kind=row.kind, subject=row.subject, party_id=row.party_id)


def sign_in(ctx: Context, token: str, area: Area) -> Principal:
    """Check a pasted token for ``area``; raises :class:`Unauthenticated`."""
    who = authenticate(ctx, token.strip())
    if who.kind not in area.kinds:
        raise Unauthenticated("this is not a token for this page")
    return who


def set_session(response: Response, ctx: Context, token: str, area: Area) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_value(web_key(ctx), token.strip(), area, time.time()),
        max_age=SESSION_SECONDS,
        path=area.path,
        httponly=True,
        samesite="lax",
        secure=secure(ctx),
    )


def clear_session(response: Response, ctx: Context, area: Area) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path=area.path, httponly=True, samesite="lax", secure=secure(ctx)
    )


# -- CSRF ----------------------------------------------------------------------------------


def csrf_seed(request: Request) -> tuple[str, bool]:
    """The browser's CSRF cookie value, or a new one (``True`` when it must be set)."""
    seed = request.cookies.get(CSRF_COOKIE)
    if seed and 20 <= len(seed) <= 100:
        return seed, False
    return secrets.token_urlsafe(24), True


def csrf_token(key: bytes, seed: str) -> str:
    return _mac(key, "csrf", seed)


def csrf_valid(key: bytes, request: Request, submitted: str | None) -> bool:
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed or not submitted:
        return False
    return hmac.compare_digest(submitted, csrf_token(key, seed))


def set_csrf_cookie(response: Response, ctx: Context, seed: str) -> None:
    response.set_cookie(
        CSRF_COOKIE, seed, path="/", httponly=True, samesite="strict", secure=secure(ctx)
    )


# -- rate limiting ---------------------------------------------------------------------------


class SignInLimiter:
    """Failed sign-ins per client address in a sliding window (in memory, per process)."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        seen = self._failures.setdefault(address, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        return seen

    def retry_after(self, address: str, now: float | None = None) -> int:
        """Seconds until ``address`` may try again; 0 when it may now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            seen = self._recent(address, now)
            if len(seen) < self.max_failures:
                return 0
            return max(int(seen[0] + self.window - now) + 1, 1)

    def failed(self, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._recent(address, now).append(now)
            if len(self._failures) > 100_000:  # bound the memory an attacker can take
                for stale in [a for a, s in self._failures.items() if not s]:
                    del self._failures[stale]

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
