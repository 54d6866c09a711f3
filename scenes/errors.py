"""The root of Museion's error tree and the errors of the document layer.

Every error a user can cause carries a stable ``code`` (matched by tests and clients)
and a sentence a museum technician understands.  Each layer subclasses
:class:`MuseionError` in its own ``errors.py``; the root lives here because
``scenes`` is the layer every other layer may import.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AssetRejected",
    "DiskFull",
    "DraftChanged",
    "ExportError",
    "LibraryError",
    "MuseionError",
    "SceneError",
    "SceneInvalid",
    "SceneIssue",
]


class MuseionError(Exception):
    """Base of every error Museion raises on purpose."""

    code: str = "MUSEION_ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message

    def to_dict(self) -> dict[str, str]:
        """The JSON shape every layer uses on the wire: ``{"code", "message"}``."""
        return {"code": self.code, "message": self.message}


class SceneError(MuseionError):
    """A scene document or asset reference is unusable."""

    code = "SCENE_ERROR"


class AssetRejected(SceneError):
    """An asset file failed the gate; ``path`` names it, ``pointer`` is where in its JSON
    (empty for the file as a whole), ``detail`` says what is wrong."""

    code = "ASSET_REJECTED"

    def __init__(self, code: str, path: str, detail: str, pointer: str = "") -> None:
        where = f"{path}: {pointer}: " if pointer else f"{path}: "
        super().__init__(where + detail, code=code)
        self.path = path
        self.detail = detail
        self.pointer = pointer


@dataclass(frozen=True)
class SceneIssue:
    """One problem in a scene document: where (a JSON pointer), what (a code), and why."""

    pointer: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.code} {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "code": self.code, "message": self.message}


class SceneInvalid(SceneError):
    """A scene document has problems; ``issues`` lists every one of them."""

    code = "SCENE_INVALID"

    def __init__(self, issues: list[SceneIssue]) -> None:
        count = len(issues)
        head = f"the scene document has {count} problem{'s' if count != 1 else ''}"
        super().__init__(head + ":\n" + "\n".join(str(i) for i in issues))
        self.issues = tuple(issues)


# -- An exhibition's library on disk: drafts, versions, audit (museion.scenes.library) --


class LibraryError(SceneError):
    """A draft, version or audit operation failed; codes: ``NO_DRAFT``, ``NOTHING_PUBLISHED``,
    ``VERSION_NOT_FOUND``, ``VERSION_CORRUPT``, ``WRITE_FAILED``, ``READ_FAILED``."""

    code = "LIBRARY_ERROR"


class DraftChanged(LibraryError):
    """A write named a stale ``If-Match``: someone saved the draft since (HTTP maps it to 412)."""

    code = "DRAFT_CHANGED"

    def __init__(self, current: str | None) -> None:
        super().__init__(
            "the draft was changed by someone else since you opened it; reload it and "
            "apply your change again"
        )
        self.current = current


class DiskFull(LibraryError):
    """The disk filled up mid-write; nothing live changed."""

    code = "DISK_FULL"


# -- Exports for other systems: IIIF, LIDO, XMP in glTF (museion.scenes.exports) --


class ExportError(SceneError):
    """An export cannot be made; codes: ``UNKNOWN_EXHIBIT`` (no exhibit has that id),
    ``BAD_BASE_URL`` (not an absolute http(s) URL without query or fragment),
    ``STAMP_UNREADABLE`` (a model to stamp with its Dublin Core cannot be read)."""

    code = "EXPORT_ERROR"
