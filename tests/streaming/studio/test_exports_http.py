"""The exports over real HTTP: the public IIIF manifest (valid against the Presentation 3
schema, readable from other origins), LIDO per exhibit, the staff's manifest of any
version, and the Dublin Core a publish writes into imported models."""

from __future__ import annotations

import functools
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
import pygltflib

from museion.scenes.exports.lido import LIDO_NS
from museion.streaming.studio.exports import IIIF_CONTENT_TYPE, ExportSettings, add_export_routes
from tests.conftest import ASSETS
from tests.streaming.hall.hall_fixtures import hall, hall_folder
from tests.streaming.studio.studio_hall import studio_hall
from tests.streaming.studio.test_api import DRAFT, call

SCHEMA = Path(__file__).parents[2] / "scenes" / "exports" / "fixtures" / "iiif_3_0.json"


async def fetch(url: str) -> tuple[int, str, aiohttp.typedefs.LooseHeaders]:
    headers = {"Origin": "https://viewer.example"}
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as reply:
        return reply.status, await reply.text(), reply.headers


def _schema_errors(manifest: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(manifest)]


async def test_the_public_manifest_is_valid_iiif_for_other_origins(
    tmp_path: Path, users_file: Path
) -> None:
    async with studio_hall(tmp_path / "hall", users_file) as studio:
        for exhibition in ("bronzes", "example"):  # a studio one and a plain document
            status, text, headers = await fetch(f"{studio.url}/e/{exhibition}/manifest.json")
            assert status == 200, text
            assert headers["Content-Type"] == IIIF_CONTENT_TYPE
            assert headers["Access-Control-Allow-Origin"] == "*"
            manifest = json.loads(text)
            assert _schema_errors(manifest) == []
            assert manifest["id"] == f"{studio.url}/e/{exhibition}/manifest.json"
            assert manifest["items"][0]["homepage"][0]["id"].startswith(
                f"{studio.url}/e/{exhibition}/?exhibit="
            )
        bronzes = json.loads((await fetch(f"{studio.url}/e/bronzes/manifest.json"))[1])
        assert bronzes["label"]["en"] == ["bronzes"]
        # Unpublished or unknown: the error tree's JSON 404, readable cross-origin.
        for exhibition in ("drafts", "nowhere"):
            status, text, headers = await fetch(f"{studio.url}/e/{exhibition}/manifest.json")
            assert (status, json.loads(text)["code"]) == (404, "EXHIBITION_NOT_FOUND")
            assert headers["Access-Control-Allow-Origin"] == "*"
        # The exhibition itself is still the hall's.
        status, _, _ = await fetch(f"{studio.url}/e/bronzes/")
        assert status == 200


async def test_lido_per_exhibit_and_restricted_ones_title_only(
    tmp_path: Path, users_file: Path
) -> None:
    async with studio_hall(tmp_path / "hall", users_file) as studio:
        base = f"{studio.url}/e/bronzes/exhibits"
        status, text, headers = await fetch(f"{base}/bronze-hu/lido.xml")
        assert status == 200 and headers["Content-Type"].startswith("application/xml")
        assert headers["Access-Control-Allow-Origin"] == "*"
        record = ET.fromstring(text.encode("utf-8"))
        titles = [e.text for e in record.iter(f"{{{LIDO_NS}}}appellationValue")]
        assert {"Bronze hu vessel", "青铜壶"} <= set(titles)  # every language
        assert list(record.iter(f"{{{LIDO_NS}}}descriptiveNoteValue"))
        status, text, _ = await fetch(f"{base}/lacquer-box/lido.xml")
        restricted = ET.fromstring(text.encode("utf-8"))
        assert status == 200 and list(restricted.iter(f"{{{LIDO_NS}}}titleSet"))
        assert not list(restricted.iter(f"{{{LIDO_NS}}}descriptiveNoteValue"))
        status, text, headers = await fetch(f"{base}/no-such/lido.xml")
        assert (status, json.loads(text)["code"]) == (404, "EXHIBIT_NOT_FOUND")
        assert headers["Access-Control-Allow-Origin"] == "*"


