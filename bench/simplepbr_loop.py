"""Reference for the render bench: panda3d-simplepbr on the same scene, in its own process.

simplepbr replaces the scene's shader and adds a post-process pass (tone mapping, MSAA),
so it runs apart from our engine.  Prints one JSON line: fps and cores for each setting.
Usage: python bench/simplepbr_loop.py FOLDER FRAMES
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.showcase import open_showcase

sys.path.insert(0, str(Path(__file__).resolve().parent))
from references.bare_view import BareView


def measure(engine: RenderEngine, frames: int, msaa: int) -> dict[str, float]:
    import direct.task.Task
    import simplepbr
    from direct.task.Task import TaskManager

    view = BareView(engine, f"simplepbr-{msaa}", alpha_bits=8)
    lights = engine.root.find_all_matches("**/+Light")
    for i in range(lights.get_num_paths()):
        engine.root.set_light(lights.get_path(i))
    # TaskManager.step installs a SIGINT handler, which only the main thread may do; we
    # step it on the render thread.
    direct.task.Task.signal = None
    tasks = TaskManager()
    simplepbr.Pipeline(
        render_node=engine.root,
        window=view.buffer,
        camera_node=view.camera,
        taskmgr=tasks,
        msaa_samples=msaa,
        use_normal_maps=True,
        use_330=True,
        enable_shadows=False,
    )

    def frame(i: int) -> None:
        view.orbit(i)
        tasks.step()
        engine.graphics_engine.render_frame()
        view.read()

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
