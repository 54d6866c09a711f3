"""The KTX2 container's header, read without decoding a texel: the size the gate caps, and
the encoding, mip levels and GPU memory the inspector reports.

Basis Universal textures (``vkFormat`` 0) are transcoded at load time to a block format,
so their GPU cost follows the transcoding target, told apart by the data format
descriptor (ETC1S or UASTC).
"""

from __future__ import annotations

import math
import struct

__all__ = ["KTX2_HEADER_BYTES", "KTX2_MAGIC", "ktx2_extent", "ktx2_gpu", "ktx2_size"]

KTX2_MAGIC = b"\xabKTX 20\xbb\r\n\x1a\n"
KTX2_HEADER_BYTES = 80  # identifier, nine 32-bit fields, then the index of its sections
_BASIS_LZ = 1
_DFD_ETC1S, _DFD_UASTC = 163, 166
# VkFormat -> (block width, block height, bytes per block); 1x1 blocks are plain pixels.
_VK_BLOCKS: dict[range, tuple[int, int, int]] = {
    range(9, 16): (1, 1, 1),  # R8
    range(16, 23): (1, 1, 2),  # R8G8
    range(23, 37): (1, 1, 4),  # R8G8B8 / B8G8R8 (padded to 4 on upload)
    range(37, 51): (1, 1, 4),  # R8G8B8A8 / B8G8R8A8
    range(97, 98): (1, 1, 8),  # R16G16B16A16_SFLOAT
    range(109, 110): (1, 1, 16),  # R32G32B32A32_SFLOAT
    range(131, 135): (4, 4, 8),  # BC1
    range(135, 139): (4, 4, 16),  # BC2, BC3
    range(139, 141): (4, 4, 8),  # BC4
    range(141, 147): (4, 4, 16),  # BC5, BC6H, BC7
    range(147, 151): (4, 4, 8),  # ETC2 RGB, RGB A1
    range(151, 153): (4, 4, 16),  # ETC2 RGBA
    range(153, 155): (4, 4, 8),  # EAC R11
    range(155, 157): (4, 4, 16),  # EAC RG11
}
_ASTC_BLOCKS = (
    (4, 4),
    (5, 4),
    (5, 5),
    (6, 5),
    (6, 6),
    (8, 5),
    (8, 6),
    (8, 8),
    (10, 5),
    (10, 6),
    (10, 8),
    (10, 10),
    (12, 10),
    (12, 12),
)


def ktx2_size(data: bytes) -> tuple[int, int] | None:
    """``(width, height)`` of a KTX2 file (a 1D texture is one pixel high); ``None`` when
    the header is cut short before them."""
    if len(data) < 28:
        return None
    width, height = struct.unpack_from("<II", data, 20)
    return width, max(height, 1)


def ktx2_extent(data: bytes) -> tuple[int, int, int] | None:
    """``(width, height, depth)``: the size and the depth (0 for a 2D texture); ``None``
    when the header is cut short before them."""
    size = ktx2_size(data)
    if size is None or len(data) < 32:
        return None
    return (*size, struct.unpack_from("<I", data, 28)[0])


def _block(data: bytes, vk_format: int, scheme: int) -> tuple[str, tuple[int, int, int]]:
    """The encoding's name and the block it occupies on the GPU.

    Basis Universal (``vkFormat`` 0) is transcoded at load time: ETC1S to an 8-byte block
    format (BC1 / ETC1), or 16 bytes with alpha (BC3 / ETC2 RGBA); UASTC to 16-byte blocks
    (BC7 / ASTC 4x4).
    """
    if vk_format == 0:
        dfd_offset, dfd_length = struct.unpack_from("<II", data, 48)
        model = block_size = 0
        if dfd_length >= 16 and dfd_offset + 16 <= len(data):
            block_size = struct.unpack_from("<H", data, dfd_offset + 10)[0]
            model = data[dfd_offset + 12]
        if scheme == _BASIS_LZ or model == _DFD_ETC1S:
            alpha = (block_size - 24) // 16 > 1  # a second sample is the alpha slice
            return "KTX2/ETC1S", (4, 4, 16 if alpha else 8)
        if model == _DFD_UASTC:
            return "KTX2/UASTC", (4, 4, 16)
        return "KTX2", (1, 1, 4)
    for formats, block in _VK_BLOCKS.items():
        if vk_format in formats:
            return f"KTX2/vkFormat {vk_format}", block
    if 157 <= vk_format <= 184:
        width, height = _ASTC_BLOCKS[(vk_format - 157) // 2]
        return f"KTX2/ASTC {width}x{height}", (width, height, 16)
    return f"KTX2/vkFormat {vk_format}", (1, 1, 4)


def _mip_bytes(width: int, height: int, levels: int, block: tuple[int, int, int]) -> int:
    bw, bh, size = block
    total = 0
    for level in range(levels):
        w, h = max(1, width >> level), max(1, height >> level)
        total += -(-w // bw) * -(-h // bh) * size
    return total


def ktx2_gpu(data: bytes) -> tuple[str, int, int] | None:
    """``(encoding, mip levels, GPU bytes)`` of a KTX2 texture with its block-compressed
    levels, layers and faces; ``None`` for a header cut short or with no width."""
    if len(data) < KTX2_HEADER_BYTES or data[:12] != KTX2_MAGIC:
        return None
    vk_format, _, width, height, _, layers, faces, levels, scheme = struct.unpack_from(
        "<9I", data, 12
    )
    if width == 0:
        return None
    height = max(height, 1)
    full_chain = int(math.log2(max(width, height))) + 1
    # levelCount 0 asks the loader to make the mip chain; a forged count is capped.
    count = min(levels, full_chain) if levels else full_chain
    encoding, block = _block(data, vk_format, scheme)
    gpu = _mip_bytes(width, height, count, block) * max(layers, 1) * max(faces, 1)
    return encoding, count, gpu
