"""Uploading a model into an exhibition: ``POST /api/exhibitions/<id>/models?name=FILE``.

The body (the file's bytes, streamed to disk, never held whole) is handed to the
*importer* the server was given (the toolchain's gate and optimizer, which this layer may
not import), on one worker thread; the reply is ``202`` with a job to poll
(``GET /api/jobs/<job>``: its stage and fraction, then the imported model or the refusal
with the gate's report in words).  The draft is not touched: the page adds the exhibit.
Whatever happens, the uploaded file is removed; a refused model leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from museion.scenes.errors import MuseionError
from museion.streaming.errors import (
    CapacityReached,
    ImportCancelled,
    JobNotFound,
    RequestInvalid,
)
from museion.streaming.hall.hall import HALL_KEY
from museion.streaming.staff import Action, require, staff_name

__all__ = ["Importer", "Job", "Uploads", "add_upload_routes", "receive_file"]

logger = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
Importer = Callable[[Path, Path, str, Progress], Mapping[str, Any]]
"""``(exhibition root, uploaded file, its name, progress) -> the imported model as JSON``;
raises a :class:`MuseionError` (with ``report`` when the gate refused the model)."""

MAX_UPLOAD_BYTES = 2 * 1024**3
MAX_QUEUED = 4
"""Uploads waiting for the importer at once; more get ``503`` and ``Retry-After``."""
KEEP_FINISHED = 600.0
"""How long a finished job can still be read (seconds)."""
_CHUNK = 1 << 20
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass
class Job:
    """One upload's import, as the page polls it."""

    id: str
    exhibition: str
    name: str
    by: str
    state: str = "queued"  # queued, running, done, failed
    stage: str = "queued"
    fraction: float = 0.0
    result: Mapping[str, Any] | None = None
    error: dict[str, Any] | None = None
    finished: float | None = None
    cancelled: bool = field(default=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "job": self.id,
            "exhibition": self.exhibition,
            "name": self.name,
            "state": self.state,
            "stage": self.stage,
            "fraction": round(self.fraction, 4),
        }
        if self.result is not None:
            data["result"] = dict(self.result)
        if self.error is not None:
            data["error"] = self.error
        return data


class Uploads:
    """The jobs of one server and the one thread that imports (imports are CPU-heavy)."""

    def __init__(self, importer: Importer, max_bytes: int = MAX_UPLOAD_BYTES) -> None:
        self.importer = importer
        self.max_bytes = max_bytes
        self.jobs: dict[str, Job] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="studio-import")

    def pending(self) -> int:
        return sum(job.state in ("queued", "running") for job in self.jobs.values())

    def forget_old(self, now: float) -> None:
        for job_id, job in list(self.jobs.items()):
            if job.finished is not None and now - job.finished > KEEP_FINISHED:
                del self.jobs[job_id]

    async def run(self, job: Job, root: Path, upload: Path) -> None:
        """Import ``upload`` for ``job`` and remove it, whatever happens."""
        loop = asyncio.get_running_loop()

        def progress(stage: str, fraction: float) -> None:
            if job.cancelled:
                raise ImportCancelled("the server is stopping")
            loop.call_soon_threadsafe(_advance, job, stage, fraction)

        try:
            job.state = "running"
            job.result = await loop.run_in_executor(
                self._pool, self.importer, root, upload, job.name, progress
            )
            job.state, job.stage, job.fraction = "done", "done", 1.0
            logger.info("%s imported %s into %s", job.by, job.name, job.exhibition)
        except MuseionError as exc:
            job.state = "failed"
            job.error = {**exc.to_dict()}
            report = getattr(exc, "report", None)
            if report is not None:
                job.error["report"] = list(report)
            logger.info("import of %s refused: %s", job.name, exc.code)
        except Exception:
            logger.exception("import of %s failed", job.name)
            job.state = "failed"
            job.error = {"code": "IMPORT_FAILED", "message": "The import failed; it is logged."}
        finally:
            job.finished = time.monotonic()
            upload.unlink(missing_ok=True)

    def close(self) -> None:
        for job in self.jobs.values():
            job.cancelled = True
        self._pool.shutdown(wait=False, cancel_futures=True)


