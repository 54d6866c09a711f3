"""Structural caps a glTF must meet before anything allocates or recurses on its behalf.

panda3d-gltf recurses over the node graph (RecursionError on a cycle, minutes on a graph
that fans out exponentially) and trusts counts; these checks run on the parsed JSON, with
no recursion, so a hostile file is refused in milliseconds.  Codes follow the Khronos
glTF validator where they overlap (``NODE_LOOP``, ``NODE_PARENT_OVERRIDE``,
``SCENE_NON_ROOT_NODE``, ``UNRESOLVED_REFERENCE``); ``JSON_TOO_DEEP``, ``COUNT_TOO_LARGE``
``NODE_TOO_DEEP``, ``SKIN_TOO_MANY_JOINTS`` and ``ANIMATION_TOO_LONG`` are ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from museion.scenes.gltf.caps import check_caps
from museion.scenes.gltf.report import Reporter

__all__ = ["StructureLimits", "check_structure", "json_depth"]

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)


@dataclass(frozen=True)
class StructureLimits:
    """Caps on a glTF's JSON; all configurable."""

    max_json_depth: int = 64
    max_nodes: int = 100_000
    max_meshes: int = 20_000
    max_accessors: int = 200_000
    max_images: int = 4_096
    max_node_depth: int = 512
    max_joints: int = 128
    """Joints one skin may have: what the renderer skins on the GPU in one pass."""
    max_animation_seconds: int = 600
    """The latest keyframe an animation may have: a clip that runs for hours is a broken
    export (or a hostile one), and a loop that long never shows its end."""

    def __post_init__(self) -> None:
        check_caps(self)


def json_depth(raw: bytes) -> int:
    """The deepest nesting of objects and arrays in ``raw`` (strings ignored), without parsing."""
    bare = np.frombuffer(_STRING.sub(b'""', raw), np.uint8)
    steps = (
        (bare == ord("{")).astype(np.int32)
        + (bare == ord("["))
        - (bare == ord("}"))
        - (bare == ord("]"))
    )
    return int(np.cumsum(steps).max(initial=0))


def _list(document: dict[str, Any], key: str) -> list[Any]:
    value = document.get(key, [])
    return value if isinstance(value, list) else []


def _check_counts(document: dict[str, Any], report: Reporter, limits: StructureLimits) -> bool:
    ok = True
    for key, cap in (
        ("nodes", limits.max_nodes),
        ("meshes", limits.max_meshes),
        ("accessors", limits.max_accessors),
        ("images", limits.max_images),
    ):
        count = len(_list(document, key))
        if count > cap:
            report.error("COUNT_TOO_LARGE", f"/{key}", f"{count} {key}, over the cap of {cap}")
            ok = False
    for index, skin in enumerate(_list(document, "skins")):
        joints = skin.get("joints") if isinstance(skin, dict) else None
        if isinstance(joints, list) and len(joints) > limits.max_joints:
            report.error(
                "SKIN_TOO_MANY_JOINTS",
                f"/skins/{index}/joints",
                f"{len(joints)} joints, over the {limits.max_joints} the renderer skins",
            )
            ok = False
    _check_durations(document, report, limits)
    return ok


def _check_durations(document: dict[str, Any], report: Reporter, limits: StructureLimits) -> None:
    """ANIMATION_TOO_LONG for a sampler whose last keyframe is past the cap, read from its
    input accessor's ``max`` (required there by the rules, and checked against the data by
    the accessor checks)."""
    accessors = _list(document, "accessors")
    for a, animation in enumerate(_list(document, "animations")):
        samplers = animation.get("samplers") if isinstance(animation, dict) else None
        for s, sampler in enumerate(samplers if isinstance(samplers, list) else []):
            index = sampler.get("input") if isinstance(sampler, dict) else None
            if isinstance(index, bool) or not isinstance(index, int):
                continue
            accessor = accessors[index] if 0 <= index < len(accessors) else None
            latest = accessor.get("max") if isinstance(accessor, dict) else None
            if not isinstance(latest, list) or not latest:
                continue
            last = latest[0]
            numeric = isinstance(last, int | float) and not isinstance(last, bool)
            if numeric and last > limits.max_animation_seconds:
                report.error(
                    "ANIMATION_TOO_LONG",
                    f"/animations/{a}/samplers/{s}/input",
                    f"a keyframe at {last:g} s, later than the "
                    f"{limits.max_animation_seconds} s an animation may run",
                )


def _children(nodes: list[Any], report: Reporter) -> list[list[int]]:
    """Each node's children that are in range and not claimed by a second parent; the rest
    are reported (a wrong type is the rule checks' to report) and left out."""
    parent: dict[int, int] = {}
    result: list[list[int]] = []
    for index, node in enumerate(nodes):
        children = node.get("children", []) if isinstance(node, dict) else []
        kept: list[int] = []
        for slot, child in enumerate(children if isinstance(children, list) else []):
            pointer = f"/nodes/{index}/children/{slot}"
            if isinstance(child, bool) or not isinstance(child, int):
                continue
            if not 0 <= child < len(nodes):
                report.error("UNRESOLVED_REFERENCE", pointer, f"there is no node {child}")
            elif child == index:
                report.error("NODE_LOOP", pointer, "the node is its own child")
            elif child in parent:
                report.error(
                    "NODE_PARENT_OVERRIDE",
                    pointer,
                    f"node {child} already has parent {parent[child]}; nodes form trees",
                )
            else:
                parent[child] = index
                kept.append(child)
        result.append(kept)
    return result


def _check_graph(document: dict[str, Any], report: Reporter, limits: StructureLimits) -> None:
    nodes = _list(document, "nodes")
    children = _children(nodes, report)
    # With one parent each, the nodes form trees unless some form a loop: every node
    # reachable from a root (a node without parent) is visited once; the rest loop.
    has_parent = {c for kids in children for c in kids}
    roots = [i for i in range(len(nodes)) if i not in has_parent]
    depth = dict.fromkeys(roots, 1)
    stack = list(roots)
    too_deep = False
    while stack:
        index = stack.pop()
        for child in children[index]:
            depth[child] = depth[index] + 1
            if depth[child] > limits.max_node_depth:
                if not too_deep:
                    report.error(
                        "NODE_TOO_DEEP",
                        f"/nodes/{child}",
                        f"the node tree is deeper than {limits.max_node_depth} levels",
                    )
                too_deep = True
                continue
            stack.append(child)
    if not too_deep and len(depth) < len(nodes):
        looped = min(set(range(len(nodes))) - set(depth))
        report.error("NODE_LOOP", f"/nodes/{looped}", "the node is part of a loop of children")
    for s, scene in enumerate(_list(document, "scenes")):
        listed = scene.get("nodes", []) if isinstance(scene, dict) else []
        for slot, node in enumerate(listed if isinstance(listed, list) else []):
            pointer = f"/scenes/{s}/nodes/{slot}"
            if isinstance(node, bool) or not isinstance(node, int):
                continue
            if not 0 <= node < len(nodes):
                report.error("UNRESOLVED_REFERENCE", pointer, f"there is no node {node}")
            elif node in has_parent:
                report.error("SCENE_NON_ROOT_NODE", pointer, f"node {node} is not a root node")


def check_structure(
    document: dict[str, Any], report: Reporter, limits: StructureLimits | None = None
) -> None:
    """Report counts over their caps and node graphs a loader would choke on (loops, shared
    children, trees deeper than the cap); the graph is walked only when the counts pass."""
    limits = limits or StructureLimits()
    if _check_counts(document, report, limits):
        _check_graph(document, report, limits)
