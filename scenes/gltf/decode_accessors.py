"""Accessors as numpy arrays, and back: the arithmetic under :mod:`.decode`.

Every read checks its byte range against the view it reads from (a decoded view has not
been through the gate's bounds checks), so a wrong count raises, never reads past the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.accessor_read import COMPONENTS as _COMPONENT_DTYPES
from museion.scenes.gltf.accessor_read import TYPE_SIZES

# The glTF tables, from the one reader: dtype by componentType, components by type.
DTYPES = _COMPONENT_DTYPES
COMPONENTS = TYPE_SIZES

__all__ = [
    "COMPONENTS",
    "DTYPES",
    "View",
    "accessor_shape",
    "dequantize",
    "read_accessor",
]

# Normalised integers map to [-1, 1] or [0, 1] (glTF 2.0, "Animation", KHR_mesh_quantization).
_NORMALISE = {5120: 127.0, 5121: 255.0, 5122: 32767.0, 5123: 65535.0}


@dataclass(frozen=True)
class View:
    """A bufferView's bytes (decoded when it was compressed) and its stride, if any."""

    data: bytes | memoryview
    stride: int | None = None


def _fail(name: str, pointer: str, sentence: str) -> AssetRejected:
    return AssetRejected("DECODE_FAILED", name, sentence, pointer=pointer)


def accessor_shape(accessor: dict[str, Any], name: str, pointer: str) -> tuple[int, int, int]:
    """``(count, components, componentType)`` of a well-formed accessor, or a refusal."""
    count = accessor.get("count")
    kind = accessor.get("type")
    ctype = accessor.get("componentType")
    if not isinstance(count, int) or count < 0 or kind not in COMPONENTS or ctype not in DTYPES:
        raise _fail(name, pointer, "the accessor's count, type or componentType is malformed")
    if kind in ("MAT2", "MAT3") and DTYPES[ctype].itemsize < 4:
        raise AssetRejected(
            "DECODE_UNSUPPORTED",
            name,
            "padded byte or short matrices are not decoded; store matrices as floats",
            pointer=pointer,
        )
    return count, COMPONENTS[kind], ctype


def _strided(
    view: View, offset: Any, count: int, width: int, dtype: np.dtype[Any], name: str, where: str
) -> npt.NDArray[Any]:
    size = width * dtype.itemsize
    stride = view.stride or size
    if not isinstance(offset, int) or isinstance(offset, bool):
        raise _fail(name, where, "a byteOffset is not an integer")
    if count == 0:
        return np.zeros((0, width), dtype)
    end = offset + stride * (count - 1) + size
    if offset < 0 or stride < size or end > len(view.data):
        raise _fail(name, where, "the accessor reads past the end of its bufferView")
    array = np.ndarray(
        (count, width), dtype, buffer=view.data, offset=offset, strides=(stride, dtype.itemsize)
    )
    return np.array(array, copy=True)


def read_accessor(
    accessors: list[Any], index: int, views: list[View | None], name: str
) -> npt.NDArray[Any]:
    """Accessor ``index`` as a ``(count, components)`` array of its own component type,
    sparse substitution applied."""
    where = f"/accessors/{index}"
    accessor = accessors[index]
    if not isinstance(accessor, dict):
        raise _fail(name, where, "the accessor is not an object")
    count, width, ctype = accessor_shape(accessor, name, where)
    dtype = DTYPES[ctype]
    view_index = accessor.get("bufferView")
    if view_index is None:
        array = np.zeros((count, width), dtype)
    else:
        view = _view(views, view_index, name, where)
        array = _strided(view, accessor.get("byteOffset", 0), count, width, dtype, name, where)
    sparse = accessor.get("sparse")
    if isinstance(sparse, dict):
        _apply_sparse(array, sparse, views, dtype, name, f"{where}/sparse")
    return array


def _view(views: list[View | None], index: Any, name: str, where: str) -> View:
    view = views[index] if isinstance(index, int) and 0 <= index < len(views) else None
    if view is None:
        raise _fail(name, where, "the accessor's bufferView has no data")
    return view


def _apply_sparse(
    array: npt.NDArray[Any],
    sparse: dict[str, Any],
    views: list[View | None],
    dtype: np.dtype[Any],
    name: str,
    where: str,
) -> None:
    count = sparse.get("count")
    indices = sparse.get("indices")
    values = sparse.get("values")
    if not (isinstance(count, int) and isinstance(indices, dict) and isinstance(values, dict)):
        raise _fail(name, where, "the sparse accessor is malformed")
    itype = DTYPES.get(indices.get("componentType", 0))
    if itype is None or itype.kind != "u":
        raise _fail(name, where, "the sparse indices' componentType is not unsigned")
    idx = _strided(
        _view(views, indices.get("bufferView"), name, where),
        indices.get("byteOffset", 0),
        count,
        1,
        itype,
        name,
        where,
    )[:, 0]
    vals = _strided(
        _view(views, values.get("bufferView"), name, where),
        values.get("byteOffset", 0),
        count,
        array.shape[1],
        dtype,
        name,
        where,
    )
    if count and int(idx.max()) >= len(array):
        raise _fail(name, where, "a sparse index points past the accessor's count")
    array[idx.astype(np.intp)] = vals


def dequantize(array: npt.NDArray[Any], ctype: int, normalized: bool) -> npt.NDArray[np.float32]:
    """Integers as float32: normalised ones scaled to [-1, 1] or [0, 1], others cast."""
    values = array.astype(np.float32)
    if normalized and ctype in _NORMALISE:
        values /= np.float32(_NORMALISE[ctype])
        if ctype in (5120, 5122):
            np.maximum(values, -1.0, out=values)
    return values
