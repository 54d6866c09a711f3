"""A tangent along its normal shades as if there were none (AnimatedMorphCube's +-X faces
carry such tangents: the shader's tangent frame made NaN there, drawn as speckled noise;
issue 19's reference images)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from museion.runtime.preview import PreviewOptions, render_thumbnail
from museion.runtime.settings import RuntimeSettings
from tests.gltf_fixtures import quad, write_gltf

pytestmark = pytest.mark.render


def _quad(folder: Path, tangent: tuple[float, float, float]) -> Path:
    """A grey unit quad facing +Z with the given tangent at every corner (w = 1)."""
    grey = {
        "pbrMetallicRoughness": {
            "baseColorFactor": [0.6, 0.6, 0.6, 1],
            "metallicFactor": 0,
            "roughnessFactor": 0.5,
        }
    }
    name = "along" if tangent == (0, 0, 1) else "across"
    return write_gltf(folder, f"{name}.gltf", *quad(grey, attributes={"TANGENT": (*tangent, 1)}))


def test_a_tangent_along_the_normal_shades_like_a_good_one(tmp_path: Path) -> None:
    settings = RuntimeSettings(load_cache_dir=tmp_path / "cache")
    options = PreviewOptions(yaw=20, pitch=10)
    good, bad = (
        render_thumbnail(_quad(tmp_path, tangent), (96, 96), options, settings=settings).astype(
            int
        )[30:66, 30:66]
        for tangent in ((1, 0, 0), (0, 0, 1))
    )
    # No speckles: the face is as smooth as the well-formed quad's, and the same grey.
    assert bad.std(axis=(0, 1)).max() <= good.std(axis=(0, 1)).max() + 1.0
    assert np.abs(bad - good).max() <= 2, np.abs(bad - good).max()
    assert good.mean() > 60  # lit, not the background
