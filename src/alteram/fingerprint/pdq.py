"""PDQ perceptual hashes of images (Meta's reference C++ through ``pdqhash``).

A PDQ hash is 256 bits; two photos are "the same picture" when their hashes
differ in at most :data:`MATCH_DISTANCE` (31) bits, and a hash whose quality
is below :data:`QUALITY_MIN` (50: flat, featureless images) is kept but never
used to match. Both thresholds are ThreatExchange's.

Wire format (ThreatExchange's): 64 lowercase hex digits, the 256 bits most
significant first, exactly as ``np.packbits`` lays out the bit vector that
``pdqhash.compute`` returns. The tests reproduce the hashes ThreatExchange
publishes for its reference photos bit for bit.

The 8 dihedral hashes (``pdqhash.compute_dihedral``) come in PDQ's order:
:data:`DIHEDRAL` (original, rotate 90, rotate 180, rotate 270, flip x,
flip y, flip +1, flip −1). Hashing a photo once gives all eight; matching any
of them against a stored original hash finds rotated or mirrored copies.

Input is the canonical RGB array from :func:`alteram.fingerprint.media.decode_image`.
Pure: no database, network, clock or framework.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pdqhash

from alteram.errors import InvalidInput
from alteram.fingerprint.media import DecodedImage, RgbArray

HASH_BITS: Final = 256
HASH_HEX_LEN: Final = 64
QUALITY_MIN: Final = 50
"""Hashes of lower quality are stored but never matched (ThreatExchange's threshold)."""
MATCH_DISTANCE: Final = 31
"""Two hashes match when their Hamming distance is at most this (ThreatExchange's threshold)."""

DIHEDRAL: Final = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flipx",
    "flipy",
    "flip_plus1",
    "flip_minus1",
)
"""Names of the 8 dihedral transforms, in the order ``pdqhash.compute_dihedral`` returns them."""

_HEX_RE: Final = re.compile(r"[0-9a-fA-F]{64}")


def _check_rgb(rgb: Any) -> RgbArray:
    if not isinstance(rgb, np.ndarray):
        raise TypeError(f"pdq() needs a NumPy RGB array, not {type(rgb).__name__}")
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(
            f"pdq() needs an (height, width, 3) uint8 array, not {rgb.shape} {rgb.dtype}"
        )
    if rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise ValueError("pdq() needs at least one pixel")
    return rgb


def bits_to_hex(bits: npt.NDArray[Any]) -> str:
    """The wire-format hex of a 256-element 0/1 vector (most significant bit first)."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def pdq(rgb: RgbArray) -> tuple[str, int]:
    """``(hash_hex, quality)`` of an ``(height, width, 3)`` uint8 RGB array.

    Quality runs 0–100; below :data:`QUALITY_MIN` the hash must not be used to match.
    """
    vector, quality = pdqhash.compute(_check_rgb(rgb))
    return bits_to_hex(vector), int(quality)


def pdq_dihedral(rgb: RgbArray) -> list[tuple[str, int]]:
    """The 8 dihedral ``(hash_hex, quality)`` pairs, in :data:`DIHEDRAL` order.

    The first is :func:`pdq`'s hash; all share one quality (the image's).
    """
    vectors, quality = pdqhash.compute_dihedral(_check_rgb(rgb))
    return [(bits_to_hex(v), int(quality)) for v in vectors]


def is_pdq_hex(value: object) -> bool:
    """Whether ``value`` is a 64-hex-digit PDQ hash."""
    return isinstance(value, str) and _HEX_RE.fullmatch(value) is not None


def parse_pdq_hex(value: object, *, field: str | None = "pdq") -> str:
    """``value`` as canonical lowercase wire-format hex, or ``InvalidInput``."""
    if not is_pdq_hex(value):
        raise InvalidInput("a PDQ hash is 64 hexadecimal digits (256 bits)", field=field)
    assert isinstance(value, str)
    return value.lower()


def hamming(a: str, b: str) -> int:
    """Hamming distance in bits between two wire-format PDQ hashes."""
    if not (is_pdq_hex(a) and is_pdq_hex(b)):
        raise ValueError("hamming() needs two 64-hex-digit PDQ hashes")
    return (int(a, 16) ^ int(b, 16)).bit_count()


@dataclass(frozen=True)
class ImageFingerprint:
    """What alteram remembers about one image file."""

    sha256: str
    """Hex SHA-256 of the file's bytes (the exact fingerprint)."""
    pdq: str
    """Wire-format PDQ hash of the upright image."""
    quality: int
    """PDQ quality, 0–100."""
    dihedral: tuple[str, ...]
    """The 8 dihedral hashes in :data:`DIHEDRAL` order (``dihedral[0] == pdq``)."""

    @property
    def matchable(self) -> bool:
        """Whether the PDQ hash may be used to match (quality ≥ :data:`QUALITY_MIN`)."""
        return self.quality >= QUALITY_MIN


def image_fingerprint(image: DecodedImage) -> ImageFingerprint:
    """SHA-256, PDQ hash, quality and the 8 dihedral hashes of a decoded image.

    One ``compute_dihedral`` call: the dihedral hashes share the costly part
    (luma, downscale, DCT) and cost about as much as the plain hash.
    """
    pairs = pdq_dihedral(image.rgb)
    hashes = tuple(h for h, _ in pairs)
    return ImageFingerprint(
        sha256=image.sha256, pdq=hashes[0], quality=pairs[0][1], dihedral=hashes
    )


__all__ = [
    "DIHEDRAL",
    "HASH_BITS",
    "HASH_HEX_LEN",
    "MATCH_DISTANCE",
    "QUALITY_MIN",
    "ImageFingerprint",
    "bits_to_hex",
    "hamming",
    "image_fingerprint",
    "is_pdq_hex",
    "parse_pdq_hex",
    "pdq",
    "pdq_dihedral",
]
