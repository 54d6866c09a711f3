"""Each exhibit's Dublin Core written into its own model at publish (``KHR_xmp_json_ld``).

A model downloaded or harvested from a published version then says what it is.  Only the
models the studio imported (``models/*.glb``) are touched: the venue, the pedestal and the
kept ``originals/`` are the museum's files, not an exhibit's.  A model is rewritten only
when its packet differs from the one it holds, so publishing an unchanged draft twice
gives the same version id.  Writes are atomic: a crash leaves the old model or the new one.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path, PurePosixPath

from museion.scenes.document.file import atomic_write
from museion.scenes.document.model import Exhibit, SceneDocument
from museion.scenes.errors import AssetRejected, ExportError
from museion.scenes.exports.xmp import embed_xmp_data, packet_of, xmp_json_ld
from museion.scenes.gltf.glb import read_glb, write_glb

__all__ = ["MODELS", "stamp_models", "stampable"]

logger = logging.getLogger(__name__)

MODELS = "models"
"""The folder (under the asset root) of models the studio imported and may stamp."""


def stampable(asset: str) -> bool:
    """Whether the asset path names a model the studio imported: ``models/…/*.glb``."""
    path = PurePosixPath(asset)
    return (
        len(path.parts) >= 2
        and path.parts[0] == MODELS
        and ".." not in path.parts
        and path.suffix.lower() == ".glb"
    )


def _stamp(path: Path, exhibit: Exhibit, language: str) -> bool:
    """Write the exhibit's packet into ``path``'s JSON chunk unless it is there already;
    the binary chunk is kept as it is."""
    packet = xmp_json_ld(exhibit.metadata, language)
    try:
        chunks = read_glb(path.read_bytes(), exhibit.asset)
        document = json.loads(chunks.json)
    except (OSError, ValueError, AssetRejected) as exc:  # the gate checked it when it came in
        raise ExportError(
            f"the model {exhibit.asset!r} cannot be read to write its metadata",
            code="STAMP_UNREADABLE",
        ) from exc
    if not isinstance(document, dict):
        raise ExportError(f"the model {exhibit.asset!r} is not glTF", code="STAMP_UNREADABLE")
    if packet_of(document) == packet:
        return False
    embed_xmp_data(document, packet)
    atomic_write(path, write_glb(document, chunks.bin or b""))
    return True


def stamp_models(asset_root: Path, document: SceneDocument) -> list[str]:
    """Write each exhibit's Dublin Core into its model under ``asset_root/models/``; returns
    the asset names rewritten.  A model two exhibits share carries the first one's."""
    root = asset_root.resolve()
    seen: set[str] = set()
    rewritten: list[str] = []
    for exhibit in document.exhibits:
        name = exhibit.asset
        if name in seen or not stampable(name):
            continue
        seen.add(name)
        path = asset_root / name
        if path.is_symlink() or not path.resolve().is_relative_to(root) or not path.is_file():
            continue  # the loader refuses such a document; never write outside the root
        if _stamp(path, exhibit, document.default_language):
            rewritten.append(name)
    if rewritten:
        logger.info("Dublin Core written into %d model(s): %s", len(rewritten), rewritten)
    return rewritten
