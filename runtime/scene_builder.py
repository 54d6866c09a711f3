"""Placing a scene document's venue, pedestals and exhibits in a Panda3D scene graph.

Scene coordinates are glTF's (metres, Y up); Panda3D's are Z up: (x, y, z) -> (x, -z, y),
and a yaw about Y is a heading about Z with the same sign.  Every exhibit's node carries
the tag ``exhibit`` with its id, which picking reads back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from museion.scenes.checked_scene import CheckedScene
from museion.scenes.scene_model import Exhibit

__all__ = ["EXHIBIT_TAG", "build_exhibition", "to_panda"]

EXHIBIT_TAG = "exhibit"
logger = logging.getLogger(__name__)
Vec3 = tuple[float, float, float]


def to_panda(point: Vec3) -> Vec3:
    """A scene-coordinate point in Panda3D's axes."""
    x, y, z = point
    return (x, -z, y)


def _place(node: Any, exhibit: Exhibit, lift: float) -> None:
    x, y, z = exhibit.transform.translation
    node.set_pos(*to_panda((x, y + lift, z)))
    yaw, pitch, roll = exhibit.transform.rotation
    node.set_hpr(yaw, pitch, roll)
    node.set_scale(exhibit.transform.scale)


def build_exhibition(
    root: Any, scene: CheckedScene, load: Callable[[Any], Any]
) -> tuple[Any, dict[str, Any]]:
    """Load the venue and every exhibit under ``root``; returns (venue, {exhibit id: node}).

    ``load`` turns a checked model's path into a NodePath (the engine's glTF loader).
    Models used more than once are loaded once and instanced.
    """
    cache: dict[str, Any] = {}

    def model(name: str) -> Any:
        if name not in cache:
            cache[name] = load(scene.model(name).path)
        return cache[name]

    document = scene.document
    venue = model(document.venue).copy_to(root)
    pedestal_height = 0.0
    if any(e.pedestal for e in document.exhibits):
        anchor = model(document.pedestal_asset).find("**/exhibit_anchor")
        pedestal_height = (
            float(anchor.get_z(model(document.pedestal_asset))) if not anchor.is_empty() else 1.0
        )
    nodes: dict[str, Any] = {}
    for exhibit in _parents_first(document.exhibits):
        parent = nodes[exhibit.parent] if exhibit.parent else _anchor(venue, exhibit, root)
        holder = parent.attach_new_node(f"exhibit-{exhibit.id}")
        holder.set_tag(EXHIBIT_TAG, exhibit.id)
        lift = pedestal_height if exhibit.pedestal and not exhibit.parent else 0.0
        _place(holder, exhibit, lift)
        model(exhibit.asset).instance_to(holder)
        if lift:
            x, _, z = exhibit.transform.translation
            stand = root.attach_new_node(f"pedestal-{exhibit.id}")
            stand.set_pos(*to_panda((x, 0.0, z)))
            model(document.pedestal_asset).instance_to(stand)
        nodes[exhibit.id] = holder
    return venue, nodes


def _anchor(venue: Any, exhibit: Exhibit, root: Any) -> Any:
    """The venue node the exhibit stands on (its ``anchor``), else the scene root."""
    if exhibit.anchor is None:
        return root
    found = venue.find(f"**/{exhibit.anchor}")
    if found.is_empty():
        logger.warning("venue has no node %r for exhibit %r", exhibit.anchor, exhibit.id)
        return root
    return found


def _parents_first(exhibits: tuple[Exhibit, ...]) -> list[Exhibit]:
    """Exhibits ordered so each comes after its parent (the loader rejected cycles)."""
    placed: list[Exhibit] = []
    done: set[str] = set()
    pending = list(exhibits)
    while pending:
        ready = [e for e in pending if e.parent is None or e.parent in done]
        if not ready:  # cannot happen for a loaded document; do not loop forever
            raise ValueError("exhibit parents form a cycle")
        for exhibit in ready:
            placed.append(exhibit)
            done.add(exhibit.id)
        pending = [e for e in pending if e.id not in done]
    return placed
