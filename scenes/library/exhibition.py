"""One exhibition folder: its draft, its published versions, the published pointer, its audit.

Layout (every file written whole by :class:`Disk`, so a SIGKILL leaves old or new)::

    draft.scene.json      the draft, canonical bytes; its ETag is their sha256
    published             the id of the live version
    versions/<id>.json    one manifest per version (immutable)
    objects/ab/<sha256>   documents and asset files, stored once each
    audit.jsonl           who, when, what: one JSON line per change
    .served/<id>/         a version checked out for the renderer (links into objects/)

Publishing writes objects, then the manifest, then stages the new pointer, audits, and
renames it into place; a crash or a full disk at any point leaves the live version whole.
Writers of one folder take an ``flock``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonpatch

from museion.scenes.document.file import dump_scene
from museion.scenes.document.loader import load_scene
from museion.scenes.document.model import SceneDocument, to_data
from museion.scenes.errors import DraftChanged, LibraryError
from museion.scenes.library.audit import AuditEntry, append_audit, read_audit, utc_now
from museion.scenes.library.checkout import checkout
from museion.scenes.library.disk import Disk
from museion.scenes.library.versions import ObjectStore, Version, is_hash, resolve_files, version_id

__all__ = ["Draft", "Exhibition", "etag_of"]

log = logging.getLogger(__name__)

DRAFT = "draft.scene.json"
POINTER = "published"
AUDIT = "audit.jsonl"
SERVED = ".served"
SUMMARY_PATHS = 3
"""How many changed paths a version's summary names before "and N more"."""


def etag_of(raw: bytes) -> str:
    """The ETag of a draft: the sha256 of its bytes (the HTTP layer adds the quotes)."""
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Draft:
    document: SceneDocument
    raw: bytes
    etag: str


def _patch(old: Any, new: Any) -> list[dict[str, Any]]:
    ops: list[dict[str, Any]] = jsonpatch.make_patch(old, new).patch
    return ops


def _summary(ops: list[dict[str, Any]]) -> str:
    if not ops:
        return "no change"
    named = [f"{op['op']} {op['path'] or '/'}" for op in ops[:SUMMARY_PATHS]]
    more = len(ops) - SUMMARY_PATHS
    count = f"{len(ops)} change{'s' if len(ops) != 1 else ''}: "
    return count + ", ".join(named) + (f" and {more} more" if more > 0 else "")


def _as_document(value: SceneDocument | bytes | str | Mapping[str, Any]) -> SceneDocument:
    """A checked document from a model, JSON text or parsed JSON (the loader's rules)."""
    if isinstance(value, SceneDocument):
        return value
    if isinstance(value, str):
        value = value.encode("utf-8")
    if not isinstance(value, bytes):
        value = json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return load_scene(value)


