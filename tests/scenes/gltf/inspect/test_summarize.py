"""The glTF summary: counts checked against an independent decode of the same files.

The truth is computed here with pygltflib and numpy by decoding index and position data
(and, for Draco, by decompressing with DracoPy), never by reading the accessor counts the
summary itself uses.
"""

from __future__ import annotations

import base64
import io
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import alktx2
import DracoPy
import numpy as np
import pygltflib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from museion.scenes.gltf.gate import read_gltf
from museion.scenes.gltf.images import image_footprint
from museion.scenes.gltf.inspect import GltfSummary, inspect_gltf, summarize_source
from tests.conftest import ASSETS, CORPUS
from tests.gltf_fixtures import position_accessor, write_gltf
from tests.scenes.gltf.accessors.documents import DTYPES

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)"
)

_WIDTHS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}


# -- the independent truth ----------------------------------------------------------------


@dataclass
class Truth:
    triangles: int = 0
    vertices: int = 0
    unique_triangles: int = 0
    unique_vertices: int = 0
    draw_calls: int = 0


def _blobs(gltf: pygltflib.GLTF2, folder: Path) -> list[bytes]:
    blobs = []
    for buffer in gltf.buffers:
        if buffer.uri is None:
            blobs.append(gltf.binary_blob())
        elif buffer.uri.startswith("data:"):
            blobs.append(base64.b64decode(buffer.uri.split(",", 1)[1]))
        else:
            blobs.append((folder / buffer.uri).read_bytes())
    return blobs


def _decode(gltf: pygltflib.GLTF2, blobs: list[bytes], index: int) -> np.ndarray:
    """The accessor's elements as an (N, width) array, read from its buffer bytes."""
    accessor = gltf.accessors[index]
    width = _WIDTHS[accessor.type]
    dtype = np.dtype(DTYPES[accessor.componentType])
    if accessor.bufferView is None:  # all zeros (sparse values are not needed to count)
        return np.zeros((accessor.count, width), dtype)
    view = gltf.bufferViews[accessor.bufferView]
    start = (view.byteOffset or 0) + (accessor.byteOffset or 0)
    stride = view.byteStride or width * dtype.itemsize
    data = blobs[view.buffer]
    rows = (len(data) - start - width * dtype.itemsize) // stride + 1
    table = np.ndarray(
        (rows, width), dtype, buffer=data, offset=start, strides=(stride, dtype.itemsize)
    )
    return table[: accessor.count]


def _draco(gltf: pygltflib.GLTF2, blobs: list[bytes], primitive: Any) -> tuple[int, int]:
    """(triangles, vertices) of a Draco primitive, decompressed."""
    ext = primitive.extensions["KHR_draco_mesh_compression"]
    view = gltf.bufferViews[ext["bufferView"]]
    offset = view.byteOffset or 0
    mesh = DracoPy.decode(blobs[view.buffer][offset : offset + view.byteLength])
    return len(mesh.faces), len(mesh.points)


