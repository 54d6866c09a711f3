"""pedestal.glb: the plinth every exhibit stands on, its anchor on top."""

from __future__ import annotations

import numpy as np

from tests.conftest import ASSETS
from tests.tools.samples.reading import load


def test_pedestal_is_a_metre_high_plinth_with_its_anchor_on_top() -> None:
    doc = load(ASSETS / "pedestal.glb")
    anchor = next(n for n in doc.nodes if n.name == "exhibit_anchor")
    np.testing.assert_allclose(anchor.translation, [0.0, 1.0, 0.0], atol=1e-6)
    bounds = [doc.accessors[p.attributes.POSITION] for m in doc.meshes for p in m.primitives]
    np.testing.assert_allclose(np.min([a.min for a in bounds], axis=0), [-0.3, 0.0, -0.3])
    np.testing.assert_allclose(np.max([a.max for a in bounds], axis=0), [0.3, 1.0, 0.3])
