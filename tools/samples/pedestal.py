"""``pedestal.glb``: the plinth every exhibit of the example exhibition stands on."""

from __future__ import annotations

from museion.tools.samples.document import SampleDocument
from museion.tools.samples.geometry import box

__all__ = ["build_pedestal"]


PLINTH = (0.6, 1.0, 0.6)


PLINTH_KICK = 0.05  # the recessed foot of the pedestal


def build_pedestal() -> bytes:
    """A painted plinth 0.6 x 1.0 x 0.6 m on a dark recessed foot, with ``exhibit_anchor``
    on its top face, as GLB."""
    doc = SampleDocument()
    paint = doc.material("plinth paint", (0.2, 0.19, 0.175), 0.0, 0.78)
    foot = doc.material("plinth foot", (0.03, 0.03, 0.03), 0.0, 0.6)
    width, height, depth = PLINTH
    body = box((width, height - PLINTH_KICK, depth), (0.0, (height + PLINTH_KICK) / 2, 0.0))
    kick = box((width - 0.04, PLINTH_KICK, depth - 0.04), (0.0, PLINTH_KICK / 2, 0.0))
    return doc.glb(
        [
            doc.node(name="pedestal", mesh=doc.mesh("pedestal", body, paint)),
            doc.node(name="pedestal_foot", mesh=doc.mesh("pedestal_foot", kick, foot)),
            doc.node(name="exhibit_anchor", translation=[0.0, height, 0.0]),
        ]
    )