def _primitive_truth(gltf: pygltflib.GLTF2, blobs: list[bytes], primitive: Any) -> tuple[int, int]:
    if primitive.extensions and "KHR_draco_mesh_compression" in primitive.extensions:
        return _draco(gltf, blobs, primitive)
    positions = len(_decode(gltf, blobs, primitive.attributes.POSITION))
    drawn = positions if primitive.indices is None else _decode(gltf, blobs, primitive.indices).size
    mode = 4 if primitive.mode is None else primitive.mode
    triangles = {4: drawn // 3, 5: max(drawn - 2, 0), 6: max(drawn - 2, 0)}.get(mode, 0)
    return triangles, positions


def truth(path: Path) -> Truth:
    """Triangles, vertices and draw calls of the default scene, by decoding the data."""
    gltf = pygltflib.GLTF2().load(str(path))
    blobs = _blobs(gltf, path.parent)
    per_mesh = []
    for mesh in gltf.meshes:
        counts = [_primitive_truth(gltf, blobs, p) for p in mesh.primitives]
        per_mesh.append((sum(c[0] for c in counts), sum(c[1] for c in counts), len(counts)))
    uses = [0] * len(gltf.meshes)

    def visit(node: int) -> None:
        if gltf.nodes[node].mesh is not None:
            uses[gltf.nodes[node].mesh] += 1
        for child in gltf.nodes[node].children or []:
            visit(child)

    for root in gltf.scenes[gltf.scene or 0].nodes:
        visit(root)
    result = Truth()
    for (triangles, vertices, primitives), count in zip(per_mesh, uses, strict=True):
        result.triangles += triangles * count
        result.vertices += vertices * count
        result.draw_calls += primitives * count
        if count:
            result.unique_triangles += triangles
            result.unique_vertices += vertices
    return result


def _summary(path: Path) -> GltfSummary:
    inspection = inspect_gltf(path.parent, path.name)
    assert inspection.report.valid, [str(i) for i in inspection.report.errors]
    assert inspection.summary is not None
    return inspection.summary


def _assert_counts(summary: GltfSummary, expected: Truth) -> None:
    assert summary.triangles == expected.triangles
    assert summary.vertices == expected.vertices
    assert summary.unique_triangles == expected.unique_triangles
    assert summary.unique_vertices == expected.unique_vertices
    assert summary.draw_calls == expected.draw_calls


def _example_models() -> list[str]:
    document = json.loads((ASSETS / "example.scene.json").read_text())
    names = {document["venue"], document["pedestal_asset"], "relic.glb"}
    names.update(e["asset"] for e in document["exhibits"])
    return sorted(names)


# -- the sample relics ----------------------------------------------------------------------


@pytest.mark.parametrize("name", _example_models())
def test_example_models_counts_match_their_decoded_data(name: str) -> None:
    _assert_counts(_summary(ASSETS / name), truth(ASSETS / name))


def test_relic_summary_in_full() -> None:
    summary = _summary(ASSETS / "relic.glb")
    assert summary.container == "GLB"
    assert summary.file_bytes == (ASSETS / "relic.glb").stat().st_size
    assert summary.triangles == 50_000  # the generator's figure (tools/samples/relic.py)
    (tree,) = summary.scenes
    assert [(n.name, n.mesh, n.depth) for n in tree.nodes] == [("relic", 0, 0)]
    (mesh,) = summary.meshes
    assert (mesh.name, mesh.instances, mesh.modes, mesh.compression) == (
        "vessel",
        1,
        ("TRIANGLES",),
        (),
    )
    (material,) = summary.materials
    assert material.alpha_mode == "OPAQUE"
    assert {s.slot for s in material.textures} == {"baseColor", "metallicRoughness", "normal"}
    assert summary.metadata.generator == "museion sample_assets"
    assert summary.extensions_used == ()


def test_image_sizes_and_gpu_estimate_match_decoded_pixels() -> None:
    gltf = pygltflib.GLTF2().load(str(ASSETS / "relic.glb"))
    blob = gltf.binary_blob()
    summary = _summary(ASSETS / "relic.glb")
    assert len(summary.images) == len(gltf.images) == 3
    for image, entry in zip(summary.images, gltf.images, strict=True):
        view = gltf.bufferViews[entry.bufferView]
        start = view.byteOffset or 0
        data = blob[start : start + view.byteLength]
        with Image.open(io.BytesIO(data)) as decoded:
            decoded.load()  # every pixel: the truth the header-only reading must match
            width, height = decoded.size
            mime = Image.MIME[decoded.format]
        assert (image.width, image.height, image.mime_type) == (width, height, mime)
        assert image.encoded_bytes == view.byteLength
        # RGBA8 with a full mip chain: 4 bytes a pixel, times 4/3.
        assert image.gpu_bytes == pytest.approx(width * height * 4 * 4 / 3, abs=1)
        assert image.used
    assert summary.gpu_bytes == sum(i.gpu_bytes or 0 for i in summary.images)


# -- made-up files --------------------------------------------------------------------------


def _quad_document(extra_nodes: list[dict[str, Any]] | None = None) -> tuple[dict[str, Any], bytes]:
    """A 4-vertex, 2-triangle quad mesh and a strip of 5 indices (3 triangles)."""
    positions = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], np.float32).tobytes()
    indices = np.array([0, 1, 2, 0, 2, 3], np.uint16).tobytes()
    strip = np.array([0, 1, 3, 2, 0, 0], np.uint16).tobytes()[:10] + b"\0\0"
    blob = positions + indices + strip
    document: dict[str, Any] = {
        "asset": {"version": "2.0", "copyright": "Museum", "extras": {"inventory": "A-1"}},
        "scene": 0,
        "scenes": [{"name": "main", "nodes": [0, 3]}, {"name": "spare", "nodes": [4]}],
        "nodes": [
            {"name": "group", "children": [1, 2], "extras": {"room": 3}},
            {"name": "left", "mesh": 0},
            {"name": "right", "mesh": 0, "translation": [2, 0, 0]},
            {"name": "top", "mesh": 0, "children": [5]},
            {"name": "spare", "mesh": 0},
            {"name": "strip", "mesh": 1},
            *(extra_nodes or []),
        ],
        "meshes": [
            {"name": "quad", "primitives": [{"attributes": {"POSITION": 0}, "indices": 1}]},
            {
                "name": "strip",
                "primitives": [{"attributes": {"POSITION": 0}, "indices": 2, "mode": 5}],
            },
        ],
        "accessors": [
            position_accessor(count=4),
            {"bufferView": 1, "componentType": 5123, "count": 6, "type": "SCALAR"},
            {"bufferView": 2, "componentType": 5123, "count": 5, "type": "SCALAR"},
        ],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": 48},
            {"buffer": 0, "byteOffset": 48, "byteLength": 12},
            {"buffer": 0, "byteOffset": 60, "byteLength": 10},
        ],
    }
    return document, blob


