"""The exports over HTTP: a IIIF manifest and LIDO records of what visitors see, and the
manifest of any version (or the draft) for staff.

    GET /e/{id}/manifest.json                       public: the live version's manifest
    GET /e/{id}/exhibits/{exhibit}/lido.xml         public: one exhibit's LIDO record
    GET /api/exhibitions/{id}/export/iiif?version=  staff: ``live`` (default), ``draft``, an id

IIIF viewers run on other sites, so the public replies (errors too) carry
``Access-Control-Allow-Origin: *``; nothing there needs credentials.  The public routes
must be added before the hall mounts ``/e/`` (an installer is), or the hall would take them.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from museion.scenes.document.model import SceneDocument
from museion.scenes.errors import ExportError, MuseionError
from museion.scenes.exports import iiif_manifest, lido_xml
from museion.streaming.errors import ExhibitionNotFound, RequestInvalid
from museion.streaming.hall.catalog import Entry
from museion.streaming.hall.hall import HALL_KEY, PREFIX
from museion.streaming.http_errors import error_response
from museion.streaming.staff import Action, require

__all__ = ["IIIF_CONTENT_TYPE", "ExportSettings", "add_export_routes"]

logger = logging.getLogger(__name__)
T = TypeVar("T")

IIIF_CONTENT_TYPE = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
"""The media type the IIIF Presentation 3 specification asks manifests to be served as."""
ID = "{exhibition:[a-z0-9][a-z0-9-]{0,62}}"


@dataclass(frozen=True)
class ExportSettings:
    """``base_url``: the public origin manifests name (``https://museum.example``); None
    takes the request's own (right unless a proxy rewrites the scheme or host)."""

    base_url: str | None = None


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _off_loop(fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


def _public(handler: Handler) -> Handler:
    """Every reply, an error's too, readable from another origin."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            response = await handler(request)
        except MuseionError as exc:
            response = error_response(exc)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped


def _entry(request: web.Request) -> Entry:
    return request.app[HALL_KEY].catalog.get(request.match_info["exhibition"])


def _live(entry: Entry) -> SceneDocument:
    document = entry.document()
    if document is None:
        raise ExhibitionNotFound(f"Exhibition {entry.id!r} has not been published yet.")
    return document


def _manifest_reply(manifest: dict[str, Any]) -> web.Response:
    return web.Response(
        body=json.dumps(manifest, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": IIIF_CONTENT_TYPE, "Cache-Control": "no-cache"},
    )


class _Exports:
    def __init__(self, settings: ExportSettings) -> None:
        self.settings = settings

    def base_url(self, request: web.Request) -> str:
        return self.settings.base_url or f"{request.scheme}://{request.host}"

    async def manifest(self, request: web.Request) -> web.StreamResponse:
        entry = _entry(request)
        document = await _off_loop(_live, entry)
        return _manifest_reply(
            iiif_manifest(document, base_url=self.base_url(request), exhibition_id=entry.id)
        )

    async def lido(self, request: web.Request) -> web.StreamResponse:
        entry = _entry(request)
        document = await _off_loop(_live, entry)
        exhibit = request.match_info["exhibit"]
        try:
            body = lido_xml(document, exhibit)
        except ExportError as exc:
            raise ExhibitionNotFound(
                f"Exhibition {entry.id!r} has no exhibit {exhibit[:64]!r}.",
                code="EXHIBIT_NOT_FOUND",
            ) from exc
        return web.Response(
            body=body,
            content_type="application/xml",
            charset="utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    async def staff_manifest(self, request: web.Request) -> web.StreamResponse:
        entry = _entry(request)
        which = request.query.get("version", "live")

        def document() -> SceneDocument:
            library = entry.library
            if which == "live":
                return _live(entry)
            if library is None:
                raise RequestInvalid(
                    f"Exhibition {entry.id!r} is a plain document: it has only its live version.",
                    pointer="",
                )
            if which == "draft":
                return library.draft().document
            return library.document(which)

        manifest = iiif_manifest(
            await _off_loop(document), base_url=self.base_url(request), exhibition_id=entry.id
        )
        return _manifest_reply(manifest)


def add_export_routes(app: web.Application, settings: ExportSettings | None = None) -> None:
    """The export routes on a hall's app; add before the hall mounts ``/e/`` (the staff
    route needs the staff gate installed)."""
    exports = _Exports(settings or ExportSettings())
    one = f"{PREFIX}/{ID}"
    app.router.add_get(one + "/manifest.json", _public(exports.manifest))
    app.router.add_get(one + "/exhibits/{exhibit}/lido.xml", _public(exports.lido))
    app.router.add_get(
        "/api/exhibitions/" + ID + "/export/iiif",
        require(Action.READ_STUDIO)(exports.staff_manifest),
    )
