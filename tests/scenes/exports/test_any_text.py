"""Any text the loader keeps (controls, lone surrogates, markup, RTL) gives a manifest that
validates and encodes, LIDO that parses, and an XMP packet that encodes as UTF-8."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from museion.scenes.document.model import Exhibit, Metadata, SceneDocument
from museion.scenes.exports import iiif_manifest, lido_xml, xmp_json_ld
from museion.scenes.exports.text import utf8_text, xml_text
from tests.scenes.exports.test_iiif import _valid

TEXT = st.text(max_size=60).filter(bool)


def _document(title: str, description: str) -> SceneDocument:
    metadata = Metadata(
        title={"en": title, "he": description},
        description={"en": description, "he": title},
        creator={"en": description, "he": title},
        identifier=title[:256],
    )
    exhibit = Exhibit(id="x", asset="relic.glb", metadata=metadata)
    return SceneDocument("en", {"en": title, "he": description}, "hall.glb", (exhibit,))


def _xml(text: str) -> str:
    """What an XML parser reads back: XML itself turns CR LF and CR into LF."""
    return xml_text(text).replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=60, deadline=None)
@given(TEXT, TEXT)
def test_any_text_exports(title: str, description: str) -> None:
    document = _document(title, description)
    manifest = _valid(iiif_manifest(document, base_url="https://m.example", exhibition_id="e"))
    json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    root = ET.fromstring(lido_xml(document, "x"))
    titles = root.iterfind(".//{http://www.lido-schema.org}appellationValue")
    assert [e.text or "" for e in titles][:2] == [_xml(title), _xml(description)]
    packet = xmp_json_ld(document.exhibits[0].metadata, "en")
    json.dumps(packet, ensure_ascii=False).encode("utf-8")
    assert packet["dc:title"]["rdf:_1"]["@value"] == utf8_text(title)
