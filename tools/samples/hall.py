"""``hall.glb``: the example exhibition's 18 x 12 m hall, with a stone floor, plaster walls,
glowing ceiling panels, a partition and one key light."""

from __future__ import annotations

import numpy as np

from museion.tools.samples.document import SampleDocument
from museion.tools.samples.geometry import F64, Arrays, box, look_along, merge, metric_uvs
from museion.tools.samples.textures import noise, normal_map, pack_textures

__all__ = ["build_hall"]


HALL = ((-9.0, 9.0), (-6.0, 6.0), 4.5)  # interior x range, z range, ceiling height


WALL = 0.2


PARTITION = ((-2.5, 2.5), (-4.15, -3.85), 3.0)


KEY_DIRECTION = (-0.45, -0.75, -0.5)  # where the key light shines, from behind the entrance


FLOOR_TILE, FLOOR_REPEAT = 0.6, 2.4  # stone tiles; the floor image spans 4 x 4 of them


def _floor_textures() -> tuple[F64, F64, F64]:
    """Honed limestone tiles (each its own shade, faintly veined) in grey grout: base colour,
    normal map (the grout joints are sunk) and roughness, for a 2.4 m square of floor."""
    size = 512
    rng = np.random.default_rng(71)
    tiles = round(FLOOR_REPEAT / FLOOR_TILE)
    cell = size // tiles
    shade = rng.uniform(-1.0, 1.0, (tiles, tiles))
    index = np.arange(size) // cell
    per_tile = shade[index[:, None], index[None, :]]
    vein = noise(rng, size, falloff=1.3, stretch=0.6)
    position = np.arange(size) % cell
    joint_1d = np.minimum(position, cell - 1 - position) < 1.5
    joint = (joint_1d[:, None] | joint_1d[None, :]).astype(np.float64)
    stone = np.array([0.64, 0.6, 0.54]) * (1.0 + 0.05 * per_tile[..., None])
    stone = stone * (0.93 + 0.1 * vein[..., None])
    base = stone * (1.0 - joint[..., None]) + np.array([0.46, 0.44, 0.41]) * joint[..., None]
    normal = normal_map(-joint, strength=1.5)
    roughness = 0.42 + 0.08 * vein + 0.45 * joint
    return base, normal, roughness


def _plaster_texture() -> tuple[F64, F64]:
    """Faintly mottled plaster (near white, tinted by each material's factor) and roughness."""
    size = 256
    rng = np.random.default_rng(73)
    mottle = noise(rng, size, falloff=1.6)
    fine = noise(rng, size, falloff=0.8)
    base = np.repeat((0.9 + 0.06 * mottle + 0.03 * fine)[..., None], 3, axis=2)
    return base, 0.85 + 0.1 * fine


def build_hall() -> bytes:
    """One exhibition hall: a stone floor, plaster walls 0.2 m thick outside the interior,
    a ceiling with glowing light panels, a free-standing partition, and one directional key
    light (KHR_lights_punctual), as GLB."""
    doc = SampleDocument()
    (x0, x1), (z0, z1), ceiling = HALL
    floor_base, floor_normal, floor_rough = _floor_textures()
    unmetallic = np.zeros_like(floor_rough)
    floor_textures = pack_textures(doc, floor_base, floor_normal, floor_rough, unmetallic)
    plaster, plaster_rough = _plaster_texture()
    plaster_textures = pack_textures(
        doc, plaster, None, plaster_rough, np.zeros_like(plaster_rough)
    )
    floor_material = doc.material("limestone floor", (1.0, 1.0, 1.0), 1.0, 1.0, floor_textures)
    walls = doc.material("plaster walls", (0.6, 0.57, 0.52), 1.0, 1.0, plaster_textures)
    partition_paint = doc.material("partition, red", (0.3, 0.06, 0.04), 1.0, 1.0, plaster_textures)
    ceiling_paint = doc.material("ceiling", (0.5, 0.5, 0.52), 0.0, 0.9)
    panels_glow = doc.material(
        "light panels", (1.0, 1.0, 1.0), 0.0, 0.9, emissive=(0.95, 0.92, 0.86)
    )

    corners = np.array(
        [
            (x0 - WALL, z0 - WALL),
            (x1 + WALL, z0 - WALL),
            (x1 + WALL, z1 + WALL),
            (x0 - WALL, z1 + WALL),
        ]
    )
    floor: Arrays = {
        "POSITION": np.array([(x, 0.0, z) for x, z in corners], np.float32),
        "NORMAL": np.tile(np.array([0.0, 1.0, 0.0], np.float32), (4, 1)),
        "TANGENT": np.tile(np.array([1.0, 0.0, 0.0, 1.0], np.float32), (4, 1)),
        "TEXCOORD_0": (corners / FLOOR_REPEAT).astype(np.float32),
        "indices": np.array([0, 2, 1, 0, 3, 2], np.uint32),
    }
    width, depth = x1 - x0 + 2 * WALL, z1 - z0 + 2 * WALL
    centre_x, centre_z = (x0 + x1) / 2, (z0 + z1) / 2
    boxes = {
        "wall_north": ((x1 - x0, ceiling, WALL), (centre_x, ceiling / 2, z0 - WALL / 2)),
        "wall_south": ((x1 - x0, ceiling, WALL), (centre_x, ceiling / 2, z1 + WALL / 2)),
        "wall_west": ((WALL, ceiling, depth), (x0 - WALL / 2, ceiling / 2, centre_z)),
        "wall_east": ((WALL, ceiling, depth), (x1 + WALL / 2, ceiling / 2, centre_z)),
    }
    roots = [doc.node(name="floor", mesh=doc.mesh("floor", floor, floor_material))]
    for name, (size, centre) in boxes.items():
        mesh = doc.mesh(name, metric_uvs(box(size, centre), 2.0), walls)
        roots.append(doc.node(name=name, mesh=mesh))
    slab = box((width, WALL, depth), (centre_x, ceiling + WALL / 2, centre_z))
    roots.append(doc.node(name="ceiling", mesh=doc.mesh("ceiling", slab, ceiling_paint)))
    panels = []
    for px in (-6.0, -2.0, 2.0, 6.0):
        for pz in (-3.0, 1.0, 4.5):
            panels.append(box((1.6, 0.01, 1.0), (px, ceiling - 0.005, pz)))
    panel_mesh = merge(*panels)
    roots.append(
        doc.node(name="light_panels", mesh=doc.mesh("light_panels", panel_mesh, panels_glow))
    )
    (px0, px1), (pz0, pz1), height = PARTITION
    partition = box((px1 - px0, height, pz1 - pz0), ((px0 + px1) / 2, height / 2, (pz0 + pz1) / 2))
    mesh = doc.mesh("partition", metric_uvs(partition, 2.0), partition_paint)
    roots.append(doc.node(name="partition", mesh=mesh))
    key = {"name": "key", "type": "directional", "color": [1.0, 0.96, 0.9], "intensity": 3.0}
    roots.append(doc.light(key, name="key_light", rotation=look_along(KEY_DIRECTION)))
    return doc.glb(roots)
