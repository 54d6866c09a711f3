"""``museion inspect PATH [--json] [--lines N]``: what a glTF file holds (a thin shell).

The file goes through the gate first: an invalid one prints its errors as ``museion
validate`` does and exits 1.  A valid one prints the summary of
:mod:`museion.scenes.gltf.inspect`: aligned text, or the whole summary with ``--json``.
Names and extras come from the file, so they are shown cleaned of control characters
(no terminal escapes) and cut to a width.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from museion.scenes.gltf.inspect import GltfSummary, MeshSummary, NodeLine, inspect_gltf
from museion.scenes.gltf.report import GltfReport

__all__ = ["HELP", "add_arguments", "format_summary", "run"]

HELP = "summarise a glTF file: scene tree, triangles, draw calls, materials, textures"

_NAME_WIDTH = 32
_VALUE_WIDTH = 96


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``inspect``."""
    parser.description = (
        "Summarise a glTF file after the gate: scene tree, triangles and vertices "
        "per instance, draw calls, materials, textures with GPU memory, extensions, metadata."
    )
    parser.add_argument("path", type=Path, metavar="PATH", help="a .glb or .gltf file")
    parser.add_argument("--json", action="store_true", help="print the full summary as JSON")
    parser.add_argument(
        "--lines",
        type=_lines,
        default=40,
        metavar="N",
        help="at most N lines per section of the text output (default 40; 0 = all)",
    )


