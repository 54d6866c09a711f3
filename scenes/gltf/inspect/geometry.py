"""The inspector's scene trees and meshes: nodes depth-first, instances per mesh (a node,
or ``EXT_mesh_gpu_instancing``, multiplies them), and per mesh its triangles, vertices,
draw modes, materials, morph targets and compression; counted from the JSON alone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from museion.scenes.gltf.inspect.json_reads import (
    count_of,
    dict_of,
    index_of,
    is_index,
    list_of,
    name_of,
)
from museion.scenes.gltf.inspect.summary import MeshSummary, NodeLine, SceneTree

__all__ = [
    "PRIMITIVE_MODES",
    "mesh_instances",
    "mesh_summary",
    "meshopt_views",
    "primitive_mode",
    "scene_trees",
]

PRIMITIVE_MODES = (
    "POINTS",
    "LINES",
    "LINE_LOOP",
    "LINE_STRIP",
    "TRIANGLES",
    "TRIANGLE_STRIP",
    "TRIANGLE_FAN",
)
_TRIANGLES, _STRIP, _FAN = 4, 5, 6


def _node_line(document: dict[str, Any], index: int, depth: int) -> NodeLine:
    nodes = list_of(document, "nodes")
    node = nodes[index]
    lights = list_of(dict_of(dict_of(document, "extensions"), "KHR_lights_punctual"), "lights")
    node_ext = dict_of(node, "extensions")
    return NodeLine(
        depth=depth,
        index=index,
        name=name_of(node),
        mesh=index_of(node, "mesh", len(list_of(document, "meshes"))),
        camera=index_of(node, "camera", len(list_of(document, "cameras"))),
        light=index_of(dict_of(node_ext, "KHR_lights_punctual"), "light", len(lights)),
        skin=index_of(node, "skin", len(list_of(document, "skins"))),
        gpu_instances=_gpu_instances(document, node_ext),
    )


def _gpu_instances(document: dict[str, Any], node_ext: dict[str, Any]) -> int | None:
    """``EXT_mesh_gpu_instancing``: the node's mesh is drawn once per attribute element."""
    attributes = dict_of(dict_of(node_ext, "EXT_mesh_gpu_instancing"), "attributes")
    counts = [count_of(list_of(document, "accessors"), a) for a in attributes.values()]
    return min(counts) if counts else None


def _walk(document: dict[str, Any], roots: list[Any]) -> Iterator[NodeLine]:
    """Depth-first, iteratively; a node reached twice (a shared child, a loop: both
    refused by the gate) is shown once."""
    nodes = list_of(document, "nodes")
    seen: set[int] = set()
    stack = [(r, 0) for r in reversed(roots)]
    while stack:
        index, depth = stack.pop()
        if not is_index(index, len(nodes)) or index in seen:
            continue
        seen.add(index)
        yield _node_line(document, index, depth)
        children = list_of(nodes[index], "children")
        stack.extend((c, depth + 1) for c in reversed(children))


def scene_trees(document: dict[str, Any]) -> tuple[SceneTree, ...]:
    scenes = list_of(document, "scenes")
    if not scenes:
        nodes = list_of(document, "nodes")
        has_parent = {c for n in nodes for c in list_of(n, "children") if isinstance(c, int)}
        roots: list[Any] = [i for i in range(len(nodes)) if i not in has_parent]
        return (SceneTree(None, "(no scene: the root nodes)", True, tuple(_walk(document, roots))),)
    default = index_of(document, "scene", len(scenes))
    default = 0 if default is None else default
    return tuple(
        SceneTree(
            s,
            name_of(scene),
            s == default,
            tuple(_walk(document, list_of(scene, "nodes"))),
        )
        for s, scene in enumerate(scenes)
    )


# -- meshes -------------------------------------------------------------------------------


def primitive_mode(primitive: Any) -> int:
    mode = primitive.get("mode", _TRIANGLES) if isinstance(primitive, dict) else _TRIANGLES
    valid = isinstance(mode, int) and not isinstance(mode, bool) and 0 <= mode <= 6
    return mode if valid else _TRIANGLES


def _triangles(mode: int, count: int) -> int:
    if mode == _TRIANGLES:
        return count // 3
    if mode in (_STRIP, _FAN):
        return max(count - 2, 0)
    return 0


def meshopt_views(document: dict[str, Any]) -> set[int]:
    return {
        i
        for i, view in enumerate(list_of(document, "bufferViews"))
        if "EXT_meshopt_compression" in dict_of(view, "extensions")
        or "KHR_meshopt_compression" in dict_of(view, "extensions")
    }


def mesh_summary(
    document: dict[str, Any], index: int, instances: int, meshopt: set[int]
) -> MeshSummary:
    mesh = list_of(document, "meshes")[index]
    accessors = list_of(document, "accessors")
    materials = len(list_of(document, "materials"))
    triangles = vertices = targets = 0
    modes: set[str] = set()
    used_materials: set[int] = set()
    compression: set[str] = set()
    primitives = list_of(mesh, "primitives")
    for primitive in primitives:
        attributes = dict_of(primitive, "attributes")
        positions = count_of(accessors, attributes.get("POSITION"))
        mode = primitive_mode(primitive)
        drawn = (
            count_of(accessors, primitive.get("indices"))
            if isinstance(primitive, dict) and "indices" in primitive
            else positions
        )
        triangles += _triangles(mode, drawn)
        vertices += positions
        modes.add(PRIMITIVE_MODES[mode])
        targets = max(targets, len(list_of(primitive, "targets")))
        material = index_of(primitive, "material", materials)
        if material is not None:
            used_materials.add(material)
        if "KHR_draco_mesh_compression" in dict_of(primitive, "extensions"):
            compression.add("KHR_draco_mesh_compression")
        indices = primitive.get("indices") if isinstance(primitive, dict) else None
        for ref in [*attributes.values(), indices]:
            accessor = accessors[ref] if is_index(ref, len(accessors)) else None
            if index_of(accessor, "bufferView", len(list_of(document, "bufferViews"))) in meshopt:
                compression.add("EXT_meshopt_compression")
    return MeshSummary(
        index=index,
        name=name_of(mesh),
        primitives=len(primitives),
        triangles=triangles,
        vertices=vertices,
        instances=instances,
        modes=tuple(sorted(modes)),
        materials=tuple(sorted(used_materials)),
        morph_targets=targets,
        compression=tuple(sorted(compression)),
    )


def mesh_instances(scenes: tuple[SceneTree, ...], mesh_count: int) -> list[int]:
    instances = [0] * mesh_count
    for tree in scenes:
        if tree.default:
            for line in tree.nodes:
                if line.mesh is not None:
                    instances[line.mesh] += 1 if line.gpu_instances is None else line.gpu_instances
    return instances
