"""A sample's glTF document (tools/samples/document.py): what it writes through the one
packer and GLB writer, the gate accepts and the one reader gives back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from museion.scenes.gltf.accessors.read import read_accessor
from museion.scenes.gltf.gate import validate_gltf
from museion.scenes.gltf.glb import read_glb
from museion.tools.samples.document import GENERATOR, SampleDocument
from museion.tools.samples.geometry import box
from museion.tools.samples.textures import encode


def _lit_box(textured: bool) -> bytes:
    doc = SampleDocument()
    textures = None
    if textured:
        pixel = np.full((4, 4, 3), 0.5)
        base, normal, mr = (doc.texture(*encode(pixel, kind)) for kind in ("JPEG", "PNG", "JPEG"))
        textures = (base, normal, mr)
    paint = doc.material("paint", (0.2, 0.3, 0.4), 0.0, 0.8, textures, emissive=(0.1, 0.0, 0.0))
    key = {"name": "key", "type": "directional", "intensity": 3.0}
    return doc.glb(
        [
            doc.node(
                name="box", mesh=doc.mesh("box", box((1.0, 2.0, 3.0), (0.0, 1.0, 0.0)), paint)
            ),
            doc.light(key, name="key_light", rotation=[0.0, 0.0, 0.0, 1.0]),
        ]
    )


def test_a_textured_lit_box_is_accepted_and_reads_back(tmp_path: Path) -> None:
    data = _lit_box(textured=True)
    (tmp_path / "box.glb").write_bytes(data)
    report = validate_gltf(tmp_path, "box.glb")
    assert report.valid and not report.issues, report.issues
    chunks = read_glb(data, "box.glb")
    assert chunks.bin is not None
    document = json.loads(chunks.json)
    assert document["asset"] == {"version": "2.0", "generator": GENERATOR}
    assert document["scenes"] == [{"nodes": [0, 1]}] and document["scene"] == 0
    assert document["extensionsUsed"] == ["KHR_lights_punctual"]
    assert document["extensions"]["KHR_lights_punctual"]["lights"][0]["name"] == "key"
    assert document["nodes"][1]["extensions"] == {"KHR_lights_punctual": {"light": 0}}
    assert [i["mimeType"] for i in document["images"]] == ["image/jpeg", "image/png", "image/jpeg"]
    assert document["textures"] == [{"sampler": 0, "source": i} for i in range(3)]
    assert len(document["samplers"]) == 1
    material = document["materials"][0]
    assert material["normalTexture"] == {"index": 1}
    assert material["pbrMetallicRoughness"]["metallicRoughnessTexture"] == {"index": 2}
    assert material["emissiveFactor"] == [0.1, 0.0, 0.0]

    primitive = document["meshes"][0]["primitives"][0]
    position = document["accessors"][primitive["attributes"]["POSITION"]]
    assert position["min"] == [-0.5, 0.0, -1.5] and position["max"] == [0.5, 2.0, 1.5]
    assert "min" not in document["accessors"][primitive["attributes"]["TEXCOORD_0"]]
    indices = read_accessor(document, [chunks.bin], primitive["indices"])
    assert indices.dtype == np.uint16 and len(indices) == 36  # narrowed: 24 vertices
    view = document["accessors"][primitive["indices"]]["bufferView"]
    assert document["bufferViews"][view]["target"] == 34963  # ELEMENT_ARRAY_BUFFER


def test_an_untextured_unlit_document_has_no_samplers_images_or_extensions() -> None:
    doc = SampleDocument()
    paint = doc.material("paint", (0.2, 0.3, 0.4), 0.0, 0.8)
    mesh = doc.mesh("box", box((1.0, 1.0, 1.0), (0.0, 0.5, 0.0)), paint)
    document = json.loads(read_glb(doc.glb([doc.node(name="box", mesh=mesh)]), "box.glb").json)
    for key in ("samplers", "textures", "images", "extensions", "extensionsUsed"):
        assert key not in document
    assert document["materials"] == [
        {
            "name": "paint",
            "pbrMetallicRoughness": {
                "baseColorFactor": [0.2, 0.3, 0.4, 1.0],
                "metallicFactor": 0.0,
                "roughnessFactor": 0.8,
            },
        }
    ]
