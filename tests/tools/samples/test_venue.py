"""venue.glb: the small gallery room, its lights and the anchor on its pedestal."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import ASSETS
from tests.tools.samples.reading import load


def test_venue_has_lights_and_an_anchor_on_the_pedestal() -> None:
    doc = load(ASSETS / "venue.glb")
    assert "KHR_lights_punctual" in doc.extensionsUsed
    lights = doc.extensions["KHR_lights_punctual"]["lights"]
    assert any(light["type"] == "directional" for light in lights)
    assert any(light["type"] == "point" for light in lights)
    anchor = next(n for n in doc.nodes if n.name == "exhibit_anchor")
    assert anchor.translation is not None
    np.testing.assert_allclose(anchor.translation, [0.0, 1.0, 0.0], atol=1e-6)
    bounds = [doc.accessors[p.attributes.POSITION] for m in doc.meshes for p in m.primitives]
    assert min(a.min[1] for a in bounds) == 0.0  # the floor
    assert max(a.max[1] for a in bounds) == pytest.approx(3.5)
