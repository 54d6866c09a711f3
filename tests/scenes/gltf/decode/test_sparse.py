"""A sparse accessor is densified by the decoder: panda3d-gltf reads only an accessor's
base values, so SimpleSparseAccessor rendered flat, its three peaks missing (found by the
reference images, issue 19)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from museion.scenes.gltf.decode import decode_to_glb, needs_decoding
from tests.conftest import CORPUS
from tests.scenes.gltf.decode.test_plain_glb import _decoded

SPARSE = CORPUS / "valid" / "SimpleSparseAccessor"


def test_a_document_with_a_sparse_accessor_needs_decoding() -> None:
    plain = {"accessors": [{"count": 3, "type": "VEC3", "componentType": 5126}]}
    sparse = {"accessors": [{**plain["accessors"][0], "sparse": {"count": 1}}]}
    assert not needs_decoding(plain)
    assert needs_decoding(sparse)


@pytest.mark.skipif(not SPARSE.is_dir(), reason="../shared/corpus is absent")
def test_the_sparse_peaks_are_written_into_the_positions(tmp_path: Path) -> None:
    source = json.loads((SPARSE / "SimpleSparseAccessor.gltf").read_text())
    assert decode_to_glb(SPARSE / "SimpleSparseAccessor.gltf") is not None
    glb, _ = _decoded(SPARSE / "SimpleSparseAccessor.gltf", tmp_path)
    index = glb.primitive()["attributes"]["POSITION"]
    assert "sparse" not in glb.json["accessors"][index]
    positions = glb.accessor(index)
    assert positions.shape == (14, 3)
    # The file's base grid is flat (y 0 or 1); its sparse values lift vertices 8, 10
    # and 12 to y 2, 3 and 4, the peaks; the declared max already says y 4.
    assert positions[[8, 10, 12], 1].tolist() == [2.0, 3.0, 4.0]
    assert np.allclose(positions.max(axis=0), source["accessors"][index]["max"])
