"""Dublin Core as a KHR_xmp_json_ld packet: the extension's shape, a round trip through
real sample relics, and the glTF gate still accepting the result."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pygltflib
import pytest

from museion.scenes.document.file import read_scene
from museion.scenes.document.model import Metadata
from museion.scenes.exports import embed_xmp, xmp_json_ld
from museion.scenes.gltf.gate import validate_gltf
from tests.conftest import ASSETS
from tests.scenes.exports.scenes import HOSTILE, two_languages

RELICS = sorted(p.name for p in ASSETS.glob("relic*.glb"))


def _alt(value: dict[str, Any]) -> dict[str, str]:
    assert value["@type"] == "rdf:Alt"
    items = [value[f"rdf:_{i}"] for i in range(1, len(value))]
    assert set(value) == {"@type", *(f"rdf:_{i}" for i in range(1, len(value)))}
    return {item["@language"]: item["@value"] for item in items}


def test_the_packet_follows_the_extension() -> None:
    metadata = two_languages().exhibit("vase").metadata
    packet = xmp_json_ld(metadata, "fr")
    assert packet["@context"]["dc"] == "http://purl.org/dc/elements/1.1/"
    assert packet["@context"]["rdf"] == "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    assert _alt(packet["dc:title"]) == {"fr": "Vase en grès", "en": "Vase"}
    assert packet["dc:title"]["rdf:_1"]["@language"] == "fr"  # the given language first
    assert _alt(packet["dc:description"]) == {"en": "A tall vase.", "fr": "Un grand vase."}
    assert packet["dc:creator"] == {"@list": ["Potier inconnu"]}
    assert packet["dc:date"] == {"@list": ["1750"]}  # an XMP Date
    assert packet["dc:identifier"] == "INV 1901.7"
    assert packet["dc:language"] == {"@set": ["fr", "en"]}
    assert _alt(packet["dcterms:medium"]) == {"en": "Stoneware", "fr": "Grès"}
    assert _alt(packet["dcterms:provenance"]) == {"en": "Gift, 1901", "fr": "Don, 1901"}


def test_a_free_text_date_is_no_xmp_date() -> None:
    metadata = Metadata(title={"en-GB": "Bell"}, date={"en-GB": "c. 5th century BC"})
    packet = xmp_json_ld(metadata, "en-GB")
    assert "dc:date" not in packet
    assert _alt(packet["dcterms:temporal"]) == {"en-gb": "c. 5th century BC"}  # lower case


@pytest.mark.parametrize("name", RELICS)
def test_round_trip_through_a_sample_relic(tmp_path: Path, name: str) -> None:
    shutil.copy(ASSETS / name, tmp_path / name)
    document = read_scene(ASSETS / "example.scene.json")
    metadata = document.exhibits[0].metadata
    packet = xmp_json_ld(metadata, document.default_language)
    gltf = pygltflib.GLTF2().load(str(tmp_path / name))
    generator = gltf.asset.generator
    embed_xmp(gltf, packet)
    embed_xmp(gltf, packet)  # again, as a re-optimized file would: no second packet
    out = tmp_path / f"xmp-{name}"
    gltf.save_binary(str(out))
    back = pygltflib.GLTF2().load(str(out))
    assert back.asset.generator == generator
    assert back.asset.extensions == {"KHR_xmp_json_ld": {"packet": 0}}
    assert back.extensions["KHR_xmp_json_ld"]["packets"] == [packet]
    assert back.extensionsUsed.count("KHR_xmp_json_ld") == 1
    assert _alt(back.extensions["KHR_xmp_json_ld"]["packets"][0]["dc:title"]) == metadata.title
    report = validate_gltf(tmp_path, out.name)
    assert report.valid, report.to_dict()["issues"]
    assert report.to_dict()["counts"]["error"] == 0


def test_a_packet_already_there_is_kept(tmp_path: Path) -> None:
    gltf = pygltflib.GLTF2().load(str(ASSETS / "relic.glb"))
    other = {"@context": {"dc": "http://purl.org/dc/elements/1.1/"}, "dc:format": "x/y"}
    gltf.extensions["KHR_xmp_json_ld"] = {"packets": [other]}
    ours = xmp_json_ld(Metadata(title={"en": HOSTILE}), "en")
    embed_xmp(gltf, ours)
    assert gltf.extensions["KHR_xmp_json_ld"]["packets"] == [other, ours]
    assert gltf.asset.extensions["KHR_xmp_json_ld"] == {"packet": 1}
    gltf.save_binary(str(tmp_path / "two.glb"))
    assert validate_gltf(tmp_path, "two.glb").valid
