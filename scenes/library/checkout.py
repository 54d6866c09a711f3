"""A published version as a folder a renderer can open: its document and every file it names.

Objects are hard-linked (a copy where the file system refuses links), so a checkout costs
no space and no time for a 2 GB scan.  A checkout is built in a temporary folder and
renamed into place, and a version never changes, so a checkout found on disk is whole and
is reused; a kill half-way leaves only a temporary folder, swept by a later checkout once
it is :data:`STALE_SECONDS` old (a younger one may be another request's checkout of the
same version, under way: sweeping it took files from under that checkout, which then
renamed a folder without its venue into place).
"""

from __future__ import annotations

import contextlib
import logging
import os
import posixpath
import shutil
import time
import uuid
from pathlib import Path

from museion.scenes.errors import LibraryError
from museion.scenes.library.versions import ObjectStore, Version

__all__ = ["SCENE_FILE", "checkout"]

log = logging.getLogger(__name__)

SCENE_FILE = "scene.json"
"""The document's name inside a checkout (its files keep the names the document uses)."""
STALE_SECONDS = 3600.0
"""How old a temporary checkout folder must be to be taken for a killed one's leftovers."""


def _place(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def checkout(objects: ObjectStore, version: Version, folder: Path) -> Path:
    """``folder/<version id>/`` holding ``scene.json`` and the version's files; returns the
    document's path.  Raises ``VERSION_CORRUPT`` when an object is missing and
    ``WRITE_FAILED`` when the folder cannot be written."""
    final = folder / version.id
    if (final / SCENE_FILE).is_file():
        if all((final / name).is_file() for name in version.files):
            return final / SCENE_FILE
        # Left incomplete by an older build that swept a checkout under way: made anew.
        log.warning("checkout of version %s lacks files: made again", version.id[:12])
        shutil.rmtree(final, ignore_errors=True)
    for left in folder.glob(".tmp-*") if folder.is_dir() else ():
        with contextlib.suppress(OSError):  # gone already: another checkout swept it
            if time.time() - left.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(left, ignore_errors=True)
    temp = folder / f".tmp-{version.id[:12]}-{uuid.uuid4().hex[:8]}"
    try:
        temp.mkdir(parents=True)
        for name, digest in sorted(version.files.items()):
            clean = posixpath.normpath(name)
            if clean.startswith(("../", "/")) or clean in ("..", "."):
                raise LibraryError(
                    f"version names a file outside it: {name[:80]!r}", code="VERSION_CORRUPT"
                )
            source = objects.path(digest)
            if not source.is_file():
                raise LibraryError(f"object {digest[:12]} is missing", code="VERSION_CORRUPT")
            _place(source, temp / clean)
        _place(objects.path(version.document), temp / SCENE_FILE)
        try:
            temp.rename(final)
        except OSError:
            if not (final / SCENE_FILE).is_file():  # not a racing checkout of the same version
                raise
            shutil.rmtree(temp, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise LibraryError(
            f"cannot check out version {version.id[:12]}: {exc.strerror}", code="WRITE_FAILED"
        ) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(temp)
        raise
    log.info("checked out version %s into %s", version.id[:12], final)
    return final / SCENE_FILE
