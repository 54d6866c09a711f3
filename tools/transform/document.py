"""The in-memory glTF document the optimize transforms work on: JSON plus decoded data.

A file is read through the gate (:mod:`museion.scenes.gltf.gate`) first, so nothing here
trusts a path or a length it did not check.  Every accessor is decoded into a numpy array
(``(count, components)``, its component type, sparse data applied) and every image into its
bytes; ``bufferViews`` and ``buffers`` are dropped, and written afresh, packed, on output
(:mod:`.serialize`).  That is what lets each transform be a small function over arrays (as
in glTF-Transform), while everything else in the JSON (names, extras, ``KHR_xmp_json_ld``,
unknown extensions) is carried through untouched.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from museion.scenes.document.file import atomic_write
from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.accessors.layout import Array
from museion.scenes.gltf.decode import decode_to_glb
from museion.scenes.gltf.decode.source import DecodeLimits, DecodeSource
from museion.scenes.gltf.gate import GltfSource, read_gltf, validate_gltf
from museion.scenes.gltf.glb import write_glb
from museion.scenes.gltf.images import read_image_header
from museion.scenes.gltf.pack import COMPONENT_TYPES, accessor_type
from museion.scenes.gltf.report import GltfInvalid
from museion.tools.errors import OptimizeError
from museion.tools.transform.serialize import serialize

__all__ = [
    "Array",
    "GltfDocument",
    "MeshoptEncoding",
    "TransformStats",
    "read_document",
    "write_document",
]

logger = logging.getLogger(__name__)

# Extensions whose data this module decodes on read, and so drops from the output.
_DECODED_ON_READ = ("EXT_meshopt_compression", "KHR_meshopt_compression")


@dataclass(frozen=True)
class TransformStats:
    """What one transform did: its name and counts a user can check (``removed``, ...)."""

    name: str
    counts: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        done = ", ".join(f"{k} {v}" for k, v in self.counts.items()) or "nothing to do"
        return f"{self.name}: {done}"


@dataclass(frozen=True)
class MeshoptEncoding:
    """How :func:`write_document` stores bufferViews with ``EXT_meshopt_compression``.

    ``level`` is the vertex codec's effort (0 to 3), ``version`` its bitstream version
    (0 is what every EXT_meshopt_compression decoder reads); ``octahedral`` stores int8
    normals and tangents through the octahedral filter.
    """

    level: int = 2
    version: int = 0
    octahedral: bool = True

    def __post_init__(self) -> None:
        if self.level not in (0, 1, 2, 3):
            raise ValueError(f"MeshoptEncoding.level must be 0 to 3, not {self.level!r}")
        if self.version not in (0, 1):
            raise ValueError(f"MeshoptEncoding.version must be 0 or 1, not {self.version!r}")


@dataclass
class GltfDocument:
    """One glTF in memory.

    ``json`` is the document without ``buffers`` and ``bufferViews``; its accessors keep their
    metadata but no ``bufferView``, ``byteOffset`` or ``sparse``: their data is
    ``arrays[i]`` (``None`` only for an accessor whose data lives in a Draco blob).
    ``images[i]`` are the bytes of ``json["images"][i]``.  ``blobs`` are opaque bufferViews
    (Draco streams) written first, so ``"bufferView": k`` in the JSON names ``blobs[k]``.
    """

    json: dict[str, Any]
    arrays: list[Array | None] = field(default_factory=list)
    images: list[bytes] = field(default_factory=list)
    blobs: list[bytes] = field(default_factory=list)
    meshopt: MeshoptEncoding | None = None

    def list(self, kind: str) -> list[Any]:
        """``json[kind]`` as a list (empty when absent)."""
        value = self.json.get(kind)
        return value if isinstance(value, list) else []

    def primitives(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Every ``(mesh index, primitive)`` of the document."""
        for index, mesh in enumerate(self.list("meshes")):
            for primitive in mesh.get("primitives", []):
                yield index, primitive

    def array(self, index: int) -> Array:
        """The data of accessor ``index``; raises if it lives in a compressed blob."""
        data = self.arrays[index]
        if data is None:
            raise OptimizeError(
                f"accessor {index} is already compressed and cannot be changed",
                code="ACCESSOR_COMPRESSED",
            )
        return data

    def add_accessor(
        self, data: Array, like: dict[str, Any] | None = None, *, normalized: bool = False
    ) -> int:
        """Append an accessor holding ``data`` (``(count, k)`` or ``(count,)``); its name,
        extras and type come from ``like`` when given.  Returns its index."""
        data = np.ascontiguousarray(data.reshape(len(data), -1))
        entry: dict[str, Any] = {
            k: v for k, v in (like or {}).items() if k in ("name", "extras", "extensions")
        }
        kind = (like or {}).get("type") or accessor_type(data.shape[1])
        entry.update(
            componentType=COMPONENT_TYPES[data.dtype.newbyteorder("<")],
            count=len(data),
            type=kind,
        )
        if normalized:
            entry["normalized"] = True
        if like is not None and "min" in like:
            entry["min"], entry["max"] = [], []  # recomputed on write
        self.json.setdefault("accessors", []).append(entry)
        self.arrays.append(data)
        return len(self.arrays) - 1

    def use_extension(self, name: str, *, required: bool = False) -> None:
        """Declare ``name`` in ``extensionsUsed`` (and ``extensionsRequired``)."""
        for key in ("extensionsUsed", "extensionsRequired") if required else ("extensionsUsed",):
            names = self.json.setdefault(key, [])
            if name not in names:
                names.append(name)

    def drop_extension(self, name: str) -> None:
        """Remove ``name`` from ``extensionsUsed``/``extensionsRequired``."""
        for key in ("extensionsUsed", "extensionsRequired"):
            names = self.json.get(key)
            if isinstance(names, list) and name in names:
                names.remove(name)
                if not names:
                    del self.json[key]

    def _count(self, index: int) -> int:
        data = self.arrays[index]
        return len(data) if data is not None else int(self.list("accessors")[index]["count"])

    def triangle_count(self) -> int:
        """Triangles over every triangle-list primitive (what a viewer draws)."""
        total = 0
        for _, primitive in self.primitives():
            if primitive.get("mode", 4) != 4:
                continue
            if "indices" in primitive:
                total += self._count(primitive["indices"]) // 3
            elif "POSITION" in primitive.get("attributes", {}):
                total += self._count(primitive["attributes"]["POSITION"]) // 3
        return total

    def vertex_count(self) -> int:
        """Vertices over every primitive (each distinct POSITION accessor once)."""
        seen = {
            p["attributes"]["POSITION"]
            for _, p in self.primitives()
            if "POSITION" in p.get("attributes", {})
        }
        return sum(self._count(i) for i in seen)


