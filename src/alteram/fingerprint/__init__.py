"""Fingerprints of content and the precedent index (DESIGN invariant 8).

* :mod:`~alteram.fingerprint.media`: hostile-input-safe decoding of uploaded
  images into canonical RGB, SHA-256 of the bytes, metadata-free re-encoding
  for display;
* :mod:`~alteram.fingerprint.pdq`: PDQ perceptual hashes (and the 8 dihedral
  ones) in ThreatExchange's wire format, quality gate 50, match within 31 bits;
* :mod:`~alteram.fingerprint.text`: Persian/Arabic-aware text normalisation,
  exact SHA-256 and a stable MinHash for near-duplicate texts;
* :mod:`~alteram.fingerprint.index`: in-memory precedent indexes whose answers
  equal a brute-force scan.

Pure: no database, network, clock or framework (``tests/test_fingerprint_purity.py``).
"""

from alteram.fingerprint.index import ImageIndex, TextIndex, pack_hex, pack_many, unpack_hex
from alteram.fingerprint.media import (
    ALLOWED_FORMATS,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    DecodedImage,
    decode_image,
    sanitized,
    sha256,
    to_rgb,
)
from alteram.fingerprint.pdq import (
    DIHEDRAL,
    MATCH_DISTANCE,
    QUALITY_MIN,
    ImageFingerprint,
    hamming,
    image_fingerprint,
    parse_pdq_hex,
    pdq,
    pdq_dihedral,
)
from alteram.fingerprint.text import (
    JACCARD_THRESHOLD,
    SHORT_TEXT_CHARS,
    TextFingerprint,
    matches,
    normalize,
    similarity,
    text_fingerprint,
    text_fingerprints,
)

__all__ = [
    "ALLOWED_FORMATS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "DIHEDRAL",
    "JACCARD_THRESHOLD",
    "MATCH_DISTANCE",
    "QUALITY_MIN",
    "SHORT_TEXT_CHARS",
    "DecodedImage",
    "ImageFingerprint",
    "ImageIndex",
    "TextFingerprint",
    "TextIndex",
    "decode_image",
    "hamming",
    "image_fingerprint",
    "matches",
    "normalize",
    "pack_hex",
    "pack_many",
    "parse_pdq_hex",
    "pdq",
    "pdq_dihedral",
    "sanitized",
    "sha256",
    "similarity",
    "text_fingerprint",
    "text_fingerprints",
    "to_rgb",
    "unpack_hex",
]
