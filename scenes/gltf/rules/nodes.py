"""The semantic rules of nodes and skins: matrix or TRS, unit rotations, skins on skinned
meshes, morph weights, and joints under one common root (one traversal of the forest)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from museion.scenes.gltf.report import Reporter
from museion.scenes.gltf.rules.document import (
    FLOAT,
    TRS,
    RuleDocument,
)
from museion.scenes.gltf.rules.values import (
    as_dict,
    as_int,
    as_list,
    finite_numbers,
    show,
)

__all__ = ["check_nodes", "check_skins"]

_UNIT_QUATERNION_TOLERANCE = 0.00769  # the Khronos validator's threshold for 4-vectors


def _decomposable(m: list[float]) -> bool:
    """Whether a column-major 4x4 matrix is a translation, rotation and scale (no skew,
    no projection)."""
    if (m[3], m[7], m[11], m[15]) != (0.0, 0.0, 0.0, 1.0):
        return False
    columns = (m[0:3], m[4:7], m[8:11])
    lengths = [math.hypot(*c) for c in columns]
    for a, b in ((0, 1), (0, 2), (1, 2)):
        dot = sum(x * y for x, y in zip(columns[a], columns[b], strict=True))
        if abs(dot) > 1e-3 * lengths[a] * lengths[b]:
            return False
    return True


_IDENTITY = [1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0]


def check_nodes(doc: RuleDocument, report: Reporter) -> None:
    for i, node in doc.entries("nodes"):
        base = f"/nodes/{i}"
        if "matrix" in node and any(k in node for k in TRS):
            report.error(
                "NODE_MATRIX_TRS",
                f"{base}/matrix",
                "A node can have either a matrix or any combination of "
                "translation/rotation/scale (TRS) properties.",
            )
        matrix = finite_numbers(node.get("matrix"), 16)
        if matrix == _IDENTITY:
            report.info(
                "NODE_MATRIX_DEFAULT", f"{base}/matrix", "Do not specify default transform matrix."
            )
        elif matrix is not None and not _decomposable(matrix):
            report.error(
                "NODE_MATRIX_NON_TRS", f"{base}/matrix", "Matrix must be decomposable to TRS."
            )
        rotation = finite_numbers(node.get("rotation"), 4)
        if rotation and abs(math.hypot(*rotation) - 1.0) > _UNIT_QUATERNION_TOLERANCE:
            report.error(
                "ROTATION_NON_UNIT",
                f"{base}/rotation",
                "Rotation quaternion must be normalized "
                f"(its length is {math.hypot(*rotation):.4g}).",
            )
        facts = doc.mesh(node.get("mesh"))
        if facts is None:
            continue
        targets, skinned = facts
        if "skin" in node and not skinned:
            report.error(
                "NODE_SKIN_WITH_NON_SKINNED_MESH",
                base,
                "Node has skin defined, but mesh has no joints data.",
            )
        elif skinned and "skin" not in node:
            report.warning(
                "NODE_SKINNED_MESH_WITHOUT_SKIN",
                base,
                "Node uses skinned mesh, but has no skin defined.",
            )
        weights = node.get("weights")
        if isinstance(weights, list) and weights and len(weights) != targets:
            report.error(
                "NODE_WEIGHTS_INVALID",
                f"{base}/weights",
                f"The length of weights array ({len(weights)}) does not match the number of "
                f"morph targets ({targets}).",
            )


@dataclass(frozen=True)
class _Forest:
    """The node trees (each node's first parent), with entry and exit times of one
    depth-first traversal, so 'is an ancestor of' costs O(1); nodes in loops have none."""

    tree: list[int]
    enter: list[int]
    leave: list[int]

    @classmethod
    def of(cls, nodes: list[Any]) -> _Forest:
        n = len(nodes)
        parent = [-1] * n
        children: list[list[int]] = [[] for _ in range(n)]
        for i, node in enumerate(nodes):
            for ref in as_list(as_dict(node).get("children")):
                child = as_int(ref)
                if child is not None and 0 <= child < n and child != i and parent[child] < 0:
                    parent[child] = i
                    children[i].append(child)
        tree, enter, leave = [-1] * n, [-1] * n, [-1] * n
        clock = 0
        for root in (i for i in range(n) if parent[i] < 0):
            tree[root], enter[root] = root, clock
            clock += 1
            stack = [(root, 0)]
            while stack:
                node, k = stack[-1]
                if k < len(children[node]):
                    stack[-1] = (node, k + 1)
                    child = children[node][k]
                    tree[child], enter[child] = root, clock
                    clock += 1
                    stack.append((child, 0))
                else:
                    stack.pop()
                    leave[node] = clock
                    clock += 1
        return cls(tree, enter, leave)

    def contains(self, ancestor: int, node: int) -> bool:
        return (
            self.enter[ancestor] >= 0
            and self.enter[ancestor] <= self.enter[node]
            and self.leave[node] <= self.leave[ancestor]
        )


def check_skins(doc: RuleDocument, report: Reporter) -> None:
    nodes = as_list(doc.document.get("nodes"))
    forest: _Forest | None = None
    for i, skin in doc.entries("skins"):
        base = f"/skins/{i}"
        joints = as_list(skin.get("joints"))
        ibm = doc.accessor(skin.get("inverseBindMatrices"))
        if ibm is not None:
            where = f"{base}/inverseBindMatrices"
            if (
                ibm.type is not None
                and ibm.component is not None
                and ((ibm.type, ibm.component, ibm.normalized) != ("MAT4", FLOAT, False))
            ):
                report.error(
                    "SKIN_IBM_INVALID_FORMAT",
                    where,
                    f"Invalid IBM accessor format '{ibm.format()}'. Must be one of "
                    "('{MAT4, FLOAT}').",
                )
            if ibm.count is not None and ibm.count < len(joints):
                report.error(
                    "INVALID_IBM_ACCESSOR_COUNT",
                    where,
                    f"IBM accessor must have at least {len(joints)} elements. "
                    f"Found {show(ibm.count)}.",
                )
        if not joints:
            continue
        forest = forest or _Forest.of(nodes)
        refs = [as_int(j) for j in joints]
        found = [j for j in refs if j is not None and 0 <= j < len(nodes)]
        trees = {forest.tree[j] for j in found}
        if len(found) < len(refs) or len(trees) != 1 or -1 in trees:
            report.error(
                "SKIN_NO_COMMON_ROOT", f"{base}/joints", "Joints do not have a common root."
            )
            continue
        skeleton = as_int(skin.get("skeleton"))
        if (
            skeleton is not None
            and 0 <= skeleton < len(nodes)
            and not all(forest.contains(skeleton, j) for j in found)
        ):
            report.error(
                "SKIN_SKELETON_INVALID",
                f"{base}/skeleton",
                "Skeleton node is not a common root of the joints.",
            )
