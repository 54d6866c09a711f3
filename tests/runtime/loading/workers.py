"""Shared by the loading tests: watching real workers, and generated models to load.

Workers are watched through the one log line the parent writes when it starts one
(``load worker <pid> started for <asset>``): tests count starts from it and kill workers
by that pid.  ``MUSEION_LOAD_WORKER_STALL`` is the worker's documented test seam (it sleeps
or spins just before loading).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from museion.runtime.settings import RuntimeSettings
from museion.scenes.gltf.gate import CheckedGltf
from museion.scenes.gltf.glb import write_glb
from tests.conftest import ASSETS, CORPUS
from tests.gltf_fixtures import solid_png, triangle, write_gltf

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)"
)


# -- watching workers ----------------------------------------------------------------------


class WorkerWatch(logging.Handler):
    """Every worker start the parent logs, as (pid, asset); kills the workers of the assets
    in ``kill`` that many seconds after they start."""

    def __init__(self, kill: dict[str, float]) -> None:
        super().__init__(logging.INFO)
        self.kill = kill
        self.started: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not str(record.msg).startswith("load worker") or not record.args:
            return
        pid, asset = record.args  # type: ignore[misc]
        self.started.append((pid, asset))
        if asset in self.kill:
            threading.Timer(self.kill[asset], _kill, (pid,)).start()


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def watch_workers(kill: dict[str, float] | None = None) -> Iterator[WorkerWatch]:
    logger = logging.getLogger("museion.runtime.loading")
    handler = WorkerWatch(kill=kill or {})
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def cache_settings(cache: Path, **overrides: Any) -> RuntimeSettings:
    return RuntimeSettings(**{"asset_root": ASSETS, "load_cache_dir": cache, **overrides})


def cache_files(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.is_dir() else []


# -- generated models ----------------------------------------------------------------------


def textured_triangle_glb(
    path: Path, side: int, rgb: tuple[int, int, int] = (180, 120, 60)
) -> Path:
    """A gate-valid GLB: one triangle with a ``side`` x ``side`` base-colour texture."""
    path.write_bytes(write_glb(*triangle(image_png=solid_png(side, side, rgb))))
    return path


def triangle_gltf(folder: Path, x: float = 1.0) -> Path:
    """A ``.gltf`` whose geometry lives in ``triangle.bin`` beside it; ``x`` is the x of
    its second corner."""
    return write_gltf(folder, "triangle.gltf", *triangle(texcoords=True, width=x))


def unchecked(path: Path) -> CheckedGltf:
    """A file handed to the worker as if the gate had passed it: what the gate does not
    know yet is exactly what the worker must contain."""
    return CheckedGltf(path=path, size=path.stat().st_size, name=path.name)


# -- the relic through the worker looks like the relic loaded directly ---------------------


def summary(node: Any) -> dict[str, Any]:
    geoms = [p.node() for p in node.find_all_matches("**/+GeomNode")]
    low, high = node.get_tight_bounds()
    return {
        "nodes": node.find_all_matches("**").get_num_paths(),
        "geom_nodes": len(geoms),
        "geoms": sum(g.get_num_geoms() for g in geoms),
        "vertices": sum(
            g.get_geom(i).get_vertex_data().get_num_rows()
            for g in geoms
            for i in range(g.get_num_geoms())
        ),
        "textures": sorted((t.get_x_size(), t.get_y_size()) for t in node.find_all_textures()),
        "bounds": [round(v, 5) for v in (*low, *high)],
    }
