"""The worker process: what it makes of a model is the model, loaded directly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from museion.runtime.engine import RenderEngine
from museion.runtime.errors import AssetLoadFailed
from museion.runtime.loading import load_model
from museion.scenes.gltf.gate import check_gltf
from museion.scenes.showcase import open_showcase
from tests.conftest import ASSETS, CORPUS, centre_patch, is_bronze
from tests.gltf_fixtures import triangle
from tests.runtime.loading.workers import (
    cache_settings,
    needs_corpus,
    summary,
    unchecked,
    watch_workers,
)

pytestmark = pytest.mark.render


def test_the_worker_converts_the_relic_into_the_same_model(tmp_path: Path) -> None:
    import gltf
    from panda3d.core import NodePath

    relic = check_gltf(ASSETS, "relic.glb")
    with watch_workers() as watch:
        ours = load_model(relic, cache_settings(tmp_path))
    direct = NodePath(gltf.load_model(str(relic.path), gltf.GltfSettings(collision_shapes="none")))
    assert [asset for _, asset in watch.started] == ["relic.glb"]
    assert summary(ours) == summary(direct)
    assert summary(ours)["vertices"] > 10_000  # a real relic, not an empty node
    assert [p.suffix for p in tmp_path.iterdir()] == [".bam"]  # no work files left


def test_the_converted_relic_renders_like_a_direct_load(tmp_path: Path) -> None:
    import gltf
    from panda3d.core import NodePath

    engine = RenderEngine(open_showcase(ASSETS), cache_settings(tmp_path))
    try:
        assert engine.load_errors == ()
        source = engine.open_view(640, 360, preview=False)
        ours = source.frame(engine.home).copy()
        source.close()
        assert is_bronze(centre_patch(ours)), centre_patch(ours)

        def swap_in_a_direct_load() -> None:
            holder = engine.exhibit_nodes["relic"]
            holder.get_children().detach()
            path = str(ASSETS / "relic.glb")
            settings = gltf.GltfSettings(collision_shapes="none")
            NodePath(gltf.load_model(path, settings)).reparent_to(holder)

        engine.executor.submit(swap_in_a_direct_load).result()
        source = engine.open_view(640, 360, preview=False)
        direct = source.frame(engine.home)
        source.close()
    finally:
        engine.close()
    difference = np.abs(ours.astype(int) - direct.astype(int))
    assert difference.mean() < 0.5, difference.mean()
    assert (difference > 8).mean() < 0.001


@needs_corpus
def test_the_worker_loads_what_the_decoder_makes_of_a_draco_file(tmp_path: Path) -> None:
    """panda3d-gltf cannot read Draco; the worker loads the gate's decoded GLB instead."""
    import gltf
    from panda3d.core import NodePath

    from museion.scenes.gltf.decode import decode_to_glb

    folder = CORPUS / "valid" / "RiggedSimple_Draco"
    draco = check_gltf(folder, "RiggedSimple.gltf")
    decoded = decode_to_glb(draco.path)
    assert decoded is not None
    (tmp_path / "decoded.glb").write_bytes(decoded)
    settings = gltf.GltfSettings(collision_shapes="none")
    direct = NodePath(gltf.load_model(str(tmp_path / "decoded.glb"), settings))
    ours = load_model(draco, cache_settings(tmp_path / "cache"))
    assert summary(ours) == summary(direct)
    assert summary(ours)["vertices"] > 0


_EVIL_TYPE, _ = triangle()
_EVIL_TYPE["accessors"][0]["type"] = "\x1b[2J\nVEC3"
_EVIL_TYPE["buffers"][0]["uri"] = "data:application/octet-stream;base64," + "A" * 48  # 36 zeros


@pytest.mark.parametrize(
    "document",
    [
        {"asset": {"version": "2.0"}, "nodes": [{"mesh": 7}], "scenes": [{"nodes": [0]}]},
        _EVIL_TYPE,  # the loader's error quotes a terminal escape and a newline from the file
    ],
)
def test_a_loader_error_comes_back_as_one_line(tmp_path: Path, document: dict[str, Any]) -> None:
    broken = tmp_path / "broken.gltf"
    broken.write_text(json.dumps(document))
    with pytest.raises(AssetLoadFailed) as caught:
        load_model(unchecked(broken), cache_settings(tmp_path / "cache"))
    assert caught.value.code == "LOAD_FAILED"
    assert caught.value.message.startswith("broken.gltf: the model could not be loaded (")
    assert "museion validate" in caught.value.message
    assert "Traceback" not in caught.value.message
    assert caught.value.message.isprintable()
