"""Loading glTF in a resource-limited worker process: real workers, real Panda3D.

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

import numpy as np
import pytest

from museion.runtime.engine import RenderEngine
from museion.runtime.errors import AssetLoadFailed
from museion.runtime.load_worker import STALL_ENV, cache_key, convert_model, load_model
from museion.runtime.settings import RuntimeSettings
from museion.scenes.checked_scene import open_scene
from museion.scenes.gltf.gate import CheckedGltf, check_gltf
from museion.scenes.showcase import open_showcase
from tests.conftest import ASSETS, CORPUS, centre_patch, copy_gallery, is_bronze

pytestmark = pytest.mark.render

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
    logger = logging.getLogger("museion.runtime.load_worker")
    handler = WorkerWatch(kill=kill or {})
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _settings(cache: Path, **overrides: Any) -> RuntimeSettings:
    return RuntimeSettings(**{"asset_root": ASSETS, "load_cache_dir": cache, **overrides})


def _cache_files(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.is_dir() else []


# -- generated models ----------------------------------------------------------------------


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
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
    image = _png(side, side, rgb)
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


def _unchecked(path: Path) -> CheckedGltf:
    """A file handed to the worker as if the gate had passed it: what the gate does not
    know yet is exactly what the worker must contain."""
    return CheckedGltf(path=path, size=path.stat().st_size, name=path.name)


# -- the relic through the worker looks like the relic loaded directly ---------------------


def _summary(node: Any) -> dict[str, Any]:
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


def test_the_worker_converts_the_relic_into_the_same_model(tmp_path: Path) -> None:
    import gltf
    from panda3d.core import NodePath

    relic = check_gltf(ASSETS, "relic.glb")
    with watch_workers() as watch:
        ours = load_model(relic, _settings(tmp_path))
    direct = NodePath(gltf.load_model(str(relic.path), gltf.GltfSettings(collision_shapes="none")))
    assert [asset for _, asset in watch.started] == ["relic.glb"]
    assert _summary(ours) == _summary(direct)
    assert _summary(ours)["vertices"] > 10_000  # a real relic, not an empty node
    assert [p.suffix for p in tmp_path.iterdir()] == [".bam"]  # no work files left


def test_the_converted_relic_renders_like_a_direct_load(tmp_path: Path) -> None:
    import gltf
    from panda3d.core import NodePath

    engine = RenderEngine(open_showcase(ASSETS), _settings(tmp_path))
    try:
        assert engine.load_errors == ()
        source = engine.open_view(640, 360, preview=False)
        ours = source.frame(engine.home).copy()
        source.close()
        assert is_bronze(centre_patch(ours)), centre_patch(ours)

        def swap_in_a_direct_load() -> None:
            holder = engine.exhibit_nodes["relic"]
            holder.get_children().detach()
            path = str(ASSETS / "relic.glb")
            settings = gltf.GltfSettings(collision_shapes="none")
            NodePath(gltf.load_model(path, settings)).reparent_to(holder)

        engine.executor.submit(swap_in_a_direct_load).result()
        source = engine.open_view(640, 360, preview=False)
        direct = source.frame(engine.home)
        source.close()
    finally:
        engine.close()
    difference = np.abs(ours.astype(int) - direct.astype(int))
    assert difference.mean() < 0.5, difference.mean()
    assert (difference > 8).mean() < 0.001


@needs_corpus
def test_the_worker_loads_what_the_decoder_makes_of_a_draco_file(tmp_path: Path) -> None:
    """panda3d-gltf cannot read Draco; the worker loads the gate's decoded GLB instead."""
    import gltf
    from panda3d.core import NodePath

    from museion.scenes.gltf.decode import decode_to_glb

    folder = CORPUS / "valid" / "RiggedSimple_Draco"
    draco = check_gltf(folder, "RiggedSimple.gltf")
    decoded = decode_to_glb(draco.path)
    assert decoded is not None
    (tmp_path / "decoded.glb").write_bytes(decoded)
    settings = gltf.GltfSettings(collision_shapes="none")
    direct = NodePath(gltf.load_model(str(tmp_path / "decoded.glb"), settings))
    ours = load_model(draco, _settings(tmp_path / "cache"))
    assert _summary(ours) == _summary(direct)
    assert _summary(ours)["vertices"] > 0


