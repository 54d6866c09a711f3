"""Image checks: format and dimensions read from the header before anything decodes a pixel.

A 65-byte PNG can declare 30000x30000 pixels (3.6 GB once decoded) and a zlib bomb can
hold them for real; the renderer decodes every texture, so the gate reads only the header
(PNG IHDR, JPEG SOF, WebP VP8/VP8L/VP8X, KTX2) and refuses images over the caps.  Codes
follow the Khronos validator (``IMAGE_MIME_TYPE_INVALID``, ``IMAGE_UNEXPECTED_EOS``,
``IMAGE_UNRECOGNIZED_FORMAT``, ``IMAGE_DATA_INVALID``); ``IMAGE_TOO_LARGE`` is ours.  The
same header gives the inspector an image's GPU cost (:func:`image_footprint`).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.ktx2 import KTX2_MAGIC, ktx2_gpu, ktx2_size
from museion.scenes.gltf.report import Reporter

if TYPE_CHECKING:
    from museion.scenes.gltf.gate import GateLimits

__all__ = ["ImageFootprint", "ImageHeader", "check_images", "image_footprint", "read_image_header"]

_PNG = b"\x89PNG\r\n\x1a\n"
# The encodings the renderer uploads as RGBA8, by media type.
_RGBA_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
# JPEG start-of-frame markers (baseline, progressive, lossless...), not DHT/JPG/DAC.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


@dataclass(frozen=True)
class ImageHeader:
    """What an image's header declares."""

    mime_type: str
    width: int
    height: int
    complete: bool = True  # False when the file ends before its image data does


def _bad(code: str, sentence: str) -> AssetRejected:
    return AssetRejected(code, "image", sentence)


def _png(data: bytes) -> ImageHeader:
    if len(data) < 33:
        raise _bad("IMAGE_UNEXPECTED_EOS", "the PNG ends inside its header")
    length, kind, width, height = struct.unpack_from(">I4sII", data, 8)
    if kind != b"IHDR" or length != 13:
        raise _bad("IMAGE_DATA_INVALID", "the PNG does not start with its IHDR chunk")
    # A PNG must also hold image data and an end chunk; a header alone is cut short.
    complete = b"IDAT" in data[33:] and b"IEND" in data[-64:]
    return ImageHeader("image/png", width, height, complete)


def _jpeg(data: bytes) -> ImageHeader:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise _bad("IMAGE_DATA_INVALID", f"the JPEG has no marker at byte {at}")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            at += 2
            continue
        (length,) = struct.unpack_from(">H", data, at + 2)
        if marker in _SOF:
            if at + 9 > len(data):
                break
            height, width = struct.unpack_from(">HH", data, at + 5)
            return ImageHeader("image/jpeg", width, height)
        if length < 2:
            raise _bad("IMAGE_DATA_INVALID", "a JPEG segment has a length below 2")
        at += 2 + length
    raise _bad("IMAGE_UNEXPECTED_EOS", "the JPEG ends before its frame header")


