"""A gated file's bytes, ready to decode: buffers through the one resolver, bufferViews
with meshopt ones decoded, images, and every declared size held against
:class:`DecodeLimits` before a native decoder runs.

The decoder (:mod:`.plain_glb`) and the toolchain's document reader both read through
:class:`DecodeSource`, so both meet the same caps and the same decoding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy.typing as npt

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.accessors.layout import COMPONENTS, MESHOPT, TYPE_SIZES, json_list
from museion.scenes.gltf.accessors.read import DecodedViews, read_decoded_accessor
from museion.scenes.gltf.caps import check_caps
from museion.scenes.gltf.decode.meshopt import decode_meshopt_view
from museion.scenes.gltf.gate import DEFAULT_MAX_BYTES, GltfSource
from museion.scenes.gltf.uri import BUFFER_MEDIA_TYPES, IMAGE_MEDIA_TYPES, DataUri, resolve_uri

__all__ = ["DecodeLimits", "DecodeSource", "accessor_shape"]


@dataclass(frozen=True)
class DecodeLimits:
    """Caps on what decoding may produce; checked on declared sizes, before decoding."""

    max_decoded_bytes: int = 1024 * 1024 * 1024  # every accessor and image, decoded
    max_count: int = 16 * 1024 * 1024  # elements in one accessor
    max_image_side: int = 16_384
    max_image_pixels: int = 8192 * 8192
    max_file_bytes: int = DEFAULT_MAX_BYTES

    def __post_init__(self) -> None:
        check_caps(self)


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def accessor_shape(accessor: dict[str, Any], name: str, pointer: str) -> tuple[int, int, int]:
    """``(count, components, componentType)`` of a well-formed accessor, or a refusal."""
    count = accessor.get("count")
    kind = accessor.get("type")
    ctype = accessor.get("componentType")
    if not isinstance(count, int) or count < 0 or kind not in TYPE_SIZES or ctype not in COMPONENTS:
        raise AssetRejected(
            "DECODE_FAILED",
            name,
            "the accessor's count, type or componentType is malformed",
            pointer=pointer,
        )
    if kind in ("MAT2", "MAT3") and COMPONENTS[ctype].itemsize < 4:
        raise AssetRejected(
            "DECODE_UNSUPPORTED",
            name,
            "padded byte or short matrices are not decoded; store matrices as floats",
            pointer=pointer,
        )
    return count, TYPE_SIZES[kind], ctype


class DecodeSource:
    """One decoding run's input: ``document`` (the caller's copy of the gated JSON), its
    buffers and bufferViews, and what is left of the decoding budget.

    ``meshopt`` names the extensions whose bufferViews are decoded (the decoder decodes
    ``EXT_meshopt_compression``; the toolchain the ``KHR_`` one of the same layout too).
    """

    def __init__(
        self,
        source: GltfSource,
        document: dict[str, Any],
        limits: DecodeLimits,
        meshopt: tuple[str, ...] = (MESHOPT,),
    ) -> None:
        self.name = source.name
        self.folder = source.path.parent
        self.document = document
        self.limits = limits
        self.budget = limits.max_decoded_bytes
        buffers = self._buffers(source.glb_bin)
        self.check_declared()
        self.views = self._views(buffers, meshopt)

    def fail(self, code: str, pointer: str, sentence: str) -> AssetRejected:
        return AssetRejected(code, self.name, sentence, pointer=pointer)

    def spend(self, amount: int, pointer: str, what: str) -> None:
        """Take ``amount`` decoded bytes from the budget, or refuse past it."""
        if amount > self.budget:
            raise self.fail(
                "DECODE_TOO_LARGE",
                pointer,
                f"{what} would decode to {amount} bytes, over what is left of the "
                f"{self.limits.max_decoded_bytes}-byte decoding cap",
            )
        self.budget -= amount

    def uri_bytes(self, uri: Any, pointer: str, types: frozenset[str]) -> bytes:
        """A buffer's or image's URI through the one resolver, within the file cap."""
        found = resolve_uri(
            uri, self.folder, pointer, media_types=types, max_bytes=self.limits.max_file_bytes
        )
        return found.data if isinstance(found, DataUri) else found.read()

    def _buffers(self, glb_bin: bytes | None) -> list[bytes | None]:
        loaded: list[bytes | None] = []
        for i, buffer in enumerate(json_list(self.document, "buffers")):
            uri = buffer.get("uri") if isinstance(buffer, dict) else None
            if uri is not None:
                loaded.append(self.uri_bytes(uri, f"/buffers/{i}/uri", BUFFER_MEDIA_TYPES))
            else:  # the GLB's BIN, or a meshopt fallback buffer with no data
                loaded.append(glb_bin if i == 0 else None)
        return loaded

    def _views(self, buffers: list[bytes | None], meshopt: tuple[str, ...]) -> DecodedViews:
        views: list[bytes | memoryview | None] = []
        for i, view in enumerate(json_list(self.document, "bufferViews")):
            pointer = f"/bufferViews/{i}"
            extensions = view.get("extensions") if isinstance(view, dict) else None
            packed = (
                next((n for n in meshopt if n in extensions), None)
                if isinstance(extensions, dict)
                else None
            )
            if not isinstance(view, dict):
                views.append(None)
            elif packed is not None:
                self.spend(_int(view.get("byteLength")), pointer, "the compressed bufferView")
                views.append(
                    decode_meshopt_view(view, buffers, self.name, pointer, self.budget, packed)
                )
            else:
                index = view.get("buffer")
                buffer = buffers[index] if isinstance(index, int) and index < len(buffers) else None
                start, length = _int(view.get("byteOffset")), _int(view.get("byteLength"))
                if buffer is None or start + length > len(buffer):
                    views.append(None)  # an error only if something reads it
                else:
                    views.append(memoryview(buffer)[start : start + length])
        return DecodedViews(views)

    def check_declared(self) -> None:
        """Every accessor's decoded size within the caps, before anything is decoded."""
        total = 0
        for i, accessor in enumerate(json_list(self.document, "accessors")):
            pointer = f"/accessors/{i}"
            if not isinstance(accessor, dict):
                raise self.fail("DECODE_FAILED", pointer, "the accessor is not an object")
            count, width, _ctype = accessor_shape(accessor, self.name, pointer)
            if count > self.limits.max_count:
                raise self.fail(
                    "DECODE_TOO_LARGE",
                    pointer,
                    f"the accessor declares {count} elements, over the cap of "
                    f"{self.limits.max_count}",
                )
            total += count * width * 4  # at most float32 once decoded
        self.spend(total, "/accessors", "the accessors")

    def accessor(self, index: int) -> npt.NDArray[Any]:
        """Accessor ``index`` as (count, components) of its own component type."""
        return read_decoded_accessor(self.document, self.views, index, self.name)

    def view_bytes(self, index: Any) -> bytes | None:
        """The (decoded) bytes of bufferView ``index``, ``None`` when it has none."""
        views = self.views.views
        data = views[index] if isinstance(index, int) and 0 <= index < len(views) else None
        return None if data is None else bytes(data)

    def image_bytes(self, image: dict[str, Any], pointer: str) -> bytes:
        """The encoded bytes of ``image``: its URI's, or its bufferView's."""
        if "uri" in image:
            return self.uri_bytes(image["uri"], f"{pointer}/uri", IMAGE_MEDIA_TYPES)
        data = self.view_bytes(image.get("bufferView"))
        if data is None:
            raise self.fail("DECODE_FAILED", pointer, "the image has no data")
        return data
