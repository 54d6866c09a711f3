"""The IIIF manifest validates against the Presentation 3 JSON Schema and says what the
document says, in every language, and no more than visitors may see."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from museion.scenes.document.file import read_scene
from museion.scenes.errors import ExportError
from museion.scenes.exports import iiif_manifest
from museion.scenes.exports.iiif import language_map
from tests.conftest import ASSETS
from tests.scenes.exports.scenes import (
    ARABIC,
    HOSTILE,
    LONG,
    exhibit,
    hostile,
    scene,
    two_languages,
)

SCHEMA = Path(__file__).parent / "fixtures" / "iiif_3_0.json"
BASE = "https://museum.example"


@cache
def _validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def _valid(manifest: dict[str, Any]) -> dict[str, Any]:
    errors = [
        f"{list(e.absolute_path)}: {e.message[:300]}" for e in _validator().iter_errors(manifest)
    ]
    assert errors == []
    return manifest


def _values(entries: list[dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    return {entry["label"]["en"][0]: entry["value"] for entry in entries}


def test_the_schema_bites() -> None:
    """A manifest without a label, or with a bare-string label, is refused: the check is real."""
    manifest = iiif_manifest(two_languages(), base_url=BASE, exhibition_id="two")
    del manifest["label"]
    assert list(_validator().iter_errors(manifest))
    manifest["label"] = "not a language map"
    assert list(_validator().iter_errors(manifest))


def test_the_example_exhibition() -> None:
    document = read_scene(ASSETS / "example.scene.json")
    manifest = _valid(iiif_manifest(document, base_url=BASE + "/", exhibition_id="example"))
    assert manifest["id"] == f"{BASE}/e/example/manifest.json"
    assert manifest["label"] == {"zh": ["中华文物厅"], "en": ["Hall of Chinese Antiquities"]}
    assert manifest["homepage"][0]["id"] == f"{BASE}/e/example/"
    canvases = manifest["items"]
    assert [c["label"] for c in canvases] == [
        language_map(e.metadata.title) for e in document.exhibits
    ]
    first = canvases[0]
    assert first["homepage"][0]["id"] == f"{BASE}/e/example/?exhibit=bronze-hu"
    assert first["homepage"][0]["format"] == "text/html"
    values = _values(first["metadata"])
    medium = document.exhibits[0].metadata.medium
    assert medium is not None
    assert values["Medium"] == {"zh": [medium["zh"]], "en": ["Bronze with green patina"]}
    assert values["Identifier"] == {"none": ["MUS-SAMPLE-0001"]}
    # The sample's rights are a sentence, not a licence URI: a required statement instead.
    assert "rights" not in first
    assert first["requiredStatement"]["value"]["en"][0].startswith("CC0 1.0")
    restricted = [
        c for c, e in zip(canvases, document.exhibits, strict=True) if e.access != "public"
    ]
    assert restricted and all(
        set(c) & {"metadata", "summary", "requiredStatement"} == set() for c in restricted
    )


def test_two_languages_and_a_restricted_exhibit() -> None:
    manifest = _valid(iiif_manifest(two_languages(), base_url=BASE, exhibition_id="two"))
    assert manifest["label"] == {"en": ["Two languages"], "fr": ["Deux langues"]}
    assert manifest["summary"] == {
        "en": ["Vase · Sealed box"],
        "fr": ["Vase en grès · Boîte scellée"],
    }
    vase, secret = manifest["items"]
    values = _values(vase["metadata"])
    assert values["Creator"] == {"en": ["Unknown potter"], "fr": ["Potier inconnu"]}
    assert values["Provenance"] == {"en": ["Gift, 1901"], "fr": ["Don, 1901"]}
    assert vase["summary"] == {"en": ["A tall vase."], "fr": ["Un grand vase."]}
    # A licence URI becomes ``rights``, in the http form the schema (and the spec) use.
    assert vase["rights"] == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert secret["label"] == {"en": ["Sealed box"], "fr": ["Boîte scellée"]}
    text = json.dumps(secret, ensure_ascii=False)
    for hidden in ("Kept back", "Not for visitors", "Tous droits", "INV 1902.1"):
        assert hidden not in text
    assert set(secret) == {
        "id",
        "type",
        "label",
        "width",
        "height",
        "homepage",
        "rendering",
        "items",
    }


def test_hostile_text_is_carried_as_text() -> None:
    manifest = _valid(iiif_manifest(hostile(), base_url=BASE, exhibition_id="h"))
    assert manifest["label"] == {"en": [HOSTILE], "ar": [ARABIC]}
    (canvas,) = manifest["items"]
    assert canvas["label"]["en"] == [HOSTILE]
    # A value IIIF clients would read as HTML is escaped inside a span, shown as typed.
    assert canvas["summary"] == {"en": ["<span>&lt;b&gt;bold&lt;/b&gt;</span>"], "ar": [LONG]}
    assert _values(canvas["metadata"])["Dimensions"] == {"en": [LONG], "ar": [ARABIC]}


def test_language_tags_the_schema_cannot_take_keep_their_language() -> None:
    document = scene(
        exhibit("v", {"title": {"en": "Vase", "es-419": "Jarrón", "es": "Jarro"}}),
        title={"en": "Hall", "es-419": "Sala"},
    )
    manifest = _valid(iiif_manifest(document, base_url=BASE, exhibition_id="x"))
    assert manifest["label"] == {"en": ["Hall"], "es": ["Sala"]}
    assert manifest["items"][0]["label"] == {"en": ["Vase"], "es": ["Jarrón", "Jarro"]}


def test_ids_in_urls_are_quoted() -> None:
    manifest = _valid(iiif_manifest(two_languages(), base_url=BASE, exhibition_id="a b/c"))
    assert manifest["id"] == f"{BASE}/e/a%20b%2Fc/manifest.json"


@pytest.mark.parametrize(
    "base", ["museum.example", "ftp://m.example", "https://m.example/?q=1", ""]
)
def test_a_base_url_that_is_no_http_url_is_refused(base: str) -> None:
    with pytest.raises(ExportError) as refused:
        iiif_manifest(two_languages(), base_url=base, exhibition_id="x")
    assert refused.value.code == "BAD_BASE_URL"
