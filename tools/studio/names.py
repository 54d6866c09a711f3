"""What an uploaded file's name gives an exhibit: an id the scene schema accepts, a file
name safe on every system, and a title a curator can start from."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_SLUG", "slug", "title", "upload_stem"]

MAX_SLUG = 56
"""The scene schema allows 64 characters for an id; room is kept for a ``-NN`` suffix."""

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"[\s_\-.]+")


def upload_stem(filename: str) -> str:
    """The name without any folder a browser sent (either slash) and without its suffix."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, _ = base.rpartition(".")
    return stem if dot and stem else base


def slug(filename: str) -> str:
    """Lower-case ASCII letters, digits and single hyphens (accents dropped); ``model``
    when nothing is left (a name in another script)."""
    text = unicodedata.normalize("NFKD", upload_stem(filename))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = _NOT_SLUG.sub("-", text).strip("-")[:MAX_SLUG].rstrip("-")
    return text or "model"


def title(filename: str) -> str:
    """``amphora_v2-final.glb`` -> ``Amphora v2 final``: separators become spaces, a
    lower-case first letter is raised; any script is kept."""
    text = "".join(c for c in upload_stem(filename) if unicodedata.category(c)[0] != "C")
    text = _SPACES.sub(" ", text).strip()[:200]
    if not text:
        return "Untitled model"
    return text[0].upper() + text[1:] if text[0].islower() else text
