"""A hall of exhibitions, served for real: the index, each gallery at ``/e/<id>/``, and a
publish that visitors get without a restart while a visit in progress ends on its version."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from museion.scenes.library import Exhibition
from tests.conftest import delete, offer, until, viewer
from tests.streaming.hall.hall_fixtures import get, hall, hall_folder, titled


def hello(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return next(m for m in messages if m.get("type") == "hello")


async def test_the_index_lists_published_exhibitions_and_never_a_draft(tmp_path: Path) -> None:
    async with hall(hall_folder(tmp_path / "hall")) as url:
        status, page = await get(f"{url}/")
        assert status == 200 and "/static/hall.js" in page
        status, body = await get(f"{url}/exhibitions")
        listed = {e["id"]: e for e in body["exhibitions"]}
        assert set(listed) == {"bronzes", "example"}
        assert listed["bronzes"]["title"]["en"] == "bronzes"
        assert listed["bronzes"]["url"] == "/e/bronzes/"
        assert listed["example"]["exhibits"] == 7
        status, body = await get(f"{url}/e/drafts/config")
        assert (status, body["code"]) == (404, "EXHIBITION_NOT_FOUND")
        status, body = await get(f"{url}/e/nowhere/")
        assert (status, body["code"]) == (404, "EXHIBITION_NOT_FOUND")
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{url}/e/example", allow_redirects=False) as reply,
        ):
            assert (reply.status, reply.headers["Location"]) == (308, "/e/example/")


async def test_each_exhibition_is_a_whole_gallery_at_its_own_path(tmp_path: Path) -> None:
    async with hall(hall_folder(tmp_path / "hall")) as url:
        status, page = await get(f"{url}/e/example/")
        assert status == 200 and "/static/app.js" in page
        async with viewer(f"{url}/e/bronzes") as visitor:
            await until(lambda: any(m.get("type") == "hello" for m in visitor.messages))
            assert hello(visitor.messages)["title"]["en"] == "bronzes"
            assert visitor.location.startswith("/e/bronzes/@")
        async with viewer(f"{url}/e/example") as visitor:
            await until(lambda: any(m.get("type") == "hello" for m in visitor.messages))
            assert hello(visitor.messages)["title"]["en"] == "Hall of Chinese Antiquities"


async def test_a_publish_reaches_new_visitors_while_a_visit_in_progress_keeps_its_version(
    tmp_path: Path,
) -> None:
    folder = hall_folder(tmp_path / "hall")
    library = Exhibition(folder / "bronzes")
    async with hall(folder, admission_fps=0) as url:  # two visitors at once, by places
        async with viewer(f"{url}/e/bronzes") as early:
            await until(lambda: any(m.get("type") == "hello" for m in early.messages))
            first = library.published()
            assert first is not None and early.location.startswith(f"/e/bronzes/@{first.id[:12]}/")
            draft = library.draft()
            library.save_draft(titled(json.loads(draft.raw), "bronzes, rehung"), draft.etag, "ada")
            library.publish("pat")
            async with viewer(f"{url}/e/bronzes") as late:
                await until(lambda: any(m.get("type") == "hello" for m in late.messages))
                assert hello(late.messages)["title"]["en"] == "bronzes, rehung"
            _, health = await get(f"{url}/healthz")
            assert [g["version"] for g in health["retiring"]] == [first.id]
            assert await delete(f"{url}{early.location}") == 204  # ends on the old version

        async def old_closed() -> bool:
            _, health = await get(f"{url}/healthz")
            return health["retiring"] == []

        await until(old_closed, timeout=30)
        status, body = await get(f"{url}{early.location}")
        assert (status, body["code"]) == (404, "EXHIBITION_NOT_FOUND")


async def test_an_exhibition_that_cannot_load_is_refused_and_the_others_still_serve(
    tmp_path: Path,
) -> None:
    folder = hall_folder(tmp_path / "hall")
    broken = json.loads((folder / "example.scene.json").read_text())
    (folder / "broken.scene.json").write_text(json.dumps({**broken, "venue": "missing.glb"}))
    async with hall(folder) as url:
        status, body = await get(f"{url}/e/broken/config")
        assert (status, body.get("code")) == (503, "EXHIBITION_UNAVAILABLE"), body
        status, body = await get(f"{url}/exhibitions")
        assert "broken" not in {e["id"] for e in body["exhibitions"]}
        status, body = await get(f"{url}/e/example/config")
        assert status == 200 and body["width"] > 0


@pytest.mark.parametrize(
    "path", ["/e/../etc/passwd", "/e/UPPER/", "/e/" + "a" * 70 + "/", "/e/%2e%2e/config", "/e//x"]
)
async def test_hostile_exhibition_paths_are_plain_not_found(tmp_path: Path, path: str) -> None:
    async with hall(hall_folder(tmp_path / "hall")) as url:
        status, _ = await get(f"{url}{path}")
        assert status == 404


async def test_the_exhibitions_share_the_boxs_places(tmp_path: Path) -> None:
    """One render thread serves every exhibition: ``max_sessions`` counts them all."""
    async with hall(hall_folder(tmp_path / "hall"), max_sessions=1, admission_fps=0) as url:
        async with viewer(f"{url}/e/bronzes") as first:
            await until(lambda: any(m.get("type") == "hello" for m in first.messages))
            sdp = await offer()
            headers = {"Content-Type": "application/sdp"}
            async with (
                aiohttp.ClientSession() as http,
                http.post(f"{url}/e/example/whep", data=sdp, headers=headers) as reply,
            ):
                assert (reply.status, (await reply.json())["code"]) == (503, "SERVER_FULL")
            _, health = await get(f"{url}/healthz")
            assert (health["places_in_use"], health["max_sessions"]) == (1, 1)
        async with viewer(f"{url}/e/example") as second:  # the place given back
            await until(lambda: any(m.get("type") == "hello" for m in second.messages))
