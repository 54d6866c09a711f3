"""What a glTF file holds, as data: the summary ``museion inspect`` prints.

Every figure comes from the JSON (accessor counts, declared lengths) and from image
headers, never from decoding geometry or pixels, so a Draco or meshopt file is summarised
as fast as a plain one.  Triangles, vertices and draw calls are counted per *instance*: a
mesh that three nodes show counts three times (``EXT_mesh_gpu_instancing`` multiplies
too); the ``unique_`` totals count each shown mesh once.

The summary trusts nothing: a file reaches it after the gate, but every index is still
checked here, so a document the gate let through with a bad reference yields a summary
with that part left out, never an exception.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from museion.scenes.gltf.gate import GateLimits, GltfSource, read_gltf, validate_gltf
from museion.scenes.gltf.glb import GLB_MAGIC
from museion.scenes.gltf.inspect.geometry import (
    PRIMITIVE_MODES,
    mesh_instances,
    mesh_summary,
    meshopt_views,
    primitive_mode,
    scene_trees,
)
from museion.scenes.gltf.inspect.json_reads import dict_of, index_of, list_of, text_of
from museion.scenes.gltf.inspect.materials import (
    SourceBytes,
    image_summary,
    material_summary,
    texture_summary,
)
from museion.scenes.gltf.inspect.summary import GltfSummary, Inspection, Metadata

# The summary types are the package's to export (museion.scenes.gltf.inspect).
__all__ = ["inspect_gltf", "summarize_source"]


def _metadata(document: dict[str, Any]) -> Metadata:
    asset = dict_of(document, "asset")
    xmp = dict_of(dict_of(document, "extensions"), "KHR_xmp_json_ld")
    packets = tuple(list_of(xmp, "packets"))
    links: list[tuple[str, int]] = []
    extras: list[tuple[str, Any]] = []
    owners: list[tuple[str, Any]] = [("/asset", asset)]
    for kind in ("scenes", "nodes", "meshes", "materials", "images", "animations"):
        owners += [(f"/{kind}/{i}", item) for i, item in enumerate(list_of(document, kind))]
    for pointer, owner in owners:
        packet = index_of(
            dict_of(dict_of(owner, "extensions"), "KHR_xmp_json_ld"), "packet", len(packets)
        )
        if packet is not None:
            links.append((pointer, packet))
        is_node = pointer.startswith(("/scenes/", "/nodes/"))
        if is_node and isinstance(owner, dict) and "extras" in owner:
            extras.append((pointer, owner["extras"]))
    return Metadata(
        version=text_of(asset, "version"),
        min_version=text_of(asset, "minVersion"),
        generator=text_of(asset, "generator"),
        copyright=text_of(asset, "copyright"),
        asset_extras=asset.get("extras"),
        xmp_packets=packets,
        xmp_links=tuple(links),
        extras=tuple(extras),
    )


# -- entry points -------------------------------------------------------------------------


def _strings(document: dict[str, Any], key: str) -> tuple[str, ...]:
    return tuple(e for e in list_of(document, key) if isinstance(e, str))


def _container(source: GltfSource) -> Literal["GLB", "glTF"]:
    if source.glb_bin is not None:
        return "GLB"
    try:
        with source.path.open("rb") as file:
            return "GLB" if file.read(4) == GLB_MAGIC else "glTF"
    except OSError:
        return "glTF"


def summarize_source(source: GltfSource, limits: GateLimits | None = None) -> GltfSummary:
    """The summary of a file read by :func:`~museion.scenes.gltf.gate.read_gltf`.

    Never raises for anything the document contains; unreadable images are summarised
    with a ``note``.
    """
    limits = limits or GateLimits()
    document = source.document
    scenes = scene_trees(document)
    meshopt = meshopt_views(document)
    instances = mesh_instances(scenes, len(list_of(document, "meshes")))
    meshes = tuple(mesh_summary(document, i, n, meshopt) for i, n in enumerate(instances))
    textures = tuple(
        texture_summary(document, i) for i in range(len(list_of(document, "textures")))
    )
    used = {t.image for t in textures if t.image is not None}
    resources = SourceBytes(source, limits)
    images = tuple(
        image_summary(resources, document, i, i in used)
        for i in range(len(list_of(document, "images")))
    )
    buffers = list_of(document, "buffers")
    lengths = [b.get("byteLength") if isinstance(b, dict) else None for b in buffers]
    buffer_bytes = sum(
        n for n in lengths if isinstance(n, int) and not isinstance(n, bool) and n > 0
    )
    draw_modes: dict[str, int] = {}
    for mesh in meshes:
        primitives = list_of(list_of(document, "meshes")[mesh.index], "primitives")
        for primitive in primitives:
            mode = PRIMITIVE_MODES[primitive_mode(primitive)]
            draw_modes[mode] = draw_modes.get(mode, 0) + mesh.instances
    lights = list_of(dict_of(dict_of(document, "extensions"), "KHR_lights_punctual"), "lights")
    counts = {
        key: len(list_of(document, key))
        for key in ("nodes", "cameras", "skins", "animations", "accessors", "samplers")
    }
    counts["lights"] = len(lights)
    return GltfSummary(
        name=source.name,
        container=_container(source),
        file_bytes=source.size,
        buffer_bytes=buffer_bytes,
        buffers=len(buffers),
        scenes=scenes,
        meshes=meshes,
        materials=tuple(
            material_summary(document, i) for i in range(len(list_of(document, "materials")))
        ),
        textures=textures,
        images=images,
        extensions_used=_strings(document, "extensionsUsed"),
        extensions_required=_strings(document, "extensionsRequired"),
        metadata=_metadata(document),
        counts=counts,
        draw_modes={m: n for m, n in sorted(draw_modes.items()) if n},
    )


def inspect_gltf(root: Path, name: str, limits: GateLimits | None = None) -> Inspection:
    """The gate's report on ``name`` (relative to ``root``) and, when it passed, the
    summary.  Raises :class:`AssetRejected` only if the file changes between the two."""
    limits = limits or GateLimits()
    report = validate_gltf(root, name, limits)
    if not report.valid:
        return Inspection(report, None)
    return Inspection(report, summarize_source(read_gltf(root, name, limits), limits))
