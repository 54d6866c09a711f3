"""Where a model's drawn vertices lie in its own space: every POSITION of the default
scene's meshes, dequantized and carried through the node transforms, so the studio can
stand a model on the floor (its minimum y) and frame it."""

from __future__ import annotations

from typing import Any

import numpy as np

from museion.tools.transform.document import Array, GltfDocument

__all__ = ["Bounds", "model_bounds"]

Bounds = tuple[tuple[float, float, float], tuple[float, float, float]]


def _local(node: dict[str, Any]) -> Array:
    """A node's local matrix (column vectors), from ``matrix`` or from TRS."""
    if "matrix" in node:
        return np.array(node["matrix"], dtype=np.float64).reshape(4, 4).T
    x, y, z, w = (float(v) for v in node.get("rotation", [0, 0, 0, 1]))
    rotation = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )
    local = np.eye(4)
    local[:3, :3] = rotation * np.array(node.get("scale", [1, 1, 1]), dtype=np.float64)[None, :]
    local[:3, 3] = node.get("translation", [0, 0, 0])
    return local


def _positions(doc: GltfDocument, index: int) -> Array:
    """Accessor ``index`` as float64 model units (normalized integers mapped as glTF says)."""
    raw = doc.array(index)
    data = raw.astype(np.float64)
    if doc.list("accessors")[index].get("normalized") and raw.dtype.kind in "iu":
        data /= np.iinfo(raw.dtype).max
        if raw.dtype.kind == "i":
            data = np.maximum(data, -1.0)
    return data


def _mesh_box(doc: GltfDocument, mesh: int, world: Array) -> Array | None:
    """The ``(2, 3)`` box of one mesh placed by ``world``, or ``None`` if it has no points."""
    lows, highs = [], []
    for primitive in doc.list("meshes")[mesh].get("primitives", []):
        index = primitive.get("attributes", {}).get("POSITION")
        if index is None or doc.arrays[index] is None:
            continue
        placed = _positions(doc, index) @ world[:3, :3].T + world[:3, 3]
        if len(placed):
            lows.append(placed.min(0))
            highs.append(placed.max(0))
    if not lows:
        return None
    return np.stack([np.min(lows, 0), np.max(highs, 0)])


def model_bounds(doc: GltfDocument) -> Bounds | None:
    """The model-space min and max corners of the default scene (the first scene when none
    is named), or ``None`` when it draws no vertex.  Each vertex is placed, not only the
    corners of each mesh's box, so a rotated node gives the tight box.  Skins, morph
    targets and ``EXT_mesh_gpu_instancing`` are not applied (the rest pose, one instance)."""
    scenes = doc.list("scenes")
    if not scenes:
        return None
    scene = doc.json.get("scene", 0)
    nodes = doc.list("nodes")
    boxes = []
    # Iterative: the gate has refused cycles, but a deep chain must not exhaust the stack.
    stack = [(int(root), np.eye(4)) for root in scenes[scene].get("nodes", [])]
    while stack:
        index, parent = stack.pop()
        node = nodes[index]
        world = parent @ _local(node)
        if "mesh" in node:
            box = _mesh_box(doc, int(node["mesh"]), world)
            if box is not None:
                boxes.append(box)
        stack.extend((int(child), world) for child in node.get("children", []))
    if not boxes:
        return None
    low = np.min([b[0] for b in boxes], 0)
    high = np.max([b[1] for b in boxes], 0)
    return (
        (float(low[0]), float(low[1]), float(low[2])),
        (float(high[0]), float(high[1]), float(high[2])),
    )
