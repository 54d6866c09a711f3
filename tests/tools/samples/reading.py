"""Reading the sample files back as a viewer would: pygltflib, accessors as numpy rows."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pygltflib as gl
from PIL import Image

__all__ = ["accessor_rows", "image_sizes", "load", "node_bounds", "triangle_count"]


_DTYPES = {gl.FLOAT: np.float32, gl.UNSIGNED_SHORT: np.uint16, gl.UNSIGNED_INT: np.uint32}


_WIDTHS = {gl.SCALAR: 1, gl.VEC2: 2, gl.VEC3: 3, gl.VEC4: 4}


def load(path: Path) -> gl.GLTF2:
    return gl.GLTF2().load(str(path))


def accessor_rows(doc: gl.GLTF2, index: int) -> Any:
    """An accessor's data as float64 (N, k) rows, or N values for SCALAR."""
    accessor = doc.accessors[index]
    view = doc.bufferViews[accessor.bufferView]
    width = _WIDTHS[accessor.type]
    offset = view.byteOffset + (accessor.byteOffset or 0)
    assert offset % 4 == 0
    data = np.frombuffer(
        doc.binary_blob(), _DTYPES[accessor.componentType], accessor.count * width, offset
    )
    return data.reshape(-1, width).astype(np.float64) if width > 1 else data.astype(np.int64)


def triangle_count(doc: gl.GLTF2) -> int:
    return sum(doc.accessors[p.indices].count // 3 for m in doc.meshes for p in m.primitives)


def node_bounds(doc: gl.GLTF2, name: str) -> tuple[Any, Any]:
    """(min, max) corners of the named node's mesh (its nodes carry no transform)."""
    node = next(n for n in doc.nodes if n.name == name)
    assert node.translation is None and node.rotation is None and node.scale is None
    accessors = [doc.accessors[p.attributes.POSITION] for p in doc.meshes[node.mesh].primitives]
    low = np.min([a.min for a in accessors], axis=0)
    high = np.max([a.max for a in accessors], axis=0)
    return low, high


def image_sizes(doc: gl.GLTF2) -> list[tuple[int, int]]:
    blob = doc.binary_blob()
    sizes = []
    for image in doc.images:
        view = doc.bufferViews[image.bufferView]
        data = blob[view.byteOffset : view.byteOffset + view.byteLength]
        sizes.append(Image.open(io.BytesIO(data)).size)
    return sizes
