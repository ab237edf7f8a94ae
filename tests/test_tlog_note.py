"""C2SP signed notes: Go's known answer, round trips, tampering, malformed notes."""

from __future__ import annotations

import base64

import pytest

from alteram.errors import InvalidInput, VerificationFailed
from alteram.tlog import Signer, Verifier, generate_key, key_id, open_note, sign_note

# Known answer from Go's golang.org/x/mod/sumdb/note tests (see ../shared/vectors/README.md).
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIGNATURE_LINE = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXg"
    "KvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


@pytest.fixture
def signer() -> Signer:
    return Signer.from_key_string(GO_SIGNER)


@pytest.fixture
def verifier() -> Verifier:
    return Verifier.from_key_string(GO_VERIFIER)


def test_go_known_answer(signer: Signer, verifier: Verifier) -> None:
    note = sign_note(GO_TEXT, signer)
    assert note == GO_TEXT + "\n" + GO_SIGNATURE_LINE
    assert note.endswith(GO_SIGNATURE_LINE)
    assert signer.key_id.hex() == "c74f20a3"
    assert signer.key_string() == GO_SIGNER
    assert signer.verifier() == verifier
    assert verifier.key_string() == GO_VERIFIER
    assert str(verifier) == GO_VERIFIER
    assert key_id("PeterNeumann", verifier.public_key).hex() == "c74f20a3"
    assert open_note(note, [verifier]) == GO_TEXT
    assert open_note(note.encode(), verifier) == GO_TEXT


def test_signer_repr_hides_the_key(signer: Signer) -> None:
    assert "AYEK" not in repr(signer) and "PeterNeumann" in repr(signer)


def test_tampering_any_byte_fails(signer: Signer, verifier: Verifier) -> None:
    note = sign_note(GO_TEXT, signer).encode()
    for i in range(len(note)):
        for flip in (0x01, 0x20):
            bad = bytearray(note)
            bad[i] ^= flip
            with pytest.raises(VerificationFailed):
                open_note(bytes(bad), [verifier])
    assert open_note(note, [verifier]) == GO_TEXT


def test_tampering_the_signature_bytes_fails(signer: Signer, verifier: Verifier) -> None:
    raw = base64.b64decode(GO_SIGNATURE_LINE.split()[-1])
    for i in range(len(raw)):
        bad = bytearray(raw)
        bad[i] ^= 0x80
        line = f"\u2014 PeterNeumann {base64.b64encode(bad).decode()}\n"
        with pytest.raises(VerificationFailed):
            open_note(GO_TEXT + "\n" + line, [verifier])


def test_round_trip_with_generated_keys() -> None:
    skey, vkey = generate_key("log.example/alteram")
    s = Signer.from_key_string(skey)
    v = Verifier.from_key_string(vkey)
    assert s.verifier() == v and v.name == "log.example/alteram"
    text = "first line\n\nafter an empty line\n"
    note = sign_note(text, s)
    assert open_note(note, [v]) == text
    # Two fresh keys differ.
    assert generate_key("x")[0] != generate_key("x")[0]


def test_unknown_keys_are_ignored_only_beside_a_known_one(
    signer: Signer, verifier: Verifier
) -> None:
    other = Signer("someone.else", bytes(range(32)))
    both = sign_note(GO_TEXT, other, signer)
    assert open_note(both, [verifier]) == GO_TEXT
    assert open_note(both, [other.verifier()]) == GO_TEXT
    with pytest.raises(VerificationFailed, match="not signed by a known key"):
        open_note(sign_note(GO_TEXT, other), [verifier])
    # Same name, different key: unknown (name and ID must both match), not "bad".
    impostor = Signer("PeterNeumann", bytes(32))
    assert impostor.key_id != signer.key_id
    with pytest.raises(VerificationFailed, match="not signed by a known key"):
        open_note(sign_note(GO_TEXT, impostor), [verifier])
    with pytest.raises(VerificationFailed, match="not signed by a known key"):
        open_note(sign_note(GO_TEXT, signer), [])


