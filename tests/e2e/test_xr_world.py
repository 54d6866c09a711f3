"""What the headset page draws in the world (``streaming/client/xr_world.js``), in real
Chromium's WebGL2, loaded from the real server: a controller's ray down the centre, a
hotspot marker ahead (and not behind), the teleport arc's two colours, and the picked
hu's label panel in each language (slow: e2e)."""

from __future__ import annotations

import base64
import json
import math
import shutil
from typing import Any

import numpy as np
import pytest

from museion.runtime.engine import RenderEngine
from tests.conftest import REPO, serve
from tests.e2e.browser import WAIT, browser_page
from tests.e2e.headset import headset_page, move_controller, needs_iwer, press, stick
from tests.streaming.client.test_reproject import perspective

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
]

SIZE = 256
BACKGROUND = [82, 82, 87]  # xr.js's neutral room (0.32, 0.32, 0.34)

# The world drawn for one eye at the origin looking down -Z (or ``view``), over a cleared
# neutral room; the pixels (RGBA rows, bottom first) in base64, and the panel's lines.
DRAW = """async ([size, view, scene, label]) => {
  if (!window.__world) {
    const m = await import('/static/xr_world.js');
    const canvas = document.createElement('canvas');
    canvas.width = size; canvas.height = size;
    const gl = canvas.getContext('webgl2', { antialias: false, preserveDrawingBuffer: true });
    window.__world = { gl, world: m.createWorld(gl), panel: m.createPanel(gl) };
  }
  const { gl, world, panel } = window.__world;
  if (label) panel.show(label.label, label.language, 'zh', label.pose); else panel.hide();
  gl.viewport(0, 0, size, size);
  gl.clearColor(0.32, 0.32, 0.34, 1);
  gl.clear(gl.COLOR_BUFFER_BIT);
  world.draw({ projection: new Float32Array(PROJECTION), view: new Float32Array(view) },
             { ...scene, panel });
  const pixels = new Uint8Array(size * size * 4);
  gl.readPixels(0, 0, size, size, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
  let text = '';
  for (let i = 0; i < pixels.length; i += 8192) {
    text += String.fromCharCode(...pixels.subarray(i, i + 8192));
  }
  return { pixels: btoa(text), lines: panel.lines, error: gl.getError() };
}""".replace("PROJECTION", str(perspective(90)))

