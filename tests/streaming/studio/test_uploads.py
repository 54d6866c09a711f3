"""Uploading models through the studio, for real: the toolchain's importer behind the API,
jobs polled to the end, refusals with the gate's report, nothing left behind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from museion.scenes.library import Exhibition
from tests.conftest import ASSETS, until
from tests.streaming.studio.studio_hall import Staff, studio_hall

MODELS = "/api/exhibitions/bronzes/models"


async def upload(staff: Staff, data: bytes, name: str) -> tuple[int, dict[str, Any]]:
    headers = staff.headers(**{"Content-Type": "model/gltf-binary"})
    async with staff.http.post(MODELS, params={"name": name}, data=data, headers=headers) as r:
        return r.status, await r.json()


async def finished(staff: Staff, url: str) -> dict[str, Any]:
    """Poll the job until it ends; its last state."""
    seen: dict[str, Any] = {}

    async def ended() -> bool:
        async with staff.http.get(url) as reply:
            seen.update(await reply.json())
        return seen["state"] in ("done", "failed")

    await until(ended, timeout=120, what=lambda: seen)
    return seen


async def test_an_upload_is_imported_and_placeable_and_its_original_kept(
    tmp_path: Path, users_file: Path
) -> None:
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("curator") as ada,
    ):
        draft = Exhibition(studio.folder / "bronzes").draft()
        status, body = await upload(
            ada, (ASSETS / "relic-bell.glb").read_bytes(), "Bell (scan).glb"
        )
        assert status == 202, body
        job = await finished(ada, body["url"])
        assert (job["state"], job["fraction"]) == ("done", 1.0), job
        result = job["result"]
        assert (studio.folder / "bronzes" / result["asset"]).is_file()
        assert result["asset"].startswith("models/") and result["original"].startswith("originals/")
        low, high = result["bounds"]["min"], result["bounds"]["max"]
        assert all(h > lo for lo, h in zip(low, high, strict=True))
        assert Exhibition(studio.folder / "bronzes").draft().raw == draft.raw  # the page adds it
        assert not any((studio.folder / "bronzes" / ".uploads").iterdir())


async def test_a_model_the_gate_refuses_is_reported_in_words_and_leaves_nothing(
    tmp_path: Path, users_file: Path
) -> None:
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("curator") as ada,
    ):
        truncated = (ASSETS / "relic-bell.glb").read_bytes()[:5000]
        status, body = await upload(ada, truncated, "broken.glb")
        assert status == 202
        job = await finished(ada, body["url"])
        assert job["state"] == "failed" and job["error"]["code"] == "MODEL_REFUSED", job
        assert job["error"]["report"] and all(r["message"] for r in job["error"]["report"])
        root = studio.folder / "bronzes"
        assert not (root / "models").exists() and not (root / "originals").exists()
        assert not any((root / ".uploads").iterdir())


async def test_uploads_refuse_bad_names_empty_bodies_and_roles_without_edit_rights(
    tmp_path: Path, users_file: Path
) -> None:
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("curator") as ada,
        studio.staff("venue") as vic,
    ):
        status, body = await upload(ada, b"glTF", "notes.txt")
        assert (status, body["code"]) == (400, "UPLOAD_NAME_INVALID")
        status, body = await upload(ada, b"", "empty.glb")
        assert (status, body["code"]) == (400, "UPLOAD_EMPTY")
        status, body = await upload(vic, b"glTF", "x.glb")
        assert (status, body["code"]) == (403, "ROLE_FORBIDDEN")
        async with ada.http.get("/api/jobs/nope") as reply:
            assert (reply.status, (await reply.json())["code"]) == (404, "JOB_NOT_FOUND")


async def test_an_uploaded_model_placed_in_the_draft_publishes_with_its_dublin_core(
    tmp_path: Path, users_file: Path
) -> None:
    """Upload, add it to the draft, publish: the optimized (meshopt) model, stamped with its
    metadata at publish, is still a model the gate accepts and visitors get."""
    from museion.scenes.exports.xmp import packet_of
    from museion.scenes.gltf.glb import read_glb
    from tests.streaming.studio.test_api import DRAFT, call

    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("publisher") as pat,
    ):
        status, body = await upload(pat, (ASSETS / "relic-bell.glb").read_bytes(), "bell.glb")
        result = (await finished(pat, body["url"]))["result"]
        _, document, headers = await call(pat, "GET", DRAFT)
        title = {"zh": "编钟", "en": "Bell"}
        document["exhibits"].append(
            {
                "id": "new-bell",
                "asset": result["asset"],
                "metadata": {"title": title},
                "transform": {"translation": [1.0, 0.0, 1.0]},
                "pedestal": False,
            }
        )
        status, saved, _ = await call(pat, "PUT", DRAFT, document, **{"If-Match": headers["ETag"]})
        assert status == 200, saved
        status, published, _ = await call(pat, "POST", "/api/exhibitions/bronzes/publish")
        assert status == 201, published
        model = studio.folder / "bronzes" / result["asset"]
        packet = packet_of(json.loads(read_glb(model.read_bytes(), "bell").json))
        assert "编钟" in json.dumps(packet, ensure_ascii=False)
