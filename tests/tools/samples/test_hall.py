"""hall.glb: the example exhibition's hall, its walls, partition and key light."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import ASSETS
from tests.tools.samples.reading import load, node_bounds


def test_hall_has_thick_walls_round_its_interior_a_partition_and_one_key_light() -> None:
    doc = load(ASSETS / "hall.glb")
    names = {n.name for n in doc.nodes}
    assert not {"exhibit_anchor", "pedestal"} & names  # the scene places pedestals
    low, high = node_bounds(doc, "floor")
    assert low[1] == high[1] == 0.0
    assert low[0] <= -9.0 and high[0] >= 9.0 and low[2] <= -6.0 and high[2] >= 6.0
    assert node_bounds(doc, "ceiling")[0][1] == pytest.approx(4.5, abs=1e-5)
    inner = {"wall_west": (0, -9.0, -1), "wall_east": (0, 9.0, 1)}
    inner |= {"wall_north": (2, -6.0, -1), "wall_south": (2, 6.0, 1)}
    for name, (axis, face, outwards) in inner.items():
        low, high = node_bounds(doc, name)
        near, far = (high, low) if outwards < 0 else (low, high)
        assert near[axis] == pytest.approx(face, abs=1e-5), name  # the inner face
        assert abs(far[axis] - near[axis]) == pytest.approx(0.2, abs=1e-5), name  # 0.2 m thick
        assert low[1] == pytest.approx(0.0) and high[1] == pytest.approx(4.5, abs=1e-5), name
    low, high = node_bounds(doc, "partition")
    np.testing.assert_allclose(low, [-2.5, 0.0, -4.15], atol=1e-6)
    np.testing.assert_allclose(high, [2.5, 3.0, -3.85], atol=1e-6)
    lights = doc.extensions["KHR_lights_punctual"]["lights"]
    assert [light["type"] for light in lights] == ["directional"]
    floor = next(m for m in doc.materials if m.name == "limestone floor")
    assert floor.normalTexture is not None
    assert floor.pbrMetallicRoughness.baseColorTexture is not None
