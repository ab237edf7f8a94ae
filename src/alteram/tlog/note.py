"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys.

A signed note is a text ending in a newline, a blank line, and one or more
signature lines ``— <key name> base64(key ID ‖ signature)``. The key ID of an
Ed25519 key is ``SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]``.

Keys travel as strings in the format of Go's ``golang.org/x/mod/sumdb/note``:

* verifier key: ``<name>+<key ID, 8 hex digits>+base64(0x01 ‖ public key)``;
* signer key: ``PRIVATE+KEY+<name>+<key ID>+base64(0x01 ‖ 32-byte seed)``.

Errors: a malformed key string or an unsignable text is
:class:`~alteram.errors.InvalidInput`; a note that does not verify is
:class:`~alteram.errors.VerificationFailed`, saying whether it is malformed,
signed by no known key, or carries a bad signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Iterable
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from alteram.errors import InvalidInput, VerificationFailed

ALG_ED25519: Final = 0x01
"""Signature type byte of Ed25519 in key IDs and key strings."""

SIGNATURE_PREFIX: Final = "\u2014 "
"""Every signature line starts with an em dash (U+2014) and a space."""

MAX_SIGNATURES: Final = 100
"""Notes with more signature lines are rejected (the spec requires >= 16)."""

MAX_NOTE_BYTES: Final = 1 << 20
"""Notes longer than this (UTF-8) are rejected before parsing."""

_PRIVATE_PREFIX: Final = "PRIVATE+KEY+"
_HEX8: Final = re.compile(r"[0-9a-fA-F]{8}")
_CONTROL: Final = re.compile(r"[\x00-\x09\x0b-\x1f]")


def _b64decode(text: str) -> bytes | None:
    """Strict standard base64 (RFC 4648 §4): padded, canonical, nothing else."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode("ascii") == text else None


def is_valid_name(name: str) -> bool:
    """A key name is non-empty and contains no Unicode space and no ``+``."""
    return (
        bool(name)
        and "+" not in name
        and not any(c.isspace() for c in name)
        and (_CONTROL.search(name) is None)
    )


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID ``SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public_key)[:4]``."""
    h = hashlib.sha256(name.encode("utf-8"))
    h.update(b"\n")
    h.update(bytes([ALG_ED25519]))
    h.update(public_key)
    return h.digest()[:4]


def _split_key(text: str, what: str) -> tuple[str, bytes, bytes]:
    """``name+hexid+base64`` → (name, key id, key bytes after the type byte)."""
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise InvalidInput(f"malformed {what}: expected name+keyid+base64key")
    name, hex_id, b64 = parts
    if not is_valid_name(name):
        raise InvalidInput(f"malformed {what}: invalid key name {name!r}")
    if not _HEX8.fullmatch(hex_id):
        raise InvalidInput(f"malformed {what}: key ID must be 8 hex digits")
    raw = _b64decode(b64)
    if raw is None:
        raise InvalidInput(f"malformed {what}: key is not valid base64")
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise InvalidInput(f"malformed {what}: not an Ed25519 key (0x01 then 32 bytes)")
    return name, bytes.fromhex(hex_id), raw[1:]


class Verifier:
    """An Ed25519 public key with its name: checks signatures on notes."""

    __slots__ = ("_key", "_key_id", "_name", "_public")

    def __init__(self, name: str, public_key: bytes) -> None:
        if not is_valid_name(name):
            raise InvalidInput(f"invalid key name {name!r}: non-empty, no spaces, no '+'")
        if len(public_key) != 32:
            raise InvalidInput("an Ed25519 public key is 32 bytes")
        self._name = name
        self._public = bytes(public_key)
        self._key_id = key_id(name, self._public)
        try:
            self._key = Ed25519PublicKey.from_public_bytes(self._public)
        except ValueError:
            raise InvalidInput("not a valid Ed25519 public key") from None

    @classmethod
    def from_key_string(cls, text: str) -> Verifier:
        """Parse ``name+hexkeyid+base64(0x01 ‖ public key)``; the key ID must match."""
        name, kid, public = _split_key(text.strip(), "verifier key")
        verifier = cls(name, public)
        if verifier.key_id != kid:
            raise InvalidInput("malformed verifier key: key ID does not match the key")
        return verifier

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> bytes:
        return self._key_id

    @property
    def public_key(self) -> bytes:
        return self._public

    def key_string(self) -> str:
        """``name+hexkeyid+base64(0x01 ‖ public key)``, for publication."""
        b64 = base64.b64encode(bytes([ALG_ED25519]) + self._public).decode("ascii")
        return f"{self._name}+{self._key_id.hex()}+{b64}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        if len(signature) != 64:
            return False
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def __str__(self) -> str:
        return self.key_string()

    def __repr__(self) -> str:
        return f"Verifier({self.key_string()!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verifier):
            return NotImplemented
        return (self._name, self._public) == (other._name, other._public)

    def __hash__(self) -> int:
        return hash((self._name, self._public))


