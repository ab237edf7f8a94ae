"""Text fingerprints: normalisation right for Persian and Arabic, then MinHash.

Two copies of one post rarely match byte for byte: one was typed on an Arabic
keyboard (ي, ك), another on a Persian one (ی, ک); one has ZWNJ, tatweel or
vowel marks, another not; digits come as ۱۲۳, ١٢٣ or 123. :func:`normalize`
removes those differences, and :func:`text_fingerprint` then gives

* ``exact_sha256``: SHA-256 of the normalised text (UTF-8), hex: equal
  normalised texts, and only they, share it;
* ``minhash``: a MinHash signature of the text's character 5-grams, or
  ``None`` for a text shorter than :data:`SHORT_TEXT_CHARS` (30) normalised
  characters. Short texts ("Woman, life, freedom") match **only exactly**:
  near-duplicate matching on a handful of words would bind unrelated posts.

Two fingerprints **match** when their ``exact_sha256`` is equal, or when both
have a MinHash and :func:`similarity` (the estimated Jaccard similarity of
their 5-gram sets) is at least :data:`JACCARD_THRESHOLD` (0.8). For a sense of
scale: changing one word in a 150-character post leaves about 0.87; in a
60-character post about 0.7 (no match: precedent binds close copies only).
Unrelated texts in the same language sit near 0.0–0.1.

Normalisation (version :data:`NORMALIZATION_VERSION`), in order:

1. NFKC (Arabic presentation forms → letters, full-width → ASCII, ligatures).
2. ۀ (U+06C0, heh with yeh above) → ه (U+0647).
3. Case folding (``str.casefold``).
4. NFD, then per character:

   * combining marks (Unicode ``Mn``/``Me``) dropped: Arabic harakat
     U+064B–U+065F, superscript alef U+0670, Quranic marks, Latin accents,
     the hamza/madda that NFD splits off أ إ آ ؤ ئ (so they read as ا و ی);
     emoji variation selectors. This also drops Indic vowel signs, which only
     makes matching of those scripts more lenient;
   * ي (U+064A) and ى (U+0649) → ی (U+06CC); ك (U+0643) → ک (U+06A9);
   * ة (U+0629, teh marbuta) → ه (U+0647): Persian writes ه where Arabic
     writes ة (مدرسة / مدرسه); on by default (``teh_marbuta=False`` keeps it);
   * tatweel (U+0640) removed;
   * ZWNJ (U+200C) **removed** (نمی‌خواهم = نمیخواهم: the joined spelling
     is the common ZWNJ-less variant on keyboards without it; the spaced
     spelling نمی خواهم stays a different word, which for texts long enough
     to have a MinHash costs only a few shingles). Every other format
     character (ZWJ, bidi marks, soft hyphen, BOM) is removed too;
   * every decimal digit (Persian ۰–۹, Arabic-Indic ٠–٩, any script) → ASCII;
   * punctuation (Unicode ``P*``: . , ! ? ، ؛ ؟ « » ٫ ٪ ...) → a space;
   * whitespace and control characters → a space.

5. NFC (recomposes Hangul), whitespace runs → one space, trimmed.

MinHash (version :data:`MINHASH_VERSION`), fixed forever because signatures
are stored in the database and must compare across processes, machines and
releases. It uses no library and no process seed: only the 64-bit
``splitmix64`` finalizer ``mix64`` written below, all arithmetic mod 2⁶⁴:

* a shingle is :data:`SHINGLE` (5) consecutive code points ``c0..c4`` of the
  normalised text; its hash is ``h = SEED; h = mix64(h ^ ci)`` for each ``ci``;
* the shingle set is de-duplicated; permutation ``i`` (0 ≤ i < 128) maps a
  shingle hash ``h`` to ``mix64(h ^ salt_i)``, ``salt_i = mix64(SEED + i + 1)``;
* the signature keeps, per permutation, the top 32 bits of the minimum;
* bytes: ``0x01`` (the version) then the 128 values as little-endian uint32
  (513 bytes). :func:`similarity` is the fraction of equal values.

``datasketch`` was not used: its hashing defaults are its own to change
between releases, and the fingerprint must never change under stored data.
Python's Unicode tables (``unicodedata``) do change with the Python version,
but only for characters newly assigned in a later Unicode version.

Pure: no database, network, clock or framework.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

NORMALIZATION_VERSION: Final = 1
MINHASH_VERSION: Final = 1
SHINGLE: Final = 5
"""Characters per shingle."""
NUM_PERM: Final = 128
"""MinHash permutations (signature values)."""
SHORT_TEXT_CHARS: Final = 30
"""Normalised texts shorter than this match only exactly (no MinHash)."""
JACCARD_THRESHOLD: Final = 0.8
"""Estimated Jaccard similarity at or above which two texts are near-duplicates."""
MINHASH_BYTES: Final = 1 + 4 * NUM_PERM

EMPTY_TEXT_SHA256: Final = hashlib.sha256(b"").hexdigest()
"""``exact_sha256`` of a text that normalises to nothing; indexes never match it."""

SEED: Final = 0x616C746572616D31  # b"alteram1"
_U64 = npt.NDArray[np.uint64]
_M1: Final = np.uint64(0xBF58476D1CE4E5B9)
_M2: Final = np.uint64(0x94D049BB133111EB)


def mix64(z: _U64) -> _U64:
    """splitmix64's finalizer over a uint64 array (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def _mixed(z: _U64) -> _U64:
    """:func:`mix64` of a fresh array, computed in place (one temporary instead of six:
    the permutations of a batch's shingles are the bulk of its MinHash time). ``mix64``
    stays the plain definition the tests check the signatures against."""
    t = z >> np.uint64(30)
    z ^= t
    z *= _M1
    np.right_shift(z, np.uint64(27), out=t)
    z ^= t
    z *= _M2
    np.right_shift(z, np.uint64(31), out=t)
    z ^= t
    return z