def test_a_mesh_shown_by_three_nodes_counts_three_times(tmp_path: Path) -> None:
    document, blob = _quad_document()
    path = write_gltf(tmp_path, "instanced.gltf", document, blob)
    summary = _summary(path)
    expected = truth(path)
    _assert_counts(summary, expected)
    quad, strip = summary.meshes
    # The quad: nodes left, right and top in the default scene (the spare scene's node
    # does not count); the strip: once, under top.
    assert (quad.instances, quad.triangles, quad.vertices) == (3, 2, 4)
    assert (strip.instances, strip.triangles, strip.modes) == (1, 3, ("TRIANGLE_STRIP",))
    assert (summary.triangles, summary.unique_triangles) == (3 * 2 + 3, 2 + 3)
    assert (summary.vertices, summary.unique_vertices) == (4 * 4, 8)
    assert summary.draw_calls == 4
    assert summary.draw_modes == {"TRIANGLES": 3, "TRIANGLE_STRIP": 1}
    main, spare = summary.scenes
    assert main.default and not spare.default
    assert [(n.name, n.depth) for n in main.nodes] == [
        ("group", 0),
        ("left", 1),
        ("right", 1),
        ("top", 0),
        ("strip", 1),
    ]
    assert summary.metadata.copyright == "Museum"
    assert summary.metadata.asset_extras == {"inventory": "A-1"}
    assert summary.metadata.extras == (("/nodes/0", {"room": 3}),)
    assert summary.buffer_bytes == len(blob)


def test_gpu_instancing_multiplies_instances(tmp_path: Path) -> None:
    document, blob = _quad_document()
    offsets = np.zeros((5, 3), np.float32).tobytes()
    document["accessors"].append(
        {"bufferView": 3, "componentType": 5126, "count": 5, "type": "VEC3"}
    )
    document["bufferViews"].append({"buffer": 0, "byteOffset": len(blob), "byteLength": 60})
    document["nodes"][1]["extensions"] = {
        "EXT_mesh_gpu_instancing": {"attributes": {"TRANSLATION": 3}}
    }
    document["extensionsUsed"] = ["EXT_mesh_gpu_instancing"]
    write_gltf(tmp_path, "gpu.gltf", document, blob + offsets)
    summary = summarize_source(read_gltf(tmp_path, "gpu.gltf"))
    assert summary.meshes[0].instances == 5 + 1 + 1  # left x5, right, top
    assert summary.scenes[0].nodes[1].gpu_instances == 5


