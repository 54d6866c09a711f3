"""``bench/optimize.py``'s figures: one tool's output at one level (``Result``), sizes
compared at matched surface error, the detail table and the rows for ``bench/run.py``."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from instruments.table import Row
from references.optimizers import TOOL_NAMES

from museion.tools.surface_error import SurfaceError

__all__ = ["Result", "detail", "rows_for"]

MATCH_TOLERANCE = 0.1  # a reference level within 10% of our RMS error counts as matched


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