# -- the cache -----------------------------------------------------------------------------


def test_a_cache_hit_starts_no_worker(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    relic = check_gltf(ASSETS, "relic.glb")
    with watch_workers() as watch:
        first = convert_model(relic, _settings(cache))
        assert len(watch.started) == 1
        again = convert_model(relic, _settings(cache))
        load_model(relic, _settings(cache))
    assert again == first
    assert len(watch.started) == 1
    assert _cache_files(cache) == [first.name]


def test_the_least_recently_used_model_leaves_a_full_cache(tmp_path: Path) -> None:
    """Three models of about 480 KiB each (a 400 x 400 texture) in a 1 MiB cache."""
    cache = tmp_path / "cache"
    settings = _settings(cache, load_cache_mb=1)
    a, b, c = (  # three colours: three different files, three keys
        check_gltf(tmp_path, textured_triangle_glb(tmp_path / f"{n}.glb", 400, (n, n, n)).name)
        for n in (10, 20, 30)
    )
    bam_a, bam_b = convert_model(a, settings), convert_model(b, settings)
    assert bam_a.stat().st_size > 400 * 400 * 3
    assert convert_model(a, settings) == bam_a  # a is used again: b is now the oldest
    bam_c = convert_model(c, settings)
    assert sorted(_cache_files(cache)) == sorted([bam_a.name, bam_c.name])
    assert not bam_b.exists()


def test_changing_a_referenced_file_converts_again(tmp_path: Path) -> None:
    """The key covers the ``.bin`` a ``.gltf`` names, not just the ``.gltf`` itself."""
    cache = tmp_path / "cache"
    folder = tmp_path / "model"
    folder.mkdir()
    triangle_gltf(folder, x=1.0)
    with watch_workers() as watch:
        narrow = load_model(check_gltf(folder, "triangle.gltf"), _settings(cache))
        triangle_gltf(folder, x=3.0)  # the same .gltf text, a wider triangle in the .bin
        wide = load_model(check_gltf(folder, "triangle.gltf"), _settings(cache))
    assert len(watch.started) == 2
    assert narrow.get_tight_bounds()[1].x == pytest.approx(1.0)
    assert wide.get_tight_bounds()[1].x == pytest.approx(3.0)
    assert len(_cache_files(cache)) == 2


def test_an_unusable_cache_folder_falls_back_to_a_temp_folder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    relic = check_gltf(ASSETS, "relic.glb")
    with caplog.at_level(logging.WARNING, "museion.runtime.load_worker"):
        node = load_model(relic, _settings(blocker / "models"))
        bam = convert_model(relic, _settings(blocker / "models"))
    assert node.find_all_matches("**/+GeomNode").get_num_paths() > 0
    assert not bam.is_relative_to(tmp_path)
    assert bam.is_file()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # once per run, not once per model
    assert "runtime.load_cache_dir" in warnings[0]


@needs_corpus
def test_every_corpus_file_gets_a_cache_key() -> None:
    """Keys are made before any worker runs, so they must hold on anything: URIs go through
    the gate's resolver (``/dev/zero`` would never end), broken JSON is hashed as bytes."""
    files = sorted(CORPUS.rglob("*.gl*"))
    keys = {cache_key(_unchecked(path)) for path in files}
    assert len(files) > 100
    assert all(len(key) == 64 for key in keys)
    assert len(keys) > 0.9 * len(files)  # files that differ get keys that differ


# -- limits --------------------------------------------------------------------------------


def test_a_model_over_the_memory_limit_is_out_of_memory(tmp_path: Path) -> None:
    """An 8000 x 8000 texture (a 200 KB PNG that decodes to hundreds of MiB) passes the
    gate but not a 384 MiB worker; the relic loads under the same limit."""
    big = textured_triangle_glb(tmp_path / "big-texture.glb", 8000)
    settings = _settings(tmp_path / "cache", load_memory_mb=384)
    assert load_model(check_gltf(ASSETS, "relic.glb"), settings) is not None
    with pytest.raises(AssetLoadFailed) as caught:
        load_model(check_gltf(tmp_path, big.name), settings)
    assert caught.value.code == "LOAD_OUT_OF_MEMORY"
    assert caught.value.asset == "big-texture.glb"
    assert "big-texture.glb" in caught.value.message
    assert "384 MiB" in caught.value.message
    assert "runtime.load_memory_mb" in caught.value.message
    assert len(_cache_files(tmp_path / "cache")) == 1  # the relic's only


def test_a_load_over_the_wall_time_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STALL_ENV, "sleep:60")
    cache = tmp_path / "cache"
    with watch_workers() as watch, pytest.raises(AssetLoadFailed) as caught:
        load_model(check_gltf(ASSETS, "venue.glb"), _settings(cache, load_wall_seconds=1.5))
    assert caught.value.code == "LOAD_TIMEOUT"
    assert "venue.glb" in caught.value.message
    assert "1.5 s" in caught.value.message
    [(pid, _)] = watch.started
    assert not _alive(pid)
    assert _cache_files(cache) == []  # no half model, no work folder


