"""meshopt and draco: smaller files that decode to the same shape; options out of range
are refused where they are made."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from museion.scenes.gltf.decode import decode_to_glb
from museion.scenes.gltf.gate import read_gltf, validate_gltf
from museion.tools.transform.compress import DracoOptions, MeshoptOptions, draco, meshopt
from museion.tools.transform.document import read_document
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


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: MeshoptOptions(level=4), "level"),
        (lambda: MeshoptOptions(level=-1), "level"),
        (lambda: MeshoptOptions(octahedral="yes"), "octahedral"),  # type: ignore[arg-type]
        (lambda: DracoOptions(position_bits=0), "position_bits"),
        (lambda: DracoOptions(normal_bits=31), "normal_bits"),
        (lambda: DracoOptions(texcoord_bits=12.5), "texcoord_bits"),  # type: ignore[arg-type]
        (lambda: DracoOptions(generic_bits=0), "generic_bits"),
        (lambda: DracoOptions(compression_level=11), "compression_level"),
    ],
)
def test_codec_options_refuse_values_out_of_range(make: Callable[[], object], field: str) -> None:
    with pytest.raises(ValueError, match=rf"\.{field} must be "):
        make()


def test_codec_options_take_their_whole_range() -> None:
    assert MeshoptOptions(level=0).level == 0 and MeshoptOptions(level=3).level == 3
    draco = DracoOptions(position_bits=30, normal_bits=1, compression_level=0)
    assert (draco.position_bits, draco.normal_bits, draco.compression_level) == (30, 1, 0)
