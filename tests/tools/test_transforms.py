"""The optimize transforms on small documents built here: what a user checks is fewer
bytes, triangles or vertices, the same bounds, metadata intact, and a file the gate passes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from museion.scenes.gltf.decode import decode_to_glb
from museion.scenes.gltf.gate import read_gltf, validate_gltf
from museion.scenes.gltf.report import GltfInvalid
from museion.tools.gltf_document import (
    Array,
    GltfDocument,
    OptimizeError,
    read_document,
    write_document,
)
from museion.tools.transform_compress import draco, meshopt
from museion.tools.transform_geometry import (
    QuantizeOptions,
    WeldOptions,
    quantize,
    reorder,
    weld,
)
from museion.tools.transform_prune import PruneOptions, dedup, prune
from museion.tools.transform_simplify import SimplifyOptions, simplify
from museion.tools.transform_textures import TextureOptions, textures
from museion.tools.transforms import OptimizeOptions, optimize
from tests.conftest import CORPUS

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)"
)


def _sphere(rings: int = 40, segments: int = 60) -> tuple[Array, Array, Array, Array]:
    """A UV sphere: positions, normals, texcoords (a seam where u wraps), triangles."""
    theta = np.linspace(0, np.pi, rings + 1)
    phi = np.linspace(0, 2 * np.pi, segments + 1)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    normals = np.stack([np.sin(t) * np.cos(p), np.cos(t), np.sin(t) * np.sin(p)], -1)
    uv = np.stack([p / (2 * np.pi), t / np.pi], -1)
    grid = np.arange((rings + 1) * (segments + 1)).reshape(rings + 1, segments + 1)
    a, b = grid[:-1, :-1].ravel(), grid[:-1, 1:].ravel()
    c, d = grid[1:, :-1].ravel(), grid[1:, 1:].ravel()
    faces = np.concatenate([np.stack([a, c, b], 1), np.stack([b, c, d], 1)])
    positions = normals * 2.0 + [10.0, 0.0, -3.0]
    return (
        positions.reshape(-1, 3).astype(np.float32),
        normals.reshape(-1, 3).astype(np.float32),
        uv.reshape(-1, 2).astype(np.float32),
        faces.astype(np.uint32),
    )


def _png(width: int, height: int, seed: int = 1) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.random((height, width, 3)) * 40 + np.linspace(0, 200, width)[None, :, None]
    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


XMP = {
    "@context": {"dc": "http://purl.org/dc/elements/1.1/"},
    "dc:title": {"@type": "rdf:Alt", "rdf:_1": {"@language": "zh", "@value": "青铜壶"}},
    "dc:rights": "CC-BY-4.0, Museum of Example",
}


def _document(*, split: bool = False, image: bytes | None = None) -> GltfDocument:
    """One sphere on one node, with metadata everywhere a museum puts it; ``split`` gives
    every triangle its own three vertices (what a naive exporter writes)."""
    positions, normals, uv, faces = _sphere()
    doc = GltfDocument(
        json={
            "asset": {
                "version": "2.0",
                "copyright": "© 2024 Museum of Example",
                "extras": {"accession": "1987.12.3"},
            },
            "extensionsUsed": ["KHR_xmp_json_ld"],
            "extensions": {"KHR_xmp_json_ld": {"packets": [XMP]}},
            "scene": 0,
            "scenes": [{"nodes": [0], "name": "hall", "extras": {"room": 3}}],
            "nodes": [
                {
                    "mesh": 0,
                    "name": "vessel",
                    "translation": [0.0, 1.0, 0.0],
                    "extras": {"inventory": "A-17"},
                    "extensions": {"KHR_xmp_json_ld": {"packet": 0}},
                }
            ],
            "meshes": [
                {
                    "name": "vessel mesh",
                    "extras": {"scan": "photogrammetry"},
                    "extensions": {"KHR_xmp_json_ld": {"packet": 0}},
                    "primitives": [
                        {
                            "attributes": {"POSITION": 0, "NORMAL": 1, "TEXCOORD_0": 2},
                            "indices": 3,
                            "material": 0,
                        }
                    ],
                }
            ],
            "materials": [
                {
                    "name": "bronze",
                    "extras": {"alloy": "Cu-Sn"},
                    "extensions": {"KHR_xmp_json_ld": {"packet": 0}},
                    "pbrMetallicRoughness": {"metallicFactor": 1.0},
                }
            ],
            "accessors": [
                {"componentType": 5126, "count": 0, "type": "VEC3", "min": [], "max": []},
                {"componentType": 5126, "count": 0, "type": "VEC3"},
                {"componentType": 5126, "count": 0, "type": "VEC2", "name": "uv"},
                {"componentType": 5125, "count": 0, "type": "SCALAR"},
            ],
        },
        arrays=[positions, normals, uv, faces.reshape(-1, 1)],
    )
    if split:
        corners = faces.reshape(-1)
        doc.arrays = [positions[corners], normals[corners], uv[corners], None]
        doc.json["accessors"].pop()
        doc.arrays.pop()
        del doc.json["meshes"][0]["primitives"][0]["indices"]
    if image is not None:
        doc.json["images"] = [{"mimeType": "image/png", "name": "patina", "extras": {"k": 1}}]
        doc.json["textures"] = [{"source": 0, "sampler": 0}]
        doc.json["samplers"] = [{"magFilter": 9729}]
        doc.json["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"] = {"index": 0}
        doc.images = [image]
    return doc


def _metadata(document: dict[str, Any]) -> Any:
    """Every name, extras and XMP packet or reference of a glTF's JSON."""
    found = {
        "asset": {k: document["asset"].get(k) for k in ("copyright", "extras")},
        "packets": document.get("extensions", {}).get("KHR_xmp_json_ld"),
    }
    for kind in ("scenes", "nodes", "meshes", "materials", "images"):
        found[kind] = [
            {k: e.get(k) for k in ("name", "extras")}
            | {"xmp": e.get("extensions", {}).get("KHR_xmp_json_ld")}
            for e in document.get(kind, [])
        ]
    return found


