"""A glTF whose load worker dies costs that exhibit only: the server still serves the rest.

Real processes throughout: the load workers, the aiohttp server, an aiortc viewer, and the
``museion serve`` command.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from museion.runtime.engine import RenderEngine
from museion.runtime.loading import STALL_ENV
from museion.runtime.settings import RuntimeSettings
from museion.scenes.checked_scene import open_scene
from tests.conftest import ASSETS, REPO, centre_patch, copy_gallery, is_bronze, serve, viewer
from tests.runtime.loading.workers import watch_workers

pytestmark = pytest.mark.render


def _two_exhibits(folder: Path) -> Path:
    """The example hall with its bronze hu and its celadon meiping only (no tours)."""
    path = copy_gallery(folder)
    data = json.loads(path.read_text())
    data["exhibits"] = [e for e in data["exhibits"] if e["id"] in ("bronze-hu", "celadon-meiping")]
    data["tours"] = []
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


@pytest.fixture
def crashed_exhibit(tmp_path: Path) -> Iterator[RenderEngine]:
    """The engine on the two-exhibit hall, the meiping's load worker killed as it starts."""
    gallery = tmp_path / "gallery"
    gallery.mkdir()
    scene = open_scene(_two_exhibits(gallery))
    settings = RuntimeSettings(asset_root=gallery, load_cache_dir=tmp_path / "cache")
    with watch_workers(kill={"relic-meiping.glb": 0.0}) as watch:
        engine = RenderEngine(scene, settings)
    assert "relic-meiping.glb" in {asset for _, asset in watch.started}, watch.started
    yield engine
    engine.close()


async def test_the_server_serves_the_rest_when_an_exhibit_worker_is_killed(
    crashed_exhibit: RenderEngine,
) -> None:
    engine = crashed_exhibit
    [failure] = engine.load_errors
    assert (failure.code, failure.asset) == ("LOAD_CRASHED", "relic-meiping.glb")
    assert "SIGKILL" in failure.message
    async with serve(engine) as server:
        async with aiohttp.ClientSession() as http, http.get(f"{server.url}/") as page:
            assert page.status == 200
            assert "<html" in (await page.text()).lower()
        async with viewer(server.url, "?exhibit=bronze-hu") as view:
            frames = [await asyncio.wait_for(view.track.recv(), 10) for _ in range(30)]
        image = frames[-1].to_ndarray(format="rgb24")
        assert is_bronze(centre_patch(image)), centre_patch(image)
        # The exhibit that failed: its link still opens a stream (of its empty pedestal).
        async with viewer(server.url, "?exhibit=celadon-meiping") as view:
            frame = await asyncio.wait_for(view.track.recv(), 10)
            assert frame.to_ndarray(format="rgb24").mean() > 10
        health = await server.health()
        assert health["sessions"] == 0
        # Operators see which asset failed, and why, on /healthz.
        [reported] = health["load_errors"]
        assert (reported["asset"], reported["code"]) == ("relic-meiping.glb", "LOAD_CRASHED")


def test_museion_serve_refuses_a_venue_that_fails_to_load(tmp_path: Path) -> None:
    """``museion serve`` prints the code and the sentence, and exits 1."""
    for name in ("relic.glb", "venue.glb"):
        shutil.copy(ASSETS / name, tmp_path)
    env = {
        **os.environ,
        STALL_ENV: "sleep:60",
        "MUSEION_RUNTIME_LOAD_WALL_SECONDS": "1",
        "MUSEION_RUNTIME_LOAD_CACHE_DIR": str(tmp_path / "cache"),
    }
    command = ["serve", "--assets", str(tmp_path), "--port", "0"]
    done = subprocess.run(
        [sys.executable, "-m", "museion.tools.cli", *command],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert (
        "museion: LOAD_TIMEOUT: venue.glb: loading took longer than 1 s and was stopped"
        in done.stderr
    ), done.stderr
    assert "Traceback" not in done.stderr
    assert "serving" not in done.stdout
