"""meshopt and draco: smaller files that decode to the same shape."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from museion.scenes.gltf.decode import decode_to_glb
from museion.scenes.gltf.gate import read_gltf, validate_gltf
from museion.tools.gltf_document import read_document
from museion.tools.transform.compress import draco, meshopt
from museion.tools.transform.geometry import quantize, reorder
from museion.tools.transform.prune import prune
from tests.tools.transform.documents import (
    sphere_document,
    world_bounds,
    write_checked,
)


@pytest.mark.parametrize("codec", ["meshopt", "draco"])
def test_compressed_output_is_smaller_and_decodes(codec: str, tmp_path: Path) -> None:
    doc = sphere_document()
    bounds = world_bounds(doc)
    _, plain = write_checked(doc, tmp_path, "plain.glb")
    if codec == "meshopt":
        reorder(doc)
        quantize(doc)
        meshopt(doc)
    else:
        draco(doc)
    prune(doc)
    path, packed = write_checked(doc, tmp_path, f"{codec}.glb")
    assert packed < 0.35 * plain
    extension = {"meshopt": "EXT_meshopt_compression", "draco": "KHR_draco_mesh_compression"}
    assert extension[codec] in read_gltf(tmp_path, path.name).document["extensionsRequired"]
    decoded = decode_to_glb(path)
    assert decoded is not None
    (tmp_path / "decoded.glb").write_bytes(decoded)
    assert validate_gltf(tmp_path, "decoded.glb").valid
    extent = float(np.ptp(bounds, axis=0).max())
    np.testing.assert_allclose(
        world_bounds(read_document(tmp_path / "decoded.glb")), bounds, atol=1e-3 * extent
    )
