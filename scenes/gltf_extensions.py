"""Which glTF extensions Museion decodes, renders or ignores, said in the gate's report.

(Being built for issue 5.)
"""

from __future__ import annotations

from typing import Any

from museion.scenes.gltf_report import Reporter

__all__ = ["check_extensions"]


def check_extensions(document: dict[str, Any], report: Reporter) -> None:
    """Report required extensions Museion cannot honour, and used ones it will not render."""
