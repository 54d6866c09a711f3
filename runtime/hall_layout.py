"""What visitors need from where the models stand, read off the built scene graph.

The engine builds the hall; this reads it for navigation: the orbit view framing each
exhibit, its hotspots in hall coordinates, and the floor a walker may use.  Each is a
function of the nodes as they stand, so the studio's edits re-derive them in place.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from museion.runtime.camera import OrbitLimits, ViewState
from museion.runtime.errors import RenderError
from museion.runtime.navigation import EYE_HEIGHT, WalkState
from museion.runtime.scene_builder import BoundsCache, scene_boxes, scene_triangles, to_panda
from museion.runtime.walkmap import WalkMap, WalkOptions, build_walk_map
from museion.scenes.document.model import SceneDocument

__all__ = ["hotspot_positions", "orbit_view", "walk_area"]

logger = logging.getLogger(__name__)


def hotspot_positions(
    document: SceneDocument | None, exhibits: dict[str, Any], root: Any
) -> dict[tuple[str, str], tuple[float, float, float]]:
    """Every hotspot in scene coordinates (hotspots are given in exhibit coordinates)."""
    from panda3d.core import Point3

    if document is None:
        return {}
    found = {}
    for exhibit in document.exhibits:
        if exhibit.access != "public":  # a restricted exhibit shows visitors no details
            continue
        to_world = exhibits[exhibit.id].get_mat(root)
        for hotspot in exhibit.hotspots:
            p = to_world.xform_point(Point3(*to_panda(hotspot.position)))
            found[(exhibit.id, hotspot.id)] = (float(p.x), float(p.z), float(-p.y))
    return found


def orbit_view(node: Any, root: Any, bounds_cache: BoundsCache) -> tuple[ViewState, OrbitLimits]:
    """A view that frames ``node`` from a distance fitting it, and bounds around it.

    It looks from 20 degrees right of the exhibit's front (its +Z, turned by its yaw), a
    little from above: the three-quarter view a curator would photograph.
    """
    bounds = bounds_cache.bounds(node, root)
    if bounds is None:
        return ViewState(), OrbitLimits()
    low, high = bounds
    centre = (low + high) / 2
    size = max(high.x - low.x, high.y - low.y, high.z - low.z)
    target = (float(centre.x), float(centre.z), float(-centre.y))
    distance = max(size * 2.2, 0.4)
    limits = OrbitLimits(
        min_distance=max(size * 0.6, 0.1),
        max_distance=max(size * 8.0, distance * 1.5),
        max_pan=max(size, 0.2),
    )
    yaw = math.remainder(20.0 + float(node.get_h(root)), 360.0)
    return ViewState(target=target, yaw=yaw, pitch=12.0, distance=distance), limits


def walk_area(
    document: SceneDocument | None,
    venue: Any,
    exhibits: dict[str, Any],
    root: Any,
    bounds_cache: BoundsCache,
) -> tuple[WalkState | None, WalkMap | None]:
    """Where a walker starts and the map of the floor they may use (None, None: the
    document has no spawn point, so visitors only orbit); raises :class:`RenderError`
    ``WALK_AREA_TOO_LARGE``."""
    spawn = None if document is None else document.spawn
    if spawn is None or document is None:
        return None, None
    start = WalkState(position=spawn.position, heading=spawn.yaw)
    options = WalkOptions(floor=spawn.position[1] - EYE_HEIGHT)
    try:
        # The venue by its triangles (walls need them), exhibits and pedestals by
        # their bounds: hundreds of instanced relics cost nothing then.
        solids = [*exhibits.values(), *root.find_all_matches("pedestal-*")]
        walk_map = build_walk_map(
            scene_triangles(venue, root),
            document.walkable,
            options,
            boxes=scene_boxes(solids, root, bounds_cache),
        )
    except ValueError as exc:
        raise RenderError(f"walking: {exc}", code="WALK_AREA_TOO_LARGE") from exc
    if not walk_map.is_free(spawn.position[0], spawn.position[2]):
        logger.warning("the spawn point is not on free floor; walkers start nearby")
    return start, walk_map
