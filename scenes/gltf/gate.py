"""The one gate every glTF file passes before the engine may load it.

The engine never sees a path a user typed: it gets a :class:`CheckedGltf`, which can only be
made here, after the file was found inside the asset root and passed every check with no
error.  :func:`validate_gltf` gives the whole report (what ``museion validate`` prints);
:func:`check_gltf` raises :class:`GltfInvalid` carrying it.

The order matters: what can be checked on sizes and counts runs before anything allocates,
so a hostile file costs milliseconds.  A file whose container or JSON cannot be read stops
at its first error; past that point every check runs and adds to the report.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from museion.scenes.asset_path import find_file
from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.caps import check_caps
from museion.scenes.gltf.glb import GLB_MAGIC, GlbChunks, read_glb
from museion.scenes.gltf.report import GltfInvalid, GltfReport, Reporter
from museion.scenes.gltf.structure import StructureLimits, check_structure, json_depth
from museion.scenes.gltf.uri import (
    BUFFER_MEDIA_TYPES,
    IMAGE_MEDIA_TYPES,
    DataUri,
    resolve_uri,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "CheckedGltf",
    "GateLimits",
    "GltfSource",
    "check_gltf",
    "parse_gltf_bytes",
    "read_gltf",
    "validate_gltf",
]

DEFAULT_MAX_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class GateLimits:
    """Every cap the gate applies; all configurable, defaults sized for scanned relics."""

    max_file_bytes: int = DEFAULT_MAX_BYTES
    max_json_bytes: int = 64 * 1024 * 1024
    max_image_side: int = 16_384
    max_image_pixels: int = 8192 * 8192
    structure: StructureLimits = field(default_factory=StructureLimits)

    def __post_init__(self) -> None:
        check_caps(self)
        if not isinstance(self.structure, StructureLimits):
            raise ValueError(
                f"GateLimits.structure must be a StructureLimits, not {self.structure!r}"
            )


@dataclass(frozen=True)
class CheckedGltf:
    """A glTF file that passed the gate: resolved path inside the asset root."""

    path: Path
    size: int
    name: str


@dataclass
class GltfSource:
    """One glTF read as data: its JSON, and the bytes of each buffer and image that could
    be resolved (``None`` where a URI was refused or a GLB buffer is missing)."""

    path: Path
    name: str
    size: int
    document: dict[str, Any]
    glb_bin: bytes | None = None
    is_glb: bool = False
    glb_extra: int = 0
    buffers: list[bytes | None] = field(default_factory=list)
    images: list[bytes | None] = field(default_factory=list)


def _no_constants(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


def _parse_json(raw: bytes, name: str, limits: GateLimits) -> dict[str, Any]:
    if len(raw) > limits.max_json_bytes:
        raise AssetRejected(
            "JSON_TOO_LARGE", name, f"the glTF JSON is over {limits.max_json_bytes} bytes"
        )
    depth = json_depth(raw)
    if depth > limits.structure.max_json_depth:
        raise AssetRejected(
            "JSON_TOO_DEEP",
            name,
            f"the JSON nests {depth} levels deep, over {limits.structure.max_json_depth}",
        )
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise AssetRejected("INVALID_JSON", name, f"the glTF JSON does not parse ({exc})") from exc
    if not isinstance(document, dict):
        raise AssetRejected("INVALID_JSON", name, "the glTF JSON is not an object")
    asset = document.get("asset")
    version = asset.get("version") if isinstance(asset, dict) else None
    if isinstance(version, str) and version.split(".")[0] != "2":
        raise AssetRejected(
            "UNKNOWN_ASSET_MAJOR_VERSION",
            name,
            f"glTF {version[:20]} is not glTF 2; convert it to glTF 2.0",
            pointer="/asset/version",
        )
    return document


def read_gltf(root: Path, name: str, limits: GateLimits | None = None) -> GltfSource:
    """Read ``name`` (relative to ``root``) as data: the container and the JSON only.

    Raises :class:`AssetRejected` when the file cannot be read any further; resources are
    loaded by :func:`validate_gltf`, after the caps on counts have passed.
    """
    limits = limits or GateLimits()
    found = find_file(root, name, name)
    path = found.path
    if path.suffix.lower() not in (".glb", ".gltf"):
        raise AssetRejected("NOT_GLTF", name, "only .glb and .gltf files can be shown")
    if found.size > limits.max_file_bytes:
        raise AssetRejected(
            "FILE_TOO_LARGE",
            name,
            f"{found.size} bytes is over the {limits.max_file_bytes}-byte cap",
        )
    document, chunks = parse_gltf_bytes(
        found.read(), name, limits, glb=path.suffix.lower() == ".glb"
    )
    return GltfSource(
        path,
        name,
        found.size,
        document,
        glb_bin=chunks.bin if chunks else None,
        is_glb=chunks is not None,
        glb_extra=chunks.extra if chunks else 0,
    )


def parse_gltf_bytes(
    data: bytes, name: str, limits: GateLimits | None = None, *, glb: bool = False
) -> tuple[dict[str, Any], GlbChunks | None]:
    """The JSON document of a glTF file's bytes, and its GLB chunks if it is a GLB (pure).

    A GLB is known by its magic whatever its name says; ``glb`` says the name ends in
    ``.glb``, so a GLB without its magic is reported as a broken GLB.  Raises
    :class:`AssetRejected` with a Khronos code for anything that cannot be read.
    """
    limits = limits or GateLimits()
    chunks = read_glb(data, name) if data[:4] == GLB_MAGIC or glb else None
    document = _parse_json(chunks.json if chunks else data, name, limits)
    return document, chunks


def _load_resources(source: GltfSource, report: Reporter, limits: GateLimits) -> None:
    """Every buffer and image URI through the one resolver (:mod:`.uri`); the bytes of
    those that pass are kept for the data checks."""
    folder = source.path.parent
    budget = limits.max_file_bytes
    for kind, types in (("buffers", BUFFER_MEDIA_TYPES), ("images", IMAGE_MEDIA_TYPES)):
        entries = source.document.get(kind, [])
        loaded: list[bytes | None] = []
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            data: bytes | None = None
            uri = entry.get("uri") if isinstance(entry, dict) else None
            if kind == "buffers" and uri is None and index == 0:
                data = source.glb_bin
                if data is None and isinstance(entry, dict) and source.is_glb:
                    report.error(
                        "BUFFER_MISSING_GLB_DATA",
                        f"/{kind}/{index}",
                        "the buffer has no uri, so its data must be the GLB's BIN chunk, "
                        "which is missing",
                    )
            elif uri is not None:
                where = f"/{kind}/{index}/uri"
                try:
                    found = resolve_uri(uri, folder, where, media_types=types, max_bytes=budget)
                    data = found.data if isinstance(found, DataUri) else found.read()
                except AssetRejected as exc:
                    report.error(exc.code, where, exc.detail)
                else:
                    budget -= len(data)
            loaded.append(data)
        if kind == "buffers":
            source.buffers = loaded
        else:
            source.images = loaded


def _inspect(source: GltfSource, report: Reporter, limits: GateLimits) -> None:
    """Every check past the container, each adding to ``report``."""
    from museion.scenes.gltf.accessors import check_accessors
    from museion.scenes.gltf.extensions import check_extensions
    from museion.scenes.gltf.images import check_images
    from museion.scenes.gltf.rules import check_rules

    document = source.document
    check_rules(document, report)
    check_extensions(document, report)
    check_structure(document, report, limits.structure)
    if any(i.code == "COUNT_TOO_LARGE" for i in report.issues):
        return  # nothing is loaded for a file whose counts are over the caps
    _load_resources(source, report, limits)
    check_accessors(document, source.buffers, report)
    check_images(document, source.images, source.buffers, report, limits)


def validate_gltf(root: Path, name: str, limits: GateLimits | None = None) -> GltfReport:
    """The full report on ``name`` (relative to ``root``): every issue, never an exception
    for anything the file contains."""
    limits = limits or GateLimits()
    report = Reporter(name)
    try:
        source = read_gltf(root, name, limits)
    except AssetRejected as exc:
        report.refused(exc)
        return report.report()
    if source.glb_extra:
        report.warning(
            "GLB_EXTRA_DATA", "", f"{source.glb_extra} bytes after the end of the GLB are ignored"
        )
    _inspect(source, report, limits)
    return report.report(size=source.size)


def check_gltf(
    root: Path, name: str, *, max_bytes: int | None = None, limits: GateLimits | None = None
) -> CheckedGltf:
    """Check the glTF file ``name`` (relative to ``root``) and return it as loadable.

    Raises :class:`GltfInvalid` (an :class:`AssetRejected`) with the whole report.
    """
    limits = limits or GateLimits()
    if max_bytes is not None:
        limits = dataclasses.replace(limits, max_file_bytes=max_bytes)
    report = validate_gltf(root, name, limits)
    if not report.valid:
        raise GltfInvalid(report)
    found = find_file(root, name, name)
    return CheckedGltf(path=found.path, size=found.size, name=name)
