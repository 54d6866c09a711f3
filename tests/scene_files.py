"""One-language scene documents in the sample venue, for tests that stage a few models.

Many tests need "these models, placed so, in the sample venue" as a document on disk:
:func:`exhibit` and :func:`scene` build it, :func:`write_scene` copies the venue and the
models beside it and writes it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tests.conftest import ASSETS


def exhibit(
    key: str,
    asset: str,
    translation: Sequence[float] = (0.0, 0.0, 0.0),
    scale: float = 1.0,
    **fields: Any,
) -> dict[str, Any]:
    """An exhibit standing free (no pedestal), titled by its key, with any other fields."""
    return {
        "id": key,
        "asset": asset,
        "metadata": {"title": {"en": key}},
        "pedestal": False,
        "transform": {"translation": list(translation), "scale": scale},
        **fields,
    }


def scene(title: str, exhibits: Iterable[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """A version-2 English document in the sample venue."""
    return {
        "format": "museion.scene",
        "version": 2,
        "default_language": "en",
        "title": {"en": title},
        "venue": "venue.glb",
        "exhibits": list(exhibits),
        **fields,
    }


def write_scene(folder: Path, document: dict[str, Any], models: Iterable[Path] = ()) -> Path:
    """``document`` written in ``folder`` beside the sample venue and copies of ``models``
    (a folder's files all, for a ``.gltf`` with its buffers and images); its path."""
    shutil.copy(ASSETS / "venue.glb", folder / "venue.glb")
    for model in models:
        for part in model.iterdir() if model.is_dir() else (model,):
            shutil.copy(part, folder / part.name)
    path = folder / "scene.scene.json"
    path.write_text(json.dumps(document), "utf-8")
    return path
