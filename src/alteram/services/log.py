"""The transparency log's key and signed checkpoints.

The signing key lives in a file outside the database (``ALTERAM_LOG_KEY``),
created on first start; its verifier key is public. A checkpoint (C2SP
``tlog-checkpoint``, signed as a C2SP signed note) is signed whenever the log
has grown since the last one: after an appending transaction (at most once a
second per process), on every timer tick, and when one is asked for.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError

from alteram.errors import InvalidInput
from alteram.services.context import Context
from alteram.tlog import Checkpoint, Signer, generate_key, sign_checkpoint

_last_signed: dict[int, float] = {}


def default_origin(base_url: str) -> str:
    host = urlsplit(base_url).netloc or "alteram.invalid"
    return f"{host}/log"


def load_or_create_signer(path: str | os.PathLike[str], origin: str) -> Signer:
    """Read the signer key file, or create it (mode 0600) if it does not exist."""
    p = Path(path)
    if not p.exists():
        signer_key, _ = generate_key(origin)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(signer_key + "\n")
    text = p.read_text().strip()
    try:
        return Signer.from_key_string(text)
    except InvalidInput as exc:
        raise InvalidInput(f"{p}: not a signed-note signer key: {exc.message}") from None


def signer(ctx: Context) -> Signer:
    if ctx.signer is None:
        seed, _ = generate_key(default_origin(ctx.base_url))
        ctx.signer = Signer.from_key_string(seed)
    return ctx.signer


def verifier_key(ctx: Context) -> str:
    return signer(ctx).verifier().key_string()


def checkpoint(ctx: Context) -> str:
    """The latest signed checkpoint, signing a new one if the log has grown."""
    s = signer(ctx)
    with ctx.store.read() as tx:
        size = tx.log.size()
        latest = tx.log.latest_checkpoint()
        if latest is not None and latest[0] == size:
            return latest[1]
        note = sign_checkpoint(Checkpoint(s.name, size, tx.log.root(size)), s)
    try:
        with ctx.store.transaction() as tx:
            tx.log.save_checkpoint(size, note, ctx.now())
    except IntegrityError:  # another process signed this size first; same tree, keep theirs
        with ctx.store.transaction() as tx:
            latest = tx.log.latest_checkpoint()
            assert latest is not None
            return latest[1]
    return note


def after_append(ctx: Context) -> None:
    """Called after a transaction that appended: sign, at most once a second."""
    now = time.monotonic()
    if now - _last_signed.get(id(ctx), 0.0) >= 1.0:
        _last_signed[id(ctx)] = now
        checkpoint(ctx)