SALTS: Final = mix64(np.arange(1, NUM_PERM + 1, dtype=np.uint64) + np.uint64(SEED))

# -- normalisation -------------------------------------------------------------------

_EXPLICIT: Final[dict[int, str]] = {
    0x064A: "\u06cc",  # ي Arabic yeh → ی Persian yeh
    0x0649: "\u06cc",  # ى alef maksura → ی
    0x0643: "\u06a9",  # ك Arabic kaf → ک keheh
    0x0640: "",  # tatweel
    0x200C: "",  # ZWNJ (documented: removed, not a space)
}


class _Table(dict[int, str]):
    """A ``str.translate`` table filled per code point on first use."""

    def __init__(self, teh_marbuta: bool) -> None:
        super().__init__()
        self.teh_marbuta = teh_marbuta

    def __missing__(self, cp: int) -> str:
        out = self[cp] = self._decide(cp)
        return out

    def _decide(self, cp: int) -> str:
        if cp in _EXPLICIT:
            return _EXPLICIT[cp]
        if cp == 0x0629:
            return "\u0647" if self.teh_marbuta else "\u0629"
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat in ("Mn", "Me", "Cf", "Cs"):
            return ""
        if cat == "Nd":
            return str(unicodedata.decimal(ch))
        if cat[0] in ("P", "Z") or cat == "Cc":
            return " "
        return ch


_TABLES: Final = {True: _Table(True), False: _Table(False)}


def normalize(text: str, *, teh_marbuta: bool = True) -> str:
    """``text`` normalised for matching (see the module doc for every step).

    Fingerprints always use the default (``teh_marbuta=True``).
    """
    s = unicodedata.normalize("NFKC", text)
    s = s.replace("\u06c0", "\u0647").casefold()
    s = unicodedata.normalize("NFD", s).translate(_TABLES[teh_marbuta])
    s = unicodedata.normalize("NFC", s)
    return " ".join(s.split())


# -- MinHash -----------------------------------------------------------------------