async def test_staff_get_the_manifest_of_the_draft_or_any_version(
    tmp_path: Path, users_file: Path
) -> None:
    path = "/api/exhibitions/bronzes/export/iiif"
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff(None) as anyone,
        studio.staff("venue") as venue,
        studio.staff("curator") as ada,
    ):
        status, body, _ = await call(anyone, "GET", path)
        assert (status, body["code"]) == (401, "SIGN_IN_REQUIRED")
        _, document, headers = await call(ada, "GET", DRAFT)
        renamed = {**document, "title": {**document["title"], "en": "Renamed"}}
        assert (await call(ada, "PUT", DRAFT, renamed, **{"If-Match": headers["ETag"]}))[0] == 200
        _, versions, _ = await call(ada, "GET", "/api/exhibitions/bronzes/versions")
        live = versions["versions"][0]["id"]
        for query, title in (
            ("?version=draft", "Renamed"),
            ("", "bronzes"),
            (f"?version={live}", "bronzes"),
        ):
            status, text, headers = await call(venue, "GET", path + query)
            assert status == 200 and headers["Content-Type"] == IIIF_CONTENT_TYPE
            manifest = json.loads(text)
            assert manifest["label"]["en"] == [title]
            assert _schema_errors(manifest) == []
        status, body, _ = await call(ada, "GET", path + "?version=" + "0" * 64)
        assert status == 404, body
        status, body, _ = await call(ada, "GET", "/api/exhibitions/drafts/export/iiif")
        assert status == 404, body


def _packet_titles(path: Path) -> dict[str, str]:
    gltf = pygltflib.GLTF2().load(str(path))
    index = gltf.asset.extensions["KHR_xmp_json_ld"]["packet"]
    title = gltf.extensions["KHR_xmp_json_ld"]["packets"][index]["dc:title"]
    return {v["@language"]: v["@value"] for k, v in title.items() if k != "@type"}


async def test_publish_writes_dublin_core_into_imported_models_once(
    tmp_path: Path, users_file: Path
) -> None:
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("publisher") as pat,
    ):
        folder = studio.folder / "bronzes"
        (folder / "models").mkdir()
        shutil.copy(ASSETS / "relic.glb", folder / "models" / "hu.glb")
        venue = (folder / "venue.glb").read_bytes()
        _, document, headers = await call(pat, "GET", DRAFT)
        document["exhibits"][0]["asset"] = "models/hu.glb"
        title = document["exhibits"][0]["metadata"]["title"]
        assert len(title) >= 2  # every language, not only the default one
        status, body, _ = await call(pat, "PUT", DRAFT, document, **{"If-Match": headers["ETag"]})
        assert status == 200, body
        status, first, _ = await call(pat, "POST", "/api/exhibitions/bronzes/publish")
        assert status == 201, first
        assert _packet_titles(folder / "models" / "hu.glb") == title
        assert (folder / "venue.glb").read_bytes() == venue
        stamped = (folder / "models" / "hu.glb").read_bytes()
        status, second, _ = await call(pat, "POST", "/api/exhibitions/bronzes/publish")
        assert status == 201, second
        assert second["version"]["id"] == first["version"]["id"]
        assert (folder / "models" / "hu.glb").read_bytes() == stamped


async def test_a_configured_base_url_names_the_public_origin(tmp_path: Path) -> None:
    """Behind a proxy the request's own origin is not the public one: the setting wins."""
    public = "https://museum.example"
    install = functools.partial(add_export_routes, settings=ExportSettings(base_url=public))
    async with hall(hall_folder(tmp_path / "hall"), [install]) as url:
        status, text, _ = await fetch(f"{url}/e/bronzes/manifest.json")
        assert status == 200
        manifest = json.loads(text)
        assert manifest["id"] == f"{public}/e/bronzes/manifest.json"
        assert _schema_errors(manifest) == []
