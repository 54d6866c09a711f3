"""The toolchain's errors: one branch of the tree rooted at :class:`MuseionError`.

Each carries a stable ``code`` and a sentence for museum staff; the CLI prints both and
exits 1.
"""

from __future__ import annotations

from museion.scenes.errors import MuseionError

__all__ = ["ConfigError", "ImportRefused", "OptimizeError", "OutputError", "ToolError"]


class ToolError(MuseionError):
    """Base of the authoring toolchain's errors."""

    code = "TOOL_ERROR"


class ConfigError(ToolError):
    """A config file, environment variable or flag has a bad value."""

    code = "CONFIG_INVALID"


class OptimizeError(ToolError):
    """A glTF file could not be optimized; ``code`` says why, the message says where."""

    code = "OPTIMIZE_FAILED"


class OutputError(ToolError):
    """An output file cannot be written where it was asked for."""

    code = "OUTPUT_UNWRITABLE"


class ImportRefused(ToolError):
    """An uploaded model was not imported; ``report`` lists why as ``{code, severity,
    pointer, message}`` findings (the gate's, or one of the importer's own), and nothing
    was written under the exhibition."""

    code = "MODEL_REFUSED"

    def __init__(
        self, message: str, report: list[dict[str, str]], *, code: str | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.report = report
