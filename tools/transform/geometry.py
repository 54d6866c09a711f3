"""Geometry transforms: ``weld``, ``reorder`` and ``quantize`` (``simplify`` has its own
module, :mod:`~museion.tools.transform.simplify`).

Each rewrites vertex data into new accessors (copying the old ones' names and extras), so
an accessor shared with something the transform skipped is never changed under it;
``prune`` drops the old ones afterwards.  Primitives that share one set of vertex
attributes (a multi-material mesh) are treated together, so they keep sharing it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from museion.tools.transform.checks import check_flag, check_number, check_whole
from museion.tools.transform.document import Array, GltfDocument, TransformStats

__all__ = [
    "QuantizeOptions",
    "ReorderOptions",
    "WeldOptions",
    "quantize",
    "reorder",
    "weld",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WeldOptions:
    """``tolerance``: positions closer than this fraction of the primitive's extent count
    as equal (0: exact); every other attribute must match exactly."""

    tolerance: float = 0.0

    def __post_init__(self) -> None:
        check_number(self, "tolerance", 0.0, 1.0)


@dataclass(frozen=True)
class ReorderOptions:
    """``optimize_size``: triangles in strip order, for a smaller compressed stream at a
    slightly worse vertex-cache fit (gltfpack ``-cc`` does the same); ``False`` for
    uncompressed output, where the GPU's cache is all that counts."""

    optimize_size: bool = True

    def __post_init__(self) -> None:
        check_flag(self, "optimize_size")


@dataclass(frozen=True)
class QuantizeOptions:
    """Bits kept per attribute (gltfpack's defaults); positions as unsigned integers,
    normalized when ``normalized_positions``, the node transform compensating.
    ``octahedral``: 8-bit normals and tangents as meshoptimizer's octahedral filter will
    store them (``optimize`` sets it when that filter follows)."""

    position_bits: int = 14
    normal_bits: int = 8
    texcoord_bits: int = 12
    color_bits: int = 8
    normalized_positions: bool = False
    octahedral: bool = False

    def __post_init__(self) -> None:
        for field in ("position_bits", "texcoord_bits", "color_bits"):
            check_whole(self, field, 1, 16)  # (stored in 16 bits at most)
        check_whole(self, "normal_bits", 2, 16)  # a sign and at least one bit of direction
        check_flag(self, "normalized_positions", "octahedral")


