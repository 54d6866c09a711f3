"""weld, reorder and quantize: fewer vertices or bytes, the same triangles and bounds;
options out of range are refused where they are made."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from museion.tools.transform.document import GltfDocument, read_document
from museion.tools.transform.geometry import (
    QuantizeOptions,
    ReorderOptions,
    WeldOptions,
    quantize,
    reorder,
    weld,
)
from museion.tools.transform.prune import prune
from tests.tools.transform.documents import (
    sphere_document,
    world_bounds,
    write_checked,
)


def test_weld_merges_split_vertices_and_keeps_the_shape(tmp_path: Path) -> None:
    doc = sphere_document(split=True)
    bounds = world_bounds(doc)
    triangles = doc.triangle_count()
    stats = weld(doc)
    assert stats.counts["vertices_before"] == triangles * 3
    # 41 x 61 grid points; the poles and the seam stay split where their UVs differ.
    assert stats.counts["vertices_after"] == 41 * 61
    assert doc.triangle_count() == triangles
    np.testing.assert_allclose(world_bounds(doc), bounds)
    prune(doc)
    write_checked(doc, tmp_path)


def test_weld_with_tolerance_merges_nearly_equal_positions() -> None:
    doc = sphere_document(split=True)
    positions = doc.array(0).copy()
    positions += np.random.default_rng(3).normal(0, 1e-6, positions.shape).astype(np.float32)
    doc.arrays[0] = positions
    assert weld(doc).counts["vertices_after"] > 0.99 * len(positions)
    # Rounding to a grid of the tolerance: a few pairs fall either side of a grid line.
    assert 41 * 61 <= weld(doc, WeldOptions(tolerance=1e-4)).counts["vertices_after"] <= 2600


def test_reorder_keeps_every_triangle() -> None:
    doc = sphere_document()

    def triangles(d: GltfDocument) -> set[tuple[tuple[float, ...], ...]]:
        primitive = d.json["meshes"][0]["primitives"][0]
        positions = d.array(primitive["attributes"]["POSITION"])
        faces = d.array(primitive["indices"]).reshape(-1, 3)
        return {tuple(sorted(tuple(positions[i]) for i in face)) for face in faces}

    before = triangles(doc)
    assert reorder(doc).counts == {"primitives": 1}
    assert triangles(doc) == before


def test_quantize_shrinks_vertices_and_keeps_bounds(tmp_path: Path) -> None:
    doc = sphere_document()
    bounds = world_bounds(doc)
    _, plain = write_checked(doc, tmp_path, "plain.glb")
    stats = quantize(doc, QuantizeOptions())
    assert stats.counts == {"positions": 1, "normals": 1, "texcoords": 1}
    prune(doc)
    path, small = write_checked(doc, tmp_path, "small.glb")
    assert small < 0.75 * plain  # 32 bytes a vertex down to 16; the indices are unchanged
    assert "KHR_mesh_quantization" in doc.json["extensionsRequired"]
    step = float(np.ptp(bounds, axis=0).max()) / (2**14 - 1)
    again = read_document(path)
    np.testing.assert_allclose(world_bounds(again), bounds, atol=step)
    primitive = again.json["meshes"][0]["primitives"][0]["attributes"]
    assert again.array(primitive["POSITION"]).dtype == np.uint16
    assert again.array(primitive["NORMAL"]).dtype == np.int8


def test_quantize_adds_a_child_node_when_the_node_has_children(tmp_path: Path) -> None:
    doc = sphere_document()
    doc.json["nodes"].append({"name": "label anchor", "translation": [0.0, 3.0, 0.0]})
    doc.json["nodes"][0]["children"] = [1]
    bounds = world_bounds(doc)
    anchor = doc.json["nodes"][1]
    quantize(doc)
    assert doc.json["nodes"][0]["translation"] == [0.0, 1.0, 0.0]
    assert doc.json["nodes"][1] == anchor
    assert len(doc.json["nodes"]) == 3 and "mesh" in doc.json["nodes"][2]
    np.testing.assert_allclose(world_bounds(doc), bounds, atol=1e-3)
    write_checked(doc, tmp_path)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: WeldOptions(tolerance=-0.1), "tolerance"),
        (lambda: WeldOptions(tolerance=float("nan")), "tolerance"),
        (lambda: WeldOptions(tolerance=2.0), "tolerance"),
        (lambda: ReorderOptions(optimize_size=1), "optimize_size"),  # type: ignore[arg-type]
        (lambda: QuantizeOptions(position_bits=17), "position_bits"),
        (lambda: QuantizeOptions(normal_bits=1), "normal_bits"),
        (lambda: QuantizeOptions(texcoord_bits=0), "texcoord_bits"),
        (lambda: QuantizeOptions(color_bits=17), "color_bits"),
        (lambda: QuantizeOptions(octahedral=None), "octahedral"),  # type: ignore[arg-type]
    ],
)
def test_geometry_options_refuse_values_out_of_range(
    make: Callable[[], object], field: str
) -> None:
    with pytest.raises(ValueError, match=rf"\.{field} must be "):
        make()


def test_geometry_options_take_their_edges() -> None:
    assert WeldOptions(tolerance=1).tolerance == 1
    bits = QuantizeOptions(position_bits=16, normal_bits=2, texcoord_bits=16, color_bits=1)
    assert (bits.position_bits, bits.normal_bits, bits.texcoord_bits) == (16, 2, 16)