def test_ktx2_headers_give_size_levels_and_block_compressed_gpu_memory(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    Image.fromarray(rng.integers(0, 255, (32, 64, 3), np.uint8)).save(tmp_path / "rgb.png")
    Image.fromarray(rng.integers(0, 255, (32, 64, 4), np.uint8)).save(tmp_path / "rgba.png")
    for source, codec, block in (
        ("rgb", "etc1s", 8),  # transcoded to BC1 / ETC1
        ("rgba", "etc1s", 16),  # with alpha: BC3 / ETC2 RGBA
        ("rgb", "uastc", 16),  # BC7 / ASTC 4x4
    ):
        for mipmaps in (False, True):
            out = tmp_path / f"{source}-{codec}.ktx2"
            alktx2.encode_image_to_ktx2(
                str(tmp_path / f"{source}.png"), str(out), codec=codec, mipmaps=mipmaps
            )
            data = out.read_bytes()
            info = alktx2.inspect_ktx2(data)
            header = image_footprint(data)
            assert header is not None
            assert (header.width, header.height, header.levels) == (
                info["width"],
                info["height"],
                info["levels"],
            )
            assert header.encoding == f"KTX2/{codec.upper()}"
            levels = [(max(1, 64 >> i), max(1, 32 >> i)) for i in range(info["levels"])]
            expected = sum(-(-w // 4) * -(-h // 4) * block for w, h in levels)
            assert header.gpu_bytes == expected


def test_basisu_textures_show_their_ktx2_image_and_fallback(tmp_path: Path) -> None:
    document, blob = _quad_document()
    Image.new("RGB", (64, 32), (200, 10, 10)).save(tmp_path / "fallback.png")
    alktx2.encode_image_to_ktx2(str(tmp_path / "fallback.png"), str(tmp_path / "t.ktx2"))
    document["images"] = [
        {"uri": "fallback.png", "mimeType": "image/png"},
        {"uri": "t.ktx2", "mimeType": "image/ktx2"},
    ]
    document["textures"] = [{"source": 0, "extensions": {"KHR_texture_basisu": {"source": 1}}}]
    document["materials"] = [{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}}]
    document["meshes"][0]["primitives"][0]["material"] = 0
    document["extensionsUsed"] = ["KHR_texture_basisu"]
    path = write_gltf(tmp_path, "basisu.gltf", document, blob)
    summary = _summary(path)
    (texture,) = summary.textures
    assert (texture.image, texture.via, texture.fallback) == (1, "KHR_texture_basisu", 0)
    png, ktx2 = summary.images
    assert (ktx2.mime_type, ktx2.width, ktx2.height, ktx2.used) == ("image/ktx2", 64, 32, True)
    assert not png.used  # a renderer with KTX2 uploads the KTX2 image only
    assert summary.gpu_bytes == ktx2.gpu_bytes == 16 * 8 * 8


def test_xmp_packets_and_where_they_are_used(tmp_path: Path) -> None:
    document, blob = _quad_document()
    packet = {"@context": {"dc": "http://purl.org/dc/elements/1.1/"}, "dc:title": "Hu"}
    document["extensions"] = {"KHR_xmp_json_ld": {"packets": [packet]}}
    document["asset"]["extensions"] = {"KHR_xmp_json_ld": {"packet": 0}}
    document["extensionsUsed"] = ["KHR_xmp_json_ld"]
    path = write_gltf(tmp_path, "xmp.gltf", document, blob)
    summary = _summary(path)
    assert summary.metadata.xmp_packets == (packet,)
    assert summary.metadata.xmp_links == (("/asset", 0),)
    assert summary.to_dict()["metadata"]["xmp_links"] == [{"pointer": "/asset", "packet": 0}]


def test_invalid_files_get_the_report_and_no_summary(tmp_path: Path) -> None:
    (tmp_path / "bad.gltf").write_text(
        '{"asset": {"version": "2.0"}, "buffers": [{"uri": "/etc/passwd"}]}'
    )
    inspection = inspect_gltf(tmp_path, "bad.gltf")
    assert inspection.summary is None
    assert "URI_NOT_RELATIVE" in inspection.report.codes()


def test_to_dict_is_json_with_totals() -> None:
    summary = _summary(ASSETS / "relic.glb")
    data = json.loads(json.dumps(summary.to_dict()))
    assert data["totals"] == {
        "triangles": 50_000,
        "vertices": summary.vertices,
        "unique_triangles": 50_000,
        "unique_vertices": summary.vertices,
        "draw_calls": 1,
        "gpu_bytes": summary.gpu_bytes,
    }
    assert data["meshes"][0]["name"] == "vessel"
    assert data["images"][0]["width"] == 1024


# -- the public corpus ----------------------------------------------------------------------


def _corpus_models() -> Iterator[Path]:
    if CORPUS.is_dir():
        yield from sorted((CORPUS / "valid").glob("*/*.gl[tb]*"))


@needs_corpus
@pytest.mark.parametrize("path", list(_corpus_models()), ids=lambda p: p.parent.name)
def test_corpus_models_counts_match_their_decoded_data(path: Path) -> None:
    summary = _summary(path)
    if "meshopt" in path.parent.name:
        # Decoding meshopt is the loader's business: the same fox uncompressed has the
        # same triangles (gltfpack merged its vertices).
        plain = truth(CORPUS / "valid" / "Fox" / "Fox.glb")
        assert summary.triangles == plain.triangles
        assert summary.meshes[0].compression == ("EXT_meshopt_compression",)
        return
    _assert_counts(summary, truth(path))


@needs_corpus
def test_corpus_instanced_and_compressed_models() -> None:
    truck = _summary(CORPUS / "valid" / "CesiumMilkTruck" / "CesiumMilkTruck.gltf")
    wheels = next(m for m in truck.meshes if m.name == "Wheels")
    assert wheels.instances == 2
    assert truck.triangles > truck.unique_triangles
    draco = _summary(CORPUS / "valid" / "RiggedSimple_Draco" / "RiggedSimple.gltf")
    assert draco.meshes[0].compression == ("KHR_draco_mesh_compression",)
    assert "KHR_draco_mesh_compression" in draco.extensions_required
    modes = _summary(CORPUS / "valid" / "MeshPrimitiveModes" / "MeshPrimitiveModes.gltf")
    assert set(modes.draw_modes) == {
        "POINTS",
        "LINES",
        "LINE_LOOP",
        "LINE_STRIP",
        "TRIANGLES",
        "TRIANGLE_STRIP",
        "TRIANGLE_FAN",
    }


# -- hostile documents ----------------------------------------------------------------------

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 8)
    | st.floats(allow_nan=False)
    | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
_keys = st.sampled_from(
    [
        "scene",
        "scenes",
        "nodes",
        "meshes",
        "accessors",
        "bufferViews",
        "buffers",
        "images",
        "textures",
        "materials",
        "extensions",
        "extensionsUsed",
        "asset",
    ]
)
_index = st.integers(-1, 4)
_gltfish = st.fixed_dictionaries(
    {},
    optional={
        "scene": _index,
        "scenes": st.lists(
            st.fixed_dictionaries({"nodes": st.lists(_index | _json, max_size=4)}), max_size=2
        ),
        "nodes": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "children": st.lists(_index, max_size=3),
                    "mesh": _index,
                    "name": _json,
                    "extras": _json,
                },
            ),
            max_size=5,
        ),
        "meshes": st.lists(
            st.fixed_dictionaries(
                {
                    "primitives": st.lists(
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "attributes": st.dictionaries(st.just("POSITION"), _index | _json),
                                "indices": _index | _json,
                                "mode": st.integers(-1, 8) | _json,
                                "material": _index,
                            },
                        )
                        | _json,
                        max_size=3,
                    )
                }
            ),
            max_size=3,
        ),
        "accessors": st.lists(
            st.fixed_dictionaries(
                {}, optional={"count": st.integers(-5, 10**12) | _json, "bufferView": _index}
            ),
            max_size=5,
        ),
        "images": st.lists(
            st.fixed_dictionaries(
                {}, optional={"uri": _json | st.just("x.png"), "bufferView": _index}
            ),
            max_size=3,
        ),
        "textures": st.lists(
            st.fixed_dictionaries({}, optional={"source": _index, "extensions": _json}), max_size=3
        ),
        "materials": st.lists(_json, max_size=3),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_gltfish, noise=st.dictionaries(_keys, _json, max_size=3))
def test_any_document_is_summarised_without_an_exception(
    document: dict[str, Any], noise: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    from museion.scenes.gltf.gate import GltfSource

    folder = tmp_path_factory.getbasetemp() / "fuzz"
    folder.mkdir(exist_ok=True)
    for mixed in (document, {**document, **noise}):
        source = GltfSource(folder / "x.gltf", "x.gltf", 10, mixed, glb_bin=b"\0" * 16)
        summary = summarize_source(source)
        json.dumps(summary.to_dict())  # the --json output is always JSON
        assert summary.triangles >= 0 and summary.draw_calls >= 0


def test_image_footprint_refuses_garbage_and_truncation() -> None:
    assert image_footprint(b"") is None
    assert image_footprint(b"\x89PNG\r\n\x1a\n" + b"\0" * 4) is None
    assert image_footprint(b"\xabKTX 20\xbb\r\n\x1a\n" + b"\0" * 10) is None
    ktx2 = (
        b"\xabKTX 20\xbb\r\n\x1a\n" + struct.pack("<9I", 0, 1, 8, 8, 0, 1, 1, 2**31, 1) + b"\0" * 40
    )
    header = image_footprint(ktx2)  # a forged level count is capped at the full chain
    assert header is not None and header.levels == 4
