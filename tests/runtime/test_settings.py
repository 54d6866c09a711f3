"""The engine's settings refuse values it cannot run with, and say which."""

from __future__ import annotations

from typing import Any

import pytest

from museion.runtime.settings import RuntimeSettings


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ({"preview_scale": 0.05}, "preview_scale"),
        ({"refine_delay": -0.1}, "refine_delay"),
        ({"moving_detail": 0.0}, "moving_detail"),
        ({"moving_detail": 1.5}, "moving_detail"),
        ({"moving_min_triangles": 0}, "moving_min_triangles"),
        ({"crowd_preview_scale": 0.05}, "crowd_preview_scale"),
        ({"crowd_size": 0}, "crowd_size"),
        ({"max_views": 0}, "max_views"),
        ({"multisamples": 3}, "multisamples"),
        ({"load_memory_mb": 32}, "load_memory_mb"),
        ({"load_cpu_seconds": 0}, "load_cpu_seconds"),
        ({"load_wall_seconds": 0.0}, "load_wall_seconds"),
        ({"load_cache_mb": 0}, "load_cache_mb"),
        ({"stage_screen_pixels": 8}, "stage_screen_pixels"),
    ],
)
def test_runtime_settings_refuse_what_the_engine_cannot_run_with(
    value: dict[str, Any], says: str
) -> None:
    with pytest.raises(ValueError, match=says):
        RuntimeSettings(**value)


def test_runtime_settings_become_panda3d_config() -> None:
    lines = RuntimeSettings(multisamples=4, gl_debug=True).prc_lines().splitlines()
    assert "multisamples 4" in lines and "framebuffer-multisample 1" in lines
    assert "gl-debug true" in lines and "window-type none" in lines
