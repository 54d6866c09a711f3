"""Image headers are read without decoding: bombs are refused, formats must match what the
document declares, and cut-short files are found."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.gate import GateLimits, validate_gltf
from museion.scenes.gltf.images import read_image_header
from tests.conftest import CORPUS


def _encoded(fmt: str, size: tuple[int, int] = (37, 21)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 90)).save(out, fmt)
    return out.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    chunk = struct.pack(">I", 13) + b"IHDR" + ihdr
    chunk += struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")],
)
def test_headers_give_format_and_size(fmt: str, mime: str) -> None:
    header = read_image_header(_encoded(fmt))
    assert (header.mime_type, header.width, header.height, header.complete) == (mime, 37, 21, True)


def test_lossless_and_extended_webp() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (300, 17), (1, 2, 3, 4)).save(out, "WEBP", lossless=True)
    assert read_image_header(out.getvalue()).width == 300
    out = io.BytesIO()
    Image.new("RGBA", (64, 65), (1, 2, 3, 128)).save(out, "WEBP", exif=b"Exif\x00\x00")
    header = read_image_header(out.getvalue())
    assert (header.width, header.height) == (64, 65)


def test_ktx2_header() -> None:
    ktx = b"\xabKTX 20\xbb\r\n\x1a\n" + struct.pack("<IIIII", 0, 1, 512, 256, 0) + bytes(40)
    header = read_image_header(ktx)
    assert (header.mime_type, header.width, header.height) == ("image/ktx2", 512, 256)


def test_broken_images_have_codes() -> None:
    png = _encoded("PNG")
    with pytest.raises(AssetRejected) as caught:
        read_image_header(png[:20])
    assert caught.value.code == "IMAGE_UNEXPECTED_EOS"
    assert not read_image_header(_png_header_only(8, 8)).complete
    with pytest.raises(AssetRejected) as caught:
        read_image_header(b"GIF89a" + bytes(40))
    assert caught.value.code == "IMAGE_UNRECOGNIZED_FORMAT"
    with pytest.raises(AssetRejected) as caught:
        read_image_header(_encoded("JPEG")[:30])
    assert caught.value.code == "IMAGE_UNEXPECTED_EOS"


def _textured(folder: Path, image: dict[str, str], extra: dict[str, bytes] | None = None) -> str:
    for name, data in (extra or {}).items():
        (folder / name).write_bytes(data)
    document = {
        "asset": {"version": "2.0"},
        "images": [image],
        "textures": [{"source": 0}],
        "materials": [{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}}],
    }
    (folder / "t.gltf").write_text(json.dumps(document))
    return "t.gltf"


def _codes(folder: Path, name: str, limits: GateLimits | None = None) -> set[str]:
    return validate_gltf(folder, name, limits).codes()


def test_a_declared_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    bomb = _png_header_only(30000, 30000)
    name = _textured(tmp_path, {"uri": "bomb.png"}, {"bomb.png": bomb})
    assert "IMAGE_TOO_LARGE" in _codes(tmp_path, name)
    inline = "data:image/png;base64," + base64.b64encode(bomb).decode()
    assert "IMAGE_TOO_LARGE" in _codes(tmp_path, _textured(tmp_path, {"uri": inline}))


def test_caps_are_configurable(tmp_path: Path) -> None:
    name = _textured(tmp_path, {"uri": "a.png"}, {"a.png": _encoded("PNG", (300, 200))})
    assert _codes(tmp_path, name) == set()
    assert _codes(tmp_path, name, GateLimits(max_image_side=256)) == {"IMAGE_TOO_LARGE"}
    assert _codes(tmp_path, name, GateLimits(max_image_pixels=50_000)) == {"IMAGE_TOO_LARGE"}


def test_declared_type_must_match_content(tmp_path: Path) -> None:
    jpeg = "data:image/png;base64," + base64.b64encode(_encoded("JPEG")).decode()
    report = validate_gltf(tmp_path, _textured(tmp_path, {"uri": jpeg}))
    assert [(i.code, i.pointer) for i in report.errors] == [
        ("IMAGE_MIME_TYPE_INVALID", "/images/0/uri")
    ]
    png = "data:image/png;base64," + base64.b64encode(_encoded("PNG")).decode()
    mislabelled = {"uri": png, "mimeType": "image/jpeg"}
    assert _codes(tmp_path, _textured(tmp_path, mislabelled)) == {"IMAGE_MIME_TYPE_INVALID"}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)")
def test_corpus_image_bombs_are_refused_without_decoding() -> None:
    bombs = CORPUS / "hostile" / "image_bomb"
    cases = sorted(bombs.glob("*.gltf"))
    assert len(cases) == 3
    for case in cases:
        assert "IMAGE_TOO_LARGE" in _codes(bombs, case.name), case.name


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=96), st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8", b"RIFF"]))
def test_any_bytes_give_a_header_or_a_documented_error(data: bytes, prefix: bytes) -> None:
    try:
        header = read_image_header(prefix + data)
    except AssetRejected as exc:
        assert exc.code.startswith("IMAGE_")
    else:
        assert header.width >= 0 and header.height >= 0