_BLOCK: Final = 512  # shingles per pass: 128 x 512 x 8 bytes (512 KiB) per temporary
_GROUP: Final = 65_536  # code points of texts hashed together (512 KiB arrays)


def shingle_hashes(normalized: str) -> _U64:
    """The distinct 64-bit hashes of the text's :data:`SHINGLE`-grams (sorted)."""
    cps = np.frombuffer(normalized.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    n = cps.size - SHINGLE + 1
    if n <= 0:
        return np.empty(0, dtype=np.uint64)
    h = np.full(n, SEED, dtype=np.uint64)
    for j in range(SHINGLE):
        h = mix64(h ^ cps[j : j + n])
    return np.unique(h)


def minhash_signature(normalized: str) -> npt.NDArray[np.uint32]:
    """The :data:`NUM_PERM` MinHash values (uint32) of an already normalised text."""
    signature: npt.NDArray[np.uint32] = minhash_signatures([normalized])[0]
    return signature


def minhash_signatures(normalized: Sequence[str]) -> npt.NDArray[np.uint32]:
    """The MinHash values of many normalised texts, one row each (equal to
    :func:`minhash_signature` of each).

    The texts are hashed together: their shingles in one array (a shingle never spans two
    texts), each permutation applied to blocks of :data:`_BLOCK` shingles, and each text's
    minima taken with ``np.minimum.reduceat``. A batch of short posts costs a fixed number
    of NumPy passes instead of that number per post. (The minimum over a text's shingles
    with repeats is the minimum over its shingle set.)"""
    groups: list[list[str]] = [[]]
    size = 0
    for text in normalized:  # texts together up to _GROUP code points (one text: any size)
        if groups[-1] and size + len(text) > _GROUP:
            groups.append([])
            size = 0
        groups[-1].append(text)
        size += len(text)
    if len(groups) > 1:
        return np.concatenate([_signatures(group) for group in groups])
    return _signatures(groups[0])


def _signatures(normalized: Sequence[str]) -> npt.NDArray[np.uint32]:
    counts = np.array([len(t) - SHINGLE + 1 for t in normalized], dtype=np.int64)
    if counts.size == 0:
        return np.empty((0, NUM_PERM), dtype=np.uint32)
    if int(counts.min()) <= 0:
        raise ValueError("a MinHash needs at least one shingle")
    cps = np.frombuffer("".join(normalized).encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    n = cps.size - SHINGLE + 1
    h = np.full(n, SEED, dtype=np.uint64)
    for j in range(SHINGLE):
        h = mix64(h ^ cps[j : j + n])
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))  # each text's first shingle
    if counts.size > 1:  # keep the windows that start and end inside one text
        offsets = starts + np.arange(counts.size) * (SHINGLE - 1)  # each text's first cp
        h = h[np.arange(int(counts.sum())) + np.repeat(offsets - starts, counts)]
    if h.size <= _BLOCK:  # one block (most posts, and most batches of 16): fewer NumPy calls
        mins = np.minimum.reduceat(_mixed(h[None, :] ^ SALTS[:, None]), starts, axis=1).T
        return (mins >> np.uint64(32)).astype(np.uint32)
    ends = starts + counts
    mins = np.full((counts.size, NUM_PERM), np.iinfo(np.uint64).max, dtype=np.uint64)
    for a in range(0, h.size, _BLOCK):
        b = min(h.size, a + _BLOCK)
        ks = np.arange(np.searchsorted(ends, a, "right"), np.searchsorted(starts, b, "left"))
        local = np.maximum(starts[ks], a) - a  # where each text's part of the block begins
        mixed = _mixed(h[None, a:b] ^ SALTS[:, None])
        mins[ks] = np.minimum(mins[ks], np.minimum.reduceat(mixed, local, axis=1).T)
    return (mins >> np.uint64(32)).astype(np.uint32)


def encode_signature(signature: npt.NDArray[np.uint32]) -> bytes:
    return bytes([MINHASH_VERSION]) + signature.astype("<u4").tobytes()


