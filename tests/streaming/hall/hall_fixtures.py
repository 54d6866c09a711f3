"""A hall folder with every kind of exhibition, served for real, and a GET that reads JSON."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp

from museion.runtime.settings import RuntimeSettings
from museion.scenes.library import Exhibition
from museion.streaming.hall import serve_hall
from museion.streaming.hall.routes import Installer
from tests.conftest import ASSETS, LOOPBACK, copy_gallery


def hall_folder(folder: Path) -> Path:
    """A hall: ``example`` as a plain document, ``bronzes`` as a studio exhibition with one
    published version, ``drafts`` with a draft only."""
    folder.mkdir()
    copy_gallery(folder)
    document = json.loads((folder / "example.scene.json").read_text())
    for name in ("bronzes", "drafts"):
        (folder / name).mkdir()
        for glb in ASSETS.glob("*.glb"):
            shutil.copy(glb, folder / name)
        Exhibition(folder / name).save_draft(titled(document, name), None, "ada")
    Exhibition(folder / "bronzes").publish("pat")
    return folder


def titled(document: dict[str, Any], english: str) -> dict[str, Any]:
    return {**document, "title": {**document["title"], "en": english}}


@contextlib.asynccontextmanager
async def hall(
    folder: Path, install: Sequence[Installer] = (), **streaming: Any
) -> AsyncIterator[str]:
    """The hall of ``folder`` on a loopback port (``streaming``: settings to change); new
    exhibitions get the sample venue."""
    settings = dataclasses.replace(LOOPBACK, host="127.0.0.1", port=0, **streaming)
    runtime = RuntimeSettings(asset_root=ASSETS)
    async with serve_hall(folder, runtime, settings, install) as listening:
        yield listening.url


async def get(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http, http.get(url) as reply:
        kind = reply.headers.get("Content-Type", "")
        body = await (reply.json() if kind.startswith("application/json") else reply.text())
        return reply.status, body
