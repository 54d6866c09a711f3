"""What a loaded scene holds in memory: its meshes' vertex data and its textures.

A heavy twin's cost is mostly these two (Panda3D's copy, and on llvmpipe the driver's
texture copy as large again), so the engine reports them beside the process's resident
set, for the bench, logs and a metrics gauge.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["resident_bytes", "scene_memory"]


def resident_bytes() -> int:
    """The process's resident set (``VmRSS``), in bytes; 0 where /proc has none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def scene_memory(root: Any) -> dict[str, int]:
    """Bytes under ``root``: ``vertices`` (vertex data), ``textures`` (RAM images), and
    ``resident`` (the whole process).  Call on the render thread."""
    from panda3d.core import SceneGraphAnalyzer

    analyzer = SceneGraphAnalyzer()
    analyzer.add_node(root.node())
    return {
        "vertices": int(analyzer.get_vertex_data_size()),
        "textures": int(analyzer.get_texture_bytes()),
        "resident": resident_bytes(),
    }
