"""The engine over the loader: a model that fails to load is left out, and the rest serves."""

from __future__ import annotations

from pathlib import Path

import pytest

from museion.runtime.engine import RenderEngine
from museion.runtime.errors import AssetLoadFailed
from museion.scenes.checked_scene import open_scene
from museion.scenes.showcase import open_showcase
from tests.conftest import ASSETS, centre_patch, copy_gallery, is_bronze
from tests.runtime.loading.workers import (
    cache_settings,
    watch_workers,
)

pytestmark = pytest.mark.render


def test_a_failed_exhibit_is_left_out_and_the_rest_renders(tmp_path: Path) -> None:
    gallery = tmp_path / "gallery"
    gallery.mkdir()
    document = copy_gallery(gallery)
    scene = open_scene(document)
    cache = tmp_path / "cache"
    with watch_workers(kill={"relic-meiping.glb": 0.0}) as watch:
        engine = RenderEngine(scene, cache_settings(cache, asset_root=document.parent))
    try:
        assert [(e.code, e.asset) for e in engine.load_errors] == [
            ("LOAD_CRASHED", "relic-meiping.glb")
        ]
        meiping = engine.exhibit_nodes["celadon-meiping"]
        bronze = engine.exhibit_nodes["bronze-hu"]
        assert meiping.find_all_matches("**/+GeomNode").get_num_paths() == 0
        assert bronze.find_all_matches("**/+GeomNode").get_num_paths() > 0
        source = engine.open_view(640, 360, preview=False)
        home = source.frame(engine.exhibit_views["bronze-hu"][0])
        assert is_bronze(centre_patch(home)), centre_patch(home)
        source.close()
    finally:
        engine.close()
    assert len({asset for _, asset in watch.started}) == len(scene.models)
    # The next start converts only what failed.
    with watch_workers() as watch:
        engine = RenderEngine(scene, cache_settings(cache, asset_root=document.parent))
    engine.close()
    assert [asset for _, asset in watch.started] == ["relic-meiping.glb"]
    assert engine.load_errors == ()


def test_a_failed_venue_fails_the_engine(tmp_path: Path) -> None:
    with watch_workers(kill={"venue.glb": 0.0}), pytest.raises(AssetLoadFailed) as caught:
        RenderEngine(open_showcase(ASSETS), cache_settings(tmp_path))
    assert caught.value.code == "LOAD_CRASHED"
    assert caught.value.asset == "venue.glb"


def test_a_failed_pedestal_leaves_the_relics_on_the_floor(tmp_path: Path) -> None:
    gallery = tmp_path / "gallery"
    gallery.mkdir()
    scene = open_scene(copy_gallery(gallery))
    with watch_workers(kill={"pedestal.glb": 0.0}):
        engine = RenderEngine(scene, cache_settings(tmp_path / "cache", asset_root=gallery))
    try:
        assert [(e.code, e.asset) for e in engine.load_errors] == [("LOAD_CRASHED", "pedestal.glb")]
        assert engine.root.find_all_matches("pedestal-*").get_num_paths() == 0
        bronze = engine.exhibit_nodes["bronze-hu"]
        assert bronze.get_z(engine.root) == pytest.approx(0.0)  # standing on the floor
        assert bronze.find_all_matches("**/+GeomNode").get_num_paths() > 0
    finally:
        engine.close()


def test_a_failed_showcase_relic_leaves_the_venue_serving(tmp_path: Path) -> None:
    with watch_workers(kill={"relic.glb": 0.0}):
        engine = RenderEngine(open_showcase(ASSETS), cache_settings(tmp_path))
    try:
        [failure] = engine.load_errors
        assert (failure.code, failure.asset) == ("LOAD_CRASHED", "relic.glb")
        source = engine.open_view(320, 180, preview=False)
        image = source.frame(engine.home)
        source.close()
        assert not is_bronze(centre_patch(image))  # the room, without its relic
        assert image.mean() > 20
    finally:
        engine.close()
