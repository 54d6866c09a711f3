"""Recordings for tour steps: upload one, or have the narrator draft one from the text.

::

    POST /api/exhibitions/{id}/media?name=FILE.ogg   a recording's bytes -> 201 {name}
    POST /api/exhibitions/{id}/narrate               {tour, step, language, voice?} -> 201 {name}
    GET  /api/exhibitions/{id}/media/{name}          a recording of the draft, for staff to hear

A recording is kept only when its bytes are audio the browsers play (Ogg, MP3, M4A, WAV,
WebM; the name's suffix is made to agree, since the suffix decides the Content-Type it is
served with).  It is stored under ``media/`` in the exhibition, written whole and then
linked to a free name: a different file of the same name is never replaced (``-2``,
``-3``...), the same bytes again get the name they already have.  The draft is not
touched: the page sets the step's ``audio`` (so undo and autosave cover it).  The
narrator (the toolchain's, which this layer may not import) is a plain callable, run on
one worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from aiohttp import web

from museion.scenes.asset_path import find_file
from museion.scenes.document.file import link_unique
from museion.scenes.errors import AssetRejected, MuseionError
from museion.scenes.library import Exhibition
from museion.streaming.errors import (
    CapacityReached,
    ExhibitionNotFound,
    MediaNotFound,
    MediaRefused,
    NarrationFailed,
    NarrationTargetNotFound,
    NarratorUnavailable,
    RequestInvalid,
)
from museion.streaming.hall.hall import HALL_KEY
from museion.streaming.server import MEDIA_TYPES
from museion.streaming.staff import Action, current_staff, require
from museion.streaming.studio.api import read_json
from museion.streaming.studio.uploads import receive_file

__all__ = ["MAX_MEDIA_BYTES", "Narrator", "add_media_routes", "audio_kind"]

logger = logging.getLogger(__name__)

Narrator = Callable[[str, str, str | None], bytes]
"""``(text, language, voice or None) -> Ogg Opus bytes``; raises a :class:`MuseionError`
(``NARRATOR_MISSING`` when it cannot run at all)."""

MAX_MEDIA_BYTES = 50 * 1024**2
"""A recording larger than this is refused (413): an hour of speech is a few MB."""
MAX_NARRATING = 4
"""Narrations waiting at once; more get ``503`` and ``Retry-After``."""
FOLDER = "media"
_MAX_NAMES = 1000
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_VOICE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+/-]{0,63}")
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")

_SUFFIXES = {
    "ogg": (".ogg", ".opus", ".oga"),
    "mp3": (".mp3",),
    "m4a": (".m4a",),
    "wav": (".wav",),
    "webm": (".webm",),
}
_MP4_BRANDS = frozenset(
    {b"M4A ", b"M4B ", b"mp41", b"mp42", b"isom", b"iso2", b"iso5", b"iso6", b"dash"}
)
TYPES = MEDIA_TYPES
"""What a draft's recordings and hotspot images are served as (as visitors get them)."""


def audio_kind(head: bytes) -> str | None:
    """Which audio container the first bytes of a file open (``ogg``, ``mp3``, ``m4a``,
    ``wav``, ``webm``), or ``None`` for anything else."""
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"ID3") or (
        len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06
    ):
        return "mp3"  # an ID3 tag, or an MPEG audio frame's sync word with a layer
    if head[4:8] == b"ftyp" and head[8:12] in _MP4_BRANDS:
        return "m4a"  # an MP4 whose brand is audio or plain MP4 (not HEIC, AVIF, QuickTime)
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"  # EBML (Matroska/WebM)
    return None


def _name(raw: str, kind: str) -> str:
    """A safe file name from what the browser called it, with the suffix of its content."""
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = _SAFE.sub("-", stem).strip(" .-")[:80] or "recording"
    wanted = "." + suffix.lower()
    return stem + (wanted if wanted in _SUFFIXES[kind] else _SUFFIXES[kind][0])


