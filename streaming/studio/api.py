"""The studio's HTTP API over a hall's exhibitions (``docs/openapi.json`` documents it).

The studio page works through it, and so can a collection management system::

    GET  /api/exhibitions                         every exhibition, drafts included
    POST /api/exhibitions                         create one {"id", "title", "default_language"}
    GET  /api/exhibitions/{id}/draft              the draft, its ETag in ``ETag``
    PUT  /api/exhibitions/{id}/draft              replace it: ``If-Match`` (or ``If-None-Match: *``)
    POST /api/exhibitions/{id}/publish            the draft becomes the live version
    POST /api/exhibitions/{id}/restore            {"version"}: that version is live again
    GET  /api/exhibitions/{id}/versions           every version, the live one marked
    GET  /api/exhibitions/{id}/diff?from=&to=     an RFC 6902 patch (ids, ``live``, ``draft``)
    GET  /api/exhibitions/{id}/audit              who changed what when (``?format=jsonl``)

A write needs the role (:mod:`museion.streaming.staff.roles`) and, with a session cookie,
the CSRF header.  Library work (files, locks, hashing) runs off the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import time
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from museion.scenes.checked_scene import model_facts
from museion.scenes.document.schema import CURRENT_VERSION, FORMAT
from museion.scenes.exports.stamp import stamp_models
from museion.scenes.gltf.gate import check_gltf
from museion.scenes.library import Exhibition, Version
from museion.scenes.library.audit import AuditEntry
from museion.streaming.client_files import client_dir
from museion.streaming.errors import (
    ExhibitionExists,
    ExhibitionNotFound,
    ExhibitionUnavailable,
    PreconditionRequired,
    RequestInvalid,
)
from museion.streaming.hall.catalog import Catalog, valid_id
from museion.streaming.hall.hall import HALL_KEY, Hall
from museion.streaming.signalling import read_body
from museion.streaming.staff import Action, require, staff_name
from museion.streaming.studio.draft import DRAFTS_KEY

__all__ = ["MAX_DOCUMENT_BYTES", "add_api_routes", "read_json", "read_object"]

logger = logging.getLogger(__name__)
T = TypeVar("T")

MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
"""A scene document larger than this is refused before it is parsed (413)."""
STARTER_FILES = ("venue.glb", "pedestal.glb")
"""What a new exhibition is given from the server's asset root: a room and a pedestal."""
API = "/api/exhibitions"