def _webp(data: bytes) -> ImageHeader:
    if len(data) < 30:
        raise _bad("IMAGE_UNEXPECTED_EOS", "the WebP ends inside its header")
    chunk = data[12:16]
    if chunk == b"VP8 ":
        width, height = struct.unpack_from("<HH", data, 26)
        return ImageHeader("image/webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return ImageHeader("image/webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return ImageHeader("image/webp", width, height)
    raise _bad("IMAGE_DATA_INVALID", f"unknown WebP chunk {chunk!r}")


def read_image_header(data: bytes) -> ImageHeader:
    """The format and size ``data`` declares; raises :class:`AssetRejected` with a Khronos
    code when it is no image Museion can show, or is cut short."""
    if data.startswith(_PNG):
        return _png(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    if data.startswith(KTX2_MAGIC):
        size = ktx2_size(data)
        if size is None:
            raise _bad("IMAGE_UNEXPECTED_EOS", "the KTX2 file ends inside its header")
        return ImageHeader("image/ktx2", *size)
    raise _bad("IMAGE_UNRECOGNIZED_FORMAT", "the image is not PNG, JPEG, WebP or KTX2")


@dataclass(frozen=True)
class ImageFootprint:
    """An image's header and what it costs on the GPU: its encoding there, mip levels and
    bytes (enough to size it without decoding it)."""

    header: ImageHeader
    encoding: str
    levels: int
    gpu_bytes: int

    @property
    def mime_type(self) -> str:
        return self.header.mime_type

    @property
    def width(self) -> int:
        return self.header.width

    @property
    def height(self) -> int:
        return self.header.height


def image_footprint(data: bytes) -> ImageFootprint | None:
    """Size and GPU cost of a PNG, JPEG, WebP or KTX2 image from its header alone.

    PNG, JPEG and WebP are uploaded as RGBA8 with a mip chain (``w*h*4 * 4/3``); KTX2 as
    its block-compressed levels.  ``None`` when the header cannot be read or declares no
    pixels.
    """
    try:
        header = read_image_header(data)
    except AssetRejected:
        return None
    width, height = header.width, header.height
    if width <= 0 or height <= 0:
        return None
    if header.mime_type == "image/ktx2":
        gpu = ktx2_gpu(data)
        return None if gpu is None else ImageFootprint(header, *gpu)
    levels = int(math.log2(max(width, height))) + 1
    encoding = _RGBA_FORMATS[header.mime_type]
    return ImageFootprint(header, encoding, levels, width * height * 16 // 3)


def _view_bytes(
    document: dict[str, Any], buffers: list[bytes | None], view: object
) -> bytes | None:
    """The bytes of buffer view ``view`` when its range is sound (the accessor checks
    report it otherwise)."""
    views = document.get("bufferViews")
    if isinstance(view, bool) or not isinstance(view, int) or not isinstance(views, list):
        return None
    if not 0 <= view < len(views) or not isinstance(views[view], dict):
        return None
    entry = views[view]
    buffer, offset, length = (
        entry.get("buffer"),
        entry.get("byteOffset", 0),
        entry.get("byteLength"),
    )
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (buffer, offset, length)):
        return None
    assert isinstance(buffer, int) and isinstance(offset, int) and isinstance(length, int)
    data = buffers[buffer] if 0 <= buffer < len(buffers) else None
    if data is None or offset < 0 or length < 0 or offset + length > len(data):
        return None
    return data[offset : offset + length]


def _declared_types(image: dict[str, Any]) -> list[tuple[str, str]]:
    """The media types the document declares for ``image`` (its ``data:`` URI's and its
    ``mimeType``), each with the pointer suffix the Khronos validator reports."""
    declared: list[tuple[str, str]] = []
    uri = image.get("uri")
    if isinstance(uri, str) and uri[:5].lower() == "data:":
        media = uri[5:].split(";", 1)[0].split(",", 1)[0].strip().lower()
        if media:
            declared.append((media, "/uri"))
    mime = image.get("mimeType")
    if isinstance(mime, str):
        declared.append((mime, "/uri" if isinstance(uri, str) else "/mimeType"))
    return declared


def check_images(
    document: dict[str, Any],
    images: list[bytes | None],
    buffers: list[bytes | None],
    report: Reporter,
    limits: GateLimits,
) -> None:
    """Report images that are no known format, are cut short, are not what they declare,
    or declare more pixels than the caps allow."""
    entries = document.get("images")
    for index, image in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(image, dict):
            continue
        pointer = f"/images/{index}"
        data = images[index] if index < len(images) else None
        if data is None and "bufferView" in image:
            data = _view_bytes(document, buffers, image["bufferView"])
        if data is None:
            continue  # a refused URI or a bad view: reported where it was found
        try:
            header = read_image_header(data)
        except AssetRejected as exc:
            report.error(exc.code, pointer, exc.detail)
            continue
        if not header.complete:
            report.error(
                "IMAGE_UNEXPECTED_EOS", pointer, "the image ends before its pixel data does"
            )
        for declared, where in _declared_types(image):
            if declared == header.mime_type:
                continue
            report.error(
                "IMAGE_MIME_TYPE_INVALID",
                pointer + where,
                f"the image is {header.mime_type} but is declared as {declared[:40]}",
            )
            break
        side, pixels = max(header.width, header.height), header.width * header.height
        if side > limits.max_image_side or pixels > limits.max_image_pixels:
            report.error(
                "IMAGE_TOO_LARGE",
                pointer,
                f"the image declares {header.width}x{header.height} pixels, over the cap of "
                f"{limits.max_image_side} px a side and {limits.max_image_pixels} pixels; "
                "resize it (museion optimize --texture-size)",
            )
        elif header.width == 0 or header.height == 0:
            report.error("IMAGE_DATA_INVALID", pointer, "the image declares zero pixels")
