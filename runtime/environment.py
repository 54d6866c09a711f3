"""A venue's image-based light, computed once at load: the venue seen from its centre.

Six 64² renders from the venue's centre at eye height (exhibits hidden, the lean shader
without IBL) are resampled into a cube map; numpy then makes from it the diffuse light as
L2 spherical harmonics (nine RGB coefficients, irradiance over pi) and the specular light
as a prefiltered cube map whose mip levels hold ever rougher reflections (32² at roughness
0 down to 4² at roughness 1).  A cube map rather than an equirectangular texture: the
shader then looks it up with the reflected direction as it is (one ``textureLod``), where
an equirectangular map costs an ``atan`` and an ``acos`` per pixel, dear on llvmpipe.  A
venue without geometry gets a sky-to-ground gradient of the hemisphere ambient's colours.

The result is kept as a small ``.npz`` per venue content (the model cache's key) and
capture parameters beside the model cache, so a second start reads it back.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from museion.runtime.settings import RuntimeSettings

__all__ = ["Environment", "cube_directions", "environment_for", "prefilter", "sh9"]

logger = logging.getLogger(__name__)

Array = npt.NDArray[np.float32]

CAPTURE_PIXELS = 64
"""Each of the six captured views' side."""
BASE_PIXELS = 32
"""The prefiltered map's sharpest level's side; the levels halve down to 1²."""
ROUGH_LEVELS = 4
"""Mip levels 0 to 3 (32² to 4²) hold roughness 0, 1/3, 2/3 and 1."""
EYE_HEIGHT = 1.6
_FORMAT = "museion-environment-3"
Vec = tuple[int, int, int]
# (forward, up) of the six capture cameras, Panda3D's world axes (Z up).
_CAPTURE_AXES = (
    ((1, 0, 0), (0, 0, 1)),
    ((-1, 0, 0), (0, 0, 1)),
    ((0, 1, 0), (0, 0, 1)),
    ((0, -1, 0), (0, 0, 1)),
    ((0, 0, 1), (0, -1, 0)),
    ((0, 0, -1), (0, 1, 0)),
)


def cube_directions(size: int) -> tuple[Array, Array]:
    """Unit directions ``(6, size, size, 3)`` of a cube map's texel centres, in OpenGL's
    face order and texel layout (row ``t``, column ``s``, t = 0 first, as Panda3D uploads
    RAM rows), and each texel's solid angle ``(6, size, size)``."""
    c = (np.arange(size, dtype=np.float32) + 0.5) / size * 2.0 - 1.0
    v, u = np.meshgrid(c, c, indexing="ij")  # v: t (rows), u: s (columns)
    one = np.ones_like(u)
    faces = [
        (one, -v, -u),  # +X
        (-one, -v, u),  # -X
        (u, one, v),  # +Y
        (u, -one, -v),  # -Y
        (u, -v, one),  # +Z
        (-u, -v, -one),  # -Z
    ]
    d = np.stack([np.stack(f, axis=-1) for f in faces]).astype(np.float32)
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    solid = (2.0 / size) ** 2 / (1.0 + u * u + v * v) ** 1.5
    return d, np.broadcast_to(solid, (6, size, size)).astype(np.float32)


def _sh_basis(d: Array) -> Array:
    x, y, z = d[..., 0], d[..., 1], d[..., 2]
    return np.stack(
        [
            0.282095 * np.ones_like(x),
            0.488603 * y,
            0.488603 * z,
            0.488603 * x,
            1.092548 * x * y,
            1.092548 * y * z,
            0.315392 * (3.0 * z * z - 1.0),
            1.092548 * x * z,
            0.546274 * (x * x - y * y),
        ],
        axis=-1,
    )


_BASIS_CONSTANTS = np.array(
    [0.282095, 0.488603, 0.488603, 0.488603, 1.092548, 1.092548, 0.315392, 1.092548, 0.546274],
    dtype=np.float32,
)
_BAND = np.array([1.0] + [2.0 / 3.0] * 3 + [0.25] * 5, dtype=np.float32)
"""Ramamoorthi and Hanrahan's cosine-lobe factors over pi, per coefficient."""


def sh9(cube: Array) -> Array:
    """Nine RGB coefficients ``(9, 3)`` whose sum with the SH basis at a normal is the
    irradiance there over pi: what a white Lambertian surface reflects (a constant cube
    of colour C gives C everywhere)."""
    size = cube.shape[1]
    d, solid = cube_directions(size)
    basis = _sh_basis(d) * solid[..., None]  # (6, s, s, 9)
    coefficients: Array = np.einsum("fijk,fijc->kc", basis, cube.astype(np.float32))
    result: Array = (coefficients * _BAND[:, None]).astype(np.float32)
    return result


