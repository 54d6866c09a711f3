"""glTF animations play on the server: an animated model (a skinned Fox, a morphing cube)
renders differently half a second later, its skin deforms, and a view that sees nothing
move does not render again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from museion.runtime.camera import ViewState
from museion.runtime.engine import RenderEngine
from museion.runtime.errors import RenderError
from museion.runtime.scene_builder import EXHIBIT_TAG
from museion.runtime.settings import RuntimeSettings
from museion.scenes.checked_scene import open_scene
from tests.conftest import CORPUS, Clock
from tests.scene_files import exhibit, scene, write_scene

pytestmark = [
    pytest.mark.render,
    pytest.mark.skipif(
        not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)"
    ),
]

FOX = CORPUS / "valid" / "Fox" / "Fox.glb"
CUBE = CORPUS / "valid" / "AnimatedMorphCube" / "AnimatedMorphCube.glb"
SIZE = (160, 120)


@pytest.fixture(scope="module")
def moving(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RenderEngine, Clock]]:
    """The sample venue with the Fox (made in centimetres: shown at 1/100) 2 m left of
    the animated morph cube, on a clock the test moves."""
    folder = tmp_path_factory.mktemp("moving")
    document = scene(
        "Moving",
        [
            exhibit("fox", "Fox.glb", (-1.0, 0.0, 0.0), 0.01),
            exhibit("cube", "AnimatedMorphCube.glb", (1.0, 0.5, 0.0)),
        ],
    )
    path = write_scene(folder, document, [FOX, CUBE])
    engine = RenderEngine(open_scene(path), RuntimeSettings(asset_root=folder))
    clock = Clock()
    engine.animator.clock = clock
    for key in ("fox", "cube"):  # from their first frame at clock.now
        engine._call(engine.animator.play, key)
    yield engine, clock
    engine.close()


def _frames(engine: RenderEngine, clock: Clock, key: str) -> tuple[Any, Any, Any]:
    """Exhibit ``key`` from its orbit view at t, again at t (a second view: the noise of
    two renders) and at t + 0.5 s, as int arrays."""
    state = engine.exhibit_views[key][0]
    first, second = engine.open_view(*SIZE, preview=False), engine.open_view(*SIZE, preview=False)
    try:
        clock.now = 100.0
        engine._call(engine.animator.play, key)
        at_t = first.frame(state).astype(int)
        again = second.frame(state).astype(int)
        clock.now = 100.5
        later = first.frame(state).astype(int)
    finally:
        first.close()
        second.close()
    return at_t, again, later


def _changed(a: Any, b: Any) -> int:
    """How many pixels differ visibly (more than 30 summed over R, G, B)."""
    return int((np.abs(a - b).sum(axis=-1) > 30).sum())


def _fox_mask(frame: Any) -> Any:
    """The Fox's orange fur: red well above blue."""
    return (frame[..., 0] > 120) & (frame[..., 0] - frame[..., 2] > 70)


def test_the_fox_moves_and_its_skin_deforms(moving: tuple[RenderEngine, Clock]) -> None:
    engine, clock = moving
    assert engine.animator.animations("fox") == ("Survey", "Walk", "Run")
    at_t, again, later = _frames(engine, clock, "fox")
    fox_then, fox_now = _fox_mask(at_t), _fox_mask(later)
    assert fox_then.sum() > 300, "the Fox is in view"
    region = fox_then | fox_now
    assert _changed(at_t, again) == 0, "two renders of one moment are the same"
    assert _changed(at_t[region], later[region]) > 100, _changed(at_t[region], later[region])
    # The skin deforms: the fur's outline itself changes, not only its shading.
    assert int((fox_then ^ fox_now).sum()) > 50, int((fox_then ^ fox_now).sum())


def test_the_morph_cube_morphs(moving: tuple[RenderEngine, Clock]) -> None:
    engine, clock = moving
    assert engine.animator.animations("cube") == ("Square",)
    at_t, again, later = _frames(engine, clock, "cube")
    assert _changed(at_t, again) == 0
    middle = np.s_[30:90, 40:120]  # the cube fills the middle of its orbit view
    assert _changed(at_t[middle], later[middle]) > 200, _changed(at_t[middle], later[middle])


def test_a_view_that_sees_nothing_move_does_not_render(
    moving: tuple[RenderEngine, Clock],
) -> None:
    engine, clock = moving
    # From 5.5 m in front of the exhibits, looking further away from them.
    away = ViewState(target=(0.0, 1.0, -6.0), yaw=0.0, pitch=0.0, distance=0.5)
    source = engine.open_view(*SIZE, preview=False)
    try:
        clock.now = 200.0
        first = source.frame(away)
        renders = source.renders
        clock.now = 200.5
        assert engine.animator.playing
        assert source.frame(away) is first
        assert source.renders == renders
    finally:
        source.close()


def test_a_still_gallery_renders_once(engine: RenderEngine) -> None:
    """The sample showcase has no animations: nothing plays and a resting view renders
    once, however much time passes."""
    assert not engine.animator.playing
    source = engine.open_view(*SIZE, preview=False)
    try:
        first = source.frame(engine.home)
        version = engine.scene_version
        assert source.frame(engine.home) is first
        assert source.renders == 1
        assert engine.scene_version == version
    finally:
        source.close()


def test_playing_is_bounded_and_once_ends(moving: tuple[RenderEngine, Clock]) -> None:
    engine, clock = moving
    animator = engine.animator
    with pytest.raises(RenderError) as missing:
        engine._call(lambda: animator.play("fox", "Dance"))
    assert missing.value.code == "NO_SUCH_ANIMATION"
    for speed in (0.0, -1.0, float("nan"), 11.0):
        with pytest.raises(RenderError) as bad:
            engine._call(lambda s=speed: animator.play("fox", "Walk", speed=s))
        assert bad.value.code == "BAD_ANIMATION_SPEED"
    try:
        engine._call(engine.animator.stop, "cube")
        clock.now = 300.0
        engine._call(lambda: animator.play("fox", "Walk", loop=False, speed=2.0))
        assert engine._call(animator.tick)
        clock.now = 301.0  # Walk: 22 frames at 30 fps, twice as fast: over in 0.35 s
        assert engine._call(animator.tick)
        assert not animator.playing
        clock.now = 302.0
        assert not engine._call(animator.tick), "an ended animation holds its last pose"
    finally:
        engine._call(animator.play, "fox")
        engine._call(animator.play, "cube")


def test_only_a_skinned_model_is_posed_on_the_gpu(moving: tuple[RenderEngine, Clock]) -> None:
    from panda3d.core import ShaderAttrib

    engine, _ = moving
    flagged = {}
    for character in engine.root.find_all_matches("**/+Character"):
        attrib = character.get_attrib(ShaderAttrib)
        flagged[character.get_net_tag(EXHIBIT_TAG)] = bool(
            attrib is not None and attrib.get_flag(ShaderAttrib.F_hardware_skinning)
        )
    # The cube only morphs: it has no joint table for the shader to read.
    assert flagged == {"fox": True, "cube": False}
