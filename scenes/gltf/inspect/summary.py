"""The summary ``museion inspect`` prints, as frozen data: scene trees, meshes,
materials, textures, images, metadata and the totals over them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from museion.scenes.gltf.report import GltfReport

__all__ = [
    "GltfSummary",
    "ImageSummary",
    "Inspection",
    "MaterialSummary",
    "MeshSummary",
    "Metadata",
    "NodeLine",
    "SceneTree",
    "TextureSlot",
    "TextureSummary",
]


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
