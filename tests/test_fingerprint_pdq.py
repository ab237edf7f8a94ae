"""PDQ hashes against ThreatExchange's reference photos and published hashes.

Fixtures: tests/fixtures/pdq (see SOURCE there). The full-resolution set in
../shared/vectors/pdq/images is checked too when it is present.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image

from alteram.errors import InvalidInput
from alteram.fingerprint import (
    DIHEDRAL,
    MATCH_DISTANCE,
    QUALITY_MIN,
    decode_image,
    hamming,
    image_fingerprint,
    parse_pdq_hex,
    pdq,
    pdq_dihedral,
)
from conftest import require_or_skip

FIXTURES = Path(__file__).parent / "fixtures" / "pdq"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "vectors" / "pdq" / "images"

PUBLISHED = {
    "bridge-mods/aaa-orig.jpg": "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
    "bridge-mods/sharpen-a-lot.jpg": (
        "d8f8f0cec0f4a84f8e370a22038f67f0b36a2ed597231e1d72e6b39c4a9c9b22"
    ),
    "bridge-mods/shrink-a-lot.jpg": (
        "d0f8f1ccc0f4a84d0a370a3a228f67f0b36e2ed5b6623e1d33e6339c4e9c9b22"
    ),
    "bridge-mods/square-128x128.jpg": (
        "d8f8f1eec0f4a84f0e37022a078f63f0b36e2ed596621e1d33e6239c4e9c9b22"
    ),
    "misc-images/c.png": "e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064",
}

IMAGE_SUFFIXES = {".jpg", ".png", ".webp", ".gif"}


def _images(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


FIXTURE_IMAGES = _images(FIXTURES)
ORIGINAL = FIXTURES / "verbatim" / "bridge-mods" / "aaa-orig.jpg"


def _rel(path: Path) -> str:
    return str(path.relative_to(FIXTURES))


def fixture(rel: str) -> Path:
    """A fixture by its path in the vectors set, verbatim copy first."""
    for kind in ("verbatim", "derived"):
        path = FIXTURES / kind / rel
        if path.exists():
            return path
    raise FileNotFoundError(rel)


@cache
def _fp(path: Path) -> tuple[str, int, tuple[str, ...]]:
    decoded = decode_image(path.read_bytes(), field="media")
    fp = image_fingerprint(decoded)
    return fp.pdq, fp.quality, fp.dihedral


def _shared_or_skip() -> Path:
    if not SHARED.is_dir():
        require_or_skip(f"{SHARED} is absent: the full-resolution PDQ vector set does not run")
    return SHARED


def test_fixture_set_is_complete_and_small() -> None:
    assert len(FIXTURE_IMAGES) == 47
    total = sum(p.stat().st_size for p in FIXTURES.rglob("*") if p.is_file())
    assert total < 4_500_000
    assert (FIXTURES / "SOURCE").is_file()


# -- the wire format ---------------------------------------------------------------


@pytest.mark.parametrize("rel", sorted(PUBLISHED))
def test_published_hashes_are_reproduced_exactly(rel: str) -> None:
    path = fixture(rel)
    assert "verbatim" in path.parts
    hash_hex, quality = pdq(decode_image(path.read_bytes()).rgb)
    assert hash_hex == PUBLISHED[rel]
    assert quality == 100
    # ... and the way the README says ThreatExchange computed them
    bits, ref_quality = pdqhash.compute(np.asarray(Image.open(path).convert("RGB")))
    assert np.packbits(bits.astype(np.uint8)).tobytes().hex() == PUBLISHED[rel]
    assert ref_quality == quality


@pytest.mark.parametrize("path", FIXTURE_IMAGES, ids=_rel)
def test_hash_equals_bare_pdqhash_on_the_same_array(path: Path) -> None:
    rgb = decode_image(path.read_bytes()).rgb
    bits, quality = pdqhash.compute(rgb)
    ours, our_quality = pdq(rgb)
    expected = "".join(str(int(b)) for b in bits)
    assert hamming(ours, f"{int(expected, 2):064x}") == 0
    assert our_quality == quality
    dihedral = pdq_dihedral(rgb)
    assert len(dihedral) == len(DIHEDRAL) == 8
    assert dihedral[0] == (ours, our_quality)
    bits8, quality8 = pdqhash.compute_dihedral(rgb)
    assert [h for h, _ in dihedral] == [
        np.packbits(b.astype(np.uint8)).tobytes().hex() for b in bits8
    ]
    assert {q for _, q in dihedral} == {quality8}


def _upright_and_opaque(path: Path) -> bool:
    with Image.open(path) as im:
        if im.getexif().get(0x0112, 1) not in (0, 1):
            return False
        if im.mode in ("LA", "PA", "RGBA") or "transparency" in im.info:
            return bool(im.convert("RGBA").getextrema()[3][0] == 255)
        return True


PLAIN_IMAGES = [p for p in FIXTURE_IMAGES if _upright_and_opaque(p)]


def test_only_the_exif_rotated_photos_need_fixing() -> None:
    assert sorted(p.name for p in set(FIXTURE_IMAGES) - set(PLAIN_IMAGES)) == [
        "exif-rotn-3.jpg",
        "exif-rotn-6.jpg",
        "exif-rotn-8.jpg",
    ]


@pytest.mark.parametrize("path", PLAIN_IMAGES, ids=_rel)
def test_decoding_matches_plain_pillow_when_nothing_needs_fixing(path: Path) -> None:
    """No EXIF rotation, no transparency: our RGB is Pillow's ``convert("RGB")``,
    the input ThreatExchange's published hashes were computed from."""
    with Image.open(path) as im:
        plain = np.asarray(im.convert("RGB"))
    assert np.array_equal(decode_image(path.read_bytes()).rgb, plain)


