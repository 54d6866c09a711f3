"""LIDO 1.0 XML for one exhibit, for collection management systems that harvest LIDO.

Built with :mod:`xml.etree.ElementTree`, which escapes every text and attribute.  Each
text of the exhibit's Dublin Core appears once per language with ``xml:lang``; the
record's own ``xml:lang`` is the document's default language.  The scene model has no
work type, so ``objectWorkType`` is the generic term "object".  A restricted exhibit gives
its title and identifiers only, as visitors see it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from museion.scenes.document.model import Exhibit, SceneDocument, Text
from museion.scenes.errors import ExportError
from museion.scenes.exports.text import xml_text

__all__ = ["LIDO_NS", "lido_xml"]

LIDO_NS = "http://www.lido-schema.org"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_SCHEMA_LOCATION = f"{LIDO_NS} http://www.lido-schema.org/schema/v1.0/lido-v1.0.xsd"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"

ET.register_namespace("lido", LIDO_NS)
ET.register_namespace("xsi", _XSI)


def _q(name: str) -> str:
    return f"{{{LIDO_NS}}}{name}"


def _sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, _q(name), {_q(k): xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _each_language(parent: ET.Element, name: str, text: Text) -> None:
    """One ``name`` element per language, each with its ``xml:lang``."""
    for tag, value in text.items():
        _sub(parent, name, value).set(_XML_LANG, xml_text(tag))


def _identification(parent: ET.Element, exhibit: Exhibit, public: bool) -> None:
    metadata = exhibit.metadata
    wrap = _sub(parent, "objectIdentificationWrap")
    titles = _sub(wrap, "titleWrap")
    for tag, value in metadata.title.items():
        title_set = _sub(titles, "titleSet")
        _sub(title_set, "appellationValue", value, pref="preferred").set(_XML_LANG, xml_text(tag))
    if metadata.identifier:
        repository = _sub(_sub(wrap, "repositoryWrap"), "repositorySet", type="current")
        _sub(repository, "workID", metadata.identifier, type="inventory number")
    descriptions: ET.Element | None = None
    for kind, text in (("description", metadata.description), ("provenance", metadata.provenance)):
        if public and text:
            if descriptions is None:
                descriptions = _sub(wrap, "objectDescriptionWrap")
            note = _sub(descriptions, "objectDescriptionSet", type=kind)
            _each_language(note, "descriptiveNoteValue", text)
    if public and metadata.dimensions:
        measurements = _sub(_sub(wrap, "objectMeasurementsWrap"), "objectMeasurementsSet")
        _each_language(measurements, "displayObjectMeasurements", metadata.dimensions)


def _creation(parent: ET.Element, exhibit: Exhibit) -> None:
    metadata = exhibit.metadata
    if not (metadata.creator or metadata.date or metadata.medium):
        return
    event = _sub(_sub(_sub(parent, "eventWrap"), "eventSet"), "event")
    _sub(_sub(event, "eventType"), "term", "Production").set(_XML_LANG, "en")
    if metadata.creator:
        _each_language(_sub(event, "eventActor"), "displayActorInRole", metadata.creator)
    if metadata.date:
        _each_language(_sub(event, "eventDate"), "displayDate", metadata.date)
    if metadata.medium:
        _each_language(_sub(event, "eventMaterialsTech"), "displayMaterialsTech", metadata.medium)


def _administrative(record: ET.Element, exhibit: Exhibit, language: str, public: bool) -> None:
    admin = _sub(record, "administrativeMetadata")
    admin.set(_XML_LANG, xml_text(language))
    if public and exhibit.metadata.rights:
        rights = _sub(_sub(admin, "rightsWorkWrap"), "rightsWorkSet")
        _each_language(rights, "creditLine", exhibit.metadata.rights)
    wrap = _sub(admin, "recordWrap")
    _sub(wrap, "recordID", exhibit.id, type="local")
    _sub(_sub(wrap, "recordType"), "term", "item").set(_XML_LANG, "en")
    source = _sub(_sub(wrap, "recordSource"), "legalBodyName")
    _sub(source, "appellationValue", "Museion")


def lido_xml(document: SceneDocument, exhibit_id: str) -> bytes:
    """The LIDO record of the exhibit ``exhibit_id``, as UTF-8 XML with a declaration."""
    try:
        exhibit = document.exhibit(exhibit_id)
    except KeyError:
        raise ExportError(
            f"the document has no exhibit with id {exhibit_id!r}", code="UNKNOWN_EXHIBIT"
        ) from None
    public = exhibit.access == "public"
    wrap = ET.Element(_q("lidoWrap"), {f"{{{_XSI}}}schemaLocation": _SCHEMA_LOCATION})
    record = _sub(wrap, "lido")
    _sub(record, "lidoRecID", exhibit.id, type="local", source="Museion")
    descriptive = _sub(record, "descriptiveMetadata")
    descriptive.set(_XML_LANG, xml_text(document.default_language))
    classification = _sub(descriptive, "objectClassificationWrap")
    work_type = _sub(_sub(classification, "objectWorkTypeWrap"), "objectWorkType")
    _sub(work_type, "term", "object").set(_XML_LANG, "en")
    _identification(descriptive, exhibit, public)
    if public:
        _creation(descriptive, exhibit)
    _administrative(record, exhibit, document.default_language, public)
    ET.indent(wrap)
    body: bytes = ET.tostring(wrap, encoding="utf-8", xml_declaration=True)
    return body + b"\n"