def _lines(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def run(args: argparse.Namespace) -> int:
    """Print the summary (or the gate's errors); exit 0 when the file passed the gate."""
    path: Path = args.path
    inspection = inspect_gltf(path.parent, path.name)
    report, summary = inspection.report, inspection.summary
    if args.json:
        data = {
            "path": str(path),
            "report": {**report.to_dict(), "path": str(path)},
            "summary": summary.to_dict() if summary else None,
        }
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    elif summary is None:
        sys.stdout.writelines(_issue_lines(path, report, "error"))
    else:
        sys.stdout.write(format_summary(summary, report, path, max_lines=args.lines))
    return 0 if summary is not None else 1


# -- text ---------------------------------------------------------------------------------


def _clean(value: object, width: int = _NAME_WIDTH) -> str:
    """Text from the file made safe to print: control characters replaced, cut to width."""
    text = "".join(c if c.isprintable() else "?" for c in str(value))
    return text if len(text) <= width else text[: width - 1] + "…"


def _json(value: Any) -> str:
    return _clean(json.dumps(value, ensure_ascii=False, sort_keys=True), _VALUE_WIDTH)


def _bytes(count: int | None) -> str:
    if count is None:
        return "?"
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{count} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"  # pragma: no cover - the loop always returns


def _number(count: int) -> str:
    return f"{count:,}"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    """Aligned columns: numbers (the ``right`` columns) flush right, text flush left."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  " + "  ".join(parts).rstrip() + "\n"

    return [line(headers), *(line(r) for r in rows)]


def _capped(lines: list[str], limit: int, what: str = "") -> list[str]:
    if limit and len(lines) > limit:
        more = len(lines) - limit
        return [*lines[:limit], f"  ... {more} more{' ' + what if what else ''}\n"]
    return lines


def _node_text(node: NodeLine, summary: GltfSummary) -> str:
    name = _clean(node.name) if node.name else f"#{node.index}"
    notes = []
    if node.mesh is not None:
        mesh = summary.meshes[node.mesh]
        label = f' "{_clean(mesh.name)}"' if mesh.name else ""
        notes.append(f"mesh {node.mesh}{label}")
    if node.gpu_instances is not None:
        notes.append(f"x{_number(node.gpu_instances)} GPU instances")
    if node.camera is not None:
        notes.append(f"camera {node.camera}")
    if node.light is not None:
        notes.append(f"light {node.light}")
    if node.skin is not None:
        notes.append(f"skin {node.skin}")
    head = "  " + "  " * node.depth + name
    return (f"{head:<44} {', '.join(notes)}" if notes else head).rstrip() + "\n"


def _issue_lines(path: Path | None, report: GltfReport, severity: str) -> list[str]:
    """Issues as ``museion validate`` prints them (indented, without the path, if none)."""
    lines = []
    for issue in report.issues:
        if issue.severity == severity:
            where = f"{issue.pointer}: " if issue.pointer else ""
            head = f"{path}: " if path is not None else "  "
            lines.append(f"{head}{issue.severity} {issue.code} {where}{issue.message}\n")
    return lines


def _section(title: str, lines: Iterable[str]) -> list[str]:
    body = list(lines)
    return ["\n", f"{title}\n", *body] if body else []


def _header(summary: GltfSummary, report: GltfReport, path: Path) -> list[str]:
    meta = summary.metadata
    version = _clean(meta.version or "?", 16)
    if meta.min_version:
        version += f" (min {_clean(meta.min_version, 16)})"
    warnings = sum(i.severity == "warning" for i in report.issues)
    infos = sum(i.severity == "info" for i in report.issues)
    facts = [
        ("glTF", version),
        ("generator", _clean(meta.generator, _VALUE_WIDTH) if meta.generator else "-"),
        ("copyright", _clean(meta.copyright, _VALUE_WIDTH) if meta.copyright else "-"),
        ("gate", f"valid, {_plural(warnings, 'warning')}, {_plural(infos, 'note')}"),
    ]
    head = (
        f"{path}: {summary.container}, {_bytes(summary.file_bytes)}, "
        f"{_plural(summary.buffers, 'buffer')} of {_bytes(summary.buffer_bytes)}\n"
    )
    return [head, *(f"  {k:<12} {v}\n" for k, v in facts)]


def _totals(summary: GltfSummary) -> list[str]:
    rows = [
        ("triangles", _number(summary.triangles), _number(summary.unique_triangles)),
        ("vertices", _number(summary.vertices), _number(summary.unique_vertices)),
        ("draw calls", _number(summary.draw_calls), ""),
    ]
    lines = _table(("", "drawn", "unique meshes"), rows, {1, 2})
    if summary.draw_modes:
        lines.append(
            "  modes: " + ", ".join(f"{m} {n:,}" for m, n in summary.draw_modes.items()) + "\n"
        )
    counts = ", ".join(f"{k} {n:,}" for k, n in summary.counts.items() if n and k != "accessors")
    if counts:
        lines.append(f"  also: {counts}\n")
    return _section("totals (default scene)", lines)


def _trees(summary: GltfSummary, max_lines: int) -> list[str]:
    out: list[str] = []
    for tree in summary.scenes:
        if tree.index is None:
            title = tree.name
        else:
            title = f"scene {tree.index}" + (f' "{_clean(tree.name)}"' if tree.name else "")
        if tree.default and len(summary.scenes) > 1:
            title += " (default)"
        nodes = [_node_text(n, summary) for n in tree.nodes] or ["  (empty)\n"]
        out += ["\n", f"{title}, {_plural(len(tree.nodes), 'node')}\n"]
        out += _capped(nodes, max_lines, "nodes")
    return out


def _listing(
    title: str,
    headers: Sequence[str],
    rows: list[list[str]],
    right: set[int],
    max_lines: int,
) -> list[str]:
    """A titled table, its rows cut after ``max_lines``; nothing for no rows."""
    if not rows:
        return []
    table = _table(headers, rows, right)
    return _section(f"{title} ({len(rows)})", [table[0], *_capped(table[1:], max_lines)])


def _mesh_notes(mesh: MeshSummary) -> str:
    notes = [m for m in mesh.modes if m != "TRIANGLES"]
    if mesh.morph_targets:
        notes.append(f"{mesh.morph_targets} morph targets")
    return " ".join([*notes, *mesh.compression])


def _meshes(summary: GltfSummary, max_lines: int) -> list[str]:
    rows = [
        [
            str(m.index),
            _clean(m.name) or "-",
            str(m.primitives),
            _number(m.instances),
            _number(m.triangles),
            _number(m.vertices),
            _mesh_notes(m),
        ]
        for m in summary.meshes
    ]
    headers = ("#", "mesh", "prims", "instances", "triangles", "vertices", "notes")
    return _listing("meshes", headers, rows, {0, 2, 3, 4, 5}, max_lines)


def _materials(summary: GltfSummary, max_lines: int) -> list[str]:
    rows = [
        [
            str(m.index),
            _clean(m.name) or "-",
            _clean(m.alpha_mode, 6),
            "double" if m.double_sided else "single",
            " ".join(f"{_clean(t.slot, 48)}:{t.texture}" for t in m.textures) or "-",
            " ".join(_clean(e, 48) for e in m.extensions),
        ]
        for m in summary.materials
    ]
    headers = ("#", "material", "alpha", "sided", "textures (slot:texture)", "extensions")
    return _listing("materials", headers, rows, {0}, max_lines)


def _textures(summary: GltfSummary, max_lines: int) -> list[str]:
    """Only when it says more than "texture i shows image i"."""
    if all(t.image == t.index and not t.name and not t.via for t in summary.textures):
        return []
    rows = [
        [
            str(t.index),
            _clean(t.name) or "-",
            "-" if t.image is None else str(t.image),
            (t.via or "")
            + (f" (fallback {t.fallback})" if t.via and t.fallback is not None else ""),
        ]
        for t in summary.textures
    ]
    return _listing("textures", ("#", "texture", "image", "via"), rows, {0, 2}, max_lines)


def _images(summary: GltfSummary, max_lines: int) -> list[str]:
    rows = [
        [
            str(i.index),
            _clean(i.name) or "-",
            i.encoding or _clean(i.mime_type, 24) or "?",
            f"{i.width}x{i.height}" if i.width is not None else "?",
            _bytes(i.encoded_bytes),
            _bytes(i.gpu_bytes) if i.used else "unused",
            _clean(i.location, 40),
            _clean(i.note, 60),
        ]
        for i in summary.images
    ]
    headers = ("#", "image", "type", "size", "encoded", "GPU est.", "stored in", "note")
    title = f"GPU memory ~{_bytes(summary.gpu_bytes)} with mipmaps"
    lines = _listing("images", headers, rows, {0, 3, 4, 5}, max_lines)
    if lines:
        lines[1] = lines[1].rstrip("\n") + f", {title}\n"
    return lines


def _extensions(summary: GltfSummary) -> list[str]:
    used = " ".join(_clean(e, 60) for e in summary.extensions_used) or "-"
    required = " ".join(_clean(e, 60) for e in summary.extensions_required) or "-"
    return _section("extensions", [f"  used      {used}\n", f"  required  {required}\n"])


def _metadata(summary: GltfSummary, max_lines: int) -> list[str]:
    meta = summary.metadata
    lines = []
    if meta.asset_extras is not None:
        lines.append(f"  /asset extras  {_json(meta.asset_extras)}\n")
    for index, packet in enumerate(meta.xmp_packets):
        users = [p for p, i in meta.xmp_links if i == index]
        shown = ", ".join(users[:5]) + (" ..." if len(users) > 5 else "")
        where = f" (used by {shown})" if users else ""
        lines.append(f"  XMP packet {index}{where}  {_json(packet)}\n")
    lines += [f"  {_clean(p, 40)} extras  {_json(v)}\n" for p, v in meta.extras]
    return _section("metadata", _capped(lines, max_lines))


def format_summary(
    summary: GltfSummary, report: GltfReport, path: Path, *, max_lines: int = 40
) -> str:
    """The human-readable summary; every list is cut after ``max_lines`` (0: no cut)."""
    notes = _issue_lines(None, report, "warning") + _issue_lines(None, report, "info")
    parts = [
        _header(summary, report, path),
        _totals(summary),
        _trees(summary, max_lines),
        _meshes(summary, max_lines),
        _materials(summary, max_lines),
        _textures(summary, max_lines),
        _images(summary, max_lines),
        _extensions(summary),
        _metadata(summary, max_lines),
        _section("gate warnings and notes", _capped(notes, max_lines)),
    ]
    return "".join(line for part in parts for line in part)
