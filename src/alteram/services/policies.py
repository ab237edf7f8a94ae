"""Versioned policy: publish a validated new version; every process sees it.

Each published version is stored whole (YAML text, version id, SHA-256 of the text,
when and by whom) in ``policy_versions``, and its publication is a
``policy_published`` event on the public log. The latest stored version is the one
**in force**; before any is published, the policy in force is the operator's file
(``ALTERAM_POLICY``) or the packaged default.

**A case keeps the version it was opened under** (``Case.policy_version``): the
author was notified under those rules and is heard on them, so deadlines, panel
sizes, the ballot check and the ruling's citation all use that version
(:func:`policy_for`). A newly published version applies to cases opened from then
on. A report that joins an open case is heard under the case's version too.

Several processes share a database (``serve`` workers, ``alteram worker``): each
looks for a newer version at most every ``Context.policy_refresh_seconds`` (1 s)
when a request comes in or a deadline tick runs (:func:`refresh`).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from alteram.domain.events import PolicyPublished
from alteram.domain.policy import Policy
from alteram.domain.policy_file import parse_policy
from alteram.errors import Conflict, NotFound
from alteram.services.context import Context
from alteram.storage import policies as stored
from alteram.storage.store import Tx

LOG_SUBJECT = "policy"  # the pseudo case id of policy events in the log


@dataclass(frozen=True)
class Version:
    version: str
    sha256: str
    published_at: datetime | None  # None: the file or packaged policy, never published
    published_by: str
    in_force: bool


def _parse(version: str, text: str) -> Policy:
    return parse_policy(text, source=f"policy version {version}")


def policy_for(ctx: Context, version: str, tx: Tx | None = None) -> Policy:
    """The policy a case opened under ``version`` is judged by: that stored version,
    or the one in force when ``version`` is not stored (the policy from the file)."""
    if version == ctx.policy.version:
        return ctx.policy
    found = ctx.policies.get(version)
    if found is not None:
        return found
    if tx is not None:
        text = stored.text_of(tx.conn, version)
    else:
        with ctx.store.read() as rtx:
            text = stored.text_of(rtx.conn, version)
    if text is None:
        return ctx.policy
    policy = _parse(version, text)
    ctx.policies[version] = policy
    return policy


def refresh(ctx: Context, *, force: bool = False) -> Policy:
    """Bring ``ctx.policy`` up to the latest published version (checked at most every
    ``ctx.policy_refresh_seconds`` unless ``force``)."""
    now = time.monotonic()
    if not force and now - ctx.policy_checked_at < ctx.policy_refresh_seconds:
        return ctx.policy
    ctx.policy_checked_at = now
    with ctx.store.read() as tx:
        latest = stored.latest_version(tx.conn)
        if latest is None or latest == ctx.policy.version:
            return ctx.policy
        newer = policy_for(ctx, latest, tx)
    ctx.policies.setdefault(ctx.policy.version, ctx.policy)  # cases opened under it
    ctx.policy = newer
    return newer


def publish(ctx: Context, text: str, *, source: str, by: str) -> Policy:
    """Validate ``text`` (raises :class:`PolicyInvalid` with every problem) and put it
    in force, for new cases, at once; a version id already used is refused (409)."""
    policy = parse_policy(text, source=source)
    refresh(ctx, force=True)
    sha = hashlib.sha256(text.encode()).hexdigest()
    taken = Conflict(
        f"policy version {policy.version!r} exists already; give the new text a new "
        "version id (the top-level 'version' field)",
        field="version",
    )
    if policy.version == ctx.policy.version or policy.version in ctx.policies:
        raise taken
    previous = ctx.policy.version
    try:
        with ctx.store.transaction() as tx:
            if stored.text_of(tx.conn, policy.version) is not None:
                raise taken
            now = ctx.now()
            stored.add(tx.conn, policy.version, sha, text, now, by[:200])
            tx.append_events(
                [
                    PolicyPublished(
                        case_id=LOG_SUBJECT,
                        at=now,
                        version=policy.version,
                        sha256=sha,
                        previous=previous,
                    )
                ]
            )
    except IntegrityError:  # another process published the same version id first
        raise taken from None
    from alteram.services.log import after_append

    after_append(ctx)
    ctx.policies.setdefault(previous, ctx.policy)
    ctx.policies[policy.version] = policy
    ctx.policy = policy
    return policy


def versions(ctx: Context) -> list[Version]:
    """Every version, newest first; the policy from the file or the package last when
    it is not among the stored ones."""
    refresh(ctx)
    with ctx.store.read() as tx:
        rows = stored.versions(tx.conn)
    out = [
        Version(
            version=r["version"],
            sha256=r["sha256"],
            published_at=r["published_at"],
            published_by=r["published_by"],
            in_force=r["version"] == ctx.policy.version,
        )
        for r in rows
    ]
    known = {v.version for v in out}
    initial = [p for v, p in ctx.policies.items() if v not in known]
    if ctx.policy.version not in known:
        initial = [ctx.policy]
    out += [
        Version(
            version=p.version,
            sha256="",
            published_at=None,
            published_by="",
            in_force=p.version == ctx.policy.version,
        )
        for p in initial[:1]
    ]
    return out


def version_text(ctx: Context, version: str) -> str:
    with ctx.store.read() as tx:
        text = stored.text_of(tx.conn, version)
    if text is None:
        raise NotFound(f"no published policy version {version!r}", field="version")
    return text