class Exhibition:
    """The draft, versions and audit of the exhibition in ``root``; assets the documents name
    live under ``asset_root`` (``root`` unless given)."""

    def __init__(
        self, root: Path, *, asset_root: Path | None = None, disk: Disk | None = None
    ) -> None:
        self.root = root
        self.asset_root = asset_root or root
        self.disk = disk or Disk()
        self.objects = ObjectStore(root / "objects", self.disk)

    # -- the draft -------------------------------------------------------------------------

    def etag(self) -> str | None:
        """The draft's ETag, or ``None`` before the first save."""
        raw = self._draft_bytes()
        return None if raw is None else etag_of(raw)

    def draft(self) -> Draft:
        raw = self._draft_bytes()
        if raw is None:
            raise LibraryError("this exhibition has no draft yet", code="NO_DRAFT")
        return Draft(load_scene(raw), raw, etag_of(raw))

    def save_draft(
        self,
        document: SceneDocument | bytes | str | Mapping[str, Any],
        if_match: str | None,
        who: str,
    ) -> str:
        """Replace the draft unless someone saved since ``if_match`` (``None``: there is no
        draft yet); returns the new ETag.  Raises :class:`DraftChanged` on a stale ETag and
        ``SceneInvalid`` on a bad document, leaving the draft as it was."""
        new = dump_scene(_as_document(document))
        with self._locked():
            self._sweep()
            old = self._draft_bytes()
            current = None if old is None else etag_of(old)
            if if_match != current:
                raise DraftChanged(current)
            if old == new:
                return etag_of(new)
            before = {} if old is None else json.loads(old)
            patch = _patch(before, json.loads(new))
            entry = AuditEntry("draft", who, utc_now(), patch)
            self._replace_audited(self.root / DRAFT, new, entry)
        log.info("draft of %s saved by %s", self.root.name, who)
        return etag_of(new)

    # -- versions --------------------------------------------------------------------------

    def publish(self, who: str) -> Version:
        """Make the draft an immutable version and make it live; the same content gives the
        same version.  Asset files are checked and stored once each.  Raises ``DISK_FULL``
        (live version unchanged) when the disk fills up."""
        with self._locked():
            self._sweep()
            draft = self.draft()
            document = load_scene(draft.raw, asset_root=self.asset_root)
            canonical = dump_scene(document)
            files = {
                name: self.objects.put_file(path)
                for name, path in sorted(resolve_files(self.asset_root, to_data(document)).items())
            }
            digest = self.objects.put_bytes(canonical)
            vid = version_id(digest, files)
            live = self._pointer()
            before = {} if live is None else json.loads(self.objects.read(live.document))
            patch = _patch(before, json.loads(canonical))
            manifest = self.root / "versions" / f"{vid}.json"
            if manifest.exists():
                version = self.version(vid)
            else:
                version = Version(
                    vid,
                    digest,
                    files,
                    utc_now(),
                    who,
                    None if live is None else live.id,
                    "first version" if live is None else _summary(patch),
                )
                self.disk.replace(manifest, [_manifest_bytes(version)])
            self._move_pointer("publish", version, patch, who)
        return version

    def restore(self, version: str, who: str) -> Version:
        """Make ``version`` live again in one step (the draft is left as it is)."""
        with self._locked():
            target = self.version(version)
            live = self._pointer()
            before = {} if live is None else json.loads(self.objects.read(live.document))
            after = json.loads(self.objects.read(target.document))
            self._move_pointer("restore", target, _patch(before, after), who)
        return target

    def published(self) -> Version | None:
        """The live version, or ``None`` before the first publish.  Its manifest is checked
        against its id; :meth:`check` hashes every file too (slow for a 2 GB scan)."""
        return self._pointer()

    def published_document(self) -> SceneDocument:
        live = self.published()
        if live is None:
            raise LibraryError("nothing has been published yet", code="NOTHING_PUBLISHED")
        return self.document(live.id)

    def version(self, version: str) -> Version:
        """The manifest of ``version`` (its id checked against its content)."""
        if not is_hash(version):
            raise LibraryError(f"{version[:80]!r} is not a version id", code="VERSION_NOT_FOUND")
        try:
            raw = (self.root / "versions" / f"{version}.json").read_bytes()
        except FileNotFoundError as exc:
            raise LibraryError(
                f"there is no version {version[:12]}", code="VERSION_NOT_FOUND"
            ) from exc
        except OSError as exc:
            raise LibraryError(f"cannot read version: {exc.strerror}", code="READ_FAILED") from exc
        try:
            found = Version.from_dict(json.loads(raw))
        except ValueError as exc:
            raise LibraryError("a version record is damaged", code="VERSION_CORRUPT") from exc
        if found.id != version:
            raise LibraryError(f"version {version[:12]} is misfiled", code="VERSION_CORRUPT")
        return found

    def check(self, version: str) -> Version:
        """Raise ``VERSION_CORRUPT`` unless ``version`` and every object it names are whole."""
        found = self.version(version)
        self.objects.check(found.document)
        for digest in found.files.values():
            self.objects.check(digest)
        return found

    def checkout(self, version: str) -> Path:
        """The path of a renderable copy of ``version``'s document, its files beside it
        (hard links into the object store, under ``.served/``)."""
        return checkout(self.objects, self.version(version), self.root / SERVED)

    def document(self, version: str) -> SceneDocument:
        return load_scene(self.objects.read(self.version(version).document))

    def versions(self) -> list[Version]:
        """Every version, oldest first, with when, who and a short summary."""
        folder = self.root / "versions"
        names = sorted(folder.glob("*.json")) if folder.is_dir() else []
        found = [self.version(p.stem) for p in names if is_hash(p.stem)]
        return sorted(found, key=lambda v: (v.published_at, v.id))

    def diff(self, a: str, b: str) -> list[dict[str, Any]]:
        """The RFC 6902 patch that turns version ``a``'s document into ``b``'s."""
        old = json.loads(self.objects.read(self.version(a).document))
        new = json.loads(self.objects.read(self.version(b).document))
        return _patch(old, new)

    def audit(self) -> list[AuditEntry]:
        return list(read_audit(self.root / AUDIT))

    # -- inside ----------------------------------------------------------------------------

    def _draft_bytes(self) -> bytes | None:
        try:
            return (self.root / DRAFT).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise LibraryError(
                f"cannot read the draft: {exc.strerror}", code="READ_FAILED"
            ) from exc

    def _pointer(self) -> Version | None:
        try:
            text = (self.root / POINTER).read_text("ascii").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise LibraryError("the published pointer is unreadable", code="READ_FAILED") from exc
        return self.version(text)

    def _move_pointer(self, action: str, version: Version, patch: list[Any], who: str) -> None:
        entry = AuditEntry(action, who, utc_now(), patch, version.id)
        self._replace_audited(self.root / POINTER, version.id.encode("ascii") + b"\n", entry)
        log.info("%s: %s %s by %s", self.root.name, action, version.id[:12], who)

    def _replace_audited(self, path: Path, data: bytes, entry: AuditEntry) -> None:
        """Stage ``data``, append ``entry``, then rename: a full disk fails before anything
        live changes.  A kill between the last two leaves one audit line for a change that
        did not land (the live files are the truth; the next change is audited from them)."""
        staged = self.disk.stage(path, [data])
        try:
            append_audit(self.disk, self.root / AUDIT, entry)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        self.disk.commit(staged, path)

    def _sweep(self) -> None:
        """Remove temporary files a killed writer left (only writers make them, and every
        writer holds the lock we hold)."""
        for folder in (self.root, self.root / "versions", *self.objects.folder.glob("??")):
            for temp in folder.glob(".*.tmp") if folder.is_dir() else ():
                temp.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise self.disk.fail(exc, self.root / ".lock") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def _manifest_bytes(version: Version) -> bytes:
    return (json.dumps(version.to_dict(), indent=2, sort_keys=True) + "\n").encode("utf-8")
