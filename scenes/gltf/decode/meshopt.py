"""EXT_meshopt_compression: compressed bufferViews back to plain bytes, within a budget.

The decoded size (``count`` x ``byteStride``) is declared in the JSON; it is checked
against the view's ``byteLength`` and the caller's budget before meshopt runs, and the
compressed range against its buffer, so the native decoder only sees bounded work.
"""

from __future__ import annotations

from typing import Any

import meshopt  # type: ignore[import-untyped]

from museion.scenes.errors import AssetRejected

__all__ = ["decode_meshopt_view"]

_EXT = "EXT_meshopt_compression"
_MODES = ("ATTRIBUTES", "TRIANGLES", "INDICES")
_FILTERS = ("NONE", "OCTAHEDRAL", "QUATERNION", "EXPONENTIAL")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _check(ext: dict[str, Any], byte_length: int, budget: int) -> tuple[int, int, str, str]:
    """``(count, stride, mode, filter)`` or the sentence saying what is wrong."""
    count, stride = _int(ext.get("count")), _int(ext.get("byteStride"))
    mode, filt = ext.get("mode"), ext.get("filter", "NONE")
    if count is None or stride is None or count <= 0 or stride <= 0:
        raise ValueError("count and byteStride must be positive integers")
    if mode not in _MODES or filt not in _FILTERS:
        raise ValueError(f"mode {str(mode)[:20]!r} or filter {str(filt)[:20]!r} is not known")
    if mode == "ATTRIBUTES" and (stride % 4 or stride > 256):
        raise ValueError("an ATTRIBUTES stride must be a multiple of 4, at most 256")
    if mode != "ATTRIBUTES" and (stride not in (2, 4) or filt != "NONE"):
        raise ValueError("index data must have a stride of 2 or 4 and no filter")
    if mode == "TRIANGLES" and count % 3:
        raise ValueError("TRIANGLES data must hold a multiple of 3 indices")
    if filt == "OCTAHEDRAL" and stride not in (4, 8):
        raise ValueError("OCTAHEDRAL data must have a stride of 4 or 8")
    if filt == "QUATERNION" and stride != 8:
        raise ValueError("QUATERNION data must have a stride of 8")
    if count * stride > byte_length:
        raise ValueError(
            f"it decodes to {count * stride} bytes, more than the view's {byte_length}"
        )
    if byte_length > budget:
        raise ValueError(f"it decodes to {byte_length} bytes, over the budget of {budget}")
    return count, stride, str(mode), str(filt)


def decode_meshopt_view(
    view: dict[str, Any],
    buffers: list[bytes | None],
    name: str,
    pointer: str,
    budget: int,
    extension: str = _EXT,
) -> bytes:
    """The plain bytes (``byteLength`` of them) of the compressed bufferView ``view``
    (``extension`` names its meshopt extension: EXT_, or the KHR_ one of the same layout).

    Raises :class:`AssetRejected`: ``MESHOPT_INVALID`` when the declaration is wrong or
    over ``budget`` bytes (nothing decoded), ``DECODE_FAILED`` when meshopt refuses the data.
    """
    ext = view["extensions"][extension]
    where = f"{pointer}/extensions/{extension}"
    byte_length = _int(view.get("byteLength")) or 0
    try:
        if not isinstance(ext, dict):
            raise ValueError("the extension object is not an object")
        count, stride, mode, filt = _check(ext, byte_length, budget)
        buffer_index, offset = _int(ext.get("buffer")), _int(ext.get("byteOffset", 0))
        length = _int(ext.get("byteLength"))
        data = (
            buffers[buffer_index]
            if buffer_index is not None and 0 <= buffer_index < len(buffers)
            else None
        )
        if data is None or offset is None or length is None or offset < 0 or length < 0:
            raise ValueError("its compressed data names no loaded buffer")
        if offset + length > len(data):
            raise ValueError("its compressed range runs past the end of its buffer")
    except ValueError as exc:
        raise AssetRejected(
            "MESHOPT_INVALID", name, f"the compressed bufferView is malformed: {exc}", where
        ) from exc
    try:
        decoded = meshopt.decode_gltf_buffer(
            data[offset : offset + length],
            count,
            stride,
            mode,
            None if filt == "NONE" else filt,
        )
    except (ValueError, RuntimeError, MemoryError) as exc:
        raise AssetRejected(
            "DECODE_FAILED",
            name,
            f"meshopt could not decode the bufferView ({exc}); the file is corrupt",
            where,
        ) from exc
    raw: bytes = decoded.tobytes()
    return raw + bytes(byte_length - len(raw))
