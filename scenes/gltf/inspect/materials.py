"""The inspector's materials, textures and images: which texture fills which slot (core
and extension ones), which image a texture shows and through which extension, and each
image's size and GPU cost read from its header, its bytes through the gate's resolver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.accessors.layout import view_of
from museion.scenes.gltf.accessors.read import LoadedBuffers, Refused
from museion.scenes.gltf.gate import GateLimits, GltfSource
from museion.scenes.gltf.images import image_footprint
from museion.scenes.gltf.inspect.json_reads import dict_of, index_of, list_of, name_of, text_of
from museion.scenes.gltf.inspect.summary import (
    ImageSummary,
    MaterialSummary,
    TextureSlot,
    TextureSummary,
)
from museion.scenes.gltf.uri import BUFFER_MEDIA_TYPES, IMAGE_MEDIA_TYPES, DataUri, resolve_uri

__all__ = ["SourceBytes", "image_summary", "material_summary", "texture_summary"]

_TEXTURE_SLOTS = (
    ("baseColor", ("pbrMetallicRoughness", "baseColorTexture")),
    ("metallicRoughness", ("pbrMetallicRoughness", "metallicRoughnessTexture")),
    ("normal", ("normalTexture",)),
    ("occlusion", ("occlusionTexture",)),
    ("emissive", ("emissiveTexture",)),
)
# Extensions that give a texture another image than its ``source`` (the one a renderer
# supporting them uploads).
_TEXTURE_SOURCE_EXTENSIONS = (
    "KHR_texture_basisu",
    "EXT_texture_webp",
    "EXT_texture_avif",
    "MSFT_texture_dds",
)
# The encodings the renderer uploads as RGBA8, by the media type the gate's header reader finds.


def _extension_slots(name: str, value: Any, depth: int = 0) -> Iterator[tuple[str, Any]]:
    """``(slot, textureInfo)`` for every ``...Texture`` object inside an extension."""
    if depth > 6 or not isinstance(value, dict):
        return
    for key, item in value.items():
        if key.endswith("Texture") and isinstance(item, dict):
            yield f"{name}.{key}", item
        elif isinstance(item, dict):
            yield from _extension_slots(name, item, depth + 1)


def material_summary(document: dict[str, Any], index: int) -> MaterialSummary:
    material = list_of(document, "materials")[index]
    count = len(list_of(document, "textures"))
    slots: list[TextureSlot] = []
    for slot, path in _TEXTURE_SLOTS:
        info: Any = material
        for key in path:
            info = dict_of(info, key)
        texture = index_of(info, "index", count)
        if texture is not None:
            slots.append(TextureSlot(slot, texture))
    extensions = dict_of(material, "extensions")
    for name, body in extensions.items():
        for slot, info in _extension_slots(name, body):
            texture = index_of(info, "index", count)
            if texture is not None:
                slots.append(TextureSlot(slot, texture))
    alpha = text_of(material, "alphaMode") or "OPAQUE"
    double = material.get("doubleSided") if isinstance(material, dict) else None
    return MaterialSummary(
        index=index,
        name=name_of(material),
        alpha_mode=alpha,
        double_sided=double is True,
        textures=tuple(slots),
        extensions=tuple(sorted(extensions)),
    )


def texture_summary(document: dict[str, Any], index: int) -> TextureSummary:
    texture = list_of(document, "textures")[index]
    images = len(list_of(document, "images"))
    fallback = index_of(texture, "source", images)
    for extension in _TEXTURE_SOURCE_EXTENSIONS:
        source = index_of(dict_of(dict_of(texture, "extensions"), extension), "source", images)
        if source is not None:
            return TextureSummary(index, name_of(texture), source, extension, fallback)
    return TextureSummary(index, name_of(texture), fallback)


class SourceBytes:
    """Buffers and images of one source, each read once, through the gate's resolver."""

    def __init__(self, source: GltfSource, limits: GateLimits) -> None:
        self._source = source
        self._folder = source.path.parent
        self._cap = limits.max_file_bytes
        self._buffers: dict[int, bytes] = {}

    def _uri(self, uri: Any, where: str, types: frozenset[str]) -> tuple[bytes, str]:
        found = resolve_uri(uri, self._folder, where, media_types=types, max_bytes=self._cap)
        if isinstance(found, DataUri):
            return found.data, "data URI"
        return found.read(), f"file {found.path.name}"

    def buffer(self, index: int) -> bytes:
        if index not in self._buffers:
            entry = list_of(self._source.document, "buffers")[index]
            uri = entry.get("uri") if isinstance(entry, dict) else None
            if uri is None:
                if index != 0 or self._source.glb_bin is None:
                    raise AssetRejected(
                        "BUFFER_MISSING_GLB_DATA", self._source.name, "the buffer has no data"
                    )
                self._buffers[index] = self._source.glb_bin
            else:
                where = f"/buffers/{index}/uri"
                self._buffers[index] = self._uri(uri, where, BUFFER_MEDIA_TYPES)[0]
        return self._buffers[index]

    def image(self, index: int) -> tuple[bytes, str]:
        """The image's bytes and where they come from."""
        document = self._source.document
        image = list_of(document, "images")[index]
        uri = image.get("uri") if isinstance(image, dict) else None
        if uri is not None:
            return self._uri(uri, f"/images/{index}/uri", IMAGE_MEDIA_TYPES)
        view_index = index_of(image, "bufferView", len(list_of(document, "bufferViews")))
        if view_index is None:
            raise AssetRejected("IMAGE_NO_DATA", self._source.name, "no uri and no bufferView")
        view = view_of(document, view_index)
        count = len(list_of(document, "buffers"))
        if view is None or view.buffer >= count:
            raise AssetRejected("IMAGE_NO_DATA", self._source.name, "the buffer view is unusable")
        buffers: list[bytes | None] = [None] * count
        buffers[view.buffer] = self.buffer(view.buffer)
        try:
            data = LoadedBuffers(document, buffers).bytes_of(view_index, view, "")
        except Refused as refused:
            raise AssetRejected("IMAGE_NO_DATA", self._source.name, refused.detail) from None
        return bytes(data), f"buffer view {view_index}"


def image_summary(
    resources: SourceBytes, document: dict[str, Any], index: int, used: bool
) -> ImageSummary:
    image = list_of(document, "images")[index]
    declared = text_of(image, "mimeType") or ""
    try:
        data, location = resources.image(index)
    except (AssetRejected, OSError) as exc:
        note = exc.code if isinstance(exc, AssetRejected) else "IO_ERROR"
        return ImageSummary(
            index, name_of(image), declared, "", None, None, 0, None, "", used, note
        )
    header = image_footprint(data)
    if header is None:
        return ImageSummary(
            index,
            name_of(image),
            declared,
            "",
            None,
            None,
            len(data),
            None,
            location,
            used,
            "the header is not a readable PNG, JPEG, WebP or KTX2 header",
        )
    note = ""
    if declared and declared != header.mime_type:
        note = f"declared {declared}, the bytes are {header.mime_type}"
    return ImageSummary(
        index,
        name_of(image),
        header.mime_type,
        header.encoding,
        header.width,
        header.height,
        len(data),
        header.gpu_bytes,
        location,
        used,
        note,
    )
