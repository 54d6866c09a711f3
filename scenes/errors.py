"""The root of Museion's error tree and the errors of the document layer.

Every error a user can cause carries a stable ``code`` (matched by tests and clients)
and a sentence a museum technician understands.  Each layer subclasses
:class:`MuseionError` in its own ``errors.py``; the root lives here because
``scenes`` is the layer every other layer may import.
"""

from __future__ import annotations

__all__ = ["AssetRejected", "MuseionError", "SceneError"]


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
    """An asset file failed the gate; ``path`` names it, ``detail`` says where."""

    code = "ASSET_REJECTED"

    def __init__(self, code: str, path: str, detail: str) -> None:
        super().__init__(f"{path}: {detail}", code=code)
        self.path = path
        self.detail = detail
