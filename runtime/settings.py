"""Every Panda3D setting the engine uses, in one frozen object turned into PRC lines."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["RuntimeSettings", "Shading"]

Shading = Literal["lean", "unlit"]


@dataclass(frozen=True)
class RuntimeSettings:
    """How the engine renders.

    ``preview_scale`` and ``refine_delay`` trade sharpness for frame rate: while a camera
    moves, views render at ``preview_scale`` of their size, and come back to full size once
    the camera has rested ``refine_delay`` seconds.  A preview is also drawn lighter: each
    mesh of at least ``moving_min_triangles`` triangles keeps ``moving_detail`` of them (a
    simplified index list over the same vertices; 1.0 keeps every mesh whole) and, unless
    ``moving_normal_maps``, the shader skips normal maps.  With ``small_previews`` a
    frame source hands a preview to :meth:`FrameSource.rendered` callers at its own size, for
    those that enlarge it within a conversion they make anyway (the video track); a rested
    view is drawn and handed exactly as without any of these.  When ``crowd_size`` views
    are moving at the same moment, their previews render at ``crowd_preview_scale``
    instead (a crowd keeps its frame rate; one or two visitors keep the sharper preview).

    Every glTF is loaded in a worker process capped at ``load_memory_mb`` of address space
    and ``load_cpu_seconds`` of CPU, and killed after ``load_wall_seconds``; what it makes
    is kept in ``load_cache_dir`` (default ``$XDG_CACHE_HOME/museion/models`` or
    ``~/.cache/museion/models``), so a model is converted once per content and version; the
    least recently used models leave it when it outgrows ``load_cache_mb``.

    A stage screen's picture is ``stage_screen_pixels`` texels wide (its height follows the
    screen's shape): a live show is decoded to that size, not to its own 4K.

    The lean shader draws up to ``max_lights`` point and spot lights per view (0 to 8):
    the strongest where the view looks, when the scene has more; a moving preview draws
    the first two of them.  Each costs about a key light's shading per pixel.  With
    ``ibl`` (the default) indirect light comes from the venue itself, captured once at load
    (:mod:`museion.runtime.environment`), instead of the sky-and-ground hemisphere.
    With ``gpu_skinning`` (the default) a skinned model's vertices are posed by the lean
    vertex shader from its joint table (:mod:`museion.runtime.skinning`) rather than by
    Panda3D on the CPU for every frame it moves; morph targets stay on the CPU.

    Heavy models (issue 19): the worker halves a texture until neither side passes
    ``max_texture_size`` (2048: a server frame is at most 1080p, where a relic filling the
    frame shows under 2048 texels across, so 4096² maps cost four times the memory and cache
    for nothing seen); a model's moving preview keeps at most ``moving_max_triangles`` of
    its heavy meshes' triangles in all (50k: a 1280x720 preview renders at half size, 230k
    pixels, of which a relic covers about a quarter: a triangle per pixel or so; on llvmpipe
    a preview of the 1M twin drew 1.5-2x faster with 20k than with 80k); a
    converted model over ``max_model_mib`` is refused (``LOAD_TOO_LARGE``), since the
    server holds about that much of it in memory for as long as it is shown.

    With ``contact_shadows`` each exhibit has a soft dark blob on the surface it stands on
    (:mod:`museion.runtime.shadows`: one blended card per exhibit, its own tiny shader).

    A headset's eyes are rendered ``stereo_margin`` wider on each side than their own
    field of view (a fraction of its width and height in the image plane), so that the
    page, turning the picture to the newest head pose, never shows a black edge.
    """

    asset_root: Path = Path("assets")
    display: str = "p3headlessgl"
    shading: Shading = "lean"
    multisamples: int = 0
    max_views: int = 8
    preview_scale: float = 0.5
    refine_delay: float = 0.15
    moving_detail: float = 0.25
    moving_min_triangles: int = 4096
    moving_normal_maps: bool = False
    small_previews: bool = True
    crowd_preview_scale: float = 0.4
    crowd_size: int = 3
    anisotropic_degree: int = 1
    exposure: float = 1.0
    key_light_intensity: float = 2.6
    sky_color: tuple[float, float, float] = (0.55, 0.55, 0.6)
    ground_color: tuple[float, float, float] = (0.22, 0.19, 0.16)
    background: tuple[float, float, float] = (0.08, 0.08, 0.09)
    gl_debug: bool = False
    load_memory_mb: int = 4096
    load_cpu_seconds: int = 120
    load_wall_seconds: float = 180.0
    load_cache_dir: Path | None = None
    load_cache_mb: int = 2048
    stage_screen_pixels: int = 640
    stereo_margin: float = 0.1
    max_lights: int = 4
    ibl: bool = True
    gpu_skinning: bool = True
    max_texture_size: int = 2048
    moving_max_triangles: int = 50_000
    max_model_mib: int = 1024
    contact_shadows: bool = True

    def __post_init__(self) -> None:
        if not 0.1 <= self.preview_scale <= 1.0:
            raise ValueError("preview_scale must lie in [0.1, 1.0]")
        if self.refine_delay < 0:
            raise ValueError("refine_delay must not be negative")
        if not 0.01 <= self.moving_detail <= 1.0:
            raise ValueError("moving_detail must lie in [0.01, 1.0]")
        if not 0.1 <= self.crowd_preview_scale <= 1.0:
            raise ValueError("crowd_preview_scale must lie in [0.1, 1.0]")
        if self.crowd_size < 1:
            raise ValueError("crowd_size must be at least 1")
        if self.moving_min_triangles < 1:
            raise ValueError("moving_min_triangles must be at least 1")
        if not 1 <= self.max_views <= 256:
            raise ValueError("max_views must lie in [1, 256]")
        if self.multisamples not in (0, 2, 4, 8):
            raise ValueError("multisamples must be 0, 2, 4 or 8")
        if self.load_memory_mb < 64:
            raise ValueError("load_memory_mb must be at least 64")
        if self.load_cpu_seconds < 1:
            raise ValueError("load_cpu_seconds must be at least 1")
        if not self.load_wall_seconds > 0:
            raise ValueError("load_wall_seconds must be positive")
        if self.load_cache_mb < 1:
            raise ValueError("load_cache_mb must be at least 1")
        if not 16 <= self.stage_screen_pixels <= 4096:
            raise ValueError("stage_screen_pixels must lie in [16, 4096]")
        if not 0.0 <= self.stereo_margin <= 0.5:
            raise ValueError("stereo_margin must lie in [0, 0.5]")
        if not 0 <= self.max_lights <= 8:
            raise ValueError("max_lights must lie in [0, 8]")
        if not 64 <= self.max_texture_size <= 16384:
            raise ValueError("max_texture_size must lie in [64, 16384]")
        if self.moving_max_triangles < 1:
            raise ValueError("moving_max_triangles must be at least 1")
        if self.max_model_mib < 1:
            raise ValueError("max_model_mib must be at least 1")

    @property
    def model_cache_dir(self) -> Path:
        """Where converted models are kept: ``load_cache_dir``, else the user's cache."""
        if self.load_cache_dir is not None:
            return self.load_cache_dir
        base = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):  # the XDG rule: a relative value is ignored
            base = str(Path.home() / ".cache")
        return Path(base) / "museion" / "models"

    def prc_lines(self) -> str:
        """The PRC text that configures Panda3D for headless offscreen rendering."""
        lines = [
            f"load-display {self.display}",
            "window-type none",
            "audio-library-name null",
            "sync-video false",
            "textures-power-2 none",
            "framebuffer-srgb false",
            f"framebuffer-multisample {1 if self.multisamples else 0}",
            f"multisamples {self.multisamples}",
            "notify-level warning",
            "notify-level-display error",
            "notify-level-glgsg warning",
            f"gl-debug {'true' if self.gl_debug else 'false'}",
            "model-cache-dir",
            "gltf-collision-shapes none",
        ]
        return "\n".join(lines) + "\n"