CARD = (slice(SIZE // 2 - 12, SIZE // 2 + 12), slice(SIZE // 2 - 24, SIZE // 2 + 24))
"""The middle of the label panel as it stands ahead of the eye: rows, columns."""
IDENTITY = [1.0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
EYE_HEIGHT = 1.6
STANDING = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, -EYE_HEIGHT, 0, 1]  # the eye 1.6 m up
LEANING = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, -EYE_HEIGHT, 0.9, 1]  # 0.3 m from the panel

# The sample hu's label, from the example exhibition, as the server's `picked` message has it.
HU = next(
    {"id": exhibit["id"], "metadata": exhibit["metadata"]}
    for exhibit in json.loads((REPO / "assets" / "example.scene.json").read_text())["exhibits"]
    if exhibit["id"] == "bronze-hu"
)


class Drawn:
    """One eye's picture: ``image[row, column]`` with row 0 at the top."""

    def __init__(self, result: dict[str, Any]) -> None:
        assert result["error"] == 0, f"WebGL error {result['error']}"
        raw = np.frombuffer(base64.b64decode(result["pixels"]), dtype=np.uint8)
        self.image = raw.reshape(SIZE, SIZE, 4)[::-1, :, :3].astype(int)
        self.lines: list[str] = result["lines"]

    def drawn(self) -> np.ndarray:
        """Where anything but the cleared room shows: a (rows, columns) mask."""
        mask: np.ndarray = np.abs(self.image - BACKGROUND).max(axis=2) > 12
        return mask


def card_with_text(seen: Drawn) -> bool:
    """Whether the middle of the picture shows a dark card (mostly) with light text on it."""
    middle = seen.image[SIZE // 4 : 3 * SIZE // 4].max(axis=2)
    return bool(np.median(middle) < 50 and (middle > 150).sum() > 100)


async def draw(
    page: Any, scene: dict[str, Any], view: list[float] = IDENTITY, label: Any = None
) -> Drawn:
    full = {"rays": [], "arc": None, "markers": [], **scene}
    return Drawn(await page.evaluate(DRAW, [SIZE, view, full, label]))


def pose(yaw: float = 0.0) -> dict[str, Any]:
    half = math.radians(yaw) / 2
    return {"position": [0, EYE_HEIGHT, 0], "orientation": [0, math.sin(half), 0, math.cos(half)]}


async def test_rays_markers_arcs_and_the_label_panel_in_the_world(engine: RenderEngine) -> None:
    async with serve(engine) as server, browser_page() as page:
        await page.goto(f"{server.url}/healthz")  # any page of the server: its origin

        # The panel's wrapping, measured in characters: English at spaces, Chinese at any
        # character, a closing mark never starting a line.
        wrap = (
            "async ([text, width]) => (await import('/static/xr_world.js'))"
            ".wrapText(text, width, (s) => s.length)"
        )
        assert await page.evaluate(wrap, ["The hu held wine", 8]) == ["The hu", "held", "wine"]
        words = HU["metadata"]["description"]["zh"][:9]  # the first sentence and two more
        assert await page.evaluate(wrap, [words, 3]) == [words[:3], words[3:6], words[6:9]]
        assert await page.evaluate(wrap, [words, 5]) == [words[:6], words[6:9]]  # "。" hangs

        # A ray from below the eye straight ahead: its colour down the centre column only.
        ray = {"origin": [0, -0.3, -0.3], "direction": [0, 0, -1], "length": 4}
        seen = await draw(page, {"rays": [ray]})
        rows, columns = np.nonzero(seen.drawn())
        assert len(columns) > 40 and np.all(np.abs(columns - SIZE / 2) <= 6)
        assert np.all(rows > SIZE / 2)  # below the horizon, reaching towards it
        blue = seen.image[rows, columns]
        assert np.median(blue[:, 2]) > 200 and np.median(blue[:, 0]) < 150  # the ray's blue

        # A marker 2 m ahead at the centre, not when behind; active: a ring around it too.
        ahead = await draw(page, {"markers": [{"position": [0, 0, -2], "active": False}]})
        r, g, b = ahead.image[SIZE // 2, SIZE // 2]
        assert r > 200 and 150 < g < 230 and b < 120  # amber
        assert not ahead.drawn()[:, : SIZE // 2 - 10].any()
        behind = await draw(page, {"markers": [{"position": [0, 0, 2], "active": False}]})
        assert not behind.drawn().any()
        active = await draw(page, {"markers": [{"position": [0, 0, -2], "active": True}]})
        assert active.drawn().sum() > ahead.drawn().sum()

        # The arc: green where it lands, red where it cannot.
        points = [[x / 10, -0.6 - abs(x) / 50, -1.5 + abs(x) / 20] for x in range(-5, 6)]
        for ok, (channel, other) in [(True, (1, 0)), (False, (0, 1))]:
            arc = await draw(page, {"arc": {"points": points, "ok": ok}})
            colours = arc.image[arc.drawn()]
            assert len(colours) > 40
            assert np.median(colours[:, channel]) > np.median(colours[:, other]) + 100

        # The hu's label 1.2 m ahead at eye height: its title first in the chosen language,
        # drawn over the room, and the Chinese panel is not the English one.
        en = await draw(page, {}, STANDING, {"label": HU, "language": "en", "pose": pose()})
        assert en.lines[0] == "Bronze hu vessel"
        assert "Medium: Bronze with green patina" in en.lines
        assert any("swelling belly" in line for line in en.lines)
        # 0.6 m wide at 1.2 m under a 90-degree eye: a quarter of the width, in the middle.
        assert np.median(en.image[CARD].max(axis=2)) < 50  # the dark card...
        assert not en.drawn()[:, : SIZE // 2 - SIZE // 8 - 2].any()  # ...and nothing aside
        # Leaning in (0.3 m from it) the text shows light on the card, and the Chinese
        # panel is not the English one.
        near = {"label": HU, "language": "en", "pose": pose()}
        assert card_with_text(await draw(page, {}, LEANING, near))
        zh = await draw(page, {}, LEANING, {**near, "language": "zh"})
        assert zh.lines[0] == "青铜壶"
        medium = HU["metadata"]["medium"]["zh"]
        assert f"材质\N{FULLWIDTH COLON}{medium}" in zh.lines  # the field, named in Chinese
        assert card_with_text(zh)
        english = await draw(page, {}, LEANING, near)
        assert np.abs(zh.image - english.image).sum() > 0

        # Shown to a head turned 90 degrees left, the panel stands to its left: out of view.
        aside = await draw(page, {}, STANDING, {"label": HU, "language": "en", "pose": pose(90)})
        assert not aside.drawn().any()


# An immersive session on the emulated headset, its controllers read by xr_controls.js
# every XR frame and their rays and arcs drawn by xr_world.js into each eye, as the page
# does; what the handlers heard collects in `window.__heard`.
START = """async () => {
  const controlsModule = await import('/static/xr_controls.js');
  const worldModule = await import('/static/xr_world.js');
  const session = await navigator.xr.requestSession('immersive-vr',
    { requiredFeatures: ['local-floor'] });
  const gl = document.createElement('canvas').getContext('webgl2', { xrCompatible: true });
  session.updateRenderState({ baseLayer: new XRWebGLLayer(session, gl) });
  const space = await session.requestReferenceSpace('local-floor');
  const heard = window.__heard = [];
  const arcs = {};
  const controls = window.__controls = controlsModule.createControls(session, {
    onSelect: (hand, ray) => heard.push({ kind: 'select', hand, ray }),
    onAim: (hand, arc) => {
      arcs[hand] = arc;
      heard.push({ kind: 'aim', hand, floor: arc && arc.floor });
    },
    onTeleport: (hand, floor) => heard.push({ kind: 'teleport', hand, floor }),
    onTurn: (degrees) => heard.push({ kind: 'turn', degrees }),
  });
  const world = worldModule.createWorld(gl);
  window.__drawn = 0;
  const frame = (time, xrFrame) => {
    session.requestAnimationFrame(frame);
    controls.update(xrFrame, space);
    const pose = xrFrame.getViewerPose(space);
    if (!pose) return;
    const layer = session.renderState.baseLayer;
    gl.bindFramebuffer(gl.FRAMEBUFFER, layer.framebuffer);
    const rays = Object.values(controls.rays).map((ray) => ({ ...ray, length: 2 }));
    const arc = Object.values(arcs).find(Boolean);
    for (const view of pose.views) {
      const { x, y, width, height } = layer.getViewport(view);
      gl.viewport(x, y, width, height);
      world.draw({ projection: view.projectionMatrix, view: view.transform.inverse.matrix }, {
        rays, markers: [], panel: null,
        arc: arc ? { points: arc.points, ok: arc.floor !== null } : null,
      });
    }
    if (gl.getError() === gl.NO_ERROR) window.__drawn += 1;
  };
  session.requestAnimationFrame(frame);
}"""


async def heard(page: Any, kind: str, count: int = 1) -> list[dict[str, Any]]:
    """Wait until the controls have told the page ``count`` events of ``kind``: those."""
    await page.wait_for_function(
        "([kind, n]) => window.__heard.filter((e) => e.kind === kind).length >= n",
        arg=[kind, count],
        timeout=WAIT,
    )
    events: list[dict[str, Any]] = await page.evaluate(
        "(kind) => window.__heard.filter((e) => e.kind === kind)", kind
    )
    return events


@needs_iwer
async def test_an_emulated_controller_aims_teleports_turns_and_selects(
    engine: RenderEngine,
) -> None:
    async with serve(engine) as server, headset_page() as page:
        await page.goto(f"{server.url}/healthz")
        await page.evaluate(START)
        half = math.radians(-30) / 2  # pointing 30 degrees down, from 1.2 m
        await move_controller(
            page, "right", (0.2, 1.2, -0.3), (math.sin(half), 0, 0, math.cos(half))
        )
        await page.wait_for_function(
            "() => { const r = window.__controls.rays.right;"
            " return r && Math.abs(r.origin[1] - 1.2) < 1e-3 && r.direction[1] < -0.4; }",
            timeout=WAIT,
        )

        await stick(page, "right", 0, -0.9)  # forward: aim
        (aim, *_) = await heard(page, "aim")
        assert aim["hand"] == "right" and aim["floor"] is not None
        await stick(page, "right", 0, 0)  # let go: teleport where the arc landed
        (teleport,) = await heard(page, "teleport")
        x, y, z = teleport["floor"]
        assert y == 0 and x == pytest.approx(0.2, abs=1e-3) and -2.0 < z < -1.5

        await press(page, "right")  # the trigger: select along the ray
        (select,) = await heard(page, "select")
        assert select["ray"]["origin"] == pytest.approx([0.2, 1.2, -0.3], abs=1e-3)
        assert select["ray"]["direction"] == pytest.approx([0, -0.5, -math.sqrt(3) / 2], abs=1e-3)
        await press(page, "right", value=0.0)

        await stick(page, "right", 0.9, 0)  # right: one snap turn right
        await stick(page, "left", -0.9, 0)  # the left stick, left: one turn left
        turns = await heard(page, "turn", 2)
        assert sorted(t["degrees"] for t in turns) == [-30, 30]
        assert await page.evaluate("window.__drawn") > 0  # both eyes drawn, no GL error
