"""What a moving camera's preview is drawn with: lighter meshes and a lighter shader.

A preview lasts a few frames and is seen in motion at half size, where a 50k-triangle relic,
a normal map and 2048² textures sampled without mipmaps cost most of a frame on llvmpipe
and show little.  So each heavy mesh gets
a simplified index list over its own vertices (meshoptimizer's collapse: every kept
vertex, with its normal, UVs and tangent, stays exact), made once when the model is
converted and kept in the cached ``.bam`` (:func:`attach_lighter_meshes`), and the shader
is compiled once more without normal mapping, and each texture over
:data:`PREVIEW_TEXTURE` texels a side gets a smaller, mipmapped copy (made once per
texture when the scene is set up).  All are swapped in for one preview render and swapped
back after it, so a view at rest is drawn from exactly the scene graph it always was.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from museion.runtime.scene_builder import triangle_indices, vertex_positions
from museion.runtime.settings import RuntimeSettings

__all__ = ["MOVING_NODE", "MovingDetail", "attach_lighter_meshes", "stored_lighter"]

logger = logging.getLogger(__name__)

MAX_ERROR = 0.01
"""The simplifier stops before its error estimate passes 1% of the mesh's extent."""
MOVING_NODE = "museion-moving"
"""The name (and tag) of the stashed node holding a GeomNode's lighter geoms."""
CROWD_WINDOW = 0.5
"""Seconds since its last preview that a view still counts as moving."""
COARSE_TRIANGLES = 10_000
"""A view whose previews fall behind its frame rate draws the rest of its movement with the
lighter meshes simplified once more, to about this many triangles for the whole scene: on
llvmpipe a triangle costs about as much as a pixel's shading when they are pixel-sized, and
the 1M twin's 50k-triangle preview drew ~1.7x slower than 10k at 640x360."""
PREVIEW_TEXTURE = 512
"""A preview samples textures of at most this many texels a side: the 1M twin's 2048²
textures, unmipmapped, made its 640x360 preview about 2x slower on llvmpipe than copies
this size (a relic fills a quarter of the preview: a 512² copy still has a texel or more
for each of its pixels)."""


@functools.cache
def _meshopt_simplify() -> Any:
    """meshoptimizer's ``meshopt_simplify``, declared here: the ``meshoptimizer`` package's
    wrapper passes ``target_error`` undeclared (ctypes then sends a double)."""
    from meshoptimizer import _loader  # type: ignore[import-untyped]

    function = ctypes.CDLL(_loader.find_library()).meshopt_simplify
    ptr, size = ctypes.c_void_p, ctypes.c_size_t
    function.argtypes = [ptr, ptr, size, ptr, size, size, size, ctypes.c_float, ctypes.c_uint, ptr]
    function.restype = size
    return function


def simplified(
    indices: npt.NDArray[np.uint32], positions: npt.NDArray[np.float32], ratio: float
) -> npt.NDArray[np.uint32]:
    """A triangle list of about ``ratio`` of ``indices``' triangles over the same vertices."""
    out = np.empty_like(indices)
    error = ctypes.c_float(0.0)
    target = int(len(indices) * ratio) // 3 * 3
    written = _meshopt_simplify()(
        out.ctypes.data, indices.ctypes.data, len(indices),
        positions.ctypes.data, len(positions), 12,
        target, MAX_ERROR, 0, ctypes.byref(error),
    )  # fmt: skip
    return out[:written].copy()


def _heavy_primitives(geom: Any, min_triangles: int) -> list[int]:
    """Indices of ``geom``'s triangle lists of at least ``min_triangles`` faces."""
    from panda3d.core import GeomEnums

    return [
        p
        for p in range(geom.get_num_primitives())
        if geom.get_primitive(p).get_primitive_type() == GeomEnums.PT_polygons
        and geom.get_primitive(p).get_num_faces() >= min_triangles
    ]


def _lighter_geom(geom: Any, ratio: float, min_triangles: int) -> Any:
    """A copy of ``geom`` whose large triangle lists keep about ``ratio`` of their
    triangles, or None if none is simplified."""
    from panda3d.core import Geom, GeomEnums, GeomTriangles

    heavy = _heavy_primitives(geom, min_triangles)
    positions = vertex_positions(geom.get_vertex_data()) if heavy else None
    if positions is None:
        return None
    lighter = None
    for p in heavy:
        indices = triangle_indices(geom.get_primitive(p).decompose()).astype(np.uint32)
        kept = simplified(indices, positions, ratio)
        if len(kept) == 0 or len(kept) > 0.9 * len(indices):
            continue
        triangles = GeomTriangles(Geom.UH_static)
        triangles.set_index_type(GeomEnums.NT_uint32)
        rows = triangles.modify_vertices()
        rows.unclean_set_num_rows(len(kept))
        memoryview(rows).cast("B")[:] = kept.tobytes()
        lighter = lighter or geom.make_copy()
        lighter.set_primitive(p, triangles)
    return lighter


