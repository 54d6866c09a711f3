"""A venue's own ``KHR_lights_punctual`` lights light the render: a point light brightens
the floor under it, a spot light lights inside its cone and not outside."""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from museion.runtime.camera import ViewState
from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.gltf.glb import write_glb
from museion.scenes.showcase import open_showcase

pytestmark = pytest.mark.render

# A dim key and ambient, so what a punctual light adds stands out (point and spot lights
# scale with the key: 30 cd here light as 1 cd does under the house key of 3).  Without
# the venue's image-based light: captured from the lit floor, it would carry the lamp's
# light to every corner as indirect light (tests/runtime/test_environment.py covers it).
DIM = RuntimeSettings(
    key_light_intensity=0.1,
    sky_color=(0.04, 0.04, 0.04),
    ground_color=(0.04, 0.04, 0.04),
    ibl=False,
)
ABOVE = ViewState(target=(0.0, 0.0, 0.0), yaw=0.0, pitch=89.0, distance=3.0)


def floor_glb(light: dict[str, Any] | None, node: dict[str, Any] | None = None) -> bytes:
    """A 4 m white floor at y = 0 (glTF, y up), with ``light`` on a node of its own."""
    half = 2.0
    positions = struct.pack("<12f", -half, 0, -half, half, 0, -half, half, 0, half, -half, 0, half)
    normals = struct.pack("<12f", *(0, 1, 0) * 4)
    indices = struct.pack("<6H", 0, 2, 1, 0, 3, 2)
    binary = positions + normals + indices + bytes(-len(indices) % 4)
    primitive = {"attributes": {"POSITION": 0, "NORMAL": 1}, "indices": 2, "material": 0}
    document: dict[str, Any] = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": "floor"}],
        "meshes": [{"primitives": [primitive]}],
        "materials": [{"pbrMetallicRoughness": {"metallicFactor": 0.0, "roughnessFactor": 1.0}}],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": 4, "type": "VEC3"},
            {"bufferView": 1, "componentType": 5126, "count": 4, "type": "VEC3"},
            {"bufferView": 2, "componentType": 5123, "count": 6, "type": "SCALAR"},
        ],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": 48},
            {"buffer": 0, "byteOffset": 48, "byteLength": 48},
            {"buffer": 0, "byteOffset": 96, "byteLength": 12},
        ],
        "buffers": [{"byteLength": len(binary)}],
    }
    document["accessors"][0].update(min=[-half, 0, -half], max=[half, 0, half])
    if light is not None:
        document["extensionsUsed"] = ["KHR_lights_punctual"]
        document["extensions"] = {"KHR_lights_punctual": {"lights": [light]}}
        uses = {"KHR_lights_punctual": {"light": 0}}
        document["nodes"].append({**(node or {}), "extensions": uses})
        document["scenes"][0]["nodes"].append(1)
    return write_glb(document, binary)


def render_from_above(folder: Path, venue: bytes) -> np.ndarray[Any, Any]:
    """The floor seen from 3 m straight above, 128 x 128, as grey levels."""
    folder.mkdir()
    (folder / "venue.glb").write_bytes(venue)
    (folder / "relic.glb").write_bytes(floor_glb(None))  # the same floor: nothing in the way
    settings = RuntimeSettings(**{**vars(DIM), "asset_root": folder})
    engine = RenderEngine(open_showcase(folder), settings)
    try:
        source = engine.open_view(128, 128, preview=False)
        frame: np.ndarray[Any, Any] = np.asarray(source.frame(ABOVE), float).mean(axis=2)
        return frame
    finally:
        engine.close()


def test_a_venues_point_light_lights_the_floor_under_it(tmp_path: Path) -> None:
    dark = render_from_above(tmp_path / "dark", floor_glb(None))
    lamp = {"type": "point", "intensity": 100.0, "color": [1, 1, 1]}
    lit = render_from_above(tmp_path / "lit", floor_glb(lamp, {"translation": [0, 0.5, 0]}))
    centre = np.s_[56:72, 56:72]
    assert lit[centre].mean() > dark[centre].mean() + 60, (lit[centre].mean(), dark[centre].mean())
    # Inverse square: the floor's corners, ~2.9x as far, gain far less.
    corner = np.s_[0:12, 0:12]
    gain_centre = lit[centre].mean() - dark[centre].mean()
    assert lit[corner].mean() - dark[corner].mean() < 0.5 * gain_centre


def test_a_venues_spot_light_lights_inside_its_cone_only(tmp_path: Path) -> None:
    down = [-math.sin(math.pi / 4), 0.0, 0.0, math.cos(math.pi / 4)]  # -Z turned to -Y
    spot = {
        "type": "spot",
        "intensity": 600.0,
        "color": [1, 1, 1],
        "spot": {"innerConeAngle": 0.0, "outerConeAngle": 0.3},
    }
    frame = render_from_above(
        tmp_path / "spot", floor_glb(spot, {"translation": [0, 2, 0], "rotation": down})
    )
    # The cone meets the floor in a disc of radius 2 tan(0.3) = 0.62 m; the view's half
    # width at the floor is 3 tan(22.5 deg) = 1.24 m, so its edges are outside the cone.
    inside = frame[58:70, 58:70].mean()
    outside = np.concatenate([frame[:, :16].ravel(), frame[:, -16:].ravel()]).mean()
    dark = render_from_above(tmp_path / "dark", floor_glb(None))
    dark_outside = np.concatenate([dark[:, :16].ravel(), dark[:, -16:].ravel()]).mean()
    assert inside > outside + 80, (inside, outside)
    assert outside < dark_outside + 3, (outside, dark_outside)


def test_a_light_without_a_colour_is_white_at_its_intensity(tmp_path: Path) -> None:
    """glTF's colour defaults to white; panda3d-gltf applies the intensity only to a given
    colour, and the engine makes up for it."""
    place = {"translation": [0, 0.5, 0]}
    white = {"type": "point", "intensity": 40.0, "color": [1, 1, 1]}
    bare = {"type": "point", "intensity": 40.0}
    a = render_from_above(tmp_path / "white", floor_glb(white, place))
    b = render_from_above(tmp_path / "bare", floor_glb(bare, place))
    assert np.abs(a - b).max() <= 1, np.abs(a - b).max()
