"""C2SP tlog checkpoints (https://c2sp.org/tlog-checkpoint): a signed tree head.

The checkpoint body is the note text::

    <origin>
    <tree size, decimal, no leading zeros>
    <base64 root hash>
    [<extension line>…]

signed as a C2SP signed note (see :mod:`alteram.tlog.note`).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Final

from alteram.errors import InvalidInput, VerificationFailed
from alteram.tlog.hashing import HASH_SIZE
from alteram.tlog.note import Signer, Verifier, open_note, sign_note

MAX_TREE_SIZE: Final = (1 << 64) - 1
_SIZE: Final = re.compile(r"0|[1-9][0-9]*")
_CONTROL: Final = re.compile(r"[\x00-\x1f]")


def _check_line(line: str, what: str) -> None:
    if not line:
        raise InvalidInput(f"checkpoint {what} must not be empty", field=what)
    if _CONTROL.search(line):
        raise InvalidInput(f"checkpoint {what} must not contain control characters", field=what)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head: the log's ``origin``, its ``size`` and its RFC 9162 ``root``."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise InvalidInput("checkpoint size must be an integer", field="size")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise InvalidInput(f"checkpoint size {self.size} is out of range", field="size")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise InvalidInput(f"checkpoint root must be {HASH_SIZE} bytes", field="root")
        for line in self.extensions:
            _check_line(line, "extensions")

    def to_text(self) -> str:
        """The note text: ``origin\\nsize\\nbase64(root)\\n`` plus any extension lines."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii")]
        lines.extend(self.extensions)
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint body strictly; raises :class:`InvalidInput` saying what is wrong."""
        if not text.endswith("\n"):
            raise InvalidInput("checkpoint must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise InvalidInput("checkpoint must have an origin, a size and a root hash line")
        origin, size_text, root_text, *extensions = lines
        if not _SIZE.fullmatch(size_text):
            raise InvalidInput(
                f"checkpoint size {size_text!r} is not a decimal number without leading zeros",
                field="size",
            )
        try:
            root = base64.b64decode(root_text, validate=True)
        except ValueError:
            root = b""
        if len(root) != HASH_SIZE or base64.b64encode(root).decode("ascii") != root_text:
            raise InvalidInput(
                f"checkpoint root {root_text!r} is not the base64 of a {HASH_SIZE}-byte hash",
                field="root",
            )
        return cls(origin, int(size_text), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer, *more: Signer) -> str:
    """The checkpoint as a signed note."""
    return sign_note(checkpoint.to_text(), signer, *more)


def verify_checkpoint(
    note_text: str | bytes, verifier: Verifier, *, origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint and return it; raises :class:`VerificationFailed`.

    With ``origin``, the checkpoint must also name that log.
    """
    text = open_note(note_text, verifier)
    try:
        checkpoint = Checkpoint.parse(text)
    except InvalidInput as exc:
        raise VerificationFailed(f"malformed checkpoint: {exc.message}") from None
    if origin is not None and checkpoint.origin != origin:
        raise VerificationFailed(
            f"checkpoint is for log {checkpoint.origin!r}, expected {origin!r}"
        )
    return checkpoint


__all__ = ["MAX_TREE_SIZE", "Checkpoint", "sign_checkpoint", "verify_checkpoint"]
