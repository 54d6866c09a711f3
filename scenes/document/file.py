"""Scene documents on disk: read with the loader, write canonically and atomically."""

from __future__ import annotations

import filecmp
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
        sync_folder(folder)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise SceneError(f"cannot save {path}: {exc.strerror}", code="WRITE_FAILED") from exc


def sync_folder(folder: Path) -> None:
    """Make a folder's new names durable (after a link or a rename into it)."""
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def link_unique(
    temp: Path, folder: Path, stem: str, suffix: str, *, reuse_same: bool = False, limit: int = 1000
) -> str | None:
    """Give the finished file ``temp`` the name ``stem + suffix`` in ``folder`` or, when a
    file has it, the first free ``stem-2 + suffix``...; the chosen name, or None when
    ``limit`` names are taken.  A link fails rather than replace, so two writers at once
    never share or clobber a name.  With ``reuse_same``, a taken name whose file has the
    same bytes is the answer (the same recording uploaded twice is stored once)."""
    for n in range(1, limit + 1):
        name = f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}"
        target = folder / name
        try:
            os.link(temp, target)
        except FileExistsError:
            if reuse_same and target.is_file() and filecmp.cmp(temp, target, shallow=False):
                return name
            continue
        sync_folder(folder)
        return name
    return None
