"""Image-based light (runtime/environment.py) and the materials the lean shader reads
itself (runtime/materials.py), on real renders of generated rooms and spheres: a metal
sphere takes the colour of the room around it, up is up, the environment is computed once
per venue, and emissive strength, clearcoat and transmission change pixels the way
docs/materials.md says."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from museion.runtime import environment as environment_module
from museion.runtime.camera import ViewState
from museion.runtime.engine import RenderEngine
from museion.runtime.environment import Environment, cube_directions, gradient, sh9
from museion.runtime.settings import RuntimeSettings
from museion.scenes.gltf.glb import write_glb
from museion.scenes.showcase import open_showcase

pytestmark = pytest.mark.render

Colour = tuple[float, float, float]
GREY: Colour = (0.6, 0.6, 0.6)
FACING = ViewState(target=(0.0, 1.0, 0.0), yaw=0.0, pitch=0.0, distance=2.2, fov=45.0)
SIZE = 96


def _mesh(
    positions: npt.NDArray[Any], normals: npt.NDArray[Any], indices: npt.NDArray[Any]
) -> tuple[Any, Any, Any]:
    return positions.astype("<f4"), normals.astype("<f4"), indices.astype("<u4")


def sphere(centre: Colour, radius: float, rings: int = 16) -> tuple[Any, Any, Any]:
    """A UV sphere's positions, outward normals and triangle indices."""
    theta = np.linspace(0, math.pi, rings + 1)
    phi = np.linspace(0, 2 * math.pi, 2 * rings + 1)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    n = np.stack([np.sin(t) * np.cos(p), np.cos(t), np.sin(t) * np.sin(p)], axis=-1).reshape(-1, 3)
    cols = 2 * rings + 1
    tris = []
    for i in range(rings):
        for j in range(2 * rings):
            a, b = i * cols + j, i * cols + j + 1
            c, d = a + cols, b + cols
            tris += [(a, b, c), (b, d, c)]
    return _mesh(n * radius + np.asarray(centre), n, np.asarray(tris))


def room(walls: Colour, floor: Colour, ceiling: Colour) -> list[tuple[Any, Colour]]:
    """A closed 6 x 3 x 6 m room, faces turned inwards, one mesh per colour."""
    h, top = 3.0, 3.0

    def quad(corners: list[Colour], normal: Colour) -> tuple[Any, Any, Any]:
        pos = np.asarray(corners)
        return _mesh(pos, np.tile(normal, (4, 1)), np.asarray([(0, 1, 2), (0, 2, 3)]))

    floor_q = quad([(-h, 0, -h), (-h, 0, h), (h, 0, h), (h, 0, -h)], (0, 1, 0))
    ceiling_q = quad([(-h, top, -h), (h, top, -h), (h, top, h), (-h, top, h)], (0, -1, 0))
    sides = [
        quad([(-h, 0, -h), (h, 0, -h), (h, top, -h), (-h, top, -h)], (0, 0, 1)),
        quad([(h, 0, h), (-h, 0, h), (-h, top, h), (h, top, h)], (0, 0, -1)),
        quad([(-h, 0, h), (-h, 0, -h), (-h, top, -h), (-h, top, h)], (1, 0, 0)),
        quad([(h, 0, -h), (h, 0, h), (h, top, h), (h, top, -h)], (-1, 0, 0)),
    ]
    return [(floor_q, floor), (ceiling_q, ceiling), *((s, walls) for s in sides)]


def glb(parts: list[tuple[tuple[Any, Any, Any], dict[str, Any]]]) -> bytes:
    """A GLB with one node and primitive per ``(mesh, material)`` of ``parts``."""
    blobs: list[bytes] = []
    views: list[dict[str, Any]] = []
    accessors: list[dict[str, Any]] = []
    offset = 0

    def add(data: npt.NDArray[Any], kind: str, component: int, bounds: bool = False) -> int:
        nonlocal offset
        raw = data.tobytes()
        views.append({"buffer": 0, "byteOffset": offset, "byteLength": len(raw)})
        blobs.append(raw + bytes(-len(raw) % 4))
        offset += len(raw) + (-len(raw) % 4)
        accessor: dict[str, Any] = {
            "bufferView": len(views) - 1,
            "componentType": component,
            "count": int(data.shape[0]) if kind != "SCALAR" else int(data.size),
            "type": kind,
        }
        if bounds:
            accessor["min"] = [float(v) for v in data.min(axis=0)]
            accessor["max"] = [float(v) for v in data.max(axis=0)]
        accessors.append(accessor)
        return len(accessors) - 1

    meshes, materials = [], []
    for (positions, normals, indices), material in parts:
        primitive = {
            "attributes": {
                "POSITION": add(positions, "VEC3", 5126, bounds=True),
                "NORMAL": add(normals, "VEC3", 5126),
            },
            "indices": add(indices.reshape(-1), "SCALAR", 5125),
            "material": len(materials),
        }
        materials.append({"name": f"m{len(materials)}", **material})
        meshes.append({"primitives": [primitive]})
    binary = b"".join(blobs)
    used = sorted({key for m in materials for key in m.get("extensions", {})})
    document: dict[str, Any] = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": list(range(len(meshes)))}],
        "nodes": [{"mesh": i} for i in range(len(meshes))],
        "meshes": meshes,
        "materials": materials,
        "accessors": accessors,
        "bufferViews": views,
        "buffers": [{"byteLength": len(binary)}],
    }
    if used:
        document["extensionsUsed"] = used
    return write_glb(document, binary)


