"""optimize: every step in its order, every piece of metadata kept, corpus models the
gate accepts afterwards; a step's options are its own options object or None."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from museion.scenes.gltf.decode import decode_to_glb
from museion.scenes.gltf.gate import validate_gltf
from museion.tools.transform.compress import DracoOptions
from museion.tools.transform.document import read_document
from museion.tools.transform.pipeline import OptimizeOptions, optimize
from museion.tools.transform.simplify import SimplifyOptions
from museion.tools.transform.textures import TextureOptions
from tests.conftest import CORPUS
from tests.tools.transform.documents import (
    metadata,
    png,
    sphere_document,
    world_bounds,
    write_checked,
)

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)"
)


def test_the_whole_pipeline_keeps_every_piece_of_metadata(tmp_path: Path) -> None:
    doc = sphere_document(split=True, image=png(512, 512))
    expected = metadata(json.loads(json.dumps(doc.json)))
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
    path, _ = write_checked(doc, tmp_path)
    written = read_document(path).json
    found = metadata(written)
    # The WebP copy is a new image: the original keeps its name and extras.
    assert found["images"][0] == expected["images"][0]
    found["images"] = found["images"][:1]
    assert found == expected


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
    bounds = world_bounds(doc)
    optimize(doc)
    path, _ = write_checked(doc, tmp_path)
    decoded = decode_to_glb(path)
    assert decoded is not None
    (tmp_path / "plain.glb").write_bytes(decoded)
    assert validate_gltf(tmp_path, "plain.glb").valid
    extent = float(np.ptp(bounds, axis=0).max())
    np.testing.assert_allclose(world_bounds(read_document(path)), bounds, atol=1e-3 * extent)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"compress": "zip"}, "compress"),
        ({"dedup": True}, "dedup"),
        ({"simplify": 0.5}, "simplify"),
        ({"textures": TextureOptions, "compress": "none"}, "textures"),
        ({"meshopt": None}, "meshopt"),
        ({"draco": DracoOptions}, "draco"),
    ],
)
def test_optimize_options_refuse_what_is_no_step(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=rf"OptimizeOptions\.{field} must be "):
        OptimizeOptions(**fields)


def test_optimize_options_skip_a_step_with_none() -> None:
    options = OptimizeOptions(dedup=None, prune=None, quantize=None, compress="draco")
    assert options.dedup is None and options.compress == "draco"
