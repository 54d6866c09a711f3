"""Image checks: dimensions read from the header before anything decodes a pixel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from museion.scenes.gltf_report import Reporter

if TYPE_CHECKING:
    from museion.scenes.gltf_gate import GateLimits

__all__ = ["check_images"]


def check_images(
    document: dict[str, Any],
    images: list[bytes | None],
    buffers: list[bytes | None],
    report: Reporter,
    limits: GateLimits,
) -> None:
    """Report images whose header declares more pixels than the caps allow."""
