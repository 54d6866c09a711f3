"""The studio's draft view over a real WebRTC peer: the camera's pose, a surface pick in the
relic's own frame, a move and a snap, a document synced in place, a save followed, and the
edits a hostile page could send."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from museion.runtime.animation import Playing
from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.checked_scene import open_scene
from museion.scenes.document.loader import load_scene
from museion.scenes.library import Exhibition
from museion.streaming.staff.sessions import CSRF_HEADER
from museion.streaming.studio.draft import apply_document
from tests.conftest import ASSETS, Viewer, until, viewer
from tests.gltf_fixtures import turning_triangle
from tests.scene_files import exhibit, scene, write_scene
from tests.streaming.studio.studio_hall import Staff, StudioHall, studio_hall

FIRST = json.loads((ASSETS / "example.scene.json").read_text())["exhibits"][0]["id"]


async def reply(view: Viewer, kind: str, message: dict[str, Any]) -> dict[str, Any]:
    """Send an edit and wait for the answer of ``kind`` (or an error)."""
    count = len(view.messages)
    view.send(message)

    def answered() -> dict[str, Any] | None:
        return next((m for m in view.messages[count:] if m.get("type") in (kind, "error")), None)

    await until(lambda: answered() is not None, timeout=30, what=lambda: view.messages[-5:])
    found = answered()
    assert found is not None
    return found


def studio_headers(staff: Staff) -> dict[str, str]:
    cookies = "; ".join(f"{c.key}={c.value}" for c in staff.http.cookie_jar)
    return {"Cookie": cookies, CSRF_HEADER: staff.csrf}


def draft_view(studio: StudioHall, staff: Staff, exhibit: str = "") -> Any:
    """A studio peer on the draft of ``bronzes`` (orbiting ``exhibit`` if given)."""
    query = f"?exhibit={exhibit}" if exhibit else ""
    return viewer(f"{studio.url}/studio/e/bronzes", query, headers=studio_headers(staff))


async def test_pose_pick_move_and_snap_in_the_draft_view(tmp_path: Path, users_file: Path) -> None:
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("curator") as ada,
        draft_view(studio, ada, FIRST) as view,
    ):
        await until(lambda: any(m.get("type") == "hello" for m in view.messages))
        posed = await reply(view, "edit.posed", {"type": "edit.pose", "id": 1})
        assert posed["id"] == 1 and len(posed["pose"]["position"]) == 3
        picked = await reply(
            view, "edit.picked", {"type": "edit.pick", "id": 2, "x": 0.5, "y": 0.5}
        )
        assert picked["id"] == 2 and picked["exhibit"] is not None, picked
        assert len(picked["local"]) == 3
        exhibit = picked["exhibit"]
        lifted = {"translation": [0.0, 0.5, 0.0], "rotation": [30.0, 0.0, 0.0], "scale": 1.0}
        moved = await reply(
            view, "edit.moved", {"type": "edit.move", "exhibit": exhibit, "transform": lifted}
        )
        assert moved["transform"] == lifted
        snapped = await reply(view, "edit.snapped", {"type": "edit.snap", "exhibit": exhibit})
        assert snapped["transform"]["translation"][1] < 0.5
        unknown = await reply(
            view, "edit.moved", {"type": "edit.move", "exhibit": "nope", "transform": lifted}
        )
        assert (unknown["type"], unknown["code"]) == ("error", "EXHIBIT_UNKNOWN")


async def test_a_synced_document_shows_in_place_and_lights_need_a_new_view(
    tmp_path: Path, users_file: Path
) -> None:
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("curator") as ada,
    ):
        document = json.loads(Exhibition(studio.folder / "bronzes").draft().raw)
        async with draft_view(studio, ada, FIRST) as view:
            await until(lambda: any(m.get("type") == "hello" for m in view.messages))
            first = document["exhibits"][0]
            first["hotspots"] = [
                {"id": "rim", "position": [0.0, 0.1, 0.0], "title": {"en": "Rim", "zh": "口沿"}}
            ]
            first["transform"] = {**first.get("transform", {}), "translation": [0.3, 0.0, 0.2]}
            synced = await reply(view, "edit.synced", {"type": "edit.sync", "document": document})
            assert synced.get("live") is True, synced
            document["lights"] = [{"type": "ambient", "intensity": 0.4}]
            synced = await reply(view, "edit.synced", {"type": "edit.sync", "document": document})
            assert synced["live"] is False
            broken = {**document, "exhibits": [{"id": "x"}]}
            refused = await reply(view, "edit.synced", {"type": "edit.sync", "document": broken})
            assert (refused["type"], refused["code"]) == ("error", "EDIT_DOCUMENT_INVALID")


def test_a_saved_animation_choice_plays_in_the_draft_view(tmp_path: Path) -> None:
    """The exhibit form's choice, saved, reaches the running draft renderer: a named
    animation with its loop and speed, none (still), and back to the first, looping."""
    turning_triangle(tmp_path)
    document = scene("Spin", [exhibit("spin", "turn.glb")])
    engine = RenderEngine(open_scene(write_scene(tmp_path, document)), RuntimeSettings())
    library = Exhibition(tmp_path)
    try:
        assert engine.animator.now_playing("spin") == Playing("Turn")
        for chosen, playing in (
            ({"name": "Turn", "loop": False, "speed": 2.0}, Playing("Turn", False, 2.0)),
            (False, None),
            (None, Playing("Turn")),
        ):
            changed = scene("Spin", [exhibit("spin", "turn.glb")])
            if chosen is not None:
                changed["exhibits"][0]["animation"] = chosen
            new = load_scene(json.dumps(changed).encode(), asset_root=tmp_path)
            assert apply_document(engine, library, new) is True  # shown in place
            assert engine.animator.now_playing("spin") == playing, chosen
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (
            {"type": "edit.move", "exhibit": "a", "transform": {"scale": float("nan")}},
            "EDIT_MALFORMED",
        ),
        (
            {"type": "edit.move", "exhibit": "a", "transform": {"translation": [1, 2]}},
            "EDIT_MALFORMED",
        ),
        ({"type": "edit.pick", "id": 1, "x": 2, "y": 0}, "EDIT_MALFORMED"),
        ({"type": "edit.pick", "id": -1, "x": 0, "y": 0}, "EDIT_MALFORMED"),
        ({"type": "edit.pick", "id": 1, "x": 10**400, "y": 0}, "EDIT_MALFORMED"),
        ({"type": "edit.teleport"}, "EDIT_UNKNOWN"),
        ({"type": "edit.sync", "document": "x" * 300_000}, "EDIT_TOO_LARGE"),
    ],
)
def test_hostile_edits_are_refused_by_code(message: dict[str, Any], code: str) -> None:
    from museion.streaming.errors import CommandError
    from museion.streaming.studio.edits import parse_edit

    with pytest.raises(CommandError) as caught:
        parse_edit(json.dumps(message))
    assert caught.value.code == code


async def test_a_visitor_or_a_page_without_the_csrf_token_gets_no_draft_view(
    tmp_path: Path, users_file: Path
) -> None:
    from tests.conftest import offer

    async with studio_hall(tmp_path / "hall", users_file) as studio:
        sdp = await offer()
        async with studio.staff(None) as anyone, studio.staff("curator") as ada:
            headers = {"Content-Type": "application/sdp"}
            async with anyone.http.post("/studio/e/bronzes/whep", data=sdp, headers=headers) as r:
                assert (r.status, (await r.json())["code"]) == (401, "SIGN_IN_REQUIRED")
            async with ada.http.post("/studio/e/bronzes/whep", data=sdp, headers=headers) as r:
                assert (r.status, (await r.json())["code"]) == (403, "CSRF_REJECTED")
            async with ada.http.post(
                "/studio/e/example/whep", data=sdp, headers=ada.headers(**headers)
            ) as r:
                assert (r.status, (await r.json())["code"]) == (404, "EXHIBITION_NOT_FOUND")
