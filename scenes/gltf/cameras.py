"""A glTF's cameras where its default scene puts them, as data (glTF's axes: metres, Y up).

A tour step may rest on a camera an exhibit's model carries (issue 19): the scene checker
asks which cameras a model has, the runtime where they look.  Pure: it reads the gated
JSON document only, never a buffer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["ModelCameraPose", "camera_label", "find_camera", "model_cameras"]

Vec3 = tuple[float, float, float]
MAX_DEPTH = 512
"""Deeper node trees are not followed (the gate refuses cycles; this bounds the walk)."""


@dataclass(frozen=True)
class ModelCameraPose:
    """One camera node: ``index`` into the glTF's ``cameras``, ``names`` it answers to (its
    node's name, then the camera's own), where it is and where it looks in the model's own
    frame, and its vertical field of view in degrees (None: orthographic)."""

    index: int
    names: tuple[str, ...]
    position: Vec3
    forward: Vec3
    up: Vec3
    yfov: float | None


def _local(node: dict[str, Any]) -> npt.NDArray[np.float64]:
    """A node's own matrix: ``matrix`` (column-major) or translation * rotation * scale."""
    matrix = node.get("matrix")
    if isinstance(matrix, list) and len(matrix) == 16:
        return np.array(matrix, np.float64).reshape(4, 4).T
    t = node.get("translation", [0.0, 0.0, 0.0])
    x, y, z, w = node.get("rotation", [0.0, 0.0, 0.0, 1.0])
    s = node.get("scale", [1.0, 1.0, 1.0])
    rotation = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )
    out = np.eye(4)
    out[:3, :3] = rotation * np.array(s, np.float64)[None, :]
    out[:3, 3] = t
    return out


def _unit(v: npt.NDArray[np.float64]) -> Vec3:
    n = float(np.linalg.norm(v)) or 1.0
    return (float(v[0] / n), float(v[1] / n), float(v[2] / n))


def model_cameras(document: dict[str, Any]) -> tuple[ModelCameraPose, ...]:
    """Every camera node of the document's default scene (its first, when none is named),
    in the order the scene's tree is walked."""
    nodes = document.get("nodes") or []
    cameras = document.get("cameras") or []
    scenes = document.get("scenes") or []
    chosen = document.get("scene", 0)
    roots = scenes[chosen].get("nodes", []) if 0 <= chosen < len(scenes) else []
    found: list[ModelCameraPose] = []
    stack = [(int(i), np.eye(4), 0) for i in reversed(roots)]
    while stack:
        index, parent, depth = stack.pop()
        if not 0 <= index < len(nodes) or depth > MAX_DEPTH:
            continue
        node = nodes[index]
        world = parent @ _local(node)
        camera = node.get("camera")
        if isinstance(camera, int) and 0 <= camera < len(cameras):
            spec = cameras[camera]
            names = tuple(n for n in (node.get("name"), spec.get("name")) if isinstance(n, str))
            yfov = (
                spec.get("perspective", {}).get("yfov")
                if spec.get("type") == "perspective"
                else None
            )
            found.append(
                ModelCameraPose(
                    index=camera,
                    names=names,
                    position=(float(world[0, 3]), float(world[1, 3]), float(world[2, 3])),
                    forward=_unit(-world[:3, 2]),  # a glTF camera looks down its -Z
                    up=_unit(world[:3, 1]),
                    yfov=None if yfov is None else math.degrees(float(yfov)),
                )
            )
        stack.extend((int(c), world, depth + 1) for c in reversed(node.get("children", [])))
    return tuple(found)


def find_camera(
    cameras: tuple[ModelCameraPose, ...], name: str | None, index: int | None
) -> ModelCameraPose | None:
    """The camera a tour step names: by ``name`` (a node's or a camera's), else by its
    ``index`` in the glTF's ``cameras``; the first node using it when several do."""
    for camera in cameras:
        if (name is not None and name in camera.names) or (
            name is None and index is not None and camera.index == index
        ):
            return camera
    return None


def camera_label(camera: ModelCameraPose) -> str:
    """How a refusal lists a camera: its name, else its index."""
    kind = "perspective" if camera.yfov is not None else "orthographic"
    return f"{camera.names[0]!r}" if camera.names else f"index {camera.index} ({kind})"
