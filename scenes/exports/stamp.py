"""Each exhibit's Dublin Core written into its own model at publish (``KHR_xmp_json_ld``).

A model downloaded or harvested from a published version then says what it is.  Only the
models the studio imported (``models/*.glb``) are touched: the venue, the pedestal and the
kept ``originals/`` are the museum's files, not an exhibit's.  A model is rewritten only
when its packet differs from the one it holds, so publishing an unchanged draft twice
gives the same version id.  Writes are atomic: a crash leaves the old model or the new one.
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath

import pygltflib  # type: ignore[import-untyped]

from museion.scenes.document.file import atomic_write
from museion.scenes.document.model import Exhibit, SceneDocument
from museion.scenes.errors import ExportError
from museion.scenes.exports.xmp import EXTENSION, embed_xmp, xmp_json_ld

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


def _current_packet(gltf: pygltflib.GLTF2) -> object:
    """The asset-level packet the model holds now, or None."""
    index = ((gltf.asset.extensions or {}).get(EXTENSION) or {}).get("packet")
    packets = ((gltf.extensions or {}).get(EXTENSION) or {}).get("packets")
    if isinstance(index, int) and isinstance(packets, list) and 0 <= index < len(packets):
        return packets[index]
    return None


def _stamp(path: Path, exhibit: Exhibit, language: str) -> bool:
    """Write the exhibit's packet into ``path`` unless it is there already."""
    packet = xmp_json_ld(exhibit.metadata, language)
    try:
        gltf = pygltflib.GLTF2.load_from_bytes(path.read_bytes())
    except (OSError, ValueError) as exc:  # the gate checked it when it came in
        raise ExportError(
            f"the model {exhibit.asset!r} cannot be read to write its metadata",
            code="STAMP_UNREADABLE",
        ) from exc
    if _current_packet(gltf) == packet:
        return False
    embed_xmp(gltf, packet)
    atomic_write(path, b"".join(gltf.save_to_bytes()))
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
