"""The document the transforms work on (tools/transform/document.py, laid out by
serialize.py): it round-trips through GLB and glTF with its metadata, and refuses what the
gate refuses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from museion.scenes.gltf.report import GltfInvalid
from museion.tools.errors import OptimizeError
from museion.tools.transform.document import read_document, write_document
from tests.tools.transform.documents import (
    metadata,
    png,
    sphere_document,
    write_checked,
)


def test_a_document_round_trips_through_glb_and_gltf(tmp_path: Path) -> None:
    doc = sphere_document(image=png(64, 32))
    glb, _ = write_checked(doc, tmp_path, "vessel.glb")
    gltf, _ = write_checked(doc, tmp_path, "vessel.gltf")
    assert (tmp_path / "vessel.bin").is_file()
    for path in (glb, gltf):
        again = read_document(path)
        np.testing.assert_array_equal(again.array(0), doc.array(0))
        assert again.images == doc.images
        assert metadata(again.json) == metadata(doc.json)


def test_a_refused_file_raises_the_gates_report(tmp_path: Path) -> None:
    bad = tmp_path / "escape.gltf"
    bad.write_text(json.dumps({"asset": {"version": "2.0"}, "buffers": [{"uri": "../x.bin"}]}))
    with pytest.raises(GltfInvalid) as refused:
        read_document(bad)
    assert "URI_OUTSIDE_FOLDER" in refused.value.report.codes()


def test_an_unknown_output_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OptimizeError) as refused:
        write_document(sphere_document(), tmp_path / "out.obj")
    assert refused.value.code == "OUTPUT_SUFFIX"
