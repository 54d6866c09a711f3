"""``museion optimize IN OUT``: a thin shell over :func:`museion.tools.transform.optimize`.

The input goes through the gate first (its errors: exit 1 with their codes); the output's
format follows OUT's suffix (``.glb``, or ``.gltf`` beside a ``.bin``), is written
atomically and is run through the gate again.  Exit 0 done, 1 failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from museion.scenes.gltf.gate import validate_gltf
from museion.scenes.gltf.report import GltfInvalid
from museion.scenes.gltf.uri import IMAGE_MEDIA_TYPES, FileUri, resolve_uri
from museion.tools.transform import OptimizeOptions, optimize
from museion.tools.transform.document import GltfDocument, read_document, write_document
from museion.tools.transform.geometry import ReorderOptions
from museion.tools.transform.simplify import SimplifyOptions
from museion.tools.transform.textures import TextureOptions

__all__ = ["HELP", "add_arguments", "options_from_args", "run"]

HELP = "make a glTF smaller: dedup, prune, weld, simplify, quantize, compress, textures"


def _ratio(text: str) -> float:
    value = float(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError("a ratio is above 0 and at most 1")
    return value


def _error(text: str) -> float:
    value = float(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError("an error is above 0 and below 1 (0.01 is 1%)")
    return value


def _size(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("a texture size is at least 1 pixel")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``optimize``."""
    parser.add_argument("input", type=Path, metavar="IN", help="a .glb or .gltf file")
    parser.add_argument("output", type=Path, metavar="OUT", help="the .glb or .gltf to write")
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument(
        "--simplify",
        type=_ratio,
        metavar="RATIO",
        help="keep this share of the triangles (0.5 = half)",
    )
    amount.add_argument(
        "--error",
        type=_error,
        metavar="E",
        help="simplify as far as the surface stays within E of the mesh extent (0.01 = 1%%),"
        " by meshoptimizer's estimate as gltfpack -se; the exact deviation is reported",
    )
    parser.add_argument(
        "--texture-size",
        type=_size,
        metavar="N",
        help="resize textures to at most N pixels on the long side",
    )
    parser.add_argument(
        "--texture-format",
        choices=["keep", "webp", "ktx2"],
        default="keep",
        help="re-encode textures (default keep)",
    )
    parser.add_argument(
        "--compress",
        choices=["meshopt", "draco", "none"],
        default="meshopt",
        help="geometry compression (default meshopt)",
    )
    for step in ("dedup", "prune", "weld", "reorder", "quantize"):
        parser.add_argument(f"--no-{step}", action="store_true", help=f"skip {step}")
    parser.add_argument(
        "--lock-border",
        action="store_true",
        help="keep open borders in place when simplifying (pieces meant to meet stay sealed)",
    )
    parser.add_argument(
        "--progress",
        action="store_true",
        help="show a progress bar even when stderr is not a terminal",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def options_from_args(args: argparse.Namespace) -> OptimizeOptions:
    """The pipeline's options from the parsed flags."""
    options = OptimizeOptions(compress=args.compress)
    if args.compress == "none":
        # Nothing compresses the streams: order triangles for the GPU's vertex cache.
        options = replace(options, reorder=ReorderOptions(optimize_size=False))
    if args.simplify is not None or args.error is not None:
        options = replace(
            options,
            simplify=SimplifyOptions(
                ratio=args.simplify or 1.0, error=args.error, lock_border=args.lock_border
            ),
        )
    if args.texture_size is not None or args.texture_format != "keep":
        options = replace(
            options, textures=TextureOptions(max_size=args.texture_size, format=args.texture_format)
        )
    skipped = {
        step: None
        for step in ("dedup", "prune", "weld", "reorder", "quantize")
        if getattr(args, f"no_{step}")
    }
    return replace(options, **skipped)  # type: ignore[arg-type]


def _input_bytes(path: Path, doc_json: dict[str, Any]) -> int:
    """The file plus the external buffers and images it names."""
    total = path.stat().st_size
    for kind in ("buffers", "images"):
        for index, entry in enumerate(doc_json.get(kind, [])):
            uri = entry.get("uri") if isinstance(entry, dict) else None
            if isinstance(uri, str) and not uri.startswith("data:"):
                found = resolve_uri(
                    uri,
                    path.parent,
                    f"/{kind}/{index}/uri",
                    media_types=IMAGE_MEDIA_TYPES,
                    max_bytes=2**40,
                )
                total += found.size if isinstance(found, FileUri) else 0
    return total


def _figures(doc: GltfDocument) -> dict[str, int]:
    return {
        "triangles": doc.triangle_count(),
        "vertices": doc.vertex_count(),
        "textures": len(doc.images),
        "texture_bytes": sum(len(i) for i in doc.images),
    }


def run(args: argparse.Namespace) -> int:
    """Optimize IN into OUT and print what each step did; exit 1 when OUT fails the gate."""
    started = time.perf_counter()
    try:
        doc = read_document(args.input)
    except GltfInvalid as exc:
        for issue in exc.report.errors:
            where = f"{issue.pointer}: " if issue.pointer else ""
            sys.stderr.write(f"museion: {args.input}: {issue.code} {where}{issue.message}\n")
        return 1
    from museion.scenes.gltf.gate import read_gltf

    original = read_gltf(args.input.parent, args.input.name).document
    before = {"bytes": _input_bytes(args.input, original), **_figures(doc)}
    show = args.progress or sys.stderr.isatty()
    options = options_from_args(args)
    from tqdm import tqdm

    with tqdm(
        total=None, desc="optimize", unit="step", disable=not show, file=sys.stderr, leave=False
    ) as bar:

        def on_step(name: str) -> None:
            bar.set_postfix_str(name)
            bar.update(1)

        steps = optimize(doc, options, on_step)
    written = write_document(doc, args.output)
    report = validate_gltf(args.output.parent, args.output.name)
    after = {"bytes": written, **_figures(doc)}
    summary: dict[str, Any] = {
        "input": str(args.input),
        "output": str(args.output),
        "before": before,
        "after": after,
        "steps": [
            {"name": s.stats.name, **s.stats.counts, "seconds": round(s.seconds, 4)} for s in steps
        ],
        "seconds": round(time.perf_counter() - started, 3),
        "output_valid": report.valid,
    }
    if args.json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        _print(summary)
    for issue in report.errors:
        sys.stderr.write(f"museion: {args.output}: {issue.code} {issue.pointer}: {issue.message}\n")
    return 0 if report.valid else 1


def _print(summary: dict[str, Any]) -> None:
    before, after = summary["before"], summary["after"]
    out = sys.stdout
    out.write(f"{summary['input']} -> {summary['output']}\n")
    for key in ("bytes", "triangles", "vertices", "textures", "texture_bytes"):
        old, new = before[key], after[key]
        share = f" ({new / old:.1%})" if old else ""
        out.write(f"  {key:<14} {old:>12,} -> {new:>12,}{share}\n")
    for step in summary["steps"]:
        counts = ", ".join(f"{k} {v}" for k, v in step.items() if k not in ("name", "seconds"))
        out.write(f"  {step['name']:<9} {step['seconds']:8.3f} s  {counts}\n")
    out.write(f"  total     {summary['seconds']:8.3f} s\n")