class Signer:
    """An Ed25519 private key with its name: signs notes. ``repr`` hides the key."""

    __slots__ = ("_key", "_key_id", "_name", "_public", "_seed")

    def __init__(self, name: str, seed: bytes) -> None:
        if not is_valid_name(name):
            raise InvalidInput(f"invalid key name {name!r}: non-empty, no spaces, no '+'")
        if len(seed) != 32:
            raise InvalidInput("an Ed25519 private key seed is 32 bytes")
        self._name = name
        self._seed = bytes(seed)
        self._key = Ed25519PrivateKey.from_private_bytes(self._seed)
        self._public = self._key.public_key().public_bytes_raw()
        self._key_id = key_id(name, self._public)

    @classmethod
    def from_key_string(cls, text: str) -> Signer:
        """Parse ``PRIVATE+KEY+name+hexkeyid+base64(0x01 ‖ seed)``; the key ID must match."""
        text = text.strip()
        if not text.startswith(_PRIVATE_PREFIX):
            raise InvalidInput("malformed signer key: must start with PRIVATE+KEY+")
        name, kid, seed = _split_key(text[len(_PRIVATE_PREFIX) :], "signer key")
        signer = cls(name, seed)
        if signer.key_id != kid:
            raise InvalidInput("malformed signer key: key ID does not match the key")
        return signer

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> bytes:
        return self._key_id

    @property
    def public_key(self) -> bytes:
        return self._public

    def verifier(self) -> Verifier:
        return Verifier(self._name, self._public)

    def key_string(self) -> str:
        """``PRIVATE+KEY+name+hexkeyid+base64(0x01 ‖ seed)``: keep it secret."""
        b64 = base64.b64encode(bytes([ALG_ED25519]) + self._seed).decode("ascii")
        return f"{_PRIVATE_PREFIX}{self._name}+{self._key_id.hex()}+{b64}"

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message`` (deterministic)."""
        return self._key.sign(message)

    def __repr__(self) -> str:
        return f"Signer(name={self._name!r}, key_id={self._key_id.hex()})"


def generate_key(name: str) -> tuple[str, str]:
    """A fresh Ed25519 key for ``name``: ``(signer key string, verifier key string)``."""
    signer = Signer(name, secrets.token_bytes(32))
    return signer.key_string(), signer.verifier().key_string()


def _check_text(text: str) -> bytes:
    if not text.endswith("\n"):
        raise InvalidInput("note text must be non-empty and end with a newline")
    if _CONTROL.search(text):
        raise InvalidInput("note text must not contain control characters other than newline")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("note text must be valid UTF-8") from None


def signature_line(text: str, signer: Signer) -> str:
    """The line ``— name base64(keyid ‖ sig)\\n`` signing ``text``."""
    sig = signer.key_id + signer.sign(_check_text(text))
    return f"{SIGNATURE_PREFIX}{signer.name} {base64.b64encode(sig).decode('ascii')}\n"


def sign_note(text: str, signer: Signer, *more: Signer) -> str:
    """``text`` (ending in a newline), a blank line, and one signature line per signer."""
    _check_text(text)
    return text + "\n" + "".join(signature_line(text, s) for s in (signer, *more))


def _malformed(why: str) -> VerificationFailed:
    return VerificationFailed(f"malformed signed note: {why}")


def open_note(note: str | bytes, verifiers: Verifier | Iterable[Verifier]) -> str:
    """Verify a signed note against known keys and return its text.

    Signature lines from keys not among ``verifiers`` (name and key ID) are
    ignored; a line from a known key must verify, and at least one must.
    Repeated lines from the same key are checked once.
    """
    known: dict[tuple[str, bytes], Verifier] = {}
    for v in [verifiers] if isinstance(verifiers, Verifier) else verifiers:
        known[(v.name, v.key_id)] = v
    if isinstance(note, bytes):
        if len(note) > MAX_NOTE_BYTES:
            raise _malformed(f"longer than {MAX_NOTE_BYTES} bytes")
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise _malformed("not valid UTF-8") from None
    if len(note) > MAX_NOTE_BYTES:
        raise _malformed(f"longer than {MAX_NOTE_BYTES} bytes")
    if _CONTROL.search(note):
        raise _malformed("contains a control character other than newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise _malformed("no blank line separates the text from the signatures")
    text, sigs = note[: split + 1], note[split + 2 :]
    try:
        message = text.encode("utf-8")
    except UnicodeEncodeError:
        raise _malformed("not valid UTF-8") from None
    if not sigs.endswith("\n"):
        raise _malformed("the signature block must be one or more lines ending in newline")
    lines = sigs[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise _malformed(f"more than {MAX_SIGNATURES} signatures")
    verified: set[tuple[str, bytes]] = set()
    unknown: list[str] = []
    for number, line in enumerate(lines, 1):
        if not line.startswith(SIGNATURE_PREFIX):
            raise _malformed(f"signature line {number} does not start with '— '")
        name, sep, b64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
        raw = _b64decode(b64) if sep else None
        if not is_valid_name(name) or raw is None or len(raw) < 5:
            raise _malformed(f"signature line {number} is not '— <key name> <base64 signature>'")
        kid, sig = raw[:4], raw[4:]
        verifier = known.get((name, kid))
        if verifier is None:
            unknown.append(f"{name}+{kid.hex()}")
            continue
        if (name, kid) in verified:
            continue
        if not verifier.verify(message, sig):
            raise VerificationFailed(f"bad signature on the note from key {name}+{kid.hex()}")
        verified.add((name, kid))
    if not verified:
        expected = ", ".join(f"{n}+{k.hex()}" for n, k in known) or "none"
        raise VerificationFailed(
            f"the note is not signed by a known key (signed by {', '.join(unknown)}; "
            f"known: {expected})"
        )
    return text


__all__ = [
    "ALG_ED25519",
    "MAX_NOTE_BYTES",
    "MAX_SIGNATURES",
    "SIGNATURE_PREFIX",
    "Signer",
    "Verifier",
    "generate_key",
    "is_valid_name",
    "key_id",
    "open_note",
    "sign_note",
    "signature_line",
]
