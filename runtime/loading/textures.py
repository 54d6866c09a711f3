"""Texture sizes in converted models: halved at conversion until they fit the cap.

A server renders at most 1080p, so a relic never shows more than about 2048 texels across;
a scan's 4096² maps would cost four times the cache, the read and the memory (in the
Panda3D texture and again in the driver's copy) for nothing a visitor sees.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

__all__ = ["shrink_texture", "shrink_textures", "texture_bytes"]

logger = logging.getLogger(__name__)


def _halved(image: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``image`` (rows, columns, channels) at half its size: each texel the mean of four
    (an odd last row or column is dropped)."""
    rows, columns = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
    quad = image[:rows, :columns].astype(np.uint16)
    total = quad[0::2, 0::2] + quad[1::2, 0::2] + quad[0::2, 1::2] + quad[1::2, 1::2]
    return ((total + 2) // 4).astype(np.uint8)


def shrink_texture(texture: Any, max_side: int) -> bool:
    """Halve an 8-bit 2D ``texture`` in place until neither side passes ``max_side``;
    False when it is kept as it is (small enough, or of a kind not shrunk)."""
    from panda3d.core import Texture

    width, height = texture.get_x_size(), texture.get_y_size()
    if max(width, height) <= max_side:
        return False
    if (
        texture.get_texture_type() != Texture.TT_2d_texture
        or texture.get_component_width() != 1
        or not texture.has_ram_image()
    ):
        logger.info("texture %s (%dx%d) kept at its size", texture.get_name(), width, height)
        return False
    channels = texture.get_num_components()
    data = np.frombuffer(bytes(texture.get_uncompressed_ram_image()), np.uint8)
    image = data[: width * height * channels].reshape(height, width, channels)
    while max(image.shape[0], image.shape[1]) > max_side and min(image.shape[:2]) >= 2:
        image = _halved(image)
    component, form = texture.get_component_type(), texture.get_format()
    texture.setup_2d_texture(image.shape[1], image.shape[0], component, form)
    texture.set_ram_image(np.ascontiguousarray(image).tobytes())
    logger.debug(
        "texture %s %dx%d -> %dx%d", texture.get_name(), width, height, *image.shape[1::-1]
    )
    return True


def shrink_textures(model: Any, max_side: int) -> int:
    """Halve every 8-bit 2D texture of ``model`` until neither side passes ``max_side``;
    returns how many were shrunk."""
    return sum(shrink_texture(texture, max_side) for texture in model.find_all_textures())


def texture_bytes(model: Any) -> int:
    """Bytes of ``model``'s textures' RAM images (what the server holds of them)."""
    return sum(t.get_ram_image_size() for t in model.find_all_textures() if t.has_ram_image())
