"""Scene documents on disk: read with the loader, write canonically and atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from museion.scenes.document.loader import MAX_DOCUMENT_BYTES, load_scene
from museion.scenes.document.model import SceneDocument, to_data
from museion.scenes.errors import SceneError

__all__ = ["atomic_write", "dump_scene", "read_scene", "save_scene"]


def dump_scene(document: SceneDocument) -> bytes:
    """Canonical bytes: UTF-8, two-space indent, fixed field order, final newline."""
    text = json.dumps(to_data(document), ensure_ascii=False, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")


def read_scene(path: Path, *, asset_root: Path | None = None) -> SceneDocument:
    """Load the document at ``path``; files it names are checked under ``asset_root``."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise SceneError(f"cannot read {path}: {exc.strerror}", code="READ_FAILED") from exc
    return load_scene(raw, asset_root=asset_root)


def save_scene(document: SceneDocument, path: Path) -> None:
    """Write canonically and atomically (see :func:`atomic_write`)."""
    atomic_write(path, dump_scene(document))


def atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write atomically: a temporary file in the same folder, fsync, rename, fsync folder,
    the file readable as ``mode`` says (0o600: its owner only).

    A crash leaves either the old file or the new one, never a mix.
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise SceneError(f"cannot write in {folder}: {exc.strerror}", code="WRITE_FAILED") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise SceneError(f"cannot save {path}: {exc.strerror}", code="WRITE_FAILED") from exc
