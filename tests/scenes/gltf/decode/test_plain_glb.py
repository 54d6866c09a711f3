"""Compressed and extended glTF decoded to plain GLB (:mod:`museion.scenes.gltf.decode`)."""

from __future__ import annotations

import io
import json
import math
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import alktx2
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.decode import DecodeLimits, decode_to_glb
from museion.scenes.gltf.extensions import DECODED
from museion.scenes.gltf.gate import validate_gltf
from museion.scenes.gltf.glb import write_glb
from tests.conftest import ASSETS, CORPUS
from tests.gltf_fixtures import solid_png, triangle, write_gltf

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)"
)
_DTYPES = {5120: "<i1", 5121: "<u1", 5122: "<i2", 5123: "<u2", 5125: "<u4", 5126: "<f4"}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT4": 16}


class Glb:
    """A GLB read back plainly, to look at what decoding wrote."""

    def __init__(self, data: bytes) -> None:
        (length,) = struct.unpack_from("<I", data, 12)
        self.json: dict[str, Any] = json.loads(data[20 : 20 + length])
        self.bin = data[20 + length + 8 :]

    def accessor(self, index: int) -> npt.NDArray[Any]:
        acc = self.json["accessors"][index]
        view = self.json["bufferViews"][acc["bufferView"]]
        dtype = np.dtype(_DTYPES[acc["componentType"]])
        width = _WIDTH[acc["type"]]
        stride = view.get("byteStride", dtype.itemsize * width)
        start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
        rows = np.ndarray(
            (acc["count"], width), dtype, self.bin, start, (stride, dtype.itemsize)
        ).copy()
        return rows

    def primitive(self, mesh: int = 0) -> dict[str, Any]:
        prim: dict[str, Any] = self.json["meshes"][mesh]["primitives"][0]
        return prim


def _decoded(source: Path, tmp_path: Path, over_one: int = 0) -> tuple[Glb, Path]:
    """Decode ``source``, write the GLB and check the gate accepts it as plain glTF
    (but for ``over_one`` emissive factors above 1, which carry a folded strength)."""
    glb = decode_to_glb(source)
    assert glb is not None
    out = tmp_path / "decoded.glb"
    out.write_bytes(glb)
    report = validate_gltf(tmp_path, out.name)
    errors = [
        i
        for i in report.errors
        if not (i.code == "VALUE_NOT_IN_RANGE" and "/emissiveFactor/" in i.pointer)
    ]
    assert errors == []
    assert len(report.errors) == over_one
    decoded = Glb(glb)
    left = set(decoded.json.get("extensionsUsed", [])) | set(
        decoded.json.get("extensionsRequired", [])
    )
    assert not left & DECODED
    assert len(decoded.json["buffers"]) == 1 and "uri" not in decoded.json["buffers"][0]
    assert all("uri" not in image for image in decoded.json.get("images", []))
    return decoded, out


def _world(positions: npt.NDArray[Any], node: dict[str, Any]) -> npt.NDArray[Any]:
    """Positions under a node's scale and translation (no rotation in these files)."""
    assert "rotation" not in node and "matrix" not in node
    scale = np.array(node.get("scale", [1, 1, 1]))
    return positions * scale + np.array(node.get("translation", [0, 0, 0]))


def _triangles(glb: Glb, prim: dict[str, Any]) -> int:
    if "indices" in prim:
        return int(glb.json["accessors"][prim["indices"]]["count"]) // 3
    return int(glb.json["accessors"][prim["attributes"]["POSITION"]]["count"]) // 3


# -- the corpus models -----------------------------------------------------------------