def claim(folder: Path, name: str, temp: Path) -> str:
    """Link the finished ``temp`` to ``name`` in ``folder`` or, when a different file has
    that name, the first free ``stem-2.ext``...; a file with the same bytes is reused."""
    stem, _, suffix = name.rpartition(".")
    found = link_unique(temp, folder, stem, f".{suffix}", reuse_same=True, limit=_MAX_NAMES)
    if found is not None:
        return found
    raise RequestInvalid(
        f"{FOLDER}/ already holds {_MAX_NAMES} recordings named {stem}; rename the file.",
        code="MEDIA_NAMES_EXHAUSTED",
        pointer="/name",
    )


def _finish(temp: Path) -> None:
    with temp.open("rb+") as handle:
        os.fsync(handle.fileno())


def _library(request: web.Request) -> Exhibition:
    exhibition = request.match_info["exhibition"]
    entry = request.app[HALL_KEY].catalog.get(exhibition)
    if entry.library is None:
        raise ExhibitionNotFound(
            f"Exhibition {exhibition!r} is a plain document file; the studio edits only "
            "exhibitions it keeps."
        )
    return entry.library


def _who(request: web.Request) -> str:
    staff = current_staff(request)
    return staff.name if staff is not None else "anonymous"


class Media:
    """One server's narrator, its one worker thread, and how many narrations wait."""

    def __init__(self, narrator: Narrator | None, max_bytes: int = MAX_MEDIA_BYTES) -> None:
        self.narrator = narrator
        self.max_bytes = max_bytes
        self.narrating = 0
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="studio-narrate")


MEDIA_KEY = web.AppKey("media", Media)


