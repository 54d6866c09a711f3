"""``docs/openapi.json`` says what the server does: a valid OpenAPI 3.1 document whose
schemas are JSON Schema, naming every route the studio installs, and real replies of a
running hall valid against the schemas it documents for them."""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
from aiohttp import web
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from museion.runtime.settings import RuntimeSettings
from museion.scenes.document.schema import SCENE_SCHEMA
from museion.streaming.hall import Catalog, Hall, make_hall_app
from museion.streaming.hall.routes import Installer
from museion.streaming.server import make_app
from museion.streaming.staff import StaffGate, StaffSettings
from museion.streaming.studio import studio_installers
from tests.conftest import ASSETS, LOOPBACK, REPO
from tests.streaming.studio.studio_hall import Staff, studio_hall
from tests.streaming.studio.test_api import DRAFT, call
from tests.streaming.studio.test_uploads import finished, upload

OPENAPI = REPO / "docs" / "openapi.json"
BASE = "urn:museion:openapi"
METHODS = ("get", "put", "post", "delete", "patch")


@cache
def spec() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(OPENAPI.read_text("utf-8"))
    return data


def _schemas(node: Any) -> list[dict[str, Any]]:
    """Every Schema Object in the document (under ``schema`` and ``components/schemas``)."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema" and isinstance(value, dict):
                found.append(value)
            elif key == "schemas" and isinstance(value, dict):
                found.extend(v for v in value.values() if isinstance(v, dict))
            found.extend(_schemas(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_schemas(value))
    return found


def test_the_file_is_openapi_3_1_whose_schemas_are_json_schema() -> None:
    document = spec()
    assert document["openapi"].startswith("3.1")
    schemas = _schemas(document)
    assert len(schemas) > 50
    for schema in schemas:
        jsonschema.Draft202012Validator.check_schema(schema)
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document)


def test_the_scene_document_schema_is_the_loaders() -> None:
    documented = spec()["components"]["schemas"]["SceneDocument"]
    assert documented == {k: v for k, v in SCENE_SCHEMA.items() if k not in ("$schema", "$id")}


def test_every_status_has_the_error_body_and_every_write_the_csrf_scheme() -> None:
    document = spec()
    error = {"$ref": "#/components/schemas/Error"}
    responses = document["components"]["responses"]
    for response in responses.values():
        assert response["content"]["application/json"]["schema"] == error
    statuses = {
        status
        for item in document["paths"].values()
        for method in METHODS
        if method in item
        for status in item[method]["responses"]
    }
    wanted = "200 201 202 204 400 401 403 404 409 412 413 415 422 428 429 503 507"
    assert set(wanted.split()) <= statuses
    for path, item in document["paths"].items():
        for method in ("put", "post", "delete"):
            if method in item and path.startswith(("/api", "/studio/")) and "login" not in path:
                assert {"sessionCookie": [], "csrfHeader": []} in item[method]["security"], path
            if method in item and "requestBody" in item[method]:
                content = item[method]["requestBody"]["content"]
                assert all("example" in media for media in content.values()), (path, method)


def _routes(install: list[Installer], folder: Path) -> set[tuple[str, str]]:
    settings = dataclasses.replace(LOOPBACK, host="127.0.0.1", port=0)
    hall = Hall(Catalog(folder), RuntimeSettings(asset_root=ASSETS), settings, make_app)
    app: web.Application = make_hall_app(hall, settings, install)
    found = set()
    for route in app.router.routes():
        canonical = route.resource.canonical if route.resource is not None else ""
        if route.method not in ("HEAD", "OPTIONS"):
            found.add((route.method, canonical))
    return found


def _no_import(*_args: Any) -> dict[str, Any]:
    raise AssertionError("nothing is uploaded here")


def test_every_route_the_studio_installs_is_documented(tmp_path: Path) -> None:
    gate = StaffGate(StaffSettings(session_key="k" * 32))
    hall_only = _routes([], tmp_path)
    installers = studio_installers(gate, _no_import)
    studio = _routes(installers, tmp_path)
    wanted = (studio - hall_only) | {("GET", "/exhibitions")}
    assert len(wanted) >= 17
    documented = {
        (method.upper(), path)
        for path, item in spec()["paths"].items()
        for method in METHODS
        if method in item
    }
    assert wanted - documented == set()
    assert documented - wanted == set()  # nothing documented that is not served


@cache
def _registry() -> Registry[Any]:
    resource = Resource(contents=spec(), specification=DRAFT202012)
    return Registry().with_resource(BASE, resource)


def _pointer(*parts: str) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def check_reply(path: str, method: str, status: int, content_type: str, body: Any) -> None:
    """``body`` is valid against what the file documents for this reply."""
    response = spec()["paths"][path][method]["responses"][str(status)]
    where = _pointer("paths", path, method, "responses", str(status))
    if "$ref" in response:
        where = response["$ref"].removeprefix("#")
        response = spec()["components"]["responses"][where.rsplit("/", 1)[-1]]
    assert content_type in response["content"], (path, status, content_type)
    where += _pointer("content", content_type, "schema")
    schema = {"$ref": BASE + "#" + quote(where, safe="/~")}
    validator = jsonschema.Draft202012Validator(schema, registry=_registry())
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(body)]
    assert errors == [], (path, status)


async def _checked(
    staff: Staff, method: str, url: str, path: str, body: Any = None, **headers: str
) -> tuple[int, Any]:
    status, reply, reply_headers = await call(staff, method, url, body, **headers)
    kind = reply_headers["Content-Type"].split(";")[0]
    check_reply(path, method.lower(), status, kind, reply)
    return status, reply


async def test_real_replies_follow_the_documented_schemas(tmp_path: Path, users_file: Path) -> None:
    one = "/api/exhibitions/{exhibition}"
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff(None) as anyone,
        studio.staff("curator") as ada,
    ):
        assert (await _checked(ada, "GET", "/studio/session", "/studio/session"))[0] == 200
        assert (await _checked(anyone, "GET", "/studio/session", "/studio/session"))[0] == 401
        assert (await _checked(ada, "GET", "/api/exhibitions", "/api/exhibitions"))[0] == 200
        assert (await _checked(anyone, "GET", "/exhibitions", "/exhibitions"))[0] == 200
        status, document = await _checked(ada, "GET", DRAFT, one + "/draft")
        assert status == 200 and document["exhibits"]
        saved = await _checked(ada, "PUT", DRAFT, one + "/draft", document, **{"If-Match": "x"})
        assert saved[0] == 412 and saved[1]["current_etag"]
        assert (await _checked(ada, "PUT", DRAFT, one + "/draft", document))[0] == 428
        broken = {**document, "title": 7}
        status, refused = await _checked(
            ada, "PUT", DRAFT, one + "/draft", broken, **{"If-Match": saved[1]["current_etag"]}
        )
        assert status == 422 and refused["issues"]
        api = "/api/exhibitions/bronzes"
        status, versions = await _checked(ada, "GET", api + "/versions", one + "/versions")
        assert status == 200 and versions["versions"][0]["live"]
        status, audit = await _checked(ada, "GET", api + "/audit", one + "/audit")
        assert status == 200 and audit["audit"]
        status, diff = await _checked(ada, "GET", api + "/diff?from=live&to=draft", one + "/diff")
        assert status == 200 and isinstance(diff["patch"], list)
        status, missing = await _checked(
            ada, "GET", "/api/exhibitions/nowhere/draft", one + "/draft"
        )
        assert (status, missing["code"]) == (404, "EXHIBITION_NOT_FOUND")
        status, _ = await _checked(ada, "POST", api + "/publish", one + "/publish")
        assert status == 403  # a curator does not publish


async def test_upload_jobs_follow_the_documented_schemas(tmp_path: Path, users_file: Path) -> None:
    job_path = "/api/jobs/{job}"
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("curator") as ada,
    ):
        bell = (ASSETS / "relic-bell.glb").read_bytes()
        for data, state in ((bell, "done"), (bell[:5000], "failed")):
            status, accepted = await upload(ada, data, "bell.glb")
            models = "/api/exhibitions/{exhibition}/models"
            check_reply(models, "post", status, "application/json", accepted)
            job = await finished(ada, accepted["url"])
            assert job["state"] == state, job
            check_reply(job_path, "get", 200, "application/json", job)
        status, missing, _ = await call(ada, "GET", "/api/jobs/nothing-here")
        check_reply(job_path, "get", status, "application/json", missing)
        assert (status, missing["code"]) == (404, "JOB_NOT_FOUND")


def test_the_validation_bites() -> None:
    """A reply that breaks the documented schema is caught: the check above is real."""
    with pytest.raises(AssertionError):
        check_reply("/studio/session", "get", 200, "application/json", {"name": "x"})
    with pytest.raises(AssertionError):
        check_reply("/studio/session", "get", 401, "application/json", {"message": "no code"})
    with pytest.raises(AssertionError):
        draft = "/api/exhibitions/{exhibition}/draft"
        check_reply(draft, "get", 200, "application/json", {"format": "museion.scene"})
