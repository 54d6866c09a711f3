"""The smallest scene: one relic on the pedestal of one venue."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from museion.scenes.gltf.gate import CheckedGltf, check_gltf

__all__ = ["Showcase", "open_showcase"]


@dataclass(frozen=True)
class Showcase:
    """A venue and the relic shown in it, both through the gate.

    The venue names where the relic stands with a node called ``exhibit_anchor``.
    """

    venue: CheckedGltf
    relic: CheckedGltf


def open_showcase(root: Path, relic: str = "relic.glb", venue: str = "venue.glb") -> Showcase:
    """Check both files under ``root``; raises :class:`AssetRejected` with the reason."""
    return Showcase(venue=check_gltf(root, venue), relic=check_gltf(root, relic))
