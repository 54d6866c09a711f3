"""A headset's controller over the view channel, with a real aiortc visitor: a ray in the
headset's local-floor space names the relic it points at, with its label; a teleport into
a pedestal or wall is refused with a code, and the session goes on."""

from __future__ import annotations

import numpy as np

from museion.runtime.engine import RenderEngine
from museion.runtime.eye_pose import Place
from museion.runtime.navigation import EYE_HEIGHT
from museion.streaming.server import SESSIONS_KEY
from tests.conftest import serve, until, viewer


def _answers(view: object, seq: int) -> list[dict[str, object]]:
    return [m for m in view.messages if m.get("seq") == seq]  # type: ignore[attr-defined]


async def test_a_controller_ray_picks_and_a_blocked_teleport_is_refused(
    exhibition: RenderEngine,
) -> None:
    async with serve(exhibition) as server, viewer(server.url) as view:
        (session,) = server.app[SESSIONS_KEY].sessions.values()
        place = session.visit.headset_place()  # set under the visitor, at the entrance
        # From a controller at eye height above the local-floor origin, towards the hu.
        eye = place.point((0.0, EYE_HEIGHT, 0.0))
        hu = exhibition.exhibit_views["bronze-hu"][0].target
        towards = tuple(t - e for t, e in zip(hu, eye, strict=True))
        local = Place((0.0, 0.0, 0.0), -place.heading).direction(towards)  # hall -> local
        view.send(
            {"type": "pick_ray", "origin": [0, EYE_HEIGHT, 0], "direction": list(local), "seq": 1}
        )
        await until(lambda: _answers(view, 1), 10)
        (picked,) = _answers(view, 1)
        assert picked["type"] == "picked" and picked["exhibit"] == "bronze-hu"
        assert picked["label"]["metadata"]["title"]["zh"] == "青铜壶"  # type: ignore[index]
        # A ray from outside the hall: refused, as a click beside the picture.
        view.send({"type": "pick_ray", "origin": [90, 1, 90], "direction": [0, 0, -1], "seq": 2})
        await until(lambda: _answers(view, 2), 10)
        assert _answers(view, 2)[0]["code"] == "PICK_OUTSIDE"
        # A teleport into something solid: refused; the visitor stays where they were.
        walk_map = exhibition.walk_map
        assert walk_map is not None
        row, column = np.argwhere(~walk_map.free)[0]
        size = walk_map.options.cell
        solid = (
            walk_map.origin[0] + (column + 0.5) * size,
            0.0,
            walk_map.origin[1] + (row + 0.5) * size,
        )
        x, _, z = Place((0.0, 0.0, 0.0), -place.heading).direction(
            tuple(s - f for s, f in zip(solid, place.floor, strict=True))  # type: ignore[arg-type]
        )
        before = session.view.eye()
        view.send({"type": "teleport", "x": x, "z": z, "seq": 3})
        await until(lambda: _answers(view, 3), 10)
        assert _answers(view, 3)[0]["code"] == "TELEPORT_BLOCKED"
        assert session.view.eye() == before
        view.send({"type": "orbit", "yaw": 5, "pitch": 0, "seq": 4})  # the session goes on
        await until(lambda: session.commands_applied >= 4, 10)
