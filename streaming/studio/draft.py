"""The studio's view of a draft: a WebRTC session on a renderer of the saved draft that
staff change as they work (``POST /studio/e/<id>/whep``).

A studio session is a visitor's session (walk, orbit, click) whose datachannel also takes
the edits of :mod:`.edits`: a gizmo drag moves the exhibit in the very next frame, a click
picks a point on a relic's surface in its own frame, the camera's pose becomes a tour
step.  The renderer follows every saved draft (:meth:`DraftViews.follow`): exhibits added,
removed and moved, hotspots and labels change in place; lights, spawn, walkable area,
venue and stage screens need a new renderer, built for the next view opened after the
last one closes (the page offers "refresh view").
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from museion.runtime.camera import fitted
from museion.runtime.editing import SceneEditor
from museion.runtime.engine import RenderEngine
from museion.runtime.errors import EditRefused, RenderError
from museion.scenes.checked_scene import open_scene
from museion.scenes.document.model import Pose, SceneDocument
from museion.scenes.errors import MuseionError
from museion.scenes.gltf.gate import check_gltf
from museion.scenes.library import Exhibition
from museion.scenes.library.exhibition import DRAFT
from museion.streaming.errors import (
    CommandError,
    ExhibitionNotFound,
    ExhibitionUnavailable,
    SessionNotFound,
)
from museion.streaming.hall.hall import HALL_KEY, Hall
from museion.streaming.metrics import Metrics
from museion.streaming.reservation import Places, Reservation
from museion.streaming.signalling import read_offer
from museion.streaming.staff import Action, require
from museion.streaming.studio.edits import (
    Edit,
    MoveEdit,
    PickEdit,
    PoseEdit,
    SnapEdit,
    SyncEdit,
    parse_edit,
    transform_json,
)
from museion.streaming.visit.session import Session

__all__ = ["DRAFTS_KEY", "DraftViews", "StudioSession", "add_draft_routes", "apply_document"]

logger = logging.getLogger(__name__)

MAX_STUDIO_VIEWS = 4
"""Draft views served at once (each is a render like a visitor's)."""
STUDIO_COMMANDS_PER_SECOND = 600
"""A gizmo drag sends an edit every animation frame on top of the view's own commands."""
_LIVE_FIELDS = ("venue", "lights", "spawn", "walkable", "stage_screens", "pedestal_asset")


def apply_document(engine: RenderEngine, library: Exhibition, new: SceneDocument) -> bool:
    """Change the running draft renderer to show ``new`` (on any thread but the loop);
    False when something in it shows only in a new renderer.  Raises ``EditRefused`` or
    ``AssetRejected`` when an exhibit cannot be shown."""
    editor = SceneEditor(engine)
    old = engine.document
    if old is None:
        return False
    before = {e.id: e for e in old.exhibits}
    after = {e.id: e for e in new.exhibits}
    engine.set_document(dataclasses.replace(old, tours=new.tours))
    for gone in reversed([e for e in old.exhibits if e.id not in after]):  # children first
        editor.remove_exhibit(gone.id)
    for exhibit in new.exhibits:
        was = before.get(exhibit.id)
        if was is None or was.asset != exhibit.asset:
            if was is not None:
                editor.remove_exhibit(exhibit.id)
            model = check_gltf(library.asset_root, exhibit.asset)
            pedestal = (
                check_gltf(library.asset_root, new.pedestal_asset) if exhibit.pedestal else None
            )
            editor.add_exhibit(exhibit, model, pedestal)
        elif was.transform != exhibit.transform:
            editor.move_exhibit(exhibit.id, exhibit.transform)
        if was is None or was.hotspots != exhibit.hotspots:
            editor.set_hotspots(exhibit.id, exhibit.hotspots)
        if was is None or was.animation != exhibit.animation:
            try:
                engine.choose_animation(exhibit)
            except RenderError as exc:  # the checker let it pass: the model changed since
                logger.warning("draft view: %s plays no %s: %s", exhibit.id, exc.code, exc)
    current = engine.document
    assert current is not None
    kept = {f: getattr(current, f) for f in _LIVE_FIELDS}
    engine.set_document(dataclasses.replace(new, **kept))
    return all(getattr(old, f) == getattr(new, f) for f in _LIVE_FIELDS)


@dataclass
class DraftView:
    """One exhibition's draft renderer and the studio sessions on it."""

    exhibition: str
    etag: str
    engine: RenderEngine
    sessions: dict[str, StudioSession] = field(default_factory=dict)
    stale: bool = False  # a saved change it cannot show in place


class StudioSession(Session):
    """A draft view: a visitor's session that also takes the studio's edits."""

    draft: DraftView
    library: Exhibition

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._edits: deque[Edit] = deque()

    def handle_message(self, raw: str | bytes) -> None:
        """An edit (up to a whole document, so before the view commands' 4 KiB limit),
        else a view command."""
        try:
            edit = parse_edit(raw)
        except CommandError as exc:
            if exc.code == "COMMAND_UNKNOWN":
                super().handle_message(raw)
            else:
                self._refuse(None, exc.code, exc.message)
            return
        if not self._limit.allow():
            self._drop()
            return
        self._edits.append(edit)
        if len(self._edits) == 1:  # one at a time, in order: a drag's last move wins
            self._spawn(self._drain())

    async def _drain(self) -> None:
        while self._edits:
            edit = self._edits[0]
            if isinstance(edit, MoveEdit) and len(self._edits) > 1:
                later = self._edits[1]
                if isinstance(later, MoveEdit) and later.exhibit == edit.exhibit:
                    self._edits.popleft()  # overtaken by the same drag's next position
                    continue
            try:
                await self._edit(edit)
            except Exception:  # a bug on one edit must not stop the ones after it
                logger.exception("studio view %s: an edit failed", self.id)
                self._refuse(None, "EDIT_FAILED", "That edit could not be applied.")
            finally:
                self._edits.popleft()

    async def _edit(self, edit: Edit) -> None:
        loop = asyncio.get_running_loop()
        editor = SceneEditor(self.engine)
        try:
            if isinstance(edit, MoveEdit):
                await loop.run_in_executor(None, editor.move_exhibit, edit.exhibit, edit.transform)
                reply = {"type": "edit.moved", "exhibit": edit.exhibit}
                self.send({**reply, "transform": transform_json(edit.transform)})
            elif isinstance(edit, SnapEdit):
                placed = await loop.run_in_executor(None, editor.snap_down, edit.exhibit)
                reply = {"type": "edit.snapped", "exhibit": edit.exhibit}
                self.send({**reply, "transform": transform_json(placed)})
            elif isinstance(edit, PickEdit):
                width, height = self.track.size
                state = fitted(self.visit.shown, width, height)
                x, y = edit.x * width, edit.y * height
                hit = await loop.run_in_executor(
                    None, editor.surface_pick, state, width, height, x, y
                )
                found: dict[str, object] = {
                    "exhibit": None,
                    "local": None,
                    "world": None,
                    "normal": None,
                }
                if hit is not None:
                    local = None if hit.local is None else list(hit.local)
                    found = {
                        "exhibit": hit.exhibit,
                        "local": local,
                        "world": list(hit.point),
                        "normal": list(hit.normal),
                    }
                self.send({"type": "edit.picked", "id": edit.id, **found})
            elif isinstance(edit, PoseEdit):
                state = self.visit.view(time.monotonic())
                pose = Pose(position=state.eye(), target=state.target, fov=state.fov)
                self.send(
                    {
                        "type": "edit.posed",
                        "id": edit.id,
                        "pose": {
                            "position": list(pose.position),
                            "target": list(pose.target),
                            "fov": pose.fov,
                        },
                    }
                )
            elif isinstance(edit, SyncEdit):
                live = await loop.run_in_executor(
                    None, apply_document, self.engine, self.library, edit.document
                )
                self.draft.stale = self.draft.stale or not live
                self.send({"type": "edit.synced", "live": live})
        except (EditRefused, MuseionError) as exc:
            self._refuse(None, exc.code, exc.message)


class DraftViews:
    """The draft renderers of a hall's exhibitions, built when staff open a view."""

    def __init__(self, hall: Hall) -> None:
        self.hall = hall
        self.settings = dataclasses.replace(
            hall.settings, max_commands_per_second=STUDIO_COMMANDS_PER_SECOND
        )
        self.views: dict[str, DraftView] = {}
        self.places = Places(MAX_STUDIO_VIEWS, "studio views", hall.settings.retry_after)
        self.metrics = Metrics()
        self._lock = asyncio.Lock()

    def library(self, exhibition: str) -> Exhibition:
        entry = self.hall.catalog.get(exhibition)
        if entry.library is None:
            raise ExhibitionNotFound(f"Exhibition {exhibition!r} is not kept by the studio.")
        return entry.library

    async def view(self, exhibition: str) -> DraftView:
        """The draft renderer to open a session on: the running one, or a new one when the
        running one cannot show the saved draft and nobody is using it."""
        library = self.library(exhibition)
        loop = asyncio.get_running_loop()
        async with self._lock:
            etag = await loop.run_in_executor(None, library.etag)
            if etag is None:
                raise ExhibitionNotFound(f"Exhibition {exhibition!r} has no draft.")
            current = self.views.get(exhibition)
            if current is not None and (current.sessions or not current.stale):
                return current
            if current is not None:
                await self._close(current)
            try:
                scene = await loop.run_in_executor(
                    None, open_scene, library.root / DRAFT, library.asset_root
                )
                engine = await loop.run_in_executor(None, RenderEngine, scene, self.hall.runtime)
            except MuseionError as exc:
                raise ExhibitionUnavailable(
                    f"The draft of {exhibition!r} cannot be shown ({exc.code}): {exc.message}"
                ) from exc
            view = DraftView(exhibition, etag, engine)
            self.views[exhibition] = view
            return view

    async def follow(self, exhibition: str, document: SceneDocument) -> None:
        """A saved draft: the running renderer shows it (what it can, in place)."""
        view = self.views.get(exhibition)
        if view is None:
            return
        loop = asyncio.get_running_loop()
        try:
            live = await loop.run_in_executor(
                None, apply_document, view.engine, self.library(exhibition), document
            )
        except MuseionError as exc:
            logger.warning("draft view of %s cannot follow the save: %s", exhibition, exc)
            live = False
        view.stale = view.stale or not live

    async def _close(self, view: DraftView) -> None:
        for session in list(view.sessions.values()):
            await session.close("draft view closed")
        self.views.pop(view.exhibition, None)
        await asyncio.get_running_loop().run_in_executor(None, view.engine.close)

    async def close(self) -> None:
        for view in list(self.views.values()):
            await self._close(view)


DRAFTS_KEY = web.AppKey("drafts", DraftViews)


@require(Action.READ_STUDIO)
async def open_view(request: web.Request) -> web.Response:
    """A studio session on the exhibition's draft; refused offers keep nothing."""
    drafts = request.app[DRAFTS_KEY]
    exhibition = request.match_info["exhibition"]
    view = await drafts.view(exhibition)
    settings = drafts.settings
    offer, parsed = await read_offer(request, settings)
    loop = asyncio.get_running_loop()
    engine = view.engine
    async with Reservation("studio view") as held:
        drafts.places.take(held)
        source = await loop.run_in_executor(
            engine.executor, engine.open_view, settings.width, settings.height
        )
        held.add(lambda: loop.run_in_executor(engine.executor, source.close))
        start_at = request.query.get("exhibit")  # open orbiting the exhibit being placed
        session = StudioSession(
            engine, source, settings, held, start_at=start_at, metrics=drafts.metrics.visit
        )
        session.draft, session.library = view, drafts.library(exhibition)
        answer = await session.answer(offer, parsed)
        view.sessions[session.id] = session
        held.add(lambda: view.sessions.pop(session.id, None))
    logger.info("studio view %s of %s opened", session.id, exhibition)
    return web.Response(
        status=201,
        text=answer,
        content_type="application/sdp",
        headers={"Location": f"{request.path}/{session.id}"},
    )


@require(Action.READ_STUDIO)
async def close_view(request: web.Request) -> web.Response:
    view = request.app[DRAFTS_KEY].views.get(request.match_info["exhibition"])
    session = None if view is None else view.sessions.get(request.match_info["session"])
    if session is None:
        raise SessionNotFound("No such studio view: it has ended or never existed.")
    await session.close("DELETE")
    return web.Response(status=204)


def add_draft_routes(app: web.Application) -> None:
    """The draft views' routes on a hall's app (after the staff gate)."""
    drafts = DraftViews(app[HALL_KEY])
    app[DRAFTS_KEY] = drafts
    app.router.add_post("/studio/e/{exhibition}/whep", open_view)
    app.router.add_delete("/studio/e/{exhibition}/whep/{session}", close_view)

    async def _close(_app: web.Application) -> None:
        with contextlib.suppress(Exception):
            await drafts.close()

    app.on_shutdown.append(_close)