def _written(doc: GltfDocument, tmp_path: Path, name: str = "out.glb") -> tuple[Path, int]:
    path = tmp_path / name
    size = write_document(doc, path)
    report = validate_gltf(tmp_path, name)
    assert report.valid, [str(i) for i in report.errors]
    return path, size


def _world_positions(doc: GltfDocument) -> Array:
    """Every drawn vertex in world space: dequantized, through the node transforms."""
    out = []
    accessors = doc.list("accessors")

    def visit(index: int, parent: Array) -> None:
        node = doc.list("nodes")[index]
        if "matrix" in node:
            local = np.array(node["matrix"], dtype=np.float64).reshape(4, 4).T
        else:
            x, y, z, w = node.get("rotation", [0, 0, 0, 1])
            rotation = np.array(
                [
                    [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                    [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                    [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
                ]
            )
            local = np.eye(4)
            local[:3, :3] = rotation * np.array(node.get("scale", [1, 1, 1]))[None, :]
            local[:3, 3] = node.get("translation", [0, 0, 0])
        world = parent @ local
        if "mesh" in node:
            for primitive in doc.list("meshes")[node["mesh"]]["primitives"]:
                index_ = primitive["attributes"]["POSITION"]
                data = doc.array(index_).astype(np.float64)
                if accessors[index_].get("normalized"):
                    data /= np.iinfo(doc.array(index_).dtype).max
                out.append(data @ world[:3, :3].T + world[:3, 3])
        for child in node.get("children", []):
            visit(child, world)

    for root in doc.list("scenes")[doc.json.get("scene", 0)]["nodes"]:
        visit(root, np.eye(4))
    return np.concatenate(out)


def _bounds(doc: GltfDocument) -> Array:
    world = _world_positions(doc)
    return np.stack([world.min(0), world.max(0)])


def test_a_document_round_trips_through_glb_and_gltf(tmp_path: Path) -> None:
    doc = _document(image=_png(64, 32))
    glb, _ = _written(doc, tmp_path, "vessel.glb")
    gltf, _ = _written(doc, tmp_path, "vessel.gltf")
    assert (tmp_path / "vessel.bin").is_file()
    for path in (glb, gltf):
        again = read_document(path)
        np.testing.assert_array_equal(again.array(0), doc.array(0))
        assert again.images == doc.images
        assert _metadata(again.json) == _metadata(doc.json)


def test_weld_merges_split_vertices_and_keeps_the_shape(tmp_path: Path) -> None:
    doc = _document(split=True)
    bounds = _bounds(doc)
    triangles = doc.triangle_count()
    stats = weld(doc)
    assert stats.counts["vertices_before"] == triangles * 3
    # 41 x 61 grid points; the poles and the seam stay split where their UVs differ.
    assert stats.counts["vertices_after"] == 41 * 61
    assert doc.triangle_count() == triangles
    np.testing.assert_allclose(_bounds(doc), bounds)
    prune(doc)
    _written(doc, tmp_path)


def test_weld_with_tolerance_merges_nearly_equal_positions() -> None:
    doc = _document(split=True)
    positions = doc.array(0).copy()
    positions += np.random.default_rng(3).normal(0, 1e-6, positions.shape).astype(np.float32)
    doc.arrays[0] = positions
    assert weld(doc).counts["vertices_after"] > 0.99 * len(positions)
    # Rounding to a grid of the tolerance: a few pairs fall either side of a grid line.
    assert 41 * 61 <= weld(doc, WeldOptions(tolerance=1e-4)).counts["vertices_after"] <= 2600


def test_prune_drops_what_nothing_uses_but_keeps_metadata() -> None:
    doc = _document()
    doc.json["materials"].append({"name": "unused"})
    doc.json["materials"].append({"name": "catalogued", "extras": {"keep": True}})
    doc.json["meshes"].append({"primitives": [{"attributes": {"POSITION": 0}, "material": 1}]})
    doc.json["nodes"].append({"name": "stray", "mesh": 1})
    doc.json["accessors"].append({"componentType": 5126, "count": 0, "type": "SCALAR"})
    doc.arrays.append(np.zeros((5, 1), np.float32))
    stats = prune(doc)
    assert stats.counts == {"nodes": 1, "meshes": 1, "materials": 1, "accessors": 1}
    assert [m["name"] for m in doc.json["materials"]] == ["bronze", "catalogued"]
    assert doc.json["meshes"][0]["primitives"][0]["material"] == 0
    stats = prune(doc, PruneOptions(keep_extras=False))
    assert [m["name"] for m in doc.json["materials"]] == ["bronze"]


def test_dedup_merges_identical_content_but_not_different_names() -> None:
    doc = _document()
    doc.json["accessors"].append(dict(doc.json["accessors"][1]))
    doc.arrays.append(doc.array(1).copy())
    doc.json["materials"] += [dict(doc.json["materials"][0]), {"name": "other"}]
    doc.json["meshes"][0]["primitives"].append(
        {"attributes": {"POSITION": 0, "NORMAL": 4}, "indices": 3, "material": 1}
    )
    doc.json["meshes"][0]["primitives"].append(
        {"attributes": {"POSITION": 0}, "indices": 3, "material": 2}
    )
    stats = dedup(doc)
    assert stats.counts == {"accessors": 1, "materials": 1}
    _, second, third = doc.json["meshes"][0]["primitives"]
    assert second == {"attributes": {"POSITION": 0, "NORMAL": 1}, "indices": 3, "material": 0}
    assert third["material"] == 1
    assert [m["name"] for m in doc.json["materials"]] == ["bronze", "other"]


def test_simplify_to_a_ratio_keeps_bounds_and_seams(tmp_path: Path) -> None:
    doc = _document()
    bounds = _bounds(doc)
    before = doc.triangle_count()
    seam = {tuple(p) for p in doc.array(0)[doc.array(2)[:, 0] == 1.0].round(5)}
    stats = simplify(doc, SimplifyOptions(ratio=0.5))
    after = doc.triangle_count()
    assert after == stats.counts["triangles_after"]
    assert 0.4 * before <= after <= 0.55 * before
    extent = float(np.ptp(bounds, axis=0).max())
    np.testing.assert_allclose(_bounds(doc), bounds, atol=0.02 * extent)
    primitive = doc.json["meshes"][0]["primitives"][0]
    kept = doc.array(primitive["attributes"]["POSITION"])
    uv = doc.array(primitive["attributes"]["TEXCOORD_0"])
    # The seam (u = 1) is a border to the simplifier, locked: every seam vertex is still there.
    assert {tuple(p) for p in kept[uv[:, 0] == 1.0].round(5)} == seam
    prune(doc)
    _written(doc, tmp_path)


def test_simplify_within_an_error_stays_within_it() -> None:
    doc = _document()
    before = doc.triangle_count()
    stats = simplify(doc, SimplifyOptions(error=0.01))
    assert doc.triangle_count() < before
    assert stats.counts["error_per_million"] <= 10_000
    tighter = _document()
    simplify(tighter, SimplifyOptions(error=0.001))
    assert tighter.triangle_count() > doc.triangle_count()


def test_reorder_keeps_every_triangle() -> None:
    doc = _document()

    def triangles(d: GltfDocument) -> set[tuple[tuple[float, ...], ...]]:
        primitive = d.json["meshes"][0]["primitives"][0]
        positions = d.array(primitive["attributes"]["POSITION"])
        faces = d.array(primitive["indices"]).reshape(-1, 3)
        return {tuple(sorted(tuple(positions[i]) for i in face)) for face in faces}

    before = triangles(doc)
    assert reorder(doc).counts == {"primitives": 1}
    assert triangles(doc) == before


def test_quantize_shrinks_vertices_and_keeps_bounds(tmp_path: Path) -> None:
    doc = _document()
    bounds = _bounds(doc)
    _, plain = _written(doc, tmp_path, "plain.glb")
    stats = quantize(doc, QuantizeOptions())
    assert stats.counts == {"positions": 1, "normals": 1, "texcoords": 1}
    prune(doc)
    path, small = _written(doc, tmp_path, "small.glb")
    assert small < 0.75 * plain  # 32 bytes a vertex down to 16; the indices are unchanged
    assert "KHR_mesh_quantization" in doc.json["extensionsRequired"]
    step = float(np.ptp(bounds, axis=0).max()) / (2**14 - 1)
    again = read_document(path)
    np.testing.assert_allclose(_bounds(again), bounds, atol=step)
    primitive = again.json["meshes"][0]["primitives"][0]["attributes"]
    assert again.array(primitive["POSITION"]).dtype == np.uint16
    assert again.array(primitive["NORMAL"]).dtype == np.int8


def test_quantize_adds_a_child_node_when_the_node_has_children(tmp_path: Path) -> None:
    doc = _document()
    doc.json["nodes"].append({"name": "label anchor", "translation": [0.0, 3.0, 0.0]})
    doc.json["nodes"][0]["children"] = [1]
    bounds = _bounds(doc)
    anchor = doc.json["nodes"][1]
    quantize(doc)
    assert doc.json["nodes"][0]["translation"] == [0.0, 1.0, 0.0]
    assert doc.json["nodes"][1] == anchor
    assert len(doc.json["nodes"]) == 3 and "mesh" in doc.json["nodes"][2]
    np.testing.assert_allclose(_bounds(doc), bounds, atol=1e-3)
    _written(doc, tmp_path)


@pytest.mark.parametrize("codec", ["meshopt", "draco"])
def test_compressed_output_is_smaller_and_decodes(codec: str, tmp_path: Path) -> None:
    doc = _document()
    bounds = _bounds(doc)
    _, plain = _written(doc, tmp_path, "plain.glb")
    if codec == "meshopt":
        reorder(doc)
        quantize(doc)
        meshopt(doc)
    else:
        draco(doc)
    prune(doc)
    path, packed = _written(doc, tmp_path, f"{codec}.glb")
    assert packed < 0.35 * plain
    extension = {"meshopt": "EXT_meshopt_compression", "draco": "KHR_draco_mesh_compression"}
    assert extension[codec] in read_gltf(tmp_path, path.name).document["extensionsRequired"]
    decoded = decode_to_glb(path)
    assert decoded is not None
    (tmp_path / "decoded.glb").write_bytes(decoded)
    assert validate_gltf(tmp_path, "decoded.glb").valid
    extent = float(np.ptp(bounds, axis=0).max())
    np.testing.assert_allclose(
        _bounds(read_document(tmp_path / "decoded.glb")), bounds, atol=1e-3 * extent
    )


def test_textures_resize_keeping_aspect_and_powers_of_two(tmp_path: Path) -> None:
    doc = _document(image=_png(1024, 512))
    stats = textures(doc, TextureOptions(max_size=256))
    assert stats.counts["resized"] == 1
    with Image.open(io.BytesIO(doc.images[0])) as image:
        assert image.size == (256, 128)
        assert image.format == "PNG"
    _written(doc, tmp_path)


def test_textures_to_webp(tmp_path: Path) -> None:
    doc = _document(image=_png(300, 200))
    textures(doc, TextureOptions(format="webp"))
    texture = doc.json["textures"][0]
    assert "source" not in texture
    webp = texture["extensions"]["EXT_texture_webp"]["source"]
    assert doc.images[webp][:4] == b"RIFF"
    assert "EXT_texture_webp" in doc.json["extensionsRequired"]
    _written(doc, tmp_path)


def test_textures_to_webp_with_a_png_fallback(tmp_path: Path) -> None:
    doc = _document(image=_png(300, 200))
    textures(doc, TextureOptions(format="webp", webp_fallback=True))
    texture = doc.json["textures"][0]
    assert doc.json["images"][texture["source"]]["mimeType"] == "image/png"
    webp = texture["extensions"]["EXT_texture_webp"]["source"]
    assert doc.images[webp][:4] == b"RIFF"
    assert "EXT_texture_webp" in doc.json["extensionsUsed"]
    assert "EXT_texture_webp" not in doc.json.get("extensionsRequired", [])
    _written(doc, tmp_path)


def test_textures_to_ktx2(tmp_path: Path) -> None:
    doc = _document(image=_png(128, 64))
    doc.json["materials"][0]["normalTexture"] = {"index": 0}
    textures(doc, TextureOptions(format="ktx2"))
    texture = doc.json["textures"][0]
    assert "source" not in texture
    image = texture["extensions"]["KHR_texture_basisu"]["source"]
    assert doc.images[image][:12] == b"\xabKTX 20\xbb\r\n\x1a\n"
    assert doc.json["images"][image]["mimeType"] == "image/ktx2"
    path, _ = _written(doc, tmp_path)
    assert decode_to_glb(path) is not None


def test_the_whole_pipeline_keeps_every_piece_of_metadata(tmp_path: Path) -> None:
    doc = _document(split=True, image=_png(512, 512))
    expected = _metadata(json.loads(json.dumps(doc.json)))
    options = OptimizeOptions(
        simplify=SimplifyOptions(ratio=0.5), textures=TextureOptions(max_size=128, format="webp")
    )
    steps = optimize(doc, options)
    assert [s.stats.name for s in steps] == [
        "dedup",
        "prune",
        "weld",
        "simplify",
        "reorder",
        "quantize",
        "textures",
        "meshopt",
        "prune",
    ]
    path, _ = _written(doc, tmp_path)
    written = read_document(path).json
    found = _metadata(written)
    # The WebP copy is a new image: the original keeps its name and extras.
    assert found["images"][0] == expected["images"][0]
    found["images"] = found["images"][:1]
    assert found == expected


def test_a_refused_file_raises_the_gates_report(tmp_path: Path) -> None:
    bad = tmp_path / "escape.gltf"
    bad.write_text(json.dumps({"asset": {"version": "2.0"}, "buffers": [{"uri": "../x.bin"}]}))
    with pytest.raises(GltfInvalid) as refused:
        read_document(bad)
    assert "URI_OUTSIDE_FOLDER" in refused.value.report.codes()


def test_an_unknown_output_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OptimizeError) as refused:
        write_document(_document(), tmp_path / "out.obj")
    assert refused.value.code == "OUTPUT_SUFFIX"


@needs_corpus
@pytest.mark.parametrize(
    "name",
    [
        "Fox/Fox.glb",
        "Avocado_Quantized/Avocado.gltf",
        "CesiumMilkTruck/CesiumMilkTruck.gltf",
        "Fox_meshopt_gltfpack/Fox.glb",
        "SimpleSparseAccessor/SimpleSparseAccessor.gltf",
    ],
)
def test_corpus_models_optimize_to_files_the_gate_accepts(name: str, tmp_path: Path) -> None:
    doc = read_document(CORPUS / "valid" / name)
    bounds = _bounds(doc)
    optimize(doc)
    path, _ = _written(doc, tmp_path)
    decoded = decode_to_glb(path)
    assert decoded is not None
    (tmp_path / "plain.glb").write_bytes(decoded)
    assert validate_gltf(tmp_path, "plain.glb").valid
    extent = float(np.ptp(bounds, axis=0).max())
    np.testing.assert_allclose(_bounds(read_document(path)), bounds, atol=1e-3 * extent)
