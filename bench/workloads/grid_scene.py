"""A large exhibition for ``bench/gallery.py``: the example's exhibits repeated on a grid."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

__all__ = ["EXAMPLE", "GRID_EXHIBITS", "grid_scene"]

EXAMPLE = Path(__file__).resolve().parents[2] / "assets" / "example.scene.json"
GRID_EXHIBITS = 200
GRID_SPACING = 2.5  # metres between exhibits
EYE = 1.6


def grid_scene(folder: Path, count: int = GRID_EXHIBITS) -> Path:
    """A copy of the example's folder plus ``grid.scene.json``: ``count`` exhibits on a grid.

    The exhibits reuse the example's exhibits (asset, metadata, hotspots) in rotation, with
    no pedestal, in a walkable square around the grid; the spawn faces the grid's front row.
    Files are copied, not linked: the glTF gate refuses links leading out of the asset root.
    """
    shutil.copytree(EXAMPLE.parent, folder, dirs_exist_ok=True)
    data = json.loads(EXAMPLE.read_text("utf-8"))
    sources = data["exhibits"]
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    x0 = -(columns - 1) * GRID_SPACING / 2
    z0 = -(rows - 1) * GRID_SPACING / 2
    exhibits = []
    for n in range(count):
        source = sources[n % len(sources)]
        exhibit = {
            k: v for k, v in source.items() if k not in ("id", "transform", "parent", "anchor")
        }
        row, column = divmod(n, columns)
        exhibit["id"] = f"grid-{n:03d}"
        exhibit["pedestal"] = False
        exhibit["transform"] = {
            "translation": [x0 + column * GRID_SPACING, 0.0, z0 + row * GRID_SPACING],
            "rotation": [0.0, 0.0, 0.0],
            "scale": source.get("transform", {}).get("scale", 1.0),
        }
        exhibits.append(exhibit)
    half_x = (columns - 1) * GRID_SPACING / 2 + GRID_SPACING
    half_z = (rows - 1) * GRID_SPACING / 2 + GRID_SPACING
    data["exhibits"] = exhibits
    data["tours"] = []
    data["walkable"] = [[-half_x, -half_z], [half_x, -half_z], [half_x, half_z], [-half_x, half_z]]
    data["spawn"] = {"position": [0.0, EYE, half_z - GRID_SPACING / 2], "yaw": 0.0}
    path = folder / "grid.scene.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    return path
