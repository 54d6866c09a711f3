"""Which glTF extensions Museion decodes, renders or only accepts, said in the gate's report.

One table, :data:`EXTENSIONS`, is the policy.  An extension is either *decoded* by the
gate (:mod:`museion.scenes.gltf.decode` turns it into plain glTF before the renderer loads
the file), *native* (panda3d-gltf and the lean shader honour it as it is), *not rendered*
(accepted, the file loads, but the look differs from what the author saw), or *metadata*
(kept as data, nothing to render).  A file that *requires* an extension Museion cannot
honour is refused with the way out in the sentence; one that merely uses it is told what
will not show.  Codes follow the Khronos validator where they overlap.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from museion.scenes.gltf.report import Reporter

__all__ = ["DECODED", "EXTENSIONS", "ExtensionSupport", "Status", "check_extensions"]

Status = Literal["decoded", "native", "approximated", "not_rendered", "metadata"]
# Where an extension object may sit ("any": everywhere, as XMP metadata may).
Where = Literal[
    "root",
    "node",
    "scene",
    "mesh",
    "primitive",
    "material",
    "textureInfo",
    "texture",
    "image",
    "buffer",
    "bufferView",
    "accessor",
    "sampler",
    "camera",
    "skin",
    "animation",
    "channelTarget",
    "any",
]


@dataclass(frozen=True)
class ExtensionSupport:
    """What Museion does with one extension, and what a technician can do about it."""

    status: Status
    where: frozenset[Where]
    note: str
    big_change: bool = False  # not rendered, and the look changes a lot: a warning


def _support(status: Status, where: str, note: str, big: bool = False) -> ExtensionSupport:
    return ExtensionSupport(status, frozenset(where.split()), note, big)  # type: ignore[arg-type]


_MAT = "material"
EXTENSIONS: dict[str, ExtensionSupport] = {
    # Decoded in the gate into plain glTF (museion.scenes.gltf.decode).
    "KHR_draco_mesh_compression": _support("decoded", "primitive", "decoded with Draco"),
    "EXT_meshopt_compression": _support("decoded", "buffer bufferView", "decoded with meshopt"),
    "KHR_mesh_quantization": _support("decoded", "", "dequantised to float"),
    "KHR_texture_basisu": _support("decoded", "texture", "KTX2 decoded to PNG"),
    "KHR_texture_transform": _support("decoded", "textureInfo", "baked into the texcoords"),
    "KHR_materials_emissive_strength": _support("decoded", _MAT, "folded into the emissive factor"),
    # Honoured as they are: panda3d-gltf makes Panda3D lights (the lean shader takes the
    # first directional one as its key light).
    "KHR_lights_punctual": _support("native", "root node", "lights made by panda3d-gltf"),
    # Accepted, not rendered by the lean metallic-roughness shader.
    "KHR_materials_unlit": _support(
        "not_rendered", _MAT, "unlit materials are shaded by the key light", big=True
    ),
    # Approximated by the lean shader (docs/materials.md says how).
    "KHR_materials_transmission": _support(
        "approximated", _MAT, "see-through alpha by Fresnel, no refraction or tint"
    ),
    "KHR_materials_clearcoat": _support(
        "approximated", _MAT, "a clear coat reflecting the venue's environment only"
    ),
    "KHR_materials_volume": _support("not_rendered", _MAT, "volume attenuation is not shown"),
    "KHR_materials_diffuse_transmission": _support(
        "not_rendered", _MAT, "diffuse transmission is not shown"
    ),
    "KHR_materials_pbrSpecularGlossiness": _support(
        "not_rendered",
        _MAT,
        "specular-glossiness materials show their metallic-roughness fallback only; "
        "convert them to metallic-roughness (gltf-transform metalrough)",
        big=True,
    ),
    "KHR_materials_sheen": _support("not_rendered", _MAT, "the sheen is not shown"),
    "KHR_materials_ior": _support("not_rendered", _MAT, "the index of refraction is fixed"),
    "KHR_materials_specular": _support("not_rendered", _MAT, "the specular layer is not shown"),
    "KHR_materials_iridescence": _support("not_rendered", _MAT, "iridescence is not shown"),
    "KHR_materials_anisotropy": _support("not_rendered", _MAT, "anisotropy is not shown"),
    "KHR_materials_dispersion": _support("not_rendered", _MAT, "dispersion is not shown"),
    "KHR_materials_variants": _support(
        "not_rendered", "root primitive", "only each primitive's default material shows"
    ),
    "EXT_texture_webp": _support("decoded", "texture", "WebP decoded to PNG"),
    "EXT_texture_avif": _support(
        "not_rendered",
        "texture",
        "AVIF textures are not loaded; give the texture a PNG or JPEG source",
        big=True,
    ),
    "MSFT_texture_dds": _support(
        "not_rendered",
        "texture",
        "DDS textures are not loaded; give the texture a PNG or JPEG source",
        big=True,
    ),
    "EXT_mesh_gpu_instancing": _support(
        "not_rendered", "node", "instances are not drawn, only the node's own mesh", big=True
    ),
    "KHR_node_visibility": _support(
        "not_rendered", "node", "hidden nodes are drawn as visible", big=True
    ),
    "KHR_animation_pointer": _support(
        "not_rendered", "channelTarget", "animations of material and other properties do not play"
    ),
    "EXT_lights_image_based": _support(
        "not_rendered", "root scene", "image-based lighting is replaced by a hemisphere ambient"
    ),
    "MSFT_lod": _support("not_rendered", "node material", "only the highest detail level shows"),
    "CESIUM_primitive_outline": _support("not_rendered", "primitive", "outlines are not drawn"),
    # Data, kept, nothing to render.
    "KHR_xmp_json_ld": _support("metadata", "any", "XMP metadata, kept"),
    "KHR_xmp": _support("metadata", "any", "XMP metadata, kept"),
    "EXT_mesh_features": _support("metadata", "any", "feature IDs, kept as data"),
    "EXT_structural_metadata": _support("metadata", "any", "structural metadata, kept as data"),
}

DECODED = frozenset(name for name, s in EXTENSIONS.items() if s.status == "decoded")

# Extensions whose data cannot be read without them (the validator's NON_REQUIRED_EXTENSION).
_MUST_BE_REQUIRED = frozenset({"KHR_mesh_quantization"})
_TEXTURE_INFOS = (
    "baseColorTexture",
    "metallicRoughnessTexture",
    "normalTexture",
    "occlusionTexture",
    "emissiveTexture",
)
_ARRAYS: dict[str, Where] = {
    "nodes": "node",
    "scenes": "scene",
    "meshes": "mesh",
    "materials": "material",
    "textures": "texture",
    "images": "image",
    "buffers": "buffer",
    "bufferViews": "bufferView",
    "accessors": "accessor",
    "samplers": "sampler",
    "cameras": "camera",
    "skins": "skin",
    "animations": "animation",
}


def _names(document: dict[str, Any], key: str) -> list[tuple[int, str]]:
    values = document.get(key)
    if not isinstance(values, list):
        return []
    return [(i, v) for i, v in enumerate(values) if isinstance(v, str)]


def _objects(document: dict[str, Any]) -> Iterator[tuple[Where, str, dict[str, Any]]]:
    """Every object of the core schema that may carry ``extensions``, with its kind and
    JSON pointer (texture infos inside material extensions included)."""
    yield "root", "", document
    for key, kind in _ARRAYS.items():
        items = document.get(key)
        for i, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                continue
            where = f"/{key}/{i}"
            yield kind, where, item
            if kind == "mesh":
                prims = item.get("primitives")
                for j, prim in enumerate(prims if isinstance(prims, list) else []):
                    if isinstance(prim, dict):
                        yield "primitive", f"{where}/primitives/{j}", prim
            elif kind == "material":
                yield from _material_parts(where, item)
            elif kind == "animation":
                channels = item.get("channels")
                for j, channel in enumerate(channels if isinstance(channels, list) else []):
                    target = channel.get("target") if isinstance(channel, dict) else None
                    if isinstance(channel, dict):
                        yield "animation", f"{where}/channels/{j}", channel
                    if isinstance(target, dict):
                        yield "channelTarget", f"{where}/channels/{j}/target", target


def _material_parts(where: str, material: dict[str, Any]) -> Iterator[tuple[Where, str, Any]]:
    pbr = material.get("pbrMetallicRoughness")
    holders: list[tuple[str, Any]] = [(where, material)]
    if isinstance(pbr, dict):
        yield "material", f"{where}/pbrMetallicRoughness", pbr  # checked as part of material
        holders.append((f"{where}/pbrMetallicRoughness", pbr))
    extensions = material.get("extensions")
    if isinstance(extensions, dict):
        holders += [(f"{where}/extensions/{k}", v) for k, v in extensions.items()]
    for base, holder in holders:
        if not isinstance(holder, dict):
            continue
        for key, value in holder.items():
            if (
                isinstance(value, dict)
                and "index" in value
                and (key in _TEXTURE_INFOS or key.endswith("Texture"))
            ):
                yield "textureInfo", f"{base}/{key}", value


def _check_objects(document: dict[str, Any], used: set[str], report: Reporter) -> None:
    for kind, where, obj in _objects(document):
        extensions = obj.get("extensions")
        if not isinstance(extensions, dict):
            continue
        for name in extensions:
            pointer = f"{where}/extensions/{name}"
            if name not in used:
                report.error(
                    "UNDECLARED_EXTENSION",
                    pointer,
                    f"the extension {name[:80]} is used here but not declared in extensionsUsed",
                )
                continue
            support = EXTENSIONS.get(name)
            if support is None or "any" in support.where:
                continue
            on_pbr = where.endswith("/pbrMetallicRoughness")
            if kind not in support.where or (on_pbr and kind == "material"):
                report.error(
                    "UNEXPECTED_EXTENSION_OBJECT",
                    pointer,
                    f"{name} does not belong on this object; move it where the extension's "
                    "specification puts it",
                )


def check_extensions(document: dict[str, Any], report: Reporter) -> None:
    """Report required extensions Museion cannot honour, and used ones it will not render."""
    used_list = _names(document, "extensionsUsed")
    required_list = _names(document, "extensionsRequired")
    used = {name for _, name in used_list}
    required = {name for _, name in required_list}
    for i, name in required_list:
        pointer = f"/extensionsRequired/{i}"
        support = EXTENSIONS.get(name)
        if name not in used:
            report.error(
                "UNUSED_EXTENSION_REQUIRED",
                pointer,
                f"the extension {name[:80]} is required but not listed in extensionsUsed",
            )
        if support is None:
            report.error(
                "UNSUPPORTED_EXTENSION",
                pointer,
                f"the file requires {name[:80]}, which Museion does not know; export it "
                "without that extension",
            )
        elif support.status == "not_rendered":
            report.error(
                "UNSUPPORTED_EXTENSION",
                pointer,
                f"the file requires {name}, which Museion cannot render ({support.note}); "
                "export it with the extension optional or without it",
            )
    for i, name in used_list:
        pointer = f"/extensionsUsed/{i}"
        support = EXTENSIONS.get(name)
        if name in _MUST_BE_REQUIRED and name not in required:
            report.error(
                "NON_REQUIRED_EXTENSION",
                pointer,
                f"{name} cannot be optional: list it in extensionsRequired too",
            )
        if support is None:
            report.warning(
                "UNSUPPORTED_EXTENSION",
                pointer,
                f"Museion does not know the extension {name[:80]}; it is ignored and what it "
                "adds will not show",
            )
        elif support.status == "not_rendered" and name not in required:
            sentence = f"{name} is accepted but not rendered: {support.note}"
            if support.big_change:
                report.warning("EXTENSION_NOT_RENDERED", pointer, sentence)
            else:
                report.info("EXTENSION_NOT_RENDERED", pointer, sentence)
        elif support.status == "approximated":
            report.info(
                "EXTENSION_APPROXIMATED",
                pointer,
                f"{name} is shown approximately: {support.note} (docs/materials.md)",
            )
    _check_objects(document, used, report)
