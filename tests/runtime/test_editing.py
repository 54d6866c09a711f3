"""The studio's live editing against the real engine on the example exhibition.

One engine of this module's own (the session's ``exhibition`` stays as loaded); each test
puts back what it moved.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from museion.runtime.camera import ViewState, project
from museion.runtime.editing import SceneEditor
from museion.runtime.engine import RenderEngine
from museion.runtime.errors import EditRefused
from museion.runtime.eye_pose import Place
from museion.runtime.frame_source import Frame
from museion.runtime.settings import RuntimeSettings
from museion.runtime.stereo import StereoView
from museion.scenes.checked_scene import CheckedScene, open_scene
from museion.scenes.document.model import Exhibit, Hotspot, Metadata, Transform
from museion.scenes.gltf.gate import check_gltf
from tests.conftest import ASSETS, CORPUS
from tests.runtime.test_stereo import head

pytestmark = pytest.mark.render

W, H = 320, 180
HU = "bronze-hu"


@pytest.fixture(scope="module")
def scene() -> CheckedScene:
    return open_scene(ASSETS / "example.scene.json")


@pytest.fixture(scope="module")
def hall(scene: CheckedScene) -> Iterator[RenderEngine]:
    engine = RenderEngine(scene, RuntimeSettings(asset_root=ASSETS))
    yield engine
    engine.close()


@pytest.fixture
def editor(hall: RenderEngine) -> SceneEditor:
    return SceneEditor(hall)


def world_bounds(engine: RenderEngine, node: Any) -> tuple[Any, Any]:
    bounds = engine._call(node.get_tight_bounds, engine.root)
    assert bounds is not None
    return bounds  # type: ignore[no-any-return]


def differs(a: Frame, b: Frame, x: float, y: float, r: int = 4) -> float:
    """Mean absolute difference of a small square around pixel (x, y)."""
    cx, cy = round(x), round(y)
    pa = a[cy - r : cy + r, cx - r : cx + r].astype(np.int16)
    pb = b[cy - r : cy + r, cx - r : cx + r].astype(np.int16)
    return float(np.abs(pa - pb).mean())


def test_a_moved_exhibit_shows_where_it_now_is(hall: RenderEngine, editor: SceneEditor) -> None:
    original = hall.document.exhibit(HU).transform  # type: ignore[union-attr]
    state = hall.exhibit_views[HU][0]
    old_spot = hall.hotspot_positions[(HU, "zigzag")]
    source = hall.open_view(W, H, preview=False)
    try:
        before = source.frame(state)
        x, y, z = original.translation
        moved = dataclasses.replace(original, translation=(x + 0.6, y, z))
        editor.move_exhibit(HU, moved)
        after = source.frame(state)  # the camera did not move: the scene did
        assert after is not before
        where_it_was = differs(before, after, W / 2, H / 2)
        now = project(state, W, H, (x + 0.6, state.target[1], state.target[2]))
        assert now is not None
        where_it_is = differs(before, after, now[0], now[1])
        assert where_it_was > 20 and where_it_is > 20, (where_it_was, where_it_is)
        # What the engine derives from the node followed it.
        assert hall.hotspot_positions[(HU, "zigzag")] == pytest.approx(
            (old_spot[0] + 0.6, old_spot[1], old_spot[2]), abs=1e-5
        )
        assert hall.exhibit_views[HU][0].target[0] == pytest.approx(state.target[0] + 0.6)
        assert hall.document.exhibit(HU).transform == moved  # type: ignore[union-attr]
        pick = hall.pick(state, W, H, now[0], now[1])
        assert pick is not None and pick.exhibit == HU
        editor.move_exhibit(HU, original)
        back = source.frame(state)
        assert float(np.abs(back.astype(np.int16) - before).mean()) < 0.5
    finally:
        source.close()


def test_a_headset_view_sees_the_move_too(hall: RenderEngine, editor: SceneEditor) -> None:
    original = hall.document.exhibit(HU).transform  # type: ignore[union-attr]
    tx, ty, tz = hall.exhibit_views[HU][0].target
    place, pose = Place((tx, 0.0, tz + 1.0)), head(height=ty)
    stereo = StereoView(hall, 64, 64)
    try:
        first = stereo.frame(pose, place)
        assert stereo.frame(pose, place) is first  # nothing changed: not drawn again
        x, y, z = original.translation
        editor.move_exhibit(HU, dataclasses.replace(original, translation=(x + 0.6, y, z)))
        moved = stereo.frame(pose, place)
        assert moved is not first
        assert float(np.abs(moved.image.astype(np.int16) - first.image).mean()) > 1.0
    finally:
        editor.move_exhibit(HU, original)
        stereo.close()


def test_a_surface_pick_lies_on_the_exhibit_in_its_own_frame(
    hall: RenderEngine, editor: SceneEditor
) -> None:
    state = hall.exhibit_views[HU][0]
    got = editor.surface_pick(state, W, H, W / 2, H / 2)
    assert got is not None and got.exhibit == HU and got.local is not None
    node = hall.exhibit_nodes[HU]
    low, high = hall._call(node.get_tight_bounds, node)
    lx, ly, lz = got.local  # scene axes of the exhibit's frame: panda (x, -z, y)
    assert low.x - 1e-3 <= lx <= high.x + 1e-3
    assert low.z - 1e-3 <= ly <= high.z + 1e-3
    assert low.y - 1e-3 <= -lz <= high.y + 1e-3
    eye = np.array(state.eye())
    assert float(np.dot(got.normal, eye - np.array(got.point))) > 0  # it faces the camera
    pick = hall.pick(state, W, H, W / 2, H / 2)
    assert pick is not None and got.point == pytest.approx(pick.point, abs=1e-6)
    # The wall beside names no exhibit.
    wall = editor.surface_pick(state, W, H, 3, 3)
    assert wall is None or (wall.exhibit is None and wall.local is None)


def test_a_picked_point_saved_as_a_hotspot_shows_where_it_was_clicked(
    hall: RenderEngine, editor: SceneEditor
) -> None:
    """The round trip the studio makes: pick, save a hotspot there, and it is there."""
    state = dataclasses.replace(hall.exhibit_views[HU][0], yaw=35.0)
    x, y = W / 2 + 12, H / 2 - 10
    got = editor.surface_pick(state, W, H, x, y)
    assert got is not None and got.exhibit == HU and got.local is not None
    original = hall.document.exhibit(HU)  # type: ignore[union-attr]
    clicked = Hotspot("clicked", got.local, {"en": "Clicked"}, {"en": "Here."})
    editor.set_hotspots(HU, (*original.hotspots, clicked))
    try:
        assert hall.hotspot_positions[(HU, "clicked")] == pytest.approx(got.point, abs=1e-5)
        mark = next(m for m in hall.hotspot_marks(state, W, H) if m.hotspot == "clicked")
        assert mark.visible and (mark.x, mark.y) == pytest.approx((x, y), abs=0.05)
        pick = hall.pick(state, W, H, x, y)
        assert pick is not None and (pick.exhibit, pick.hotspot) == (HU, "clicked")
        label = hall.label(HU)
        assert label is not None and "clicked" in [h["id"] for h in label["hotspots"]]
    finally:
        editor.set_hotspots(HU, original.hotspots)
    assert (HU, "clicked") not in hall.hotspot_positions
    assert hall.document.exhibit(HU) == original  # type: ignore[union-attr]


def test_snapping_puts_a_lifted_exhibit_back_on_its_pedestal(
    hall: RenderEngine, editor: SceneEditor
) -> None:
    original = hall.document.exhibit(HU).transform  # type: ignore[union-attr]
    node = hall.exhibit_nodes[HU]
    built_low, _ = world_bounds(hall, node)
    built_z = hall._call(node.get_z, hall.root)
    x, y, z = original.translation
    editor.move_exhibit(HU, dataclasses.replace(original, translation=(x, y + 0.5, z)))
    assert world_bounds(hall, node)[0].z == pytest.approx(built_low.z + 0.5, abs=1e-4)
    try:
        snapped = editor.snap_down(HU)
        assert hall._call(node.get_z, hall.root) == pytest.approx(built_z, abs=2e-3)
        assert world_bounds(hall, node)[0].z == pytest.approx(built_low.z, abs=2e-3)
        assert snapped.translation == pytest.approx(original.translation, abs=2e-3)
        assert snapped.rotation == original.rotation and snapped.scale == original.scale
        assert hall.document.exhibit(HU).transform == snapped  # type: ignore[union-attr]
    finally:
        editor.move_exhibit(HU, original)


def test_an_imported_model_appears_snaps_to_the_floor_and_goes(
    hall: RenderEngine, editor: SceneEditor, scene: CheckedScene
) -> None:
    state = ViewState(target=(0.0, 0.4, 3.0), yaw=0.0, pitch=10.0, distance=2.5)
    source = hall.open_view(W, H, preview=False)
    try:
        before = source.frame(state)
        new = Exhibit(
            id="imported-hu",
            asset="relic.glb",
            metadata=Metadata(title={"en": "Imported hu"}),
            transform=Transform(translation=(0.0, 0.7, 3.0)),
            pedestal=False,
        )
        editor.add_exhibit(new, scene.model("relic.glb"))
        try:
            shown = source.frame(state)
            centre = project(state, W, H, hall.exhibit_views["imported-hu"][0].target)
            assert centre is not None
            assert differs(before, shown, centre[0], centre[1]) > 20
            pick = hall.pick(state, W, H, centre[0], centre[1])
            assert pick is not None and pick.exhibit == "imported-hu"
            label = hall.label("imported-hu")
            assert label is not None and label["metadata"]["title"] == {"en": "Imported hu"}
            snapped = editor.snap_down("imported-hu")
            floor = hall.pick_ray((0.0, 1.0, 3.4), (0.0, -1.0, 0.0))  # beside it, no pedestal
            assert floor is not None and floor.exhibit is None
            low, _ = world_bounds(hall, hall.exhibit_nodes["imported-hu"])
            assert float(low.z) == pytest.approx(floor.point[1], abs=2e-3)
            assert snapped.translation[1] < 0.7
        finally:
            editor.remove_exhibit("imported-hu")
        gone = source.frame(state)
        assert float(np.abs(gone.astype(np.int16) - before).mean()) < 0.5
        assert "imported-hu" not in hall.exhibit_views and hall.label("imported-hu") is None
        assert hall._call(hall.root.find, "**/exhibit-imported-hu").is_empty()
    finally:
        source.close()


def test_an_imported_exhibit_on_a_pedestal_shares_the_scene_s_pedestal(
    hall: RenderEngine, editor: SceneEditor, scene: CheckedScene
) -> None:
    hu = hall.document.exhibit(HU)  # type: ignore[union-attr]
    twin = dataclasses.replace(
        hu, id="hu-twin", transform=Transform(translation=(0.0, 0.0, 3.2)), hotspots=()
    )
    editor.add_exhibit(twin, scene.model(hu.asset))
    try:
        built = hall._call(hall.exhibit_nodes[HU].get_z, hall.root)
        assert hall._call(hall.exhibit_nodes["hu-twin"].get_z, hall.root) == pytest.approx(built)
        assert not hall._call(hall.root.find, "pedestal-hu-twin").is_empty()
    finally:
        editor.remove_exhibit("hu-twin")
    assert hall._call(hall.root.find, "pedestal-hu-twin").is_empty()


def test_an_exhibit_standing_on_another_follows_it_and_keeps_it(
    hall: RenderEngine, editor: SceneEditor, scene: CheckedScene
) -> None:
    hu = hall.document.exhibit(HU)  # type: ignore[union-attr]
    lid = Exhibit(
        id="hu-lid",
        asset="relic-bi.glb",
        metadata=Metadata(title={"en": "Lid"}),
        transform=Transform(translation=(0.0, 0.5, 0.0), scale=0.5),
        pedestal=False,
        parent=HU,
        hotspots=(Hotspot("knob", (0.0, 0.1, 0.0), {"en": "Knob"}),),
    )
    editor.add_exhibit(lid, scene.model("relic-bi.glb"))
    try:
        spot = hall.hotspot_positions[("hu-lid", "knob")]
        view = hall.exhibit_views["hu-lid"][0]
        x, y, z = hu.transform.translation
        editor.move_exhibit(HU, dataclasses.replace(hu.transform, translation=(x + 0.3, y, z)))
        assert hall.hotspot_positions[("hu-lid", "knob")] == pytest.approx(
            (spot[0] + 0.3, spot[1], spot[2]), abs=1e-5
        )
        assert hall.exhibit_views["hu-lid"][0].target[0] == pytest.approx(view.target[0] + 0.3)
        with pytest.raises(EditRefused) as caught:
            editor.remove_exhibit(HU)
        assert caught.value.code == "EXHIBIT_HAS_CHILDREN"
    finally:
        editor.move_exhibit(HU, hu.transform)
        editor.remove_exhibit("hu-lid")
    assert "hu-lid" not in hall.exhibit_nodes and ("hu-lid", "knob") not in hall.hotspot_positions


def test_an_exhibit_a_tour_visits_is_not_removed(hall: RenderEngine, editor: SceneEditor) -> None:
    with pytest.raises(EditRefused) as caught:
        editor.remove_exhibit("jade-bi")
    assert caught.value.code == "EXHIBIT_IN_TOUR"
    assert "jade-bi" in hall.exhibit_nodes


@pytest.mark.parametrize("verb", ["move", "snap", "remove", "hotspots"])
def test_unknown_exhibits_are_refused(editor: SceneEditor, verb: str) -> None:
    with pytest.raises(EditRefused) as caught:
        if verb == "move":
            editor.move_exhibit("no-such", Transform())
        elif verb == "snap":
            editor.snap_down("no-such")
        elif verb == "hotspots":
            editor.set_hotspots("no-such", ())
        else:
            editor.remove_exhibit("no-such")
    assert caught.value.code == "EXHIBIT_UNKNOWN"


def test_refused_edits_change_nothing(
    hall: RenderEngine, editor: SceneEditor, scene: CheckedScene
) -> None:
    document = hall.document
    hu = hall.document.exhibit(HU)  # type: ignore[union-attr]
    cases = [
        (lambda: editor.add_exhibit(hu, scene.model(hu.asset)), "EXHIBIT_EXISTS"),
        (
            lambda: editor.add_exhibit(
                dataclasses.replace(hu, id="orphan", parent="nobody"), scene.model(hu.asset)
            ),
            "PARENT_UNKNOWN",
        ),
        (
            lambda: editor.move_exhibit(HU, Transform(translation=(float("nan"), 0.0, 0.0))),
            "TRANSFORM_MALFORMED",
        ),
        (lambda: editor.move_exhibit(HU, Transform(scale=0.0)), "TRANSFORM_MALFORMED"),
        (
            lambda: editor.set_hotspots(HU, (hu.hotspots[0], hu.hotspots[0])),
            "HOTSPOT_MALFORMED",
        ),
    ]
    for act, code in cases:
        with pytest.raises(EditRefused) as caught:
            act()
        assert caught.value.code == code
    assert hall.document is document


def test_a_showcase_is_not_edited(engine: RenderEngine) -> None:
    with pytest.raises(EditRefused) as caught:
        SceneEditor(engine).move_exhibit("relic", Transform())
    assert caught.value.code == "NOT_AN_EXHIBITION"


def test_an_imported_animated_model_plays_its_node_animation(
    hall: RenderEngine, editor: SceneEditor
) -> None:
    truck = CORPUS / "valid" / "CesiumMilkTruck"
    if not truck.is_dir():
        pytest.skip("../shared/corpus is absent (public glTF corpus)")
    new = Exhibit(
        id="imported-truck",
        asset="CesiumMilkTruck.gltf",
        metadata=Metadata(title={"en": "Milk truck"}),
        transform=Transform(translation=(0.0, 0.0, 3.0), scale=0.3),
        pedestal=False,
    )
    editor.add_exhibit(new, check_gltf(truck, "CesiumMilkTruck.gltf"))
    try:
        # The wheels' node animation, which panda3d-gltf leaves out, is bound and playing.
        assert hall.animator.animations("imported-truck") == ("Wheels",)
        playing = hall.animator.now_playing("imported-truck")
        assert playing is not None and playing.name == "Wheels"
    finally:
        editor.remove_exhibit("imported-truck")
    assert hall.animator.animations("imported-truck") == ()