def decode_signature(data: bytes) -> npt.NDArray[np.uint32]:
    """The uint32 values of a stored MinHash; ``ValueError`` if not version 1, 513 bytes."""
    if len(data) != MINHASH_BYTES or data[0] != MINHASH_VERSION:
        raise ValueError(
            f"not a version-{MINHASH_VERSION} MinHash ({MINHASH_BYTES} bytes starting 0x01)"
        )
    return np.frombuffer(data, dtype="<u4", offset=1).astype(np.uint32)


@dataclass(frozen=True)
class TextFingerprint:
    """The stored fingerprint of one text."""

    exact_sha256: str
    """Hex SHA-256 of the normalised text in UTF-8."""
    minhash: bytes | None
    """Version-prefixed MinHash signature, or ``None`` for short texts (exact match only)."""

    @property
    def empty(self) -> bool:
        """The text normalised to nothing (only punctuation, marks, spaces)."""
        return self.exact_sha256 == EMPTY_TEXT_SHA256


def text_fingerprint(text: str) -> TextFingerprint:
    """Normalise ``text`` and fingerprint it (see the module doc)."""
    return text_fingerprints([text])[0]


def text_fingerprints(texts: Sequence[str]) -> list[TextFingerprint]:
    """:func:`text_fingerprint` of each text, the MinHashes computed together
    (:func:`minhash_signatures`)."""
    norms = [normalize(text) for text in texts]
    long = [i for i, norm in enumerate(norms) if len(norm) >= SHORT_TEXT_CHARS]
    signatures = (
        dict(zip(long, minhash_signatures([norms[i] for i in long]), strict=True)) if long else {}
    )
    return [
        TextFingerprint(
            hashlib.sha256(norm.encode("utf-8")).hexdigest(),
            encode_signature(signatures[i]) if i in signatures else None,
        )
        for i, norm in enumerate(norms)
    ]


def agreement(a: bytes, b: bytes) -> int:
    """How many of the :data:`NUM_PERM` MinHash values two signatures share."""
    return int(np.count_nonzero(decode_signature(a) == decode_signature(b)))


def similarity(a: TextFingerprint, b: TextFingerprint) -> float:
    """Estimated Jaccard similarity of two texts' shingle sets, 0.0–1.0.

    1.0 for equal normalised texts; 0.0 when they differ and either is short
    (no MinHash: short texts match only exactly).
    """
    if a.exact_sha256 == b.exact_sha256:
        return 1.0
    if a.minhash is None or b.minhash is None:
        return 0.0
    return agreement(a.minhash, b.minhash) / NUM_PERM


def required_agreement(threshold: float) -> int:
    """The least number of equal MinHash values for ``similarity ≥ threshold``."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError("a similarity threshold lies between 0 and 1")
    # Guard against 0.8 * 128 = 102.40000000000001 style float noise.
    return max(0, math.ceil(round(threshold * NUM_PERM, 9)))


def matches(a: TextFingerprint, b: TextFingerprint, threshold: float = JACCARD_THRESHOLD) -> bool:
    """Whether two texts are the same for precedent (see the module doc)."""
    if a.empty or b.empty:
        return False
    if a.exact_sha256 == b.exact_sha256:
        return True
    if a.minhash is None or b.minhash is None:
        return False
    return agreement(a.minhash, b.minhash) >= required_agreement(threshold)


__all__ = [
    "EMPTY_TEXT_SHA256",
    "JACCARD_THRESHOLD",
    "MINHASH_BYTES",
    "MINHASH_VERSION",
    "NORMALIZATION_VERSION",
    "NUM_PERM",
    "SHINGLE",
    "SHORT_TEXT_CHARS",
    "TextFingerprint",
    "agreement",
    "decode_signature",
    "encode_signature",
    "matches",
    "minhash_signature",
    "minhash_signatures",
    "mix64",
    "normalize",
    "required_agreement",
    "shingle_hashes",
    "similarity",
    "text_fingerprint",
    "text_fingerprints",
]
