"""A keyframe's picture size, read from its header: VP8's frame header, H.264's SPS.

The relay never decodes, yet ranks a publisher's simulcast layers (which one is High?) and
tells viewers each layer's size.  Pure functions over untrusted bytes: anything they cannot
read is ``None``, never an exception.
"""

from __future__ import annotations

__all__ = ["h264_picture_size", "picture_size", "vp8_picture_size"]

_MAX_SIDE = 16_384  # past any level's limit: a larger reading is garbage
_HIGH_PROFILES = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135}


def vp8_picture_size(data: bytes) -> tuple[int, int] | None:
    """A VP8 keyframe's width and height (RFC 6386 9.1: the start code, then two
    14-bit sizes with scaling bits)."""
    if len(data) < 10 or data[0] & 0x01 or data[3:6] != b"\x9d\x01\x2a":
        return None
    width = int.from_bytes(data[6:8], "little") & 0x3FFF
    height = int.from_bytes(data[8:10], "little") & 0x3FFF
    return (width, height) if width and height else None


class _Bits:
    """An RBSP bit reader (emulation prevention already removed)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def bit(self) -> int:
        byte = self.position >> 3
        if byte >= len(self.data):
            raise IndexError("the SPS ended early")
        value = (self.data[byte] >> (7 - (self.position & 7))) & 1
        self.position += 1
        return value

    def bits(self, count: int) -> int:
        value = 0
        for _ in range(count):
            value = (value << 1) | self.bit()
        return value

    def ue(self) -> int:
        zeros = 0
        while not self.bit():
            zeros += 1
            if zeros > 31:
                raise ValueError("an Exp-Golomb code longer than 32 bits")
        return (1 << zeros) - 1 + self.bits(zeros)

    def se(self) -> int:
        value = self.ue()
        return (value + 1) // 2 if value & 1 else -(value // 2)


def _rbsp(nal: bytes) -> bytes:
    """``nal`` without its emulation-prevention bytes (00 00 03 → 00 00)."""
    return nal.replace(b"\x00\x00\x03", b"\x00\x00")


def _sps(data: bytes) -> bytes | None:
    at = 0
    while (at := data.find(b"\x00\x00\x01", at)) != -1:
        at += 3
        if at < len(data) and data[at] & 0x1F == 7:
            end = data.find(b"\x00\x00\x01", at)
            return data[at + 1 : end if end != -1 else len(data)]
    return None


def _skip_scaling_list(bits: _Bits, size: int) -> None:
    last = following = 8
    for _ in range(size):
        if following:
            following = (last + bits.se() + 256) % 256
        last = following or last


def h264_picture_size(data: bytes) -> tuple[int, int] | None:
    """The cropped width and height in the SPS of an Annex B access unit (H.264 7.3.2.1)."""
    sps = _sps(data)
    if sps is None:
        return None
    bits = _Bits(_rbsp(sps))
    try:
        profile = bits.bits(8)
        bits.bits(16)  # constraint flags, level
        bits.ue()  # seq_parameter_set_id
        chroma = 1
        if profile in _HIGH_PROFILES:
            chroma = bits.ue()
            if chroma == 3:
                bits.bit()  # separate_colour_plane_flag
            bits.ue()
            bits.ue()  # bit depths
            bits.bit()  # qpprime_y_zero_transform_bypass_flag
            if bits.bit():  # seq_scaling_matrix_present_flag
                for index in range(8 if chroma != 3 else 12):
                    if bits.bit():
                        _skip_scaling_list(bits, 16 if index < 6 else 64)
        bits.ue()  # log2_max_frame_num_minus4
        order = bits.ue()
        if order == 0:
            bits.ue()
        elif order == 1:
            bits.bit()
            bits.se()
            bits.se()
            for _ in range(min(bits.ue(), 255)):
                bits.se()
        bits.ue()  # max_num_ref_frames
        bits.bit()  # gaps_in_frame_num_value_allowed_flag
        width_mbs = bits.ue() + 1
        height_units = bits.ue() + 1
        frames_only = bits.bit()
        if not frames_only:
            bits.bit()  # mb_adaptive_frame_field_flag
        bits.bit()  # direct_8x8_inference_flag
        crop = (bits.ue(), bits.ue(), bits.ue(), bits.ue()) if bits.bit() else (0, 0, 0, 0)
    except (IndexError, ValueError):
        return None
    unit_x = 1 if chroma in (0, 3) else 2
    unit_y = (2 - frames_only) * (2 if chroma == 1 else 1)
    width = width_mbs * 16 - unit_x * (crop[0] + crop[1])
    height = (2 - frames_only) * height_units * 16 - unit_y * (crop[2] + crop[3])
    if not (0 < width <= _MAX_SIDE and 0 < height <= _MAX_SIDE):
        return None
    return width, height


def picture_size(codec: str, data: bytes) -> tuple[int, int] | None:
    """The picture size of keyframe ``data`` of ``codec`` (``H264`` or ``VP8``), or None."""
    return h264_picture_size(data) if codec.upper() == "H264" else vp8_picture_size(data)
