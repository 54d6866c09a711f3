"""What Panda3D and EGL hold per process: the one render thread, a pipe and host context
per display, and the shaders.

Panda3D and the OpenGL context are not thread-safe, so every Panda3D call runs on one
dedicated thread; every engine (a test suite may make several) shares it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from typing import Any, ClassVar, TypeVar

from museion.runtime.errors import RenderError
from museion.runtime.settings import RuntimeSettings

__all__ = ["Graphics", "make_shader"]

T = TypeVar("T")


class Graphics:
    """What Panda3D and EGL hold per process, made once on first use and kept.

    Destroying a p3headlessgl pipe terminates the EGL display under any other pipe, and an
    OpenGL context belongs to the thread that uses it; so the render thread, the pipe and
    the host context are process-wide and every engine (a test suite may make several)
    shares them.
    """

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="museion-render")
    thread_id: int | None = None
    displays: ClassVar[dict[str, tuple[Any, Any]]] = {}
    prc_loaded = False

    @classmethod
    def on_thread(cls) -> bool:
        return threading.get_ident() == cls.thread_id

    @classmethod
    def call(cls, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` on the render thread and return its result."""
        if cls.on_thread():
            return fn(*args)
        return cls.executor.submit(cls._run, fn, *args).result()

    @classmethod
    def _run(cls, fn: Callable[..., T], *args: Any) -> T:
        cls.thread_id = threading.get_ident()
        return fn(*args)

    @classmethod
    def display(cls, settings: RuntimeSettings) -> tuple[Any, Any]:
        """``(pipe, host buffer)`` for ``settings.display``; call on the render thread."""
        from panda3d.core import GraphicsEngine, GraphicsPipeSelection, loadPrcFileData

        if not cls.prc_loaded:
            loadPrcFileData("museion-runtime", settings.prc_lines())
            cls.prc_loaded = True
        if settings.display not in cls.displays:
            pipe = GraphicsPipeSelection.get_global_ptr().make_module_pipe(settings.display)
            if pipe is None or not pipe.is_valid():
                raise RenderError(
                    f"the graphics display {settings.display!r} is not available",
                    code="DISPLAY_UNAVAILABLE",
                )
            host = _make_host_buffer(GraphicsEngine.get_global_ptr(), pipe)
            cls.displays[settings.display] = (pipe, host)
        return cls.displays[settings.display]


def _make_host_buffer(engine: Any, pipe: Any) -> Any:
    """A tiny buffer whose OpenGL context every view shares (one copy of each texture)."""
    from panda3d.core import FrameBufferProperties, GraphicsPipe, WindowProperties

    props = FrameBufferProperties()
    props.set_rgba_bits(8, 8, 8, 0)
    props.set_depth_bits(24)
    host = engine.make_output(
        pipe,
        "museion-host",
        -100,
        props,
        WindowProperties.size(16, 16),
        GraphicsPipe.BF_refuse_window,
    )
    if host is None:
        raise RenderError("no offscreen OpenGL context could be made", code="BUFFER_FAILED")
    engine.render_frame()
    # The host only lends its context; rendering it every frame would cost a context
    # switch per view render.
    host.set_active(False)
    return host


def make_shader(name: str, *defines: str) -> Any:
    """The GLSL shader ``shaders/<name>.vert.glsl`` + ``.frag.glsl``, with ``#define D``
    for each of ``defines`` after the ``#version`` line (one source for each variant)."""
    from panda3d.core import Shader

    folder = resources.files("museion.runtime").joinpath("shaders")

    def source(stage: str) -> str:
        version, _, body = (
            folder.joinpath(f"{name}.{stage}.glsl").read_text("utf-8").partition("\n")
        )
        return "".join([version, "\n", *(f"#define {d}\n" for d in defines), body])

    shader = Shader.make(Shader.SL_GLSL, vertex=source("vert"), fragment=source("frag"))
    if shader is None:
        raise RenderError(f"the {name} shader failed to compile", code="SHADER_FAILED")
    return shader
