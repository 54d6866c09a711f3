"""``textures``: resize to at most N pixels on the long side, re-encode as WebP or KTX2.

WebP goes through EXT_texture_webp, KTX2 through KHR_texture_basisu (UASTC for normal maps,
whose directions ETC1S blurs; ETC1S for colour and data maps), both required, as gltfpack
writes them.  An image whose re-encoding would be larger than it was is kept as it was.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Literal, get_args

from museion.tools.errors import OptimizeError
from museion.tools.transform.checks import check_choice, check_flag, check_whole
from museion.tools.transform.document import GltfDocument, TransformStats

__all__ = ["TextureOptions", "textures"]

logger = logging.getLogger(__name__)

TextureFormat = Literal["keep", "webp", "ktx2"]
_COLOUR_SLOTS = (
    "baseColorTexture",
    "emissiveTexture",
    "diffuseTexture",
    "specularGlossinessTexture",
    "sheenColorTexture",
    "specularColorTexture",
)
_EXTENSION = {"webp": "EXT_texture_webp", "ktx2": "KHR_texture_basisu"}
_PRIORITY = ("normal", "colour", "data")
_MIME = {"webp": "image/webp", "ktx2": "image/ktx2"}


@dataclass(frozen=True)
class TextureOptions:
    """``max_size``: the long side's cap in pixels (``None``: no resize); ``format``: keep
    each image's own, or re-encode to WebP or KTX2; ``quality``: WebP/ETC1S quality.
    ``webp_fallback`` also keeps the PNG/JPEG as the texture's source, with EXT_texture_webp
    optional, for viewers that read no WebP (Museion's gate decodes WebP itself)."""

    max_size: int | None = None
    format: TextureFormat = "keep"
    quality: int = 85
    webp_fallback: bool = False

    def __post_init__(self) -> None:
        if self.max_size is not None:
            check_whole(self, "max_size", 1)
        check_choice(self, "format", get_args(TextureFormat))
        check_whole(self, "quality", 1, 100)
        check_flag(self, "webp_fallback")


def _roles(doc: GltfDocument) -> dict[int, str]:
    """Each image's use: ``normal``, ``colour`` (sRGB) or ``data`` (linear)."""
    textures = doc.list("textures")
    roles: dict[int, str] = {}
    for material in doc.list("materials"):
        for slot, info in _slots(material):
            texture = textures[info["index"]]
            sources = [texture.get("source")] + [
                e.get("source")
                for e in texture.get("extensions", {}).values()
                if isinstance(e, dict)
            ]
            role = (
                "normal"
                if slot == "normalTexture"
                else ("colour" if slot in _COLOUR_SLOTS else "data")
            )
            for source in sources:
                if isinstance(source, int):
                    current = roles.get(source, "data")
                    roles[source] = min(current, role, key=_PRIORITY.index)
    return roles


def _slots(material: object) -> list[tuple[str, dict[str, int]]]:
    found: list[tuple[str, dict[str, int]]] = []

    def walk(value: object, key: str) -> None:
        if isinstance(value, dict):
            if key.endswith("Texture") and isinstance(value.get("index"), int):
                found.append((key, value))
            for k, v in value.items():
                walk(v, k)

    walk(material, "")
    return found


def _target(width: int, height: int, cap: int | None) -> tuple[int, int]:
    """The size after the cap: halvings keep a power-of-two texture a power of two."""
    if cap is None or max(width, height) <= cap:
        return width, height
    if width & (width - 1) == 0 and height & (height - 1) == 0:
        while max(width, height) > cap:
            width, height = max(1, width // 2), max(1, height // 2)
        return width, height
    ratio = cap / max(width, height)
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def _encode(image: object, fmt: str, mime: str, role: str, quality: int) -> tuple[bytes, str]:
    from PIL import Image

    assert isinstance(image, Image.Image)
    out = io.BytesIO()
    if fmt == "webp":
        image.save(out, "WEBP", quality=95 if role == "normal" else quality, method=4)
        return out.getvalue(), "image/webp"
    if fmt == "ktx2":
        import alktx2

        image.save(out, "PNG")
        codec: Literal["uastc", "etc1s"] = "uastc" if role == "normal" else "etc1s"
        data = alktx2.encode_bytes_to_ktx2(
            out.getvalue(),
            mime="image/png",
            codec=codec,
            quality=quality,
            srgb=role == "colour",
            linear=role != "colour",
            mipmaps=True,
            zstd_supercompression_level=18 if codec == "uastc" else None,
        )
        return bytes(data), "image/ktx2"
    if mime == "image/jpeg":
        image.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
    elif mime == "image/webp":
        image.save(out, "WEBP", quality=quality)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue(), mime


def textures(doc: GltfDocument, options: TextureOptions = TextureOptions()) -> TransformStats:
    """Resize and re-encode every PNG, JPEG or WebP image (KTX2 images are kept)."""
    from PIL import Image, UnidentifiedImageError

    if options.max_size is None and options.format == "keep":
        return TransformStats("textures", {})
    roles = _roles(doc)
    counts = {"resized": 0, "reencoded": 0, "bytes_before": 0, "bytes_after": 0}
    replaced: dict[int, int] = {}  # image -> the image in the new format (itself, or added)
    fmt = options.format
    for index, entry in enumerate(list(doc.list("images"))):
        data = doc.images[index]
        mime = entry.get("mimeType", "")
        if mime not in ("image/png", "image/jpeg", "image/webp"):
            continue
        try:
            with Image.open(io.BytesIO(data)) as opened:
                image = opened.copy()
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
            raise OptimizeError(
                f"image {index} cannot be decoded ({exc})", code="IMAGE_UNREADABLE"
            ) from exc
        size = _target(image.width, image.height, options.max_size)
        resized = size != (image.width, image.height)
        if resized:
            image = image.resize(size, Image.Resampling.LANCZOS)
        new_format = fmt != "keep" and _MIME[fmt] != mime
        if not resized and not new_format:
            continue
        role = roles.get(index, "colour")
        counts["bytes_before"] += len(data)
        counts["resized"] += int(resized)
        if resized or (new_format and fmt == "webp" and options.webp_fallback):
            data, _ = _encode(image, "keep", mime, role, options.quality)
            doc.images[index] = data
        if not new_format:
            counts["bytes_after"] += len(data)
            continue
        encoded, new_mime = _encode(image, fmt, mime, role, options.quality)
        counts["reencoded"] += 1
        if fmt == "webp" and options.webp_fallback:
            counts["bytes_after"] += len(data) + len(encoded)
            doc.json["images"].append({"mimeType": new_mime})
            doc.images.append(encoded)
            replaced[index] = len(doc.images) - 1
        else:
            counts["bytes_after"] += len(encoded)
            doc.images[index] = encoded
            entry["mimeType"] = new_mime
            replaced[index] = index
    if replaced:
        fallback = fmt == "webp" and options.webp_fallback
        for texture in doc.list("textures"):
            source = texture.get("source")
            if isinstance(source, int) and source in replaced:
                if not fallback:
                    texture.pop("source")
                ext = texture.setdefault("extensions", {})
                ext[_EXTENSION[fmt]] = {"source": replaced[source]}
        doc.use_extension(_EXTENSION[fmt], required=not fallback)
    logger.info("textures: %s", counts)
    return TransformStats("textures", counts)