# -- matching -----------------------------------------------------------------------


def _bridge_variants(root: Path) -> list[Path]:
    return [p for p in _images(root) if p.parent.name == "bridge-mods"]


def _dihedral_variants(root: Path) -> list[Path]:
    return [p for p in _images(root) if p.parent.name == "dih"]


def test_fixture_set_has_every_variant() -> None:
    assert len(_bridge_variants(FIXTURES)) == 12
    assert len(_dihedral_variants(FIXTURES)) == 8


@pytest.mark.parametrize("path", _bridge_variants(FIXTURES), ids=_rel)
def test_every_bridge_variant_matches_the_original(path: Path) -> None:
    original, _, _ = _fp(ORIGINAL)
    hash_hex, quality, _ = _fp(path)
    assert quality >= QUALITY_MIN
    assert hamming(original, hash_hex) <= MATCH_DISTANCE


@pytest.mark.parametrize("path", _dihedral_variants(FIXTURES), ids=_rel)
def test_every_rotation_and_flip_matches_through_its_dihedral_hashes(path: Path) -> None:
    original, _, _ = _fp(ORIGINAL)
    _, quality, dihedral = _fp(path)
    assert quality >= QUALITY_MIN
    assert min(hamming(original, h) for h in dihedral) <= MATCH_DISTANCE


def test_rotated_copies_need_the_dihedral_hashes() -> None:
    original, _, _ = _fp(ORIGINAL)
    rotated, _, dihedral = _fp(fixture("reg-test-input/dih/bridge-2-rotate-90.jpg"))
    assert hamming(original, rotated) > MATCH_DISTANCE
    # the copy turned by 90° matches when its hashes are turned back: rotate270 undoes it
    best = min(range(8), key=lambda i: hamming(original, dihedral[i]))
    assert DIHEDRAL[best] == "rotate270"


@pytest.mark.parametrize("name", ["q0003", "q0004"])
def test_low_quality_photos_are_below_the_gate(name: str) -> None:
    _, quality, _ = _fp(fixture(f"reg-test-input/labelme-subset/{name}.jpg"))
    assert quality < QUALITY_MIN
    assert quality == int(name[1:])


@pytest.mark.parametrize("name", ["q0122", "q0291", "q0746", "q1050", "q2821"])
def test_other_labelme_photos_pass_the_gate(name: str) -> None:
    _, quality, _ = _fp(fixture(f"reg-test-input/labelme-subset/{name}.jpg"))
    assert quality == 100  # capped


UNRELATED = [
    "misc-images/c.png",
    "misc-images/wee.jpg",
    *(f"reg-test-input/labelme-subset/q{q}.jpg" for q in ("0122", "0291", "0746", "1050", "2821")),
    *(f"reg-test-input/exif-rotn/exif-rotn-{n}.jpg" for n in (1, 3, 6, 8)),
]


