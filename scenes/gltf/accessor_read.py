"""Where an accessor's bytes lie and how to read them: the one reader of glTF binary data.

Every range is computed with Python ints from the JSON and checked against the real bytes
before numpy sees it, so a hostile count or offset never allocates.  A plain accessor comes
back as a zero-copy view over its buffer.  The helpers without an underscore are shared by
the accessor checks (:mod:`.accessors`, :mod:`.accessor_data`); the public surface
is :func:`read_accessor`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from museion.scenes.errors import AssetRejected

__all__ = ["COMPONENTS", "MAX_UNBACKED_BYTES", "TYPE_SIZES", "read_accessor"]


# An accessor without a bufferView is zeros (overridden by sparse values): its size is not
# backed by any bytes in the file, so it gets a cap of its own.
MAX_UNBACKED_BYTES = 64 * 1024 * 1024

COMPONENTS: dict[int, np.dtype[Any]] = {
    5120: np.dtype("i1"),
    5121: np.dtype("u1"),
    5122: np.dtype("<i2"),
    5123: np.dtype("<u2"),
    5125: np.dtype("<u4"),
    5126: np.dtype("<f4"),
}
INDEX_TYPES = (5121, 5123, 5125)
FLOAT = 5126
_TYPES: dict[str, tuple[int, int]] = {  # (rows, columns); a column is one run of components
    "SCALAR": (1, 1),
    "VEC2": (2, 1),
    "VEC3": (3, 1),
    "VEC4": (4, 1),
    "MAT2": (2, 2),
    "MAT3": (3, 3),
    "MAT4": (4, 4),
}
# Components per element, by accessor type.
TYPE_SIZES: dict[str, int] = {name: rows * cols for name, (rows, cols) in _TYPES.items()}
DRACO = "KHR_draco_mesh_compression"
MESHOPT = "EXT_meshopt_compression"

Array = npt.NDArray[Any]


# -- JSON as hostile data ------------------------------------------------------------------


def json_uint(value: Any) -> int | None:
    """``value`` as a Python int if it is a non-negative JSON integer (``1.0`` counts, as
    the Khronos validator accepts it; a bool does not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and value >= 0:
        return value
    return None


def json_list(document: dict[str, Any], key: str) -> list[Any]:
    value = document.get(key)
    return value if isinstance(value, list) else []


def json_item(document: dict[str, Any], key: str, index: Any) -> dict[str, Any] | None:
    items = json_list(document, key)
    position = json_uint(index)
    if position is None or position >= len(items) or not isinstance(items[position], dict):
        return None
    entry: dict[str, Any] = items[position]
    return entry


def extension_of(obj: dict[str, Any], name: str) -> dict[str, Any] | None:
    extensions = obj.get("extensions")
    found = extensions.get(name) if isinstance(extensions, dict) else None
    return found if isinstance(found, dict) else None


def quantity(number: int) -> str:
    """A byte count or offset for a sentence: a hostile 10**300 stays readable."""
    digits = str(number)
    return digits if len(digits) <= 15 else f"about 10^{len(digits) - 1}"


def pad4(length: int) -> int:
    return length + (-length % 4)


# -- layouts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Element:
    """How one element lies in memory: matrix columns of 1- and 2-byte components start on
    4-byte boundaries, so a MAT3 of bytes is 11 bytes long and 12 bytes apart."""

    dtype: np.dtype[Any]
    rows: int
    cols: int

    @property
    def size(self) -> int:
        return int(self.dtype.itemsize)

    @property
    def components(self) -> int:
        return self.rows * self.cols

    @property
    def col_stride(self) -> int:
        run = self.rows * self.size
        return pad4(run) if self.cols > 1 else run

    @property
    def length(self) -> int:
        return self.col_stride * (self.cols - 1) + self.rows * self.size

    @property
    def packed(self) -> int:
        return self.col_stride * self.cols


def element_of(accessor: dict[str, Any]) -> Element | None:
    """The layout of one element, or ``None`` unless componentType and type are glTF's."""
    component, kind = json_uint(accessor.get("componentType")), accessor.get("type")
    dtype = COMPONENTS.get(component) if component is not None else None
    shape = _TYPES.get(kind) if isinstance(kind, str) else None  # lists are not hashable
    if dtype is None or shape is None:
        return None
    return Element(dtype, *shape)


@dataclass(frozen=True)
class View:
    buffer: int
    offset: int
    length: int
    stride: int | None
    compressed: bool


def view_of(document: dict[str, Any], index: Any) -> View | None:
    """The bufferView ``index`` when every range property is usable, else ``None``."""
    view = json_item(document, "bufferViews", index)
    if view is None:
        return None
    buffer, offset, length = (
        json_uint(view.get("buffer")),
        json_uint(view.get("byteOffset", 0)),
        json_uint(view.get("byteLength")),
    )
    stride = json_uint(view.get("byteStride")) if "byteStride" in view else None
    if buffer is None or offset is None or length is None:
        return None
    if "byteStride" in view and not stride:
        return None
    return View(buffer, offset, length, stride, extension_of(view, MESHOPT) is not None)


def declared_length(document: dict[str, Any], index: Any) -> int | None:
    buffer = json_item(document, "buffers", index)
    return json_uint(buffer.get("byteLength")) if buffer is not None else None


# -- reading -------------------------------------------------------------------------------


class Refused(Exception):
    """Why an accessor cannot be read: turned into :class:`AssetRejected` or skipped."""

    def __init__(self, code: str, pointer: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.pointer, self.detail = code, pointer, detail


def _buffer_bytes(
    document: dict[str, Any], buffers: list[bytes | None], view: View, where: str
) -> bytes:
    declared = declared_length(document, view.buffer)
    data = buffers[view.buffer] if view.buffer < len(buffers) else None
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
    return data


def _strided(data: bytes, offset: int, count: int, stride: int, element: Element) -> Array:
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
    buffers: list[bytes | None],
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
    view = view_of(document, part.get("bufferView"))
    if view is None:
        raise Refused(
            "BUFFER_VIEW_INVALID",
            f"{where}/bufferView",
            "the bufferView is missing or has unusable ranges",
        )
    length = count * element.components * element.size
    if offset + length > view.length:
        raise Refused(
            "ACCESSOR_TOO_LONG",
            where,
            f"{quantity(count)} sparse entries need {quantity(length)} bytes from offset "
            f"{quantity(offset)}, "
            f"but the bufferView holds {quantity(view.length)}",
        )
    data = _buffer_bytes(document, buffers, view, f"{where}/bufferView")
    flat = np.ndarray(
        shape=(count, element.components),
        dtype=element.dtype,
        buffer=data,
        offset=view.offset + offset,
    )
    return flat.reshape(count, element.cols, element.rows).transpose(0, 2, 1)


def _normalize(values: Array) -> Array:
    """Normalized integers to float32, as the glTF specification maps them."""
    bits = values.dtype.itemsize * 8
    floats: Array = values.astype(np.float32)
    if values.dtype.kind == "i":
        return np.maximum(floats / np.float32(2 ** (bits - 1) - 1), np.float32(-1.0))
    return floats / np.float32(2**bits - 1)


def read_values(
    document: dict[str, Any],
    buffers: list[bytes | None],
    index: int,
    normalized_to_float: bool,
) -> Array:
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
        view = view_of(document, accessor["bufferView"])
        if view is None:
            raise Refused(
                "BUFFER_VIEW_INVALID",
                f"{where}/bufferView",
                "the bufferView is missing or has unusable ranges",
            )
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
        data = _buffer_bytes(document, buffers, view, f"{where}/bufferView")
        base = _strided(data, view.offset + offset, count, stride, element)
    else:  # zeros, says the specification; sparse values or an extension (Draco) fill it
        base = _zeros(where, count, element)
    if sparse is not None:
        base = _apply_sparse(document, buffers, sparse, f"{where}/sparse", base, element)
    if normalized_to_float and accessor.get("normalized") is True and element.dtype.kind != "f":
        base = _normalize(base)
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
    buffers: list[bytes | None],
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
        buffers,
        indices_part,
        f"{where}/indices",
        count,
        Element(COMPONENTS[index_type], 1, 1),
    ).reshape(count)
    values = read_sparse_part(
        document, buffers, sparse.get("values"), f"{where}/values", count, element
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
) -> npt.NDArray[Any]:
    """The values of accessor ``index``: shape (count, components), or (count, rows, cols)
    for matrices (``M[row, col]``), with sparse values substituted.

    ``buffers[i]`` is the bytes of buffer i (``None`` when not loaded).  Without sparse the
    result is a read-only view over those bytes (no copy).  With ``normalized_to_float``, a
    normalized integer accessor comes back as float32 in [0, 1] or [-1, 1].  Raises
    :class:`AssetRejected` (``name`` is the file) when the accessor cannot be read: its
    ranges leave the real bytes, its JSON is unusable, or its buffer is not loaded.
    """
    try:
        return read_values(document, buffers, index, normalized_to_float)
    except Refused as refused:
        raise AssetRejected(refused.code, name, refused.detail, pointer=refused.pointer) from None


def primitives_of(document: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    for m, mesh in enumerate(json_list(document, "meshes")):
        primitives = mesh.get("primitives") if isinstance(mesh, dict) else None
        for p, primitive in enumerate(primitives if isinstance(primitives, list) else []):
            if isinstance(primitive, dict):
                yield f"/meshes/{m}/primitives/{p}", primitive
