"""Tokens, platforms and jurors: every credential random, shown once, stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from alteram.domain.panel import Juror
from alteram.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from alteram.services.context import Context
from alteram.storage.store import Tx

PLATFORM, JUROR, ADMIN, PARTY = "platform", "juror", "admin", "party"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(kind: str) -> str:
    return f"alt_{kind[:2]}_{secrets.token_urlsafe(24)}"


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(6)}"


@dataclass(frozen=True)
class Principal:
    kind: str
    subject: str  # platform id, juror id, "admin", or case id for a party
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
    with ctx.store.transaction() as tx:
        tx.add_juror(juror, ctx.now())
        return juror, issue_token(tx, ctx, JUROR, juror.id)


def set_juror_active(ctx: Context, juror_id: str, active: bool) -> None:
    with ctx.store.transaction() as tx:
        if not tx.set_juror_active(juror_id, active):
            raise NotFound(f"no juror {juror_id!r}", field="juror_id")