def test_a_load_over_the_cpu_limit_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STALL_ENV, "spin:60")
    with pytest.raises(AssetLoadFailed) as caught:
        load_model(check_gltf(ASSETS, "venue.glb"), _settings(tmp_path, load_cpu_seconds=1))
    assert caught.value.code == "LOAD_CPU_LIMIT"
    assert "venue.glb" in caught.value.message
    assert "runtime.load_cpu_seconds" in caught.value.message


def test_a_worker_killed_mid_load_is_a_crash_naming_the_signal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STALL_ENV, "sleep:60")
    cache = tmp_path / "cache"
    with watch_workers(kill={"relic.glb": 1.0}), pytest.raises(AssetLoadFailed) as caught:
        load_model(check_gltf(ASSETS, "relic.glb"), _settings(cache))
    assert caught.value.code == "LOAD_CRASHED"
    assert "SIGKILL" in caught.value.message
    assert caught.value.message.startswith("relic.glb: ")
    assert _cache_files(cache) == []


_EVIL_TYPE = {
    "asset": {"version": "2.0"},
    "scenes": [{"nodes": [0]}],
    "nodes": [{"mesh": 0}],
    "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
    "accessors": [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "\x1b[2J\nVEC3"}],
    "bufferViews": [{"buffer": 0, "byteLength": 36}],
    "buffers": [{"byteLength": 36, "uri": "data:application/octet-stream;base64," + "A" * 48}],
}


@pytest.mark.parametrize(
    "document",
    [
        {"asset": {"version": "2.0"}, "nodes": [{"mesh": 7}], "scenes": [{"nodes": [0]}]},
        _EVIL_TYPE,  # the loader's error quotes a terminal escape and a newline from the file
    ],
)
def test_a_loader_error_comes_back_as_one_line(tmp_path: Path, document: dict[str, Any]) -> None:
    broken = tmp_path / "broken.gltf"
    broken.write_text(json.dumps(document))
    with pytest.raises(AssetLoadFailed) as caught:
        load_model(_unchecked(broken), _settings(tmp_path / "cache"))
    assert caught.value.code == "LOAD_FAILED"
    assert caught.value.message.startswith("broken.gltf: the model could not be loaded (")
    assert "museion validate" in caught.value.message
    assert "Traceback" not in caught.value.message
    assert caught.value.message.isprintable()