@pytest.mark.parametrize("rel", UNRELATED)
def test_unrelated_photos_do_not_match(rel: str) -> None:
    original, _, _ = _fp(ORIGINAL)
    _, _, dihedral = _fp(fixture(rel))
    assert min(hamming(original, h) for h in dihedral) > MATCH_DISTANCE


def test_unrelated_photos_do_not_match_each_other() -> None:
    hashes = [_fp(fixture(rel))[0] for rel in UNRELATED]
    for i, a in enumerate(hashes):
        for b in hashes[i + 1 :]:
            assert hamming(a, b) > MATCH_DISTANCE


@pytest.mark.parametrize("path", [p for p in FIXTURE_IMAGES if p.parent.name == "modes"], ids=_rel)
def test_every_colour_mode_copy_matches_the_original(path: Path) -> None:
    original, _, _ = _fp(ORIGINAL)
    hash_hex, _, _ = _fp(path)
    assert hamming(original, hash_hex) <= MATCH_DISTANCE


# -- helpers -------------------------------------------------------------------------


def test_hamming_and_parsing() -> None:
    a = "0" * 64
    assert hamming(a, "f" * 64) == 256
    assert hamming(a, "0" * 63 + "1") == 1
    assert hamming(PUBLISHED["bridge-mods/aaa-orig.jpg"], PUBLISHED["misc-images/c.png"]) > 100
    assert parse_pdq_hex("AB" * 32) == "ab" * 32
    for bad in ("", "ab" * 31, "zz" * 32, None, 123, "ab" * 33):
        with pytest.raises(InvalidInput) as err:
            parse_pdq_hex(bad, field="content.pdq")
        assert err.value.field == "content.pdq"
    with pytest.raises(ValueError):
        hamming("x", a)


def test_pdq_refuses_what_is_not_an_rgb_array() -> None:
    with pytest.raises(TypeError):
        pdq([[1, 2, 3]])  # type: ignore[arg-type]
    for bad in (
        np.zeros((8, 8), np.uint8),
        np.zeros((8, 8, 4), np.uint8),
        np.zeros((8, 8, 3), np.float32),
        np.zeros((0, 8, 3), np.uint8),
    ):
        with pytest.raises(ValueError):
            pdq(bad)  # type: ignore[arg-type]


def test_flat_images_hash_with_quality_zero() -> None:
    _, quality = pdq(np.full((64, 64, 3), 128, np.uint8))
    assert quality < QUALITY_MIN
    hash_hex, _ = pdq(np.zeros((1, 1, 3), np.uint8))  # the smallest image still hashes
    assert len(hash_hex) == 64


# -- the full-resolution set, when ../shared is beside the clone --------------------


def test_full_vector_set_hashes_equal_bare_pdqhash_and_match() -> None:
    root = _shared_or_skip()
    images = _images(root)
    assert len(images) == 48  # the fixtures' 47 and modes/original.jpg (= aaa-orig.jpg)
    original = pdq(decode_image((root / "bridge-mods" / "aaa-orig.jpg").read_bytes()).rgb)[0]
    for path in images:
        rel = str(path.relative_to(root))
        rgb = decode_image(path.read_bytes()).rgb
        bits, quality = pdqhash.compute(rgb)
        hash_hex, our_quality = pdq(rgb)
        assert hash_hex == np.packbits(bits.astype(np.uint8)).tobytes().hex(), rel
        assert our_quality == quality, rel
        if rel in PUBLISHED:
            assert hash_hex == PUBLISHED[rel]
        if path.parent.name == "exif-rotn":  # 12 MP each: the plain hash is enough
            assert hamming(original, hash_hex) > MATCH_DISTANCE, rel
            continue
        best = min(hamming(original, h) for h, _ in pdq_dihedral(rgb))
        if path.parent.name in ("bridge-mods", "dih", "modes"):
            assert quality >= QUALITY_MIN, rel
            assert best <= MATCH_DISTANCE, rel
        elif path.parent.name == "labelme-subset":
            assert (quality < QUALITY_MIN) == (path.stem in ("q0003", "q0004")), rel
            assert best > MATCH_DISTANCE, rel
        elif path.name in ("c.png", "wee.jpg"):
            assert best > MATCH_DISTANCE, rel