def plain(colour: Colour, metallic: float = 0.0, roughness: float = 1.0) -> dict[str, Any]:
    return {
        "pbrMetallicRoughness": {
            "baseColorFactor": [*colour, 1.0],
            "metallicFactor": metallic,
            "roughnessFactor": roughness,
        }
    }


def showcase(
    folder: Path,
    walls: Colour,
    relic: list[tuple[tuple[Any, Any, Any], dict[str, Any]]],
    floor: Colour = GREY,
    ceiling: Colour = GREY,
    **settings: Any,
) -> RenderEngine:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "venue.glb").write_bytes(glb([(m, plain(c)) for m, c in room(walls, floor, ceiling)]))
    (folder / "relic.glb").write_bytes(glb(relic))
    return RenderEngine(
        open_showcase(folder), RuntimeSettings(asset_root=folder, max_views=2, **settings)
    )


def frame(engine: RenderEngine, state: ViewState = FACING) -> npt.NDArray[np.float64]:
    source = engine.open_view(SIZE, SIZE, preview=False)
    try:
        return np.asarray(source.frame(state), float)
    finally:
        source.close()


MIRROR = plain((1.0, 1.0, 1.0), metallic=1.0, roughness=0.15)
CENTRE = (0.0, 1.0, 0.0)


def test_sh9_of_a_constant_environment_is_that_colour() -> None:
    colour = np.asarray([0.8, 0.3, 0.1], np.float32)
    cube = np.broadcast_to(colour, (6, 16, 16, 3)).astype(np.float32)
    coefficients = sh9(cube)
    for normal in ([0, 0, 1], [1, 0, 0], [0.6, -0.8, 0]):
        x, y, z = normal
        basis = np.asarray(
            [
                0.282095,
                0.488603 * y,
                0.488603 * z,
                0.488603 * x,
                1.092548 * x * y,
                1.092548 * y * z,
                0.315392 * (3 * z * z - 1),
                1.092548 * x * z,
                0.546274 * (x * x - y * y),
            ]
        )
        assert np.allclose(basis @ coefficients, colour, atol=2e-3)
    # The texels' solid angles add up to the sphere.
    assert math.isclose(float(cube_directions(16)[1].sum()), 4 * math.pi, rel_tol=1e-3)


def test_sh9_lights_a_floor_from_the_sky_not_from_below() -> None:
    env = Environment.from_cube(gradient((1.0, 1.0, 1.0), (0.0, 0.0, 0.0), 16))
    d = np.asarray([[0, 0, 1], [0, 0, -1]], np.float32)
    values = np.stack([sh_at(env.sh, n) for n in d])
    assert values[0].min() > 0.75 and values[1].max() < 0.25, values