async def _off_loop(fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


def _library(request: web.Request) -> Exhibition:
    """The studio folder of the exhibition in the path (a plain document is read-only)."""
    catalog = request.app[HALL_KEY].catalog
    exhibition_id = request.match_info["exhibition"]
    entry = catalog.get(exhibition_id)
    if entry.library is None:
        raise ExhibitionNotFound(
            f"Exhibition {exhibition_id!r} is a plain document file; the studio edits only "
            "exhibitions it keeps (create one and copy the document into its draft)."
        )
    return entry.library


def _quoted(etag: str) -> str:
    return f'"{etag}"'


def _unquoted(header: str) -> str:
    text = header.strip()
    if text.startswith("W/"):
        text = text[2:]
    return text.strip('"')


def _body_too_large(message: str) -> RequestInvalid:
    return RequestInvalid(message, code="BODY_TOO_LARGE")


async def read_json(request: web.Request) -> Any:
    """The request's JSON, or a 400/413/415 with a pointer to what is wrong."""
    if request.content_type != "application/json":
        raise RequestInvalid("Send JSON (Content-Type: application/json).", code="NOT_JSON")
    if request.content_length is not None and request.content_length > MAX_DOCUMENT_BYTES:
        raise RequestInvalid("The body is too large.", code="BODY_TOO_LARGE")
    timeout = request.app[HALL_KEY].settings.body_timeout
    raw = await read_body(request, MAX_DOCUMENT_BYTES, timeout, "body", _body_too_large)
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = getattr(exc, "pos", 0)
        raise RequestInvalid(
            f"The body is not JSON (at byte {where}).", code="JSON_MALFORMED", pointer=""
        ) from exc


async def read_object(request: web.Request, shape: str) -> dict[str, Any]:
    """The request's JSON object; anything else is a 400 saying ``Send <shape>``."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise RequestInvalid(f"Send an object: {shape}.", pointer="")
    return body


def _version_json(version: Version, live: Version | None) -> dict[str, Any]:
    return {
        "id": version.id,
        "published_at": version.published_at,
        "published_by": version.published_by,
        "parent": version.parent,
        "summary": version.summary,
        "live": live is not None and live.id == version.id,
    }


def _audit_json(entry: AuditEntry) -> dict[str, Any]:
    return entry.to_dict()


@require(Action.READ_STUDIO)
async def list_exhibitions(request: web.Request) -> web.Response:
    catalog: Catalog = request.app[HALL_KEY].catalog

    def listing() -> list[dict[str, Any]]:
        out = []
        for exhibition_id, entry in catalog.entries().items():
            library = entry.library
            live = library.published() if library is not None else None
            out.append(
                {
                    "id": exhibition_id,
                    "editable": library is not None,
                    "draft_etag": library.etag() if library is not None else None,
                    "live_version": live.id if live is not None else None,
                    "url": f"/e/{exhibition_id}/",
                }
            )
        return out

    return web.json_response({"exhibitions": await _off_loop(listing)})


@require(Action.EDIT_DRAFTS)
async def create_exhibition(request: web.Request) -> web.Response:
    body = await read_object(request, "{id, title, default_language}")
    exhibition_id = body.get("id")
    if not isinstance(exhibition_id, str) or not valid_id(exhibition_id):
        raise RequestInvalid(
            "An exhibition id is 1-63 lowercase letters, digits and dashes.", pointer="/id"
        )
    language = body.get("default_language", "en")
    title = body.get("title", {language: exhibition_id} if isinstance(language, str) else {})
    hall: Hall = request.app[HALL_KEY]
    document = {
        "format": FORMAT,
        "version": CURRENT_VERSION,
        "default_language": language,
        "title": title,
        "venue": STARTER_FILES[0],
        "exhibits": [],
    }

    who = staff_name(request)

    def create() -> str:
        folder = hall.catalog.folder / exhibition_id
        try:
            hall.catalog.get(exhibition_id)
        except ExhibitionNotFound:
            pass
        else:
            raise ExhibitionExists(f"There is already an exhibition {exhibition_id!r}.")
        try:
            folder.mkdir()  # never into a folder that is there already, whatever it holds
        except FileExistsError as exc:
            raise ExhibitionExists(f"A folder named {exhibition_id!r} is in the way.") from exc
        try:
            for name in STARTER_FILES:
                source = hall.runtime.asset_root / name
                if source.is_file():
                    shutil.copyfile(source, folder / name)
            return Exhibition(folder).save_draft(document, None, who)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)  # ours alone: nothing of a refused one stays
            raise

    etag = await _off_loop(create)
    logger.info("exhibition %s created by %s", exhibition_id, who)
    return web.json_response(
        {"id": exhibition_id, "etag": etag},
        status=201,
        headers={"Location": f"{API}/{exhibition_id}", "ETag": _quoted(etag)},
    )


@require(Action.READ_STUDIO)
async def get_draft(request: web.Request) -> web.Response:
    library = _library(request)
    draft = await _off_loop(library.draft)
    return web.Response(
        body=draft.raw,
        content_type="application/json",
        headers={"ETag": _quoted(draft.etag), "Cache-Control": "no-store"},
    )


@require(Action.EDIT_DRAFTS)
async def put_draft(request: web.Request) -> web.Response:
    library = _library(request)
    if_match = request.headers.get("If-Match")
    creating = request.headers.get("If-None-Match", "").strip() == "*"
    if if_match is None and not creating:
        raise PreconditionRequired(
            "Say which draft you changed: send If-Match with its ETag (or If-None-Match: * "
            "for the first draft), so nobody's work is overwritten unseen."
        )
    document = await read_json(request)
    expected = None if creating else _unquoted(if_match or "")
    etag = await _off_loop(library.save_draft, document, expected, staff_name(request))
    drafts = request.app.get(DRAFTS_KEY)
    if drafts is not None:  # an open draft view shows what was saved
        saved = await _off_loop(library.draft)
        await drafts.follow(request.match_info["exhibition"], saved.document)
    return web.json_response({"etag": etag}, headers={"ETag": _quoted(etag)})


@require(Action.PUBLISH)
async def publish(request: web.Request) -> web.Response:
    """Publish, then open the new version for visitors; a version that cannot be served is
    taken back (the previous one restored) and the refusal says why."""
    library = _library(request)
    hall: Hall = request.app[HALL_KEY]
    who = staff_name(request)
    before = await _off_loop(library.published)
    draft = await _off_loop(library.draft)
    # Each imported model carries its exhibit's Dublin Core (unchanged ones are not rewritten).
    await _off_loop(stamp_models, library.asset_root, draft.document)
    version = await _off_loop(library.publish, who)
    started = time.monotonic()
    try:
        await hall.generation(request.match_info["exhibition"])
    except ExhibitionUnavailable:
        if before is not None and before.id != version.id:
            await _off_loop(library.restore, before.id, f"{who} (automatic: publish refused)")
        raise
    return web.json_response(
        {
            "version": _version_json(version, version),
            "switched_in_s": round(time.monotonic() - started, 3),
        },
        status=201,
    )


@require(Action.RESTORE)
async def restore(request: web.Request) -> web.Response:
    library = _library(request)
    body = await read_json(request)
    wanted = body.get("version") if isinstance(body, dict) else None
    if not isinstance(wanted, str):
        raise RequestInvalid('Name the version to restore: {"version": ID}.', pointer="/version")
    version = await _off_loop(library.restore, wanted, staff_name(request))
    await request.app[HALL_KEY].generation(request.match_info["exhibition"])
    return web.json_response({"version": _version_json(version, version)})


@require(Action.READ_STUDIO)
async def versions(request: web.Request) -> web.Response:
    library = _library(request)

    def listing() -> list[dict[str, Any]]:
        live = library.published()
        return [_version_json(v, live) for v in reversed(library.versions())]

    return web.json_response({"versions": await _off_loop(listing)})


@require(Action.READ_STUDIO)
async def diff(request: web.Request) -> web.Response:
    library = _library(request)
    old, new = request.query.get("from", "live"), request.query.get("to", "draft")

    def document_of(which: str) -> Any:
        if which == "draft":
            return json.loads(library.draft().raw)
        if which == "live":
            live = library.published()
            if live is None:
                return {}
            which = live.id
        return json.loads(library.objects.read(library.version(which).document))

    def patch() -> list[dict[str, Any]]:
        import jsonpatch

        ops: list[dict[str, Any]] = jsonpatch.make_patch(document_of(old), document_of(new)).patch
        return ops

    return web.json_response({"from": old, "to": new, "patch": await _off_loop(patch)})


@require(Action.READ_STUDIO)
async def audit(request: web.Request) -> web.StreamResponse:
    library = _library(request)
    entries = await _off_loop(library.audit)
    if request.query.get("format") == "jsonl":
        lines = "".join(json.dumps(_audit_json(e), ensure_ascii=False) + "\n" for e in entries)
        name = f"{request.match_info['exhibition']}-audit.jsonl"
        return web.Response(
            text=lines,
            content_type="application/x-ndjson",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return web.json_response({"audit": [_audit_json(e) for e in reversed(entries)]})


@require(Action.READ_STUDIO)
async def model_facts_get(request: web.Request) -> web.Response:
    """What the studio's forms offer for one of the exhibition's models: the animations
    an exhibit may play and the cameras a tour step may rest on.  The model goes through
    the gate as a document's would (a refused or missing one gets its code)."""
    library = _library(request)
    model = await _off_loop(check_gltf, library.asset_root, request.match_info["asset"])
    facts = await _off_loop(model_facts, model)
    return web.json_response(facts, headers={"Cache-Control": "no-store"})


async def studio_page(_request: web.Request) -> web.FileResponse:
    """The studio's page; it signs in and then works through the API."""
    return web.FileResponse(client_dir() / "studio.html", headers={"Cache-Control": "no-cache"})


def add_api_routes(app: web.Application) -> None:
    """The API's routes on a hall's app (which has the staff gate installed)."""
    one = API + "/{exhibition}"
    app.router.add_get("/studio", studio_page)
    app.router.add_get(API, list_exhibitions)
    app.router.add_post(API, create_exhibition)
    app.router.add_get(one + "/draft", get_draft)
    app.router.add_put(one + "/draft", put_draft)
    app.router.add_post(one + "/publish", publish)
    app.router.add_post(one + "/restore", restore)
    app.router.add_get(one + "/versions", versions)
    app.router.add_get(one + "/diff", diff)
    app.router.add_get(one + "/audit", audit)
    app.router.add_get(one + "/models/{asset}", model_facts_get)
