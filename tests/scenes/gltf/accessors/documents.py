"""Documents for the accessor tests, built from numpy arrays: one buffer laid out by an
independent struct-based packer that follows the glTF layout rules (matrix columns on
4-byte boundaries), so the reader is compared with something it does not share."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import numpy as np

from museion.scenes.gltf.accessors import check_accessors, read_accessor
from museion.scenes.gltf.report import GltfIssue, Reporter

FORMATS = {5120: "b", 5121: "B", 5122: "h", 5123: "H", 5125: "I", 5126: "f"}
DTYPES = {
    5120: np.int8,
    5121: np.uint8,
    5122: np.int16,
    5123: np.uint16,
    5125: np.uint32,
    5126: np.float32,
}
SHAPES = {
    "SCALAR": (1, 1),
    "VEC2": (2, 1),
    "VEC3": (3, 1),
    "VEC4": (4, 1),
    "MAT2": (2, 2),
    "MAT3": (3, 3),
    "MAT4": (4, 4),
}


def pack(values: np.ndarray, component_type: int, kind: str, stride: int | None = None) -> bytes:
    """Elements (components in glTF order: matrices column by column) as glTF lays them
    out, with ``struct``: each matrix column starts on a 4-byte boundary."""
    rows, cols = SHAPES[kind]
    size = struct.calcsize(FORMATS[component_type])
    column = rows * size + (-(rows * size) % 4 if cols > 1 else 0)
    element = b""
    out = bytearray()
    for value in values.reshape(len(values), cols, rows):
        element = b"".join(
            struct.pack("<" + FORMATS[component_type] * rows, *value[c].tolist()).ljust(
                column, b"\0"
            )
            for c in range(cols)
        )
        out += element.ljust(stride or len(element), b"\0")
    return bytes(out)


class Builder:
    """One buffer, one view per added block, accessors over them."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.document: dict[str, Any] = {
            "asset": {"version": "2.0"},
            "buffers": [{"byteLength": 0}],
            "bufferViews": [],
            "accessors": [],
        }

    def view(self, data: bytes, **extra: Any) -> int:
        self.data += b"\0" * (-len(self.data) % 4)
        self.document["bufferViews"].append(
            {"buffer": 0, "byteOffset": len(self.data), "byteLength": len(data), **extra}
        )
        self.data += data
        self.document["buffers"][0]["byteLength"] = len(self.data)
        return len(self.document["bufferViews"]) - 1

    def accessor(
        self,
        values: Any,
        component_type: int = 5126,
        kind: str = "VEC3",
        *,
        stride: int | None = None,
        **extra: Any,
    ) -> int:
        rows, cols = SHAPES[kind]
        array = np.asarray(values, dtype=DTYPES[component_type]).reshape(-1, rows * cols)
        view_extra = {"byteStride": stride} if stride else {}
        view = self.view(pack(array, component_type, kind, stride), **view_extra)
        self.document["accessors"].append(
            {
                "bufferView": view,
                "componentType": component_type,
                "count": len(array),
                "type": kind,
                **extra,
            }
        )
        return len(self.document["accessors"]) - 1

    @property
    def buffers(self) -> list[bytes | None]:
        return [bytes(self.data)]

    def issues(self) -> list[GltfIssue]:
        report = Reporter("test.gltf")
        check_accessors(self.document, self.buffers, report)
        return report.issues

    def read(self, index: int, **kwargs: Any) -> np.ndarray:
        return read_accessor(self.document, self.buffers, index, **kwargs)


def found(issues: list[GltfIssue]) -> set[tuple[str, str, str]]:
    return {(i.severity, i.code, i.pointer) for i in issues}


def triangle(builder: Builder) -> int:
    """A POSITION accessor with exact bounds and a primitive using it; returns the mesh."""
    position = builder.accessor([[0, 0, 0], [1, 0, 0], [0, 1, 0]], min=[0, 0, 0], max=[1, 1, 0])
    builder.document["meshes"] = [{"primitives": [{"attributes": {"POSITION": position}}]}]
    return position


def set_at(path: str, value: Any) -> Callable[[Builder], None]:
    """A change that sets one value of the document, at a path like ``accessors/0/count``."""

    def change(builder: Builder) -> None:
        *parents, key = path.split("/")
        target: Any = builder.document
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[key] = value

    return change
