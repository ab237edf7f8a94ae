"""C2SP tlog checkpoints: the body format, strict parsing, signing and verifying."""

from __future__ import annotations

import base64

import pytest

from alteram.errors import InvalidInput, VerificationFailed
from alteram.tlog import (
    EMPTY_ROOT,
    Checkpoint,
    Signer,
    leaf_hash,
    root,
    sign_checkpoint,
    verify_checkpoint,
)
from alteram.tlog.checkpoint import MAX_TREE_SIZE

ROOT = root([leaf_hash(bytes([i])) for i in range(5)])
ROOT_B64 = base64.b64encode(ROOT).decode()
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Same 32 bytes, but the 2 unused bits of the last base64 digit set: not canonical.
NONCANONICAL = ROOT_B64[:-2] + _ALPHABET[_ALPHABET.index(ROOT_B64[-2]) | 1] + "="
SIGNER = Signer("log.example/alteram", bytes(range(32)))


def test_text_format() -> None:
    cp = Checkpoint("log.example/alteram", 5, ROOT)
    assert cp.to_text() == f"log.example/alteram\n5\n{ROOT_B64}\n"
    assert Checkpoint.parse(cp.to_text()) == cp
    empty = Checkpoint("log.example/alteram", 0, EMPTY_ROOT)
    assert (
        empty.to_text() == "log.example/alteram\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    )
    assert Checkpoint.parse(empty.to_text()) == empty


def test_extension_lines_round_trip() -> None:
    cp = Checkpoint("o", 7, ROOT, ("ext one", "ext two"))
    assert cp.to_text().endswith("\next one\next two\n")
    assert Checkpoint.parse(cp.to_text()) == cp


def test_c2sp_example_parses() -> None:
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    cp = Checkpoint.parse(text)
    assert (cp.origin, cp.size, len(cp.root)) == ("example.com/behind-the-sofa", 20852163, 32)
    assert cp.to_text() == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "o\n5\n",
        f"o\n5\n{ROOT_B64}",
        f"\n5\n{ROOT_B64}\n",
        f"o\n05\n{ROOT_B64}\n",
        f"o\n00\n{ROOT_B64}\n",
        f"o\n-5\n{ROOT_B64}\n",
        f"o\n+5\n{ROOT_B64}\n",
        f"o\n 5\n{ROOT_B64}\n",
        f"o\n5 \n{ROOT_B64}\n",
        f"o\n\u0665\n{ROOT_B64}\n",
        f"o\n{MAX_TREE_SIZE + 1}\n{ROOT_B64}\n",
        "o\n5\n\n",
        f"o\n5\n{ROOT_B64.rstrip('=')}\n",
        f"o\n5\n{base64.b64encode(ROOT[:31]).decode()}\n",
        f"o\n5\n{base64.b64encode(ROOT + b'x').decode()}\n",
        f"o\n5\n{base64.urlsafe_b64encode(bytes([0xFB]) * 32).decode()}\n",
        f"o\n5\n{NONCANONICAL}\n",
        f"o\n5\n{ROOT_B64}\n\n",
        f"o\n5\n{ROOT_B64}\next\n\n",
        f"o\tx\n5\n{ROOT_B64}\n",
    ],
)
def test_parse_is_strict(text: str) -> None:
    with pytest.raises(InvalidInput):
        Checkpoint.parse(text)


def test_constructor_validates() -> None:
    with pytest.raises(InvalidInput):
        Checkpoint("", 1, ROOT)
    with pytest.raises(InvalidInput):
        Checkpoint("a\nb", 1, ROOT)
    with pytest.raises(InvalidInput):
        Checkpoint("o", -1, ROOT)
    with pytest.raises(InvalidInput):
        Checkpoint("o", True, ROOT)
    with pytest.raises(InvalidInput):
        Checkpoint("o", 1, ROOT[:31])
    with pytest.raises(InvalidInput):
        Checkpoint("o", 1, ROOT, ("",))


def test_sign_and_verify() -> None:
    cp = Checkpoint("log.example/alteram", 5, ROOT)
    note = sign_checkpoint(cp, SIGNER)
    assert note.startswith(cp.to_text() + "\n\u2014 log.example/alteram ")
    assert verify_checkpoint(note, SIGNER.verifier()) == cp
    assert verify_checkpoint(note, SIGNER.verifier(), origin="log.example/alteram") == cp
    with pytest.raises(VerificationFailed, match="expected 'other'"):
        verify_checkpoint(note, SIGNER.verifier(), origin="other")


def test_tampered_checkpoint_fails() -> None:
    note = sign_checkpoint(Checkpoint("log.example/alteram", 5, ROOT), SIGNER)
    for old, new in [("\n5\n", "\n6\n"), (ROOT_B64[:4], "AAAA"), ("log.", "lag.")]:
        assert old in note
        with pytest.raises(VerificationFailed):
            verify_checkpoint(note.replace(old, new, 1), SIGNER.verifier())
    other = Signer("log.example/alteram", bytes(32))
    with pytest.raises(VerificationFailed, match="not signed by a known key"):
        verify_checkpoint(note, other.verifier())


def test_signed_but_malformed_body_fails() -> None:
    from alteram.tlog import sign_note

    note = sign_note("log.example/alteram\n05\nAAAA\n", SIGNER)
    with pytest.raises(VerificationFailed, match="malformed checkpoint"):
        verify_checkpoint(note, SIGNER.verifier())
