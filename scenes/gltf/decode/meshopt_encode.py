"""EXT_meshopt_compression, written: vertex and index rows to the meshopt codec's streams,
the inverse of :mod:`.meshopt` (the toolchain stores optimized files with it)."""

from __future__ import annotations

from typing import Any

import meshopt  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

__all__ = ["encode_meshopt_rows", "octahedral_rows"]


def encode_meshopt_rows(
    raw: bytes, stride: int, count: int, mode: str, level: int, version: int
) -> bytes:
    """``count`` rows of ``stride`` bytes as one compressed stream: ``ATTRIBUTES`` with the
    vertex codec at ``level`` and bitstream ``version``, else ``TRIANGLES``/``INDICES``."""
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(count, stride)
    if mode == "ATTRIBUTES":
        packed: bytes = meshopt.encode_vertex_buffer_level(rows, level, version)
    else:
        indices = rows.view(np.uint16 if stride == 2 else np.uint32).reshape(-1)
        packed = meshopt.encode_gltf_buffer(indices.astype(np.uint32), mode)
    return packed


def octahedral_rows(data: npt.NDArray[Any], stride: int) -> bytes:
    """Signed normalized unit vectors as the octahedral filter stores them (the decoder
    gives back the same integers, give or take a step)."""
    values = np.zeros((len(data), 4), dtype=np.float32)  # w: a tangent's sign, else unused
    values[:, : data.shape[1]] = data.astype(np.float32) / float(np.iinfo(data.dtype).max)
    bits = 8 * data.dtype.itemsize
    encoded: npt.NDArray[Any] = meshopt.encode_filter_oct(values, stride, bits)
    return encoded.tobytes()