async def _off_loop(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


async def _store(library: Exhibition, name: str, temp: Path) -> str:
    """``temp`` (finished, inside ``media/``) kept under a free ``media/<name>``."""
    await _off_loop(_finish, temp)
    stored = await _off_loop(claim, temp.parent, name, temp)
    return f"{FOLDER}/{stored}"


@require(Action.EDIT_DRAFTS)
async def upload_media(request: web.Request) -> web.Response:
    media = request.app[MEDIA_KEY]
    library = _library(request)
    raw = request.query.get("name", "")
    if not raw.strip(" ./\\"):
        raise RequestInvalid(
            "Name the recording with ?name=FILE.ogg.", code="MEDIA_NAME_INVALID", pointer="/name"
        )
    if request.content_length is not None and request.content_length > media.max_bytes:
        raise RequestInvalid(
            f"A recording may be at most {media.max_bytes // 1024**2} MB.", code="BODY_TOO_LARGE"
        )
    folder = library.asset_root / FOLDER
    await _off_loop(lambda: folder.mkdir(parents=True, exist_ok=True))
    temp = folder / f".upload-{secrets.token_hex(8)}.part"
    try:
        limit = media.max_bytes
        too_large = f"A recording may be at most {limit // 1024**2} MB."
        head = await receive_file(request, temp, limit, too_large)
        kind = audio_kind(head)
        if kind is None:
            raise MediaRefused(
                "This file is not a recording the studio keeps: upload Ogg (Opus or Vorbis), "
                "MP3, M4A, WAV or WebM audio.",
                pointer="/body",
            )
        name = await _store(library, _name(raw, kind), temp)
    finally:
        temp.unlink(missing_ok=True)
    logger.info("%s uploaded %s to %s", _who(request), name, request.match_info["exhibition"])
    return web.json_response({"name": name}, status=201)


def _target(document: Any, body: Any) -> tuple[str, int, str, str, str | None]:
    """``(tour id, step index, language, text, voice)`` from the request and the draft."""
    if not isinstance(body, dict):
        raise RequestInvalid("Send an object: {tour, step, language, voice?}.", pointer="")
    tour_id, index = body.get("tour"), body.get("step")
    language, voice = body.get("language"), body.get("voice")
    if not isinstance(tour_id, str):
        raise RequestInvalid("Name the tour: {tour: ID}.", pointer="/tour")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise RequestInvalid("Give the step's index, from 0: {step: 0}.", pointer="/step")
    if not isinstance(language, str) or not _LANGUAGE.fullmatch(language):
        raise RequestInvalid("Give a language tag: {language: 'en'}.", pointer="/language")
    if voice is not None and (not isinstance(voice, str) or not _VOICE.fullmatch(voice)):
        raise RequestInvalid("A voice is an espeak-ng voice name (e.g. en-gb).", pointer="/voice")
    tour = next((t for t in document.tours if t.id == tour_id), None)
    if tour is None:
        raise NarrationTargetNotFound(
            f"The saved draft has no tour {tour_id!r} (save the draft first).", pointer="/tour"
        )
    if index >= len(tour.steps):
        raise NarrationTargetNotFound(
            f"Tour {tour_id!r} has {len(tour.steps)} steps in the saved draft; there is no "
            f"step {index + 1}.",
            pointer="/step",
        )
    text = tour.steps[index].narration.get(language, "").strip()
    if not text:
        raise RequestInvalid(
            f"Step {index + 1} of {tour_id!r} has no narration in {language!r} to speak.",
            code="NARRATION_MISSING",
            pointer="/language",
        )
    return tour_id, index, language, text, voice


@require(Action.EDIT_DRAFTS)
async def narrate(request: web.Request) -> web.Response:
    media = request.app[MEDIA_KEY]
    library = _library(request)
    body = await read_json(request)
    draft = await _off_loop(library.draft)
    tour_id, index, language, text, voice = _target(draft.document, body)
    if media.narrator is None:
        raise NarratorUnavailable("This server was started without a narrator.")
    if media.narrating >= MAX_NARRATING:
        raise CapacityReached("Other narrations are being spoken; try again in a minute.", 30)
    media.narrating += 1
    try:
        loop = asyncio.get_running_loop()
        spoken: bytes = await loop.run_in_executor(
            media.pool, media.narrator, text, language, voice
        )
    except MuseionError as exc:
        if exc.code == "NARRATOR_MISSING":
            raise NarratorUnavailable(str(exc)) from exc
        raise NarrationFailed(str(exc), code=exc.code) from exc
    finally:
        media.narrating -= 1
    if audio_kind(spoken[:16]) != "ogg":
        raise NarrationFailed("The narrator did not give an Ogg recording.")
    folder = library.asset_root / FOLDER
    temp = folder / f".narrate-{secrets.token_hex(8)}.part"

    def write() -> None:
        folder.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(spoken)

    try:
        await _off_loop(write)
        stem = _SAFE.sub("-", f"{tour_id}-{index + 1}.{language}")
        name = await _store(library, f"{stem}.ogg", temp)
    finally:
        temp.unlink(missing_ok=True)
    logger.info("%s narrated %s in %s", _who(request), name, request.match_info["exhibition"])
    return web.json_response({"name": name}, status=201)


@require(Action.READ_STUDIO)
async def draft_media(request: web.Request) -> web.FileResponse:
    """A recording or image in the exhibition's folder (not yet published), for staff."""
    library = _library(request)
    name = request.match_info["name"]
    suffix = "." + name.rpartition(".")[2].lower()
    if suffix not in TYPES or name.startswith(".") or "/." in name:
        raise MediaNotFound("The studio serves recordings and images only.")
    try:
        found = await _off_loop(find_file, library.asset_root, name, name)
    except AssetRejected as exc:
        raise MediaNotFound(f"No recording or image {name!r} in this exhibition.") from exc
    return web.FileResponse(
        found.path,
        headers={
            "Content-Type": TYPES[suffix],
            "Cache-Control": "private, no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )


def add_media_routes(app: web.Application, narrator: Narrator | None = None) -> None:
    """Recording uploads, narrate drafts and the draft's recordings on a hall's app (after
    the staff gate); without ``narrator``, narrate answers 503."""
    media = Media(narrator)
    app[MEDIA_KEY] = media
    one = "/api/exhibitions/{exhibition}"
    app.router.add_post(one + "/media", upload_media)
    app.router.add_post(one + "/narrate", narrate)
    app.router.add_get(one + "/media/{name:.+}", draft_media)

    async def _close(_app: web.Application) -> None:
        with contextlib.suppress(RuntimeError):
            media.pool.shutdown(wait=False, cancel_futures=True)

    app.on_shutdown.append(_close)
