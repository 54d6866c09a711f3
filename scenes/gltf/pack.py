"""The one buffer packer: arrays, images and opaque blobs appended as bufferViews (and
accessors) into one binary chunk, each on a 4-byte boundary.

The decoder writes its plain GLB with it, the toolchain its optimized files and the sample
builders their assets; :func:`~museion.scenes.gltf.glb.write_glb` then wraps the document
and :meth:`BufferPacker.binary` into a GLB.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from museion.scenes.gltf.accessors.layout import COMPONENTS, Array

__all__ = [
    "ARRAY_BUFFER",
    "COMPONENT_TYPES",
    "ELEMENT_ARRAY_BUFFER",
    "BufferPacker",
    "accessor_type",
    "bounds",
    "padded_rows",
    "vertex_stride",
]

ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
# componentType by numpy dtype (little-endian), the inverse of the reader's table.
COMPONENT_TYPES: dict[np.dtype[Any], int] = {dtype: code for code, dtype in COMPONENTS.items()}
_TYPES = {1: "SCALAR", 2: "VEC2", 3: "VEC3", 4: "VEC4", 9: "MAT3", 16: "MAT4"}


def accessor_type(components: int) -> str:
    """The accessor ``type`` of ``components`` per element (4 is a VEC4, not a MAT2)."""
    return _TYPES[components]


def bounds(values: Array) -> tuple[list[Any], list[Any]]:
    """Per-component ``min`` and ``max`` of (count, components) ``values``, as JSON numbers
    of the values' kind (floats for floats, ints for integers)."""
    low: list[Any] = values.min(axis=0).tolist()
    high: list[Any] = values.max(axis=0).tolist()
    return low, high


def vertex_stride(element: int) -> int:
    """A vertex attribute's stride: its element size rounded up to 4 bytes (the spec's
    alignment for vertex data)."""
    return element + (-element % 4)


def padded_rows(values: Array, stride: int) -> bytes:
    """Rows of ``values`` each padded with zeros to ``stride`` bytes."""
    raw = np.ascontiguousarray(values).view(np.uint8).reshape(len(values), -1)
    if raw.shape[1] == stride:
        return raw.tobytes()
    out = np.zeros((len(values), stride), dtype=np.uint8)
    out[:, : raw.shape[1]] = raw
    return out.tobytes()


class BufferPacker:
    """bufferViews, accessors and images laid end to end in one buffer (``buffer``).

    Indices returned are into this packer's own :attr:`views`, :attr:`accessors` and
    :attr:`images`; :meth:`finish` appends them to a document that has none yet.
    """

    def __init__(self, buffer: int = 0) -> None:
        self.buffer = buffer
        self.views: list[dict[str, Any]] = []
        self.accessors: list[dict[str, Any]] = []
        self.images: list[dict[str, Any]] = []
        self.size = 0
        self._chunks: list[bytes] = []

    def put(self, data: bytes) -> int:
        """Append ``data`` on a 4-byte boundary, with no view; returns its offset."""
        pad = -self.size % 4
        if pad:
            self._chunks.append(bytes(pad))
        start = self.size + pad
        self._chunks.append(data)
        self.size = start + len(data)
        return start

    def add_view(self, data: bytes, **fields: Any) -> int:
        """Append ``data`` as a bufferView with ``fields`` (``target``, ``byteStride``...)."""
        start = self.put(data)
        self.views.append(
            {"buffer": self.buffer, "byteOffset": start, "byteLength": len(data), **fields}
        )
        return len(self.views) - 1

    def reserve(self, length: int, **fields: Any) -> int:
        """A bufferView of ``length`` bytes with no data (a meshopt fallback buffer's)."""
        start = self.size + (-self.size % 4)
        self.size = start + length
        self.views.append(
            {"buffer": self.buffer, "byteOffset": start, "byteLength": length, **fields}
        )
        return len(self.views) - 1

    def add_array(self, values: Array, *, vertex: bool = False, **fields: Any) -> int:
        """Append the rows of (count, components) ``values`` as a bufferView; a vertex
        attribute's rows are padded to 4 bytes, and its ``byteStride`` then says so."""
        values = values.reshape(len(values), -1)
        element = values.dtype.itemsize * values.shape[1]
        stride = vertex_stride(element) if vertex else element
        if stride != element:
            fields.setdefault("byteStride", stride)
        return self.add_view(padded_rows(values, stride), **fields)

    def add_accessor(
        self,
        values: Array,
        *,
        target: int | None = None,
        normalized: bool = False,
        with_bounds: bool = False,
        kind: str | None = None,
    ) -> int:
        """Append ``values`` ((count,) or (count, components)) as a bufferView and an
        accessor of their component type; ``with_bounds`` adds ``min``/``max``."""
        values = values.reshape(len(values), -1)
        fields = {} if target is None else {"target": target}
        view = self.add_array(values, vertex=target == ARRAY_BUFFER, **fields)
        accessor: dict[str, Any] = {
            "bufferView": view,
            "componentType": COMPONENT_TYPES[values.dtype.newbyteorder("<")],
            "count": len(values),
            "type": kind or accessor_type(values.shape[1]),
        }
        if normalized:
            accessor["normalized"] = True
        if with_bounds:
            accessor["min"], accessor["max"] = bounds(values)
        self.accessors.append(accessor)
        return len(self.accessors) - 1

    def add_image(self, data: bytes, mime_type: str, **fields: Any) -> int:
        """Append an encoded image as a bufferView and an image that points at it."""
        self.images.append({"bufferView": self.add_view(data), "mimeType": mime_type, **fields})
        return len(self.images) - 1

    def binary(self) -> bytes:
        """The buffer's bytes, padded to 4."""
        return b"".join(self._chunks) + bytes(-self.size % 4)

    def buffer_entry(self, uri: str | None = None) -> dict[str, Any]:
        """The ``buffers`` entry this packer fills (its byteLength padded to 4)."""
        entry: dict[str, Any] = {"byteLength": self.size + (-self.size % 4)}
        if uri is not None:
            entry["uri"] = uri
        return entry

    def finish(self, document: dict[str, Any], uri: str | None = None) -> bytes:
        """Add this packer's views, accessors, images and its one buffer to ``document``
        (which has none of them yet); returns the binary chunk."""
        for key, items in (
            ("bufferViews", self.views),
            ("accessors", self.accessors),
            ("images", self.images),
        ):
            if items:
                document[key] = items
        document["buffers"] = [self.buffer_entry(uri)]
        return self.binary()
