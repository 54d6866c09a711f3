"""Pictures of one model: a thumbnail and a turntable, rendered by the engine offscreen.

The model is shown by a :class:`RenderEngine` (the same loader, worker process, shader and
lighting a visitor sees) on an empty stage: a showcase whose venue is an empty glTF, so the
background is the plain clear colour.  The model is scaled to one metre and centred, which
keeps any model (a coin in millimetres, a building in centimetres) inside the views' fixed
near and far planes; the camera then looks from the engine's three-quarter home angles at
a distance that fits the model's bounding box to the frame.

A turntable turns the model under a fixed camera and key light, as a real turntable does,
one full turn over the frames (the last frame stops one step short of the first, so the
video loops without a repeated frame).

:meth:`ModelPreview.picture` takes a camera in the model's own coordinates (a glTF
viewer's orbit: glTF units, Y up), so a picture can be set beside another viewer's at
the same camera; :meth:`ModelPreview.freeze` holds the model's animations at its rest
pose or at a chosen moment, so every run draws the same pose.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from museion.runtime.camera import ViewState, look_at_basis
from museion.runtime.engine import RenderEngine
from museion.runtime.errors import RenderError
from museion.runtime.frame_source import Frame
from museion.runtime.settings import RuntimeSettings
from museion.scenes.gltf.gate import CheckedGltf, check_gltf
from museion.scenes.showcase import Showcase

__all__ = [
    "MAX_SIZE",
    "ModelPreview",
    "PreviewOptions",
    "render_thumbnail",
    "render_turntable",
]

logger = logging.getLogger(__name__)

Vec3 = tuple[float, float, float]
MAX_SIZE = (3840, 2160)
"""The largest picture; a render view can be at most 7680x4320 (supersampling included)."""
_MAX_VIEW = (7680, 4320)
_MIN_SIDE = 16
_STAGE = "museion-empty-stage.gltf"
_STAGE_DOCUMENT = {
    "asset": {"version": "2.0"},
    "scene": 0,
    "scenes": [{"nodes": [0]}],
    "nodes": [{"name": "stage"}],
}
_TURN_SAMPLES = 36  # angles at which a turning model's box is fitted to the frame
_RELIC = "relic"  # the model's exhibit key on the empty stage


@dataclass(frozen=True)
class PreviewOptions:
    """How a model is photographed.

    ``yaw`` and ``pitch`` default (``None``) to the engine's home view, the three-quarter
    view from the model's front right a visitor first sees.  ``fill`` is how much of the
    frame's half-width and half-height the model's box may reach.  ``supersample`` renders
    that many times larger and averages down (the engine renders without MSAA).
    """

    yaw: float | None = None
    pitch: float | None = None
    fov: float = 35.0
    fill: float = 0.88
    supersample: int = 2
    background: tuple[float, float, float] = (0.16, 0.16, 0.16)

    def __post_init__(self) -> None:
        if not 5.0 <= self.fov <= 120.0:
            raise ValueError("fov must lie in [5, 120] degrees")
        if not 0.1 <= self.fill <= 1.0:
            raise ValueError("fill must lie in [0.1, 1]")
        if not 1 <= self.supersample <= 4:
            raise ValueError("supersample must lie in [1, 4]")


def _check_size(size: Sequence[int]) -> tuple[int, int]:
    """``(width, height)``, or a clear error before Panda3D is asked for a buffer."""
    width, height = size
    if not (_MIN_SIDE <= width <= MAX_SIZE[0] and _MIN_SIDE <= height <= MAX_SIZE[1]):
        raise RenderError(
            f"{width}x{height} is not a picture size Museion renders "
            f"(from {_MIN_SIDE}x{_MIN_SIDE} to {MAX_SIZE[0]}x{MAX_SIZE[1]})",
            code="BAD_SIZE",
        )
    return width, height


def _open_engine(model: CheckedGltf, settings: RuntimeSettings) -> RenderEngine:
    """An engine showing ``model`` alone; raises the load error if the model failed."""
    with tempfile.TemporaryDirectory(prefix="museion-preview-") as folder:
        (Path(folder) / _STAGE).write_text(json.dumps(_STAGE_DOCUMENT))
        stage = check_gltf(Path(folder), _STAGE)
        engine = RenderEngine(Showcase(venue=stage, relic=model), settings)
    if engine.load_errors:
        engine.close()
        raise engine.load_errors[0]
    return engine


def _box_corners(low: Vec3, high: Vec3) -> list[Vec3]:
    return [
        (x, y, z) for x in (low[0], high[0]) for y in (low[1], high[1]) for z in (low[2], high[2])
    ]


def _fit_distance(
    points: Sequence[Vec3], yaw: float, pitch: float, fov: float, aspect: float, fill: float
) -> float:
    """The orbit distance at which every point (scene coordinates, around the origin)
    lies within ``fill`` of the frame, seen from ``yaw``/``pitch``."""
    right, up, forward = look_at_basis(ViewState(target=(0.0, 0.0, 0.0), yaw=yaw, pitch=pitch))
    tan_v = math.tan(math.radians(fov) / 2) * fill
    tan_h = tan_v * aspect
    distance = 0.0
    for point in points:
        x = sum(p * r for p, r in zip(point, right, strict=True))
        y = sum(p * u for p, u in zip(point, up, strict=True))
        z = sum(p * f for p, f in zip(point, forward, strict=True))
        distance = max(distance, abs(x) / tan_h - z, abs(y) / tan_v - z)
    return distance


class ModelPreview:
    """One model on the empty stage; take thumbnails and turntables, then :meth:`close`.

    Raises :class:`~museion.runtime.errors.AssetLoadFailed` when the model cannot be
    loaded and :class:`RenderError` (``NOTHING_TO_RENDER``) when it shows no geometry.
    """

    _pivot: Any  # the Panda3D node the model turns on

    def __init__(
        self,
        model: CheckedGltf,
        options: PreviewOptions | None = None,
        settings: RuntimeSettings | None = None,
    ) -> None:
        self.options = options or PreviewOptions()
        settings = dataclasses.replace(
            settings or RuntimeSettings(), background=self.options.background
        )
        self.model = model
        self._scale = 1.0
        self._offset: Vec3 = (0.0, 0.0, 0.0)
        self._engine = _open_engine(model, settings)
        try:
            self._box = self._engine.executor.submit(self._stage).result()
        except BaseException:
            self._engine.close()
            raise
        home = self._engine.home
        self.yaw = home.yaw if self.options.yaw is None else self.options.yaw
        self.pitch = home.pitch if self.options.pitch is None else self.options.pitch

    def _stage(self) -> tuple[Vec3, Vec3]:
        """Scale the model to 1 m, centre it on a pivot at the origin (render thread);
        its box in scene coordinates (Y up)."""
        engine = self._engine
        holder = engine.exhibit_nodes[_RELIC]
        bounds = holder.get_tight_bounds(engine.root)
        if not bounds:
            raise RenderError(
                f"{self.model.name} has no visible geometry to render", code="NOTHING_TO_RENDER"
            )
        low, high = bounds
        size = max(high.x - low.x, high.y - low.y, high.z - low.z)
        if not (math.isfinite(size) and size > 0):
            raise RenderError(
                f"{self.model.name} has no visible geometry to render", code="NOTHING_TO_RENDER"
            )
        centre = (low + high) / 2
        scale = 1.0 / size
        self._pivot = engine.root.attach_new_node("museion-preview-pivot")
        holder.reparent_to(self._pivot)
        holder.set_scale(scale)
        holder.set_pos(-centre * scale)
        self._scale = scale
        self._offset = (-centre.x * scale, -centre.z * scale, centre.y * scale)
        half = (high - low) * (scale / 2)
        # Panda3D is Z up, scenes are Y up: (x, y, z) -> (x, z, -y).
        return (-half.x, -half.z, -half.y), (half.x, half.z, half.y)

    def _turn(self, degrees: float) -> None:
        self._engine.executor.submit(self._pivot.set_h, degrees).result()

    def _state(self, width: int, height: int, points: Sequence[Vec3]) -> ViewState:
        o = self.options
        distance = _fit_distance(points, self.yaw, self.pitch, o.fov, width / height, o.fill)
        return ViewState(
            target=(0.0, 0.0, 0.0),
            yaw=self.yaw,
            pitch=self.pitch,
            distance=max(distance, 0.6),
            fov=o.fov,
        )

    def _render(self, state: ViewState, width: int, height: int) -> Frame:
        k = min(self.options.supersample, _MAX_VIEW[0] // width, _MAX_VIEW[1] // height)
        source = self._engine.open_view(width * k, height * k, preview=False)
        try:
            image = source.frame(state)  # a fresh source always renders
        finally:
            source.close()
        if k == 1:
            return image
        mean = image.reshape(height, k, width, k, 3).mean(axis=(1, 3), dtype=np.float32)
        small: Frame = np.rint(mean).astype(np.uint8)
        return small

    def thumbnail(self, size: Sequence[int] = (512, 512)) -> Frame:
        """The model from the three-quarter view, as an ``(H, W, 3)`` uint8 RGB image."""
        width, height = _check_size(size)
        self._turn(0.0)
        state = self._state(width, height, _box_corners(*self._box))
        return self._render(state, width, height)

    def turntable(self, size: Sequence[int], frames: int) -> Iterator[Frame]:
        """``frames`` images of one full turn of the model, framed so it never leaves
        the picture."""
        width, height = _check_size(size)
        if not 1 <= frames <= 100_000:
            raise RenderError(f"{frames} frames is not a turntable length", code="BAD_FRAMES")
        corners = _box_corners(*self._box)
        swept = []
        for step in range(_TURN_SAMPLES):
            angle = 2 * math.pi * step / _TURN_SAMPLES
            c, s = math.cos(angle), math.sin(angle)
            swept += [(x * c + z * s, y, -x * s + z * c) for x, y, z in corners]
        state = self._state(width, height, swept)
        try:
            for index in range(frames):
                self._turn(360.0 * index / frames)
                yield self._render(state, width, height)
        finally:
            self._turn(0.0)

    def picture(self, view: ViewState, size: Sequence[int] = (512, 512)) -> Frame:
        """The model seen from ``view``, given in the model's own coordinates (glTF
        units, Y up: ``target`` and ``distance`` before the preview scales and centres
        the model), as an ``(H, W, 3)`` uint8 RGB image; the fov is ``view``'s."""
        width, height = _check_size(size)
        self._turn(0.0)
        x, y, z = (t * self._scale + o for t, o in zip(view.target, self._offset, strict=True))
        placed = dataclasses.replace(view, target=(x, y, z), distance=view.distance * self._scale)
        return self._render(placed, width, height)

    def freeze(self, at: float | None = None, animation: str | None = None) -> None:
        """Hold the model still for every picture after: at its rest pose (``at`` None,
        the pose its file gives before any animation) or ``at`` seconds into
        ``animation`` (its first when None).  A model without animations is unchanged.

        Raises :class:`RenderError` ``NO_SUCH_ANIMATION`` for an animation it lacks, and
        ``BAD_ANIMATION_TIME`` for a negative or non-finite ``at``.
        """
        if at is not None and not (math.isfinite(at) and at >= 0):
            raise RenderError(
                "an animation is frozen at a time of 0 s or more", code="BAD_ANIMATION_TIME"
            )
        self._engine.executor.submit(self._hold, at, animation).result()

    def _hold(self, at: float | None, animation: str | None) -> None:
        """(Render thread.)  The animator's clock stands still for this preview, so a
        frozen model never moves again; a chosen moment is played from 0 on it."""
        animator = self._engine.animator
        if not animator.animations(_RELIC):
            if animation is not None:
                raise RenderError(f"{self.model.name} has no animations", code="NO_SUCH_ANIMATION")
            return
        animator.clock = lambda: 0.0
        if at is None:
            animator.rest(_RELIC)
            return
        animator.play(_RELIC, animation, loop=True)
        animator.clock = lambda: at

    def close(self) -> None:
        self._engine.close()

    def __enter__(self) -> ModelPreview:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _checked(model: CheckedGltf | Path) -> CheckedGltf:
    """A path from a user goes through the gate first (raises ``GltfInvalid``)."""
    return model if isinstance(model, CheckedGltf) else check_gltf(model.parent, model.name)


def render_thumbnail(
    model: CheckedGltf | Path,
    size: Sequence[int] = (512, 512),
    options: PreviewOptions | None = None,
    settings: RuntimeSettings | None = None,
) -> Frame:
    """A thumbnail of one model (gated first when given as a path)."""
    with ModelPreview(_checked(model), options, settings) as preview:
        return preview.thumbnail(size)


def render_turntable(
    model: CheckedGltf | Path,
    size: Sequence[int],
    frames: int,
    options: PreviewOptions | None = None,
    settings: RuntimeSettings | None = None,
) -> Iterator[Frame]:
    """One full turn of a model in ``frames`` images, rendered as they are consumed (the
    model is gated and loaded when the first image is asked for)."""
    with ModelPreview(_checked(model), options, settings) as preview:
        yield from preview.turntable(size, frames)