def attach_lighter_meshes(model: Any, settings: RuntimeSettings) -> int:
    """Simplify ``model``'s heavy meshes once, at conversion (the worker), and keep the
    lighter copies in the model: a stashed :data:`MOVING_NODE` child of each GeomNode,
    its geoms tagged with the indices they stand for, written into the ``.bam`` with it
    (the vertices are shared, not copied), so that a server reads them instead of
    simplifying at every start.  The whole model keeps at most ``moving_max_triangles``
    of its heavy meshes' triangles (and at most ``moving_detail`` of each).  Returns the
    lighter meshes' triangle count."""
    from panda3d.core import GeomNode

    if settings.moving_detail >= 1.0:
        return 0
    nodes = model.find_all_matches("**/+GeomNode")
    total = 0
    for path in nodes:
        node = path.node()
        for i in range(node.get_num_geoms()):
            geom = node.get_geom(i)
            for p in _heavy_primitives(geom, settings.moving_min_triangles):
                total += geom.get_primitive(p).get_num_faces()
    if total == 0:
        return 0
    ratio = max(0.001, min(settings.moving_detail, settings.moving_max_triangles / total))
    kept = 0
    for path in nodes:
        node = path.node()
        holder = GeomNode(MOVING_NODE)
        stands_for = []
        for i in range(node.get_num_geoms()):
            lighter = _lighter_geom(node.get_geom(i), ratio, settings.moving_min_triangles)
            if lighter is not None:
                holder.add_geom(lighter)
                stands_for.append(str(i))
                kept += _faces(lighter)
        if stands_for:
            holder.set_tag(MOVING_NODE, " ".join(stands_for))
            path.attach_new_node(holder).stash()
    logger.info("lighter meshes: %d of %d triangles (ratio %.3f)", kept, total, ratio)
    return kept


def stored_lighter(path: Any) -> dict[int, Any]:
    """The lighter geoms :func:`attach_lighter_meshes` kept under GeomNode ``path``."""
    for child in path.get_stashed_children():
        if child.get_name() == MOVING_NODE and child.has_tag(MOVING_NODE):
            holder = child.node()
            indices = [int(i) for i in child.get_tag(MOVING_NODE).split()]
            return {i: holder.modify_geom(n) for n, i in enumerate(indices)}
    return {}


