"""Shared by the loading tests: watching real workers, and generated models to load.

Workers are watched through the one log line the parent writes when it starts one
(``load worker <pid> started for <asset>``): tests count starts from it and kill workers
by that pid.  ``MUSEION_LOAD_WORKER_STALL`` is the worker's documented test seam (it sleeps
or spins just before loading).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from museion.runtime.settings import RuntimeSettings
from museion.scenes.gltf.gate import CheckedGltf
from tests.conftest import ASSETS, CORPUS

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


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour RGB PNG, compressed row by row (a huge one costs kilobytes)."""
    row = b"\x00" + bytes(rgb) * width
    packer = zlib.compressobj(6)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def _triangle_document(image_view: bool) -> dict[str, Any]:
    document: dict[str, Any] = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0, "TEXCOORD_0": 1}}]}],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": 5126,
                "count": 3,
                "type": "VEC3",
                "min": [0, 0, 0],
                "max": [1, 1, 0],
            },
            {"bufferView": 1, "componentType": 5126, "count": 3, "type": "VEC2"},
        ],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": 36},
            {"buffer": 0, "byteOffset": 36, "byteLength": 24},
        ],
    }
    if image_view:
        document["meshes"][0]["primitives"][0]["material"] = 0
        document["materials"] = [{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}}]
        document["textures"] = [{"source": 0}]
        document["images"] = [{"bufferView": 2, "mimeType": "image/png"}]
    return document


_GEOMETRY = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0) + struct.pack("<6f", 0, 0, 1, 0, 0, 1)


def textured_triangle_glb(
    path: Path, side: int, rgb: tuple[int, int, int] = (180, 120, 60)
) -> Path:
    """A gate-valid GLB: one triangle with a ``side`` x ``side`` base-colour texture."""
    image = png(side, side, rgb)
    binary = _GEOMETRY + image
    binary += b"\x00" * (-len(binary) % 4)
    document = _triangle_document(image_view=True)
    document["bufferViews"].append({"buffer": 0, "byteOffset": 60, "byteLength": len(image)})
    document["buffers"] = [{"byteLength": len(binary)}]
    text = json.dumps(document).encode()
    text += b" " * (-len(text) % 4)
    total = 12 + 8 + len(text) + 8 + len(binary)
    path.write_bytes(
        struct.pack("<III", 0x46546C67, 2, total)
        + struct.pack("<II", len(text), 0x4E4F534A)
        + text
        + struct.pack("<II", len(binary), 0x004E4942)
        + binary
    )
    return path


def triangle_gltf(folder: Path, x: float = 1.0) -> Path:
    """A ``.gltf`` whose geometry lives in ``triangle.bin`` beside it."""
    geometry = struct.pack("<9f", 0, 0, 0, x, 0, 0, 0, 1, 0) + _GEOMETRY[36:]
    (folder / "triangle.bin").write_bytes(geometry)
    document = _triangle_document(image_view=False)
    document["accessors"][0]["max"] = [x, 1, 0]
    document["buffers"] = [{"byteLength": len(geometry), "uri": "triangle.bin"}]
    path = folder / "triangle.gltf"
    path.write_text(json.dumps(document))
    return path


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