def _advance(job: Job, stage: str, fraction: float) -> None:
    if job.state == "running":
        job.stage, job.fraction = stage, max(job.fraction, min(1.0, fraction))


UPLOADS_KEY = web.AppKey("uploads", Uploads)


def _file_name(request: web.Request) -> str:
    raw = request.query.get("name", "")
    name = _SAFE_NAME.sub("_", raw.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")[:120]
    if not name.lower().endswith((".glb", ".gltf")):
        raise RequestInvalid(
            "Name the file with ?name=FILE.glb (a .glb or a self-contained .gltf).",
            code="UPLOAD_NAME_INVALID",
            pointer="/name",
        )
    return name


@require(Action.EDIT_DRAFTS)
async def upload_model(request: web.Request) -> web.Response:
    uploads = request.app[UPLOADS_KEY]
    exhibition = request.match_info["exhibition"]
    entry = request.app[HALL_KEY].catalog.get(exhibition)
    if entry.library is None:
        raise RequestInvalid("This exhibition is a plain document; the studio cannot add to it.")
    name = _file_name(request)
    if request.content_length is not None and request.content_length > uploads.max_bytes:
        raise RequestInvalid("The file is larger than uploads may be.", code="BODY_TOO_LARGE")
    uploads.forget_old(time.monotonic())
    if uploads.pending() >= MAX_QUEUED:
        raise CapacityReached("Models are being imported; try again in a minute.", 30)
    root = entry.library.root
    folder = root / ".uploads"
    folder.mkdir(exist_ok=True)
    job = Job(secrets.token_urlsafe(12), exhibition, name, staff_name(request))
    temp = folder / f"{job.id}.part"
    try:
        await receive_file(
            request, temp, uploads.max_bytes, "The file is larger than uploads may be."
        )
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    uploads.jobs[job.id] = job
    task = asyncio.create_task(uploads.run(job, root, temp))
    uploads.tasks.add(task)
    task.add_done_callback(uploads.tasks.discard)
    url = f"/api/jobs/{job.id}"
    return web.json_response({"job": job.id, "url": url}, status=202, headers={"Location": url})


HEAD_BYTES = 16
"""How many of a received file's first bytes :func:`receive_file` hands back (its magic)."""


async def receive_file(
    request: web.Request, path: Path, limit: int, too_large: str = "The file is too large."
) -> bytes:
    """The body into ``path`` in chunks, never held whole; over ``limit`` bytes is refused
    (413, ``too_large``), an empty one too (400).  Returns the file's first bytes."""
    loop = asyncio.get_running_loop()
    size, head = 0, b""
    with path.open("wb") as out:
        while chunk := await request.content.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise RequestInvalid(too_large, code="BODY_TOO_LARGE")
            if len(head) < HEAD_BYTES:
                head += chunk[: HEAD_BYTES - len(head)]
            await loop.run_in_executor(None, out.write, chunk)
    if size == 0:
        raise RequestInvalid("The upload is empty.", code="UPLOAD_EMPTY")
    return head


@require(Action.READ_STUDIO)
async def job_status(request: web.Request) -> web.Response:
    job = request.app[UPLOADS_KEY].jobs.get(request.match_info["job"])
    if job is None:
        raise JobNotFound("No such upload job (it may have finished long ago).")
    return web.json_response(job.to_json(), headers={"Cache-Control": "no-store"})


def add_upload_routes(app: web.Application, importer: Importer) -> None:
    """Uploads and their jobs on a hall's app (after the staff gate)."""
    uploads = Uploads(importer)
    app[UPLOADS_KEY] = uploads
    app.router.add_post("/api/exhibitions/{exhibition}/models", upload_model)
    app.router.add_get("/api/jobs/{job}", job_status)

    async def _close(_app: web.Application) -> None:
        uploads.close()
        for task in list(uploads.tasks):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task

    app.on_shutdown.append(_close)
