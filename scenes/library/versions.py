"""Immutable, content-addressed versions: objects stored once by hash, a manifest per version.

A version's id is the sha256 of its document's hash and the hashes of every file it names,
so the same content always gets the same id and a version can be checked whole by hashing.
The manifest is written only after every object it names, so a manifest on disk is never
ahead of its objects.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from museion.scenes.asset_path import find_file
from museion.scenes.errors import LibraryError
from museion.scenes.library.disk import Disk, file_chunks, sha256_file

__all__ = ["ObjectStore", "Version", "named_files", "resolve_files", "version_id"]

_HEX = frozenset("0123456789abcdef")


def version_id(document: str, files: Mapping[str, str]) -> str:
    """The id of the version whose document hashes to ``document`` and names ``files``."""
    key = json.dumps({"document": document, "files": dict(sorted(files.items()))}, sort_keys=True)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def is_hash(text: str) -> bool:
    return len(text) == 64 and set(text) <= _HEX


@dataclass(frozen=True)
class Version:
    """One published version: who first published it, when, its parent and a short summary
    of what changed from the parent."""

    id: str
    document: str
    files: Mapping[str, str] = field(default_factory=dict)
    published_at: str = ""
    published_by: str = ""
    parent: str | None = None
    summary: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "document": self.document,
            "files": dict(sorted(self.files.items())),
            "published_at": self.published_at,
            "published_by": self.published_by,
            "parent": self.parent,
            "summary": self.summary,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Version:
        """The version in ``data``; raises ``VERSION_CORRUPT`` when its id does not match."""
        try:
            files = {str(k): str(v) for k, v in data["files"].items()}
            version = cls(
                id=str(data["id"]),
                document=str(data["document"]),
                files=files,
                published_at=str(data["published_at"]),
                published_by=str(data["published_by"]),
                parent=None if data["parent"] is None else str(data["parent"]),
                summary=str(data["summary"]),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise LibraryError("a version record is incomplete", code="VERSION_CORRUPT") from exc
        if version.id != version_id(version.document, version.files):
            raise LibraryError(
                f"version {version.id[:12]} does not match its content", code="VERSION_CORRUPT"
            )
        return version


def _gltf_resources(path: Path, name: str) -> Iterator[str]:
    """External buffers and images of a ``.gltf`` (already through the gate), as names
    relative to the asset root.  A ``.glb`` holds its own."""
    if not name.lower().endswith(".gltf"):
        return
    data = json.loads(path.read_bytes())
    folder = posixpath.dirname(name)
    for key in ("buffers", "images"):
        for item in data.get(key, []):
            uri = item.get("uri") if isinstance(item, dict) else None
            if isinstance(uri, str) and not uri.startswith("data:"):
                yield posixpath.normpath(posixpath.join(folder, unquote(uri)))


def named_files(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every file a (canonical, valid) document names, as ``(pointer, name)``: the same
    list the loader checks (venue, pedestal, exhibit assets, hotspot images, tour audio)."""
    found: list[tuple[str, str]] = [("/venue", data["venue"])]
    exhibits = data.get("exhibits", [])
    if any(e.get("pedestal", True) for e in exhibits):
        found.append(("/pedestal_asset", data.get("pedestal_asset", "pedestal.glb")))
    for e, exhibit in enumerate(exhibits):
        found.append((f"/exhibits/{e}/asset", exhibit["asset"]))
        for h, hotspot in enumerate(exhibit.get("hotspots") or []):
            if isinstance(hotspot.get("image"), str):
                found.append((f"/exhibits/{e}/hotspots/{h}/image", hotspot["image"]))
    for t, tour in enumerate(data.get("tours") or []):
        for s, step in enumerate(tour.get("steps") or []):
            audio = step.get("audio")
            names = audio.items() if isinstance(audio, dict) else [("", audio)]
            for tag, name in names:
                if isinstance(name, str):
                    where = f"/tours/{t}/steps/{s}/audio" + (f"/{tag}" if tag else "")
                    found.append((where, name))
    return found


class ObjectStore:
    """Blobs stored once each under ``objects/ab/abcdef…`` by their sha256."""

    def __init__(self, folder: Path, disk: Disk) -> None:
        self.folder = folder
        self.disk = disk

    def path(self, digest: str) -> Path:
        if not is_hash(digest):
            raise LibraryError(f"{digest[:80]!r} is not an object hash", code="VERSION_CORRUPT")
        return self.folder / digest[:2] / digest

    def put_bytes(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        if not self.path(digest).exists():
            self.disk.replace(self.path(digest), [data])
        return digest

    def put_file(self, source: Path) -> str:
        """Store ``source`` (streamed, never held whole) and return its hash."""
        digest = sha256_file(source)
        target = self.path(digest)
        if not target.exists():
            self.disk.replace(target, file_chunks(source))
            if sha256_file(target) != digest:
                target.unlink(missing_ok=True)
                raise LibraryError(
                    f"{source.name} changed while it was being published; publish again",
                    code="WRITE_FAILED",
                )
        return digest

    def read(self, digest: str) -> bytes:
        """The bytes of object ``digest``, checked against it."""
        data = self._open(digest)
        if hashlib.sha256(data).hexdigest() != digest:
            raise LibraryError(f"object {digest[:12]} is damaged", code="VERSION_CORRUPT")
        return data

    def check(self, digest: str) -> None:
        """Raise ``VERSION_CORRUPT`` unless object ``digest`` is there whole."""
        try:
            actual = sha256_file(self.path(digest))
        except OSError as exc:
            raise LibraryError(f"object {digest[:12]} is missing", code="VERSION_CORRUPT") from exc
        if actual != digest:
            raise LibraryError(f"object {digest[:12]} is damaged", code="VERSION_CORRUPT")

    def _open(self, digest: str) -> bytes:
        try:
            return self.path(digest).read_bytes()
        except OSError as exc:
            raise LibraryError(f"object {digest[:12]} is missing", code="VERSION_CORRUPT") from exc


def resolve_files(root: Path, data: Mapping[str, Any]) -> dict[str, Path]:
    """Each file the document names (glTF resources included) -> its path under ``root``,
    through the one asset-path policy."""
    out: dict[str, Path] = {}
    for pointer, name in named_files(data):
        path = find_file(root, name, pointer).path
        out[name] = path
        for resource in _gltf_resources(path, name):
            out[resource] = find_file(root, resource, f"{pointer} (resource)").path
    return out
