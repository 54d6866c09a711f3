"""The render engine: one Panda3D graphics pipe, one scene graph, a pool of views.

Panda3D and the OpenGL context are not thread-safe, so every Panda3D call runs on one
dedicated thread (:attr:`RenderEngine.executor`).  Public methods may be called from any
thread: they hop onto the render thread and wait.  Asyncio callers should instead run
:meth:`FrameSource.frame` with ``loop.run_in_executor(engine.executor, ...)``.

Offscreen buffers are pooled: opening and closing them leaks memory in Mesa and Panda3D,
so a view released by one visitor is handed, as it is, to the next.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from museion.runtime.animation import Animator
from museion.runtime.camera import OrbitLimits, ViewState
from museion.runtime.environment import Environment, environment_for
from museion.runtime.errors import AssetLoadFailed, RenderError, ViewPoolExhausted
from museion.runtime.frame_source import Frame, FrameSource
from museion.runtime.graphics import Graphics, make_shader
from museion.runtime.hall_layout import hotspot_positions, orbit_view, walk_area
from museion.runtime.labels import exhibition_info, label
from museion.runtime.lighting import LightBudget, set_light_inputs
from museion.runtime.loading.cache import cache_key
from museion.runtime.loading.memory import scene_memory
from museion.runtime.materials import material_defines
from museion.runtime.moving import MovingDetail
from museion.runtime.picking import HotspotMark, Pick, Picker
from museion.runtime.render_view import RenderView
from museion.runtime.scene_builder import EXHIBIT_TAG, BoundsCache, build_exhibition
from museion.runtime.scene_models import SceneModels
from museion.runtime.settings import RuntimeSettings
from museion.runtime.shadows import ContactShadows
from museion.runtime.skinning import skin_on_gpu, skinned
from museion.runtime.stage_screens import ScreenSurface, build_screens
from museion.runtime.tour_cameras import camera_views
from museion.scenes.checked_scene import CheckedScene, model_camera_poses
from museion.scenes.document.model import Exhibit, ModelCamera, SceneDocument, TourPlay
from museion.scenes.gltf.gate import CheckedGltf
from museion.scenes.showcase import Showcase

__all__ = ["RenderEngine"]

logger = logging.getLogger(__name__)
T = TypeVar("T")


class RenderEngine:
    """Loads a scene (an exhibition or a one-relic showcase) and renders views of it.

    Every model is loaded through a resource-limited worker process
    (:mod:`museion.runtime.loading`).  A venue that fails to load fails the engine with
    :class:`AssetLoadFailed`; an exhibit that fails is left out of the render and listed
    in :attr:`load_errors`, and the rest of the scene is served.
    """

    load_errors: tuple[AssetLoadFailed, ...] = ()
    pending_detail = 0
    """Heavy models shown as their proxy while they are read whole (:attr:`detail`)."""
    environment: Environment | None = None
    """The venue's image-based light, when ``settings.ibl`` (None otherwise)."""
    scene_version = 0
    """Bumped by whatever changes the scene graph in place (:mod:`museion.runtime.editing`):
    a view whose camera did not move renders anew when it differs from what it last drew."""

    def __init__(
        self, scene: CheckedScene | Showcase, settings: RuntimeSettings | None = None
    ) -> None:
        self.settings = settings or RuntimeSettings()
        self.executor = Graphics.executor
        self._idle: dict[tuple[int, int], list[RenderView]] = {}
        self._open = 0
        self._closed = False
        self.limits = OrbitLimits()
        self.home = ViewState()
        self._call(self._set_up, scene)

    # -- threading -----------------------------------------------------------------------

    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` on the render thread and return its result."""
        return Graphics.call(fn, *args)

    def on_render_thread(self) -> bool:
        """True when the caller is the render thread."""
        return Graphics.on_thread()

    # -- set-up ----------------------------------------------------------------------------

    def _set_up(self, scene: CheckedScene | Showcase) -> None:
        from panda3d.core import GraphicsEngine

        self._pipe, host = Graphics.display(self.settings)
        self._engine = GraphicsEngine.get_global_ptr()
        self.gsg = host.get_gsg()
        self._build_scene(scene)
        # A tiny view drawn now compiles both shaders (0.2-0.5 s on llvmpipe without Mesa's
        # shader cache), so that a visitor's first frame and first movement do not wait.
        warm = RenderView(self, 16, 16)
        warm.aim(self.home)  # llvmpipe compiles at the first draw: something must be in view
        warm.render(preview=False)
        warm.render(preview=True)
        warm.destroy()
        logger.info("render engine ready: %s", self.describe_renderer())

    def _build_scene(self, scene: CheckedScene | Showcase) -> None:
        from panda3d.core import NodePath

        self.root = NodePath("museion-scene")
        self.document = None if isinstance(scene, Showcase) else scene.document
        self.media: dict[str, Path] = {} if isinstance(scene, Showcase) else dict(scene.media)
        models = (
            [scene.venue, scene.relic] if isinstance(scene, Showcase) else scene.models.values()
        )
        self._models = SceneModels(self, models)
        if isinstance(scene, Showcase):
            venue = self.load(scene.venue)
            venue.reparent_to(self.root)
            anchor = venue.find("**/exhibit_anchor")
            holder = (anchor if not anchor.is_empty() else self.root).attach_new_node(
                "exhibit-relic"
            )
            holder.set_tag(EXHIBIT_TAG, "relic")
            try:
                self.load(scene.relic).reparent_to(holder)
            except AssetLoadFailed as exc:
                logger.error("the relic is left out: %s: %s", exc.code, exc)
                self.load_errors = (exc,)
            exhibits = {"relic": holder}
        else:
            venue, exhibits, self.load_errors = build_exhibition(self.root, scene, self.load)
        shaders = None
        at_rest: tuple[str, ...] = ()  # the lean shader's defines at rest
        self.lights: LightBudget | None = None
        if self.settings.shading == "lean":
            lights = self.document.lights if self.document is not None else ()
            self.lights = budget = set_light_inputs(self.root, venue, lights, self.settings)
            ibl = ("IBL",) if self._bind_environment(scene, venue, exhibits) else ()
            features = (*ibl, *material_defines(self.root))
            at_rest = (*budget.defines(moving=False), *features)
            shaders = (
                make_shader("lean_pbr", *budget.defines(moving=False), *features),
                make_shader("lean_pbr", *budget.defines(moving=True), "MOVING", *features),
            )
            self.root.set_shader(shaders[0])
        lighter_shader = shaders is not None and not self.settings.moving_normal_maps
        self._moving_shaders = shaders if lighter_shader else None
        self.moving = MovingDetail(self.root, self.settings, self._moving_shaders)
        self.screens: dict[str, ScreenSurface] = {}
        if self.document is not None and self.document.stage_screens:
            self.screens = build_screens(
                self.root,
                self.document.stage_screens,
                make_shader("stage_screen"),
                self.settings.stage_screen_pixels,
            )
        self.venue = venue
        self.exhibit_nodes = exhibits
        # Models made to move play their first animation, looping; the venue's key is "".
        self.animator = Animator()
        characters: dict[str, list[Any]] = {}
        for character in self.root.find_all_matches("**/+Character"):
            characters.setdefault(character.get_net_tag(EXHIBIT_TAG), []).append(character)
        # Node animations (a truck's wheels) are the animator's, not panda3d-gltf's.
        if isinstance(scene, Showcase):
            placed = {"": (venue, scene.venue), "relic": (exhibits["relic"], scene.relic)}
        else:
            placed = {"": (venue, scene.model(scene.document.venue))}
            placed.update(
                (e.id, (exhibits[e.id], scene.model(e.asset))) for e in scene.document.exhibits
            )
        self.animator.add_models(placed, characters)
        if self.settings.gpu_skinning and shaders is not None:
            skin_on_gpu(skinned(c for found in characters.values() for c in found), at_rest)
        self.animator.play_all()
        if self.document is not None:
            self.animator.play_chosen(self.document.exhibits)
        self.hotspot_positions: dict[tuple[str, str], tuple[float, float, float]] = {}
        self.picker = Picker(self, self.hotspot_positions)
        self._bounds = BoundsCache()
        self.exhibit_views: dict[str, tuple[ViewState, OrbitLimits]] = {}
        self.shadows = (
            ContactShadows(self.root, self._bounds) if self.settings.contact_shadows else None
        )
        # The glTF cameras tours rest on, in their models' frames; camera_views in the hall.
        self._tour_cameras = {} if isinstance(scene, Showcase) else model_camera_poses(scene)
        self.camera_views: dict[ModelCamera, ViewState] = {}
        self.exhibits_changed()
        self.scene_version = 0
        self.spawn, self.walk_map = walk_area(
            self.document, venue, exhibits, self.root, self._bounds
        )

    def _bind_environment(
        self, scene: CheckedScene | Showcase, venue: Any, exhibits: dict[str, Any]
    ) -> bool:
        """Capture (or read back) the venue's image-based light and bind it, when
        ``settings.ibl``: the capture draws with the lean shader as it is without IBL."""
        if not self.settings.ibl or self.lights is None:
            return False
        model = scene.venue if isinstance(scene, Showcase) else scene.model(scene.document.venue)
        try:
            venue_key: str | None = cache_key(model)
        except OSError:
            venue_key = None
        lights = repr(self.document.lights) if self.document is not None else ""
        self.root.set_shader(make_shader("lean_pbr", *self.lights.defines(moving=False)))
        started = time.perf_counter()
        self.environment = environment_for(self, venue, list(exhibits.values()), venue_key, lights)
        logger.info("venue environment ready in %.2f s", time.perf_counter() - started)
        self.environment.bind(self.root)
        return True

    def set_document(self, document: SceneDocument) -> None:
        """Take ``document`` as what visitors are told (labels, tours) from any thread; the
        studio's draft view calls it beside its live edits, which change the scene itself."""
        self._call(setattr, self, "document", document)

    def play_animation(self, play: TourPlay) -> None:
        """Start what a tour step asks (from any thread); raises :class:`RenderError`
        ``NO_SUCH_ANIMATION`` or ``BAD_ANIMATION_SPEED``."""
        self._call(
            lambda: self.animator.play(
                play.exhibit, play.animation, loop=play.loop, speed=play.speed
            )
        )

    def swap_in_detail(self, swap: Callable[[], None], name: str) -> None:
        """Run ``swap`` (a proxy's whole model put in its place) on the render thread,
        between two frames, unless the engine closed meanwhile; every view then draws
        anew, with moving previews of the whole model."""

        def swapped() -> None:
            if self._closed:
                return
            swap()
            self.moving = MovingDetail(self.root, self.settings, self._moving_shaders)
            self.pending_detail -= 1
            self.scene_version += 1
            logger.info("%s: whole model shown", name)

        self._call(swapped)

    def choose_animation(self, exhibit: Exhibit) -> None:
        """Play what ``exhibit``'s ``animation`` now says (from any thread): the studio's
        draft view follows a saved change; raises :class:`RenderError` as
        :meth:`play_animation` does."""
        self._call(self.animator.choose, exhibit)

    def convert(self, models: list[CheckedGltf]) -> None:
        """Convert models the scene did not name at set-up (the studio imports them) in
        worker processes: call it off the render thread, since it may take seconds, and
        a later load on the render thread only reads the cache."""
        self._models.convert(models)

    def load(self, model: CheckedGltf) -> Any:
        """``model`` as a NodePath (:meth:`SceneModels.load`), on the render thread (the
        studio's editor adds exhibits with it)."""
        return self._models.load(model)

    def bounds(self, node: Any) -> tuple[Any, Any] | None:
        """``node``'s bounds in the scene (Panda3D points; None without geometry), from
        the engine's cache of each model's own bounds."""
        return self._bounds.bounds(node, self.root)

    @property
    def detail(self) -> str:
        """``"proxy"`` while a heavy model is shown as its proxy, else ``"full"``."""
        return "proxy" if self.pending_detail else "full"

    def memory(self) -> dict[str, int]:
        """Bytes the scene's vertex data and textures hold, and the process's resident set
        (:func:`~museion.runtime.loading.memory.scene_memory`)."""
        return self._call(scene_memory, self.root)

    def exhibits_changed(self) -> None:
        """Derive again, in place, what depends on where the exhibit nodes are: hotspots in
        scene coordinates (picking reads the same dict), orbit views, the home view; and
        have every view draw anew.  Set-up calls it, and so does the studio's editor after
        it moves, adds or removes an exhibit (on the render thread).  The walk map is not
        rebuilt: it stays as the scene was loaded."""
        positions = hotspot_positions(self.document, self.exhibit_nodes, self.root)
        self.hotspot_positions.clear()
        self.hotspot_positions.update(positions)
        self.has_hotspots = bool(positions)
        nodes = self.exhibit_nodes
        views = {key: orbit_view(node, self.root, self._bounds) for key, node in nodes.items()}
        self.exhibit_views.clear()
        self.exhibit_views.update(views)
        if self.shadows is not None:  # a moved, added or removed exhibit's shadow follows it
            exhibits = self.document.exhibits if self.document is not None else ()
            without = frozenset(e.id for e in exhibits if e.contact_shadow is False)
            self.shadows.sync(self.exhibit_nodes, self.picker, without)
        cameras = camera_views(self._tour_cameras, self.exhibit_nodes, self.root, self._bounds)
        for gone in set(self.camera_views) - set(cameras):  # never empty while tours read it
            del self.camera_views[gone]
        self.camera_views.update(cameras)
        self.home, self.limits = next(iter(views.values()), (ViewState(), OrbitLimits()))
        self.scene_version += 1

    def exhibition_info(self) -> dict[str, Any]:
        """The exhibition's title and languages, for the page's header and language menu."""
        return exhibition_info(self.document)

    def label(self, exhibit_id: str) -> dict[str, Any] | None:
        """The exhibit's metadata as JSON data (every language), for a label panel."""
        return label(self.document, exhibit_id)

    def pick(self, state: ViewState, width: int, height: int, x: float, y: float) -> Pick | None:
        """What pixel (x, y) of a ``width`` x ``height`` view from ``state`` shows."""
        return self._call(self.picker.pick, state, width, height, x, y)

    def pick_ray(
        self, origin: tuple[float, float, float], direction: tuple[float, float, float]
    ) -> Pick | None:
        """What a ray from ``origin`` along ``direction`` (hall metres, y up) hits first."""
        return self._call(self.picker.pick_ray, origin, direction)

    def hotspot_marks(self, state: ViewState, width: int, height: int) -> list[HotspotMark]:
        """Where each hotspot appears in such a view, and whether it can be seen."""
        return self._call(self.picker.hotspot_marks, state, width, height)

    # -- stage screens ---------------------------------------------------------------------

    def screen_size(self, screen_id: str) -> tuple[int, int]:
        """The picture size (width, height) screen ``screen_id`` shows (KeyError if none)."""
        return self.screens[screen_id].size

    def show_on_screen(self, screen_id: str, image: Frame | None) -> None:
        """Put ``image`` (RGB, at most :meth:`screen_size`) on a stage screen; None shows
        standby.  Views that can see the screen render anew on their next frame."""
        self._call(self.screens[screen_id].show, image)

    def describe_renderer(self) -> str:
        """The OpenGL renderer in use, e.g. ``llvmpipe (LLVM 15, 256 bits)``."""
        return f"{self.gsg.get_driver_renderer()} / OpenGL {self.gsg.get_driver_version()}"

    # -- views -----------------------------------------------------------------------------

    def open_view(self, width: int, height: int, *, preview: bool = True) -> FrameSource:
        """A frame source of ``width`` x ``height``, from the pool when one is free.

        With ``preview=False`` every frame is rendered at full size, even while moving.
        """
        return self._call(self._open_view, width, height, preview)

    def _open_view(self, width: int, height: int, preview: bool = True) -> FrameSource:
        if self._closed:
            raise RenderError("the render engine is closed", code="ENGINE_CLOSED")
        pool = self._idle.setdefault((width, height), [])
        if pool:
            view = pool.pop()
        else:
            total = self._open + sum(len(p) for p in self._idle.values())
            if total >= self.settings.max_views:
                if self._open >= self.settings.max_views:
                    raise ViewPoolExhausted(
                        f"all {self.settings.max_views} render views are in use"
                    )
                self._evict_one_idle()
            view = RenderView(self, width, height)
        self._open += 1
        return FrameSource(self, view, preview=preview)

    def _evict_one_idle(self) -> None:
        for pool in self._idle.values():
            if pool:
                pool.pop().destroy()
                return

    def release_view(self, view: RenderView) -> None:
        """Return ``view`` to the pool (called by :meth:`FrameSource.close`)."""
        self._call(self._release_view, view)

    def _release_view(self, view: RenderView) -> None:
        self._open -= 1
        self.moving.forget(view)
        if self._closed:
            view.destroy()
            return
        view.reset()
        self._idle.setdefault((view.width, view.height), []).append(view)

    @property
    def views_in_use(self) -> int:
        """How many frame sources are open now."""
        return self._open

    @property
    def pipe(self) -> Any:
        """The Panda3D graphics pipe (for views)."""
        return self._pipe

    @property
    def graphics_engine(self) -> Any:
        """The Panda3D graphics engine (for views)."""
        return self._engine

    def close(self) -> None:
        """Free every buffer and the scene (the process-wide render thread stays)."""
        if self._closed:
            return
        self._call(self._close)

    def _close(self) -> None:
        self._closed = True
        for pool in self._idle.values():
            for view in pool:
                view.destroy()
        self._idle.clear()
        self.root.remove_node()
