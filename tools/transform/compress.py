"""Geometry compression: ``meshopt`` (EXT_meshopt_compression) or ``draco``
(KHR_draco_mesh_compression).  Run last: later transforms cannot change compressed data.

``meshopt`` only marks the document: :func:`~museion.tools.transform.document.write_document`
encodes each vertex and index view as it lays out the buffer (as glTF-Transform does).
``draco`` encodes each triangle primitive now, with DracoPy, into an opaque blob.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from museion.tools.errors import OptimizeError
from museion.tools.transform.checks import check_flag, check_whole
from museion.tools.transform.document import (
    Array,
    GltfDocument,
    MeshoptEncoding,
    TransformStats,
)

__all__ = ["DracoOptions", "MeshoptOptions", "draco", "meshopt"]

logger = logging.getLogger(__name__)

_DRACO = "KHR_draco_mesh_compression"


@dataclass(frozen=True)
class MeshoptOptions:
    """``level``: the vertex codec's effort, 0 to 3; ``octahedral``: store int8 normals and
    tangents through the octahedral filter (smaller after compression)."""

    level: int = 3
    octahedral: bool = True

    def __post_init__(self) -> None:
        check_whole(self, "level", 0, 3)
        check_flag(self, "octahedral")


@dataclass(frozen=True)
class DracoOptions:
    """Quantization bits per attribute and the encoder's speed/size trade-off (0 to 10)."""

    position_bits: int = 14
    normal_bits: int = 10
    texcoord_bits: int = 12
    generic_bits: int = 12
    compression_level: int = 7

    def __post_init__(self) -> None:
        for field in ("position_bits", "normal_bits", "texcoord_bits", "generic_bits"):
            check_whole(self, field, 1, 30)  # Draco's own range
        check_whole(self, "compression_level", 0, 10)


def meshopt(doc: GltfDocument, options: MeshoptOptions = MeshoptOptions()) -> TransformStats:
    """Store vertex and index data with EXT_meshopt_compression when the document is
    written (required, with a fallback buffer that holds no data)."""
    doc.meshopt = MeshoptEncoding(level=options.level, version=0, octahedral=options.octahedral)
    streams = sum(len(p.get("attributes", {})) for _, p in doc.primitives())
    logger.info("meshopt: %d vertex streams compressed on write", streams)
    return TransformStats("meshopt", {"vertex_streams": streams})


def _float(doc: GltfDocument, index: int) -> Array:
    """An attribute as float, normalized integers scaled back to [0, 1] or [-1, 1]."""
    data = doc.array(index)
    if data.dtype.kind == "f":
        return data.astype(np.float64)
    if doc.list("accessors")[index].get("normalized"):
        return data.astype(np.float64) / float(np.iinfo(data.dtype).max)
    return data.astype(np.float64)


def _quantized(doc: GltfDocument) -> bool:
    """Whether a plain (not Draco) vertex attribute still needs KHR_mesh_quantization."""
    for _, primitive in doc.primitives():
        for key, index in primitive.get("attributes", {}).items():
            data = doc.arrays[index]
            if data is None or data.dtype.kind == "f":
                continue
            if key in ("POSITION", "NORMAL", "TANGENT"):
                return True
            normalized = doc.list("accessors")[index].get("normalized")
            if key.startswith("TEXCOORD_") and (data.dtype.kind == "i" or not normalized):
                return True
    return False


def draco(doc: GltfDocument, options: DracoOptions = DracoOptions()) -> TransformStats:
    """Encode every indexed triangle primitive with Draco (KHR_draco_mesh_compression,
    required).  Quantized attributes are dequantized first: Draco quantizes on its own."""
    import DracoPy  # type: ignore[import-not-found]

    accessors = doc.list("accessors")
    done = 0
    for _, primitive in doc.primitives():
        attributes: dict[str, int] = primitive.get("attributes", {})
        if (
            primitive.get("mode", 4) != 4
            or "POSITION" not in attributes
            or primitive.get("targets")
        ):
            continue
        positions = _float(doc, attributes["POSITION"])
        count = len(positions)
        faces = (
            doc.array(primitive["indices"]).reshape(-1, 3).astype(np.uint32)
            if "indices" in primitive
            else np.arange(count, dtype=np.uint32).reshape(-1, 3)
        )
        if not len(faces):
            continue
        kwargs: dict[str, Any] = {}
        generic: dict[int, Array] = {}
        ids: dict[str, int] = {}
        for key, index in attributes.items():
            if key == "POSITION":
                continue
            if key == "NORMAL":
                kwargs["normals"] = _float(doc, index)
                kwargs["normal_quantization_bits"] = options.normal_bits
            elif key == "TEXCOORD_0":
                kwargs["tex_coord"] = _float(doc, index)
                kwargs["tex_coord_quantization_bits"] = options.texcoord_bits
            else:
                data = doc.array(index)
                if data.dtype.kind == "f" or accessors[index].get("normalized"):
                    data = _float(doc, index).astype(np.float32)
                elif data.dtype.kind == "i":
                    data = data.astype(np.float32)
                ids[key] = len(generic)
                generic[len(generic)] = np.ascontiguousarray(data)
        try:
            blob = DracoPy.encode(
                positions,
                faces,
                quantization_bits=options.position_bits,
                compression_level=options.compression_level,
                generic_attributes=generic or None,
                **kwargs,
            )
            decoded = DracoPy.decode(blob)
        except (AssertionError, ValueError, TypeError, RuntimeError) as exc:
            raise OptimizeError(
                f"Draco could not encode a primitive ({exc})", code="DRACO_FAILED"
            ) from exc
        by_type = {a["attribute_type"]: a["unique_id"] for a in decoded.attributes}
        ids["POSITION"] = by_type[0]
        if "NORMAL" in attributes:
            ids["NORMAL"] = by_type[1]
        if "TEXCOORD_0" in attributes:
            ids["TEXCOORD_0"] = by_type[3]
        vertices = len(decoded.points)
        new: dict[str, int] = {}
        for key, index in attributes.items():
            entry = {
                k: v
                for k, v in accessors[index].items()
                if k in ("name", "extras", "type", "extensions")
            }
            data = doc.array(index)
            # Draco gives floats, but for unsigned integers stored as generic (joints).
            float_out = (
                key in ("POSITION", "NORMAL", "TEXCOORD_0")
                or data.dtype.kind != "u"
                or bool(accessors[index].get("normalized"))
            )
            entry["componentType"] = 5126 if float_out else accessors[index]["componentType"]
            entry["count"] = vertices
            if key == "POSITION":
                entry["min"] = [float(v) for v in positions.min(axis=0).astype(np.float32)]
                entry["max"] = [float(v) for v in positions.max(axis=0).astype(np.float32)]
            accessors.append(entry)
            doc.arrays.append(None)
            new[key] = len(accessors) - 1
        indices = {
            "componentType": 5125 if vertices > 65535 else 5123,
            "count": int(decoded.faces.size),
            "type": "SCALAR",
        }
        accessors.append(indices)
        doc.arrays.append(None)
        primitive["attributes"] = new
        primitive["indices"] = len(accessors) - 1
        primitive.setdefault("extensions", {})[_DRACO] = {
            "bufferView": len(doc.blobs),
            "attributes": {key: ids[key] for key in new},
        }
        doc.blobs.append(bytes(blob))
        done += 1
    if done:
        doc.use_extension(_DRACO, required=True)
        if not _quantized(doc):
            doc.drop_extension("KHR_mesh_quantization")
    logger.info("draco: %d primitives", done)
    return TransformStats("draco", {"primitives": done})
