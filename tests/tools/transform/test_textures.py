"""textures: resized, or re-encoded as WebP or KTX2, in files the gate passes; options out
of range are refused where they are made."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from museion.scenes.gltf.decode import decode_to_glb
from museion.tools.transform.textures import TextureOptions, textures
from tests.tools.transform.documents import (
    png,
    sphere_document,
    write_checked,
)


def test_textures_resize_keeping_aspect_and_powers_of_two(tmp_path: Path) -> None:
    doc = sphere_document(image=png(1024, 512))
    stats = textures(doc, TextureOptions(max_size=256))
    assert stats.counts["resized"] == 1
    with Image.open(io.BytesIO(doc.images[0])) as image:
        assert image.size == (256, 128)
        assert image.format == "PNG"
    write_checked(doc, tmp_path)


def test_textures_to_webp(tmp_path: Path) -> None:
    doc = sphere_document(image=png(300, 200))
    textures(doc, TextureOptions(format="webp"))
    texture = doc.json["textures"][0]
    assert "source" not in texture
    webp = texture["extensions"]["EXT_texture_webp"]["source"]
    assert doc.images[webp][:4] == b"RIFF"
    assert "EXT_texture_webp" in doc.json["extensionsRequired"]
    write_checked(doc, tmp_path)


def test_textures_to_webp_with_a_png_fallback(tmp_path: Path) -> None:
    doc = sphere_document(image=png(300, 200))
    textures(doc, TextureOptions(format="webp", webp_fallback=True))
    texture = doc.json["textures"][0]
    assert doc.json["images"][texture["source"]]["mimeType"] == "image/png"
    webp = texture["extensions"]["EXT_texture_webp"]["source"]
    assert doc.images[webp][:4] == b"RIFF"
    assert "EXT_texture_webp" in doc.json["extensionsUsed"]
    assert "EXT_texture_webp" not in doc.json.get("extensionsRequired", [])
    write_checked(doc, tmp_path)


def test_textures_to_ktx2(tmp_path: Path) -> None:
    doc = sphere_document(image=png(128, 64))
    doc.json["materials"][0]["normalTexture"] = {"index": 0}
    textures(doc, TextureOptions(format="ktx2"))
    texture = doc.json["textures"][0]
    assert "source" not in texture
    image = texture["extensions"]["KHR_texture_basisu"]["source"]
    assert doc.images[image][:12] == b"\xabKTX 20\xbb\r\n\x1a\n"
    assert doc.json["images"][image]["mimeType"] == "image/ktx2"
    path, _ = write_checked(doc, tmp_path)
    assert decode_to_glb(path) is not None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"max_size": 0}, "max_size"),
        ({"format": "avif"}, "format"),
        ({"quality": 0}, "quality"),
        ({"quality": 101}, "quality"),
        ({"webp_fallback": "yes"}, "webp_fallback"),
    ],
)
def test_texture_options_refuse_values_out_of_range(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=rf"TextureOptions\.{field} must be "):
        TextureOptions(**fields)


def test_texture_options_take_their_edges() -> None:
    assert TextureOptions(max_size=1, format="ktx2", quality=100).quality == 100
    assert TextureOptions(max_size=None, quality=1).max_size is None
