"""Structural caps a glTF must meet before anything allocates or recurses on its behalf.

panda3d-gltf recurses over the node graph (RecursionError on a cycle, minutes on a graph
that fans out exponentially) and trusts counts; these checks run on the parsed JSON, with
no recursion, so a hostile file is refused in milliseconds.  Codes follow the Khronos
glTF validator where they overlap (``NODE_LOOP``, ``NODE_PARENT_OVERRIDE``,
``SCENE_NON_ROOT_NODE``, ``UNRESOLVED_REFERENCE``); ``JSON_TOO_DEEP``, ``COUNT_TOO_LARGE``
and ``NODE_TOO_DEEP`` are ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from museion.scenes.errors import AssetRejected

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


def _list(document: dict[str, Any], key: str, name: str) -> list[Any]:
    value = document.get(key, [])
    if not isinstance(value, list):
        raise AssetRejected("TYPE_MISMATCH", name, f"'{key}' must be an array", pointer=f"/{key}")
    return value


def _check_counts(document: dict[str, Any], name: str, limits: StructureLimits) -> None:
    for key, cap in (
        ("nodes", limits.max_nodes),
        ("meshes", limits.max_meshes),
        ("accessors", limits.max_accessors),
        ("images", limits.max_images),
    ):
        count = len(_list(document, key, name))
        if count > cap:
            raise AssetRejected(
                "COUNT_TOO_LARGE", name, f"{count} {key}, over the cap of {cap}", pointer=f"/{key}"
            )


def _children(nodes: list[Any], name: str) -> list[list[int]]:
    """Each node's children, checked to be in range and to have one parent only."""
    parent: dict[int, int] = {}
    result: list[list[int]] = []
    for index, node in enumerate(nodes):
        children = node.get("children", []) if isinstance(node, dict) else []
        if not isinstance(children, list):
            raise AssetRejected(
                "TYPE_MISMATCH", name, "children must be an array", pointer=f"/nodes/{index}"
            )
        for slot, child in enumerate(children):
            pointer = f"/nodes/{index}/children/{slot}"
            if isinstance(child, bool) or not isinstance(child, int):
                raise AssetRejected("TYPE_MISMATCH", name, "a child is a node index", pointer)
            if not 0 <= child < len(nodes):
                raise AssetRejected(
                    "UNRESOLVED_REFERENCE", name, f"there is no node {child}", pointer
                )
            if child == index:
                raise AssetRejected("NODE_LOOP", name, "the node is its own child", pointer)
            if child in parent:
                raise AssetRejected(
                    "NODE_PARENT_OVERRIDE",
                    name,
                    f"node {child} already has parent {parent[child]}; nodes form trees",
                    pointer,
                )
            parent[child] = index
        result.append(list(children))
    return result


def _check_graph(document: dict[str, Any], name: str, limits: StructureLimits) -> None:
    nodes = _list(document, "nodes", name)
    children = _children(nodes, name)
    # With one parent each, the nodes form trees unless some form a loop: every node
    # reachable from a root (a node without parent) is visited once; the rest loop.
    has_parent = {c for kids in children for c in kids}
    roots = [i for i in range(len(nodes)) if i not in has_parent]
    depth = dict.fromkeys(roots, 1)
    stack = list(roots)
    while stack:
        index = stack.pop()
        for child in children[index]:
            depth[child] = depth[index] + 1
            if depth[child] > limits.max_node_depth:
                raise AssetRejected(
                    "NODE_TOO_DEEP",
                    name,
                    f"the node tree is deeper than {limits.max_node_depth} levels",
                    pointer=f"/nodes/{child}",
                )
            stack.append(child)
    if len(depth) < len(nodes):
        looped = min(set(range(len(nodes))) - set(depth))
        raise AssetRejected(
            "NODE_LOOP", name, "the node is part of a loop of children", pointer=f"/nodes/{looped}"
        )
    for s, scene in enumerate(_list(document, "scenes", name)):
        listed = scene.get("nodes", []) if isinstance(scene, dict) else []
        for slot, node in enumerate(listed if isinstance(listed, list) else []):
            pointer = f"/scenes/{s}/nodes/{slot}"
            if isinstance(node, bool) or not isinstance(node, int) or not 0 <= node < len(nodes):
                raise AssetRejected("UNRESOLVED_REFERENCE", name, f"no node {node!r}", pointer)
            if node in has_parent:
                raise AssetRejected(
                    "SCENE_NON_ROOT_NODE", name, f"node {node} is not a root node", pointer
                )


def check_structure(
    document: dict[str, Any], name: str, limits: StructureLimits | None = None
) -> None:
    """Refuse a glTF whose counts or node graph would overwhelm a loader."""
    limits = limits or StructureLimits()
    _check_counts(document, name, limits)
    _check_graph(document, name, limits)
