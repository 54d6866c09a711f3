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

import dataclasses
import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.gate import GateLimits, GltfSource, read_gltf, validate_gltf
from museion.scenes.gltf.glb import GLB_MAGIC
from museion.scenes.gltf.images import read_image_header as gate_image_header
from museion.scenes.gltf.report import GltfReport
from museion.scenes.gltf.uri import BUFFER_MEDIA_TYPES, IMAGE_MEDIA_TYPES, DataUri, resolve_uri

__all__ = [
    "PRIMITIVE_MODES",
    "GltfSummary",
    "ImageHeader",
    "ImageSummary",
    "Inspection",
    "MaterialSummary",
    "MeshSummary",
    "Metadata",
    "NodeLine",
    "SceneTree",
    "TextureSlot",
    "TextureSummary",
    "inspect_gltf",
    "read_image_header",
    "summarize_source",
]

PRIMITIVE_MODES = (
    "POINTS",
    "LINES",
    "LINE_LOOP",
    "LINE_STRIP",
    "TRIANGLES",
    "TRIANGLE_STRIP",
    "TRIANGLE_FAN",
)
_TRIANGLES, _STRIP, _FAN = 4, 5, 6
_TEXTURE_SLOTS = (
    ("baseColor", ("pbrMetallicRoughness", "baseColorTexture")),
    ("metallicRoughness", ("pbrMetallicRoughness", "metallicRoughnessTexture")),
    ("normal", ("normalTexture",)),
    ("occlusion", ("occlusionTexture",)),
    ("emissive", ("emissiveTexture",)),
)
# Extensions that give a texture another image than its ``source`` (the one a renderer
# supporting them uploads).
_TEXTURE_SOURCE_EXTENSIONS = (
    "KHR_texture_basisu",
    "EXT_texture_webp",
    "EXT_texture_avif",
    "MSFT_texture_dds",
)
# The encodings the renderer uploads as RGBA8, by the media type the gate's header reader finds.
_RGBA_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


# -- the summary ------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeLine:
    """One node of a scene tree, at ``depth`` (0 for a scene's root nodes)."""

    depth: int
    index: int
    name: str
    mesh: int | None = None
    camera: int | None = None
    light: int | None = None
    skin: int | None = None
    gpu_instances: int | None = None


@dataclass(frozen=True)
class SceneTree:
    """A scene's nodes in depth-first order; ``index`` is ``None`` for a file without
    scenes (its parentless nodes stand in)."""

    index: int | None
    name: str
    default: bool
    nodes: tuple[NodeLine, ...]


@dataclass(frozen=True)
class MeshSummary:
    """One mesh: ``triangles`` and ``vertices`` for one copy, ``instances`` copies shown
    in the default scene."""

    index: int
    name: str
    primitives: int
    triangles: int
    vertices: int
    instances: int
    modes: tuple[str, ...]
    materials: tuple[int, ...]
    morph_targets: int
    compression: tuple[str, ...]


@dataclass(frozen=True)
class TextureSlot:
    """A material's use of a texture: ``slot`` is e.g. ``baseColor`` or
    ``KHR_materials_clearcoat.clearcoatTexture``."""

    slot: str
    texture: int


@dataclass(frozen=True)
class MaterialSummary:
    index: int
    name: str
    alpha_mode: str
    double_sided: bool
    textures: tuple[TextureSlot, ...]
    extensions: tuple[str, ...]


@dataclass(frozen=True)
class TextureSummary:
    """A texture and the image it shows (``via`` the extension giving it, if any);
    ``fallback`` is the plain ``source`` a renderer without that extension uses."""

    index: int
    name: str
    image: int | None
    via: str | None = None
    fallback: int | None = None


@dataclass(frozen=True)
class ImageHeader:
    """What an image's header says: enough to size it on the GPU without decoding it."""

    mime_type: str
    encoding: str
    width: int
    height: int
    levels: int
    gpu_bytes: int


