"""A preview at a camera in the model's own coordinates, with its animations frozen at
the rest pose or a chosen moment (the reference images compare the Fox's rest pose with
the Sample Viewer's; before, the preview played its first animation from frame 0)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from museion.runtime.camera import ViewState
from museion.runtime.errors import RenderError
from museion.runtime.preview import ModelPreview, PreviewOptions
from museion.runtime.settings import RuntimeSettings
from museion.scenes.gltf.gate import check_gltf
from tests.conftest import CORPUS

pytestmark = [
    pytest.mark.render,
    pytest.mark.skipif(not (CORPUS / "valid" / "Fox").is_dir(), reason="no ../shared/corpus"),
]

# The Render Fidelity generator's camera for the Fox, in the glTF's own units.
SIDE = ViewState(target=(-35.0, 37.0, 25.0), yaw=-60.0, pitch=0.0, distance=124.0, fov=45.0)
SIZE = (96, 96)


@pytest.fixture(scope="module")
def fox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModelPreview]:
    settings = RuntimeSettings(load_cache_dir=tmp_path_factory.mktemp("model-cache"))
    model = check_gltf(CORPUS / "valid" / "Fox", "Fox.glb")
    with ModelPreview(model, PreviewOptions(supersample=1), settings) as preview:
        yield preview


def _differ(a: np.ndarray, b: np.ndarray) -> int:
    """Pixels that differ visibly."""
    return int((np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 24).sum())


def test_the_rest_pose_is_not_the_first_animations_first_frame(fox: ModelPreview) -> None:
    fox.freeze()
    rest = fox.picture(SIDE, SIZE)
    assert _differ(rest, fox.picture(SIDE, SIZE)) == 0  # held still
    fox.freeze(0.0)  # Survey, the first animation, at its start: the head turned
    surveying = fox.picture(SIDE, SIZE)
    assert _differ(rest, surveying) > 20
    fox.freeze(0.5, "Walk")
    walking = fox.picture(SIDE, SIZE)
    assert _differ(walking, surveying) > 20 and _differ(walking, fox.picture(SIDE, SIZE)) == 0
    fox.freeze()  # back to the rest pose after playing
    assert _differ(rest, fox.picture(SIDE, SIZE)) == 0


def test_the_camera_is_in_the_models_own_units(fox: ModelPreview) -> None:
    """Moving the target 10 of the Fox's own units to the camera's right moves the fox
    left in the picture by what 10 units measure at that distance."""
    fox.freeze()
    centred = fox.picture(SIDE, SIZE)
    # At yaw -60 the camera's right is (cos -60, 0, -sin -60) in glTF axes.
    right = (np.cos(np.radians(-60.0)), 0.0, -np.sin(np.radians(-60.0)))
    moved = ViewState(
        target=tuple(t + 10.0 * r for t, r in zip(SIDE.target, right, strict=True)),  # type: ignore[arg-type]
        yaw=SIDE.yaw, pitch=SIDE.pitch, distance=SIDE.distance, fov=SIDE.fov,
    )  # fmt: skip
    shifted = fox.picture(moved, SIZE)

    def nose(image: np.ndarray) -> float:
        """The right-most column of the fox (its nose; its tail may leave the frame)."""
        columns = np.nonzero((np.abs(image.astype(int) - image[0, 0]).max(axis=2) > 12).any(0))[0]
        return float(columns.max())

    # 10 units at a distance of 124 with a 45 degree fov: about a tenth of the width.
    moved_by = nose(centred) - nose(shifted)
    expected = 10.0 / (124.0 * np.tan(np.radians(22.5))) * SIZE[0] / 2
    assert abs(moved_by - expected) < 0.25 * expected, (moved_by, expected)


def test_a_frozen_moment_is_checked(fox: ModelPreview) -> None:
    with pytest.raises(RenderError) as bad:
        fox.freeze(-1.0)
    assert bad.value.code == "BAD_ANIMATION_TIME"
    with pytest.raises(RenderError) as missing:
        fox.freeze(1.0, "Dance")
    assert missing.value.code == "NO_SUCH_ANIMATION"


def test_a_node_animation_returns_to_its_rest_pose_too(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    settings = RuntimeSettings(load_cache_dir=tmp_path_factory.mktemp("model-cache"))
    model = check_gltf(CORPUS / "valid" / "CesiumMilkTruck", "CesiumMilkTruck.gltf")
    side = ViewState(target=(0.0, 0.8, 0.0), yaw=90.0, pitch=0.0, distance=7.0, fov=45.0)
    with ModelPreview(model, PreviewOptions(supersample=1), settings) as truck:
        truck.freeze()
        rest = truck.picture(side, SIZE)
        truck.freeze(0.3, "Wheels")  # the wheels turned a little
        rolled = truck.picture(side, SIZE)
        truck.freeze()
        again = truck.picture(side, SIZE)
    assert _differ(rest, rolled) > 5, "the wheels turn"
    assert _differ(rest, again) == 0, "and come back to where the file puts them"
