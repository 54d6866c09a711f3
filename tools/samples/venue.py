"""``venue.glb``: a small gallery room with a pedestal, a key and a fill light
(KHR_lights_punctual) and the node ``exhibit_anchor`` where the relic stands."""

from __future__ import annotations

import numpy as np

from museion.tools.samples.document import SampleDocument
from museion.tools.samples.geometry import box, look_along

__all__ = ["build_venue"]


ROOM = (8.0, 3.5, 8.0)


PEDESTAL = (0.5, 1.0, 0.5)


def _lights(doc: SampleDocument) -> list[int]:
    """KHR_lights_punctual: a warm key light from above and a point fill; their nodes."""
    key = {"name": "key", "type": "directional", "color": [1.0, 0.96, 0.9], "intensity": 3.0}
    fill = {
        "name": "fill",
        "type": "point",
        "color": [1.0, 0.9, 0.8],
        "intensity": 20.0,
        "range": 10.0,
    }
    return [
        doc.light(key, name="key_light", rotation=look_along((-0.45, -0.75, -0.5))),
        doc.light(fill, name="fill_light", translation=[-1.5, 3.2, 1.5]),
    ]


def build_venue() -> bytes:
    """The gallery room with pedestal, lights and the ``exhibit_anchor`` node, as GLB."""
    doc = SampleDocument()
    # Linear factors: warm light grey walls ~ sRGB (200, 196, 188), far from the bronze.
    walls = doc.material("plaster walls", (0.58, 0.55, 0.50), 0.0, 0.9)
    floor = doc.material("oak floor", (0.16, 0.10, 0.06), 0.0, 0.6)
    plinth = doc.material("pedestal", (0.75, 0.74, 0.72), 0.0, 0.7)
    height = ROOM[1]
    room = box(ROOM, (0.0, height / 2, 0.0), inward=True)
    # Faces come in the order -X, +X, -Y, +Y, -Z, +Z: split the floor (-Y) from the rest.
    floor_ids = np.arange(8, 12)
    keep = ~np.isin(room["indices"], floor_ids).reshape(-1, 3).all(axis=1)
    tris = room["indices"].reshape(-1, 3)
    room_mesh = doc.mesh("room", {**room, "indices": tris[keep].reshape(-1)}, walls)
    floor_mesh = doc.mesh("floor", {**room, "indices": tris[~keep].reshape(-1)}, floor)
    pedestal = doc.mesh("pedestal", box(PEDESTAL, (0.0, PEDESTAL[1] / 2, 0.0)), plinth)
    return doc.glb(
        [
            doc.node(name="room", mesh=room_mesh),
            doc.node(name="floor", mesh=floor_mesh),
            doc.node(name="pedestal", mesh=pedestal),
            doc.node(name="exhibit_anchor", translation=[0.0, PEDESTAL[1], 0.0]),
            *_lights(doc),
        ]
    )