@dataclass(frozen=True)
class ImageSummary:
    """One image; ``width``/``height``/``gpu_bytes`` are ``None`` when its header cannot
    be read (``note`` says why)."""

    index: int
    name: str
    mime_type: str
    encoding: str
    width: int | None
    height: int | None
    encoded_bytes: int
    gpu_bytes: int | None
    location: str
    used: bool
    note: str = ""


@dataclass(frozen=True)
class Metadata:
    """What the file says about itself: ``asset``, XMP packets and extras by JSON pointer."""

    version: str | None
    min_version: str | None
    generator: str | None
    copyright: str | None
    asset_extras: Any
    xmp_packets: tuple[Any, ...]
    xmp_links: tuple[tuple[str, int], ...]
    extras: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class GltfSummary:
    """Everything ``museion inspect`` reports on one valid file."""

    name: str
    container: Literal["GLB", "glTF"]
    file_bytes: int
    buffer_bytes: int
    buffers: int
    scenes: tuple[SceneTree, ...]
    meshes: tuple[MeshSummary, ...]
    materials: tuple[MaterialSummary, ...]
    textures: tuple[TextureSummary, ...]
    images: tuple[ImageSummary, ...]
    extensions_used: tuple[str, ...]
    extensions_required: tuple[str, ...]
    metadata: Metadata
    counts: dict[str, int]
    draw_modes: dict[str, int]

    @property
    def triangles(self) -> int:
        """Triangles drawn: every mesh times its instances."""
        return sum(m.triangles * m.instances for m in self.meshes)

    @property
    def vertices(self) -> int:
        return sum(m.vertices * m.instances for m in self.meshes)

    @property
    def unique_triangles(self) -> int:
        """Triangles of the meshes shown, each mesh once."""
        return sum(m.triangles for m in self.meshes if m.instances)

    @property
    def unique_vertices(self) -> int:
        return sum(m.vertices for m in self.meshes if m.instances)

    @property
    def draw_calls(self) -> int:
        """Primitive instances: one draw call each in a renderer that does not batch."""
        return sum(m.primitives * m.instances for m in self.meshes)

    @property
    def gpu_bytes(self) -> int:
        """Estimated GPU memory of the images textures use (with mip chains)."""
        return sum(i.gpu_bytes or 0 for i in self.images if i.used)

    def totals(self) -> dict[str, int]:
        return {
            "triangles": self.triangles,
            "vertices": self.vertices,
            "unique_triangles": self.unique_triangles,
            "unique_vertices": self.unique_vertices,
            "draw_calls": self.draw_calls,
            "gpu_bytes": self.gpu_bytes,
        }

    def to_dict(self) -> dict[str, Any]:
        """The whole summary as JSON data (what ``museion inspect --json`` prints)."""
        data = dataclasses.asdict(self)
        data["totals"] = self.totals()
        data["metadata"]["xmp_links"] = [
            {"pointer": p, "packet": i} for p, i in self.metadata.xmp_links
        ]
        data["metadata"]["extras"] = [{"pointer": p, "extras": e} for p, e in self.metadata.extras]
        return data


@dataclass(frozen=True)
class Inspection:
    """The gate's report, and the summary when the file passed it (``None`` otherwise)."""

    report: GltfReport
    summary: GltfSummary | None


# -- safe reading of untrusted JSON -------------------------------------------------------


def _list(value: Any, key: str) -> list[Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, list) else []


def _dict(value: Any, key: str) -> dict[str, Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, dict) else {}


