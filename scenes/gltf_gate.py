"""The first gate every glTF file passes before the engine may load it.

The engine never sees a path a user typed: it gets a :class:`CheckedGltf`, which can only be
made here, after the file was found inside the asset root, within the size cap, and its
container and external references were checked.  (The full validation arrives with the
asset toolchain; this gate holds the containment and size rules from day one.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from museion.scenes.errors import AssetRejected
from museion.scenes.glb import GLB_MAGIC, read_glb
from museion.scenes.gltf_structure import StructureLimits, check_structure, json_depth
from museion.scenes.gltf_uri import BUFFER_MEDIA_TYPES, IMAGE_MEDIA_TYPES, resolve_uri

__all__ = ["DEFAULT_MAX_BYTES", "CheckedGltf", "check_gltf"]

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
_MAX_JSON_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class CheckedGltf:
    """A glTF file that passed the gate: resolved path inside the asset root."""

    path: Path
    size: int
    name: str


def _resolve_inside(root: Path, name: str) -> Path:
    if not name or "\x00" in name:
        raise AssetRejected("PATH_INVALID", name or "<empty>", "the asset name is empty or binary")
    candidate = Path(name)
    if candidate.is_absolute():
        raise AssetRejected("PATH_ABSOLUTE", name, "asset names are relative to the asset root")
    real_root = root.resolve()
    resolved = (real_root / candidate).resolve()
    if not resolved.is_relative_to(real_root):
        raise AssetRejected("URI_OUTSIDE_ROOT", name, "the file lies outside the asset root")
    return resolved


def _no_constants(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


def _read_json_chunk(path: Path, name: str, data: bytes) -> dict[str, Any]:
    glb = data[:4] == GLB_MAGIC or path.suffix.lower() == ".glb"
    chunks = read_glb(data, name) if glb else None
    raw = chunks.json if chunks is not None else data
    if len(raw) > _MAX_JSON_BYTES:
        raise AssetRejected("JSON_TOO_LARGE", name, "the glTF JSON is larger than 64 MiB")
    depth = json_depth(raw)
    if depth > StructureLimits.max_json_depth:
        raise AssetRejected(
            "JSON_TOO_DEEP",
            name,
            f"the JSON nests {depth} levels deep, over {StructureLimits.max_json_depth}",
        )
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise AssetRejected(
            "JSON_MALFORMED", name, f"the glTF JSON does not parse ({exc})"
        ) from exc
    if not isinstance(document, dict):
        raise AssetRejected("JSON_MALFORMED", name, "the glTF JSON is not an object")
    buffers = document.get("buffers")
    first = buffers[0] if isinstance(buffers, list) and buffers else None
    if glb and isinstance(first, dict) and "uri" not in first:
        assert chunks is not None
        if chunks.bin is None:
            raise AssetRejected(
                "BUFFER_MISSING_GLB_DATA",
                name,
                "buffer 0 has no uri, so its data must be the GLB's BIN chunk, which is missing",
                pointer="/buffers/0",
            )
    return document


def _check_uris(folder: Path, name: str, document: dict[str, Any], max_bytes: int) -> None:
    """Every buffer and image URI through the one resolver (:mod:`gltf_uri`)."""
    for kind, types in (("buffers", BUFFER_MEDIA_TYPES), ("images", IMAGE_MEDIA_TYPES)):
        entries = document.get(kind, [])
        if not isinstance(entries, list):
            raise AssetRejected("JSON_MALFORMED", name, f"'{kind}' is not an array")
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or "uri" not in entry:
                continue  # a GLB buffer or a bufferView image
            where = f"/{kind}/{index}/uri"
            try:
                resolve_uri(entry["uri"], folder, where, media_types=types, max_bytes=max_bytes)
            except AssetRejected as exc:
                raise AssetRejected(exc.code, name, exc.detail, pointer=where) from None


def check_gltf(root: Path, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CheckedGltf:
    """Check the glTF file ``name`` (relative to ``root``) and return it as loadable."""
    path = _resolve_inside(root, name)
    if path.suffix.lower() not in (".glb", ".gltf"):
        raise AssetRejected("NOT_GLTF", name, "only .glb and .gltf files can be shown")
    if not path.is_file():
        raise AssetRejected("NOT_FOUND", name, "no such file in the asset root")
    size = path.stat().st_size
    if size > max_bytes:
        raise AssetRejected(
            "FILE_TOO_LARGE", name, f"{size} bytes is over the {max_bytes}-byte cap"
        )
    document = _read_json_chunk(path, name, path.read_bytes())
    version = (
        document.get("asset", {}).get("version")
        if isinstance(document.get("asset"), dict)
        else None
    )
    if version != "2.0":
        raise AssetRejected("GLTF_VERSION", name, 'asset.version must be "2.0"')
    check_structure(document, name)
    _check_uris(path.parent, name, document, max_bytes)
    return CheckedGltf(path=path, size=size, name=name)
