"""Exports for other systems: a IIIF Presentation 3 manifest, LIDO XML, XMP in glTF."""

from museion.scenes.exports.iiif import iiif_manifest
from museion.scenes.exports.lido import lido_xml
from museion.scenes.exports.xmp import embed_xmp, xmp_json_ld

__all__ = ["embed_xmp", "iiif_manifest", "lido_xml", "xmp_json_ld"]
