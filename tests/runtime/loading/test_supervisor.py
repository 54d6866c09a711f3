"""The supervisor: a worker over a limit, out of time, killed or crashed on a hostile file
fails that asset alone, with a sentence that says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from museion.runtime.errors import AssetLoadFailed
from museion.runtime.loading import STALL_ENV, load_model
from museion.scenes.gltf.gate import check_gltf
from tests.conftest import ASSETS, CORPUS
from tests.runtime.loading.workers import (
    alive,
    cache_files,
    cache_settings,
    needs_corpus,
    textured_triangle_glb,
    unchecked,
    watch_workers,
)

pytestmark = pytest.mark.render


def test_a_model_over_the_memory_limit_is_out_of_memory(tmp_path: Path) -> None:
    """An 8000 x 8000 texture (a 200 KB PNG that decodes to hundreds of MiB) passes the
    gate but not a 384 MiB worker; the relic loads under the same limit."""
    big = textured_triangle_glb(tmp_path / "big-texture.glb", 8000)
    settings = cache_settings(tmp_path / "cache", load_memory_mb=384)
    assert load_model(check_gltf(ASSETS, "relic.glb"), settings) is not None
    with pytest.raises(AssetLoadFailed) as caught:
        load_model(check_gltf(tmp_path, big.name), settings)
    assert caught.value.code == "LOAD_OUT_OF_MEMORY"
    assert caught.value.asset == "big-texture.glb"
    assert "big-texture.glb" in caught.value.message
    assert "384 MiB" in caught.value.message
    assert "runtime.load_memory_mb" in caught.value.message
    assert len(cache_files(tmp_path / "cache")) == 1  # the relic's only


def test_a_load_over_the_wall_time_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STALL_ENV, "sleep:60")
    cache = tmp_path / "cache"
    with watch_workers() as watch, pytest.raises(AssetLoadFailed) as caught:
        load_model(check_gltf(ASSETS, "venue.glb"), cache_settings(cache, load_wall_seconds=1.5))
    assert caught.value.code == "LOAD_TIMEOUT"
    assert "venue.glb" in caught.value.message
    assert "1.5 s" in caught.value.message
    [(pid, _)] = watch.started
    assert not alive(pid)
    assert cache_files(cache) == []  # no half model, no work folder


def test_a_load_over_the_cpu_limit_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STALL_ENV, "spin:60")
    with pytest.raises(AssetLoadFailed) as caught:
        load_model(check_gltf(ASSETS, "venue.glb"), cache_settings(tmp_path, load_cpu_seconds=1))
    assert caught.value.code == "LOAD_CPU_LIMIT"
    assert "venue.glb" in caught.value.message
    assert "runtime.load_cpu_seconds" in caught.value.message


def test_a_worker_killed_mid_load_is_a_crash_naming_the_signal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STALL_ENV, "sleep:60")
    cache = tmp_path / "cache"
    with watch_workers(kill={"relic.glb": 1.0}), pytest.raises(AssetLoadFailed) as caught:
        load_model(check_gltf(ASSETS, "relic.glb"), cache_settings(cache))
    assert caught.value.code == "LOAD_CRASHED"
    assert "SIGKILL" in caught.value.message
    assert caught.value.message.startswith("relic.glb: ")
    assert cache_files(cache) == []


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
        load_model(unchecked(CORPUS / "hostile" / name), cache_settings(tmp_path))
    assert caught.value.code == code
    assert says in caught.value.message
    assert "Traceback" not in caught.value.message
    assert "\n" not in caught.value.message
