"""The converted-model cache: a ``.bam`` per model, named by what made it.

The key is made of the file's bytes (and of every file it references), the museion,
Panda3D and panda3d-gltf versions and the code that reads glTF, so a model is converted
once; the folder is swept of work a killed server left, and the least recently used models
leave it when it outgrows its size.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import museion.scenes
from museion.runtime.loading import worker
from museion.runtime.loading.supervisor import conversion_arguments
from museion.runtime.settings import RuntimeSettings
from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.gate import DEFAULT_MAX_BYTES, CheckedGltf
from museion.scenes.gltf.glb import GLB_MAGIC, read_glb
from museion.scenes.gltf.uri import BUFFER_MEDIA_TYPES, IMAGE_MEDIA_TYPES, FileUri, resolve_uri

__all__ = ["cache_folder", "cache_key", "evict"]

logger = logging.getLogger(__name__)

# Bump when what the worker writes changes in a way the package versions do not capture.
_FORMAT = "museion-bam-2"  # 2: textures within a size cap, lighter meshes kept
_STALE_SECONDS = 24 * 3600
_FALLBACKS: dict[Path, Path] = {}
_FALLBACK_LOCK = threading.Lock()


@cache
def _versions() -> str:
    """What converts a model: package versions, and a digest of the code that reads and
    decodes glTF (the gate's modules and the worker's), so a decoder fixed between releases
    does not leave models converted by the old one in the cache."""
    found = [_FORMAT]
    for package in ("museion", "panda3d", "panda3d-gltf"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            found.append(f"{package} unknown")
    code = hashlib.sha256()
    scenes = Path(museion.scenes.__file__).parent  # the gate and the decoder, all of it
    runtime = Path(worker.__file__).parent
    converters = [runtime / n for n in ("worker.py", "textures.py", "proxy.py")]
    converters.append(runtime.parent / "moving.py")
    for path in [*sorted(scenes.rglob("*.py")), *converters]:
        name = path.relative_to(scenes) if path.is_relative_to(scenes) else Path(path.name)
        code.update(str(name).encode() + b"\0" + path.read_bytes())
    found.append(f"code {code.hexdigest()}")
    return "\n".join(found) + "\n"


def _hash_file(digest: Any, path: Path) -> None:
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)


def _document(data: bytes, name: str) -> dict[str, Any]:
    """The glTF JSON of a gated file (empty when it cannot be read: then the worker says)."""
    try:
        raw = read_glb(data, name).json if data[:4] == GLB_MAGIC else data
        found = json.loads(raw)
    except (AssetRejected, ValueError, RecursionError):
        return {}
    return found if isinstance(found, dict) else {}


def _external_files(path: Path, data: bytes) -> list[tuple[str, Path]]:
    """Every file the glTF at ``path`` (whose bytes are ``data``) references, through the
    gate's one resolver."""
    document = _document(data, path.name)
    files: list[tuple[str, Path]] = []
    for kind, types in (("buffers", BUFFER_MEDIA_TYPES), ("images", IMAGE_MEDIA_TYPES)):
        entries = document.get(kind)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            uri = entry.get("uri") if isinstance(entry, dict) else None
            if not isinstance(uri, str) or uri[:5].lower() == "data:":
                continue
            where = f"/{kind}/{index}/uri"
            with contextlib.suppress(AssetRejected):
                found = resolve_uri(
                    uri, path.parent, where, media_types=types, max_bytes=DEFAULT_MAX_BYTES
                )
                if isinstance(found, FileUri):
                    files.append((where, found.path))
    return files


def cache_key(model: CheckedGltf, settings: RuntimeSettings | None = None) -> str:
    """The hex sha256 naming ``model``'s converted file: its bytes, the bytes of every
    file it references, the versions of what converts it and the settings it follows."""
    options = conversion_arguments(settings or RuntimeSettings())
    digest = hashlib.sha256((_versions() + " ".join(options) + "\n").encode())
    data = model.path.read_bytes()  # the gate read it whole too: it is within its size cap
    digest.update(data)
    for where, path in _external_files(model.path, data):
        digest.update(f"\n{where}\n".encode())
        _hash_file(digest, path)
    return digest.hexdigest()


def cache_folder(settings: RuntimeSettings) -> Path:
    """The cache folder, made if need be; a private temp folder when it cannot be used (a
    read-only home must not stop a museum's server)."""
    folder = settings.model_cache_dir
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, "not writable")
    except OSError as exc:
        with _FALLBACK_LOCK:
            if folder not in _FALLBACKS:
                temp = Path(tempfile.mkdtemp(prefix="museion-models-"))
                atexit.register(shutil.rmtree, temp, True)
                logger.warning(
                    "the model cache folder %s cannot be used (%s); models are converted "
                    "into %s for this run only: set runtime.load_cache_dir to a writable folder",
                    folder,
                    exc.strerror or exc,
                    temp,
                )
                _FALLBACKS[folder] = temp
            return _FALLBACKS[folder]
    _sweep(folder)
    return folder


def _sweep(folder: Path) -> None:
    """Remove work folders a killed server left behind (a day old: never a live one)."""
    now = time.time()
    for stale in folder.glob(".load-*"):
        with contextlib.suppress(OSError):
            if now - stale.stat().st_mtime > _STALE_SECONDS:
                for part in stale.iterdir():
                    part.unlink()
                stale.rmdir()


def evict(folder: Path, limit: int, keep: Path) -> None:
    """Remove the least recently used models until the cache holds at most ``limit``
    bytes (``keep``, just made, stays)."""
    entries = []
    for path in folder.glob("*.bam"):
        if path.name.endswith(".proxy.bam"):
            continue  # counted, and evicted, with its model
        proxy = path.with_suffix(".proxy.bam")
        with contextlib.suppress(OSError):
            stat = path.stat()
            size = stat.st_size + (proxy.stat().st_size if proxy.is_file() else 0)
            entries.append((stat.st_mtime, size, path))
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= limit:
            break
        if path != keep:
            with contextlib.suppress(OSError):
                path.unlink()
                path.with_suffix(".proxy.bam").unlink(missing_ok=True)
                total -= size
                logger.debug("evicted %s from the model cache", path.name)
