"""The one reader of accessor bytes: an accessor's values as numpy arrays, for the gate's
value checks (from the loaded buffers), the decoder and the toolchain (from the decoded
bufferViews).

Every range is computed with Python ints from the JSON (:mod:`.layout`) and
checked against the real bytes before numpy sees it, so a hostile count or offset never
allocates.  A plain accessor comes back as a zero-copy view over its bytes.  Where the
bytes of a bufferView come from is the caller's: :class:`LoadedBuffers` slices the loaded
buffers as the JSON says (the gate), :class:`DecodedViews` holds each view's bytes with
compressed ones already decoded (the decoder, within its limits).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.accessors.layout import (
    COMPONENTS,
    INDEX_TYPES,
    Array,
    Element,
    ViewRange,
    declared_length,
    element_of,
    json_item,
    json_uint,
    quantity,
    view_of,
)

__all__ = [
    "MAX_UNBACKED_BYTES",
    "DecodedViews",
    "LoadedBuffers",
    "Refused",
    "ViewBytes",
    "as_rows",
    "normalize",
    "read_accessor",
    "read_decoded_accessor",
    "read_sparse_part",
    "read_values",
]

# An accessor without a bufferView is zeros (overridden by sparse values): its size is not
# backed by any bytes in the file, so it gets a cap of its own.
MAX_UNBACKED_BYTES = 64 * 1024 * 1024


class Refused(Exception):
    """Why an accessor cannot be read: turned into :class:`AssetRejected` or skipped."""

    def __init__(self, code: str, pointer: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.pointer, self.detail = code, pointer, detail


# -- where a bufferView's bytes come from -----------------------------------------------------


class ViewBytes(Protocol):
    def bytes_of(self, index: int, view: ViewRange, where: str) -> bytes | memoryview:
        """The ``view.length`` bytes of bufferView ``index``; raises :class:`Refused`."""


class LoadedBuffers:
    """The gate's source: each bufferView sliced, as its JSON says, from the loaded buffers
    (``buffers[i]`` is buffer i's bytes, ``None`` when not loaded)."""

    def __init__(self, document: dict[str, Any], buffers: list[bytes | None]) -> None:
        self.document, self.buffers = document, buffers

    def bytes_of(self, index: int, view: ViewRange, where: str) -> memoryview:
        declared = declared_length(self.document, view.buffer)
        data = self.buffers[view.buffer] if view.buffer < len(self.buffers) else None
        if declared is None:
            raise Refused(
                "BUFFER_INVALID", f"/buffers/{view.buffer}", "the buffer has no usable byteLength"
            )
        if data is None:
            raise Refused(
                "BUFFER_DATA_MISSING",
                f"/buffers/{view.buffer}",
                "the buffer's bytes are not available (missing, refused or compressed)",
            )
        if len(data) < declared:
            raise Refused(
                "BUFFER_BYTE_LENGTH_MISMATCH",
                f"/buffers/{view.buffer}",
                f"the buffer has {quantity(len(data))} bytes, fewer than its byteLength "
                f"{quantity(declared)}",
            )
        if view.offset + view.length > declared:
            raise Refused(
                "BUFFER_VIEW_TOO_LONG",
                where,
                f"the bufferView ends at byte {quantity(view.offset + view.length)}, "
                f"past the end of its buffer ({quantity(declared)} bytes)",
            )
        return memoryview(data)[view.offset : view.offset + view.length]


class DecodedViews:
    """The decoder's source: ``views[i]`` is bufferView i's bytes, decoded when it was
    compressed (``None`` when it has none)."""

    def __init__(self, views: list[bytes | memoryview | None]) -> None:
        self.views = views

    def bytes_of(self, index: int, view: ViewRange, where: str) -> bytes | memoryview:
        data = self.views[index] if index < len(self.views) else None
        if data is None:
            raise Refused(
                "BUFFER_DATA_MISSING",
                where,
                "the bufferView's bytes are not available (missing, refused or compressed)",
            )
        if len(data) < view.length:
            raise Refused(
                "BUFFER_VIEW_TOO_LONG",
                where,
                f"the bufferView has {quantity(len(data))} bytes, fewer than its byteLength "
                f"{quantity(view.length)}",
            )
        return data


# -- reading -------------------------------------------------------------------------------


def _view(document: dict[str, Any], index: Any, where: str) -> tuple[int, ViewRange]:
    view = view_of(document, index)
    position = json_uint(index)
    if view is None or position is None:
        raise Refused(
            "BUFFER_VIEW_INVALID", where, "the bufferView is missing or has unusable ranges"
        )
    return position, view


def _strided(
    data: bytes | memoryview, offset: int, count: int, stride: int, element: Element
) -> Array:
    """``count`` elements from ``data`` as a zero-copy view, shape (count, rows, cols)."""
    columns = np.ndarray(
        shape=(count, element.cols, element.rows),
        dtype=element.dtype,
        buffer=data,
        offset=offset,
        strides=(stride, element.col_stride, element.size),
    )
    return columns.transpose(0, 2, 1)  # glTF matrices are column-major: M[row, col]


def read_sparse_part(
    document: dict[str, Any],
    source: ViewBytes,
    part: Any,
    where: str,
    count: int,
    element: Element,
) -> Array:
    """The indices (element = one index) or values of a sparse accessor, tightly packed."""
    if not isinstance(part, dict):
        raise Refused("ACCESSOR_INVALID", where, "the sparse part is not an object")
    offset = json_uint(part.get("byteOffset", 0))
    if offset is None:
        raise Refused(
            "ACCESSOR_INVALID", f"{where}/byteOffset", "byteOffset is not a non-negative integer"
        )
    position, view = _view(document, part.get("bufferView"), f"{where}/bufferView")
    length = count * element.components * element.size
    if offset + length > view.length:
        raise Refused(
            "ACCESSOR_TOO_LONG",
            where,
            f"{quantity(count)} sparse entries need {quantity(length)} bytes from offset "
            f"{quantity(offset)}, "
            f"but the bufferView holds {quantity(view.length)}",
        )
    data = source.bytes_of(position, view, f"{where}/bufferView")
    flat = np.ndarray(
        shape=(count, element.components), dtype=element.dtype, buffer=data, offset=offset
    )
    return flat.reshape(count, element.cols, element.rows).transpose(0, 2, 1)


def normalize(values: Array) -> Array:
    """Normalized integers to float32, as the glTF specification maps them."""
    bits = values.dtype.itemsize * 8
    floats: Array = values.astype(np.float32)
    if values.dtype.kind == "i":
        return np.maximum(floats / np.float32(2 ** (bits - 1) - 1), np.float32(-1.0))
    return floats / np.float32(2**bits - 1)


def as_rows(values: Array) -> Array:
    """(count, components) in glTF component order (matrices column by column)."""
    if values.ndim == 3:
        return values.transpose(0, 2, 1).reshape(len(values), -1)
    return values


def read_values(
    document: dict[str, Any], source: ViewBytes, index: int, normalized_to_float: bool
) -> Array:
    """Accessor ``index`` from ``source``; raises :class:`Refused`."""
    where = f"/accessors/{index}"
    accessor = json_item(document, "accessors", index)
    if accessor is None:
        raise Refused("ACCESSOR_INVALID", where, "there is no such accessor")
    element = element_of(accessor)
    if element is None:
        raise Refused("ACCESSOR_INVALID", where, "the componentType or type is not a glTF one")
    count = json_uint(accessor.get("count"))
    if not count:
        raise Refused("ACCESSOR_INVALID", f"{where}/count", "count is not a positive integer")
    offset = json_uint(accessor.get("byteOffset", 0))
    if offset is None:
        raise Refused(
            "ACCESSOR_INVALID", f"{where}/byteOffset", "byteOffset is not a non-negative integer"
        )
    sparse = accessor.get("sparse")
    base: Array
    if "bufferView" in accessor:
        position, view = _view(document, accessor["bufferView"], f"{where}/bufferView")
        stride = view.stride or element.packed
        if stride < element.length:
            raise Refused(
                "ACCESSOR_SMALL_BYTESTRIDE",
                where,
                f"the bufferView's byteStride {quantity(stride)} is shorter than one "
                f"element ({element.length} bytes)",
            )
        length = stride * (count - 1) + element.length
        if offset + length > view.length:
            raise Refused(
                "ACCESSOR_TOO_LONG",
                where,
                f"{quantity(count)} elements need {quantity(length)} bytes from offset "
                f"{quantity(offset)}, "
                f"but the bufferView holds {quantity(view.length)}",
            )
        data = source.bytes_of(position, view, f"{where}/bufferView")
        base = _strided(data, offset, count, stride, element)
    else:  # zeros, says the specification; sparse values or an extension (Draco) fill it
        base = _zeros(where, count, element)
    if sparse is not None:
        base = _apply_sparse(document, source, sparse, f"{where}/sparse", base, element)
    if normalized_to_float and accessor.get("normalized") is True and element.dtype.kind != "f":
        base = normalize(base)
    if element.cols == 1:
        return base[:, :, 0]
    return base


def _zeros(where: str, count: int, element: Element) -> Array:
    size = count * element.components * element.size
    if size > MAX_UNBACKED_BYTES:
        raise Refused(
            "ACCESSOR_TOO_LARGE",
            where,
            f"the accessor has no bufferView and would be {size} bytes of zeros, "
            f"over the {MAX_UNBACKED_BYTES}-byte cap",
        )
    return np.zeros((count, element.rows, element.cols), dtype=element.dtype)


def _apply_sparse(
    document: dict[str, Any],
    source: ViewBytes,
    sparse: Any,
    where: str,
    base: Array,
    element: Element,
) -> Array:
    if not isinstance(sparse, dict):
        raise Refused("ACCESSOR_INVALID", where, "sparse is not an object")
    count = json_uint(sparse.get("count"))
    if not count:
        raise Refused("ACCESSOR_INVALID", f"{where}/count", "count is not a positive integer")
    if count > len(base):
        raise Refused(
            "ACCESSOR_SPARSE_COUNT_OUT_OF_RANGE",
            f"{where}/count",
            f"the sparse accessor replaces {quantity(count)} elements of only {len(base)}",
        )
    indices_part = sparse.get("indices")
    index_type = indices_part.get("componentType") if isinstance(indices_part, dict) else None
    if index_type not in INDEX_TYPES:
        raise Refused(
            "ACCESSOR_INVALID",
            f"{where}/indices/componentType",
            "sparse indices must be unsigned bytes, shorts or ints",
        )
    indices = read_sparse_part(
        document,
        source,
        indices_part,
        f"{where}/indices",
        count,
        Element(COMPONENTS[index_type], 1, 1),
    ).reshape(count)
    values = read_sparse_part(
        document, source, sparse.get("values"), f"{where}/values", count, element
    )
    if int(indices.max()) >= len(base):
        raise Refused(
            "ACCESSOR_SPARSE_INDEX_OOB",
            f"{where}/indices",
            f"a sparse index ({int(indices.max())}) is past the last element ({len(base) - 1})",
        )
    result = np.array(base)  # a copy: the buffer's bytes stay untouched
    result[indices.astype(np.intp)] = values
    return result


def read_accessor(
    document: dict[str, Any],
    buffers: list[bytes | None],
    index: int,
    *,
    normalized_to_float: bool = False,
    name: str = "glTF",
) -> Array:
    """The values of accessor ``index`` read from the loaded ``buffers``: shape
    (count, components), or (count, rows, cols) for matrices (``M[row, col]``), with sparse
    values substituted.

    ``buffers[i]`` is the bytes of buffer i (``None`` when not loaded).  Without sparse the
    result is a read-only view over those bytes (no copy).  With ``normalized_to_float``, a
    normalized integer accessor comes back as float32 in [0, 1] or [-1, 1].  Raises
    :class:`AssetRejected` (``name`` is the file) when the accessor cannot be read: its
    ranges leave the real bytes, its JSON is unusable, or its buffer is not loaded.
    """
    source = LoadedBuffers(document, buffers)
    try:
        return read_values(document, source, index, normalized_to_float)
    except Refused as refused:
        raise AssetRejected(refused.code, name, refused.detail, pointer=refused.pointer) from None


def read_decoded_accessor(
    document: dict[str, Any], views: DecodedViews, index: int, name: str
) -> Array:
    """Accessor ``index`` read from decoded bufferViews, as (count, components) in glTF
    component order and its own component type; raises :class:`AssetRejected`."""
    try:
        return as_rows(read_values(document, views, index, normalized_to_float=False))
    except Refused as refused:
        raise AssetRejected(refused.code, name, refused.detail, pointer=refused.pointer) from None
