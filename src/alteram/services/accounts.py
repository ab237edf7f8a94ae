"""Tokens, platforms and jurors: every credential random, shown once, stored hashed.

Jurors sign in to the pages with a password (argon2id) set from a one-time sign-in link
an administrator issues (``alteram juror link``, or the jurors page); each sign-in mints a
juror token for the session, which sign-out deletes. An administrator can revoke one
token, or every credential of a platform or a juror, at once (``alteram token revoke``);
each revocation is a ``tokens_revoked`` event on the log, as is each change to the pool
(``juror_added``, ``juror_deactivated``, ``juror_reactivated``)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from alteram.domain.events import (
    JurorAdded,
    JurorDeactivated,
    JurorReactivated,
    TokensRevoked,
)
from alteram.domain.panel import Juror
from alteram.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from alteram.services.context import Context
from alteram.storage import credentials
from alteram.storage.store import Tx

PLATFORM, JUROR, ADMIN, PARTY = "platform", "juror", "admin", "party"
AUTHORITY = "authority"  # a court or government body sending legal orders
SESSION = "session"  # the party_id mark of a juror token minted by a password sign-in
SESSION_SECONDS = 12 * 3600  # how long a page session lasts (its cookie says until when)


_HEX = frozenset("0123456789abcdef")
_STAMP = 11  # hex digits of milliseconds since 1970 (enough until the year 2527)


def hash_token(token: str) -> str:
    """The key a token is stored and looked up under (64 characters): its SHA-256 in hex,
    or, for a token made with a time stamp (a party token, :func:`new_token`), the stamp
    and then the first 53 hex digits of the hash."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    stamp, dot, _ = token[len("alt_pa_") :].partition(".")  # after the kind's prefix
    if dot and len(stamp) == _STAMP and _HEX.issuperset(stamp):
        return stamp + digest[: 64 - _STAMP]
    return digest


def new_token(kind: str, now: datetime | None = None) -> str:
    """``alt_<kind>_<secret>`` (192 random bits), or with ``now``
    ``alt_<kind>_<stamp>.<secret>``: the party tokens of notices are made in bulk, one per
    notice, and stamped keys put a batch's tokens side by side in the tokens table's index
    (one page for the batch, not one each). Platform, juror and admin tokens are made
    rarely and keep plain keys, whose first 16 hex digits name them (``TOKEN_ID``)."""
    secret = secrets.token_urlsafe(24)
    if now is None:
        return f"alt_{kind[:2]}_{secret}"
    return f"alt_{kind[:2]}_{int(now.timestamp() * 1000):0{_STAMP}x}.{secret}"


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(6)}"


def sortable_id(prefix: str, now: datetime) -> str:
    """An id that sorts by time (milliseconds, then 48 random bits): rows made together
    are neighbours in every B-tree keyed by the id, so a commit touches one page of each,
    not one page per row. Case ids are made this way too: reports mostly join recent
    cases, whose rows in the indexes by case then sit side by side."""
    return f"{prefix}{int(now.timestamp() * 1000):011x}{secrets.token_hex(6)}"


@dataclass(frozen=True)
class Principal:
    kind: str
    subject: str  # platform id, juror id, "admin", authority id, or case id for a party
    party_id: str | None = None

    def require(self, *kinds: str) -> Principal:
        if self.kind not in kinds:
            raise Forbidden(
                f"this needs a {' or '.join(kinds)} token; yours is a {self.kind} token"
            )
        return self


def issue_token(tx: Tx, ctx: Context, kind: str, subject: str, party_id: str | None = None) -> str:
    token = new_token(kind)
    tx.add_token(hash_token(token), kind, subject, party_id, ctx.now())
    return token


def authenticate(ctx: Context, token: str | None) -> Principal:
    """Who holds this token. Read through the store's token cache: a token revoked by
    another process stops working within ``TOKEN_CACHE_SECONDS`` (one second)."""
    if not token:
        raise Unauthenticated("send your token as 'Authorization: Bearer <token>'")
    row = ctx.store.token(hash_token(token))
    if row is None:
        raise Unauthenticated("unknown or revoked token")
    return Principal(kind=row.kind, subject=row.subject, party_id=row.party_id)


def cached_principal(ctx: Context, token: str | None) -> Principal | None:
    """Who holds this token if the token cache knows it; ``None`` means "look it up"
    (:func:`authenticate`). Never touches the database, so it can run on the event loop."""
    row = ctx.store.cached_token(hash_token(token)) if token else None
    return None if row is None else Principal(row.kind, row.subject, row.party_id)


def create_platform(ctx: Context, name: str) -> tuple[str, str]:
    """Register a platform (or reuse it by name) and return ``(platform_id, token)``."""
    name = name.strip()
    if not name:
        raise InvalidInput("a platform needs a name", field="name")
    with ctx.store.transaction() as tx:
        platform_id = tx.platform_id_by_name(name)
        if platform_id is None:
            platform_id = new_id("p")
            tx.add_platform(platform_id, name, ctx.now())
        return platform_id, issue_token(tx, ctx, PLATFORM, platform_id)


