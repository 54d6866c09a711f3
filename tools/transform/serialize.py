"""A :class:`~museion.tools.transform.document.GltfDocument` laid out as a file: its
arrays, images and blobs packed into bufferViews by the one packer (scenes.gltf.pack),
vertex and index data compressed with ``EXT_meshopt_compression`` when the document asks,
and the JSON's keys in the usual order."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from museion.scenes.gltf.decode.meshopt_encode import encode_meshopt_rows, octahedral_rows
from museion.scenes.gltf.pack import (
    ARRAY_BUFFER,
    ELEMENT_ARRAY_BUFFER,
    BufferPacker,
    bounds,
    padded_rows,
    vertex_stride,
)

if TYPE_CHECKING:  # the document module writes through this one
    from museion.tools.transform.document import GltfDocument

__all__ = ["serialize"]


def _usage(doc: GltfDocument) -> tuple[set[int], set[int], set[int], set[int]]:
    """Accessors used as vertex attributes, as indices, as POSITION, as unit vectors."""
    vertex: set[int] = set()
    index: set[int] = set()
    position: set[int] = set()
    unit: set[int] = set()
    for _, primitive in doc.primitives():
        attributes = primitive.get("attributes", {})
        vertex.update(attributes.values())
        unit.update(i for k, i in attributes.items() if k in ("NORMAL", "TANGENT"))
        for target in primitive.get("targets", []):
            vertex.update(target.values())
        if "indices" in primitive:
            index.add(primitive["indices"])
        if "POSITION" in primitive.get("attributes", {}):
            position.add(primitive["attributes"]["POSITION"])
    return vertex, index, position, unit


def serialize(doc: GltfDocument, bin_uri: str | None) -> tuple[dict[str, Any], bytes]:
    """The final JSON and the one binary buffer.

    With :attr:`GltfDocument.meshopt` set, vertex and index views are stored compressed in
    buffer 0 and laid out, without data, in a fallback buffer 1 (so the extension is
    required, as gltfpack writes it); other views stay plain in buffer 0.
    """
    out = json.loads(json.dumps(doc.json))  # a deep copy: writing never changes the document
    vertex, index_use, position, unit = _usage(doc)
    packer, fallback = BufferPacker(0), BufferPacker(1)
    for blob in doc.blobs:
        packer.add_view(blob)
    for i, image in enumerate(out.get("images", [])):
        image["bufferView"] = packer.add_view(doc.images[i])
    placed: list[tuple[int, bool]] = []  # (view index, in the fallback buffer)
    encoding = doc.meshopt
    for i, accessor in enumerate(out.get("accessors", [])):
        data = doc.arrays[i]
        if data is None:
            placed.append((-1, False))
            continue
        element = data.dtype.itemsize * data.shape[1]
        is_vertex = i in vertex
        stride = vertex_stride(element) if is_vertex else element
        raw = padded_rows(data, stride)
        view: dict[str, Any] = {}
        if is_vertex:
            view["target"] = ARRAY_BUFFER
            if stride != element or encoding is not None:
                view["byteStride"] = stride
        elif i in index_use:
            view["target"] = ELEMENT_ARRAY_BUFFER
        accessor["count"] = len(data)
        if "min" in accessor or i in position:
            accessor["min"], accessor["max"] = bounds(data)
        packable = is_vertex or (i in index_use and stride in (2, 4))
        if encoding is None or not packable or not len(data):
            placed.append((packer.add_view(raw, **view), False))
            continue
        if is_vertex:
            mode = "ATTRIBUTES"
            octahedral = (
                encoding.octahedral
                and i in unit
                and data.dtype == np.int8
                and bool(accessor.get("normalized"))
                and data.shape[1] in (3, 4)
            )
            filt = "OCTAHEDRAL" if octahedral else "NONE"
        else:
            mode = "TRIANGLES" if _is_triangle_list(doc, i) else "INDICES"
            filt = "NONE"
        if filt == "OCTAHEDRAL":
            raw = octahedral_rows(data, stride)
        packed = encode_meshopt_rows(raw, stride, len(data), mode, encoding.level, encoding.version)
        start = packer.put(packed)
        ext: dict[str, Any] = {
            "buffer": 0,
            "byteOffset": start,
            "byteLength": len(packed),
            "byteStride": stride,
            "mode": mode,
            "count": len(data),
        }
        if filt != "NONE":
            ext["filter"] = filt
        view["extensions"] = {"EXT_meshopt_compression": ext}
        placed.append((fallback.reserve(len(raw), **view), True))
    offset = len(packer.views)
    for accessor, (at, in_fallback) in zip(out.get("accessors", []), placed, strict=True):
        if at >= 0:
            accessor["bufferView"] = at + offset if in_fallback else at
    views = packer.views + fallback.views
    blob = packer.binary()
    buffers = [packer.buffer_entry(bin_uri)]
    if fallback.views:
        spare = fallback.buffer_entry()
        spare["extensions"] = {"EXT_meshopt_compression": {"fallback": True}}
        buffers.append(spare)
        for key in ("extensionsUsed", "extensionsRequired"):
            names = out.setdefault(key, [])
            if "EXT_meshopt_compression" not in names:
                names.append("EXT_meshopt_compression")
    if views:
        out["bufferViews"] = views
    if blob or fallback.views:
        out["buffers"] = buffers
    return _ordered(out), blob


def _is_triangle_list(doc: GltfDocument, accessor: int) -> bool:
    return all(p.get("mode", 4) == 4 for _, p in doc.primitives() if p.get("indices") == accessor)


_KEY_ORDER = ["asset", "extensionsUsed", "extensionsRequired", "extensions", "extras", "scene"]


def _ordered(out: dict[str, Any]) -> dict[str, Any]:
    """The usual key order (asset first), so a reader of the JSON finds its way."""
    keys = [k for k in _KEY_ORDER if k in out] + [k for k in out if k not in _KEY_ORDER]
    return {k: out[k] for k in keys}
