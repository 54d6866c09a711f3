"""Decode compressed and extended glTF into plain glTF the renderer can load.

(Being built for issue 5: Draco, meshopt, mesh quantization, KTX2, texture transform.)
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["decode_to_glb"]


def decode_to_glb(path: Path) -> bytes | None:
    """A self-contained plain GLB of the gated file at ``path``, or ``None`` when the file
    needs no decoding.  Raises :class:`~museion.scenes.errors.AssetRejected` on failure."""
    return None