def create_authority(ctx: Context, name: str, jurisdiction: str) -> tuple[str, str]:
    """Register an issuing authority (or reuse it by name) for one jurisdiction of the
    policy's table; return ``(authority_id, token)``. Its orders are bound to that
    jurisdiction."""
    from alteram.storage import orders as store

    name, code = name.strip(), jurisdiction.strip().upper()
    if not name:
        raise InvalidInput("an authority needs a name", field="name")
    if len(name) > 300:
        raise InvalidInput("an authority's name is at most 300 characters", field="name")
    ctx.policy.jurisdiction(code)
    with ctx.store.transaction() as tx:
        found = store.authority_by_name(tx.conn, name)
        if found is None:
            authority_id = new_id("a")
            store.add_authority(tx.conn, authority_id, name, code, ctx.now())
        elif found["jurisdiction"] != code:
            raise InvalidInput(
                f"authority {name!r} is registered for {found['jurisdiction']}, not {code}",
                field="jurisdiction",
            )
        else:
            authority_id = str(found["id"])
        return authority_id, issue_token(tx, ctx, AUTHORITY, authority_id)


def create_admin_token(ctx: Context) -> str:
    with ctx.store.transaction() as tx:
        return issue_token(tx, ctx, ADMIN, "admin")


def _clean_list(values: list[str], field: str) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(v.strip() for v in values if v.strip()))
    if any(len(v) > 200 for v in out):
        raise InvalidInput("each entry must be at most 200 characters", field=field)
    return out


def add_juror(
    ctx: Context,
    name: str,
    languages: list[str],
    conflicts: list[str] | None = None,
    handles: list[str] | None = None,
) -> tuple[Juror, str]:
    """Add a pool member; return the juror (with public id) and their token."""
    if not name.strip():
        raise InvalidInput("a juror needs a name", field="name")
    langs = _clean_list([lang.lower() for lang in languages], "languages")
    if not langs:
        raise InvalidInput("a juror reads at least one language, e.g. en or fa", field="languages")
    juror = Juror(
        id=new_id("j"),
        name=name.strip(),
        languages=langs,
        conflicts=_clean_list(conflicts or [], "conflicts"),
        handles=_clean_list(handles or [], "handles"),
    )
    now = ctx.now()
    with ctx.store.transaction() as tx:
        tx.add_juror(juror, now)
        token = issue_token(tx, ctx, JUROR, juror.id)
        tx.append_events(
            [
                JurorAdded(
                    case_id=f"account:{JUROR}:{juror.id}",
                    at=now,
                    juror_id=juror.id,
                    languages=list(juror.languages),
                )
            ]
        )
    _after_append(ctx)
    return juror, token


def set_juror_active(ctx: Context, juror_id: str, active: bool) -> bool:
    """Put a juror in or out of the pool for future draws, on the record. A deactivated
    juror keeps the seats they hold (an administrator cannot change a panel). Returns
    whether anything changed (setting the state a juror is in already records nothing)."""
    now = ctx.now()
    with ctx.store.transaction() as tx:
        was = credentials.juror_active(tx.conn, juror_id)
        if was is None:
            raise NotFound(f"no juror {juror_id!r}", field="juror_id")
        if was == active:
            return False
        tx.set_juror_active(juror_id, active)
        subject = f"account:{JUROR}:{juror_id}"
        event: JurorReactivated | JurorDeactivated = (
            JurorReactivated(case_id=subject, at=now, juror_id=juror_id)
            if active
            else JurorDeactivated(
                case_id=subject,
                at=now,
                juror_id=juror_id,
                open_seats=len(tx.open_seats(juror_id)),
            )
        )
        tx.append_events([event])
    _after_append(ctx)
    return True


# -- jurors' passwords and one-time sign-in links ---------------------------------------------

LINK_MINUTES = 60
MAX_LINK_MINUTES = 7 * 24 * 60
MIN_PASSWORD, MAX_PASSWORD = 12, 200
_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# Verified against when a juror has no password, so the answer takes as long either way.
_NO_PASSWORD = _hasher.hash(secrets.token_urlsafe(16))


def issue_signin_link(ctx: Context, juror_id: str, minutes: int = LINK_MINUTES) -> str:
    """A one-time sign-in link for a juror (their first sign-in, or a forgotten password):
    only the SHA-256 of its secret is stored; it works once, for ``minutes``."""
    if not 1 <= minutes <= MAX_LINK_MINUTES:
        raise InvalidInput(f"a sign-in link lasts 1 to {MAX_LINK_MINUTES} minutes", field="minutes")
    secret = secrets.token_urlsafe(32)
    now = ctx.now()
    with ctx.store.transaction() as tx:
        if not credentials.juror_exists(tx.conn, juror_id):
            raise NotFound(f"no juror {juror_id!r}", field="juror_id")
        credentials.add_link(
            tx.conn, hash_token(secret), juror_id, now, now + timedelta(minutes=minutes)
        )
    return f"{ctx.base_url.rstrip('/')}/juror/link/{secret}"