@needs_corpus
def test_meshopt_fox_decodes_to_the_uncompressed_fox(tmp_path: Path) -> None:
    fox, _ = _decoded(CORPUS / "valid/Fox_meshopt_gltfpack/Fox.glb", tmp_path)
    original = Glb((CORPUS / "valid/Fox/Fox.glb").read_bytes())
    prim, reference = fox.primitive(), original.primitive()
    assert _triangles(fox, prim) == _triangles(original, reference) == 576
    node = next(n for n in fox.json["nodes"] if n.get("mesh") == 0)
    positions = _world(fox.accessor(prim["attributes"]["POSITION"]), node)
    expected = original.accessor(reference["attributes"]["POSITION"])
    # 14-bit positions over a 160-unit fox: within one quantisation step (about 0.01).
    step = float(np.max(expected.max(0) - expected.min(0))) / (1 << 14)
    np.testing.assert_allclose(positions.min(0), expected.min(0), atol=2 * step)
    np.testing.assert_allclose(positions.max(0), expected.max(0), atol=2 * step)
    # The QUATERNION filter undone and the normalised shorts dequantised: unit rotations.
    rotations = [
        fox.accessor(s["output"])
        for s in fox.json["animations"][0]["samplers"]
        if fox.json["accessors"][s["output"]]["type"] == "VEC4"
    ]
    assert rotations
    for q in rotations:
        np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=2e-3)
    # UVs dequantised and the gltfpack texture transform baked: inside the texture.
    uv = fox.accessor(prim["attributes"]["TEXCOORD_0"])
    reference_uv = original.accessor(reference["attributes"]["TEXCOORD_0"])
    np.testing.assert_allclose(uv.min(0), reference_uv.min(0), atol=2e-3)
    np.testing.assert_allclose(uv.max(0), reference_uv.max(0), atol=2e-3)


@needs_corpus
def test_draco_rigged_simple_decodes_within_its_declared_bounds(tmp_path: Path) -> None:
    source = CORPUS / "valid/RiggedSimple_Draco/RiggedSimple.gltf"
    declared = json.loads(source.read_text())
    rigged, _ = _decoded(source, tmp_path)
    prim = rigged.primitive()
    assert _triangles(rigged, prim) == 188
    before = declared["accessors"][declared["meshes"][0]["primitives"][0]["attributes"]["POSITION"]]
    positions = rigged.accessor(prim["attributes"]["POSITION"])
    assert len(positions) == before["count"]
    size = np.max(np.subtract(before["max"], before["min"]))
    np.testing.assert_allclose(positions.min(0), before["min"], atol=size / 1000)
    np.testing.assert_allclose(positions.max(0), before["max"], atol=size / 1000)
    normals = rigged.accessor(prim["attributes"]["NORMAL"])
    np.testing.assert_allclose(np.linalg.norm(normals, axis=1), 1.0, atol=0.01)
    indices = rigged.accessor(prim["indices"])
    assert int(indices.max()) < len(positions)
    assert rigged.json["skins"][0]["joints"] == declared["skins"][0]["joints"]