def prefilter(cube: Array) -> list[Array]:
    """The mip chain of ``cube`` (``(6, n, n, 3)``, n a power of two): level i <
    :data:`ROUGH_LEVELS` holds the environment blurred by a lobe of roughness
    i / (ROUGH_LEVELS - 1) (GGX's alpha as a Phong exponent 2 / alpha² - 2, weighted by
    solid angle, gathered from ``cube`` at half size), level 0 being ``cube``; the smaller
    levels, which OpenGL wants for a complete texture but the shader never reads, are
    box-filtered.  (At 2² and 1² a
    bilinear lookup blends whole faces: a floor would reflect itself.)"""
    size = cube.shape[1]
    levels = int(math.log2(size)) + 1
    # The blurred levels gather from the cube at half size: a quarter of the work (the
    # sharpest blur, 16², spans several of its texels).
    half = max(size // 2, 1)
    source = cube.reshape(6, half, size // half, half, size // half, 3).mean(axis=(2, 4))
    source_d, solid = cube_directions(half)
    src = source_d.reshape(-1, 3)
    weights = solid.reshape(-1)
    colours = source.reshape(-1, 3).astype(np.float32)
    chain = [cube.astype(np.float32)]
    for level in range(1, levels):
        n = size >> level
        if level >= ROUGH_LEVELS:
            previous = chain[-1]
            chain.append(previous.reshape(6, n, 2, n, 2, 3).mean(axis=(2, 4)).astype(np.float32))
            continue
        alpha = (level / (ROUGH_LEVELS - 1)) ** 2
        exponent = max(2.0 / (alpha * alpha) - 2.0, 0.0)
        d, _ = cube_directions(n)
        cos = np.clip(d.reshape(-1, 3) @ src.T, 0.0, None)
        if exponent > 0:
            # Under 1e-4 of the peak is nothing; left in, its powers go denormal, and
            # those cost the CPU a hundred times an ordinary multiply.
            cos[cos < 1e-4 ** (1.0 / exponent)] = 0.0
            lobe = np.power(cos, exponent, dtype=np.float32)
        else:
            lobe = (cos > 0).astype(np.float32)
        lobe = lobe * weights[None, :]
        blurred = (lobe @ colours) / np.maximum(lobe.sum(axis=1, keepdims=True), 1e-8)
        chain.append(blurred.reshape(6, n, n, 3).astype(np.float32))
    return chain


def gradient(sky: tuple[float, ...], ground: tuple[float, ...], size: int) -> Array:
    """A cube map from ``ground`` straight down to ``sky`` straight up (linear RGB)."""
    d, _ = cube_directions(size)
    up = d[..., 2:3] * 0.5 + 0.5
    cube = np.asarray(ground, np.float32) * (1 - up) + np.asarray(sky, np.float32) * up
    return cube.astype(np.float32)


@dataclass(frozen=True)
class Environment:
    """A venue's image-based light: :func:`sh9` coefficients and the :func:`prefilter`
    chain, linear RGB in the shader's units."""

    sh: Array
    chain: tuple[Array, ...]

    def texture(self) -> Any:
        """The chain as one mipmapped Panda3D cube map (8-bit sRGB: the GPU decodes it)."""
        from panda3d.core import SamplerState, Texture

        size = self.chain[0].shape[1]
        tex = Texture("museion-environment")
        tex.setup_cube_map(size, Texture.T_unsigned_byte, Texture.F_srgb)
        for level, cube in enumerate(self.chain):
            clipped = np.clip(cube, 0.0, 1.0)
            curve = 1.055 * np.power(clipped, 1 / 2.4) - 0.055
            encoded = np.where(clipped <= 0.0031308, clipped * 12.92, curve)
            data = np.clip(np.round(encoded * 255), 0, 255).astype(np.uint8)[..., ::-1]  # BGR
            image = tex.make_ram_mipmap_image(level)
            memoryview(image)[:] = np.ascontiguousarray(data).reshape(-1).tobytes()
        # One level per sample (the nearest to the roughness's): llvmpipe's trilinear
        # blend of two cost IBL a fifth of its frame; four levels of blur are enough.
        tex.set_minfilter(SamplerState.FT_linear_mipmap_nearest)
        tex.set_magfilter(SamplerState.FT_linear)
        tex.set_wrap_u(SamplerState.WM_clamp)
        tex.set_wrap_v(SamplerState.WM_clamp)
        return tex

    def bind(self, root: Any) -> None:
        """Give ``root``'s lean shader (compiled with ``IBL``) this light."""
        from panda3d.core import LVecBase3f, PTA_LVecBase3f

        sh = PTA_LVecBase3f.empty_array(9)
        folded = self.sh * _BASIS_CONSTANTS[:, None]  # the shader sums bare polynomials
        for i in range(9):
            sh[i] = LVecBase3f(*(float(c) for c in folded[i]))
        root.set_shader_input("environment_sh", sh)
        root.set_shader_input("environment_map", self.texture())
        root.set_shader_input("environment_lod", float(ROUGH_LEVELS - 1))

    def save(self, path: Path) -> None:
        """Write atomically (a temp file renamed), so a reader never sees half of it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                arrays: dict[str, Any] = {f"level{i}": c for i, c in enumerate(self.chain)}
                np.savez(handle, sh=self.sh, **arrays)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> Environment:
        with np.load(path) as data:
            count = sum(1 for k in data.files if k.startswith("level"))
            return cls(data["sh"], tuple(data[f"level{i}"] for i in range(count)))

    @classmethod
    def from_cube(cls, cube: Array) -> Environment:
        return cls(sh9(cube), tuple(prefilter(cube)))


def _resample(images: list[Array], size: int) -> Array:
    """The six captures (top row first, 90° square views along :data:`_CAPTURE_AXES`)
    as an OpenGL-layout cube map of ``size``: each texel takes the capture it faces most."""
    d, _ = cube_directions(size)
    flat = d.reshape(-1, 3)
    forwards = np.array([f for f, _ in _CAPTURE_AXES], np.float32)
    ups = np.array([u for _, u in _CAPTURE_AXES], np.float32)
    rights = np.cross(forwards, ups)
    best = np.argmax(flat @ forwards.T, axis=1)
    out = np.empty_like(flat)
    pixels = images[0].shape[0]
    for face in range(6):
        pick = best == face
        dd = flat[pick]
        depth = dd @ forwards[face]
        x = (dd @ rights[face]) / depth
        y = (dd @ ups[face]) / depth
        col = np.clip(((x + 1) / 2 * pixels).astype(int), 0, pixels - 1)
        row = np.clip(((1 - y) / 2 * pixels).astype(int), 0, pixels - 1)
        out[pick] = images[face][row, col]
    return out.reshape(6, size, size, 3)


def _to_linear(frame: npt.NDArray[np.uint8], exposure: float) -> Array:
    """A captured display image back to linear light (the tone map's curve taken as
    gamma 2.2: close enough for light that is blurred anyway)."""
    linear: Array = np.power(frame.astype(np.float32) / 255.0, 2.2) / max(exposure, 1e-3)
    return linear.astype(np.float32)


def _sky(forward: Vec, up: Vec, pixels: int, settings: RuntimeSettings) -> Array:
    """What a capture along ``forward`` sees where the venue has no geometry: the
    hemisphere ambient's gradient from ground to sky, top row first."""
    c = (np.arange(pixels, dtype=np.float32) + 0.5) / pixels * 2.0 - 1.0
    y, x = np.meshgrid(-c, c, indexing="ij")
    f, u = np.asarray(forward, np.float32), np.asarray(up, np.float32)
    d = f + x[..., None] * np.cross(f, u) + y[..., None] * u
    rise = d[..., 2:3] / np.linalg.norm(d, axis=-1, keepdims=True) * 0.5 + 0.5
    sky = np.asarray(settings.sky_color, np.float32)
    ground = np.asarray(settings.ground_color, np.float32)
    result: Array = (ground * (1 - rise) + sky * rise).astype(np.float32)
    return result


def capture(engine: Any, venue: Any, hidden: list[Any]) -> Array | None:
    """The venue around its centre at eye height as a linear cube map, rendered with the
    root's current shader (where it sees no geometry: the hemisphere ambient's colours);
    None when it has no geometry at all.  Render thread only."""
    from panda3d.core import (
        Camera,
        FrameBufferProperties,
        GraphicsOutput,
        GraphicsPipe,
        LColor,
        PerspectiveLens,
        Point3,
        Texture,
        Vec3,
        WindowProperties,
    )

    bounds = venue.get_tight_bounds(engine.root)
    if not bounds:
        return None
    low, high = bounds
    # Eye height, or half-way up a venue lower than twice that (a showcase's plinth).
    # Eye height above the floor; above the top of a venue lower than that (a bare floor,
    # a plinth), which would otherwise hide the camera inside it.
    floor = low.z if high.z - low.z > EYE_HEIGHT * 1.25 else high.z
    centre = Point3((low.x + high.x) / 2, (low.y + high.y) / 2, floor + EYE_HEIGHT)
    props = FrameBufferProperties()
    props.set_rgba_bits(8, 8, 8, 0)
    props.set_depth_bits(24)
    n = CAPTURE_PIXELS
    buffer = engine.graphics_engine.make_output(
        engine.pipe,
        "museion-environment",
        0,
        props,
        WindowProperties.size(n, n),
        GraphicsPipe.BF_refuse_window,
        engine.gsg,
    )
    if buffer is None:
        logger.warning("no buffer to capture the venue's environment: a gradient instead")
        return None
    lens = PerspectiveLens()
    lens.set_fov(90, 90)
    lens.set_near_far(0.05, 500.0)
    camera = engine.root.attach_new_node(Camera("museion-environment"))
    camera.node().set_lens(lens)
    texture = Texture("museion-environment")
    buffer.add_render_texture(texture, GraphicsOutput.RTM_copy_ram)
    depth = Texture("museion-environment-depth")
    depth.set_format(Texture.F_depth_component32)
    depth.set_component_type(Texture.T_float)
    buffer.add_render_texture(depth, GraphicsOutput.RTM_copy_ram, GraphicsOutput.RTP_depth)
    red, green, blue = engine.settings.background
    buffer.set_clear_color(LColor(blue, green, red, 1.0))  # the shader writes B, G, R
    buffer.make_display_region().set_camera(camera)
    budget = engine.lights
    if budget is not None:
        budget.apply(budget.choose((centre.x, centre.y, centre.z)))
    for node in hidden:
        node.hide()
    images = []
    try:
        camera.set_pos(centre)
        for forward, up in _CAPTURE_AXES:
            camera.look_at(centre + Vec3(*forward), Vec3(*up))
            engine.graphics_engine.render_frame()
            raw = np.frombuffer(texture.get_ram_image(), np.uint8).reshape(n, n, 3)[::-1]
            image = _to_linear(raw, engine.settings.exposure)
            far = np.frombuffer(depth.get_ram_image(), np.float32).reshape(n, n)[::-1] >= 1.0
            sky = _sky(forward, up, n, engine.settings)
            images.append(np.where(far[..., None], sky, image).astype(np.float32))
    finally:
        for node in hidden:
            node.show()
        engine.graphics_engine.remove_window(buffer)
        camera.remove_node()
    return _resample(images, BASE_PIXELS)


def _cache_path(settings: RuntimeSettings, venue_key: str) -> Path:
    s = settings
    digest = hashlib.sha256(
        repr(
            (
                _FORMAT,
                venue_key,
                CAPTURE_PIXELS,
                BASE_PIXELS,
                s.sky_color,
                s.ground_color,
                s.background,
                s.exposure,
                s.key_light_intensity,
                s.max_lights,
            )
        ).encode()
    ).hexdigest()
    return s.model_cache_dir.parent / "environments" / f"{digest}.npz"


def environment_for(
    engine: Any, venue: Any, hidden: list[Any], venue_key: str | None, lights_key: str
) -> Environment:
    """The venue's environment: from the cache when this venue (``venue_key``: its
    content's key; None: do not cache) and lighting (``lights_key``) made it before, else
    captured, computed and kept.  Render thread only."""
    path = None
    if venue_key is not None:
        path = _cache_path(engine.settings, f"{venue_key}:{lights_key}")
        if path.exists():
            try:
                found = Environment.load(path)
                logger.info("venue environment read from %s", path)
                return found
            except (OSError, ValueError, KeyError) as exc:
                logger.warning("venue environment cache %s unreadable (%s): recomputed", path, exc)
    cube = capture(engine, venue, hidden)
    if cube is None:
        s = engine.settings
        cube = gradient(s.sky_color, s.ground_color, BASE_PIXELS)
    environment = Environment.from_cube(cube)
    if path is not None:
        try:
            environment.save(path)
        except OSError as exc:
            logger.warning("venue environment not cached (%s)", exc)
    return environment
