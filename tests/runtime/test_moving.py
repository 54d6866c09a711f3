"""A moving camera's lighter preview, and the rested view that must stay as it was."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from museion.runtime.engine import RenderEngine
from museion.runtime.moving import simplified
from museion.runtime.settings import RuntimeSettings
from museion.scenes.showcase import open_showcase
from tests.conftest import ASSETS, centre_patch, is_bronze, until

pytestmark = pytest.mark.render

WIDTH, HEIGHT = 1280, 720
TODAY: dict[str, Any] = {
    "moving_detail": 1.0,
    "moving_normal_maps": True,
    "small_previews": False,
    "crowd_preview_scale": 1.0,
}
"""The settings of the path before the lighter previews (issue 15)."""


@pytest.fixture(scope="module")
def today() -> Iterator[RenderEngine]:
    """The sample showcase drawn as before: whole meshes and normal maps while moving."""
    settings = RuntimeSettings(asset_root=ASSETS, max_views=4, **TODAY)
    engine = RenderEngine(open_showcase(ASSETS), settings)
    yield engine
    engine.close()


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    error = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if error == 0 else 10 * np.log10(255**2 / error)


def test_the_relic_gets_a_lighter_mesh_over_its_own_vertices(engine: RenderEngine) -> None:
    whole, lighter = engine.moving.triangles
    assert whole >= 50_000  # the sample relic
    assert 0.2 * whole <= lighter <= 0.3 * whole  # moving_detail 0.25


def test_simplified_keeps_a_subset_of_the_vertices() -> None:
    n = 80
    xs, ys = np.meshgrid(np.arange(n, dtype=np.float32), np.arange(n, dtype=np.float32))
    positions = np.stack([xs.ravel(), ys.ravel(), np.sin(xs.ravel() / 9)], 1).astype(np.float32)
    quads = [(y * n + x) for y in range(n - 1) for x in range(n - 1)]
    indices = np.array(
        [[a, a + 1, a + n, a + 1, a + n + 1, a + n] for a in quads], np.uint32
    ).ravel()
    kept = simplified(indices, positions, 0.25)
    assert 0 < len(kept) <= 0.3 * len(indices) and len(kept) % 3 == 0
    assert set(kept.tolist()) <= set(indices.tolist())


async def test_moving_preview_is_lighter_and_the_rested_view_is_todays(
    engine: RenderEngine, today: RenderEngine
) -> None:
    start = replace(engine.home, yaw=engine.home.yaw - 30)
    turned = replace(engine.home, yaw=engine.home.yaw + 25)
    source, before = engine.open_view(WIDTH, HEIGHT), today.open_view(WIDTH, HEIGHT)
    try:
        source.frame(start)
        before.frame(start)
        small = source.rendered(turned)
        preview, todays_preview = source.frame(turned), before.frame(turned)
        # Rendered at half size, enlarged only for a caller that asks for the full size.
        assert small.shape == (HEIGHT // 2, WIDTH // 2, 3)
        assert preview.shape == (HEIGHT, WIDTH, 3)
        assert np.array_equal(preview[::2, ::2], small)
        # The same picture as today's preview (the relic where it was), drawn lighter.
        assert is_bronze(centre_patch(preview)), centre_patch(preview)
        assert not np.array_equal(preview, todays_preview)
        assert psnr(preview, todays_preview) > 30
        # At rest: exactly today's full-quality frame, pixel for pixel.
        await until(lambda: source.frame(turned) is not preview, 5)
        await until(lambda: before.frame(turned) is not todays_preview, 5)
        rested = source.frame(turned)
        assert source.rendered(turned) is rested
        assert np.array_equal(rested, before.frame(turned))
    finally:
        source.close()
        before.close()


def test_a_crowd_moving_at_once_gets_smaller_previews(engine: RenderEngine) -> None:
    """With ``crowd_size`` (3) views moving together previews shrink to 0.4; two keep half
    size, and a view that closes stops counting."""
    sources = [engine.open_view(WIDTH, HEIGHT) for _ in range(3)]
    try:
        for source in sources:
            source.frame(engine.home)
        sizes = []
        for i, source in enumerate(sources):
            sizes.append(source.rendered(replace(engine.home, yaw=engine.home.yaw + 5 + i)).shape)
        assert sizes[:2] == [(HEIGHT // 2, WIDTH // 2, 3)] * 2
        assert sizes[2] == (round(HEIGHT * 0.4), round(WIDTH * 0.4), 3)
        crowd = sources[2].frame(replace(engine.home, yaw=engine.home.yaw + 7))
        assert crowd.shape == (HEIGHT, WIDTH, 3)
        assert is_bronze(centre_patch(crowd)), centre_patch(crowd)
        sources.pop().close()
        moved = replace(engine.home, yaw=engine.home.yaw + 9)
        assert sources[0].rendered(moved).shape == (HEIGHT // 2, WIDTH // 2, 3)
    finally:
        for source in sources:
            source.close()


def test_a_full_size_view_after_previews_is_todays(
    engine: RenderEngine, today: RenderEngine
) -> None:
    """The lighter meshes and shader are swapped back after each preview."""
    moving = engine.open_view(WIDTH // 2, HEIGHT // 2)
    try:
        for yaw in range(0, 40, 10):
            moving.frame(replace(engine.home, yaw=engine.home.yaw + yaw))
    finally:
        moving.close()
    ours = engine.open_view(WIDTH, HEIGHT, preview=False)
    theirs = today.open_view(WIDTH, HEIGHT, preview=False)
    try:
        assert np.array_equal(ours.frame(engine.home), theirs.frame(today.home))
    finally:
        ours.close()
        theirs.close()
