"""Narration recordings are served to visitors; nothing else in the asset folder is."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import numpy as np

from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.checked_scene import open_scene
from museion.tools.narration import _opus
from tests.conftest import copy_gallery, serve


def _gallery_with_recording(folder: Path) -> Path:
    path = copy_gallery(folder)
    (folder / "narration").mkdir()
    tone = (np.sin(np.arange(16_000) * 2 * np.pi * 440 / 16_000) * 8000).astype(np.int16)
    (folder / "narration" / "hello world.en.ogg").write_bytes(_opus(tone, 16_000, 24_000))
    data = json.loads(path.read_text())
    data["tours"][0]["steps"][0]["audio"] = {"en": "narration/hello world.en.ogg"}
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


async def test_recordings_are_served_and_models_are_not(tmp_path: Path) -> None:
    path = _gallery_with_recording(tmp_path)
    engine = RenderEngine(open_scene(path), RuntimeSettings(asset_root=tmp_path))
    try:
        async with serve(engine) as server, aiohttp.ClientSession() as http:
            async with http.get(f"{server.url}/media/narration/hello%20world.en.ogg") as reply:
                assert reply.status == 200
                assert reply.headers["Content-Type"] == "audio/ogg"
                body = await reply.read()
                assert body == (tmp_path / "narration" / "hello world.en.ogg").read_bytes()
            refused = [
                "/media/relic.glb",  # the original asset never leaves the server
                "/media/example.scene.json",
                "/media/narration/../relic.glb",
                "/media/narration/%2e%2e/relic.glb",
                "/media/%2Fetc%2Fpasswd",
                "/media/narration/hello%20world.zh.ogg",
            ]
            for url in refused:
                async with http.get(f"{server.url}{url}") as reply:
                    assert reply.status == 404, url
                    if reply.content_type == "application/json":
                        assert (await reply.json())["code"] == "MEDIA_NOT_FOUND"
            assert (await server.health())["status"] == "ok"
    finally:
        engine.close()


def test_hotspot_images_in_labels_become_media_urls() -> None:
    from museion.streaming.visit.messages import with_media_urls

    label = {
        "id": "hu",
        "hotspots": [{"id": "a", "image": "details/rim 1.webp"}, {"id": "b"}],
    }
    assert with_media_urls(label)["hotspots"] == [
        {"id": "a", "image": "/media/details/rim%201.webp"},
        {"id": "b"},
    ]
