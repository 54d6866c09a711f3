"""Upload-to-placeable time for a 50 MB scan: ``museion.tools.studio.import_model``.

Workload: a synthetic relief scan made here with numpy and written by pygltflib (not by our
writer, so the gate reads another tool's output): a 867 x 867 heightfield grid (751,689
vertices with normals and texcoords, 1,499,912 triangles, uint32 indices) and a 2048 x 2048
noisy RGB PNG base colour, about 50 MB as one GLB.  No public scan of that size is in the
corpus; a dense regular grid is the worst case for the welder and the vertex codec alike.

Ours: the whole import with the studio's defaults (gate, decode, dedup, prune, weld,
reorder, quantize, textures capped at 4096 px, meshopt, write, gate again, store the
original and the model), timed per stage from the import's own stats.
Reference, measured in the same run on the same file: what a server must do at the least to
keep an upload at all, copying it into the exhibition and hashing it (sha256) for its
content address.  The ratio is what the gate and the optimizer cost over storing the bytes
blind; no glTF optimizer (gltfpack, gltf-transform) is installed to compare with, and those
do not gate their input anyway.  Median of ``REPEATS`` runs.

    .venv/bin/python bench/upload.py
"""

from __future__ import annotations

import hashlib
import io
import logging
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pygltflib
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from instruments.table import Row, ratio, table  # noqa: E402

from museion.tools.studio import ImportedModel, import_model  # noqa: E402

__all__ = ["run", "scan_glb"]

logger = logging.getLogger(__name__)

SIDE = 867  # vertices per grid side: 2 * 866**2 = 1,499,912 triangles
TEXTURE = 2048
REPEATS = 3