def link_holder(ctx: Context, secret: str) -> str:
    """The juror a still-valid link is for (the link is not used up)."""
    with ctx.store.read() as tx:
        juror_id = credentials.link_juror(tx.conn, hash_token(secret), ctx.now())
    if juror_id is None:
        raise Unauthenticated("this sign-in link is unknown, used or expired; ask for a new one")
    return juror_id


def _check_password(password: str, again: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            f"choose a password of {MIN_PASSWORD} to {MAX_PASSWORD} characters", field="password"
        )
    if password != again:
        raise InvalidInput("the two passwords differ; type the same one twice", field="again")


def use_signin_link(ctx: Context, secret: str, password: str, again: str) -> tuple[str, str]:
    """Use a one-time link: set the juror's password and return ``(juror_id, session
    token)``. The link is gone afterwards, whether or not it had expired."""
    _check_password(password, again)
    phc = _hasher.hash(password)
    now = ctx.now()
    with ctx.store.transaction() as tx:
        juror_id = credentials.take_link(tx.conn, hash_token(secret), now)
        if juror_id is None:
            raise Unauthenticated(
                "this sign-in link is unknown, used or expired; ask for a new one"
            )
        credentials.set_password(tx.conn, juror_id, phc, now)
        return juror_id, _new_session(tx, ctx, juror_id)


def password_sign_in(ctx: Context, juror_id: str, password: str) -> str:
    """Check a juror's password; return a new juror token for the session."""
    juror_id = juror_id.strip()
    with ctx.store.read() as tx:
        phc = credentials.password_hash(tx.conn, juror_id) if juror_id else None
        active = any(j.id == juror_id for j in tx.jurors(active_only=True)) if phc else False
    try:
        _hasher.verify(phc or _NO_PASSWORD, password[:MAX_PASSWORD])
        ok = phc is not None and active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        raise Unauthenticated("unknown juror id or wrong password")
    with ctx.store.transaction() as tx:
        return _new_session(tx, ctx, juror_id)


def _new_session(tx: Tx, ctx: Context, juror_id: str) -> str:
    """A juror token for a page session; the juror's expired sessions go (a juror who
    never signs out would otherwise leave one token row per sign-in)."""
    expired = ctx.now() - timedelta(seconds=SESSION_SECONDS)
    credentials.delete_sessions_before(tx.conn, juror_id, expired)
    return issue_token(tx, ctx, JUROR, juror_id, SESSION)


def end_session(ctx: Context, token_hash: str) -> None:
    """Sign-out: a token minted for a password sign-in stops working (a pasted API
    token is left alone)."""
    with ctx.store.transaction() as tx:
        row = tx.token(token_hash)
        if row is not None and row.kind == JUROR and row.party_id == SESSION:
            credentials.delete_tokens(tx.conn, [token_hash])


# -- revocation ----------------------------------------------------------------------------


def holder_tokens(ctx: Context, kind: str, subject: str) -> list[dict[str, object]]:
    with ctx.store.read() as tx:
        return credentials.tokens_of(tx.conn, kind, subject)


def _revoked(tx: Tx, ctx: Context, kind: str, holder: str, scope: str, hashes: list[str]) -> None:
    credentials.delete_tokens(tx.conn, hashes)
    event = TokensRevoked(
        case_id=f"account:{kind}:{holder}",
        at=ctx.now(),
        holder_kind=kind,
        holder=holder,
        scope=scope,
        token_ids=[h[: credentials.TOKEN_ID] for h in hashes],
    )
    tx.append_events([event])


def revoke_token(ctx: Context, token_id: str) -> tuple[str, str]:
    """Revoke one token by its id (the first 16 hex digits of its SHA-256); returns
    ``(kind, holder)``. Effective at once: every request looks its token up again."""
    with ctx.store.transaction() as tx:
        found = credentials.token_by_id(tx.conn, token_id.strip().lower())
        if found is None or found[1] == PARTY:
            raise NotFound(f"no platform, juror or admin token {token_id!r}", field="token_id")
        token_hash, kind, holder = found
        _revoked(tx, ctx, kind, holder, "one", [token_hash])
    _after_append(ctx)
    return kind, holder


def revoke_all(ctx: Context, kind: str, holder: str) -> int:
    """Revoke every token of a platform or a juror (for a juror also the password and any
    unused sign-in link: a new link must be issued). Returns how many tokens went."""
    if kind not in (PLATFORM, JUROR):
        raise InvalidInput("revoke the tokens of a platform or of a juror", field="kind")
    with ctx.store.transaction() as tx:
        exists = credentials.platform_exists if kind == PLATFORM else credentials.juror_exists
        if not exists(tx.conn, holder):
            raise NotFound(f"no {kind} {holder!r}", field=kind)
        hashes = credentials.all_token_hashes(tx.conn, kind, holder)
        if kind == JUROR:
            credentials.forget_juror_sign_in(tx.conn, holder)
        _revoked(tx, ctx, kind, holder, "all", hashes)
    _after_append(ctx)
    return len(hashes)


def _after_append(ctx: Context) -> None:
    from alteram.services.log import after_append

    after_append(ctx)