# --- reading ---------------------------------------------------------------------------------


def _bad(code: str, name: str, sentence: str) -> OptimizeError:
    return OptimizeError(f"{name}: {sentence}", code=code)


def _draco(document: dict[str, Any]) -> bool:
    return any(
        "KHR_draco_mesh_compression" in p.get("extensions", {})
        for m in document.get("meshes", [])
        for p in m.get("primitives", [])
    )


def _decode(source: GltfSource) -> GltfDocument:
    """Every accessor and image of a gated file, read as the decoder reads them (the same
    caps, the same meshopt decoding, the one accessor reader)."""
    document = source.document
    data = DecodeSource(source, document, DecodeLimits(), meshopt=_DECODED_ON_READ)
    # Copies: the transforms change arrays, never the file's bytes.
    arrays: list[Array | None] = [
        np.array(data.accessor(i)) for i in range(len(document.get("accessors", [])))
    ]
    images: list[bytes] = []
    for index, image in enumerate(document.get("images", [])):
        images.append(data.image_bytes(image, f"/images/{index}"))
        if "uri" in image:
            image.setdefault("mimeType", _sniff_mime(images[-1]))
    out = {k: v for k, v in document.items() if k not in ("buffers", "bufferViews")}
    for accessor in out.get("accessors", []):
        for key in ("bufferView", "byteOffset", "sparse"):
            accessor.pop(key, None)
    for image in out.get("images", []):
        image.pop("uri", None)
        image.pop("bufferView", None)
    doc = GltfDocument(json=out, arrays=arrays, images=images)
    for name in _DECODED_ON_READ:
        doc.drop_extension(name)
    return doc


def _sniff_mime(data: bytes) -> str:
    try:
        return read_image_header(data).mime_type
    except AssetRejected:
        return "application/octet-stream"


def read_document(path: Path) -> GltfDocument:
    """Read ``path`` through the gate into a :class:`GltfDocument`.

    Raises :class:`GltfInvalid` with the gate's report when the file has errors, and
    :class:`OptimizeError` for a file the gate accepts but this reader cannot decode.
    """
    report = validate_gltf(path.parent, path.name)
    if not report.valid:
        raise GltfInvalid(report)
    try:
        source = read_gltf(path.parent, path.name)
        if _draco(source.document):
            # Draco geometry is decoded by the gate's decoder into a plain GLB first.
            plain = decode_to_glb(path)
            assert plain is not None
            with tempfile.TemporaryDirectory(prefix="museion-optimize-") as folder:
                (Path(folder) / "plain.glb").write_bytes(plain)
                source = read_gltf(Path(folder), "plain.glb")
                source.name = path.name
                return _decode(source)
        return _decode(source)
    except AssetRejected:
        raise
    except (KeyError, TypeError, IndexError, ValueError, AttributeError) as exc:
        raise _bad("GLTF_UNREADABLE", path.name, f"the file cannot be decoded ({exc!r})") from exc


def write_document(doc: GltfDocument, path: Path) -> int:
    """Write ``doc`` to ``path`` atomically, as GLB or as ``.gltf`` beside a ``.bin`` (by
    the suffix); returns the bytes written.  Raises :class:`OptimizeError` for another
    suffix and :class:`~museion.scenes.errors.SceneError` (``WRITE_FAILED``) on I/O errors."""
    suffix = path.suffix.lower()
    if suffix == ".glb":
        document, blob = serialize(doc, None)
        data = write_glb(document, blob)
        atomic_write(path, data)
        return len(data)
    if suffix == ".gltf":
        bin_path = path.with_suffix(".bin")
        document, blob = serialize(doc, bin_path.name if blob_needed(doc) else None)
        text = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
        if blob:
            atomic_write(bin_path, blob)
        atomic_write(path, text)
        return len(text) + len(blob)
    raise OptimizeError(f"{path.name}: the output must end in .glb or .gltf", code="OUTPUT_SUFFIX")


def blob_needed(doc: GltfDocument) -> bool:
    """Whether the document has any binary data to write."""
    return bool(doc.blobs or doc.images or any(a is not None for a in doc.arrays))