def sh_at(sh: npt.NDArray[np.float32], n: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    from museion.runtime.environment import _sh_basis

    result: npt.NDArray[np.float32] = _sh_basis(n) @ sh
    return result


def test_a_metal_sphere_takes_the_colour_of_the_room(tmp_path: Path) -> None:
    ball = [(sphere(CENTRE, 0.45), MIRROR)]
    hues = {}
    for name, walls in (("red", (0.8, 0.05, 0.05)), ("blue", (0.05, 0.05, 0.8))):
        engine = showcase(tmp_path / name, walls, ball)
        try:
            assert engine.environment is not None
            image = frame(engine)
        finally:
            engine.close()
        patch = image[40:56, 40:56].reshape(-1, 3).mean(axis=0)  # the sphere's middle
        hues[name] = patch[0] - patch[2]
    assert hues["red"] > 25, hues
    assert hues["blue"] < -25, hues


def test_without_ibl_the_metal_ignores_the_room(tmp_path: Path) -> None:
    ball = [(sphere(CENTRE, 0.45), MIRROR)]
    engine = showcase(tmp_path / "red", (0.8, 0.05, 0.05), ball, ibl=False)
    try:
        assert engine.environment is None
        patch = frame(engine)[40:56, 40:56].reshape(-1, 3).mean(axis=0)
    finally:
        engine.close()
    assert abs(patch[0] - patch[2]) < 25, patch


def test_a_mirror_reflects_the_ceiling_above_and_the_floor_below(tmp_path: Path) -> None:
    ball = [(sphere(CENTRE, 0.45), MIRROR)]
    engine = showcase(
        tmp_path / "room", GREY, ball, floor=(0.8, 0.05, 0.05), ceiling=(0.05, 0.05, 0.8)
    )
    try:
        image = frame(engine)
    finally:
        engine.close()
    top = image[30:38, 44:52].reshape(-1, 3).mean(axis=0)  # the sphere's upper part
    bottom = image[58:66, 44:52].reshape(-1, 3).mean(axis=0)
    assert top[2] - top[0] > 15, (top, bottom)
    assert bottom[0] - bottom[2] > 15, (top, bottom)


def test_the_environment_is_computed_once_per_venue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ball = [(sphere(CENTRE, 0.45), MIRROR)]
    cache = tmp_path / "cache" / "models"
    first = showcase(tmp_path / "a", (0.8, 0.05, 0.05), ball, load_cache_dir=cache)
    try:
        before = frame(first)
    finally:
        first.close()
    assert list((tmp_path / "cache" / "environments").glob("*.npz"))

    def no_capture(*args: Any) -> None:
        raise AssertionError("the environment was captured again")

    monkeypatch.setattr(environment_module, "capture", no_capture)
    with caplog.at_level(logging.INFO, logger="museion.runtime.environment"):
        second = showcase(tmp_path / "a", (0.8, 0.05, 0.05), ball, load_cache_dir=cache)
    try:
        after = frame(second)
    finally:
        second.close()
    assert "read from" in caplog.text
    assert np.abs(before - after).max() <= 2


def two_spheres(left: dict[str, Any], right: dict[str, Any]) -> list[Any]:
    return [
        (sphere((-0.5, 1.0, 0.0), 0.35), left),
        (sphere((0.5, 1.0, 0.0), 0.35), right),
    ]


def halves(image: npt.NDArray[np.float64]) -> tuple[Any, Any]:
    """Mean RGB of the middle of the left and right spheres (96² at FACING)."""
    return (
        image[42:54, 22:32].reshape(-1, 3).mean(axis=0),
        image[42:54, 64:74].reshape(-1, 3).mean(axis=0),
    )


def test_emissive_strength_five_is_brighter_than_one(tmp_path: Path) -> None:
    """The gate folds the strength into the emissive factor: 0.75 against 0.15 here."""
    glow = {**plain((0.05, 0.05, 0.05)), "emissiveFactor": [0.15, 0.1, 0.02]}
    strong = {
        **glow,
        "extensions": {"KHR_materials_emissive_strength": {"emissiveStrength": 5.0}},
    }
    engine = showcase(tmp_path / "glow", GREY, two_spheres(glow, strong))
    try:
        one, five = halves(frame(engine))
    finally:
        engine.close()
    assert five.sum() > one.sum() + 60, (one, five)


def test_a_clearcoat_adds_the_rooms_reflection(tmp_path: Path) -> None:
    dark = plain((0.05, 0.05, 0.05), roughness=1.0)
    coated = {
        **dark,
        "extensions": {
            "KHR_materials_clearcoat": {"clearcoatFactor": 1.0, "clearcoatRoughnessFactor": 0.0}
        },
    }
    engine = showcase(tmp_path / "coat", (0.8, 0.05, 0.05), two_spheres(dark, coated))
    try:
        image = frame(engine)
    finally:
        engine.close()
    # At the rims (grazing angles) the varnish reflects the red walls.
    bare_rim = image[44:52, 17:20].reshape(-1, 3).mean(axis=0)
    coated_rim = image[44:52, 76:79].reshape(-1, 3).mean(axis=0)
    assert coated_rim[0] - coated_rim[2] > bare_rim[0] - bare_rim[2] + 8, (bare_rim, coated_rim)


def test_transmission_lets_the_room_behind_show_through(tmp_path: Path) -> None:
    white = plain((0.9, 0.9, 0.9))
    clear = {
        **white,
        "extensions": {"KHR_materials_transmission": {"transmissionFactor": 1.0}},
    }
    engine = showcase(tmp_path / "glass", (0.05, 0.05, 0.8), two_spheres(white, clear))
    try:
        opaque, through = halves(frame(engine))
    finally:
        engine.close()
    # The opaque sphere is near grey; through the transmissive one, the blue wall.
    assert abs(opaque[2] - opaque[0]) < 40, opaque
    assert through[2] - through[0] > (opaque[2] - opaque[0]) + 40, (opaque, through)
