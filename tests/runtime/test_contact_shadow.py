"""Contact shadows (runtime/shadows.py) in real renders of the example exhibition.

One engine of this module's own; "without" is the same view drawn with the shadows'
node hidden, so the two frames differ by the shadows alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from museion.runtime.camera import ViewState, project
from museion.runtime.editing import SceneEditor
from museion.runtime.engine import RenderEngine
from museion.runtime.frame_source import Frame
from museion.runtime.settings import RuntimeSettings
from museion.runtime.shadows import falloff
from museion.scenes.checked_scene import open_scene
from museion.scenes.document.model import Exhibit, Metadata
from museion.scenes.gltf.gate import check_gltf
from tests.conftest import ASSETS
from tests.runtime.test_lights_gltf import floor_glb

pytestmark = pytest.mark.render

W, H = 320, 240
HU = "bronze-hu"


@pytest.fixture(scope="module")
def hall() -> Iterator[RenderEngine]:
    engine = RenderEngine(
        open_scene(ASSETS / "example.scene.json"), RuntimeSettings(asset_root=ASSETS)
    )
    yield engine
    engine.close()


def from_above(hall: RenderEngine) -> ViewState:
    """The exhibit's own orbit view, raised to look down on what it stands on."""
    state = hall.exhibit_views[HU][0]
    return dataclasses.replace(state, pitch=55.0, distance=state.distance * 1.2)


def frames(hall: RenderEngine, state: ViewState) -> tuple[Frame, Frame]:
    """The view with its shadows, and without."""
    assert hall.shadows is not None
    source = hall.open_view(W, H, preview=False)
    try:
        shaded = source.frame(state).copy()
        hall._call(hall.shadows.node.hide)
        hall.scene_version += 1  # the view draws anew
        plain = source.frame(state).copy()
    finally:
        hall._call(hall.shadows.node.show)
        hall.scene_version += 1
        source.close()
    return shaded, plain


def card_centre(hall: RenderEngine) -> tuple[float, float, float]:
    assert hall.shadows is not None
    card = hall.shadows.card(HU)
    assert card is not None
    p = hall._call(card.get_pos, hall.root)
    return (float(p.x), float(p.z), float(-p.y))


def darkened(shaded: Frame, plain: Frame) -> np.ndarray:
    diff = plain.astype(np.int16).sum(axis=2) - shaded.astype(np.int16).sum(axis=2)
    return diff  # type: ignore[no-any-return]


def test_the_blob_is_soft_and_round() -> None:
    shape = falloff(64)
    assert shape[32, 32] == 255 and shape[0, 0] == 0 and shape[32, 0] < 10
    assert shape[32, 6] < shape[32, 12] < shape[32, 18] < shape[32, 32]  # it eases towards the rim


def test_the_surface_under_a_relic_is_darker_and_the_rest_unchanged(hall: RenderEngine) -> None:
    state = from_above(hall)
    shaded, plain = frames(hall, state)
    diff = darkened(shaded, plain)
    assert (diff > 12).sum() > 100, "no visible contact shadow"
    assert (diff < -3).sum() == 0, "a shadow never brightens"
    centre = project(state, W, H, card_centre(hall))
    assert centre is not None
    ys, xs = np.nonzero(diff > 3)
    assert abs(xs.mean() - centre[0]) < W * 0.15 and abs(ys.mean() - centre[1]) < H * 0.15
    far = np.ones_like(diff, bool)
    far[max(0, int(centre[1]) - H // 3) : int(centre[1]) + H // 3, :] = False
    assert np.abs(diff[far]).max() <= 3, "the surface far from the relic is unchanged"


def test_the_shadow_follows_a_moved_exhibit(hall: RenderEngine) -> None:
    assert hall.document is not None
    editor = SceneEditor(hall)
    original = hall.document.exhibit(HU).transform
    state = from_above(hall)
    before = card_centre(hall)
    shaded, plain = frames(hall, state)
    x_before = np.nonzero(darkened(shaded, plain) > 3)[1].mean()
    x, y, z = original.translation
    try:
        editor.move_exhibit(HU, dataclasses.replace(original, translation=(x + 0.4, y, z)))
        after = card_centre(hall)
        assert after[0] == pytest.approx(before[0] + 0.4, abs=1e-3)
        assert after[1] == pytest.approx(before[1], abs=1e-3)  # still on the pedestal's top
        shaded, plain = frames(hall, state)  # the camera stayed: the blob moved right
        assert np.nonzero(darkened(shaded, plain) > 3)[1].mean() > x_before + 5
    finally:
        editor.move_exhibit(HU, original)


def test_a_removed_exhibit_takes_its_shadow(hall: RenderEngine) -> None:
    assert hall.shadows is not None
    kept = {k: v for k, v in hall.exhibit_nodes.items() if k != HU}
    hall._call(hall.shadows.sync, kept, hall.picker)
    try:
        assert hall.shadows.card(HU) is None
        assert hall._call(hall.shadows.node.find, f"shadow-{HU}").is_empty()
    finally:
        hall._call(hall.shadows.sync, hall.exhibit_nodes, hall.picker)
    assert hall.shadows.card(HU) is not None


def test_a_flat_exhibit_casts_none(hall: RenderEngine, tmp_path: Path) -> None:
    """A 4 m floor tile laid on the floor as an exhibit (a mosaic): no blob to dim it (it
    had one, darkening the venue lights' test floor by half)."""
    (tmp_path / "tile.glb").write_bytes(floor_glb(None))
    tile = Exhibit("tile", "tile.glb", Metadata(title={"zh": "地砖"}), pedestal=False)
    editor = SceneEditor(hall)
    editor.add_exhibit(tile, check_gltf(tmp_path, "tile.glb"))
    try:
        assert hall.shadows is not None and hall.shadows.card("tile") is None
        assert hall.shadows.card(HU) is not None
    finally:
        editor.remove_exhibit("tile")


def test_a_document_may_opt_an_exhibit_out(hall: RenderEngine) -> None:
    assert hall.document is not None and hall.shadows is not None
    kept = hall.document
    hu = kept.exhibit(HU)
    opted = dataclasses.replace(hu, contact_shadow=False)
    hall.document = dataclasses.replace(
        kept, exhibits=tuple(opted if e.id == HU else e for e in kept.exhibits)
    )
    try:
        hall._call(hall.exhibits_changed)
        assert hall.shadows.card(HU) is None
        assert len(hall.shadows._cards) == len(hall.exhibit_nodes) - 1
    finally:
        hall.document = kept
        hall._call(hall.exhibits_changed)
    assert hall.shadows.card(HU) is not None


def test_shadows_can_be_switched_off() -> None:
    assert RuntimeSettings().contact_shadows
    assert not RuntimeSettings(contact_shadows=False).contact_shadows