def _texture(seed: int = 7) -> bytes:
    """A noisy colour image, as a photographed surface is (PNG barely compresses it)."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(60, 180, TEXTURE)[None, :, None]
    pixels = rng.integers(0, 60, (TEXTURE, TEXTURE, 3)) + ramp
    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(out, "PNG", compress_level=1)
    return out.getvalue()


def scan_glb(path: Path) -> dict[str, int]:
    """Write the relief scan to ``path``; returns its figures."""
    u, v = np.meshgrid(np.linspace(0, 1, SIDE), np.linspace(0, 1, SIDE), indexing="ij")
    rng = np.random.default_rng(3)
    height = 0.05 * np.sin(12 * u) * np.cos(9 * v) + 0.002 * rng.standard_normal(u.shape)
    positions = np.stack([u - 0.5, height, v - 0.5], -1).reshape(-1, 3).astype(np.float32)
    gu, gv = np.gradient(height, 1 / (SIDE - 1))
    normals = np.stack([-gu, np.ones_like(gu), -gv], -1)
    normals = (normals / np.linalg.norm(normals, axis=-1, keepdims=True)).reshape(-1, 3)
    uvs = np.stack([u, v], -1).reshape(-1, 2).astype(np.float32)
    grid = np.arange(SIDE * SIDE, dtype=np.uint32).reshape(SIDE, SIDE)
    a, b = grid[:-1, :-1].ravel(), grid[:-1, 1:].ravel()
    c, d = grid[1:, :-1].ravel(), grid[1:, 1:].ravel()
    faces = np.concatenate([np.stack([a, b, c], 1), np.stack([b, d, c], 1)]).astype(np.uint32)
    image = _texture()
    parts = [positions.tobytes(), normals.astype(np.float32).tobytes(), uvs.tobytes()]
    parts += [faces.tobytes(), image]
    offsets = np.cumsum([0, *map(len, parts)])
    views = [
        pygltflib.BufferView(buffer=0, byteOffset=int(offsets[i]), byteLength=len(p))
        for i, p in enumerate(parts)
    ]
    n = len(positions)
    accessors = [
        pygltflib.Accessor(
            bufferView=0,
            componentType=pygltflib.FLOAT,
            count=n,
            type="VEC3",
            min=positions.min(0).tolist(),
            max=positions.max(0).tolist(),
        ),
        pygltflib.Accessor(bufferView=1, componentType=pygltflib.FLOAT, count=n, type="VEC3"),
        pygltflib.Accessor(bufferView=2, componentType=pygltflib.FLOAT, count=n, type="VEC2"),
        pygltflib.Accessor(
            bufferView=3, componentType=pygltflib.UNSIGNED_INT, count=faces.size, type="SCALAR"
        ),
    ]
    gltf = pygltflib.GLTF2(
        scene=0,
        scenes=[pygltflib.Scene(nodes=[0])],
        nodes=[pygltflib.Node(mesh=0, name="relief scan")],
        meshes=[
            pygltflib.Mesh(
                primitives=[
                    pygltflib.Primitive(
                        attributes=pygltflib.Attributes(POSITION=0, NORMAL=1, TEXCOORD_0=2),
                        indices=3,
                        material=0,
                    )
                ]
            )
        ],
        materials=[
            pygltflib.Material(
                pbrMetallicRoughness=pygltflib.PbrMetallicRoughness(
                    baseColorTexture=pygltflib.TextureInfo(index=0)
                )
            )
        ],
        textures=[pygltflib.Texture(source=0)],
        images=[pygltflib.Image(bufferView=4, mimeType="image/png")],
        accessors=accessors,
        bufferViews=views,
        buffers=[pygltflib.Buffer(byteLength=int(offsets[-1]))],
    )
    gltf.set_binary_blob(b"".join(parts))
    gltf.save_binary(str(path))
    return {"bytes": path.stat().st_size, "triangles": len(faces), "vertices": n}


def _reference(scan: Path, root: Path) -> float:
    """Copy the upload into the exhibition and hash it: storing it blind."""
    t0 = time.perf_counter()
    digest = hashlib.sha256()
    with scan.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    shutil.copyfile(scan, root / f"{digest.hexdigest()}.glb")
    return time.perf_counter() - t0


def _ours(scan: Path, root: Path) -> tuple[float, ImportedModel]:
    t0 = time.perf_counter()
    model = import_model(root, scan, "relief scan.glb")
    return time.perf_counter() - t0, model


def run() -> list[Row]:
    """Both, ``REPEATS`` times each on fresh exhibitions; rows per stage and in total."""
    with tempfile.TemporaryDirectory(prefix="museion-bench-upload-") as folder:
        work = Path(folder)
        scan = work / "scan.glb"
        figures = scan_glb(scan)
        ours: list[float] = []
        theirs: list[float] = []
        models: list[ImportedModel] = []
        for n in range(REPEATS):
            for kind in ("ours", "theirs"):
                root = work / f"{kind}-{n}"
                root.mkdir()
                if kind == "ours":
                    seconds, model = _ours(scan, root)
                    ours.append(seconds)
                    models.append(model)
                else:
                    theirs.append(_reference(scan, root))
                shutil.rmtree(root)
    workload = (
        f"{figures['bytes'] / 1e6:.1f} MB scan, {figures['triangles']:,} triangles, "
        f"{TEXTURE} px texture"
    )
    ours_s, theirs_s = statistics.median(ours), statistics.median(theirs)
    rows: list[Row] = [
        (
            f"upload to placeable ({workload}) vs copy+sha256, s",
            f"{ours_s:.2f}",
            f"{theirs_s:.2f}",
            ratio(ours_s, theirs_s),
        )
    ]
    per_run: list[dict[str, float]] = []
    for model in models:
        spent: dict[str, float] = {}
        for entry in model.stats["stages"]:  # a step that runs twice (prune) is summed
            spent[entry["name"]] = spent.get(entry["name"], 0.0) + entry["seconds"]
        per_run.append(spent)
    for name in per_run[0]:
        median = statistics.median(spent[name] for spent in per_run)
        rows.append((f"  stage {name}, s", f"{median:.3f}", "", ""))
    after = models[-1].stats["after"]
    rows.append(
        (
            "  model bytes after import vs upload",
            f"{after['bytes']:,}",
            f"{figures['bytes']:,}",
            ratio(after["bytes"], figures["bytes"]),
        )
    )
    return rows


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    sys.stdout.write(table(run()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
