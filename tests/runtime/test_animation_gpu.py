"""Skinning on the GPU (the lean shader's SKINNING variant) draws the walking Fox as
Panda3D's CPU skinning does, and it still moves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.checked_scene import open_scene
from tests.conftest import CORPUS, Clock
from tests.scene_files import exhibit, scene, write_scene

pytestmark = [
    pytest.mark.render,
    pytest.mark.skipif(not (CORPUS / "valid").is_dir(), reason="the glTF corpus is absent"),
]

SIZE = (320, 240)


def _fox_mask(frame: Any) -> Any:
    """The Fox's orange fur: red well above blue."""
    return (frame[..., 0] > 120) & (frame[..., 0].astype(int) - frame[..., 2] > 70)


def _scene(folder: Path) -> Path:
    fox = exhibit("fox", "Fox.glb", (-1, 0, 0), 0.01, animation={"name": "Walk"})
    return write_scene(folder, scene("Fox", [fox]), [CORPUS / "valid" / "Fox" / "Fox.glb"])


def _at(engine: RenderEngine, clock: Clock, start: float, seconds: float) -> Any:
    """The Fox's orbit view ``seconds`` into its Walk (a fresh view: nothing cached)."""
    clock.now = start
    engine._call(engine.animator.play, "fox", "Walk")
    clock.now = start + seconds
    view = engine.open_view(*SIZE, preview=False)
    try:
        return view.frame(engine.exhibit_views["fox"][0]).copy()
    finally:
        view.close()


def _walk(folder: Path, gpu_skinning: bool) -> tuple[Any, Any, bool]:
    """The Fox 0.4 s and 0.9 s into its Walk, and whether its Character is skinned by the
    shader."""
    from panda3d.core import ShaderAttrib

    settings = RuntimeSettings(asset_root=folder, gpu_skinning=gpu_skinning)
    engine = RenderEngine(open_scene(_scene(folder)), settings)
    try:
        clock = Clock()
        engine.animator.clock = clock
        (character,) = engine.root.find_all_matches("**/+Character")
        attrib = character.get_attrib(ShaderAttrib)
        on_gpu = attrib is not None and attrib.get_flag(ShaderAttrib.F_hardware_skinning)
        return _at(engine, clock, 100.0, 0.4), _at(engine, clock, 200.0, 0.9), on_gpu
    finally:
        engine.close()


def test_gpu_skinning_draws_the_pose_the_cpu_draws(tmp_path: Path) -> None:
    cpu, _, cpu_flag = _walk(tmp_path, gpu_skinning=False)
    gpu, later, gpu_flag = _walk(tmp_path, gpu_skinning=True)
    assert (cpu_flag, gpu_flag) == (False, True), "the default engine skins on the GPU"
    fur_cpu, fur_gpu, fur_later = _fox_mask(cpu), _fox_mask(gpu), _fox_mask(later)
    assert fur_cpu.sum() > 600, "the Fox is in view"
    # The same pose: the fur's outline agrees but for edge pixels.
    assert int((fur_cpu ^ fur_gpu).sum()) < 0.05 * fur_cpu.sum(), int((fur_cpu ^ fur_gpu).sum())
    # Still walking: half a second later the outline has moved.
    assert int((fur_gpu ^ fur_later).sum()) > 50, int((fur_gpu ^ fur_later).sum())
    assert np.abs(gpu.astype(int) - later).sum() > 0