class MovingDetail:
    """The lighter meshes (and shader) of a scene, swapped in for one render at a time, and
    how many views are moving at once.

    ``shaders`` is the scene root's (at rest, moving) pair, or None to keep the shader.
    Meshes are simplified once per node, however many times a model is instanced.
    """

    def __init__(
        self, root: Any, settings: RuntimeSettings, shaders: tuple[Any, Any] | None
    ) -> None:
        self._root = root
        self._shaders = shaders
        self._swaps: list[tuple[Any, int, Any, Any]] = []  # (node, index, whole, lighter)
        self._coarse: list[Any] = []  # each swap's coarser lighter geom
        self._states: list[tuple[Any, int, Any, Any]] = []  # the same, of geom states
        self._crowd = settings.crowd_size
        self._moved: dict[int, float] = {}  # id of a view -> when it last drew a preview
        self.triangles = (0, 0)
        """Triangles of the swapped meshes, whole and lighter (for tests and logs)."""
        self.coarse_triangles = 0
        """Triangles of the coarser meshes drawn by a view whose previews fall behind."""
        if settings.moving_detail < 1.0:
            self._collect()
        self._collect_textures()

    def _collect(self) -> None:
        seen: set[int] = set()
        whole_count = light_count = 0
        for path in self._root.find_all_matches("**/+GeomNode"):
            if path.get_key() in seen:
                continue
            seen.add(path.get_key())
            node = path.node()
            for i, lighter in stored_lighter(path).items():
                # The node holds a copy of its own (the same vertices and triangles) so that
                # both can be set back and forth.
                whole = node.get_geom(i).make_copy()
                node.set_geom(i, whole)
                self._swaps.append((node, i, whole, lighter))
                whole_count += _faces(whole)
                light_count += _faces(lighter)
        self.triangles = (whole_count, light_count)
        self._coarse = [lighter for _, _, _, lighter in self._swaps]
        self.coarse_triangles = light_count
        if light_count > COARSE_TRIANGLES:
            # Simplified at set-up from the few lighter triangles (~10 ms for 50k).
            ratio = COARSE_TRIANGLES / light_count
            self._coarse = [_lighter_geom(g, ratio, 1) or g for g in self._coarse]
            self.coarse_triangles = sum(_faces(g) for g in self._coarse)
        if self._swaps:
            logger.info(
                "moving previews draw %d meshes with %d of their %d triangles",
                len(self._swaps),
                light_count,
                whole_count,
            )

    def _collect_textures(self) -> None:
        """A preview state for each geom that samples a texture over PREVIEW_TEXTURE."""
        from panda3d.core import TextureAttrib

        started = time.perf_counter()
        smaller: dict[int, Any] = {}  # a texture's id -> its preview copy (or itself)
        seen: set[int] = set()
        for path in self._root.find_all_matches("**/+GeomNode"):
            if path.get_key() in seen:
                continue
            seen.add(path.get_key())
            node = path.node()
            for i in range(node.get_num_geoms()):
                state = node.get_geom_state(i)
                attrib = state.get_attrib(TextureAttrib)
                if attrib is None:
                    continue
                lighter = attrib
                for n in range(attrib.get_num_on_stages()):
                    stage = attrib.get_on_stage(n)
                    texture = attrib.get_on_texture(stage)
                    key = id(texture)
                    if key not in smaller:
                        smaller[key] = _preview_texture(texture)
                    if smaller[key] is not texture:
                        lighter = lighter.add_on_stage(stage, smaller[key])
                if lighter is not attrib:
                    self._states.append((node, i, state, state.set_attrib(lighter)))
        if self._states:
            logger.info(
                "moving previews sample %d textures at most %d² (made in %.2f s)",
                sum(1 for key, t in smaller.items() if id(t) != key),
                PREVIEW_TEXTURE,
                time.perf_counter() - started,
            )

    def crowded(self, view: object, now: float) -> bool:
        """Note that ``view`` draws a preview at ``now``; True when ``crowd_size`` views (it
        among them) drew one within :data:`CROWD_WINDOW` seconds: then previews are drawn
        smaller, so that a crowd moving at once keeps its frame rate."""
        self._moved[id(view)] = now
        self._moved = {key: t for key, t in self._moved.items() if now - t < CROWD_WINDOW}
        return len(self._moved) >= self._crowd

    def forget(self, view: object) -> None:
        """``view`` left (its visitor closed it): it no longer counts as moving."""
        self._moved.pop(id(view), None)

    @contextlib.contextmanager
    def drawn(self, coarse: bool = False) -> Iterator[None]:
        """Within the block the scene is the moving preview's (``coarse``: with the coarser
        meshes); call on the render thread."""
        for (node, i, _, lighter), coarser in zip(self._swaps, self._coarse, strict=True):
            node.set_geom(i, coarser if coarse else lighter)
        for node, i, _, lighter in self._states:
            node.set_geom_state(i, lighter)
        if self._shaders is not None:
            self._root.set_shader(self._shaders[1])
        try:
            yield
        finally:
            for node, i, whole, _ in self._swaps:
                node.set_geom(i, whole)
            for node, i, whole, _ in self._states:
                node.set_geom_state(i, whole)
            if self._shaders is not None:
                self._root.set_shader(self._shaders[0])


def _faces(geom: Any) -> int:
    return sum(geom.get_primitive(p).get_num_faces() for p in range(geom.get_num_primitives()))


def _preview_texture(texture: Any) -> Any:
    """A copy of ``texture`` at most :data:`PREVIEW_TEXTURE` a side, mipmapped, or
    ``texture`` itself when it is small enough or not a plain 2D image in RAM (then the
    preview samples it as the view at rest does).  Panda3D's own mipmap filter makes the
    copy (sRGB-aware; ~15 ms for 2048²), from a scratch copy: the original keeps no
    mipmaps in RAM."""
    from panda3d.core import SamplerState, Texture

    width, height = texture.get_x_size(), texture.get_y_size()
    level = 0
    while max(width, height) >> level > PREVIEW_TEXTURE:
        level += 1
    plain = (
        texture.get_texture_type() == Texture.TT_2d_texture
        and texture.get_ram_image_compression() == Texture.CM_off
        and texture.has_ram_image()
    )
    if level == 0 or not plain:
        return texture
    scratch = texture.make_copy()
    scratch.generate_ram_mipmap_images()
    if scratch.get_num_ram_mipmap_images() <= level:
        return texture
    copy = Texture(f"{texture.get_name()}-preview")
    copy.setup_2d_texture(
        max(1, width >> level),
        max(1, height >> level),
        texture.get_component_type(),
        texture.get_format(),
    )
    copy.set_ram_image(scratch.get_ram_mipmap_image(level))
    for n in range(level + 1, scratch.get_num_ram_mipmap_images()):
        copy.set_ram_mipmap_image(n - level, scratch.get_ram_mipmap_image(n))
    copy.set_default_sampler(texture.get_default_sampler())
    copy.set_minfilter(SamplerState.FT_linear_mipmap_linear)
    return copy
