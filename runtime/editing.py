"""Live editing of a running exhibition: the engine side of the studio's gizmo and picking.

The studio drags an exhibit in the streamed view, snaps it onto what is below it, clicks
its surface to place a hotspot and imports new models into the draft; each change is made
to the running scene graph at once (the next frame shows it) and to the engine's
document, so labels, hotspots, picking and orbit views follow without reloading.  The walk
map is not rebuilt: a draft view's walkers still meet the exhibits where they were loaded.

Like the engine's own methods, every public method may be called from any thread and hops
onto the render thread.  A refused change raises :class:`EditRefused` and changes nothing.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from museion.runtime.camera import ViewState
from museion.runtime.errors import EditRefused
from museion.runtime.scene_builder import (
    EXHIBIT_TAG,
    anchor_node,
    pedestal_height,
    place,
    to_panda,
)
from museion.scenes.document.model import Exhibit, Hotspot, SceneDocument, Transform
from museion.scenes.gltf.gate import CheckedGltf

if TYPE_CHECKING:
    from museion.runtime.engine import RenderEngine

__all__ = ["SceneEditor", "SurfacePick"]

logger = logging.getLogger(__name__)
Vec3 = tuple[float, float, float]
SNAP_GRID = 3
"""Snapping casts SNAP_GRID x SNAP_GRID rays down through the exhibit's footprint."""
SNAP_INSET = 0.1
"""...inset by this fraction of the footprint on each side (a vase's box has empty corners)."""


@dataclass(frozen=True)
class SurfacePick:
    """A point on a surface under a pixel (scene coordinates, metres, y up).

    ``local`` is the point in the exhibit's own frame, exactly what
    :attr:`~museion.scenes.document.model.Hotspot.position` means: a hotspot saved there
    shows where it was clicked.  ``exhibit`` and ``local`` are None for the venue.
    """

    exhibit: str | None
    local: Vec3 | None
    point: Vec3
    normal: Vec3


def _scene(p: Any) -> Vec3:
    """A Panda3D point or vector in scene axes."""
    return (float(p.x), float(p.z), float(-p.y))


