"""The sample files: written again byte for byte, small, labelled, loadable by the runtime."""

from __future__ import annotations

from pathlib import Path

import pytest

from museion.tools.samples.files import main, sample_builders, write_samples
from tests.conftest import ASSETS
from tests.tools.samples.reading import (
    load,
)

ALL_FILES = list(sample_builders())


def test_regenerating_gives_byte_identical_files(tmp_path: Path) -> None:
    written = write_samples(tmp_path)
    assert [p.name for p in written] == ALL_FILES
    assert ALL_FILES[:4] == ["relic.glb", "venue.glb", "pedestal.glb", "hall.glb"]
    assert len(ALL_FILES) >= 9  # five relics or more
    for path in written:
        assert path.read_bytes() == (ASSETS / path.name).read_bytes(), path.name


def test_main_writes_into_the_given_folder(tmp_path: Path) -> None:
    assert main([str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(ALL_FILES)


@pytest.mark.parametrize("name", ALL_FILES)
def test_committed_files_are_small_and_labelled(name: str) -> None:
    limit = 2 * 1024 * 1024 if name == "relic.glb" else 1024 * 1024
    assert (ASSETS / name).stat().st_size <= limit
    doc = load(ASSETS / name)
    assert doc.asset.version == "2.0"
    assert doc.asset.generator == "museion sample_assets"


def test_the_assets_folder_stays_small() -> None:
    assert sum(p.stat().st_size for p in ASSETS.iterdir()) < 8 * 1024 * 1024


@pytest.mark.render
def test_panda3d_gltf_loads_both_files() -> None:
    """The runtime's loader converts them (no window or graphics pipe needed to load)."""
    import gltf
    from panda3d.core import Filename, NodePath

    relic = NodePath(gltf.load_model(Filename.from_os_specific(str(ASSETS / "relic.glb"))))
    assert relic.find_all_matches("**/+GeomNode").get_num_paths() == 1
    low, high = relic.get_tight_bounds()
    assert high.z - low.z == pytest.approx(0.456, abs=0.01)  # Panda3D is Z-up

    venue = NodePath(gltf.load_model(Filename.from_os_specific(str(ASSETS / "venue.glb"))))
    assert not venue.find("**/exhibit_anchor").is_empty()
    assert venue.find_all_matches("**/+DirectionalLight").get_num_paths() == 1
    assert venue.find_all_matches("**/+PointLight").get_num_paths() == 1

    hall = NodePath(gltf.load_model(Filename.from_os_specific(str(ASSETS / "hall.glb"))))
    assert hall.find_all_matches("**/+DirectionalLight").get_num_paths() == 1
    pedestal = NodePath(gltf.load_model(Filename.from_os_specific(str(ASSETS / "pedestal.glb"))))
    assert pedestal.find("**/exhibit_anchor").get_z(pedestal) == pytest.approx(1.0)
