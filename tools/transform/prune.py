"""``prune`` and ``dedup``: drop what nothing uses, merge what is identical.

Both renumber objects, so both go through :func:`_places`, the one list of every place in a
glTF that holds an index of a given kind (``accessors``, ``nodes``, ...).  Names, extras and
``KHR_xmp_json_ld`` references are part of an object's identity: two materials that differ
only by name are not merged, and with ``keep_extras`` an unused object that carries
metadata is kept.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from museion.tools.transform.checks import check_flag
from museion.tools.transform.document import GltfDocument, TransformStats

__all__ = ["DedupOptions", "PruneOptions", "dedup", "prune"]

logger = logging.getLogger(__name__)

# Kinds in the order a removal can make the next one unused.
_KINDS = (
    "nodes",
    "skins",
    "cameras",
    "meshes",
    "materials",
    "textures",
    "images",
    "samplers",
    "accessors",
)


@dataclass(frozen=True)
class PruneOptions:
    """``keep_extras``: keep an unused object that carries extras or ``KHR_xmp_json_ld``
    (a museum's metadata is never dropped silently)."""

    keep_extras: bool = True

    def __post_init__(self) -> None:
        check_flag(self, "keep_extras")


@dataclass(frozen=True)
class DedupOptions:
    """Which kinds of object to merge when their content is identical."""

    accessors: bool = True
    images: bool = True
    textures: bool = True
    materials: bool = True
    meshes: bool = True

    def __post_init__(self) -> None:
        check_flag(self, "accessors", "images", "textures", "materials", "meshes")


def _texture_infos(value: Any, key: str = "") -> Iterator[dict[str, Any]]:
    """Every textureInfo under a material: a dict with ``index`` under a ``...Texture`` key."""
    if isinstance(value, dict):
        if key.endswith("Texture") and isinstance(value.get("index"), int):
            yield value
        for k, v in value.items():
            yield from _texture_infos(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _texture_infos(v, key)


def _places(doc: GltfDocument, kind: str) -> Iterator[tuple[Any, Any]]:
    """``(container, key)`` for every place holding an index of ``kind``."""
    nodes = doc.list("nodes")
    if kind == "accessors":
        for _, primitive in doc.primitives():
            attributes = primitive.get("attributes", {})
            yield from ((attributes, k) for k in attributes)
            if "indices" in primitive:
                yield primitive, "indices"
            for target in primitive.get("targets", []):
                yield from ((target, k) for k in target)
        for skin in doc.list("skins"):
            if "inverseBindMatrices" in skin:
                yield skin, "inverseBindMatrices"
        for animation in doc.list("animations"):
            for sampler in animation.get("samplers", []):
                yield sampler, "input"
                yield sampler, "output"
        for node in nodes:
            instancing = node.get("extensions", {}).get("EXT_mesh_gpu_instancing", {})
            attributes = instancing.get("attributes", {})
            yield from ((attributes, k) for k in attributes)
    elif kind in ("meshes", "skins", "cameras"):
        key = {"meshes": "mesh", "skins": "skin", "cameras": "camera"}[kind]
        yield from ((node, key) for node in nodes if key in node)
    elif kind == "materials":
        yield from ((p, "material") for _, p in doc.primitives() if "material" in p)
    elif kind == "textures":
        for material in doc.list("materials"):
            yield from ((info, "index") for info in _texture_infos(material))
    elif kind in ("images", "samplers"):
        for texture in doc.list("textures"):
            if kind == "samplers":
                if "sampler" in texture:
                    yield texture, "sampler"
                continue
            if "source" in texture:
                yield texture, "source"
            for ext in texture.get("extensions", {}).values():
                if isinstance(ext, dict) and "source" in ext:
                    yield ext, "source"
    elif kind == "nodes":
        for scene in doc.list("scenes"):
            roots = scene.get("nodes", [])
            yield from ((roots, i) for i in range(len(roots)))
        for node in nodes:
            children = node.get("children", [])
            yield from ((children, i) for i in range(len(children)))
        for skin in doc.list("skins"):
            joints = skin.get("joints", [])
            yield from ((joints, i) for i in range(len(joints)))
            if "skeleton" in skin:
                yield skin, "skeleton"
        for animation in doc.list("animations"):
            for channel in animation.get("channels", []):
                target = channel.get("target", {})
                if "node" in target:
                    yield target, "node"


def _renumber(doc: GltfDocument, kind: str, mapping: list[int]) -> int:
    """Point every reference through ``mapping`` (old -> new index in order, -1 removes the
    object), then drop the removed objects; returns how many were removed."""
    for container, key in list(_places(doc, kind)):
        container[key] = mapping[container[key]]
    entries = doc.list(kind)
    keep = [i for i, new in enumerate(mapping) if new >= 0]
    removed = len(entries) - len(keep)
    if not removed:
        return 0
    doc.json[kind] = [entries[i] for i in keep]
    if kind == "accessors":
        doc.arrays = [doc.arrays[i] for i in keep]
    elif kind == "images":
        doc.images = [doc.images[i] for i in keep]
    if not doc.json[kind]:
        del doc.json[kind]
    return removed


def _has_metadata(entry: dict[str, Any]) -> bool:
    return "extras" in entry or "KHR_xmp_json_ld" in entry.get("extensions", {})


def _used(doc: GltfDocument, options: PruneOptions) -> dict[str, set[int]]:
    used: dict[str, set[int]] = {kind: set() for kind in _KINDS}
    nodes = doc.list("nodes")
    scenes = doc.list("scenes")
    roots = [n for s in scenes for n in s.get("nodes", [])] if scenes else range(len(nodes))
    stack = list(roots)
    stack += [
        c["target"]["node"]
        for a in doc.list("animations")
        for c in a.get("channels", [])
        if "node" in c.get("target", {})
    ]
    if options.keep_extras:
        stack += [i for i, node in enumerate(nodes) if _has_metadata(node)]
    while stack:
        index = stack.pop()
        if index in used["nodes"]:
            continue
        used["nodes"].add(index)
        node = nodes[index]
        stack += node.get("children", [])
        for kind, key in (("meshes", "mesh"), ("skins", "skin"), ("cameras", "camera")):
            if key in node:
                used[kind].add(node[key])
        if "skin" in node:
            skin = doc.list("skins")[node["skin"]]
            stack += skin.get("joints", [])
            stack += [skin["skeleton"]] if "skeleton" in skin else []
    if options.keep_extras:  # nodes are kept by the walk above, whatever their extras
        for kind in (k for k in _KINDS if k != "nodes"):
            used[kind].update(i for i, e in enumerate(doc.list(kind)) if _has_metadata(e))
    meshes = doc.list("meshes")
    for m in used["meshes"]:
        for primitive in meshes[m].get("primitives", []):
            if "material" in primitive:
                used["materials"].add(primitive["material"])
    for kind in ("textures", "images", "samplers", "accessors"):
        # A reference counts when its holder is used; holders are found by identity.
        holders = _holders(doc, kind, used)
        for container, key in _places(doc, kind):
            if id(container) in holders:
                used[kind].add(container[key])
    return used


def _holders(doc: GltfDocument, kind: str, used: dict[str, set[int]]) -> set[int]:
    """``id()`` of every container under a used object that may hold a ``kind`` index."""
    found: set[int] = set()

    def under(value: Any) -> None:
        found.add(id(value))
        if isinstance(value, dict):
            for v in value.values():
                under(v)
        elif isinstance(value, list):
            for v in value:
                under(v)

    owners = {
        "textures": ["materials"],
        "images": ["textures"],
        "samplers": ["textures"],
        "accessors": ["meshes", "skins", "nodes"],
    }[kind]
    for owner in owners:
        entries = doc.list(owner)
        for i in used[owner]:
            under(entries[i])
    if kind == "accessors":
        for animation in doc.list("animations"):
            under(animation)
    return found


def prune(doc: GltfDocument, options: PruneOptions = PruneOptions()) -> TransformStats:
    """Remove nodes outside every scene and the meshes, materials, textures, images,
    samplers and accessors nothing used refers to."""
    used = _used(doc, options)
    counts: dict[str, int] = {}
    for kind in _KINDS:
        entries = doc.list(kind)
        mapping, next_index = [], 0
        for i in range(len(entries)):
            if i in used[kind]:
                mapping.append(next_index)
                next_index += 1
            else:
                mapping.append(-1)
        removed = _renumber(doc, kind, mapping)
        if removed:
            counts[kind] = removed
    logger.info("prune removed %s", counts or "nothing")
    return TransformStats("prune", counts)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _merge(doc: GltfDocument, kind: str, keys: list[str]) -> int:
    first: dict[str, int] = {}
    mapping: list[int] = []
    kept = 0
    for key in keys:
        if key in first:
            mapping.append(mapping[first[key]])
        else:
            first[key] = len(mapping)
            mapping.append(kept)
            kept += 1
    if kept == len(keys):
        return 0
    for container, place in list(_places(doc, kind)):
        container[place] = mapping[container[place]]
    entries = doc.list(kind)
    keep = sorted(first.values())
    doc.json[kind] = [entries[i] for i in keep]
    if kind == "accessors":
        doc.arrays = [doc.arrays[i] for i in keep]
    elif kind == "images":
        doc.images = [doc.images[i] for i in keep]
    return len(keys) - kept


def dedup(doc: GltfDocument, options: DedupOptions = DedupOptions()) -> TransformStats:
    """Merge accessors, images, samplers, textures, materials and meshes whose content and
    metadata are identical (accessors and images by a hash of their bytes)."""
    counts: dict[str, int] = {}

    def count(kind: str, merged: int) -> None:
        if merged:
            counts[kind] = merged

    if options.accessors:
        keys = []
        for i, accessor in enumerate(doc.list("accessors")):
            data = doc.arrays[i]
            meta = {k: v for k, v in accessor.items() if k not in ("min", "max")}
            digest = hashlib.blake2b(data.tobytes() if data is not None else b"").hexdigest()
            shape = data.shape if data is not None else None
            keys.append(_key([meta, digest, str(shape), id(data) if data is None else 0]))
        count("accessors", _merge(doc, "accessors", keys))
    if options.images:
        keys = [
            _key([image, hashlib.blake2b(doc.images[i]).hexdigest()])
            for i, image in enumerate(doc.list("images"))
        ]
        count("images", _merge(doc, "images", keys))
    if options.textures:
        count("samplers", _merge(doc, "samplers", [_key(s) for s in doc.list("samplers")]))
        count("textures", _merge(doc, "textures", [_key(t) for t in doc.list("textures")]))
    if options.materials:
        count("materials", _merge(doc, "materials", [_key(m) for m in doc.list("materials")]))
    if options.meshes:
        count("meshes", _merge(doc, "meshes", [_key(m) for m in doc.list("meshes")]))
    logger.info("dedup merged %s", counts or "nothing")
    return TransformStats("dedup", counts)