class SceneEditor:
    """Changes the exhibits of one running exhibition engine (not a one-relic showcase).

    It keeps no state of its own: the engine's nodes and document are the truth, so any
    number of editors (one per studio request) agree.
    """

    def __init__(self, engine: RenderEngine) -> None:
        self._engine = engine

    # -- public, from any thread -----------------------------------------------------------

    def move_exhibit(self, exhibit_id: str, transform: Transform) -> None:
        """Put the exhibit where ``transform`` says (the document's convention: rotation is
        yaw, pitch, roll in degrees; a pedestal exhibit's translation is the floor's, and
        its pedestal follows it)."""
        self._engine._call(self._move, exhibit_id, transform)

    def surface_pick(
        self, state: ViewState, width: int, height: int, x: float, y: float
    ) -> SurfacePick | None:
        """The surface under pixel (x, y) of a ``width`` x ``height`` view from ``state``,
        None when the pixel shows nothing."""
        result: SurfacePick | None = self._engine._call(
            self._surface_pick, state, width, height, x, y
        )
        return result

    def set_hotspots(self, exhibit_id: str, hotspots: tuple[Hotspot, ...]) -> None:
        """Give the exhibit these hotspots (positions in its own frame, as
        :meth:`surface_pick` gives them): picking and hotspot marks show them at once."""
        self._engine._call(self._set_hotspots, exhibit_id, hotspots)

    def snap_down(self, exhibit_id: str) -> Transform:
        """Lower (or raise) the exhibit so its lowest point rests on the highest surface
        below its footprint (its pedestal's top, or the floor), apply it and return the
        transform to save."""
        result: Transform = self._engine._call(self._snap_down, exhibit_id)
        return result

    def add_exhibit(
        self, exhibit: Exhibit, model: CheckedGltf, pedestal: CheckedGltf | None = None
    ) -> None:
        """Show a new exhibit of ``model`` in the running scene, placed as the scene builder
        places a loaded one.  ``pedestal`` is the pedestal model, needed only when the
        exhibit stands on one and no other exhibit's pedestal is in the scene to share.
        Raises :class:`~museion.runtime.errors.AssetLoadFailed` when the model fails."""
        self._engine.convert([model] if pedestal is None else [model, pedestal])
        self._engine._call(self._add, exhibit, model, pedestal)

    def remove_exhibit(self, exhibit_id: str) -> None:
        """Take the exhibit (and its pedestal) out of the running scene.  One that others
        stand on, or that a tour visits, is refused: the engine's document stays whole."""
        self._engine._call(self._remove, exhibit_id)

    # -- on the render thread ------------------------------------------------------------------

    def _document(self) -> SceneDocument:
        document = self._engine.document
        if document is None:
            raise EditRefused("NOT_AN_EXHIBITION", "a one-relic showcase cannot be edited")
        return document

    def _exhibit(self, exhibit_id: str) -> tuple[Exhibit, Any]:
        """The exhibit's document entry and its node."""
        document = self._document()
        node = self._engine.exhibit_nodes.get(exhibit_id)
        try:
            exhibit = document.exhibit(exhibit_id)
        except KeyError:
            exhibit = None
        if exhibit is None or node is None:
            raise EditRefused("EXHIBIT_UNKNOWN", f"there is no exhibit {exhibit_id!r}")
        return exhibit, node

    def _stand(self, exhibit_id: str) -> Any:
        """The exhibit's pedestal node (an empty NodePath when it has none)."""
        return self._engine.root.find(f"pedestal-{exhibit_id}")

    def _lift(self, exhibit_id: str) -> float:
        """How far above its translation the exhibit's node stands: its pedestal's height,
        read from the pedestal the scene builder (or :meth:`add_exhibit`) put under it."""
        stand = self._stand(exhibit_id)
        if stand.is_empty() or stand.get_num_children() == 0:
            return 0.0
        return pedestal_height(stand.get_child(0))

    def _changed(self, exhibits: tuple[Exhibit, ...]) -> None:
        self._engine.document = dataclasses.replace(self._document(), exhibits=exhibits)
        self._engine.exhibits_changed()

    def _move(self, exhibit_id: str, transform: Transform) -> None:
        values = (*transform.translation, *transform.rotation, transform.scale)
        if not all(math.isfinite(v) for v in values) or transform.scale <= 0:
            raise EditRefused("TRANSFORM_MALFORMED", f"{transform} cannot be shown")
        exhibit, node = self._exhibit(exhibit_id)
        place(node, transform, self._lift(exhibit_id))
        stand = self._stand(exhibit_id)
        if not stand.is_empty():
            x, _, z = transform.translation
            stand.set_pos(*to_panda((x, 0.0, z)))
        moved = dataclasses.replace(exhibit, transform=transform)
        self._changed(tuple(moved if e.id == exhibit_id else e for e in self._document().exhibits))
        logger.info("exhibit %r moved to %s", exhibit_id, transform)

    def _set_hotspots(self, exhibit_id: str, hotspots: tuple[Hotspot, ...]) -> None:
        exhibit, _ = self._exhibit(exhibit_id)
        values = [v for h in hotspots for v in h.position]
        if not all(math.isfinite(v) for v in values):
            raise EditRefused("HOTSPOT_MALFORMED", "a hotspot's position is not finite")
        if len({h.id for h in hotspots}) != len(hotspots):
            raise EditRefused("HOTSPOT_MALFORMED", "two hotspots share an id")
        changed = dataclasses.replace(exhibit, hotspots=tuple(hotspots))
        self._changed(
            tuple(changed if e.id == exhibit_id else e for e in self._document().exhibits)
        )

    def _surface_pick(
        self, state: ViewState, width: int, height: int, x: float, y: float
    ) -> SurfacePick | None:
        engine = self._engine
        entry = engine.picker.entry(state, width, height, x, y)
        if entry is None:
            return None
        hit = entry.get_surface_point(engine.root)
        normal = entry.get_surface_normal(engine.root)
        normal.normalize()
        tagged = entry.get_into_node_path().find_net_tag(EXHIBIT_TAG)
        if tagged.is_empty():
            return SurfacePick(None, None, _scene(hit), _scene(normal))
        local = tagged.get_relative_point(engine.root, hit)
        return SurfacePick(tagged.get_tag(EXHIBIT_TAG), _scene(local), _scene(hit), _scene(normal))

    def _snap_down(self, exhibit_id: str) -> Transform:
        from panda3d.core import Vec3 as PandaVec3

        engine = self._engine
        exhibit, node = self._exhibit(exhibit_id)
        bounds = engine.bounds(node)
        if bounds is None:
            raise EditRefused("NO_GEOMETRY", f"exhibit {exhibit_id!r} has no model to snap")
        low, high = bounds
        top = float(high.z) + 1e-3
        heights = []
        node.stash()  # the rays see what is below, never the exhibit (or what stands on it)
        try:
            for i in range(SNAP_GRID):
                for j in range(SNAP_GRID):
                    fx = SNAP_INSET + (1 - 2 * SNAP_INSET) * i / (SNAP_GRID - 1)
                    fy = SNAP_INSET + (1 - 2 * SNAP_INSET) * j / (SNAP_GRID - 1)
                    px = float(low.x + (high.x - low.x) * fx)
                    py = float(low.y + (high.y - low.y) * fy)
                    entry = engine.picker.ray_entry((px, top, -py), (0.0, -1.0, 0.0))
                    if entry is not None:
                        heights.append(float(entry.get_surface_point(engine.root).z))
        finally:
            node.unstash()
        if not heights:
            raise EditRefused("NOTHING_BELOW", f"nothing lies below exhibit {exhibit_id!r}")
        rise = node.get_parent().get_relative_vector(
            engine.root, PandaVec3(0, 0, max(heights) - float(low.z))
        )
        x, y, z = exhibit.transform.translation
        dx, dy, dz = _scene(rise)
        snapped = dataclasses.replace(exhibit.transform, translation=(x + dx, y + dy, z + dz))
        self._move(exhibit_id, snapped)
        return snapped

    def _add(self, exhibit: Exhibit, model: CheckedGltf, pedestal: CheckedGltf | None) -> None:
        engine = self._engine
        document = self._document()
        if exhibit.id in engine.exhibit_nodes or any(e.id == exhibit.id for e in document.exhibits):
            raise EditRefused("EXHIBIT_EXISTS", f"there already is an exhibit {exhibit.id!r}")
        if exhibit.parent is not None and exhibit.parent not in engine.exhibit_nodes:
            raise EditRefused("PARENT_UNKNOWN", f"there is no exhibit {exhibit.parent!r}")
        stand_model = None
        if exhibit.pedestal and exhibit.parent is None:
            shared = engine.root.find("pedestal-*")
            if not shared.is_empty() and shared.get_num_children() > 0:
                stand_model = shared.get_child(0)
            elif pedestal is not None:
                stand_model = engine.load(pedestal)
            else:
                raise EditRefused("PEDESTAL_MISSING", "no pedestal model to stand it on")
        relic = engine.load(model)  # before any node is made: a failure changes nothing
        if exhibit.parent is not None:
            parent = engine.exhibit_nodes[exhibit.parent]
        else:
            parent = anchor_node(engine.venue, exhibit, engine.root)
        holder = parent.attach_new_node(f"exhibit-{exhibit.id}")
        holder.set_tag(EXHIBIT_TAG, exhibit.id)
        relic.instance_to(holder)
        lift = 0.0
        if stand_model is not None:
            stand = engine.root.attach_new_node(f"pedestal-{exhibit.id}")
            x, _, z = exhibit.transform.translation
            stand.set_pos(*to_panda((x, 0.0, z)))
            stand_model.instance_to(stand)
            lift = pedestal_height(stand_model)
        place(holder, exhibit.transform, lift)
        engine.exhibit_nodes[exhibit.id] = holder
        # An imported animated scan moves as loaded ones do: skins, morphs and node
        # animations, the first (or the one its exhibit names) playing.
        characters = list(holder.find_all_matches("**/+Character"))
        engine.animator.add_models({exhibit.id: (holder, model)}, {exhibit.id: characters})
        if engine.animator.animations(exhibit.id):
            engine.animator.play(exhibit.id)
            engine.animator.play_chosen([exhibit])
        self._changed((*document.exhibits, exhibit))
        logger.info("exhibit %r added (%s)", exhibit.id, model.name)

    def _remove(self, exhibit_id: str) -> None:
        engine = self._engine
        _, node = self._exhibit(exhibit_id)
        children = [e.id for e in self._document().exhibits if e.parent == exhibit_id]
        if children:
            raise EditRefused(
                "EXHIBIT_HAS_CHILDREN",
                f"exhibit {exhibit_id!r} carries {', '.join(children)}: remove them first",
            )
        tours = [
            t.id for t in self._document().tours if any(s.exhibit == exhibit_id for s in t.steps)
        ]
        if tours:
            raise EditRefused(
                "EXHIBIT_IN_TOUR",
                f"the tours {', '.join(tours)} visit exhibit {exhibit_id!r}: change them first",
            )
        node.remove_node()
        stand = self._stand(exhibit_id)
        if not stand.is_empty():
            stand.remove_node()
        del engine.exhibit_nodes[exhibit_id]
        engine.animator.forget(exhibit_id)
        self._changed(tuple(e for e in self._document().exhibits if e.id != exhibit_id))
        logger.info("exhibit %r removed", exhibit_id)
