"""The gallery's load reference: a scene document's glTF files loaded bare with
panda3d-gltf (each file once, instanced per exhibit) and one frame rendered to RAM."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from instruments.proc_stats import own_status_kib, start_peak_measure

__all__ = ["load_bare"]

WIDTH, HEIGHT = 1280, 720


def load_bare(path: Path) -> dict[str, float]:
    """Reference: the document's glTF files loaded bare with panda3d-gltf, each file once,
    instanced per exhibit, and one 1280x720 frame rendered to RAM (Panda3D's own shading)."""
    import gltf
    import numpy as np
    from panda3d.core import (
        Camera,
        FrameBufferProperties,
        GraphicsEngine,
        GraphicsOutput,
        GraphicsPipe,
        GraphicsPipeSelection,
        NodePath,
        PerspectiveLens,
        Point3,
        Texture,
        Vec3,
        WindowProperties,
        loadPrcFileData,
    )

    from museion.runtime.camera import ViewState, horizontal_fov
    from museion.runtime.settings import RuntimeSettings

    t0, rss0 = start_peak_measure()
    data = json.loads(path.read_text("utf-8"))
    loadPrcFileData("bare", RuntimeSettings().prc_lines())
    pipe = GraphicsPipeSelection.get_global_ptr().make_module_pipe("p3headlessgl")
    engine = GraphicsEngine.get_global_ptr()
    props = FrameBufferProperties()
    props.set_rgba_bits(8, 8, 8, 0)
    props.set_depth_bits(24)
    buffer = engine.make_output(
        pipe, "bare", 0, props, WindowProperties.size(WIDTH, HEIGHT), GraphicsPipe.BF_refuse_window
    )
    texture = Texture()
    buffer.add_render_texture(texture, GraphicsOutput.RTM_copy_ram)
    root = NodePath("bare")
    models: dict[str, Any] = {}

    def model(name: str) -> Any:
        if name not in models:
            settings = gltf.GltfSettings(collision_shapes="none")
            models[name] = NodePath(gltf.load_model(str(path.parent / name), settings))
        return models[name]

    model(data["venue"]).instance_to(root)
    holders = []
    for exhibit in data["exhibits"]:
        transform = exhibit.get("transform", {})
        x, y, z = transform.get("translation", (0.0, 0.0, 0.0))
        holder = root.attach_new_node(exhibit["id"])
        holder.set_pos(x, -z, y)
        holder.set_hpr(*transform.get("rotation", (0.0, 0.0, 0.0)))
        holder.set_scale(transform.get("scale", 1.0))
        model(exhibit["asset"]).instance_to(holder)
        if exhibit.get("pedestal", True):
            stand = root.attach_new_node("pedestal")
            stand.set_pos(x, -z, 0.0)
            model(data.get("pedestal_asset", "pedestal.glb")).instance_to(stand)
        holders.append(holder)
    # The same first view as the engine's: the first exhibit, framed as hall_layout.orbit_view does.
    low, high = holders[0].get_tight_bounds(root)
    centre = (low + high) / 2
    size = max(high - low)
    home = ViewState(
        target=(centre.x, centre.z, -centre.y), yaw=20.0, pitch=12.0, distance=max(size * 2.2, 0.4)
    )
    lens = PerspectiveLens()
    lens.set_fov(horizontal_fov(45, WIDTH / HEIGHT), 45)
    lens.set_near_far(0.05, 100.0)
    camera = root.attach_new_node(Camera("bare"))
    camera.node().set_lens(lens)
    buffer.make_display_region().set_camera(camera)
    ex, ey, ez = home.eye()
    camera.set_pos(Point3(ex, -ez, ey))
    camera.look_at(Point3(centre), Vec3(0, 0, 1))
    for _ in range(3):  # the buffer opens during the first render_frame
        engine.render_frame()
        if texture.has_ram_image():
            break
    image = np.frombuffer(texture.get_ram_image(), np.uint8)
    seconds = time.perf_counter() - t0
    assert image.size == WIDTH * HEIGHT * 3, image.size
    return {"seconds": seconds, "mib": (own_status_kib("VmHWM") - rss0) / 1024}
