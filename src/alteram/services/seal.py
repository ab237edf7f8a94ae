"""Party tokens at rest in the notices outbox, sealed.

Each notice carries its party's capability token: the filing platform fetches it
(``GET /api/v1/cases/{id}/notices``) and the e-mail outbox sends it, so it must be
readable again, while the ``tokens`` table keeps only its hash. In the notices table
the token is therefore sealed: AES-256-GCM under a key derived (HKDF-SHA-256) from the
log's signing key, which is a file outside the database (``ALTERAM_LOG_KEY``), with the
notice's case and party as associated data, so a sealed token opens only on its own row.
A copy of the database alone yields no party token.

A stored value without the ``s1.`` prefix is read as it is: the empty token of a
reporter-standing notice, or a token stored before sealing (migration ``0017``), which
``alteram db upgrade`` seals (:func:`seal_stored`).
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from alteram.services.context import Context
from alteram.services.log import signer
from alteram.storage import outbox

PREFIX: Final = "s1."
_NONCE = 12


class Seal:
    """Seals and opens notice tokens under one key."""

    def __init__(self, material: bytes) -> None:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"alteram", info=b"notice tokens v1")
        self._aead = AESGCM(hkdf.derive(material))

    def seal(self, token: str, case_id: str, party_id: str) -> str:
        nonce = os.urandom(_NONCE)
        box = self._aead.encrypt(nonce, token.encode(), _where(case_id, party_id))
        return PREFIX + base64.urlsafe_b64encode(nonce + box).decode().rstrip("=")

    def open(self, stored: str, case_id: str, party_id: str) -> str | None:
        """The token, or ``None`` when it was sealed under another key (the log key was
        replaced) or for another row."""
        if not stored.startswith(PREFIX):
            return stored
        text = stored[len(PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            plain = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], _where(case_id, party_id))
        except (InvalidTag, binascii.Error, ValueError):
            return None
        return plain.decode()


def _where(case_id: str, party_id: str) -> bytes:
    return f"{case_id}\x1f{party_id}".encode()


@lru_cache(maxsize=8)
def _seal(material: str) -> Seal:
    return Seal(material.encode())


def seal_for(ctx: Context) -> Seal:
    """The seal of this instance's log key."""
    return _seal(signer(ctx).key_string())


def seal_stored(ctx: Context, batch: int = 1000) -> int:
    """Seal the tokens of notices stored in the clear (before migration ``0017``); returns
    how many. One pass over the notices table: ``alteram db upgrade`` runs it."""
    seal, done, after = seal_for(ctx), 0, 0
    while True:
        with ctx.store.transaction() as tx:
            rows = outbox.unsealed_tokens(tx.conn, after, batch, PREFIX)
            outbox.set_tokens(tx.conn, {i: seal.seal(tok, c, p) for i, c, p, tok in rows})
        if not rows:
            return done
        done, after = done + len(rows), rows[-1][0]


def opened(ctx: Context, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Notice rows (``case_id``, ``party_id``, ``token``) with their tokens opened."""
    seal = seal_for(ctx)
    return [{**r, "token": seal.open(r["token"], r["case_id"], r["party_id"])} for r in rows]
