"""``museion validate PATH... [--json]``: run glTF files through the gate (a thin shell).

Exit 0 when every file passes, 1 when any is refused, 2 on usage errors (argparse).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from museion.scenes.gltf_gate import validate_gltf

__all__ = ["add_validate_command", "run_validate"]


def add_validate_command(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``validate`` on the CLI."""
    validate = verbs.add_parser("validate", help="check glTF files (exit 0 valid, 1 not)")
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    validate.add_argument("--json", action="store_true", help="print the full report as JSON")


def _report(path: Path) -> dict[str, Any]:
    """One file's full report: every issue with severity, code, pointer and sentence."""
    report = validate_gltf(path.parent, path.name).to_dict()
    report["path"] = str(path)
    return report


def run_validate(args: argparse.Namespace) -> int:
    """Validate every path; one line per issue, or the full report with ``--json``."""
    reports = [_report(path) for path in args.paths]
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
    return 0 if all(r["valid"] for r in reports) else 1