@needs_corpus
@pytest.mark.parametrize(
    ("name", "code", "says"),
    [
        # panda3d-gltf dereferences a buffer that claims a terabyte: a segfault.
        ("bounds/buffer_byteLength_1TiB.gltf", "LOAD_CRASHED", "SIGSEGV"),
        # A negative count becomes a 16 EiB allocation: Panda3D aborts.
        ("bounds/negative_count.gltf", "LOAD_OUT_OF_MEMORY", "at once"),
        # Node cycles recurse until Python gives up.
        ("graph/node_cycle_2.gltf", "LOAD_FAILED", "nests too deeply or loops"),
    ],
)
def test_hostile_files_the_gate_missed_fail_alone(
    tmp_path: Path, name: str, code: str, says: str
) -> None:
    with pytest.raises(AssetLoadFailed) as caught:
        load_model(_unchecked(CORPUS / "hostile" / name), _settings(tmp_path))
    assert caught.value.code == code
    assert says in caught.value.message
    assert "Traceback" not in caught.value.message
    assert "\n" not in caught.value.message


# -- the engine ----------------------------------------------------------------------------


def test_a_failed_exhibit_is_left_out_and_the_rest_renders(tmp_path: Path) -> None:
    gallery = tmp_path / "gallery"
    gallery.mkdir()
    document = copy_gallery(gallery)
    scene = open_scene(document)
    cache = tmp_path / "cache"
    with watch_workers(kill={"relic-meiping.glb": 0.0}) as watch:
        engine = RenderEngine(scene, _settings(cache, asset_root=document.parent))
    try:
        assert [(e.code, e.asset) for e in engine.load_errors] == [
            ("LOAD_CRASHED", "relic-meiping.glb")
        ]
        meiping = engine.exhibit_nodes["celadon-meiping"]
        bronze = engine.exhibit_nodes["bronze-hu"]
        assert meiping.find_all_matches("**/+GeomNode").get_num_paths() == 0
        assert bronze.find_all_matches("**/+GeomNode").get_num_paths() > 0
        source = engine.open_view(640, 360, preview=False)
        home = source.frame(engine.exhibit_views["bronze-hu"][0])
        assert is_bronze(centre_patch(home)), centre_patch(home)
        source.close()
    finally:
        engine.close()
    assert len({asset for _, asset in watch.started}) == len(scene.models)
    # The next start converts only what failed.
    with watch_workers() as watch:
        engine = RenderEngine(scene, _settings(cache, asset_root=document.parent))
    engine.close()
    assert [asset for _, asset in watch.started] == ["relic-meiping.glb"]
    assert engine.load_errors == ()


def test_a_failed_venue_fails_the_engine(tmp_path: Path) -> None:
    with watch_workers(kill={"venue.glb": 0.0}), pytest.raises(AssetLoadFailed) as caught:
        RenderEngine(open_showcase(ASSETS), _settings(tmp_path))
    assert caught.value.code == "LOAD_CRASHED"
    assert caught.value.asset == "venue.glb"


def test_a_failed_pedestal_leaves_the_relics_on_the_floor(tmp_path: Path) -> None:
    gallery = tmp_path / "gallery"
    gallery.mkdir()
    scene = open_scene(copy_gallery(gallery))
    with watch_workers(kill={"pedestal.glb": 0.0}):
        engine = RenderEngine(scene, _settings(tmp_path / "cache", asset_root=gallery))
    try:
        assert [(e.code, e.asset) for e in engine.load_errors] == [("LOAD_CRASHED", "pedestal.glb")]
        assert engine.root.find_all_matches("pedestal-*").get_num_paths() == 0
        bronze = engine.exhibit_nodes["bronze-hu"]
        assert bronze.get_z(engine.root) == pytest.approx(0.0)  # standing on the floor
        assert bronze.find_all_matches("**/+GeomNode").get_num_paths() > 0
    finally:
        engine.close()


def test_a_failed_showcase_relic_leaves_the_venue_serving(tmp_path: Path) -> None:
    with watch_workers(kill={"relic.glb": 0.0}):
        engine = RenderEngine(open_showcase(ASSETS), _settings(tmp_path))
    try:
        [failure] = engine.load_errors
        assert (failure.code, failure.asset) == ("LOAD_CRASHED", "relic.glb")
        source = engine.open_view(320, 180, preview=False)
        image = source.frame(engine.home)
        source.close()
        assert not is_bronze(centre_patch(image))  # the room, without its relic
        assert image.mean() > 20
    finally:
        engine.close()