@needs_corpus
def test_quantized_avocado_dequantizes_with_its_node_transform_kept(tmp_path: Path) -> None:
    source = CORPUS / "valid/Avocado_Quantized/Avocado.gltf"
    declared = json.loads(source.read_text())
    avocado, _ = _decoded(source, tmp_path)
    prim = avocado.primitive()
    node = avocado.json["nodes"][0]
    assert node == declared["nodes"][0]
    for semantic in ("POSITION", "NORMAL", "TANGENT", "TEXCOORD_0"):
        accessor = avocado.json["accessors"][prim["attributes"][semantic]]
        assert accessor["componentType"] == 5126 and "normalized" not in accessor
    quantised = declared["accessors"][
        declared["meshes"][0]["primitives"][0]["attributes"]["POSITION"]
    ]
    positions = _world(avocado.accessor(prim["attributes"]["POSITION"]), node)
    expected_low = _world(np.array(quantised["min"], float), node)
    expected_high = _world(np.array(quantised["max"], float), node)
    np.testing.assert_allclose(positions.min(0), expected_low, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(positions.max(0), expected_high, rtol=1e-5, atol=1e-7)
    assert 0.05 < float(np.max(expected_high - expected_low)) < 0.07  # a 6 cm avocado
    normals = avocado.accessor(prim["attributes"]["NORMAL"])
    np.testing.assert_allclose(np.linalg.norm(normals, axis=1), 1.0, atol=0.02)
    uv = avocado.accessor(prim["attributes"]["TEXCOORD_0"])
    assert uv.min() >= -0.01 and uv.max() <= 1.01
    material = avocado.json["materials"][0]
    assert "extensions" not in material["pbrMetallicRoughness"]["baseColorTexture"]


@needs_corpus
def test_texture_transforms_are_baked_as_the_extension_defines_them(tmp_path: Path) -> None:
    source = CORPUS / "valid/TextureTransformTest/TextureTransformTest.gltf"
    original = json.loads(source.read_text())
    raw = (source.parent / "TextureTransformTest.bin").read_bytes()
    decoded, _ = _decoded(source, tmp_path)

    def original_uv(index: int) -> npt.NDArray[Any]:
        acc = original["accessors"][index]
        view = original["bufferViews"][acc["bufferView"]]
        start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
        return np.frombuffer(raw, "<f4", acc["count"] * 2, start).reshape(-1, 2)

    by_name = {m["name"]: m for m in original["materials"]}
    for mesh, before in zip(decoded.json["meshes"], original["meshes"], strict=True):
        prim, old = mesh["primitives"][0], before["primitives"][0]
        material = original["materials"][old["material"]]
        uv = decoded.accessor(prim["attributes"]["TEXCOORD_0"])
        base = original_uv(old["attributes"]["TEXCOORD_0"]).astype(float)
        info = material["pbrMetallicRoughness"]["baseColorTexture"]
        tf = info.get("extensions", {}).get("KHR_texture_transform", {})
        u, v = base[:, 0] * tf.get("scale", [1, 1])[0], base[:, 1] * tf.get("scale", [1, 1])[1]
        r = tf.get("rotation", 0.0)
        expected = np.stack(
            [
                math.cos(r) * u + math.sin(r) * v + tf.get("offset", [0, 0])[0],
                -math.sin(r) * u + math.cos(r) * v + tf.get("offset", [0, 0])[1],
            ],
            axis=1,
        )
        np.testing.assert_allclose(uv, expected, atol=1e-5, err_msg=material["name"])
    offset_u = decoded.json["materials"][original["materials"].index(by_name["Offset U"])]
    assert "extensions" not in offset_u["pbrMetallicRoughness"]["baseColorTexture"]


def test_two_transforms_on_one_uv_set_get_their_own_sets(tmp_path: Path) -> None:
    """A material whose base colour and normal map read TEXCOORD_0 with different
    transforms: the base colour keeps set 0, the normal map gets set 1, baked."""
    uv = np.array([[0, 0], [1, 0], [0, 1]], np.float32)  # the triangle's TEXCOORD_0
    document, binary = triangle(image_uri="red.png")
    document["extensionsUsed"] = ["KHR_texture_transform"]
    moved = {"extensions": {"KHR_texture_transform": {"offset": [0.5, 0.25]}}}
    document["materials"][0]["normalTexture"] = {"index": 0, **moved}
    (tmp_path / "red.png").write_bytes(solid_png(4, 4, (255, 0, 0)))
    write_gltf(tmp_path, "tri.gltf", document, binary)
    out = tmp_path / "out"
    out.mkdir()
    decoded, _ = _decoded(tmp_path / "tri.gltf", out)
    prim = decoded.primitive()
    material = decoded.json["materials"][prim["material"]]
    assert material["pbrMetallicRoughness"]["baseColorTexture"].get("texCoord", 0) == 0
    assert material["normalTexture"]["texCoord"] == 1
    np.testing.assert_allclose(decoded.accessor(prim["attributes"]["TEXCOORD_0"]), uv)
    moved_uv = uv + np.float32([0.5, 0.25])
    np.testing.assert_allclose(decoded.accessor(prim["attributes"]["TEXCOORD_1"]), moved_uv)


def test_emissive_strength_is_folded_into_the_emissive_factor(tmp_path: Path) -> None:
    document = json.loads(_json_of(ASSETS / "relic.glb"))
    document.setdefault("extensionsUsed", []).append("KHR_materials_emissive_strength")
    document["materials"][0]["emissiveFactor"] = [1.0, 0.5, 0.0]
    document["materials"][0]["extensions"] = {
        "KHR_materials_emissive_strength": {"emissiveStrength": 4.0}
    }
    path = _write_glb(tmp_path / "glow.glb", document, _bin_of(ASSETS / "relic.glb"))
    out = tmp_path / "out"
    out.mkdir()
    decoded, _ = _decoded(path, out, over_one=2)
    material = decoded.json["materials"][0]
    assert material["emissiveFactor"] == [4.0, 2.0, 0.0]
    assert "extensions" not in material


# -- KHR_texture_basisu, built from the sample relic ----------------------------------


def _json_of(path: Path) -> str:
    data = path.read_bytes()
    (length,) = struct.unpack_from("<I", data, 12)
    return data[20 : 20 + length].decode()


def _bin_of(path: Path) -> bytes:
    data = path.read_bytes()
    (length,) = struct.unpack_from("<I", data, 12)
    return data[20 + length + 8 :]


def _write_glb(path: Path, document: dict[str, Any], binary: bytes) -> Path:
    path.write_bytes(write_glb(document, binary))
    return path


def _relic_base_colour() -> tuple[dict[str, Any], bytes, int, bytes]:
    """The sample relic's JSON, BIN, base-colour image index and that image's bytes."""
    document = json.loads(_json_of(ASSETS / "relic.glb"))
    binary = _bin_of(ASSETS / "relic.glb")
    texture = document["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"]["index"]
    image = document["textures"][texture]["source"]
    view = document["bufferViews"][document["images"][image]["bufferView"]]
    start = view.get("byteOffset", 0)
    return document, binary, image, binary[start : start + view["byteLength"]]


def _with_ktx2(
    tmp_path: Path,
    ktx2: bytes,
    mime: str = "image/ktx2",
    extension: str = "KHR_texture_basisu",
) -> Path:
    """The relic with its base-colour texture as KTX2 only (KHR_texture_basisu), or as
    another format through another extension."""
    document, binary, _image, _png = _relic_base_colour()
    texture = document["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"]["index"]
    padding = bytes(-len(binary) % 4)
    document["bufferViews"].append(
        {"buffer": 0, "byteOffset": len(binary) + len(padding), "byteLength": len(ktx2)}
    )
    document["images"].append({"bufferView": len(document["bufferViews"]) - 1, "mimeType": mime})
    binary = binary + padding + ktx2
    document["buffers"][0]["byteLength"] = len(binary)
    del document["textures"][texture]["source"]
    document["textures"][texture]["extensions"] = {
        extension: {"source": len(document["images"]) - 1}
    }
    for key in ("extensionsUsed", "extensionsRequired"):
        document[key] = [*document.get(key, []), extension]
    return _write_glb(tmp_path / "relic-ktx2.glb", document, binary)


def test_a_ktx2_texture_decodes_close_to_its_original(tmp_path: Path) -> None:
    _document, _binary, _image, png = _relic_base_colour()
    ktx2 = alktx2.encode_bytes_to_ktx2(png, mime="image/png", codec="uastc", quality=90)
    source = _with_ktx2(tmp_path, ktx2)
    out = tmp_path / "out"
    out.mkdir()
    decoded, _ = _decoded(source, out)
    texture = decoded.json["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"]["index"]
    image = decoded.json["images"][decoded.json["textures"][texture]["source"]]
    assert image["mimeType"] == "image/png"
    view = decoded.json["bufferViews"][image["bufferView"]]
    start = view.get("byteOffset", 0)
    got = Image.open(io.BytesIO(decoded.bin[start : start + view["byteLength"]]))
    want = Image.open(io.BytesIO(png)).convert("RGB")
    assert got.size == want.size
    error = np.abs(np.asarray(got.convert("RGB"), float) - np.asarray(want, float)).mean()
    assert error < 6.0, error  # of 255: UASTC is near-lossless


def test_a_webp_only_texture_decodes_to_png(tmp_path: Path) -> None:
    """EXT_texture_webp as a required extension (what ``museion optimize
    --texture-format webp`` writes): the renderer gets the same pixels as PNG."""
    _document, _binary, _image, png = _relic_base_colour()
    want = Image.open(io.BytesIO(png)).convert("RGB")
    webp = io.BytesIO()
    want.save(webp, "WEBP", lossless=True)
    source = _with_ktx2(tmp_path, webp.getvalue(), "image/webp", "EXT_texture_webp")
    assert validate_gltf(source.parent, source.name).valid
    out = tmp_path / "out"
    out.mkdir()
    decoded, _ = _decoded(source, out)
    assert "EXT_texture_webp" not in decoded.json.get("extensionsUsed", [])
    texture = decoded.json["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"]["index"]
    image = decoded.json["images"][decoded.json["textures"][texture]["source"]]
    view = decoded.json["bufferViews"][image["bufferView"]]
    start = view.get("byteOffset", 0)
    got = Image.open(io.BytesIO(decoded.bin[start : start + view["byteLength"]]))
    assert image["mimeType"] == "image/png" and got.format == "PNG"
    assert np.array_equal(np.asarray(got.convert("RGB")), np.asarray(want))


def test_a_ktx2_header_claiming_a_huge_texture_is_refused_before_decoding(
    tmp_path: Path,
) -> None:
    _document, _binary, _image, png = _relic_base_colour()
    ktx2 = bytearray(alktx2.encode_bytes_to_ktx2(png, mime="image/png"))
    struct.pack_into("<II", ktx2, 20, 100_000, 100_000)
    source = _with_ktx2(tmp_path, bytes(ktx2))
    with pytest.raises(AssetRejected) as caught:
        decode_to_glb(source)
    assert caught.value.code in ("IMAGE_TOO_LARGE", "DECODE_TOO_LARGE")
    assert caught.value.pointer.startswith("/images/")


def test_a_corrupted_ktx2_texture_is_rejected(tmp_path: Path) -> None:
    _document, _binary, _image, png = _relic_base_colour()
    ktx2 = bytearray(alktx2.encode_bytes_to_ktx2(png, mime="image/png"))
    ktx2[80:] = bytes(len(ktx2) - 80)
    with pytest.raises(AssetRejected) as caught:
        decode_to_glb(_with_ktx2(tmp_path, bytes(ktx2)))
    assert caught.value.code == "DECODE_FAILED"


# -- nothing to decode, hostile declarations, corrupted streams -----------------------


def test_a_file_without_decoded_extensions_is_loaded_as_it_is() -> None:
    assert decode_to_glb(ASSETS / "relic.glb") is None


@needs_corpus
def test_a_plain_corpus_model_needs_no_decoding() -> None:
    assert decode_to_glb(CORPUS / "valid/Fox/Fox.glb") is None


def _fox_parts() -> tuple[dict[str, Any], bytes]:
    path = CORPUS / "valid/Fox_meshopt_gltfpack/Fox.glb"
    return json.loads(_json_of(path)), _bin_of(path)


def _meshopt_view(document: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = document["bufferViews"][1]["extensions"]["EXT_meshopt_compression"]
    return view


@needs_corpus
def test_a_meshopt_view_declaring_a_huge_decoded_size_is_refused(tmp_path: Path) -> None:
    document, binary = _fox_parts()
    document["bufferViews"][1]["byteLength"] = 2_000_000_000
    _meshopt_view(document)["count"] = 250_000_000
    path = _write_glb(tmp_path / "huge.glb", document, binary)
    with pytest.raises(AssetRejected) as caught:
        decode_to_glb(path, DecodeLimits(max_decoded_bytes=256 * 1024 * 1024))
    assert caught.value.code in ("DECODE_TOO_LARGE", "MESHOPT_INVALID")
    assert caught.value.pointer.startswith("/bufferViews/1")


@needs_corpus
def test_a_meshopt_count_larger_than_its_view_is_refused(tmp_path: Path) -> None:
    document, binary = _fox_parts()
    _meshopt_view(document)["count"] = 100_000
    path = _write_glb(tmp_path / "lying.glb", document, binary)
    with pytest.raises(AssetRejected) as caught:
        decode_to_glb(path)
    assert caught.value.code == "MESHOPT_INVALID"


@needs_corpus
def test_an_accessor_count_over_the_cap_is_refused(tmp_path: Path) -> None:
    document, binary = _fox_parts()
    document["accessors"][0]["count"] = 50_000_000
    path = _write_glb(tmp_path / "many.glb", document, binary)
    with pytest.raises(AssetRejected) as caught:
        decode_to_glb(path)
    assert (caught.value.code, caught.value.pointer) == ("DECODE_TOO_LARGE", "/accessors/0")


@needs_corpus
def test_corrupted_meshopt_bytes_are_rejected(tmp_path: Path) -> None:
    document, binary = _fox_parts()
    ext = _meshopt_view(document)
    start = ext["byteOffset"]
    corrupted = bytearray(binary)
    corrupted[start : start + ext["byteLength"]] = b"\xff" * ext["byteLength"]
    path = _write_glb(tmp_path / "corrupt.glb", document, bytes(corrupted))
    with pytest.raises(AssetRejected) as caught:
        decode_to_glb(path)
    assert caught.value.code == "DECODE_FAILED"
    assert "meshopt" in caught.value.detail


def _draco_copy(tmp_path: Path) -> tuple[Path, dict[str, Any], bytearray, int]:
    """RiggedSimple_Draco copied to ``tmp_path``: path, JSON, BIN, the stream's offset."""
    folder = CORPUS / "valid/RiggedSimple_Draco"
    shutil.copy(folder / "RiggedSimple.gltf", tmp_path)
    document = json.loads((folder / "RiggedSimple.gltf").read_text())
    binary = bytearray((folder / "RiggedSimple0.bin").read_bytes())
    ext = document["meshes"][0]["primitives"][0]["extensions"]["KHR_draco_mesh_compression"]
    view = document["bufferViews"][ext["bufferView"]]
    return tmp_path / "RiggedSimple.gltf", document, binary, view.get("byteOffset", 0)


@needs_corpus
def test_a_draco_header_claiming_more_faces_than_the_accessors_is_refused(
    tmp_path: Path,
) -> None:
    path, _document, binary, start = _draco_copy(tmp_path)
    # Edgebreaker 2.2: header (11 bytes), traversal type, encoded vertices, then the face
    # count as a varint: claim 2^28 faces (the stream keeps its length).
    assert binary[start : start + 5] == b"DRACO" and binary[start + 8] == 1
    vertices_end = start + 12
    while binary[vertices_end] & 0x80:
        vertices_end += 1
    binary[vertices_end + 1 : vertices_end + 3] = b"\xff\xff"  # 0x3fff.. more faces
    (tmp_path / "RiggedSimple0.bin").write_bytes(bytes(binary))
    with pytest.raises(AssetRejected) as caught:
        decode_to_glb(path)
    assert caught.value.code == "DRACO_COUNT_MISMATCH", caught.value


@needs_corpus
def test_corrupted_draco_bytes_are_rejected(tmp_path: Path) -> None:
    path, _document, binary, start = _draco_copy(tmp_path)
    binary[start + 30 : start + 400] = bytes(370)
    (tmp_path / "RiggedSimple0.bin").write_bytes(bytes(binary))
    with pytest.raises(AssetRejected) as caught:
        decode_to_glb(path)
    assert caught.value.code in ("DECODE_FAILED", "DRACO_COUNT_MISMATCH", "DRACO_INVALID")


_FUZZ = """
import json, random, shutil, struct, sys
from pathlib import Path
from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.decode import decode_to_glb
corpus, work = Path(sys.argv[1]), Path(sys.argv[2])
cases = [("RiggedSimple_Draco", "RiggedSimple0.bin", "RiggedSimple.gltf"),
         ("Fox_meshopt_gltfpack", "Fox.glb", "Fox.glb")]
outcomes = {}
for folder, target, entry in cases:
    for seed in range(150):
        case = work / f"{folder}-{seed}"
        shutil.copytree(corpus / folder, case)
        data = bytearray((case / target).read_bytes())
        rng = random.Random(seed)
        # Leave the GLB's JSON alone: the streams are the target.
        low = 28 + struct.unpack_from("<I", data, 12)[0] if target.endswith(".glb") else 0
        for _ in range(rng.randint(1, 12)):
            data[rng.randrange(low, len(data))] = rng.randrange(256)
        (case / target).write_bytes(bytes(data))
        try:
            decode_to_glb(case / entry)
            key = "decoded"
        except AssetRejected as exc:
            key = exc.code
        outcomes[key] = outcomes.get(key, 0) + 1
        shutil.rmtree(case)
print(json.dumps(outcomes))
"""


@needs_corpus
def test_randomly_corrupted_streams_never_crash_the_decoding_process(tmp_path: Path) -> None:
    """300 corrupted Draco and meshopt files in a child process: each is decoded or
    rejected with a code; the process neither crashes nor raises anything else."""
    run = subprocess.run(
        [sys.executable, "-c", _FUZZ, str(CORPUS / "valid"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    outcomes = json.loads(run.stdout.splitlines()[-1])
    assert sum(outcomes.values()) == 300
    assert "INVALID_JSON" not in outcomes, outcomes
    assert set(outcomes) - {"decoded"}, outcomes  # corruption is noticed, at least sometimes
