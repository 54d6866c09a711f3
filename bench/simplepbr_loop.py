"""Reference for the render bench: panda3d-simplepbr on the same scene, in its own process.

simplepbr replaces the scene's shader and adds a post-process pass (tone mapping, MSAA),
so it runs apart from our engine.  Prints one JSON line: fps and cores for each setting.
Usage: python bench/simplepbr_loop.py FOLDER FRAMES
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.showcase import open_showcase

WIDTH, HEIGHT = 1280, 720


def measure(engine: RenderEngine, frames: int, msaa: int) -> dict[str, float]:
    import direct.task.Task
    import simplepbr
    from direct.task.Task import TaskManager
    from panda3d.core import (
        Camera,
        FrameBufferProperties,
        GraphicsOutput,
        GraphicsPipe,
        PerspectiveLens,
        Point3,
        Texture,
        Vec3,
        WindowProperties,
    )

    props = FrameBufferProperties()
    props.set_rgba_bits(8, 8, 8, 8)
    props.set_depth_bits(24)
    gfx = engine.graphics_engine
    buffer = gfx.make_output(
        engine.pipe,
        f"simplepbr-{msaa}",
        0,
        props,
        WindowProperties.size(WIDTH, HEIGHT),
        GraphicsPipe.BF_refuse_window,
        engine.gsg,
    )
    texture = Texture()
    buffer.add_render_texture(texture, GraphicsOutput.RTM_copy_ram)
    lens = PerspectiveLens()
    lens.set_fov(45 * WIDTH / HEIGHT, 45)
    lens.set_near_far(0.05, 100.0)
    camera = engine.root.attach_new_node(Camera("simplepbr"))
    camera.node().set_lens(lens)
    buffer.make_display_region().set_camera(camera)
    lights = engine.root.find_all_matches("**/+Light")
    for i in range(lights.get_num_paths()):
        engine.root.set_light(lights.get_path(i))
    # TaskManager.step installs a SIGINT handler, which only the main thread may do; we
    # step it on the render thread.
    direct.task.Task.signal = None
    tasks = TaskManager()
    simplepbr.Pipeline(
        render_node=engine.root,
        window=buffer,
        camera_node=camera,
        taskmgr=tasks,
        msaa_samples=msaa,
        use_normal_maps=True,
        use_330=True,
        enable_shadows=False,
    )
    home = engine.home

    def frame(i: int) -> None:
        ex, ey, ez = replace(home, yaw=home.yaw + i).eye()
        camera.set_pos(Point3(ex, -ez, ey))
        camera.look_at(Point3(home.target[0], -home.target[2], home.target[1]), Vec3(0, 0, 1))
        tasks.step()
        gfx.render_frame()
        np.frombuffer(texture.get_ram_image(), np.uint8)

    for i in range(5):
        frame(i)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for i in range(frames):
        frame(i)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"fps": frames / wall, "cores": cpu / wall}


def main() -> None:
    folder, frames, msaa = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    engine = RenderEngine(open_showcase(folder), RuntimeSettings(asset_root=folder))
    result = engine.executor.submit(measure, engine, frames, msaa).result()
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
