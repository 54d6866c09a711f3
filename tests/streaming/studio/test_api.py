"""The studio's API over real HTTP: drafts with ETags, publishing visitors see, restore,
versions, diff and audit; every role against every endpoint; CSRF; hostile bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from multidict import CIMultiDict

from museion.scenes.library import Exhibition
from museion.streaming.staff.roles import STAFF_ROLES, Action, Role, allowed
from tests.conftest import offer
from tests.gltf_fixtures import turning_triangle
from tests.streaming.hall.hall_fixtures import get, titled
from tests.streaming.studio.studio_hall import Staff, studio_hall

DRAFT = "/api/exhibitions/bronzes/draft"


async def call(
    staff: Staff, method: str, path: str, body: Any = None, **headers: str
) -> tuple[int, Any, CIMultiDict[str]]:
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body))
    if data is not None:
        headers.setdefault("Content-Type", "application/json")
    async with staff.http.request(
        method, path, data=data, headers=staff.headers(**headers)
    ) as reply:
        text = await reply.text()
        parsed = json.loads(text) if text and reply.content_type == "application/json" else text
        return reply.status, parsed, CIMultiDict(reply.headers)


async def test_a_draft_round_trips_with_its_etag_and_a_stale_write_is_412(
    tmp_path: Path, users_file: Path
) -> None:
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("curator") as ada,
        studio.staff("publisher") as pat,
    ):
        status, document, headers = await call(ada, "GET", DRAFT)
        assert status == 200 and document["title"]["en"] == "bronzes"
        etag = headers["ETag"]
        status, body, _ = await call(
            pat, "PUT", DRAFT, titled(document, "Pat's"), **{"If-Match": etag}
        )
        assert status == 200
        # Ada saves over the draft she read: refused, Pat's change kept.
        status, body, _ = await call(
            ada, "PUT", DRAFT, titled(document, "Ada's"), **{"If-Match": etag}
        )
        assert (status, body["code"]) == (412, "DRAFT_CHANGED")
        assert body["current_etag"] != etag.strip('"')
        _, now, headers = await call(ada, "GET", DRAFT)
        assert now["title"]["en"] == "Pat's"
        status, body, _ = await call(ada, "PUT", DRAFT, titled(now, "Ada's"))
        assert (status, body["code"]) == (428, "IF_MATCH_REQUIRED")
        status, _, _ = await call(
            ada, "PUT", DRAFT, titled(now, "Ada's"), **{"If-Match": headers["ETag"]}
        )
        assert status == 200


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code", "pointer"),
    [
        (b"{not json", "application/json", 400, "JSON_MALFORMED", ""),
        (b"[1, 2]", "application/json", 422, "SCENE_INVALID", ""),
        (b"the draft, its title a number", "application/json", 422, "SCENE_INVALID", "/title"),
        (b"x" * (5 * 1024 * 1024), "application/json", 413, "BODY_TOO_LARGE", None),
        (b"<scene/>", "application/xml", 415, "NOT_JSON", None),
    ],
    ids=["malformed", "not-an-object", "wrong-type", "too-large", "not-json"],
)
async def test_a_hostile_draft_body_gets_a_json_error_with_a_pointer_and_keeps_the_draft(
    tmp_path: Path,
    users_file: Path,
    body: bytes,
    content_type: str,
    status: int,
    code: str,
    pointer: str | None,
) -> None:
    async with studio_hall(tmp_path / "hall", users_file) as studio:
        before = Exhibition(studio.folder / "bronzes").draft()
        if body.startswith(b"the draft"):
            body = json.dumps({**json.loads(before.raw), "title": 5}).encode()
        async with studio.staff("curator") as ada:
            got, reply, _ = await call(
                ada,
                "PUT",
                DRAFT,
                body,
                **{"If-Match": f'"{before.etag}"', "Content-Type": content_type},
            )
        assert (got, reply["code"]) == (status, code), reply
        if pointer is not None:
            pointers = [i["pointer"] for i in reply.get("issues", [])] or [reply.get("pointer")]
            assert any(p is not None and p.startswith(pointer) for p in pointers), reply
        assert Exhibition(studio.folder / "bronzes").draft().raw == before.raw


async def test_publish_reaches_visitors_restore_brings_the_old_one_back_and_both_are_audited(
    tmp_path: Path, users_file: Path
) -> None:
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("publisher") as pat,
    ):
        _, document, headers = await call(pat, "GET", DRAFT)
        await call(
            pat,
            "PUT",
            DRAFT,
            titled(document, "Bronzes, rehung"),
            **{"If-Match": headers["ETag"]},
        )
        status, diff, _ = await call(pat, "GET", "/api/exhibitions/bronzes/diff")
        assert {"op": "replace", "path": "/title/en", "value": "Bronzes, rehung"} in diff["patch"]
        status, published, _ = await call(pat, "POST", "/api/exhibitions/bronzes/publish")
        assert status == 201 and published["version"]["live"]
        _, listing = await get(f"{studio.url}/exhibitions")
        titles = {e["id"]: e["title"]["en"] for e in listing["exhibitions"]}
        assert titles["bronzes"] == "Bronzes, rehung"
        _, versions, _ = await call(pat, "GET", "/api/exhibitions/bronzes/versions")
        newest, first = versions["versions"]
        assert newest["live"] and not first["live"] and newest["published_by"] == "publisher"
        status, _, _ = await call(
            pat, "POST", "/api/exhibitions/bronzes/restore", {"version": first["id"]}
        )
        assert status == 200
        _, listing = await get(f"{studio.url}/exhibitions")
        assert listing["exhibitions"][0]["title"]["en"] == "bronzes"
        _, audit, _ = await call(pat, "GET", "/api/exhibitions/bronzes/audit")
        actions = [(e["action"], e["who"]) for e in audit["audit"]]
        assert actions[:3] == [
            ("restore", "publisher"),
            ("publish", "publisher"),
            ("draft", "publisher"),
        ]
        status, lines, headers = await call(
            pat, "GET", "/api/exhibitions/bronzes/audit?format=jsonl"
        )
        assert status == 200 and "attachment" in headers["Content-Disposition"]
        assert len(lines.splitlines()) == len(audit["audit"])


async def test_a_new_exhibition_is_a_draft_until_published(
    tmp_path: Path, users_file: Path
) -> None:
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("curator") as ada,
    ):
        new = {"id": "jades", "title": {"en": "Jades", "zh": "玉器"}, "default_language": "en"}
        status, body, headers = await call(ada, "POST", "/api/exhibitions", new)
        assert status == 201 and headers["Location"] == "/api/exhibitions/jades"
        status, body, _ = await call(ada, "POST", "/api/exhibitions", new)
        assert (status, body["code"]) == (409, "EXHIBITION_EXISTS")
        for bad, where in (({"id": "../x"}, "/id"), ([], "")):
            status, body, _ = await call(ada, "POST", "/api/exhibitions", bad)
            assert (status, body["pointer"]) == (400, where)
        _, listing, _ = await call(ada, "GET", "/api/exhibitions")
        assert {e["id"]: e["live_version"] for e in listing["exhibitions"]}["jades"] is None
        _, public = await get(f"{studio.url}/exhibitions")
        assert "jades" not in {e["id"] for e in public["exhibitions"]}
        status, body, _ = await call(ada, "GET", "/api/exhibitions/example/draft")
        assert (status, body["code"]) == (404, "EXHIBITION_NOT_FOUND")


async def test_a_state_change_without_the_csrf_token_is_403_and_changes_nothing(
    tmp_path: Path, users_file: Path
) -> None:
    async with studio_hall(tmp_path / "hall", users_file) as studio:
        live = Exhibition(studio.folder / "bronzes").published()
        async with studio.staff("publisher") as pat:
            pat.csrf = ""  # the cookie stays: a forged cross-site form would carry it
            status, body, _ = await call(pat, "POST", "/api/exhibitions/bronzes/publish")
            assert (status, body["code"]) == (403, "CSRF_REJECTED")
            _, document, headers = await call(pat, "GET", DRAFT)
            status, body, _ = await call(
                pat, "PUT", DRAFT, document, **{"If-Match": headers["ETag"]}
            )
            assert (status, body["code"]) == (403, "CSRF_REJECTED")
        assert Exhibition(studio.folder / "bronzes").published() == live


ENDPOINTS: list[tuple[str, str, tuple[Action, ...], Any]] = [
    ("GET", "/api/exhibitions", (Action.READ_STUDIO,), None),
    ("POST", "/api/exhibitions", (Action.EDIT_DRAFTS,), {"id": "new-{role}"}),
    ("GET", DRAFT, (Action.READ_STUDIO,), None),
    ("PUT", DRAFT, (Action.EDIT_DRAFTS,), "draft"),
    ("POST", "/api/exhibitions/bronzes/publish", (Action.PUBLISH,), None),
    ("POST", "/api/exhibitions/bronzes/restore", (Action.RESTORE,), "live"),
    ("GET", "/api/exhibitions/bronzes/versions", (Action.READ_STUDIO,), None),
    ("GET", "/api/exhibitions/bronzes/diff", (Action.READ_STUDIO,), None),
    ("GET", "/api/exhibitions/bronzes/audit", (Action.READ_STUDIO,), None),
    ("GET", "/api/exhibitions/bronzes/models/relic-bell.glb", (Action.READ_STUDIO,), None),
    ("GET", "/api/exhibitions/bronzes/export/iiif", (Action.READ_STUDIO,), None),
    ("POST", "/api/exhibitions/bronzes/models?name=x.glb", (Action.EDIT_DRAFTS,), b"glTF"),
    ("GET", "/api/jobs/nope", (Action.READ_STUDIO,), None),
    ("POST", "/studio/e/bronzes/whep", (Action.READ_STUDIO,), "offer"),
    ("GET", "/api/users", (Action.MANAGE_USERS,), None),
    ("DELETE", "/api/users/nobody", (Action.MANAGE_USERS,), None),
    ("POST", "/api/tokens", (Action.MANAGE_TOKENS,), {"kind": "docent"}),
    ("POST", "/api/tokens", (Action.PUBLISH_LIVE, Action.MANAGE_TOKENS), {"kind": "stream"}),
]
"""Each studio endpoint and the actions any one of which lets a role through."""


async def test_every_role_against_every_endpoint(tmp_path: Path, users_file: Path) -> None:
    """Allowed: served (whatever the answer, never 401/403); anonymous and not allowed:
    401; staff and not allowed: 403."""
    async with studio_hall(tmp_path / "hall", users_file) as studio:
        library = Exhibition(studio.folder / "bronzes")
        seen: dict[tuple[str, str, str, str], str] = {}
        expected: dict[tuple[str, str, str, str], str] = {}
        for role in (Role.VISITOR, *STAFF_ROLES):
            async with studio.staff(None if role is Role.VISITOR else str(role)) as who:
                for method, path, actions, body in ENDPOINTS:
                    headers: dict[str, str] = {}
                    if body == "draft":
                        draft = library.draft()
                        body, headers = json.loads(draft.raw), {"If-Match": f'"{draft.etag}"'}
                    elif body == "live":
                        live = library.published()
                        assert live is not None
                        body = {"version": live.id}
                    elif body == "offer":
                        body, headers = (
                            (await offer()).encode(),
                            {"Content-Type": "application/sdp"},
                        )
                    elif isinstance(body, dict) and "id" in body:
                        body = {"id": body["id"].format(role=role)}
                    elif isinstance(body, dict) and body.get("kind") == "stream":
                        body = {"kind": "stream", "stream": "show"}
                    status, _, answer = await call(who, method, path, body, **headers)
                    if status == 201 and path.endswith("/whep"):
                        await call(who, "DELETE", answer["Location"])
                    key = (str(role), method, path, str(body)[:40])
                    seen[key] = {401: "401", 403: "403"}.get(status, "served")
                    if any(allowed(role, action) for action in actions):
                        expected[key] = "served"
                    else:
                        expected[key] = "401" if role is Role.VISITOR else "403"
        assert seen == expected


async def test_a_large_draft_arrives_whole(tmp_path: Path, users_file: Path) -> None:
    """A big hall's document (hundreds of KB) comes in many reads, not one."""
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("curator") as ada,
    ):
        _, document, headers = await call(ada, "GET", DRAFT)
        first = document["exhibits"][0]
        copies = [
            {**first, "id": f"copy-{n}", "transform": {"translation": [n % 20, 0, n // 20]}}
            for n in range(400)
        ]
        big = {**titled(document, "Big"), "exhibits": [*document["exhibits"], *copies]}
        body = json.dumps(big).encode()
        assert len(body) > 300_000
        status, reply, _ = await call(ada, "PUT", DRAFT, body, **{"If-Match": headers["ETag"]})
        assert status == 200, str(reply)[:500]
        assert len(Exhibition(studio.folder / "bronzes").draft().document.exhibits) == 407


async def test_a_models_animations_are_offered_and_a_bad_model_gets_its_code(
    tmp_path: Path, users_file: Path
) -> None:
    """What the exhibit form's animation choice is filled from; a missing, hostile or
    outside name gets a JSON error, as a document naming it would."""
    async with studio_hall(tmp_path / "hall", users_file) as studio, studio.staff("curator") as ada:
        folder = studio.folder / "bronzes"
        turning_triangle(folder)
        (folder / "broken.glb").write_bytes(b"glTF not really")
        status, facts, headers = await call(ada, "GET", "/api/exhibitions/bronzes/models/turn.glb")
        assert (status, facts) == (200, {"animations": ["Turn"], "cameras": []})
        assert headers["Cache-Control"] == "no-store"
        status, facts, _ = await call(ada, "GET", "/api/exhibitions/bronzes/models/relic-bell.glb")
        assert (status, facts["animations"]) == (200, [])
        for name, expected in (
            ("missing.glb", 404),
            ("broken.glb", 422),
            ("..%2Fexample.scene.json", 422),
            ("%2Fetc%2Fpasswd", 422),
        ):
            status, body, _ = await call(ada, "GET", f"/api/exhibitions/bronzes/models/{name}")
            assert status == expected and body["code"] and body["message"], (name, status, body)
