"""What a visitor clicked, and which hotspots they can see: rays against the scene graph.

A ray goes from the visitor's camera through the clicked pixel and is tested against the
visible geometry (Panda3D collides rays with GeomNodes directly, so no collision meshes
are needed).  The nearest hit names the exhibit through its ``exhibit`` tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from museion.runtime.camera import ViewState, horizontal_fov, project
from museion.runtime.scene_builder import EXHIBIT_TAG

if TYPE_CHECKING:
    from museion.runtime.engine import RenderEngine

__all__ = ["HotspotMark", "Pick", "Picker"]

Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class Pick:
    """The nearest thing under a pixel: an exhibit (or ``None`` for the room), a hotspot."""

    exhibit: str | None
    hotspot: str | None
    point: Vec3
    distance: float


@dataclass(frozen=True)
class HotspotMark:
    """A hotspot's place on screen (pixels from the top left) and whether it is in sight."""

    exhibit: str
    hotspot: str
    x: float
    y: float
    visible: bool


class Picker:
    """Ray queries for one engine; call on the render thread."""

    def __init__(
        self,
        engine: RenderEngine,
        hotspots: dict[tuple[str, str], Vec3],
        hotspot_radius: float = 0.05,
    ) -> None:
        from panda3d.core import (
            Camera,
            CollisionHandlerQueue,
            CollisionNode,
            CollisionRay,
            CollisionTraverser,
            GeomNode,
            PerspectiveLens,
        )

        self._engine = engine
        self._hotspots = hotspots
        self._radius = hotspot_radius
        self._lens = PerspectiveLens()
        self._lens.set_near_far(0.05, 100.0)
        self._camera = engine.root.attach_new_node(Camera("museion-picker"))
        self._camera.node().set_lens(self._lens)
        self._camera.node().set_active(False)
        self._ray = CollisionRay()
        node = CollisionNode("museion-pick-ray")
        node.add_solid(self._ray)
        node.set_from_collide_mask(GeomNode.get_default_collide_mask())
        node.set_into_collide_mask(0)
        self._ray_np = self._camera.attach_new_node(node)
        self._queue = CollisionHandlerQueue()
        self._traverser = CollisionTraverser("museion-picker")
        self._traverser.add_collider(self._ray_np, self._queue)

    def _aim(self, state: ViewState, width: int, height: int) -> None:
        from panda3d.core import Point3, Vec3

        ex, ey, ez = state.eye()
        tx, ty, tz = state.target
        self._camera.set_pos(Point3(ex, -ez, ey))
        self._camera.look_at(Point3(tx, -tz, ty), Vec3(0, 0, 1))
        self._lens.set_fov(horizontal_fov(state.fov, width / height), state.fov)

    def _cast(self, state: ViewState, width: int, height: int, x: float, y: float) -> Any:
        """The nearest collision entry under pixel (x, y), or ``None``."""
        from panda3d.core import Point2

        self._aim(state, width, height)
        self._ray.set_from_lens(self._camera.node(), Point2(2 * x / width - 1, 1 - 2 * y / height))
        self._traverser.traverse(self._engine.root)
        if self._queue.get_num_entries() == 0:
            return None
        self._queue.sort_entries()
        return self._queue.get_entry(0)

    def pick(self, state: ViewState, width: int, height: int, x: float, y: float) -> Pick | None:
        """What pixel (x, y) of a ``width`` x ``height`` view of ``state`` shows."""
        entry = self._cast(state, width, height, x, y)
        return None if entry is None else self._hit(entry, state.eye())

    def entry(self, state: ViewState, width: int, height: int, x: float, y: float) -> Any:
        """The nearest Panda3D collision entry under pixel (x, y), or ``None``: for callers
        that need more of the hit than a :class:`Pick` says (the studio's surface pick)."""
        return self._cast(state, width, height, x, y)

    def ray_entry(self, origin: Vec3, direction: Vec3) -> Any:
        """The nearest collision entry along a ray (the hall's y-up metres), or ``None``."""
        from panda3d.core import Point3, Vec3

        self._camera.set_pos_hpr(0, 0, 0, 0, 0, 0)  # the ray in the scene's own frame
        ox, oy, oz = origin
        dx, dy, dz = direction
        self._ray.set_origin(Point3(ox, -oz, oy))
        self._ray.set_direction(Vec3(dx, -dz, dy))
        self._traverser.traverse(self._engine.root)
        if self._queue.get_num_entries() == 0:
            return None
        self._queue.sort_entries()
        return self._queue.get_entry(0)

    def pick_ray(self, origin: Vec3, direction: Vec3) -> Pick | None:
        """What a ray from ``origin`` along ``direction`` (the hall's y-up metres, as a
        headset controller points) hits first."""
        entry = self.ray_entry(origin, direction)
        return None if entry is None else self._hit(entry, origin)

    def _hit(self, entry: Any, eye: Vec3) -> Pick:
        """The exhibit (and the hotspot near the hit) of a collision seen from ``eye``."""
        hit = entry.get_surface_point(self._engine.root)
        point = (float(hit.x), float(hit.z), float(-hit.y))
        distance = sum((a - b) ** 2 for a, b in zip(point, eye, strict=True)) ** 0.5
        tagged = entry.get_into_node_path().find_net_tag(EXHIBIT_TAG)
        exhibit = tagged.get_tag(EXHIBIT_TAG) if not tagged.is_empty() else None
        hotspot = None
        if exhibit is not None:
            nearest = min(
                (
                    (dist2(point, spot), key[1])
                    for key, spot in self._hotspots.items()
                    if key[0] == exhibit
                ),
                default=None,
            )
            if nearest is not None and nearest[0] <= self._radius**2:
                hotspot = nearest[1]
        return Pick(exhibit, hotspot, point, distance)

    def hotspot_marks(self, state: ViewState, width: int, height: int) -> list[HotspotMark]:
        """Every hotspot's screen position; hidden ones (behind, outside, occluded) flagged."""
        marks = []
        for (exhibit, hotspot), spot in self._hotspots.items():
            where = project(state, width, height, spot)
            if where is None:
                continue
            x, y, _depth = where
            inside = 0 <= x < width and 0 <= y < height
            visible = inside and self._unobstructed(state, width, height, x, y, spot)
            marks.append(HotspotMark(exhibit, hotspot, x, y, visible))
        return marks

    def _unobstructed(
        self, state: ViewState, width: int, height: int, x: float, y: float, spot: Vec3
    ) -> bool:
        entry = self._cast(state, width, height, x, y)
        if entry is None:
            return True
        hit = entry.get_surface_point(self._engine.root)
        eye = state.eye()
        hit_distance = dist2((float(hit.x), float(hit.z), float(-hit.y)), eye) ** 0.5
        return bool(hit_distance >= dist2(spot, eye) ** 0.5 - self._radius)


def dist2(a: Vec3, b: Vec3) -> float:
    """Squared distance between two points."""
    return sum((p - q) ** 2 for p, q in zip(a, b, strict=True))
