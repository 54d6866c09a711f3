"""The converted-model cache: a hit starts no worker, a change converts again, a full
cache lets its least recently used models go."""

from __future__ import annotations

import logging
import struct
from pathlib import Path
from typing import Any

import pytest
from panda3d.core import GeomVertexReader

from museion.runtime.loading import convert_model, load_model
from museion.runtime.loading.cache import cache_key
from museion.scenes.gltf.gate import check_gltf
from tests.conftest import ASSETS, CORPUS
from tests.runtime.loading.workers import (
    cache_files,
    cache_settings,
    needs_corpus,
    textured_triangle_glb,
    triangle_gltf,
    unchecked,
    watch_workers,
)

pytestmark = pytest.mark.render


def test_a_cache_hit_starts_no_worker(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    relic = check_gltf(ASSETS, "relic.glb")
    with watch_workers() as watch:
        first = convert_model(relic, cache_settings(cache))
        assert len(watch.started) == 1
        again = convert_model(relic, cache_settings(cache))
        load_model(relic, cache_settings(cache))
    assert again == first
    assert len(watch.started) == 1
    assert cache_files(cache) == [first.name]


def test_the_least_recently_used_model_leaves_a_full_cache(tmp_path: Path) -> None:
    """Three models of about 480 KiB each (a 400 x 400 texture) in a 1 MiB cache."""
    cache = tmp_path / "cache"
    settings = cache_settings(cache, load_cache_mb=1)
    a, b, c = (  # three colours: three different files, three keys
        check_gltf(tmp_path, textured_triangle_glb(tmp_path / f"{n}.glb", 400, (n, n, n)).name)
        for n in (10, 20, 30)
    )
    bam_a, bam_b = convert_model(a, settings), convert_model(b, settings)
    assert bam_a.stat().st_size > 400 * 400 * 3
    assert convert_model(a, settings) == bam_a  # a is used again: b is now the oldest
    bam_c = convert_model(c, settings)
    assert sorted(cache_files(cache)) == sorted([bam_a.name, bam_c.name])
    assert not bam_b.exists()


def test_changing_a_referenced_file_converts_again(tmp_path: Path) -> None:
    """The key covers the ``.bin`` a ``.gltf`` names, not just the ``.gltf`` itself."""
    cache = tmp_path / "cache"
    folder = tmp_path / "model"
    folder.mkdir()
    gltf = triangle_gltf(folder, x=1.0)
    text = gltf.read_bytes()
    with watch_workers() as watch:
        before = load_model(check_gltf(folder, "triangle.gltf"), cache_settings(cache))
        # Only the .bin changes: the first corner moves inside the bounds the .gltf states.
        blob = bytearray((folder / "triangle.bin").read_bytes())
        blob[0:8] = struct.pack("<2f", 0.5, 0.5)
        (folder / "triangle.bin").write_bytes(bytes(blob))
        after = load_model(check_gltf(folder, "triangle.gltf"), cache_settings(cache))
    assert gltf.read_bytes() == text
    assert len(watch.started) == 2
    assert len(cache_files(cache)) == 2
    assert _corners(before)[0] == pytest.approx((0.0, 0.0, 0.0))
    assert _corners(after)[0] == pytest.approx((0.5, 0.0, 0.5))  # glTF y-up is Panda3D z-up


def test_a_wider_triangle_converts_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    folder = tmp_path / "model"
    folder.mkdir()
    triangle_gltf(folder, x=1.0)
    with watch_workers() as watch:
        narrow = load_model(check_gltf(folder, "triangle.gltf"), cache_settings(cache))
        triangle_gltf(folder, x=3.0)
        wide = load_model(check_gltf(folder, "triangle.gltf"), cache_settings(cache))
    assert len(watch.started) == 2
    assert narrow.get_tight_bounds()[1].x == pytest.approx(1.0)
    assert wide.get_tight_bounds()[1].x == pytest.approx(3.0)
    assert len(cache_files(cache)) == 2


def _corners(node: Any) -> list[tuple[float, float, float]]:
    """The vertex positions of the one triangle in a loaded model, in file order."""
    geom_node = node.find("**/+GeomNode").node()
    reader = GeomVertexReader(geom_node.get_geom(0).get_vertex_data(), "vertex")
    corners = []
    while not reader.is_at_end():
        v = reader.get_data3()
        corners.append((v.x, v.y, v.z))
    return corners


def test_an_unusable_cache_folder_falls_back_to_a_temp_folder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    relic = check_gltf(ASSETS, "relic.glb")
    with caplog.at_level(logging.WARNING, "museion.runtime.loading"):
        node = load_model(relic, cache_settings(blocker / "models"))
        bam = convert_model(relic, cache_settings(blocker / "models"))
    assert node.find_all_matches("**/+GeomNode").get_num_paths() > 0
    assert not bam.is_relative_to(tmp_path)
    assert bam.is_file()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # once per run, not once per model
    assert "runtime.load_cache_dir" in warnings[0]


@needs_corpus
def test_every_corpus_file_gets_a_cache_key() -> None:
    """Keys are made before any worker runs, so they must hold on anything: URIs go through
    the gate's resolver (``/dev/zero`` would never end), broken JSON is hashed as bytes."""
    files = sorted(CORPUS.rglob("*.gl*"))
    keys = {cache_key(unchecked(path)) for path in files}
    assert len(files) > 100
    assert all(len(key) == 64 for key in keys)
    assert len(keys) > 0.9 * len(files)  # files that differ get keys that differ
