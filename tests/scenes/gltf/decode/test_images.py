"""KTX2 and WebP images are judged by their headers before a decoder sees them."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.decode.images import ktx2_to_png, webp_to_png
from museion.scenes.gltf.ktx2 import KTX2_MAGIC


def _ktx2(width: int, height: int, depth: int = 0) -> bytes:
    """A KTX2 header (no data after it): what a hostile file can claim for free."""
    fields = struct.pack("<9I", 37, 1, width, height, depth, 0, 1, 1, 0)
    return KTX2_MAGIC + fields + bytes(32)


def _code(call: object) -> str:
    assert callable(call)
    with pytest.raises(AssetRejected) as caught:
        call()
    return caught.value.code


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "KTX2_INVALID"),
        (KTX2_MAGIC + bytes(8), "KTX2_INVALID"),  # cut short
        (_ktx2(64, 64, depth=4), "KTX2_INVALID"),  # a 3D texture
        (_ktx2(0, 64), "KTX2_INVALID"),
        (_ktx2(100_000, 4), "IMAGE_TOO_LARGE"),  # over the side cap, nothing decoded
        (_ktx2(3000, 3000), "IMAGE_TOO_LARGE"),  # over the pixel cap
        (_ktx2(64, 64), "DECODE_FAILED"),  # the header passes; basisu finds no data
    ],
)
def test_a_ktx2_header_is_judged_before_basisu(data: bytes, code: str) -> None:
    assert _code(lambda: ktx2_to_png(data, "t.ktx2", "/images/0", 4096, 4_000_000)) == code


def test_a_webp_over_the_caps_is_refused_and_one_within_them_becomes_png() -> None:
    out = io.BytesIO()
    Image.new("RGB", (64, 32), (200, 40, 40)).save(out, "WEBP")
    webp = out.getvalue()
    assert _code(lambda: webp_to_png(webp, "t.webp", "/images/0", 32, 10_000)) == (
        "IMAGE_TOO_LARGE"
    )
    assert _code(lambda: webp_to_png(webp, "t.webp", "/images/0", 64, 1_000)) == ("IMAGE_TOO_LARGE")
    png = webp_to_png(webp, "t.webp", "/images/0", 64, 10_000)
    with Image.open(io.BytesIO(png)) as image:
        assert (image.format, image.size) == ("PNG", (64, 32))
