"""A separate occlusion map packed into its material's metallic-roughness image.

The lean shader reads occlusion only from the metallic-roughness texture's red channel
(glTF's packed ORM), which panda3d-gltf hands it as one stage.  So, once at decode time
and as glTF-Transform would, a material whose ``occlusionTexture`` is another image on
the same UV set gets a new PNG: R from the occlusion image (resized to the
metallic-roughness image's size), G and B from the metallic-roughness image (255 when it
has none, so its factors still rule); both its textureInfos then point at it.  Other
materials sharing either image keep theirs.  An occlusion map on another UV set (or
under another texture transform) is left apart.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.decode.source import DecodeLimits
from museion.scenes.gltf.decode.transform import _read
from museion.scenes.gltf.images import read_image_header

__all__ = ["pack_occlusion", "packable_occlusion"]

_SOURCES = ("KHR_texture_basisu", "EXT_texture_webp")
Spend = Callable[[int, str, str], None]


def _list(document: dict[str, Any], key: str) -> list[Any]:
    value = document.get(key)
    return value if isinstance(value, list) else []


def _source(document: dict[str, Any], info: Any) -> int | None:
    """The image a textureInfo samples (a core ``source``, else an image extension's)."""
    textures = _list(document, "textures")
    index = info.get("index") if isinstance(info, dict) else None
    if not isinstance(index, int) or not 0 <= index < len(textures):
        return None
    texture = textures[index]
    if not isinstance(texture, dict):
        return None
    source = texture.get("source")
    extensions = texture.get("extensions")
    if source is None and isinstance(extensions, dict):
        for name in _SOURCES:
            ext = extensions.get(name)
            source = ext.get("source") if isinstance(ext, dict) else None
            if source is not None:
                break
    return source if isinstance(source, int) and not isinstance(source, bool) else None


def _rough(material: dict[str, Any]) -> Any:
    pbr = material.get("pbrMetallicRoughness")
    return pbr.get("metallicRoughnessTexture") if isinstance(pbr, dict) else None


def packable_occlusion(document: dict[str, Any], material: Any) -> bool:
    """True when decoding packs ``material``'s occlusion map into its metallic-roughness
    image: the occlusion image differs from that one (or the material has none) and
    both are sampled on the same UV set under the same texture transform."""
    if not isinstance(material, dict):
        return False
    occlusion = material.get("occlusionTexture")
    occlusion_source = _source(document, occlusion)
    if occlusion_source is None or not isinstance(occlusion, dict):
        return False
    rough = _rough(material)
    if rough is None:
        return True
    if not isinstance(rough, dict):
        return False
    try:
        same_uv = _read(occlusion) == _read(rough)
    except (TypeError, ValueError, AttributeError):
        return False
    rough_source = _source(document, rough)
    return same_uv and rough_source is not None and rough_source != occlusion_source


def _open(data: bytes, pointer: str, name: str, limits: DecodeLimits) -> Image.Image:
    """The decoded image, its declared size held to the caps before decoding."""
    header = read_image_header(data)
    width, height = header.width, header.height
    if (
        width > limits.max_image_side
        or height > limits.max_image_side
        or width * height > limits.max_image_pixels
    ):
        raise AssetRejected(
            "IMAGE_TOO_LARGE",
            name,
            f"the texture is {width}x{height} pixels, over the cap "
            f"({limits.max_image_side} a side, {limits.max_image_pixels} in all)",
            pointer,
        )
    try:
        with Image.open(io.BytesIO(data), formats=["PNG", "JPEG"]) as image:
            if image.size != (width, height):
                raise ValueError("the image's header disagrees with itself")
            converted: Image.Image = image.convert("RGB")
            return converted
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise AssetRejected(
            "DECODE_FAILED", name, f"the texture could not be decoded ({exc})", pointer
        ) from exc


def _packed_png(occlusion: Image.Image, rough: Image.Image | None) -> bytes:
    size = occlusion.size if rough is None else rough.size
    if occlusion.size != size:
        occlusion = occlusion.resize(size, Image.Resampling.BILINEAR)
    pixels = np.empty((size[1], size[0], 3), np.uint8)
    pixels[..., 0] = np.asarray(occlusion)[..., 0]
    pixels[..., 1:] = 255 if rough is None else np.asarray(rough)[..., 1:]
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, "PNG", compress_level=1)
    return out.getvalue()


def pack_occlusion(
    document: dict[str, Any],
    pictures: list[bytes],
    limits: DecodeLimits,
    spend: Spend,
    name: str,
) -> list[bytes]:
    """Pack every :func:`packable_occlusion` material of the decoded ``document`` (its
    images' PNG or JPEG bytes are ``pictures``, by index).  New images and textures are
    appended to ``document``, one per distinct pair; returns the new images' bytes.
    Raises :class:`AssetRejected` (``IMAGE_TOO_LARGE``, ``DECODE_FAILED``,
    ``DECODE_TOO_LARGE``)."""
    images = _list(document, "images")
    textures = _list(document, "textures")
    made: list[bytes] = []
    packed: dict[tuple[int | None, int], int] = {}  # (MR image, occlusion image) -> image
    wrapped: dict[tuple[int | None, int], int] = {}  # (MR texture, occlusion image) -> texture
    for m, material in enumerate(_list(document, "materials")):
        if not packable_occlusion(document, material):
            continue
        occlusion = material["occlusionTexture"]
        rough = _rough(material)
        occlusion_source = _source(document, occlusion)
        rough_source = None if rough is None else _source(document, rough)
        if occlusion_source is None:  # packable_occlusion checked it
            continue
        pair = (rough_source, occlusion_source)
        if pair not in packed:
            pointer = f"/materials/{m}/occlusionTexture"
            occ = _open(pictures[occlusion_source], f"/images/{occlusion_source}", name, limits)
            mr = None
            if rough_source is not None:
                mr = _open(pictures[rough_source], f"/images/{rough_source}", name, limits)
            width, height = (occ if mr is None else mr).size
            spend(width * height * 4, pointer, "the packed occlusion texture")
            made.append(_packed_png(occ, mr))
            images.append({"mimeType": "image/png", "name": f"occlusion-packed-{m}"})
            packed[pair] = len(images) - 1
        key = (None if rough is None else rough["index"], occlusion_source)
        if key not in wrapped:
            texture: dict[str, Any] = {"source": packed[pair]}
            sampler = textures[(occlusion if rough is None else rough)["index"]].get("sampler")
            if sampler is not None:
                texture["sampler"] = sampler
            textures.append(texture)
            wrapped[key] = len(textures) - 1
        occlusion["index"] = wrapped[key]
        if rough is None:
            info: dict[str, Any] = {"index": wrapped[key]}
            if "texCoord" in occlusion:
                info["texCoord"] = occlusion["texCoord"]
            material.setdefault("pbrMetallicRoughness", {})["metallicRoughnessTexture"] = info
        else:
            rough["index"] = wrapped[key]
    if made:
        document["images"], document["textures"] = images, textures
    return made
