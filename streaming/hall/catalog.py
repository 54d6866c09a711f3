"""The exhibitions in a hall folder, found by looking: nothing to register, nothing to restart.

Two kinds live side by side in ``DIR``:

- ``DIR/<id>/``: an exhibition the studio keeps (a library folder: its draft, versions and
  audit, :mod:`museion.scenes.library`); visitors see its published version;
- ``DIR/<id>.scene.json``: a plain scene document, served as it is (its assets beside it),
  as ``museion serve DOCUMENT`` serves one.

An id is what the URL shows (``/e/<id>/``): lowercase letters, digits and dashes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from museion.scenes.document.loader import load_scene
from museion.scenes.document.model import SceneDocument
from museion.scenes.errors import MuseionError
from museion.scenes.library import Exhibition
from museion.scenes.library.exhibition import DRAFT, POINTER
from museion.streaming.errors import ExhibitionNotFound, ExhibitionUnavailable

__all__ = ["ID_PATTERN", "Catalog", "Entry", "Served", "valid_id"]

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
DOCUMENT_SUFFIX = ".scene.json"


def valid_id(text: str) -> bool:
    """Whether ``text`` can name an exhibition (and so a URL path segment)."""
    return ID_PATTERN.fullmatch(text) is not None


@dataclass(frozen=True)
class Served:
    """What visitors of an exhibition get now: a key that changes with every publish (the
    version id, or the document's modification time) and the document to open."""

    key: str
    path: Path


@dataclass(frozen=True)
class Entry:
    """One exhibition of the hall."""

    id: str
    path: Path
    library: Exhibition | None  # None: a plain document, read-only

    def served(self) -> Served | None:
        """The version visitors get, checked out for the renderer; ``None`` before the
        first publish."""
        if self.library is None:
            try:
                stamp = self.path.stat().st_mtime_ns
            except OSError as exc:
                raise ExhibitionNotFound(f"Exhibition {self.id!r} is gone.") from exc
            return Served(f"file-{stamp}", self.path)
        try:
            live = self.library.published()
            if live is None:
                return None
            return Served(live.id, self.library.checkout(live.id))
        except MuseionError as exc:
            raise ExhibitionUnavailable(
                f"Exhibition {self.id!r} cannot be served now ({exc.code})."
            ) from exc

    def document(self) -> SceneDocument | None:
        """The document visitors get (for the index page), ``None`` before publishing."""
        served = self.served()
        if served is None:
            return None
        try:
            return load_scene(served.path.read_bytes(), asset_root=served.path.parent)
        except (OSError, MuseionError, json.JSONDecodeError) as exc:
            raise ExhibitionUnavailable(f"Exhibition {self.id!r} cannot be read now.") from exc


class Catalog:
    """The exhibitions under ``folder``, read from the disk on every call."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def entries(self) -> dict[str, Entry]:
        """Every exhibition by id, in id order (a library folder wins over a document of
        the same id)."""
        found: dict[str, Entry] = {}
        try:
            children = sorted(self.folder.iterdir())
        except OSError:
            return found
        for child in children:
            entry = self._entry(child)
            if entry is not None and (entry.id not in found or entry.library is not None):
                found[entry.id] = entry
        return dict(sorted(found.items()))

    def get(self, exhibition_id: str) -> Entry:
        """The exhibition ``exhibition_id``; raises :class:`ExhibitionNotFound`."""
        if valid_id(exhibition_id):
            for candidate in (
                self.folder / exhibition_id,
                self.folder / (exhibition_id + DOCUMENT_SUFFIX),
            ):
                entry = self._entry(candidate)
                if entry is not None:
                    return entry
        raise ExhibitionNotFound(f"There is no exhibition {exhibition_id[:64]!r} here.")

    def library(self, exhibition_id: str) -> Exhibition:
        """The studio's folder for ``exhibition_id`` (made on first save); a plain document
        cannot be edited in the studio."""
        if not valid_id(exhibition_id):
            raise ExhibitionNotFound(f"{exhibition_id[:64]!r} cannot name an exhibition.")
        return Exhibition(self.folder / exhibition_id)

    @staticmethod
    def _entry(path: Path) -> Entry | None:
        if path.is_symlink():
            return None
        if path.is_dir() and valid_id(path.name):
            if (path / DRAFT).is_file() or (path / POINTER).is_file():
                return Entry(path.name, path, Exhibition(path))
            return None
        name = path.name
        if path.is_file() and name.endswith(DOCUMENT_SUFFIX):
            stem = name.removesuffix(DOCUMENT_SUFFIX)
            if valid_id(stem):
                return Entry(stem, path, None)
        return None