def _groups(doc: GltfDocument) -> list[list[dict[str, Any]]]:
    """Primitives grouped by the exact vertex attributes (and targets) they share."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for _, primitive in doc.primitives():
        if "KHR_draco_mesh_compression" in primitive.get("extensions", {}):
            continue
        key = repr(
            (
                sorted(primitive.get("attributes", {}).items()),
                [sorted(t.items()) for t in primitive.get("targets", [])],
            )
        )
        groups.setdefault(key, []).append(primitive)
    return list(groups.values())


def _vertex_arrays(doc: GltfDocument, primitive: dict[str, Any]) -> list[tuple[Any, str, Array]]:
    """``(container, key, data)`` of each vertex attribute and morph target of a primitive."""
    found = [(primitive["attributes"], k, doc.array(i)) for k, i in primitive["attributes"].items()]
    for target in primitive.get("targets", []):
        found += [(target, k, doc.array(i)) for k, i in target.items()]
    return found


def _indices(doc: GltfDocument, primitive: dict[str, Any], count: int) -> Array:
    if "indices" in primitive:
        return doc.array(primitive["indices"]).reshape(-1).astype(np.uint32)
    return np.arange(count, dtype=np.uint32)


def _index_array(indices: Array, vertices: int) -> Array:
    return indices.astype(np.uint16 if vertices <= 65535 else np.uint32)


def _rewrite(
    doc: GltfDocument,
    group: list[dict[str, Any]],
    order: Array,
    new_indices: list[Array],
) -> None:
    """New vertex arrays ``old[order]`` for the group and new indices per primitive."""
    accessors = doc.list("accessors")
    first = group[0]
    made: dict[int, int] = {}
    for container, key, data in _vertex_arrays(doc, first):
        old = container[key]
        if old not in made:
            like = accessors[old]
            made[old] = doc.add_accessor(data[order], like, normalized=bool(like.get("normalized")))
    for primitive, indices in zip(group, new_indices, strict=True):
        for container, key, _ in _vertex_arrays(doc, primitive):
            container[key] = made[container[key]]
        like = accessors[primitive["indices"]] if "indices" in primitive else None
        primitive["indices"] = doc.add_accessor(_index_array(indices, len(order)), like)


def weld(doc: GltfDocument, options: WeldOptions = WeldOptions()) -> TransformStats:
    """Merge vertices identical in every attribute; index primitives that had no indices."""
    before = after = 0
    for group in _groups(doc):
        if "POSITION" not in group[0].get("attributes", {}):
            continue
        arrays = _vertex_arrays(doc, group[0])
        count = len(arrays[0][2])
        columns = []
        for _, key, data in arrays:
            if key == "POSITION" and options.tolerance > 0 and data.dtype.kind == "f":
                extent = float(np.ptp(data, axis=0).max()) or 1.0
                data = np.round(data / (extent * options.tolerance)).astype(np.int64)
            columns.append(np.ascontiguousarray(data).view(np.uint8).reshape(count, -1))
        rows = np.ascontiguousarray(np.concatenate(columns, axis=1))
        keys = rows.view(np.dtype((np.void, rows.shape[1]))).reshape(-1)
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        has_indices = all("indices" in p for p in group)
        before += count
        if len(first) == count and has_indices:
            after += count
            continue
        # Keep the vertices in their first-use order: the order a scanner wrote them.
        rank = np.empty(len(first), dtype=np.int64)
        rank[np.argsort(first)] = np.arange(len(first))
        remap = rank[inverse.reshape(-1)]
        order = np.sort(first)
        after += len(order)
        _rewrite(doc, group, order, [remap[_indices(doc, p, count)] for p in group])
    logger.info("weld: %d vertices -> %d", before, after)
    return TransformStats("weld", {"vertices_before": before, "vertices_after": after})


def reorder(doc: GltfDocument, options: ReorderOptions = ReorderOptions()) -> TransformStats:
    """Triangles in vertex-cache order, vertices in first-use order (meshoptimizer), which
    also makes the compressed streams smaller; unused vertices are dropped."""
    import meshopt  # type: ignore[import-untyped]

    done = 0
    for group in _groups(doc):
        if any(p.get("mode", 4) != 4 or "indices" not in p for p in group):
            continue
        arrays = _vertex_arrays(doc, group[0])
        if not arrays:
            continue
        parts = []
        for primitive in group:
            indices = doc.array(primitive["indices"]).reshape(-1).astype(np.uint32)
            if not len(indices):
                parts.append(indices)
                continue
            new, remap, unique = meshopt.reorder_mesh(indices, True, options.optimize_size)
            inverse = np.zeros(unique, dtype=np.uint32)
            used = remap < unique
            inverse[remap[used]] = np.flatnonzero(used)
            parts.append(inverse[new])
        joined = np.concatenate(parts)
        if not len(joined):
            continue
        new, remap, unique = meshopt.reorder_mesh(joined, False, False)
        order = np.zeros(unique, dtype=np.int64)
        used = remap < unique
        order[remap[used]] = np.flatnonzero(used)
        bounds = np.cumsum([0] + [len(p) for p in parts])
        _rewrite(doc, group, order, [new[bounds[i] : bounds[i + 1]] for i in range(len(group))])
        done += len(group)
    logger.info("reorder: %d primitives", done)
    return TransformStats("reorder", {"primitives": done})


# --- quantize --------------------------------------------------------------------------------


def _mesh_users(doc: GltfDocument) -> dict[int, list[int]]:
    users: dict[int, list[int]] = {}
    for index, node in enumerate(doc.list("nodes")):
        if "mesh" in node:
            users.setdefault(node["mesh"], []).append(index)
    return users


def _animated_nodes(doc: GltfDocument) -> set[int]:
    return {
        c["target"]["node"]
        for a in doc.list("animations")
        for c in a.get("channels", [])
        if "node" in c.get("target", {})
    }


def _quat_rotate(q: list[float], v: Array) -> Array:
    x, y, z, w = q
    u = np.array([x, y, z])
    return np.asarray(2 * np.dot(u, v) * u + (w * w - np.dot(u, u)) * v + 2 * w * np.cross(u, v))


def _float32s(values: Array) -> list[float]:
    """Numbers for the JSON as the renderer reads them (float32), in their shortest form:
    ``0.000604732079`` rather than ``0.0006047320556547487``."""
    return [float(str(np.float32(v))) for v in values]


def _compensate(
    doc: GltfDocument,
    node_index: int,
    offset: Array,
    scale: float,
    animated: set[int],
    joints: set[int],
) -> bool:
    """Make node ``node_index`` draw its mesh scaled by ``scale`` and moved by ``offset``:
    folded into its own transform when nothing else depends on it, else through a new child
    node that takes the mesh.  Returns whether a node was added."""
    node = doc.list("nodes")[node_index]
    own = not node.get("children") and node_index not in animated and node_index not in joints
    if own and "matrix" in node:
        m = np.array(node["matrix"], dtype=np.float64).reshape(4, 4).T
        d = np.eye(4)
        d[:3, :3] *= scale
        d[:3, 3] = offset
        node["matrix"] = _float32s((m @ d).T.reshape(-1))
        return False
    if own:
        s = np.array(node.get("scale", [1.0, 1.0, 1.0]), dtype=np.float64)
        t = np.array(node.get("translation", [0.0, 0.0, 0.0]), dtype=np.float64)
        r = node.get("rotation", [0.0, 0.0, 0.0, 1.0])
        node["translation"] = _float32s(t + _quat_rotate(r, s * offset))
        node["scale"] = _float32s(s * scale)
        return False
    child = {
        "mesh": node.pop("mesh"),
        "translation": _float32s(offset),
        "scale": _float32s(np.full(3, scale)),
    }
    doc.json["nodes"].append(child)
    node.setdefault("children", []).append(len(doc.json["nodes"]) - 1)
    return True


def _octahedral_unit(data: Array) -> Array:
    """Unit vectors as int8 the octahedral filter reproduces: encoded from the floats and
    decoded by meshoptimizer's own decoder, so the writer's filter re-encodes them (nearly
    always) to the codes the floats give, rather than to those of a rounded copy."""
    import meshopt

    values = np.zeros((len(data), 4), dtype=np.float32)
    values[:, : data.shape[1]] = np.clip(data, -1.0, 1.0)
    rows = meshopt.encode_filter_oct(values, 4, 8)
    decoded = meshopt.decode_vertex_buffer(
        meshopt.encode_vertex_buffer(rows), len(data), 4, "OCTAHEDRAL"
    )
    return np.ascontiguousarray(decoded.view(np.int8)[:, : data.shape[1]])


def _quantize_unit(data: Array, bits: int) -> Array:
    """Unit vectors (normals, tangents) as signed normalized integers of ``bits``."""
    top = (1 << (bits - 1)) - 1
    dtype = np.int8 if bits <= 8 else np.int16
    scale = 127 if bits <= 8 else 32767
    steps = np.round(np.clip(data, -1.0, 1.0) * top) / top
    return np.round(steps * scale).astype(dtype)


def quantize(doc: GltfDocument, options: QuantizeOptions = QuantizeOptions()) -> TransformStats:
    """Store vertex attributes as small integers (KHR_mesh_quantization).

    Positions: unsigned 16-bit on a grid of ``position_bits``, per mesh, with the offset and
    the (uniform) step moved into the node transform; skinned and morphed meshes keep float
    positions.  Normals and tangents: int8 normalized.  Texture coordinates in [0, 1]:
    uint16 normalized on a grid of ``texcoord_bits``.  Colours: uint8 normalized.
    """
    counts = {"positions": 0, "normals": 0, "tangents": 0, "texcoords": 0, "colors": 0}
    users = _mesh_users(doc)
    animated = _animated_nodes(doc)
    joints = {j for s in doc.list("skins") for j in s.get("joints", [])}
    nodes = doc.list("nodes")
    accessors = doc.list("accessors")
    cache: dict[tuple[int, str, int], int] = {}

    def replace(index: int, data: Array, normalized: bool, kind: str, mesh: int = -1) -> int:
        key = (index, kind, mesh)
        if key not in cache:
            cache[key] = doc.add_accessor(data, accessors[index], normalized=normalized)
            counts[kind] += 1
        return cache[key]

    for mesh_index, mesh in enumerate(doc.list("meshes")):
        primitives = [
            p
            for p in mesh.get("primitives", [])
            if "KHR_draco_mesh_compression" not in p.get("extensions", {})
        ]
        owners = users.get(mesh_index, [])
        movable = (
            owners
            and not any(
                "skin" in nodes[n] or "EXT_mesh_gpu_instancing" in nodes[n].get("extensions", {})
                for n in owners
            )
            and not any(p.get("targets") for p in primitives)
            and all(
                doc.array(p["attributes"]["POSITION"]).dtype.kind == "f"
                for p in primitives
                if "POSITION" in p.get("attributes", {})
            )
        )
        positions = [
            doc.array(p["attributes"]["POSITION"])
            for p in primitives
            if "POSITION" in p.get("attributes", {})
        ]
        if movable and positions:
            stacked = np.concatenate(positions).astype(np.float64)
            low = stacked.min(axis=0)
            steps = (1 << options.position_bits) - 1
            step = float(np.ptp(stacked, axis=0).max()) / steps or 1.0
            scale = step * 65535 if options.normalized_positions else step
            for primitive in primitives:
                index = primitive["attributes"].get("POSITION")
                if index is None:
                    continue
                grid = np.round((doc.array(index) - low) / step).astype(np.uint16)
                primitive["attributes"]["POSITION"] = replace(
                    index, grid, options.normalized_positions, "positions", mesh_index
                )
            for owner in owners:
                _compensate(doc, owner, low, scale, animated, joints)
            nodes = doc.list("nodes")
        for primitive in primitives:
            attributes = primitive.get("attributes", {})
            for key, index in list(attributes.items()):
                data = doc.array(index)
                if data.dtype.kind != "f":
                    continue
                if key in ("NORMAL", "TANGENT"):
                    kind = "normals" if key == "NORMAL" else "tangents"
                    bits = min(options.normal_bits, 8)
                    unit = (
                        _octahedral_unit(data)
                        if options.octahedral and bits == 8 and data.shape[1] in (3, 4)
                        else _quantize_unit(data, bits)
                    )
                    attributes[key] = replace(index, unit, True, kind)
                elif (
                    key.startswith("TEXCOORD_")
                    and len(data)
                    and data.min() >= 0
                    and data.max() <= 1
                ):
                    grid = 1 << (16 - options.texcoord_bits)
                    values = np.round(data * 65535 / grid) * grid
                    attributes[key] = replace(
                        index, np.clip(values, 0, 65535).astype(np.uint16), True, "texcoords"
                    )
                elif key.startswith("COLOR_") and len(data) and data.min() >= 0 and data.max() <= 1:
                    values = np.round(data * 255).astype(np.uint8)
                    attributes[key] = replace(index, values, True, "colors")
    if counts["positions"] or counts["normals"] or counts["tangents"]:
        doc.use_extension("KHR_mesh_quantization", required=True)
    logger.info("quantize: %s", counts)
    return TransformStats("quantize", {k: v for k, v in counts.items() if v})
