"""KHR_texture_basisu and EXT_texture_webp: KTX2 (Basis Universal) and WebP images back to
PNG, within pixel caps.

The header's size fields are read in Python and checked before basisu or libwebp decodes,
so a tiny file that claims a gigapixel texture costs nothing.
"""

from __future__ import annotations

import io

import alktx2
from PIL import Image

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.ktx2 import KTX2_MAGIC, ktx2_extent

__all__ = ["KTX2_MAGIC", "ktx2_to_png", "webp_to_png"]


def _within_caps(
    kind: str, width: int, height: int, name: str, pointer: str, max_side: int, max_pixels: int
) -> None:
    """``IMAGE_TOO_LARGE`` for a header that claims more than the caps: checked before a
    decoder is given the data."""
    if width > max_side or height > max_side or width * height > max_pixels:
        raise AssetRejected(
            "IMAGE_TOO_LARGE",
            name,
            f"the {kind} texture is {width}x{height} pixels, over the cap "
            f"({max_side} a side, {max_pixels} in all)",
            pointer,
        )


def ktx2_to_png(data: bytes, name: str, pointer: str, max_side: int, max_pixels: int) -> bytes:
    """The PNG of a KTX2 image's first level, layer and face.

    Raises :class:`AssetRejected`: ``KTX2_INVALID`` for a header that is not KTX2,
    ``IMAGE_TOO_LARGE`` over the caps (nothing decoded), ``DECODE_FAILED`` when basisu
    refuses the data.
    """
    extent = ktx2_extent(data) if len(data) >= 48 and data[:12] == KTX2_MAGIC else None
    if extent is None:
        raise AssetRejected("KTX2_INVALID", name, "the image is not a KTX2 file", pointer)
    width, height, depth = extent
    if width == 0 or depth > 1:
        raise AssetRejected(
            "KTX2_INVALID", name, "only 2D KTX2 textures can be shown (no 3D or 1D)", pointer
        )
    _within_caps("KTX2", width, height, name, pointer, max_side, max_pixels)
    try:
        info = alktx2.inspect_ktx2(data)
        if (info["width"], info["height"]) != (width, height) or info["is_hdr"]:
            raise RuntimeError("the texture is HDR or its header disagrees with itself")
        png, _mime = alktx2.decode_ktx2_to_bytes(data, format="png")
    except (RuntimeError, ValueError, MemoryError) as exc:
        raise AssetRejected(
            "DECODE_FAILED", name, f"the KTX2 texture could not be decoded ({exc})", pointer
        ) from exc
    return png


def webp_to_png(data: bytes, name: str, pointer: str, max_side: int, max_pixels: int) -> bytes:
    """The PNG of a WebP image (the renderer reads PNG and JPEG only).

    Raises :class:`AssetRejected`: ``IMAGE_TOO_LARGE`` over the caps (nothing decoded),
    ``DECODE_FAILED`` when libwebp refuses the data.
    """
    from museion.scenes.gltf.images import read_image_header

    header = read_image_header(data)
    width, height = header.width, header.height
    _within_caps("WebP", width, height, name, pointer, max_side, max_pixels)
    try:
        with Image.open(io.BytesIO(data), formats=["WEBP"]) as image:
            if image.size != (width, height):
                raise ValueError("the WebP header disagrees with itself")
            out = io.BytesIO()
            image.save(out, "PNG", compress_level=1)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise AssetRejected(
            "DECODE_FAILED", name, f"the WebP texture could not be decoded ({exc})", pointer
        ) from exc
    return out.getvalue()
