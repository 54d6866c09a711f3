"""Decode compressed and extended glTF into one plain GLB the renderer can load.

panda3d-gltf reads neither Draco, meshopt, quantised attributes, KTX2 textures, sparse
accessors nor the emissive strength; so a gated file that uses any of the extensions in
:data:`~museion.scenes.gltf.extensions.DECODED`, or a sparse accessor, is rewritten here
as plain glTF 2.0: every accessor dense, tightly packed and (for vertex attributes other
than joints, and normalised animation outputs) float32; every image embedded, KTX2
transcoded to PNG; texture transforms baked into the UVs; the emissive strength folded
into the emissive factor; a separate occlusion map packed into the metallic-roughness
image (:mod:`.occlusion`).  All in one BIN chunk, nothing outside the file.

Every size a decoder will produce is declared in the JSON or a stream header; each is
checked against :class:`DecodeLimits` before the native decoder runs.  The worker process
that calls :func:`decode_to_glb` contains a native crash; this module keeps the inputs it
hands those decoders within what it checked.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.accessors.layout import COMPONENTS
from museion.scenes.gltf.accessors.read import normalize
from museion.scenes.gltf.decode.draco import decode_draco
from museion.scenes.gltf.decode.images import KTX2_MAGIC, ktx2_to_png, webp_to_png
from museion.scenes.gltf.decode.occlusion import pack_occlusion, packable_occlusion
from museion.scenes.gltf.decode.source import DecodeLimits, DecodeSource, accessor_shape
from museion.scenes.gltf.decode.transform import bake_texture_transforms
from museion.scenes.gltf.extensions import DECODED
from museion.scenes.gltf.gate import GltfSource, read_gltf
from museion.scenes.gltf.glb import write_glb
from museion.scenes.gltf.images import read_image_header
from museion.scenes.gltf.pack import BufferPacker, bounds

__all__ = ["decode_to_glb", "needs_decoding"]

logger = logging.getLogger(__name__)

_DRACO = "KHR_draco_mesh_compression"
_BASISU = "KHR_texture_basisu"
_WEBP = "EXT_texture_webp"
# Images the renderer cannot read, each decoded to PNG by its function (caps checked first).
_TO_PNG = {"ktx2": ktx2_to_png, "webp": webp_to_png}


def _image_kind(data: bytes) -> str:
    if data[:12] == KTX2_MAGIC:
        return "ktx2"
    return "webp" if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else "other"


_EMISSIVE = "KHR_materials_emissive_strength"
_FLOAT = 5126


def needs_decoding(document: dict[str, Any]) -> bool:
    """True when the file uses an extension this module decodes, a sparse accessor
    (panda3d-gltf reads an accessor's base values and ignores their replacements), or an
    occlusion map apart from its metallic-roughness image (the shader reads it packed)."""
    names = set()
    for key in ("extensionsUsed", "extensionsRequired"):
        values = document.get(key)
        names |= {v for v in values if isinstance(v, str)} if isinstance(values, list) else set()
    if names & DECODED:
        return True
    accessors = document.get("accessors")
    if isinstance(accessors, list) and any(
        isinstance(a, dict) and "sparse" in a for a in accessors
    ):
        return True
    materials = document.get("materials")
    return isinstance(materials, list) and any(packable_occlusion(document, m) for m in materials)


def decode_to_glb(path: Path, limits: DecodeLimits | None = None) -> bytes | None:
    """A self-contained plain GLB of the gated file at ``path``, or ``None`` when the file
    needs no decoding.  Raises :class:`~museion.scenes.errors.AssetRejected` on failure."""
    source = read_gltf(path.parent, path.name)
    if not needs_decoding(source.document):
        return None
    decoder = _Decoder(source, limits or DecodeLimits())
    glb = decoder.run()
    logger.info("decoded %s: %d bytes as plain GLB", source.name, len(glb))
    return glb


def _list(document: dict[str, Any], key: str) -> list[Any]:
    value = document.get(key)
    return value if isinstance(value, list) else []


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _pop_extension(obj: dict[str, Any], name: str) -> Any:
    extensions = obj.get("extensions")
    if not isinstance(extensions, dict):
        return None
    found = extensions.pop(name, None)
    if not extensions:
        del obj["extensions"]
    return found


class _Decoder:
    """One decoding run: the document copy, the decoded arrays, the BIN being written."""

    def __init__(self, source: GltfSource, limits: DecodeLimits) -> None:
        self.source = source
        self.name = source.name
        self.doc = copy.deepcopy(source.document)
        self.limits = limits
        self.accessors = _list(self.doc, "accessors")
        self.arrays: list[npt.NDArray[Any]] = []
        self.packer = BufferPacker()
        self.positions: set[int] = set()
        self.recompute: set[int] = set()  # accessors whose min/max must be recomputed

    def _fail(self, code: str, pointer: str, sentence: str) -> AssetRejected:
        return AssetRejected(code, self.name, sentence, pointer=pointer)

    # -- reading ----------------------------------------------------------------------

    def _draco(self, data: DecodeSource) -> dict[int, npt.NDArray[Any]]:
        """Each Draco-compressed primitive decoded; its accessors' arrays by index."""
        decoded: dict[int, npt.NDArray[Any]] = {}
        for m, mesh in enumerate(_list(self.doc, "meshes")):
            prims = mesh.get("primitives") if isinstance(mesh, dict) else None
            for p, prim in enumerate(prims if isinstance(prims, list) else []):
                ext = _pop_extension(prim, _DRACO) if isinstance(prim, dict) else None
                if ext is None:
                    continue
                pointer = f"/meshes/{m}/primitives/{p}/extensions/{_DRACO}"
                decoded.update(self._draco_primitive(prim, ext, data, pointer))
        return decoded

    def _draco_primitive(
        self, prim: dict[str, Any], ext: Any, data: DecodeSource, pointer: str
    ) -> dict[int, npt.NDArray[Any]]:
        attributes = prim.get("attributes")
        semantics = ext.get("attributes") if isinstance(ext, dict) else None
        stream = data.view_bytes(ext.get("bufferView")) if isinstance(ext, dict) else None
        if (
            not isinstance(attributes, dict)
            or not isinstance(semantics, dict)
            or stream is None
            or not all(isinstance(v, int) for v in semantics.values())
            or not all(isinstance(attributes.get(k), int) for k in semantics)
            or _int(prim.get("mode"), 4) != 4
        ):
            raise self._fail(
                "DRACO_INVALID",
                pointer,
                "the Draco extension is malformed (its bufferView, attributes or a "
                "non-triangle mode); re-encode the mesh",
            )
        counts = {_int(self.accessors[attributes[k]].get("count")) for k in semantics}
        if len(counts) != 1:
            raise self._fail(
                "DRACO_COUNT_MISMATCH", pointer, "the compressed attributes differ in count"
            )
        indices = prim.get("indices")
        index_count = _int(self.accessors[indices].get("count")) if indices is not None else None
        arrays, faces = decode_draco(
            stream, semantics, counts.pop(), index_count, self.name, pointer
        )
        result: dict[int, npt.NDArray[Any]] = {}
        for semantic, values in arrays.items():
            accessor = self.accessors[attributes[semantic]]
            _count, width, ctype = accessor_shape(accessor, self.name, pointer)
            if values.shape[1] != width:
                raise self._fail(
                    "DRACO_COUNT_MISMATCH",
                    pointer,
                    f"{semantic[:40]} decodes to {values.shape[1]} components, the accessor "
                    f"has {width}",
                )
            result[attributes[semantic]] = values.astype(COMPONENTS[ctype])
        if faces is not None and isinstance(indices, int):
            ctype = self.accessors[indices]["componentType"]
            result[indices] = faces.astype(COMPONENTS[ctype]).reshape(-1, 1)
        return result

    # -- rewriting ----------------------------------------------------------------------

    def _roles(self) -> tuple[set[int], set[int]]:
        """Accessors to turn into float32: vertex attributes (not joints) and animation
        outputs; and, of those, the ones that are vertex attributes."""
        vertex: set[int] = set()
        for mesh in _list(self.doc, "meshes"):
            for prim in mesh.get("primitives") or [] if isinstance(mesh, dict) else []:
                targets = prim.get("targets") if isinstance(prim, dict) else None
                for attributes in [prim.get("attributes"), *(targets or [])]:
                    if isinstance(attributes, dict):
                        vertex |= {
                            v
                            for k, v in attributes.items()
                            if isinstance(v, int) and not k.startswith("JOINTS_")
                        }
        floats = set(vertex)
        for animation in _list(self.doc, "animations"):
            samplers = animation.get("samplers") if isinstance(animation, dict) else None
            for sampler in samplers if isinstance(samplers, list) else []:
                output = sampler.get("output") if isinstance(sampler, dict) else None
                if isinstance(output, int) and self.accessors[output].get("normalized"):
                    floats.add(output)
        return floats, vertex

    def _to_float(self, index: int) -> None:
        accessor = self.accessors[index]
        if accessor["componentType"] != _FLOAT:
            values = self.arrays[index]
            normalized = bool(accessor.pop("normalized", False))
            self.arrays[index] = normalize(values) if normalized else values.astype(np.float32)
            accessor["componentType"] = _FLOAT
            self.recompute.add(index)

    def _add_accessor(self, values: npt.NDArray[np.float32]) -> int:
        self.accessors.append(
            {"componentType": _FLOAT, "count": len(values), "type": f"VEC{values.shape[1]}"}
        )
        self.arrays.append(values)
        return len(self.accessors) - 1

    def _fold_emissive_strength(self) -> None:
        for material in _list(self.doc, "materials"):
            ext = _pop_extension(material, _EMISSIVE) if isinstance(material, dict) else None
            if not isinstance(ext, dict):
                continue
            strength = ext.get("emissiveStrength", 1.0)
            factor = material.get("emissiveFactor", [0.0, 0.0, 0.0])
            if isinstance(strength, (int, float)) and isinstance(factor, list):
                material["emissiveFactor"] = [float(c) * float(strength) for c in factor]

    def _images(self, data: DecodeSource) -> None:
        pictures: list[bytes] = []
        for i, image in enumerate(_list(self.doc, "images")):
            pointer = f"/images/{i}"
            if not isinstance(image, dict):
                raise self._fail("DECODE_FAILED", pointer, "the image is not an object")
            encoded = data.image_bytes(image, pointer)
            image.pop("uri", None)
            mime = image.get("mimeType")
            to_png = _TO_PNG.get(_image_kind(encoded))
            if to_png is not None:
                try:
                    header = read_image_header(encoded)
                except AssetRejected as exc:
                    raise self._fail(exc.code, pointer, exc.detail) from None
                data.spend(header.width * header.height * 4, pointer, "the texture")
                encoded = to_png(
                    encoded,
                    self.name,
                    pointer,
                    self.limits.max_image_side,
                    self.limits.max_image_pixels,
                )
                mime = "image/png"
            if not isinstance(mime, str):
                mime = "image/jpeg" if encoded[:3] == b"\xff\xd8\xff" else "image/png"
            image["mimeType"] = mime
            pictures.append(encoded)
        for texture in _list(self.doc, "textures"):
            for name in (_BASISU, _WEBP):
                ext = _pop_extension(texture, name) if isinstance(texture, dict) else None
                if isinstance(ext, dict) and "source" not in texture and "source" in ext:
                    texture["source"] = ext["source"]
        pictures += pack_occlusion(self.doc, pictures, self.limits, data.spend, self.name)
        for image, encoded in zip(_list(self.doc, "images"), pictures, strict=True):
            image["bufferView"] = self.packer.add_view(encoded)

    def _write_accessors(self, vertex: set[int]) -> None:
        for i, accessor in enumerate(self.accessors):
            values = self.arrays[i]
            for key in ("bufferView", "byteOffset", "sparse"):
                accessor.pop(key, None)
            if i in self.recompute or i in self.positions or "min" in accessor:
                if values.dtype.kind == "f" and not np.isfinite(values).all():
                    raise self._fail(
                        "DECODE_NON_FINITE",
                        f"/accessors/{i}",
                        "the decoded values include NaN or infinity",
                    )
                if len(values):
                    accessor["min"], accessor["max"] = bounds(values)
            accessor["bufferView"] = self.packer.add_array(values, vertex=i in vertex)

    def _strip_used(self) -> None:
        for key in ("extensionsUsed", "extensionsRequired"):
            names = [n for n in _list(self.doc, key) if n not in DECODED]
            if names:
                self.doc[key] = names
            else:
                self.doc.pop(key, None)

    def run(self) -> bytes:
        try:
            return self._run()
        except (IndexError, KeyError, TypeError, AttributeError) as exc:
            # The gate checked references and types; this is the backstop for what it missed.
            raise self._fail(
                "DECODE_FAILED",
                "",
                f"the file's structure is inconsistent and cannot be decoded ({exc!r:.120})",
            ) from exc

    def _run(self) -> bytes:
        data = DecodeSource(self.source, self.doc, self.limits)
        decoded = self._draco(data)
        self.arrays = [
            decoded[i] if i in decoded else data.accessor(i) for i in range(len(self.accessors))
        ]
        self.positions = {
            prim["attributes"]["POSITION"]
            for mesh in _list(self.doc, "meshes")
            for prim in mesh.get("primitives", [])
            if isinstance(prim.get("attributes", {}).get("POSITION"), int)
        }
        floats, vertex = self._roles()
        for index in sorted(floats):
            self._to_float(index)
        made = bake_texture_transforms(self.doc, lambda i: self.arrays[i], self._add_accessor)
        vertex |= set(range(len(self.accessors) - made, len(self.accessors)))
        self._fold_emissive_strength()
        self._write_accessors(vertex)
        self._images(data)
        self.doc["bufferViews"] = self.packer.views
        self.doc["buffers"] = [self.packer.buffer_entry()]
        self._strip_used()
        return write_glb(self.doc, self.packer.binary())