def test_bad_signature_from_known_key_rejects_whole_note(
    signer: Signer, verifier: Verifier
) -> None:
    other = Signer("someone.else", bytes(range(32)))
    good = sign_note(GO_TEXT, signer)
    forged_line = sign_note("another text\n", other).split("\n\n")[1]
    # a valid signature by a known key plus a bad one by another known key
    with pytest.raises(VerificationFailed, match="bad signature"):
        open_note(good + forged_line, [verifier, other.verifier()])
    # repeated identical signature lines are fine
    assert open_note(good + GO_SIGNATURE_LINE, [verifier]) == GO_TEXT


@pytest.mark.parametrize(
    "note",
    [
        "",
        "no blank line\n\u2014 PeterNeumann AAAA\n",
        GO_TEXT + "\n",
        GO_TEXT + "\n" + GO_SIGNATURE_LINE.rstrip("\n"),
        GO_TEXT + "\n" + GO_SIGNATURE_LINE.replace("\u2014", "-"),
        GO_TEXT + "\n" + GO_SIGNATURE_LINE.replace("\u2014 ", "\u2014"),
        GO_TEXT + "\n" + GO_SIGNATURE_LINE.replace(" x08", "  x08"),
        GO_TEXT + "\n" + GO_SIGNATURE_LINE.replace("=\n", "\n"),
        GO_TEXT + "\n" + "\u2014 PeterNeumann AAAAAA==\n",
        GO_TEXT + "\n" + "\u2014 Peter+Neumann AAAAAAAA\n",
        GO_TEXT + "\n" + GO_SIGNATURE_LINE + "\n",
        GO_TEXT.replace("\n", "\r\n", 1) + "\n" + GO_SIGNATURE_LINE,
        "tab\there\n\n" + GO_SIGNATURE_LINE,
        GO_TEXT + "\n" + GO_SIGNATURE_LINE * 101,
    ],
)
def test_malformed_notes(note: str, verifier: Verifier) -> None:
    with pytest.raises(VerificationFailed) as info:
        open_note(note, [verifier])
    assert info.value.message


def test_invalid_utf8_is_malformed(verifier: Verifier) -> None:
    with pytest.raises(VerificationFailed, match="UTF-8"):
        open_note(b"\xff\n\n" + GO_SIGNATURE_LINE.encode(), [verifier])


@pytest.mark.parametrize("text", ["", "no newline", "ctrl\x01char\n", "cr\r\n"])
def test_sign_rejects_bad_text(text: str, signer: Signer) -> None:
    with pytest.raises(InvalidInput):
        sign_note(text, signer)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "PeterNeumann",
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
        "PeterNeumann+c74f20a3+AhpRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_malformed_verifier_keys(key: str) -> None:
    with pytest.raises(InvalidInput):
        Verifier.from_key_string(key)


@pytest.mark.parametrize(
    "key",
    [
        GO_VERIFIER,
        GO_SIGNER.replace("c74f20a3", "c74f20a4"),
        GO_SIGNER.replace("+AYEK", "+AoEK"),
        GO_SIGNER.replace("PRIVATE+KEY+", "PRIVATE+"),
    ],
)
def test_malformed_signer_keys(key: str) -> None:
    with pytest.raises(InvalidInput):
        Signer.from_key_string(key)


def test_invalid_names_and_sizes() -> None:
    for name in ["", "a b", "a+b", "a\u00a0b", "a\nb"]:
        with pytest.raises(InvalidInput):
            Signer(name, bytes(32))
        with pytest.raises(InvalidInput):
            Verifier(name, bytes(32))
    with pytest.raises(InvalidInput):
        Signer("ok", bytes(31))
    with pytest.raises(InvalidInput):
        Verifier("ok", bytes(33))
    assert Signer("héllo.example/日本", bytes(32)).name == "héllo.example/日本"
