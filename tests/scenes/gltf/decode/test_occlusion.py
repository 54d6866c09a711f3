"""A separate occlusion map packed into the metallic-roughness image at decode time
(:mod:`museion.scenes.gltf.decode.occlusion`)."""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.decode import DecodeLimits, decode_to_glb, needs_decoding
from museion.scenes.gltf.gate import validate_gltf
from museion.scenes.gltf.glb import write_glb
from tests.gltf_fixtures import triangle
from tests.scenes.gltf.decode.test_plain_glb import Glb


def png(pixels: npt.NDArray[np.uint8]) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, "PNG")
    return out.getvalue()


def _image(data: bytes) -> npt.NDArray[np.uint8]:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


# Occlusion: 4x2, left half R 0, right half R 255 (G/B noise that must not leak in).
OCCLUSION = np.zeros((2, 4, 3), np.uint8)
OCCLUSION[:, 2:, 0] = 255
OCCLUSION[..., 1:] = 77
# Metallic-roughness: 8x4 (twice the occlusion's size), R 9, G 200 (roughness), B 30 (metal).
ROUGH = np.zeros((4, 8, 3), np.uint8)
ROUGH[...] = (9, 200, 30)


def model(tmp_path: Path, materials: list[dict[str, Any]]) -> Path:
    """A textured triangle per material, with images 0 (metallic-roughness) and 1
    (occlusion), textures 0 and 1 on them, and ``materials``."""
    document, binary = triangle(texcoords=True)
    document["meshes"] = [
        {"primitives": [{"attributes": {"POSITION": 0, "TEXCOORD_0": 1}, "material": m}]}
        for m in range(len(materials))
    ]
    document["nodes"] = [{"mesh": m} for m in range(len(materials))]
    document["scenes"] = [{"nodes": list(range(len(materials)))}]
    document["materials"] = materials
    document["images"] = []
    for picture in (png(ROUGH), png(OCCLUSION)):
        view = {"buffer": 0, "byteOffset": len(binary), "byteLength": len(picture)}
        document["bufferViews"].append(view)
        document["images"].append(
            {"bufferView": len(document["bufferViews"]) - 1, "mimeType": "image/png"}
        )
        binary += picture + bytes(-len(picture) % 4)
    document["samplers"] = [{"magFilter": 9728}]
    document["textures"] = [{"source": 0, "sampler": 0}, {"source": 1}]
    document["buffers"] = [{"byteLength": len(binary)}]
    path = tmp_path / "model.glb"
    path.write_bytes(write_glb(document, binary))
    return path


def separate(texcoord: int = 0) -> dict[str, Any]:
    return {
        "name": "separate",
        "pbrMetallicRoughness": {"metallicRoughnessTexture": {"index": 0}},
        "occlusionTexture": {"index": 1, "strength": 0.5, "texCoord": texcoord},
    }


def decoded(path: Path) -> Glb:
    data = decode_to_glb(path)
    assert data is not None
    out = path.with_name("decoded.glb")
    out.write_bytes(data)
    validate_gltf(out.parent, out.name)
    return Glb(data)


def picture(glb: Glb, texture: int) -> npt.NDArray[np.uint8]:
    image = glb.json["images"][glb.json["textures"][texture]["source"]]
    view = glb.json["bufferViews"][image["bufferView"]]
    start = view.get("byteOffset", 0)
    return _image(glb.bin[start : start + view["byteLength"]])


def test_a_separate_occlusion_map_is_packed_into_the_red_channel(tmp_path: Path) -> None:
    glb = decoded(model(tmp_path, [separate()]))
    material = glb.json["materials"][0]
    rough = material["pbrMetallicRoughness"]["metallicRoughnessTexture"]["index"]
    assert material["occlusionTexture"]["index"] == rough
    assert material["occlusionTexture"]["strength"] == 0.5
    assert glb.json["textures"][rough].get("sampler") == 0  # the MR texture's sampler
    pixels = picture(glb, rough)
    assert pixels.shape == (4, 8, 3)  # the metallic-roughness image's size
    # resized bilinearly: the middle columns blend, the outer ones keep their value
    assert (pixels[:, :3, 0] == 0).all() and (pixels[:, 5:, 0] == 255).all()
    assert (pixels[..., 1] == 200).all() and (pixels[..., 2] == 30).all()


def test_a_material_without_metallic_roughness_texture_gets_white_g_and_b(
    tmp_path: Path,
) -> None:
    plain = {"name": "factors", "occlusionTexture": {"index": 1}}
    glb = decoded(model(tmp_path, [plain]))
    material = glb.json["materials"][0]
    rough = material["pbrMetallicRoughness"]["metallicRoughnessTexture"]["index"]
    assert material["occlusionTexture"]["index"] == rough
    pixels = picture(glb, rough)
    assert pixels.shape == (2, 4, 3)  # the occlusion image's own size
    assert (pixels[:, :2, 0] == 0).all() and (pixels[:, 2:, 0] == 255).all()
    assert (pixels[..., 1:] == 255).all()


def test_another_material_sharing_the_metallic_roughness_image_keeps_it(
    tmp_path: Path,
) -> None:
    shared = {"name": "shared", "pbrMetallicRoughness": {"metallicRoughnessTexture": {"index": 0}}}
    glb = decoded(model(tmp_path, [separate(), shared, separate()]))
    materials = glb.json["materials"]
    assert materials[1]["pbrMetallicRoughness"]["metallicRoughnessTexture"]["index"] == 0
    assert (picture(glb, 0) == ROUGH).all()
    packed = {m["occlusionTexture"]["index"] for m in (materials[0], materials[2])}
    assert len(packed) == 1 and packed != {0}  # one new texture for the one pair
    assert len(glb.json["images"]) == 3


def test_an_occlusion_map_on_another_uv_set_is_left_apart(tmp_path: Path) -> None:
    path = model(tmp_path, [separate(texcoord=1)])
    document = Glb(path.read_bytes()).json
    assert not needs_decoding(document)
    assert decode_to_glb(path) is None


def test_a_packed_file_needs_no_decoding(tmp_path: Path) -> None:
    packed = {
        "pbrMetallicRoughness": {"metallicRoughnessTexture": {"index": 0}},
        "occlusionTexture": {"index": 0},
    }
    assert decode_to_glb(model(tmp_path, [packed])) is None


def test_an_occlusion_image_over_the_caps_is_refused(tmp_path: Path) -> None:
    path = model(tmp_path, [separate()])
    with pytest.raises(AssetRejected) as caught:
        decode_to_glb(path, DecodeLimits(max_image_side=4))
    assert caught.value.code == "IMAGE_TOO_LARGE"
    assert struct.unpack_from("<I", path.read_bytes(), 0)[0] == 0x46546C67  # untouched
