"""The library's one writer: whole files appear atomically, log lines are appended and fsync'd.

Every byte goes through :meth:`Disk.write`, the seam a test replaces to simulate a full disk
(``ENOSPC``) without mounting a tiny filesystem.  A full disk becomes :class:`DiskFull`, any
other failure ``WRITE_FAILED``; a failed write removes its temporary file, so the live files
are never touched.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from museion.scenes.errors import DiskFull, LibraryError

__all__ = ["CHUNK", "Disk", "file_chunks", "sha256_file"]

CHUNK = 1 << 20
"""Bytes per read and write when copying an asset (a 2 GB scan is never held in memory)."""

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def file_chunks(path: Path) -> Iterator[bytes]:
    """The bytes of ``path`` in :data:`CHUNK`-sized pieces."""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    for chunk in file_chunks(path):
        digest.update(chunk)
    return digest.hexdigest()


class Disk:
    """Atomic file writes and durable appends; subclass :meth:`write` to inject failures."""

    def write(self, fd: int, data: bytes) -> None:
        """Write all of ``data`` to ``fd`` (the seam for failure injection)."""
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]

    def fail(self, exc: OSError, what: Path) -> LibraryError:
        """The library error for an ``OSError`` while writing ``what``."""
        if exc.errno in _FULL:
            return DiskFull(
                f"the disk is full while writing {what.name}; free some space and try "
                "again (nothing live was changed)"
            )
        reason = exc.strerror or str(exc)
        return LibraryError(f"cannot write {what}: {reason}", code="WRITE_FAILED")

    def replace(self, path: Path, chunks: Iterable[bytes]) -> None:
        """Make ``path`` hold ``chunks``: temp file in the same folder, fsync, rename, fsync
        the folder.  A crash leaves the old file or the new one, never a mix."""
        self.commit(self.stage(path, chunks), path)

    def stage(self, path: Path, chunks: Iterable[bytes]) -> Path:
        """Write ``chunks`` to a synced temporary file beside ``path`` (the space is taken
        now, so a later :meth:`commit` cannot run out of it)."""
        folder = path.parent
        temp: str | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
            try:
                for chunk in chunks:
                    self.write(fd, chunk)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.chmod(temp, 0o644)
        except OSError as exc:
            if temp is not None:
                Path(temp).unlink(missing_ok=True)
            raise self.fail(exc, path) from exc
        return Path(temp)

    def commit(self, temp: Path, path: Path) -> None:
        """Rename a staged file over ``path`` and sync the folder."""
        try:
            os.replace(temp, path)
            self.sync_folder(path.parent)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise self.fail(exc, path) from exc

    def append(self, path: Path, line: bytes) -> None:
        """Append one line durably.  A crash may leave a torn last line; readers skip it,
        and the next append starts on a fresh line so it never joins the torn one."""
        try:
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = b"\n" + line
                self.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
            if size == 0:
                self.sync_folder(path.parent)
        except OSError as exc:
            raise self.fail(exc, path) from exc

    def sync_folder(self, folder: Path) -> None:
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
