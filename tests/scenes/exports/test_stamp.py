"""Dublin Core stamped into imported models: only ``models/*.glb``, only when it changed,
and the result still passes the glTF gate."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pygltflib

from museion.scenes.exports.stamp import stamp_models, stampable
from museion.scenes.gltf.gate import validate_gltf
from tests.conftest import ASSETS
from tests.scenes.exports.scenes import HOSTILE, exhibit, scene


def _titles(path: Path) -> dict[str, str]:
    gltf = pygltflib.GLTF2().load(str(path))
    index = gltf.asset.extensions["KHR_xmp_json_ld"]["packet"]
    title: dict[str, Any] = gltf.extensions["KHR_xmp_json_ld"]["packets"][index]["dc:title"]
    return {v["@language"]: v["@value"] for k, v in title.items() if k != "@type"}


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "models").mkdir()
    (tmp_path / "originals").mkdir()
    shutil.copy(ASSETS / "relic.glb", tmp_path / "models" / "vase.glb")
    shutil.copy(ASSETS / "relic-bi.glb", tmp_path / "originals" / "disc.glb")
    shutil.copy(ASSETS / "relic-bell.glb", tmp_path / "bell.glb")
    return tmp_path


def test_only_imported_models_are_stamped_and_only_once(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    untouched = {p: p.read_bytes() for p in (root / "originals/disc.glb", root / "bell.glb")}
    vase = {"title": {"en": "Vase", "fr": "Vase en grès"}}
    document = scene(
        {**exhibit("vase", vase), "asset": "models/vase.glb"},
        {**exhibit("again", {"title": {"en": "Other"}}), "asset": "models/vase.glb"},
        {**exhibit("disc", {"title": {"en": "Disc"}}), "asset": "originals/disc.glb"},
        {**exhibit("bell", {"title": {"en": "Bell"}}), "asset": "bell.glb"},
    )
    assert stamp_models(root, document) == ["models/vase.glb"]
    assert _titles(root / "models/vase.glb") == vase["title"]  # the first exhibit's
    assert all(p.read_bytes() == data for p, data in untouched.items())
    stamped = (root / "models/vase.glb").read_bytes()
    assert stamp_models(root, document) == []  # unchanged: not rewritten
    assert (root / "models/vase.glb").read_bytes() == stamped
    report = validate_gltf(root, "models/vase.glb")
    assert report.valid, report.to_dict()["issues"]


def test_a_changed_title_is_stamped_again_without_a_second_packet(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    for title in ({"en": "Vase"}, {"en": HOSTILE, "zh": "瓶"}):
        document = scene({**exhibit("vase", {"title": title}), "asset": "models/vase.glb"})
        assert stamp_models(root, document) == ["models/vase.glb"]
        assert _titles(root / "models/vase.glb") == title
    gltf = pygltflib.GLTF2().load(str(root / "models/vase.glb"))
    assert len(gltf.extensions["KHR_xmp_json_ld"]["packets"]) == 1
    assert validate_gltf(root, "models/vase.glb").valid


def test_what_counts_as_an_imported_model() -> None:
    assert stampable("models/vase.glb")
    assert stampable("models/sub/VASE.GLB")
    assert not stampable("models/vase.gltf")
    assert not stampable("originals/vase.glb")
    assert not stampable("venue.glb")
    assert not stampable("models/../venue.glb")
    assert not stampable("models")
