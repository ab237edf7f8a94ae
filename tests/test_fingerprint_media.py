"""Hostile-input-safe decoding: formats, limits, colour modes, orientation, metadata."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from alteram.errors import InvalidInput
from alteram.fingerprint import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    MATCH_DISTANCE,
    decode_image,
    hamming,
    pdq,
    sanitized,
    sha256,
    to_rgb,
)
from alteram.fingerprint.media import sniff_format

FIXTURES = Path(__file__).parent / "fixtures" / "pdq"
ORIGINAL = FIXTURES / "verbatim" / "bridge-mods" / "aaa-orig.jpg"
MODES = sorted((FIXTURES / "derived" / "misc-images" / "modes").iterdir())
EXIF_ROTN = {
    n: FIXTURES / "derived" / "reg-test-input" / "exif-rotn" / f"exif-rotn-{n}.jpg"
    for n in (1, 3, 6, 8)
}


def encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **params)
    return buf.getvalue()


def small_photo(size: tuple[int, int] = (96, 60)) -> Image.Image:
    with Image.open(ORIGINAL) as im:
        return im.convert("RGB").resize(size)


def refused(data: bytes, **kw: Any) -> str:
    with pytest.raises(InvalidInput) as err:
        decode_image(data, field="content.media[0]", **kw)
    assert err.value.status == 422
    assert err.value.field == "content.media[0]"
    return err.value.message


# -- the defaults and the exact fingerprint ---------------------------------------


def test_defaults() -> None:
    assert DEFAULT_MAX_BYTES == 20 * 1024 * 1024
    assert DEFAULT_MAX_PIXELS == 50_000_000


def test_sha256_of_the_bytes() -> None:
    data = ORIGINAL.read_bytes()
    assert sha256(data) == hashlib.sha256(data).hexdigest()
    decoded = decode_image(data)
    assert decoded.sha256 == sha256(data)
    assert (decoded.format, decoded.mode, decoded.orientation) == ("JPEG", "RGB", 1)
    assert (decoded.width, decoded.height) == (1600, 1004)
    assert decoded.rgb.shape == (1004, 1600, 3) and decoded.rgb.dtype == np.uint8


# -- colour modes ----------------------------------------------------------------------


@pytest.mark.parametrize("path", MODES, ids=lambda p: p.name)
def test_every_colour_mode_file_decodes_to_rgb(path: Path) -> None:
    decoded = decode_image(path.read_bytes())
    assert decoded.rgb.dtype == np.uint8
    assert decoded.rgb.shape == (251, 400, 3)
    expected = {
        "1.png": "1",
        "L.png": "L",
        "LA.png": "LA",
        "P.png": "P",
        "RGBA.png": "RGBA",
        "CMYK.jpg": "CMYK",
    }.get(path.name)
    if expected:
        assert decoded.mode == expected
    reference = decode_image((FIXTURES / "derived/misc-images/modes/RGB.jpg").read_bytes())
    assert hamming(pdq(decoded.rgb)[0], pdq(reference.rgb)[0]) <= MATCH_DISTANCE


def _pixel(image: Image.Image) -> tuple[int, ...]:
    value = to_rgb(image).getpixel((0, 0))
    assert isinstance(value, tuple)
    return value


def test_to_rgb_every_mode() -> None:
    colour = Image.new("RGB", (4, 4), (200, 100, 50))
    for mode in ("L", "P", "CMYK", "YCbCr", "LAB", "HSV", "RGBX", "RGBA", "PA", "LA", "I", "F"):
        out = to_rgb(colour.convert(mode))
        assert out.mode == "RGB" and out.size == (4, 4), mode
        r, g, b = _pixel(colour.convert(mode))
        if mode in ("L", "LA", "I", "F"):
            assert r == g == b and abs(r - 124) <= 1, mode  # luma of (200, 100, 50)
        else:
            assert max(abs(r - 200), abs(g - 100), abs(b - 50)) <= 6, mode
    assert _pixel(Image.new("1", (2, 2), 1)) == (255, 255, 255)
    assert _pixel(Image.new("1", (2, 2), 0)) == (0, 0, 0)
    assert _pixel(Image.new("CMYK", (2, 2), (0, 0, 0, 0))) == (255, 255, 255)
    assert _pixel(Image.new("CMYK", (2, 2), (0, 0, 0, 255))) == (0, 0, 0)


def test_alpha_is_composited_on_white() -> None:
    assert _pixel(Image.new("RGBA", (2, 2), (200, 0, 0, 0))) == (255, 255, 255)
    assert _pixel(Image.new("RGBA", (2, 2), (200, 0, 0, 255))) == (200, 0, 0)
    r, g, b = _pixel(Image.new("RGBA", (2, 2), (0, 0, 0, 128)))
    assert r == g == b and abs(r - 127) <= 1
    assert _pixel(Image.new("LA", (2, 2), (30, 0))) == (255, 255, 255)
    assert _pixel(Image.new("LA", (2, 2), (30, 255))) == (30, 30, 30)
    assert _pixel(Image.new("RGBa", (2, 2), (0, 0, 0, 0))) == (255, 255, 255)
    assert _pixel(Image.new("La", (2, 2), (0, 0))) == (255, 255, 255)
    pa = Image.new("RGBA", (2, 2), (0, 0, 255, 0)).convert("PA")
    assert _pixel(pa) == (255, 255, 255)
    keyed = Image.new("P", (2, 2), 3)
    keyed.info["transparency"] = 3
    assert _pixel(keyed) == (255, 255, 255)


def test_sixteen_bit_greyscale_is_scaled_not_clipped() -> None:
    values = np.array([[0, 257 * 128, 65535, 1000]], dtype=np.uint16)
    for mode in ("I;16", "I;16B"):
        image = Image.frombytes(
            mode, (4, 1), values.astype("<u2" if mode == "I;16" else ">u2").tobytes()
        )
        grey = np.asarray(to_rgb(image))[0, :, 0].tolist()
        assert grey == [0, 128, 255, 4], mode
    # through a real 16-bit PNG file
    gradient = (np.arange(256 * 16, dtype=np.uint32).reshape(16, 256) * 16).astype(np.uint16)
    data = encode(Image.fromarray(gradient), "PNG")
    decoded = decode_image(data)
    assert decoded.mode.startswith("I;16")
    assert decoded.rgb[:, :, 0].max() == 255 and decoded.rgb[:, :, 0].min() == 0
    assert int(decoded.rgb[8, 128, 0]) == round((8 * 256 + 128) * 16 * 255 / 65535)


def test_integer_and_float_modes_follow_pillows_0_to_255_convention() -> None:
    ints = Image.fromarray(np.array([[-5, 0, 128, 300]], dtype=np.int32), "I")
    assert np.asarray(to_rgb(ints))[0, :, 1].tolist() == [0, 0, 128, 255]
    floats = Image.fromarray(np.array([[np.nan, 127.6, -1.0, 1e9]], dtype=np.float32), "F")
    assert np.asarray(to_rgb(floats))[0, :, 2].tolist() == [0, 128, 0, 255]


def test_transparent_files_decode_on_white() -> None:
    rgba = Image.new("RGBA", (8, 8), (10, 20, 30, 0))
    rgba.putpixel((0, 0), (10, 20, 30, 255))
    for fmt, params in (("PNG", {}), ("WEBP", {"lossless": True})):
        decoded = decode_image(encode(rgba, fmt, **params))
        assert decoded.rgb[4, 4].tolist() == [255, 255, 255], fmt
        assert decoded.rgb[0, 0].tolist() == [10, 20, 30], fmt
    la = Image.new("LA", (8, 8), (0, 0))
    assert decode_image(encode(la, "PNG")).rgb[1, 1].tolist() == [255, 255, 255]
    palette = Image.new("P", (8, 8), 1)
    palette.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    palette.putpixel((0, 0), 0)
    keyed = decode_image(encode(palette, "PNG", transparency=1))
    assert keyed.rgb[3, 3].tolist() == [255, 255, 255]
    assert keyed.rgb[0, 0].tolist() == [0, 0, 0]
    gif = decode_image(encode(palette, "GIF", transparency=1))
    assert gif.rgb[3, 3].tolist() == [255, 255, 255]
    rgb_key = Image.new("RGB", (8, 8), (0, 255, 0))
    assert decode_image(encode(rgb_key, "PNG", transparency=(0, 255, 0))).rgb[2, 2].tolist() == [
        255,
        255,
        255,
    ]


# -- formats ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "params"),
    [("JPEG", {"quality": 95}), ("PNG", {}), ("WEBP", {"quality": 95}), ("GIF", {})],
)
def test_allowed_formats_decode_and_match(fmt: str, params: dict[str, Any]) -> None:
    photo = small_photo((400, 251))
    decoded = decode_image(encode(photo, fmt, **params))
    assert decoded.format == fmt
    assert decoded.rgb.shape == (251, 400, 3)
    assert hamming(pdq(decoded.rgb)[0], pdq(np.asarray(photo))[0]) <= MATCH_DISTANCE


def test_animated_gif_and_webp_give_their_first_frame() -> None:
    frames = [Image.new("RGB", (16, 16), c) for c in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
    for fmt in ("GIF", "WEBP"):
        params: dict[str, Any] = {"save_all": True, "append_images": frames[1:], "duration": 100}
        if fmt == "WEBP":
            params["lossless"] = True
        data = encode(frames[0], fmt, **params)
        with Image.open(io.BytesIO(data)) as im:
            assert getattr(im, "n_frames", 1) == 3, fmt
        assert decode_image(data).rgb[8, 8].tolist() == [255, 0, 0], fmt


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("BMP", "BMP"), ("TIFF", "TIFF"), ("ICO", "ICO"), ("PPM", None), ("TGA", None)],
)
def test_disallowed_formats_are_refused_by_name(fmt: str, name: str | None) -> None:
    data = encode(small_photo((32, 32)), fmt)
    message = refused(data)
    if name:
        assert f"unsupported image format {name}" in message
    else:
        assert "not a recognisable image" in message
    assert "JPEG, PNG, WebP, GIF" in message


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.7\n...", "PDF"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG/XML"),
        (b"  <?xml version='1.0'?><svg/>", "SVG/XML"),
        (b"\x00\x00\x00\x1cftypheic\x00\x00\x00\x00", "HEIC"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00", "AVIF"),
        (b"8BPS\x00\x01", "PSD"),
    ],
)
def test_other_refused_formats_are_named(data: bytes, name: str) -> None:
    assert sniff_format(data) == name
    assert f"unsupported image format {name}" in refused(data)


def test_format_is_judged_by_content_not_claims() -> None:
    assert sniff_format(ORIGINAL.read_bytes()) == "JPEG"
    # a BMP whose first bytes were overwritten with a JPEG signature is corrupt, not a BMP
    bmp = encode(small_photo((16, 16)), "BMP")
    assert "corrupt JPEG" in refused(b"\xff\xd8\xff" + bmp[3:])


# -- limits and corruption ------------------------------------------------------------


def test_empty_and_too_large_files() -> None:
    assert "empty" in refused(b"")
    data = (FIXTURES / "verbatim" / "bridge-mods" / "shrink-a-lot.jpg").read_bytes()
    message = refused(data, max_bytes=len(data) - 1)
    assert "the limit is" in message and "KiB" in message
    decode_image(data, max_bytes=len(data))  # exactly at the limit is fine
    big = b"\xff\xd8\xff" + bytes(DEFAULT_MAX_BYTES)
    assert "20.0 MiB" in refused(big)


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` (a decompression bomb's shape)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_decompression_bomb_header_is_refused_before_decoding() -> None:
    bomb = _png_claiming(100_000, 100_000)
    assert len(bomb) < 200
    assert "too many pixels" in refused(bomb)
    # under Pillow's global guard, over ours: our per-call limit decides
    medium = _png_claiming(10_000, 6_000)
    message = refused(medium)
    assert "too many pixels" in message and "60.0 megapixels" in message
    assert "50.0 megapixels" in message


def test_pixel_limit_is_per_call() -> None:
    blank = encode(Image.new("RGB", (200, 100), (255, 255, 255)), "PNG")
    message = refused(blank, max_pixels=19_999)
    assert "too many pixels" in message and "200×100" in message
    assert decode_image(blank, max_pixels=20_000).rgb.shape == (100, 200, 3)
    assert Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS > 20_000  # untouched


def test_corrupt_files_are_refused_with_a_reason() -> None:
    jpeg = ORIGINAL.read_bytes()
    assert "corrupt JPEG" in refused(jpeg[: len(jpeg) // 2])
    assert "corrupt JPEG" in refused(jpeg[:200])
    png = encode(small_photo((64, 64)), "PNG")
    assert "corrupt PNG" in refused(png[:20] + b"\x00" * 40 + png[60:])
    assert "corrupt PNG" in refused(png[: len(png) // 2])
    assert "corrupt GIF" in refused(b"GIF89a" + b"\xff" * 10)
    assert "corrupt WebP" in refused(b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8)
    assert "not a recognisable image" in refused(bytes(range(256)) * 4)
    assert "corrupt PNG" in refused(_png_claiming(0, 10))


def test_non_bytes_are_a_programming_error() -> None:
    with pytest.raises(TypeError):
        decode_image("not bytes")  # type: ignore[arg-type]
    assert decode_image(bytearray(ORIGINAL.read_bytes())).format == "JPEG"


# -- EXIF orientation ----------------------------------------------------------------


def stored_for(upright: np.ndarray, orientation: int) -> np.ndarray:
    """How a camera stores ``upright`` pixels under an EXIF orientation (EXIF 2.3, tag 0x0112)."""
    ops = {
        1: lambda a: a,
        2: lambda a: a[:, ::-1],  # mirrored left-right
        3: lambda a: a[::-1, ::-1],  # rotated 180°
        4: lambda a: a[::-1, :],  # mirrored top-bottom
        5: lambda a: a.swapaxes(0, 1),  # transposed
        6: lambda a: np.rot90(a, 1),  # display rotates it 90° clockwise
        7: lambda a: a[::-1, ::-1].swapaxes(0, 1),  # transverse
        8: lambda a: np.rot90(a, -1),  # display rotates it 90° counter-clockwise
    }
    return np.ascontiguousarray(ops[orientation](upright))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_applied(orientation: int) -> None:
    upright = np.asarray(small_photo((96, 60)))
    stored = Image.fromarray(stored_for(upright, orientation))
    exif = Image.Exif()
    exif[0x0112] = orientation
    png = decode_image(encode(stored, "PNG", exif=exif.tobytes()))
    assert png.orientation == orientation
    assert np.array_equal(png.rgb, upright)
    jpeg = decode_image(encode(stored, "JPEG", quality=95, exif=exif.tobytes()))
    assert jpeg.rgb.shape == upright.shape
    assert hamming(pdq(jpeg.rgb)[0], pdq(upright)[0]) <= 16


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_vector_exif_rotn_files_decode_upright(orientation: int) -> None:
    path = EXIF_ROTN[orientation]
    with Image.open(path) as im:
        assert im.getexif()[0x0112] == orientation
        raw = np.asarray(im.convert("RGB"))
    decoded = decode_image(path.read_bytes())
    assert decoded.orientation == orientation
    portrait = orientation in (6, 8)
    assert (decoded.height > decoded.width) == portrait
    # the stored pixels turned as the tag says, nothing else
    assert np.array_equal(stored_for(decoded.rgb, orientation), raw)


def test_exif_rotn_photos_are_four_different_shots() -> None:
    """The four exif-rotn photos are separate shots (reframed), not one photo re-tagged.

    Upright, they share the scene but not the framing: their PDQ hashes are far
    apart, so "same orientation" is checked pixel-exactly above, not by PDQ.
    """
    hashes = [pdq(decode_image(p.read_bytes()).rgb)[0] for p in EXIF_ROTN.values()]
    assert all(
        hamming(a, b) > MATCH_DISTANCE for i, a in enumerate(hashes) for b in hashes[i + 1 :]
    )


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_broken_exif_is_ignored_not_fatal() -> None:
    stored = small_photo((32, 20))
    data = encode(stored, "JPEG", exif=b"Exif\x00\x00II*\x00\xff\xff\xff\x7f garbage")
    decoded = decode_image(data)
    assert decoded.orientation == 1
    assert decoded.rgb.shape == (20, 32, 3)


# -- metadata stripped for display -------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_sanitized_output_has_no_metadata(fmt: str) -> None:
    source = EXIF_ROTN[6].read_bytes()
    with Image.open(io.BytesIO(source)) as im:
        assert im.getexif().get_ifd(0x8825)  # the vector photo carries a GPS position
    assert b"samsung" in source
    decoded = decode_image(source)
    out = sanitized(decoded, format=fmt)  # type: ignore[arg-type]
    for marker in (
        b"Exif",
        b"GPS",
        b"samsung",
        b"SM-G930V",
        b"ICC_PROFILE",
        b"iCCP",
        b"eXIf",
        b"tEXt",
        b"iTXt",
        b"zTXt",
        b"http://ns.adobe.com/xap",
    ):
        assert marker not in out, marker
    with Image.open(io.BytesIO(out)) as im:
        assert im.format == fmt
        assert len(im.getexif()) == 0
        assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "dpi"} & set(im.info)
        assert im.size == (decoded.width, decoded.height)  # upright, as decoded
        if fmt == "PNG":
            assert np.array_equal(np.asarray(im.convert("RGB")), decoded.rgb)


def test_sanitized_drops_icc_and_xmp_and_can_shrink() -> None:
    source = (FIXTURES / "verbatim" / "misc-images" / "c.png").read_bytes()
    with Image.open(io.BytesIO(source)) as im:
        assert "icc_profile" in im.info and "xmp" in im.info
    out = sanitized(decode_image(source), format="PNG", max_side=300)
    with Image.open(io.BytesIO(out)) as im:
        assert max(im.size) == 300
        assert not {"icc_profile", "xmp", "XML:com.adobe.xmp", "exif"} & set(im.info)
    with pytest.raises(ValueError):
        sanitized(np.zeros((4, 4), np.uint8))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sanitized(np.zeros((4, 4, 3), np.uint8), format="GIF")  # type: ignore[arg-type]
