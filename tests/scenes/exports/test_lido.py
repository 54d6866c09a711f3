"""LIDO XML parses, carries each language with its ``xml:lang``, and hides what a
restricted exhibit keeps back."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from museion.scenes.document.file import read_scene
from museion.scenes.errors import ExportError
from museion.scenes.exports import lido_xml
from tests.conftest import ASSETS
from tests.scenes.exports.scenes import ARABIC, HOSTILE, LONG, hostile, two_languages

NS = {"lido": "http://www.lido-schema.org"}
LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _texts(root: ET.Element, path: str) -> dict[str, str]:
    return {e.attrib[LANG]: e.text or "" for e in root.iterfind(path, NS)}


def test_an_exhibit_in_two_languages() -> None:
    root = ET.fromstring(lido_xml(two_languages(), "vase"))
    assert root.tag == "{http://www.lido-schema.org}lidoWrap"
    record = root.find("lido:lido", NS)
    assert record is not None
    assert record.findtext("lido:lidoRecID", namespaces=NS) == "vase"
    descriptive = record.find("lido:descriptiveMetadata", NS)
    assert descriptive is not None and descriptive.attrib[LANG] == "en"
    ident = "lido:descriptiveMetadata/lido:objectIdentificationWrap"
    titles = _texts(record, f"{ident}/lido:titleWrap/lido:titleSet/lido:appellationValue")
    assert titles == {"en": "Vase", "fr": "Vase en grès"}
    assert len(record.findall(f"{ident}/lido:titleWrap/lido:titleSet", NS)) == 2
    work_type = "lido:descriptiveMetadata/lido:objectClassificationWrap/lido:objectWorkTypeWrap"
    assert record.findtext(f"{work_type}/lido:objectWorkType/lido:term", namespaces=NS)
    measures = f"{ident}/lido:objectMeasurementsWrap/lido:objectMeasurementsSet"
    assert _texts(record, f"{measures}/lido:displayObjectMeasurements") == {
        "en": "H. 30 cm",
        "fr": "H. 30 cm",
    }
    descriptions = f"{ident}/lido:objectDescriptionWrap/lido:objectDescriptionSet"
    assert _texts(record, f"{descriptions}[@lido:type='provenance']/lido:descriptiveNoteValue") == {
        "en": "Gift, 1901",
        "fr": "Don, 1901",
    }
    event = "lido:descriptiveMetadata/lido:eventWrap/lido:eventSet/lido:event"
    assert record.findtext(f"{event}/lido:eventType/lido:term", namespaces=NS) == "Production"
    assert _texts(record, f"{event}/lido:eventActor/lido:displayActorInRole") == {
        "en": "Unknown potter",
        "fr": "Potier inconnu",
    }
    assert _texts(record, f"{event}/lido:eventDate/lido:displayDate") == {
        "en": "1750",
        "fr": "1750",
    }
    assert _texts(record, f"{event}/lido:eventMaterialsTech/lido:displayMaterialsTech") == {
        "en": "Stoneware",
        "fr": "Grès",
    }
    rights = "lido:administrativeMetadata/lido:rightsWorkWrap/lido:rightsWorkSet/lido:creditLine"
    assert set(_texts(record, rights)) == {"en", "fr"}
    work_id = f"{ident}/lido:repositoryWrap/lido:repositorySet/lido:workID"
    assert record.findtext(work_id, namespaces=NS) == "INV 1901.7"


def test_a_restricted_exhibit_gives_its_title_only() -> None:
    raw = lido_xml(two_languages(), "secret")
    root = ET.fromstring(raw)
    titles = root.iterfind(".//lido:titleSet/lido:appellationValue", NS)
    assert {e.attrib[LANG]: e.text for e in titles} == {"en": "Sealed box", "fr": "Boîte scellée"}
    text = raw.decode("utf-8")
    for hidden in ("Kept back", "Not for visitors", "Tous droits", "eventWrap", "rightsWorkWrap"):
        assert hidden not in text


def test_hostile_text_is_escaped_and_comes_back_as_typed() -> None:
    raw = lido_xml(hostile(), "hostile")
    assert b"<script>" not in raw
    root = ET.fromstring(raw)
    titles = {
        e.attrib[LANG]: e.text for e in root.iterfind(".//lido:titleSet/lido:appellationValue", NS)
    }
    assert titles == {"en": HOSTILE, "ar": ARABIC}
    notes = {e.attrib[LANG]: e.text for e in root.iterfind(".//lido:descriptiveNoteValue", NS)}
    assert notes == {"en": "<b>bold</b>", "ar": LONG}


def test_every_exhibit_of_the_example_parses() -> None:
    document = read_scene(ASSETS / "example.scene.json")
    for exhibit in document.exhibits:
        root = ET.fromstring(lido_xml(document, exhibit.id))
        titles = root.iterfind(".//lido:titleSet/lido:appellationValue", NS)
        assert {e.attrib[LANG]: e.text for e in titles} == exhibit.metadata.title


def test_an_unknown_exhibit_is_refused() -> None:
    with pytest.raises(ExportError) as refused:
        lido_xml(two_languages(), "nope")
    assert refused.value.code == "UNKNOWN_EXHIBIT"
