"""Where a tour step resting on a model's glTF camera looks from (issue 19).

The camera's pose is in its model's own frame (glTF axes); the exhibit's node places the
model in the hall (the scene builder's ``to_panda`` turns glTF axes into Panda3D's), so the
pose goes through that node's transform, as the model's own vertices do.  The view keeps
the camera's position, direction and vertical field of view (orthographic cameras: the
document's 45 degrees); a view has no roll, so a rolled camera is shown level.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from museion.runtime.camera import ViewState, view_from_pose
from museion.runtime.scene_builder import BoundsCache, to_panda
from museion.scenes.document.model import ModelCamera
from museion.scenes.gltf.cameras import ModelCameraPose

__all__ = ["DEFAULT_FOV", "camera_views"]

DEFAULT_FOV = 45.0
Vec3 = tuple[float, float, float]


def camera_views(
    poses: Mapping[ModelCamera, ModelCameraPose],
    nodes: Mapping[str, Any],
    root: Any,
    bounds: BoundsCache,
) -> dict[ModelCamera, ViewState]:
    """Each camera's view in the hall, through its exhibit's node as it stands now (call
    on the render thread; the engine does, whenever exhibits move)."""
    from panda3d.core import Point3
    from panda3d.core import Vec3 as PandaVec3

    views: dict[ModelCamera, ViewState] = {}
    for wanted, pose in poses.items():
        node = nodes.get(wanted.exhibit)
        if node is None:
            continue
        to_hall = node.get_mat(root)
        eye = to_hall.xform_point(Point3(*to_panda(pose.position)))
        ahead = to_hall.xform_vec(PandaVec3(*to_panda(pose.forward)))
        ahead.normalize()
        # The orbit target: the exhibit's centre as far ahead as the camera looks at it, so
        # a visitor who orbits from here turns about what the camera frames.
        box = bounds.bounds(node, root)
        centre = eye + ahead if box is None else (box[0] + box[1]) / 2
        reach = max(0.3, float((centre - eye).dot(ahead)))
        target = eye + ahead * reach
        fov = DEFAULT_FOV if pose.yfov is None else max(10.0, min(120.0, pose.yfov))
        views[wanted] = view_from_pose(_scene(eye), _scene(target), fov)
    return views


def _scene(p: Any) -> Vec3:
    """A Panda3D point in scene axes (metres, y up)."""
    return (float(p.x), float(p.z), float(-p.y))
