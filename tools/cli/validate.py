"""``museion validate PATH... [--json]``: run glTF files through the gate (a thin shell).

Exit 0 when every file passes, 1 when any is refused, 2 on usage errors (argparse).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from museion.scenes.gltf.gate import validate_gltf
from museion.scenes.gltf.report import Reporter

__all__ = ["HELP", "add_arguments", "run"]

HELP = "check glTF files through the asset gate (exit 0 valid, 1 not)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``validate``."""
    parser.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help=".gltf/.glb files or folders of them"
    )
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")


def _report(path: Path) -> dict[str, Any]:
    """One file's full report: every issue with severity, code, pointer and sentence."""
    report = validate_gltf(path.parent, path.name).to_dict()
    report["path"] = str(path)
    return report


def _empty_folder(path: Path) -> dict[str, Any]:
    """A folder named on the command line that holds no glTF is a finding, not silence."""
    reporter = Reporter(path.name)
    reporter.error("NO_GLTF_FILES", "", "the folder holds no .gltf or .glb file")
    return {**reporter.report().to_dict(), "path": str(path)}


def _is_folder(path: Path) -> bool:
    """Whether ``path`` is a folder; a path the system cannot even look at (a name too
    long, a loop) is not, so it goes to the gate, which reports why."""
    try:
        return path.is_dir()
    except OSError:
        return False


def _reports(paths: list[Path]) -> list[dict[str, Any]]:
    """Folders stand for every glTF below them (sorted, symlinks not followed)."""
    reports: list[dict[str, Any]] = []
    for path in paths:
        if _is_folder(path):
            files = sorted(
                p for p in path.rglob("*") if p.suffix.lower() in (".gltf", ".glb") and p.is_file()
            )
            reports += [_report(p) for p in files] if files else [_empty_folder(path)]
        else:
            reports.append(_report(path))
    return reports


def run(args: argparse.Namespace) -> int:
    """Validate every path; one line per issue, or the full report with ``--json``; a
    summary on stderr so stdout stays one line per finding."""
    reports = _reports(args.paths)
    if args.json:
        sys.stdout.write(json.dumps(reports, indent=2, ensure_ascii=False) + "\n")
    else:
        for report in reports:
            if report["valid"]:
                warnings = report["counts"]["warning"]
                note = f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""
                sys.stdout.write(f"{report['path']}: valid{note}\n")
            for issue in report["issues"]:
                where = f"{issue['pointer']}: " if issue["pointer"] else ""
                sys.stdout.write(
                    f"{report['path']}: {issue['severity']} {issue['code']} "
                    f"{where}{issue['message']}\n"
                )
    invalid = sum(not r["valid"] for r in reports)
    errors = sum(r["counts"]["error"] for r in reports)
    warnings = sum(r["counts"]["warning"] for r in reports)
    sys.stderr.write(
        f"{len(reports)} file{'s' if len(reports) != 1 else ''}: {len(reports) - invalid} valid, "
        f"{invalid} invalid ({errors} errors, {warnings} warnings)\n"
    )
    return 0 if reports and not invalid else 1
