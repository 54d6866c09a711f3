"""Where an accessor's bytes lie, read from hostile JSON: the glTF tables, element layouts
and bufferView ranges, all as Python ints checked before any byte is touched.

Shared by the one reader (:mod:`.read`), the range checks (:mod:`.ranges`),
the value checks (:mod:`.values`) and the decoder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "COMPONENTS",
    "DRACO",
    "FLOAT",
    "INDEX_TYPES",
    "MESHOPT",
    "TYPE_SIZES",
    "Array",
    "Element",
    "ViewRange",
    "declared_length",
    "element_of",
    "extension_of",
    "json_item",
    "json_list",
    "json_uint",
    "pad4",
    "primitives_of",
    "quantity",
    "view_of",
]

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


def primitives_of(document: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    """Every primitive that is an object, with its JSON pointer."""
    for m, mesh in enumerate(json_list(document, "meshes")):
        primitives = mesh.get("primitives") if isinstance(mesh, dict) else None
        for p, primitive in enumerate(primitives if isinstance(primitives, list) else []):
            if isinstance(primitive, dict):
                yield f"/meshes/{m}/primitives/{p}", primitive


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
class ViewRange:
    """A bufferView as its JSON declares it: which buffer, where, how long, what stride."""

    buffer: int
    offset: int
    length: int
    stride: int | None
    compressed: bool


def view_of(document: dict[str, Any], index: Any) -> ViewRange | None:
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
    return ViewRange(buffer, offset, length, stride, extension_of(view, MESHOPT) is not None)


def declared_length(document: dict[str, Any], index: Any) -> int | None:
    buffer = json_item(document, "buffers", index)
    return json_uint(buffer.get("byteLength")) if buffer is not None else None