def _is_index(value: Any, length: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < length


def _index(value: Any, key: str, length: int) -> int | None:
    """``value[key]`` when it is an index into a list of ``length``, else ``None``."""
    found = value.get(key) if isinstance(value, dict) else None
    return found if _is_index(found, length) else None


def _text(value: Any, key: str) -> str | None:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


def _name(value: Any, fallback: str = "") -> str:
    return _text(value, "name") or fallback


def _count(accessors: list[Any], index: Any) -> int:
    """An accessor's element count, 0 when the reference or the count is unusable."""
    if not _is_index(index, len(accessors)):
        return 0
    count = accessors[index].get("count") if isinstance(accessors[index], dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 0


# -- scenes and instances -----------------------------------------------------------------


def _node_line(document: dict[str, Any], index: int, depth: int) -> NodeLine:
    nodes = _list(document, "nodes")
    node = nodes[index]
    lights = _list(_dict(_dict(document, "extensions"), "KHR_lights_punctual"), "lights")
    node_ext = _dict(node, "extensions")
    return NodeLine(
        depth=depth,
        index=index,
        name=_name(node),
        mesh=_index(node, "mesh", len(_list(document, "meshes"))),
        camera=_index(node, "camera", len(_list(document, "cameras"))),
        light=_index(_dict(node_ext, "KHR_lights_punctual"), "light", len(lights)),
        skin=_index(node, "skin", len(_list(document, "skins"))),
        gpu_instances=_gpu_instances(document, node_ext),
    )


def _gpu_instances(document: dict[str, Any], node_ext: dict[str, Any]) -> int | None:
    """``EXT_mesh_gpu_instancing``: the node's mesh is drawn once per attribute element."""
    attributes = _dict(_dict(node_ext, "EXT_mesh_gpu_instancing"), "attributes")
    counts = [_count(_list(document, "accessors"), a) for a in attributes.values()]
    return min(counts) if counts else None


def _walk(document: dict[str, Any], roots: list[Any]) -> Iterator[NodeLine]:
    """Depth-first, iteratively; a node reached twice (a shared child, a loop: both
    refused by the gate) is shown once."""
    nodes = _list(document, "nodes")
    seen: set[int] = set()
    stack = [(r, 0) for r in reversed(roots)]
    while stack:
        index, depth = stack.pop()
        if not _is_index(index, len(nodes)) or index in seen:
            continue
        seen.add(index)
        yield _node_line(document, index, depth)
        children = _list(nodes[index], "children")
        stack.extend((c, depth + 1) for c in reversed(children))


def _scene_trees(document: dict[str, Any]) -> tuple[SceneTree, ...]:
    scenes = _list(document, "scenes")
    if not scenes:
        nodes = _list(document, "nodes")
        has_parent = {c for n in nodes for c in _list(n, "children") if isinstance(c, int)}
        roots: list[Any] = [i for i in range(len(nodes)) if i not in has_parent]
        return (SceneTree(None, "(no scene: the root nodes)", True, tuple(_walk(document, roots))),)
    default = _index(document, "scene", len(scenes))
    default = 0 if default is None else default
    return tuple(
        SceneTree(
            s,
            _name(scene),
            s == default,
            tuple(_walk(document, _list(scene, "nodes"))),
        )
        for s, scene in enumerate(scenes)
    )


# -- meshes -------------------------------------------------------------------------------


def _mode(primitive: Any) -> int:
    mode = primitive.get("mode", _TRIANGLES) if isinstance(primitive, dict) else _TRIANGLES
    valid = isinstance(mode, int) and not isinstance(mode, bool) and 0 <= mode <= 6
    return mode if valid else _TRIANGLES


def _triangles(mode: int, count: int) -> int:
    if mode == _TRIANGLES:
        return count // 3
    if mode in (_STRIP, _FAN):
        return max(count - 2, 0)
    return 0


def _meshopt_views(document: dict[str, Any]) -> set[int]:
    return {
        i
        for i, view in enumerate(_list(document, "bufferViews"))
        if "EXT_meshopt_compression" in _dict(view, "extensions")
        or "KHR_meshopt_compression" in _dict(view, "extensions")
    }


def _mesh_summary(
    document: dict[str, Any], index: int, instances: int, meshopt: set[int]
) -> MeshSummary:
    mesh = _list(document, "meshes")[index]
    accessors = _list(document, "accessors")
    materials = len(_list(document, "materials"))
    triangles = vertices = targets = 0
    modes: set[str] = set()
    used_materials: set[int] = set()
    compression: set[str] = set()
    primitives = _list(mesh, "primitives")
    for primitive in primitives:
        attributes = _dict(primitive, "attributes")
        positions = _count(accessors, attributes.get("POSITION"))
        mode = _mode(primitive)
        drawn = (
            _count(accessors, primitive.get("indices"))
            if isinstance(primitive, dict) and "indices" in primitive
            else positions
        )
        triangles += _triangles(mode, drawn)
        vertices += positions
        modes.add(PRIMITIVE_MODES[mode])
        targets = max(targets, len(_list(primitive, "targets")))
        material = _index(primitive, "material", materials)
        if material is not None:
            used_materials.add(material)
        if "KHR_draco_mesh_compression" in _dict(primitive, "extensions"):
            compression.add("KHR_draco_mesh_compression")
        indices = primitive.get("indices") if isinstance(primitive, dict) else None
        for ref in [*attributes.values(), indices]:
            accessor = accessors[ref] if _is_index(ref, len(accessors)) else None
            if _index(accessor, "bufferView", len(_list(document, "bufferViews"))) in meshopt:
                compression.add("EXT_meshopt_compression")
    return MeshSummary(
        index=index,
        name=_name(mesh),
        primitives=len(primitives),
        triangles=triangles,
        vertices=vertices,
        instances=instances,
        modes=tuple(sorted(modes)),
        materials=tuple(sorted(used_materials)),
        morph_targets=targets,
        compression=tuple(sorted(compression)),
    )


def _mesh_instances(scenes: tuple[SceneTree, ...], mesh_count: int) -> list[int]:
    instances = [0] * mesh_count
    for tree in scenes:
        if tree.default:
            for line in tree.nodes:
                if line.mesh is not None:
                    instances[line.mesh] += 1 if line.gpu_instances is None else line.gpu_instances
    return instances


# -- materials and textures ---------------------------------------------------------------


def _extension_slots(name: str, value: Any, depth: int = 0) -> Iterator[tuple[str, Any]]:
    """``(slot, textureInfo)`` for every ``...Texture`` object inside an extension."""
    if depth > 6 or not isinstance(value, dict):
        return
    for key, item in value.items():
        if key.endswith("Texture") and isinstance(item, dict):
            yield f"{name}.{key}", item
        elif isinstance(item, dict):
            yield from _extension_slots(name, item, depth + 1)


def _material_summary(document: dict[str, Any], index: int) -> MaterialSummary:
    material = _list(document, "materials")[index]
    count = len(_list(document, "textures"))
    slots: list[TextureSlot] = []
    for slot, path in _TEXTURE_SLOTS:
        info: Any = material
        for key in path:
            info = _dict(info, key)
        texture = _index(info, "index", count)
        if texture is not None:
            slots.append(TextureSlot(slot, texture))
    extensions = _dict(material, "extensions")
    for name, body in extensions.items():
        for slot, info in _extension_slots(name, body):
            texture = _index(info, "index", count)
            if texture is not None:
                slots.append(TextureSlot(slot, texture))
    alpha = _text(material, "alphaMode") or "OPAQUE"
    double = material.get("doubleSided") if isinstance(material, dict) else None
    return MaterialSummary(
        index=index,
        name=_name(material),
        alpha_mode=alpha,
        double_sided=double is True,
        textures=tuple(slots),
        extensions=tuple(sorted(extensions)),
    )


def _texture_summary(document: dict[str, Any], index: int) -> TextureSummary:
    texture = _list(document, "textures")[index]
    images = len(_list(document, "images"))
    fallback = _index(texture, "source", images)
    for extension in _TEXTURE_SOURCE_EXTENSIONS:
        source = _index(_dict(_dict(texture, "extensions"), extension), "source", images)
        if source is not None:
            return TextureSummary(index, _name(texture), source, extension, fallback)
    return TextureSummary(index, _name(texture), fallback)


# -- image headers ------------------------------------------------------------------------

_KTX2_ID = b"\xabKTX 20\xbb\r\n\x1a\n"
_BASIS_LZ = 1
_DFD_ETC1S, _DFD_UASTC = 163, 166
# VkFormat -> (block width, block height, bytes per block); 1x1 blocks are plain pixels.
_VK_BLOCKS: dict[range, tuple[int, int, int]] = {
    range(9, 16): (1, 1, 1),  # R8
    range(16, 23): (1, 1, 2),  # R8G8
    range(23, 37): (1, 1, 4),  # R8G8B8 / B8G8R8 (padded to 4 on upload)
    range(37, 51): (1, 1, 4),  # R8G8B8A8 / B8G8R8A8
    range(97, 98): (1, 1, 8),  # R16G16B16A16_SFLOAT
    range(109, 110): (1, 1, 16),  # R32G32B32A32_SFLOAT
    range(131, 135): (4, 4, 8),  # BC1
    range(135, 139): (4, 4, 16),  # BC2, BC3
    range(139, 141): (4, 4, 8),  # BC4
    range(141, 147): (4, 4, 16),  # BC5, BC6H, BC7
    range(147, 151): (4, 4, 8),  # ETC2 RGB, RGB A1
    range(151, 153): (4, 4, 16),  # ETC2 RGBA
    range(153, 155): (4, 4, 8),  # EAC R11
    range(155, 157): (4, 4, 16),  # EAC RG11
}
_ASTC_BLOCKS = (
    (4, 4),
    (5, 4),
    (5, 5),
    (6, 5),
    (6, 6),
    (8, 5),
    (8, 6),
    (8, 8),
    (10, 5),
    (10, 6),
    (10, 8),
    (10, 10),
    (12, 10),
    (12, 12),
)


def _ktx2_block(data: bytes, vk_format: int, scheme: int) -> tuple[str, tuple[int, int, int]]:
    """The encoding's name and the block it occupies on the GPU.

    Basis Universal (``vkFormat`` 0) is transcoded at load time: ETC1S to an 8-byte block
    format (BC1 / ETC1), or 16 bytes with alpha (BC3 / ETC2 RGBA); UASTC to 16-byte blocks
    (BC7 / ASTC 4x4).
    """
    if vk_format == 0:
        dfd_offset, dfd_length = struct.unpack_from("<II", data, 48)
        model = block_size = 0
        if dfd_length >= 16 and dfd_offset + 16 <= len(data):
            block_size = struct.unpack_from("<H", data, dfd_offset + 10)[0]
            model = data[dfd_offset + 12]
        if scheme == _BASIS_LZ or model == _DFD_ETC1S:
            alpha = (block_size - 24) // 16 > 1  # a second sample is the alpha slice
            return "KTX2/ETC1S", (4, 4, 16 if alpha else 8)
        if model == _DFD_UASTC:
            return "KTX2/UASTC", (4, 4, 16)
        return "KTX2", (1, 1, 4)
    for formats, block in _VK_BLOCKS.items():
        if vk_format in formats:
            return f"KTX2/vkFormat {vk_format}", block
    if 157 <= vk_format <= 184:
        width, height = _ASTC_BLOCKS[(vk_format - 157) // 2]
        return f"KTX2/ASTC {width}x{height}", (width, height, 16)
    return f"KTX2/vkFormat {vk_format}", (1, 1, 4)


def _mip_bytes(width: int, height: int, levels: int, block: tuple[int, int, int]) -> int:
    bw, bh, size = block
    total = 0
    for level in range(levels):
        w, h = max(1, width >> level), max(1, height >> level)
        total += -(-w // bw) * -(-h // bh) * size
    return total


def _ktx2_header(data: bytes) -> ImageHeader | None:
    if len(data) < 80 or data[:12] != _KTX2_ID:
        return None
    vk_format, _, width, height, _, layers, faces, levels, scheme = struct.unpack_from(
        "<9I", data, 12
    )
    if width == 0:
        return None
    height = max(height, 1)
    full_chain = int(math.log2(max(width, height))) + 1
    # levelCount 0 asks the loader to make the mip chain; a forged count is capped.
    count = min(levels, full_chain) if levels else full_chain
    encoding, block = _ktx2_block(data, vk_format, scheme)
    gpu = _mip_bytes(width, height, count, block) * max(layers, 1) * max(faces, 1)
    return ImageHeader("image/ktx2", encoding, width, height, count, gpu)


def read_image_header(data: bytes) -> ImageHeader | None:
    """Size and GPU cost of a PNG, JPEG, WebP or KTX2 image from its header alone.

    PNG, JPEG and WebP are uploaded as RGBA8 with a mip chain (``w*h*4 * 4/3``); KTX2 as
    its block-compressed levels.  ``None`` when the bytes are none of these.
    """
    if data[:12] == _KTX2_ID:
        return _ktx2_header(data)
    try:
        header = gate_image_header(data)
    except AssetRejected:
        return None
    kind = _RGBA_FORMATS.get(header.mime_type)
    width, height = header.width, header.height
    if kind is None or width <= 0 or height <= 0:
        return None
    levels = int(math.log2(max(width, height))) + 1
    return ImageHeader(header.mime_type, kind, width, height, levels, width * height * 16 // 3)


# -- resources ----------------------------------------------------------------------------


class _Bytes:
    """Buffers and images of one source, each read once, through the gate's resolver."""

    def __init__(self, source: GltfSource, limits: GateLimits) -> None:
        self._source = source
        self._folder = source.path.parent
        self._cap = limits.max_file_bytes
        self._buffers: dict[int, bytes] = {}

    def _uri(self, uri: Any, where: str, types: frozenset[str]) -> tuple[bytes, str]:
        found = resolve_uri(uri, self._folder, where, media_types=types, max_bytes=self._cap)
        if isinstance(found, DataUri):
            return found.data, "data URI"
        return found.read(), f"file {found.path.name}"

    def buffer(self, index: int) -> bytes:
        if index not in self._buffers:
            entry = _list(self._source.document, "buffers")[index]
            uri = entry.get("uri") if isinstance(entry, dict) else None
            if uri is None:
                if index != 0 or self._source.glb_bin is None:
                    raise AssetRejected(
                        "BUFFER_MISSING_GLB_DATA", self._source.name, "the buffer has no data"
                    )
                self._buffers[index] = self._source.glb_bin
            else:
                where = f"/buffers/{index}/uri"
                self._buffers[index] = self._uri(uri, where, BUFFER_MEDIA_TYPES)[0]
        return self._buffers[index]

    def image(self, index: int) -> tuple[bytes, str]:
        """The image's bytes and where they come from."""
        document = self._source.document
        image = _list(document, "images")[index]
        uri = image.get("uri") if isinstance(image, dict) else None
        if uri is not None:
            return self._uri(uri, f"/images/{index}/uri", IMAGE_MEDIA_TYPES)
        views = _list(document, "bufferViews")
        view_index = _index(image, "bufferView", len(views))
        if view_index is None:
            raise AssetRejected("IMAGE_NO_DATA", self._source.name, "no uri and no bufferView")
        view = views[view_index]
        buffer = _index(view, "buffer", len(_list(document, "buffers")))
        offset = view.get("byteOffset", 0) if isinstance(view, dict) else 0
        length = view.get("byteLength") if isinstance(view, dict) else None
        if buffer is None or not isinstance(offset, int) or not isinstance(length, int):
            raise AssetRejected("IMAGE_NO_DATA", self._source.name, "the buffer view is unusable")
        data = self.buffer(buffer)
        if offset < 0 or length < 0 or offset + length > len(data):
            raise AssetRejected("IMAGE_NO_DATA", self._source.name, "the view leaves its buffer")
        return data[offset : offset + length], f"buffer view {view_index}"


def _image_summary(
    resources: _Bytes, document: dict[str, Any], index: int, used: bool
) -> ImageSummary:
    image = _list(document, "images")[index]
    declared = _text(image, "mimeType") or ""
    try:
        data, location = resources.image(index)
    except (AssetRejected, OSError) as exc:
        note = exc.code if isinstance(exc, AssetRejected) else "IO_ERROR"
        return ImageSummary(index, _name(image), declared, "", None, None, 0, None, "", used, note)
    header = read_image_header(data)
    if header is None:
        return ImageSummary(
            index,
            _name(image),
            declared,
            "",
            None,
            None,
            len(data),
            None,
            location,
            used,
            "the header is not a readable PNG, JPEG, WebP or KTX2 header",
        )
    note = ""
    if declared and declared != header.mime_type:
        note = f"declared {declared}, the bytes are {header.mime_type}"
    return ImageSummary(
        index,
        _name(image),
        header.mime_type,
        header.encoding,
        header.width,
        header.height,
        len(data),
        header.gpu_bytes,
        location,
        used,
        note,
    )


# -- metadata -----------------------------------------------------------------------------


def _metadata(document: dict[str, Any]) -> Metadata:
    asset = _dict(document, "asset")
    xmp = _dict(_dict(document, "extensions"), "KHR_xmp_json_ld")
    packets = tuple(_list(xmp, "packets"))
    links: list[tuple[str, int]] = []
    extras: list[tuple[str, Any]] = []
    owners: list[tuple[str, Any]] = [("/asset", asset)]
    for kind in ("scenes", "nodes", "meshes", "materials", "images", "animations"):
        owners += [(f"/{kind}/{i}", item) for i, item in enumerate(_list(document, kind))]
    for pointer, owner in owners:
        packet = _index(
            _dict(_dict(owner, "extensions"), "KHR_xmp_json_ld"), "packet", len(packets)
        )
        if packet is not None:
            links.append((pointer, packet))
        is_node = pointer.startswith(("/scenes/", "/nodes/"))
        if is_node and isinstance(owner, dict) and "extras" in owner:
            extras.append((pointer, owner["extras"]))
    return Metadata(
        version=_text(asset, "version"),
        min_version=_text(asset, "minVersion"),
        generator=_text(asset, "generator"),
        copyright=_text(asset, "copyright"),
        asset_extras=asset.get("extras"),
        xmp_packets=packets,
        xmp_links=tuple(links),
        extras=tuple(extras),
    )


# -- entry points -------------------------------------------------------------------------


def _strings(document: dict[str, Any], key: str) -> tuple[str, ...]:
    return tuple(e for e in _list(document, key) if isinstance(e, str))


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
    scenes = _scene_trees(document)
    meshopt = _meshopt_views(document)
    instances = _mesh_instances(scenes, len(_list(document, "meshes")))
    meshes = tuple(_mesh_summary(document, i, n, meshopt) for i, n in enumerate(instances))
    textures = tuple(_texture_summary(document, i) for i in range(len(_list(document, "textures"))))
    used = {t.image for t in textures if t.image is not None}
    resources = _Bytes(source, limits)
    images = tuple(
        _image_summary(resources, document, i, i in used)
        for i in range(len(_list(document, "images")))
    )
    buffers = _list(document, "buffers")
    lengths = [b.get("byteLength") if isinstance(b, dict) else None for b in buffers]
    buffer_bytes = sum(
        n for n in lengths if isinstance(n, int) and not isinstance(n, bool) and n > 0
    )
    draw_modes: dict[str, int] = {}
    for mesh in meshes:
        primitives = _list(_list(document, "meshes")[mesh.index], "primitives")
        for primitive in primitives:
            mode = PRIMITIVE_MODES[_mode(primitive)]
            draw_modes[mode] = draw_modes.get(mode, 0) + mesh.instances
    lights = _list(_dict(_dict(document, "extensions"), "KHR_lights_punctual"), "lights")
    counts = {
        key: len(_list(document, key))
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
            _material_summary(document, i) for i in range(len(_list(document, "materials")))
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
